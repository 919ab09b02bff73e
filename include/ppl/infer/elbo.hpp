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
#include "ppl/infer/named_inputs.hpp"
#include "ppl/infer/observe.hpp"
#include "ppl/infer/sample.hpp"
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
};

/// Settings of one step.
struct step_options {
    double tau = 1.0;   // temperature of relaxed sites
    double beta = 1.0;  // weight of the KL terms (KL warm-up anneals it from 0 to 1)
    // Relaxed sites draw exact discrete samples, onehot(argmax(logits + g)), instead of soft ones:
    // the value is then the -ELBO of the discrete model (evaluation; gradients pass straight through).
    bool hard_samples = false;
};

/// What one step reports, per data point.
struct step_result {
    double neg_elbo;  // -ELBO per data point: reconstruction + KL (beta = 1)
    double loss;      // the optimised value: reconstruction + beta KL
};

namespace detail {

template <std::size_t I>
constexpr auto index_name() {
    static_assert(I < 10, "ppl: elbo takes at most 10 observations.");
    fixed_string<2> digit;
    digit.text[0] = static_cast<char>('0' + I);
    return digit;
}

// True when the expression Term reads the site Site (found in Term's let closure, no search).
template <class Term, class Site>
constexpr bool contains_node() {
    return depends_on_v<Term, Site>;
}

// a + b + ... over one or more terms.
inline constexpr auto sum_all = [](const auto& first, const auto&... rest) { return (first + ... + rest); };

template <class T>
struct is_site_let : std::bool_constant<is_site_v<T>> {};

template <class S>
struct is_global_site : std::bool_constant<is_global_site_v<S>> {};

// Flags over a tuple of terms, one per term, as a type (a value array as a template argument of a
// lambda's local trips g++ 12, which conflates such arrays across instantiations).
template <bool... Flags>
using term_flags = std::integer_sequence<bool, Flags...>;

// The sum of the terms whose flag is set (at least one).
template <bool... Keep, class Terms>
auto sum_kept(term_flags<Keep...>, const Terms& terms) {
    static constexpr std::array<bool, sizeof...(Keep)> keep{Keep...};
    static constexpr std::size_t count = (std::size_t{0} + ... + std::size_t{Keep});
    static_assert(count > 0, "ppl: internal: a sum of no terms.");
    static constexpr auto positions = true_positions<count>(keep);
    return [&]<std::size_t... J>(std::index_sequence<J...>) {
        return sum_all(std::get<positions[J]>(terms)...);
    }(std::make_index_sequence<count>{});
}

// Count false flags, then Flags: the flags of R reconstruction terms followed by the sites' KL terms.
template <std::size_t... I, bool... Flags>
auto after_false(std::index_sequence<I...>, term_flags<Flags...>) -> term_flags<((void)I, false)..., Flags...>;

template <std::size_t N>
constexpr bool any_of(const std::array<bool, N>& flags) {
    for (bool f : flags)
        if (f) return true;
    return false;
}

// The per-dataset weight 1/N of the global sites' KL terms, bound by the objective each step.
inline constexpr input_leaf<"elbo:global_weight"> global_weight_input{};

// The ELBO's cost terms: one per observation ("elbo:nll<k>") and one per site ("elbo:kl.<site>").
template <class Let>
struct is_cost_term : std::bool_constant<!is_site_v<Let> && ((Let::name.starts_with("elbo:nll") && Let::name.size() > 8) ||
                                                              Let::name.starts_with("elbo:kl."))> {};

// The per-sample KL term of a site: closed form if registered, else Monte Carlo at the sample.
template <class Site>
auto site_kl(const Site& site) {
    const auto& q = site.info.q;
    const auto& prior = site.info.prior;
    if constexpr (has_analytic_kl<std::remove_cvref_t<decltype(q)>, std::remove_cvref_t<decltype(prior)>>) {
        return column_sum(kl_terms(q, prior));
    } else {
        static_assert(!is_relaxation_v<estimator_of<Site>> && !is_conditional_relaxation_v<estimator_of<Site>>,
                      "ppl: relaxed, rebar and relax sites need a closed-form KL (a categorical, uniform_categorical or "
                      "uniform_bernoulli prior).");
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

template <class Site>
constexpr bool kl_is_analytic() {
    using info = typename Site::info_type;
    return has_analytic_kl<std::remove_cvref_t<decltype(std::declval<info>().q)>,
                           std::remove_cvref_t<decltype(std::declval<info>().prior)>>;
}

// Keeps the lets named Name (with filter_t).
template <fixed_string Name>
struct let_name_is {
    template <class L>
    struct test : std::bool_constant<L::name == Name.view()> {};
};
// The let named Name inside the expression Expr.
template <fixed_string Name, class Expr>
using let_named_t = at_t<0, filter_t<let_name_is<Name>::template test, lets_of_t<Expr>>>;

// Keeps the sites whose estimator is rebar or relax (with filter_t).
template <class S>
struct is_rebar_site : std::bool_constant<is_conditional_relaxation_v<estimator_of<S>>> {};

// A cost term's surrogate weight includes a site when the term's expression contains the site,
// except the site's own closed-form KL term, whose gradient flows to q directly.
template <class Term, class Site>
constexpr bool multiplies_score() {
    constexpr bool own_kl = Term::name == concat(fixed_string{"elbo:kl."}, let_name_of<Site>).view();
    return contains_node<Term, Site>() && !(own_kl && kl_is_analytic<Site>());
}

// The cost that a site's surrogate weight multiplies: the terms whose expressions contain the site,
// chosen by type at compile time. Global flags the per-dataset terms (global sites' KLs). A local
// site's weight holds one column per data point; a global site's is one number, the per-data-point
// cost mean_batch(local terms) + (1/N) (global terms).
template <class Site, bool... Global, class... Terms>
auto downstream_cost(term_flags<Global...>, const std::tuple<Terms...>& terms) {
    static_assert(sizeof...(Global) == sizeof...(Terms), "ppl: internal: one scope flag per cost term.");
    constexpr bool any_local = (false || ... || (multiplies_score<Terms, Site>() && !Global));
    constexpr bool any_global = (false || ... || (multiplies_score<Terms, Site>() && Global));
    static_assert(any_local || any_global, "ppl: internal: a score-function site with no cost term downstream of it.");
    using local_terms = term_flags<(multiplies_score<Terms, Site>() && !Global)...>;
    using global_terms = term_flags<(multiplies_score<Terms, Site>() && Global)...>;
    if constexpr (!is_global_site_v<Site>) {
        static_assert(!any_global, "ppl: a global site's q or prior reads a local site; a value drawn once per "
                                   "dataset cannot depend on one data point's draw: make both sites global.");
        return sum_kept(local_terms{}, terms);
    } else if constexpr (!any_global) {
        return batch_mean(sum_kept(local_terms{}, terms));
    } else if constexpr (!any_local) {
        return global_weight_input * sum_kept(global_terms{}, terms);
    } else {
        return batch_mean(sum_kept(local_terms{}, terms)) + global_weight_input * sum_kept(global_terms{}, terms);
    }
}

// One term per observation: -log p(x_k | ...) per data point.
template <class... Observations>
auto reconstruction_terms(const std::tuple<Observations...>& observed) {
    return [&]<std::size_t... I>(std::index_sequence<I...>) {
        return std::tuple{let<concat(fixed_string{"elbo:nll"}, index_name<I>())>(
            column_sum(-log_prob(std::get<I>(observed).dist, std::get<I>(observed).data)))...};
    }(std::index_sequence_for<Observations...>{});
}

// K copies of the batch side by side (copy k in columns k n .. k n + n - 1): K samples per data point.
template <class Batch, class Matrix>
const Matrix& replicate_columns(const Batch& batch, Eigen::Index copies, Matrix& buffer) {
    const Eigen::Index points = batch.cols();
    if (buffer.rows() != batch.rows() || buffer.cols() != points * copies) buffer.resize(batch.rows(), points * copies);
    for (Eigen::Index s = 0; s < copies; ++s) buffer.middleCols(s * points, points) = batch;
    return buffer;
}

// The lets that a site's prior reads (its parameters' closures); priors are not operands of the site.
template <class Prior>
struct prior_lets {
    using type = let_set<type_list<>, false>;  // a prior without expression parameters (uniform_categorical())
};
template <class F, class... P>
struct prior_lets<distribution<F, P...>> {
    using type = typename merge_all<typename closure<P>::type...>::type;
};
template <class Site>
using prior_lets_t = typename prior_lets<std::remove_cvref_t<decltype(std::declval<typename Site::info_type>().prior)>>::type;

// Sites plus the sites their priors read (a hierarchy: z ~ N(m, 1) with m a site of its own), those
// first, until no prior adds one; the depth of the recursion is the depth of the hierarchy.
template <class Sites>
struct with_prior_sites;
template <class... S>
struct with_prior_sites<type_list<S...>> {
    using merged = filter_t<is_site_let, typename merge_all<prior_lets_t<S>..., let_set<type_list<S...>, false>>::type::lets>;
    using type = typename std::conditional_t<merged::size == sizeof...(S), std::type_identity<merged>, with_prior_sites<merged>>::type;
};

// The random sites (let nodes) of the model behind some observations: those the likelihoods read,
// and those their priors read.
template <class... Observations>
using model_sites_t = typename with_prior_sites<filter_t<
    is_site_let,
    lets_of_t<decltype(let<"elbo:nll">(std::apply(sum_all, reconstruction_terms(std::declval<const std::tuple<Observations...>&>()))))>>>::type;

// True when the prior of the site Holder reads the let Let.
template <class Holder, class Let>
constexpr bool prior_reads() {
    return std::is_base_of_v<let_key<Let>, members<typename prior_lets_t<Holder>::lets>>;
}

// The site S: in the likelihoods' expression, or else in the prior of a site that reads it.
template <class S, class Root, class... Known>
const S& find_site(const Root& root, type_list<Known...> known) {
    if constexpr (depends_on_v<Root, S>) {
        return find_let<S>(root);
    } else {
        static constexpr std::array<bool, sizeof...(Known)> reads{prior_reads<Known, S>()...};
        static_assert(any_of(reads), "ppl: internal: a site that neither the likelihoods nor any prior reads.");
        using holder = at_t<true_positions<1>(reads)[0], type_list<Known...>>;
        return std::apply(
            [](const auto&... p) -> const S& {
                const S* found = nullptr;
                ([&] {
                    if constexpr (depends_on_v<std::remove_cvref_t<decltype(p)>, S>)
                        if (found == nullptr) found = &find_let<S>(p);
                }(), ...);
                return *found;
            },
            find_site<holder>(root, known).info.prior.params);
    }
}

// True when predicate.operator()<estimator>() holds for some site of the list.
template <class... S>
constexpr bool any_site(type_list<S...>, [[maybe_unused]] auto predicate) {  // (unused for a model without sites)
    return (false || ... || predicate.template operator()<estimator_of<S>>());
}

// True when every site is pathwise, rebar or relax.
template <class... S>
constexpr bool all_pathwise_but_rebar(type_list<S...>) {
    return (true && ... && (std::is_same_v<estimator_of<S>, pathwise> || is_conditional_relaxation_v<estimator_of<S>>));
}

// One line per random site: site=<name> dist=<family> estimator=<...> kl=<analytic|monte_carlo>.
template <class... S>
std::string describe_sites(type_list<S...>, bool monte_carlo_only) {
    std::ostringstream out;
    ((out << "site=" << S::name << " dist=" << site_family_t<S>::name << " estimator=" << estimator_of<S>::name
          << " kl=" << (kl_is_analytic<S>() && !monte_carlo_only ? "analytic" : "monte_carlo") << '\n'),
     ...);
    return out.str();
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

    /// True when a site uses rebar or relax: each batch is laid out in rebar_layout::blocks column blocks.
    static constexpr bool has_rebar_sites = filter_t<detail::is_rebar_site, sites_type>::size > 0;

    /// The sites drawn once per dataset (sample<"w", global>), whose KL enters once per dataset.
    using global_sites_type = filter_t<detail::is_global_site, sites_type>;
    static constexpr bool has_global_sites = global_sites_type::size > 0;
    static constexpr bool has_local_sites = global_sites_type::size < site_count;

private:
    static constexpr Eigen::Index column_blocks = has_rebar_sites ? rebar_layout::blocks : 1;

    // The site's score-function surrogate, or nothing for other estimators.
    template <class Site, class Global, class Terms>
    static auto surrogate(const Site& site, const Terms& terms, baseline_state* state) {
        using E = estimator_of<Site>;
        if constexpr (is_score_function_v<E>) {
            auto log_q = column_sum(log_prob(site.info.q, site));
            return std::tuple{make_expr(ops::score_surrogate_op<typename E::baseline>{}, log_q,
                                        stop_gradient(detail::downstream_cost<Site>(Global{}, terms)),
                                        state_leaf<baseline_state>{state})};
        } else if constexpr (is_conditional_relaxation_v<E>) {
            using noise = detail::let_named_t<concat(fixed_string{"rebar:noise."}, let_name_of<Site>), Site>;
            return std::tuple{make_expr(ops::rebar_surrogate_op<site_family_t<Site>, control_network_t<E>>{site.info.q.settings},
                                        std::get<0>(site.info.q.params), stop_gradient(site), find_let<noise>(site),
                                        detail::downstream_cost<Site>(Global{}, terms), state_leaf<baseline_state>{state})};
        } else if constexpr (is_arm_v<E>) {
            using noise = detail::let_named_t<concat(fixed_string{"arm:noise."}, let_name_of<Site>), Site>;
            return std::tuple{make_expr(ops::arm_surrogate_op{}, std::get<0>(site.info.q.params),
                                        stop_gradient(detail::downstream_cost<Site>(Global{}, terms)), find_let<noise>(site),
                                        state_leaf<baseline_state>{state})};
        } else if constexpr (is_disarm_v<E>) {
            return std::tuple{make_expr(ops::disarm_surrogate_op{}, std::get<0>(site.info.q.params), stop_gradient(site),
                                        stop_gradient(detail::downstream_cost<Site>(Global{}, terms)),
                                        state_leaf<baseline_state>{state})};
        } else {
            return std::tuple<>{};  // pathwise and relaxed sites; a vimco site only draws (see value_and_grad)
        }
    }

    static auto build(const std::tuple<Observations...>& observed, baseline_state* states) {
        auto reconstruction = detail::reconstruction_terms(observed);
        auto nll = let<"elbo:nll">(std::apply(detail::sum_all, reconstruction));
        if constexpr (site_count == 0) {
            return batch_mean(nll);
        } else {
            return [&]<class... S>(type_list<S...>) {
                auto kls = std::tuple{let<concat(fixed_string{"elbo:kl."}, let_name_of<S>)>(detail::scoped_kl(detail::find_site<S>(nll, sites_type{})))...};
                using local_sites = detail::term_flags<!is_global_site_v<S>...>;
                using global_sites = detail::term_flags<is_global_site_v<S>...>;
                // the per-data-point part: one column per data point (and per sample and block)
                auto per_point = [&] {
                    if constexpr (!has_local_sites) {
                        return nll;
                    } else {
                        auto kl = let<"elbo:kl">(detail::sum_kept(local_sites{}, kls));
                        // rebar: only block 0 (the exact samples) is the model's cost; the relaxed blocks enter through the surrogate
                        if constexpr (has_rebar_sites) return nll * input<"rebar:block_weight">() + input<"beta">() * kl;
                        else return nll + input<"beta">() * kl;
                    }
                }();
                auto loss = [&] {
                    if constexpr (!has_global_sites) return batch_mean(per_point);
                    else return batch_mean(per_point) + input<"beta">() * detail::global_weight_input *
                                                            let<"elbo:kl_global">(detail::sum_kept(global_sites{}, kls));
                }();
                auto terms = std::tuple_cat(reconstruction, kls);
                using global_terms = decltype(detail::after_false(std::index_sequence_for<Observations...>{}, global_sites{}));
                auto surrogates = std::tuple_cat(surrogate<S, global_terms>(detail::find_site<S>(nll, sites_type{}), terms, states + index_of_v<S, sites_type>)...);
                if constexpr (std::tuple_size_v<decltype(surrogates)> == 0) return loss;
                else return loss + std::apply(detail::sum_all, surrogates);
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
    static constexpr bool reads_temperature = detail::any_site(sites_type{}, []<class E>() { return is_relaxation_v<E>; });

    /// True when some site is relaxed with soft samples (gumbel_softmax): its training value is the
    /// relaxed bound, and step_options::hard_samples changes what forward() computes.
    static constexpr bool has_soft_sites =
        detail::any_site(sites_type{}, []<class E>() { return std::is_same_v<E, gumbel_softmax>; });

    /// True when some site uses vimco: the objective scores the model (forward) but trains only in iwae.
    static constexpr bool has_vimco_sites = detail::any_site(sites_type{}, []<class E>() { return is_vimco_v<E>; });

    /// True when some site uses disarm or arm, which need elbo_settings::samples == 2.
    static constexpr bool has_antithetic_sites = detail::any_site(sites_type{}, []<class E>() { return is_antithetic_v<E>; });

    explicit elbo_objective(elbo_settings settings, Observations... observed)
        : settings_(settings), observed_{std::move(observed)...}, graph_(build(observed_, states_.data())) {
        // checked here, not in the class body, where a failure would also hide the constructor
        static_assert(is_input_v<data_input>,
                      "ppl: the first observation's data must be an input, e.g. observe(px, data<\"x\">()).");
        if (settings_.samples < 1) fail("elbo samples per data point is ", settings_.samples, "; it must be at least 1");
        if (has_antithetic_sites && settings_.samples != 2)
            fail("a disarm or arm site pairs two antithetic samples per data point: build the objective with "
                 "elbo(elbo_settings{.samples = 2}, ...); got ", settings_.samples, " samples");
        static_assert(filter_t<detail::is_rebar_site, sites_type>::size <= 1 &&
                          (!has_rebar_sites || detail::all_pathwise_but_rebar(sites_type{})),
                      "ppl: a model with a rebar or relax site may hold only pathwise sites besides it (one such site per "
                      "model): its five column blocks would mix with another discrete estimator's samples.");
        static_assert(!(has_global_sites && has_rebar_sites),
                      "ppl: a model with a rebar or relax site lays out five column blocks per data point, which a global "
                      "site's single draw would straddle: make the other sites local.");
        if (settings_.dataset_size < 0) fail("dataset size is ", settings_.dataset_size, "; it must be at least 1 (or 0 when not given)");
        if (has_global_sites && settings_.dataset_size < 1)
            fail("the model has a global site, whose KL enters once per dataset: give the dataset size, "
                 "elbo(elbo_settings{.dataset_size = N}, ...); got ", settings_.dataset_size);
        if (has_rebar_sites && settings_.samples != 1)
            fail("a rebar or relax site lays out its own five blocks per data point: build the objective with samples = 1; got ",
                 settings_.samples, " samples");
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
        const Eigen::Index points = detail::bind_named_inputs(graph_, inputs, settings_.samples * column_blocks, named_buffers_);
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
        static_assert(!has_vimco_sites, "ppl: vimco is the score function of a K-sample bound: train with "
                                        "iwae(K, observe(...)) instead of elbo(...) (elbo can still score the model).");
        graph_.backward(on_final);
        if constexpr (has_rebar_sites) adapt_control_variate(filter_t<detail::is_rebar_site, sites_type>{});
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

    template <class S>
    void adapt_control_variate(type_list<S>) {
        detail::adapt_control_variate<site_family_t<S>, control_network_t<estimator_of<S>>>(
            find_let<S>(graph_.expression()).info.q.settings, states_[index_of_v<S, sites_type>],
            graph_.template value<concat(fixed_string{"rebar:noise."}, let_name_of<S>)>(),
            graph_.template adjoint<let_name_of<S>>());
    }

    template <class S>
    void bind_control_variate(type_list<S>, Eigen::Index points) {
        const auto& cv = states_[index_of_v<S, sites_type>].control;
        const double tau = std::exp(cv.log_tau);
        control_(0, 0) = static_cast<scalar>(tau);
        control_(0, 1) = static_cast<scalar>(tau * std::exp(rebar_layout::probe_step));
        control_(0, 2) = static_cast<scalar>(cv.eta);
        graph_.template set<concat(fixed_string{"rebar:control."}, let_name_of<S>)>(control_);
        if (block_weight_.cols() != rebar_layout::blocks * points) {
            block_weight_ = matrix::Zero(1, rebar_layout::blocks * points);
            block_weight_.leftCols(points).setConstant(static_cast<scalar>(rebar_layout::blocks));
        }
        graph_.template set<"rebar:block_weight">(block_weight_);
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
        // with rebar, block 0 holds the exact samples: the model's value
        const auto scored = [&](const matrix& m) {
            return static_cast<double>(m.leftCols(has_rebar_sites ? points : m.cols()).mean());
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
        if constexpr (has_rebar_sites) bind_control_variate(filter_t<detail::is_rebar_site, sites_type>{}, points);
        if constexpr (graph_type::template has_input<"tau">()) graph_.template set<"tau">(tau_);
        if constexpr (graph_type::template has_input<"beta">()) graph_.template set<"beta">(beta_);
        if constexpr (graph_type::template has_input<"hard_samples">()) graph_.template set<"hard_samples">(hard_);
    }

    template <class Batch>
    void bind_data(const Batch& batch) {
        constexpr auto name = input_name_of<data_input>;
        const Eigen::Index copies = settings_.samples * column_blocks;
        if (copies == 1) graph_.template set<name>(batch);
        else graph_.template set<name>(detail::replicate_columns(batch, copies, replicated_));
    }

    elbo_settings settings_;
    std::array<baseline_state, site_count> states_{};
    std::tuple<Observations...> observed_;
    graph_type graph_;
    matrix tau_ = matrix::Ones(1, 1), beta_ = matrix::Ones(1, 1), hard_ = matrix::Zero(1, 1), replicated_;
    matrix global_weight_ = matrix::Ones(1, 1);  // 1/N for the global sites' KL terms
    std::vector<matrix> named_buffers_;  // the named inputs' copies when a step lays out several
    matrix control_ = matrix::Ones(1, 3), block_weight_;  // rebar's [tau, probe tau, eta] and the block weights
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
