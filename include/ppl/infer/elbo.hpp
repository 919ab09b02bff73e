#pragma once
// elbo(observe(...), ...): the negative ELBO of a model, generated from its expression.
//
//   -ELBO per data point = mean_batch [sum_k -log p(x_k | ...) + sum_local KL(q_s || p_s)]
//                          + (1/N) sum_global KL(q_g || p_g)
//
// which is the full-dataset -ELBO divided by N: a minibatch of B out of N data points stands for
// the dataset with weight N/B, and a global site's KL enters once per dataset.
// Each site's KL term is the registered closed form when there is one, else the Monte Carlo
// log q(z) - log p(z). Gradients follow each site's estimator. A score-function site adds a
// surrogate whose gradient is mean_j (f_j - b_j) grad log q(z_j), where f holds only the cost
// terms whose expressions contain that site (found at compile time).
#include <Eigen/Core>
#include <array>
#include <cmath>
#include <span>
#include <sstream>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "ppl/core/graph.hpp"
#include "ppl/core/let.hpp"
#include "ppl/core/noise.hpp"
#include "ppl/core/random.hpp"
#include "ppl/dist/kl.hpp"
#include "ppl/estimators/policy.hpp"
#include "ppl/estimators/score_function.hpp"
#include "ppl/infer/cost_terms.hpp"
#include "ppl/infer/model_sites.hpp"
#include "ppl/infer/named_inputs.hpp"
#include "ppl/infer/observe.hpp"
#include "ppl/infer/partly_observed.hpp"
#include "ppl/infer/sample.hpp"
#include "ppl/infer/step.hpp"
#include "ppl/ops/arithmetic.hpp"
#include "ppl/ops/check.hpp"
#include "ppl/ops/reduce.hpp"
#include "ppl/ops/stop_gradient.hpp"

namespace ppl {

/// Settings fixed when the objective is built.
struct elbo_settings {
    Eigen::Index samples = 1;    // K samples of every site per data point (averaged)
    double baseline_decay = 0.9; // beta of moving-average baselines
    double control_rate = 0.01;  // Adam's step size for learned control variates (rebar's eta and tau)
    Eigen::Index dataset_size = 0;  // N, the data points of the whole dataset (needed by global sites)
    Eigen::Index max_enumerated = 1024;  // the most joint values an enumerated site may lay the batch out for
};

namespace detail {

// The per-sample KL term of a site: closed form if registered, else Monte Carlo at the sample.
template <class Site>
auto site_kl(const Site& site) {
    const auto& q = site.info.q;
    const auto& prior = site.info.prior;
    if constexpr (has_analytic_kl<std::remove_cvref_t<decltype(q)>, std::remove_cvref_t<decltype(prior)>>) {
        return column_sum(kl_terms(q, prior));
    } else {
        static_assert(!estimator_traits<estimator_of<Site>>::needs_analytic_kl,
                      "ppl: a relaxed site's values leave q's support, so its KL term must be in closed form (a "
                      "categorical, uniform_categorical or uniform_bernoulli prior).");
        return column_sum(log_prob(q, site) - log_prob(prior, site));
    }
}

// A global site's KL term is one number per dataset: a q with several columns is an error.
template <class Site>
auto scoped_kl(const Site& site) {
    if constexpr (is_global_site_v<Site>) {
        static constexpr auto what = concat(
            concat(fixed_string{"site "}, let_name_of<Site>),
            fixed_string{" is global (one draw per dataset), so its q needs parameters with one column that do not read the data"});
        return require_one_column(site_kl(site), what.view());
    } else {
        return site_kl(site);
    }
}

// Keeps the sites whose estimator lays out its own column blocks per data point (with filter_t): a
// fixed number of them, or as many as the objective counts when it binds a batch (enumerate).
template <class S>
struct lays_out_blocks : std::bool_constant<(estimator_traits<estimator_of<S>>::column_blocks > 1 ||
                                             estimator_traits<estimator_of<S>>::counts_blocks)> {};

// Keeps the sites whose estimator does not train in elbo(...) (with filter_t).
template <class S>
struct untrained_by_elbo : std::bool_constant<!estimator_traits<estimator_of<S>>::trains_elbo> {};

// True when every site is pathwise or lays out its own column blocks.
template <class... S>
constexpr bool all_pathwise_or_blocked(type_list<S...>) {
    return (true && ... && (std::is_same_v<estimator_of<S>, pathwise> || lays_out_blocks<S>::value));
}

}  // namespace detail

/// The objective built by elbo(): owns the graph of the loss and the baselines' state.
/// It is neither copied nor moved (the graph points at its baselines).
template <class... Observations>
class elbo_objective {
public:
    /// The model's random sites (let nodes) in evaluation order.
    using sites_type = detail::model_sites_t<Observations...>;
    static constexpr std::size_t site_count = sites_type::size;

    /// The sites whose estimator lays out its own column blocks per data point (at most one).
    using blocked_sites_type = filter_t<detail::lays_out_blocks, sites_type>;
    /// True when a site's estimator lays out column blocks, block 0 holding the model's exact samples.
    static constexpr bool has_blocked_sites = blocked_sites_type::size > 0;

    /// The sites drawn once per dataset (sample<"w", global>), whose KL enters once per dataset.
    using global_sites_type = filter_t<detail::is_global_site, sites_type>;
    static constexpr bool has_global_sites = global_sites_type::size > 0;
    static constexpr bool has_local_sites = global_sites_type::size < site_count;

    /// The sites observed for some data points (partly_observed), whose -alpha log q(y | x) the
    /// loss adds on those points.
    using partly_observed_sites_type = filter_t<detail::is_partly_observed, sites_type>;
    static constexpr bool has_partly_observed_sites = partly_observed_sites_type::size > 0;

private:
    static constexpr Eigen::Index column_blocks = [] {
        if constexpr (has_blocked_sites) return estimator_traits<estimator_of<at_t<0, blocked_sites_type>>>::column_blocks;
        else return Eigen::Index{1};
    }();
    // True when the blocks are counted at bind time, one per joint value of the site, each column's
    // terms weighed by the estimator's block_weight (enumerate).
    static constexpr bool counts_blocks = [] {
        if constexpr (has_blocked_sites) return estimator_traits<estimator_of<at_t<0, blocked_sites_type>>>::counts_blocks;
        else return false;
    }();

    // The site's surrogate (its estimator's score terms), or nothing for an estimator without one.
    // The cost is a template whose call depends on its own parameter T, so that only an estimator
    // that reads it builds it (a call that did not depend on T would be resolved with the lambda).
    template <class Site, class Global, class Terms>
    static auto surrogate(const Site& site, const Terms& terms, baseline_state* state) {
        using E = estimator_of<Site>;
        const auto cost = [&]<class T = Site>() { return detail::downstream_cost<T>(Global{}, terms); };
        if constexpr (requires { E::elbo_surrogate(site, cost, state); }) return std::tuple{E::elbo_surrogate(site, cost, state)};
        else return std::tuple<>{};
    }

    // term + the classification terms of the partly observed sites (term alone without them).
    template <class Term, class Index>
    static auto with_classification(Term&& term, const Index& found) {
        if constexpr (!has_partly_observed_sites) {
            return std::forward<Term>(term);
        } else {
            return [&]<class... O>(type_list<O...>) {
                return (std::forward<Term>(term) + ... + detail::classification_term(detail::find_site<O>(found, sites_type{})));
            }(partly_observed_sites_type{});
        }
    }

    static auto build(const std::tuple<Observations...>& observed, baseline_state* states) {
        auto reconstruction = detail::reconstruction_terms(observed);
        auto nll = let<"elbo:nll">(std::apply(detail::sum_all, reconstruction));
        if constexpr (site_count == 0) {
            return batch_mean(nll);
        } else {
            return [&]<class... S>(type_list<S...>) {
                const let_index<decltype(nll)> found(nll);
                auto kls = std::tuple{let<concat(fixed_string{"elbo:kl."}, let_name_of<S>)>(detail::scoped_kl(detail::find_site<S>(found, sites_type{})))...};
                using local_sites = detail::term_flags<!is_global_site_v<S>...>;
                using global_sites = detail::term_flags<is_global_site_v<S>...>;
                // the per-data-point part: one column per data point (and per sample and block)
                auto per_point = [&] {
                    if constexpr (!has_local_sites) {
                        return nll;
                    } else {
                        auto kl = let<"elbo:kl">(detail::sum_kept(local_sites{}, kls));
                        // an estimator's own blocks: it weighs which of them are the model's cost
                        if constexpr (counts_blocks) {
                            using S0 = at_t<0, blocked_sites_type>;
                            return (with_classification(nll + input<"beta">() * kl, found)) *
                                   let<"elbo:block_weight">(estimator_of<S0>::block_weight(detail::find_site<S0>(found, sites_type{})));
                        } else if constexpr (has_blocked_sites)
                            return with_classification(nll * estimator_of<at_t<0, blocked_sites_type>>::block_cost_weight() + input<"beta">() * kl, found);
                        else return with_classification(nll + input<"beta">() * kl, found);
                    }
                }();
                auto loss = [&] {
                    if constexpr (!has_global_sites) return batch_mean(per_point);
                    else return batch_mean(per_point) + input<"beta">() * detail::global_weight_input *
                                                            let<"elbo:kl_global">(detail::sum_kept(global_sites{}, kls));
                }();
                auto terms = std::tuple_cat(reconstruction, kls);
                using global_terms = decltype(detail::after_false(std::index_sequence_for<Observations...>{}, global_sites{}));
                // the surrogates (whose values are zero) are summed on their own, so that no partial sum
                // holds the loss's type; the loss comes first, so that its lets precede their readers
                auto surrogates = (detail::summing<detail::no_terms>{} | ... |
                                   surrogate<S, global_terms>(detail::find_site<S>(found, sites_type{}), terms, states + index_of_v<S, sites_type>));
                if constexpr (std::is_same_v<decltype(surrogates), detail::summing<detail::no_terms>>) return loss;
                else return loss + surrogates.value;
            }(sites_type{});
        }
    }

    using loss_type = decltype(build(std::declval<const std::tuple<Observations...>&>(), nullptr));
    using graph_type = graph<loss_type>;
    using scalar = typename graph_type::scalar;
    using matrix = typename graph_type::matrix;
    using named_inputs = std::initializer_list<basic_named_input<scalar>>;  // {{"x", X}, {"y", Y}}
    using data_input = std::remove_cvref_t<decltype(std::get<0>(std::declval<std::tuple<Observations...>>()).data)>;

public:
    /// Named inputs held elsewhere (a driver that builds the list at run time, such as trainer).
    using input_span = std::span<const basic_named_input<scalar>>;

    /// The KL terms are weighed by the step's beta (a KL warm-up).
    static constexpr bool weighs_kl = true;
    /// True when some site is relaxed (gumbel_softmax, straight_through): it reads the step's tau.
    static constexpr bool reads_temperature =
        detail::any_site(sites_type{}, []<class E>() { return estimator_traits<E>::reads_temperature; });

    /// True when some site is relaxed with soft samples (gumbel_softmax): its training value is the
    /// relaxed bound, and step_options::hard_samples changes what forward() computes.
    static constexpr bool has_soft_sites =
        detail::any_site(sites_type{}, []<class E>() { return estimator_traits<E>::soft_training_value; });

    /// True when every site's estimator trains in elbo(...); the objective scores any model (forward).
    static constexpr bool trainable = filter_t<detail::untrained_by_elbo, sites_type>::size == 0;

    explicit elbo_objective(elbo_settings settings, Observations... observed)
        : settings_(settings), observed_{std::move(observed)...}, graph_(build(observed_, states_.data())) {
        // checked here, not in the class body, where a failure would also hide the constructor
        static_assert(is_input_v<data_input>,
                      "ppl: the first observation's data must be an input, e.g. observe(px, data<\"x\">()).");
        if (settings_.samples < 1) fail("elbo samples per data point is ", settings_.samples, "; it must be at least 1");
        check_samples(sites_type{});
        static_assert(blocked_sites_type::size <= 1 && (!has_blocked_sites || detail::all_pathwise_or_blocked(sites_type{})),
                      "ppl: a model with a site whose estimator lays out its own column blocks (enumerate, or a "
                      "conditional relaxation such as rebar) may hold only pathwise sites besides it (one such site per "
                      "model): its blocks would mix with another discrete estimator's samples, and that estimator's "
                      "cost would not be weighed by the blocks. Enumerate the discrete site and keep the others pathwise.");
        static_assert(!(has_global_sites && has_blocked_sites),
                      "ppl: a model with a site whose estimator lays out its own column blocks per data point (enumerate, "
                      "or a conditional relaxation) has no place for a global site's single draw: make the other sites local.");
        if (settings_.dataset_size < 0) fail("dataset size is ", settings_.dataset_size, "; it must be at least 1 (or 0 when not given)");
        if (has_global_sites && settings_.dataset_size < 1)
            fail("the model has a global site, whose KL enters once per dataset: give the dataset size, "
                 "elbo(elbo_settings{.dataset_size = N}, ...); got ", settings_.dataset_size);
        if constexpr (has_blocked_sites)
            if (settings_.samples != 1)
                fail("a ", estimator_of<at_t<0, blocked_sites_type>>::name, " site lays out its own ",
                     counts_blocks ? std::string("column") : std::to_string(column_blocks),
                     " blocks per data point: build the objective with samples = 1; got ", settings_.samples, " samples");
        if (settings_.max_enumerated < 1)
            fail("max_enumerated is ", settings_.max_enumerated, "; it must be at least 1");
        if (!(settings_.baseline_decay >= 0 && settings_.baseline_decay < 1))
            fail("baseline decay is ", settings_.baseline_decay, "; it must lie in [0, 1)");
        if (!(settings_.control_rate >= 0) || !std::isfinite(settings_.control_rate))
            fail("control variate rate is ", settings_.control_rate, "; it must be a finite number >= 0");
        for (auto& s : states_) s.decay = settings_.baseline_decay, s.samples = settings_.samples, s.control.rate = settings_.control_rate;
    }
    elbo_objective(const elbo_objective&) = delete;
    elbo_objective& operator=(const elbo_objective&) = delete;

    /// One step: binds the batch (one column per data point), draws noise, runs the forward and
    /// backward passes, and leaves d loss / d p in every parameter's grad.
    template <class Batch, class Noise>
    step_result value_and_grad(const Batch& batch, Noise& noise, step_options options = {}) {
        return backward_after(forward(batch, noise, options));
    }

    /// The same step for a model that reads several inputs, each bound by name, for example
    /// value_and_grad({{"x", X}, {"y", Y}}, noise): every input the model reads, with one column per
    /// data point each (the columns of X and Y belong together).
    template <class Noise>
    step_result value_and_grad(named_inputs inputs, Noise& noise, step_options options = {}) {
        return value_and_grad(detail::as_span(inputs), noise, options);
    }
    template <class Noise>
    step_result value_and_grad(input_span inputs, Noise& noise, step_options options = {}) {
        return backward_after(forward(inputs, noise, options));
    }

    /// value_and_grad(batch, noise, options) then optimiser.step(), with the update fused into the
    /// backward sweep: each parameter steps as soon as its gradient is final, while it is in cache.
    /// Bit-identical to the two calls. Optimiser: begin_step() and update(parameter&), as adam has.
    template <class Batch, class Noise, class Optimiser>
    step_result train_step(const Batch& batch, Noise& noise, Optimiser& optimiser, step_options options = {}) {
        const step_result r = forward(batch, noise, options);
        optimiser.begin_step();
        return backward_after(r, [&optimiser](auto& p) { optimiser.update(p); });
    }

    /// train_step with several inputs bound by name (see value_and_grad).
    template <class Noise, class Optimiser>
    step_result train_step(named_inputs inputs, Noise& noise, Optimiser& optimiser, step_options options = {}) {
        return train_step(detail::as_span(inputs), noise, optimiser, options);
    }
    template <class Noise, class Optimiser>
    step_result train_step(input_span inputs, Noise& noise, Optimiser& optimiser, step_options options = {}) {
        const step_result r = forward(inputs, noise, options);
        optimiser.begin_step();
        return backward_after(r, [&optimiser](auto& p) { optimiser.update(p); });
    }

    /// The forward pass only (evaluation).
    template <class Batch, class Noise>
    step_result forward(const Batch& batch, Noise& noise, step_options options = {}) {
        set_options(options);
        count_site_blocks(batch.cols(), [&] { bind_data(batch); });
        bind_settings(batch.cols());
        bind_data(batch);
        return run(batch.cols(), noise);
    }

    /// The forward pass only, with several inputs bound by name (see value_and_grad).
    template <class Noise>
    step_result forward(named_inputs inputs, Noise& noise, step_options options = {}) {
        return forward(detail::as_span(inputs), noise, options);
    }
    template <class Noise>
    step_result forward(input_span inputs, Noise& noise, step_options options = {}) {
        set_options(options);
        const auto bind = [&] { return detail::bind_named_inputs(graph_, inputs, copies(), named_buffers_); };
        if constexpr (counts_blocks) count_site_blocks(detail::bind_named_inputs(graph_, inputs, 1, named_buffers_), bind);
        const Eigen::Index points = bind();
        bind_settings(points);
        return run(points, noise);
    }

    /// The parameters of the model, in first-use order.
    [[nodiscard]] auto parameters() { return graph_.parameters(); }

    /// The underlying graph (for reading let values, e.g. loss_graph().value<"z">()).
    [[nodiscard]] graph_type& loss_graph() { return graph_; }

    /// The observations the objective was built from (e.g. to score the same model with iwae).
    [[nodiscard]] const std::tuple<Observations...>& observations() const { return observed_; }

    /// The baselines' state, one per site (used by score-function sites).
    [[nodiscard]] std::array<baseline_state, site_count>& baselines() { return states_; }

    /// One line per random site: site=<name> dist=<family> estimator=<...> kl=<analytic|monte_carlo>
    [[nodiscard]] std::string describe() const { return detail::describe_sites(sites_type{}, false); }

    /// The names of the cost terms a site's score-function surrogate multiplies (compile-time
    /// Rao-Blackwellization), e.g. {"elbo:nll0"}.
    template <fixed_string Site>
    [[nodiscard]] static std::vector<std::string_view> downstream_terms() {
        std::vector<std::string_view> names;
        terms_of<Site>(names, sites_type{});
        return names;
    }

private:
    // The second half of a training step: the backward pass after the forward pass that gave r.
    template <class OnFinal = detail::ignore_parameter>
    step_result backward_after(step_result r, OnFinal on_final = {}) {
        if constexpr (!trainable) refusal_in_elbo<estimator_of<at_t<0, filter_t<detail::untrained_by_elbo, sites_type>>>>::raise();
        graph_.backward(on_final);
        after_backward(sites_type{});
        return r;
    }

    template <fixed_string Site, class... S>
    static void terms_of(std::vector<std::string_view>& names, type_list<S...>) {
        (terms_of_site<Site, S>(names, filter_t<detail::is_cost_term, lets_of_t<loss_type>>{}), ...);
    }
    template <fixed_string Site, class S, class... T>
    static void terms_of_site(std::vector<std::string_view>& names, type_list<T...>) {
        if constexpr (S::name == Site.view())
            (([&] { if constexpr (detail::multiplies_score<T, S>()) names.push_back(T::name); })(), ...);
    }

    // The estimators' work after the backward pass (learned control variates).
    template <class... S>
    void after_backward(type_list<S...>) {
        ([&] {
            using E = estimator_of<S>;
            if constexpr (requires(graph_type& g, const S& site, baseline_state& state) { E::after_backward(g, site, state); })
                E::after_backward(graph_, find_let<S>(graph_.expression()), states_[index_of_v<S, sites_type>]);
        }(), ...);
    }


    // A site whose estimator needs k samples per data point, built with another count.
    template <class... S>
    void check_samples(type_list<S...>) const {
        ([&] {
            constexpr Eigen::Index k = estimator_traits<estimator_of<S>>::samples_per_point;
            if constexpr (k > 0)
                if (settings_.samples != k)
                    fail("site ", S::name, " (", estimator_of<S>::name, ") needs ", k, " samples per data point: build "
                         "the objective with elbo(elbo_settings{.samples = ", k, "}, ...); got ", settings_.samples, " samples");
        }(), ...);
    }

    void set_options(const step_options& options) {
        if (!(options.tau > 0) || !std::isfinite(options.tau))
            fail("temperature tau is ", options.tau, "; it must be a positive finite number");
        if (!(options.beta >= 0) || !std::isfinite(options.beta))
            fail("KL weight beta is ", options.beta, "; it must be a finite number >= 0");
        tau_(0, 0) = static_cast<scalar>(options.tau);
        beta_(0, 0) = static_cast<scalar>(options.beta);
        hard_(0, 0) = options.hard_samples ? scalar(1) : scalar(0);
    }

    template <class Noise>
    step_result run(Eigen::Index points, Noise& noise) {
        double loss = 0;
        if constexpr (std::is_same_v<std::remove_cvref_t<Noise>, random_stream>) loss = graph_.forward(stream_noise{&noise});
        else loss = graph_.forward(noise);
        // with an estimator's own blocks, block 0 holds the exact samples: the model's value; with
        // counted blocks, the weighted mean over all of them is
        const auto scored = [&](const matrix& m) {
            if constexpr (counts_blocks)
                return static_cast<double>((m.array() * graph_.template value<"elbo:block_weight">().array()).mean());
            else return static_cast<double>(m.leftCols(has_blocked_sites ? points : m.cols()).mean());
        };
        check_site_columns(sites_type{}, points);
        double nll = scored(graph_.template value<"elbo:nll">()), kl = 0;
        if constexpr (has_local_sites) kl = scored(graph_.template value<"elbo:kl">());
        if constexpr (has_global_sites)
            kl += static_cast<double>(graph_.template value<"elbo:kl_global">()(0, 0)) / static_cast<double>(settings_.dataset_size);
        return {nll + kl, loss};
    }

    // A local site's KL has one column per data point; one column for the whole batch would count
    // it once per data point, the silent mistake of a global value declared local.
    template <class... S>
    void check_site_columns(type_list<S...>, [[maybe_unused]] Eigen::Index points) const {
        [[maybe_unused]] const Eigen::Index columns = graph_.template value<"elbo:nll">().cols();  // (a model may have no site)
        ([&] {
            if constexpr (!is_global_site_v<S>) {
                const auto& kl = graph_.template value<concat(fixed_string{"elbo:kl."}, let_name_of<S>)>();
                if (kl.cols() != columns)
                    fail("site ", S::name, " draws ", kl.cols(), " value(s) for a batch of ", points,
                         " data points: give q one column per data point, or declare a value shared by the whole "
                         "dataset global, sample<\"", S::name, "\", global>(...), so that its KL counts once");
            }
        }(), ...);
    }

    void bind_settings(Eigen::Index points) {
        if (settings_.dataset_size > 0 && points > settings_.dataset_size)
            fail("the batch holds ", points, " data points, more than the dataset size ", settings_.dataset_size,
                 " the objective was built with");
        if constexpr (has_global_sites) {
            global_weight_(0, 0) = static_cast<scalar>(1.0 / static_cast<double>(settings_.dataset_size));
            graph_.template set<"elbo:global_weight">(global_weight_);
        }
        detail::bind_estimator_inputs(sites_type{}, graph_, states_.data(), points, estimator_inputs_);
        if constexpr (graph_type::template has_input<"tau">()) graph_.template set<"tau">(tau_);
        if constexpr (graph_type::template has_input<"beta">()) graph_.template set<"beta">(beta_);
        if constexpr (graph_type::template has_input<"hard_samples">()) graph_.template set<"hard_samples">(hard_);
    }

    template <class Batch>
    void bind_data(const Batch& batch) {
        constexpr auto name = input_name_of<data_input>;
        if (copies() == 1) graph_.template set<name>(batch);
        else graph_.template set<name>(detail::replicate_columns(batch, copies(), replicated_));
    }

    // The copies of each data point a step lays out: K samples, times the estimator's blocks.
    Eigen::Index copies() const {
        if constexpr (counts_blocks) return states_[index_of_v<at_t<0, blocked_sites_type>, sites_type>].enumerated;
        else return settings_.samples * column_blocks;
    }

    // Counts the blocks of a site that lays out one per joint value (enumerate), when the batch size
    // changes: binds one copy of the batch (bind_one_copy), reads the site's shape, and asks its
    // estimator for the count (a ppl::error past settings_.max_enumerated).
    template <class BindOneCopy>
    void count_site_blocks([[maybe_unused]] Eigen::Index points, [[maybe_unused]] BindOneCopy&& bind_one_copy) {
        if constexpr (counts_blocks) {
            using S = at_t<0, blocked_sites_type>;
            Eigen::Index& count = states_[index_of_v<S, sites_type>].enumerated;
            if (count > 0 && points == counted_points_) return;
            count = 1;
            bind_settings(points);
            bind_one_copy();
            const shape value = graph_.template bound_shape<let_name_of<S>>();
            count = 0;  // until counted, so that an error leaves the next step to count again
            count = estimator_of<S>::count_values(find_let<S>(graph_.expression()), value, settings_.max_enumerated);
            counted_points_ = points;
        }
    }

    elbo_settings settings_;
    std::array<baseline_state, site_count> states_{};
    std::tuple<Observations...> observed_;
    graph_type graph_;
    matrix tau_ = matrix::Ones(1, 1), beta_ = matrix::Ones(1, 1), hard_ = matrix::Zero(1, 1), replicated_;
    matrix global_weight_ = matrix::Ones(1, 1);  // 1/N for the global sites' KL terms
    std::vector<matrix> named_buffers_;  // the named inputs' copies when a step lays out several
    std::array<std::vector<matrix>, site_count> estimator_inputs_;  // what each site's estimator binds each step
    Eigen::Index counted_points_ = 0;  // the batch size an enumerated site's blocks were counted for
};

/// The negative ELBO of the observations' model, with default settings.
template <class... Observations>
[[nodiscard]] elbo_objective<Observations...> elbo(Observations... observed) {
    return elbo_objective<Observations...>(elbo_settings{}, std::move(observed)...);
}

/// The negative ELBO with settings (K samples per data point, baseline decay).
template <class... Observations>
[[nodiscard]] elbo_objective<Observations...> elbo(elbo_settings settings, Observations... observed) {
    return elbo_objective<Observations...>(settings, std::move(observed)...);
}

/// One line per random site of an objective: site=<name> dist=<family> estimator=<e> kl=<analytic|monte_carlo>.
template <class Objective>
[[nodiscard]] std::string describe(const Objective& objective) {
    return objective.describe();
}

}  // namespace ppl
