#pragma once
// iwae(K, observe(...)): the importance weighted bound (Burda, Grosse and Salakhutdinov 2016),
// with K samples of every site per data point:
//
//   L_K = log (1/K) sum_k w_k,   log w_k = sum_obs log p(x | z_k) + sum_sites [log p(z_k) - log q(z_k | x)]
//
// L_1 is the Monte Carlo ELBO; E[L_K] rises with K towards log p(x). Pathwise sites train through
// log w; discrete sites train with vimco. Relaxed sites draw exact discrete samples here, so the
// bound is that of the discrete model: use iwae to score a model trained with gumbel_softmax.
// disarm sites draw their K samples in antithetic pairs; each is still an exact draw of q, so the
// mean weight is unbiased for p(x) and L_K stays a lower bound in expectation.
#include <Eigen/Core>
#include <array>
#include <cmath>
#include <span>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "ppl/core/graph.hpp"
#include "ppl/core/let.hpp"
#include "ppl/core/noise.hpp"
#include "ppl/core/random.hpp"
#include "ppl/dist/prior_log_prob.hpp"
#include "ppl/estimators/policy.hpp"
#include "ppl/estimators/protocol.hpp"
#include "ppl/infer/cost_terms.hpp"
#include "ppl/infer/model_sites.hpp"
#include "ppl/infer/named_inputs.hpp"
#include "ppl/infer/sample.hpp"
#include "ppl/infer/step.hpp"
#include "ppl/ops/log_mean_exp.hpp"
#include "ppl/ops/reduce.hpp"
#include "ppl/ops/stop_gradient.hpp"

namespace ppl {

namespace detail {

// log q(z | x) of one sample of a site, shared by the log weight and a vimco surrogate.
template <class Site>
auto site_log_q(const Site& site) {
    return let<concat(fixed_string{"iwae:log_q."}, let_name_of<Site>)>(column_sum(log_prob(site.info.q, site)));
}

// log p(z) - log q(z | x) of one sample of a site.
template <class Site>
auto site_log_ratio(const Site& site) {
    return column_sum(prior_log_prob(site.info.q, site.info.prior, site)) - site_log_q(site);
}

}  // namespace detail

/// The objective built by iwae(): -L_K per data point, and its gradients. It shares the model's
/// parameters with any other objective built from the same expression (e.g. the elbo() it evaluates).
template <class... Observations>
class iwae_objective {
public:
    /// The model's random sites (let nodes) in evaluation order.
    using sites_type = detail::model_sites_t<Observations...>;
    static constexpr std::size_t site_count = sites_type::size;

private:
    // The site's surrogate in the K-sample bound (its estimator's score terms), or nothing.
    template <class Site, class LogWeight>
    static auto surrogate(const Site& site, const LogWeight& log_w, Eigen::Index samples) {
        using E = estimator_of<Site>;
        const auto log_q = [&] { return detail::site_log_q(site); };
        if constexpr (requires { E::iwae_surrogate(site, log_q, log_w, samples); })
            return std::tuple{E::iwae_surrogate(site, log_q, log_w, samples)};
        else
            return std::tuple<>{};
    }

    static auto build(const std::tuple<Observations...>& observed, Eigen::Index samples) {
        auto reconstruction = detail::reconstruction_terms(observed);
        auto nll = let<"elbo:nll">(std::apply(detail::sum_all, reconstruction));
        return [&]<class... S>(type_list<S...>) {
            [[maybe_unused]] const let_index<decltype(nll)> found(nll);  // (unused without sites)
            auto log_w = [&] {
                if constexpr (sizeof...(S) == 0) return let<"iwae:log_w">(-nll);
                else return let<"iwae:log_w">((detail::site_log_ratio(detail::find_site<S>(found, sites_type{})) + ...) - nll);
            }();
            auto loss = batch_mean(-let<"iwae:bound">(log_mean_exp(log_w, samples)));
            // the surrogates read the weights by name, so that their types stay the size of a site
            auto surrogates = (detail::summing<detail::no_terms>{} | ... |
                               surrogate(detail::find_site<S>(found, sites_type{}), reference_to(log_w), samples));
            if constexpr (std::is_same_v<decltype(surrogates), detail::summing<detail::no_terms>>) return loss;
            else return loss + surrogates.value;
        }(sites_type{});
    }

    using loss_type = decltype(build(std::declval<const std::tuple<Observations...>&>(), 1));
    using graph_type = graph<loss_type>;
    using scalar = typename graph_type::scalar;
    using matrix = typename graph_type::matrix;
    using named_inputs = std::initializer_list<basic_named_input<scalar>>;  // {{"x", X}, {"y", Y}}
    using data_input = std::remove_cvref_t<decltype(std::get<0>(std::declval<std::tuple<Observations...>>()).data)>;

    template <class S>
    struct untrained : std::bool_constant<!estimator_traits<estimator_of<S>>::trains_iwae> {};
    using untrained_sites = filter_t<untrained, sites_type>;

public:
    /// Named inputs held elsewhere (a driver that builds the list at run time, such as trainer).
    using input_span = std::span<const basic_named_input<scalar>>;
    /// True when some site is relaxed; the bound scores it with exact samples, so tau is not read.
    static constexpr bool reads_temperature = false;

    /// K samples of every site per data point (K >= 1).
    iwae_objective(Eigen::Index samples, Observations... observed)
        : samples_(samples > 0 ? samples : fail_samples(samples)),
          observed_{std::move(observed)...}, graph_(build(observed_, samples_)) {
        static_assert(is_input_v<data_input>,
                      "ppl: the first observation's data must be an input, e.g. observe(px, data<\"x\">()).");
        static_assert(filter_t<detail::is_global_site, sites_type>::size == 0,
                      "ppl: iwae(K, ...) weighs K joint draws per data point, which a global site (one draw per dataset) "
                      "does not have: train and score a model with global sites with elbo(elbo_settings{.dataset_size = N}, ...).");
    }
    iwae_objective(const iwae_objective&) = delete;
    iwae_objective& operator=(const iwae_objective&) = delete;

    /// The samples per data point.
    [[nodiscard]] Eigen::Index samples() const { return samples_; }

    /// -L_K per data point for the batch (one column per data point): the forward pass only.
    /// Relaxed sites draw exact discrete samples. Returns {-L_K, the same loss}.
    template <class Batch, class Noise>
    step_result forward(const Batch& batch, Noise& noise) {
        bind_settings();
        constexpr auto name = input_name_of<data_input>;
        if (samples_ == 1) graph_.template set<name>(batch);
        else graph_.template set<name>(detail::replicate_columns(batch, samples_, replicated_));
        return run(noise);
    }

    /// The forward pass with several inputs bound by name, e.g. forward({{"x", X}, {"c", C}}, noise).
    template <class Noise>
    step_result forward(named_inputs inputs, Noise& noise) {
        return forward(detail::as_span(inputs), noise);
    }
    template <class Noise>
    step_result forward(input_span inputs, Noise& noise) {
        bind_settings();
        detail::bind_named_inputs(graph_, inputs, samples_, named_buffers_);
        return run(noise);
    }
    /// forward with a step's settings, for drivers shared with elbo(): the bound always scores exact
    /// samples, so the settings change nothing.
    template <class Noise>
    step_result forward(input_span inputs, Noise& noise, step_options) {
        return forward(inputs, noise);
    }

    /// One training step on -L_K with several inputs bound by name (see forward).
    template <class Noise>
    step_result value_and_grad(named_inputs inputs, Noise& noise, step_options options = {}) {
        return value_and_grad(detail::as_span(inputs), noise, options);
    }
    template <class Noise>
    step_result value_and_grad(input_span inputs, Noise& noise, step_options options = {}) {
        check_trainable();
        if (options.beta != 1.0) fail("iwae has no KL weight to anneal; beta is ", options.beta, " but must be 1");
        const step_result r = forward(inputs, noise);
        graph_.backward();
        return r;
    }

    /// One training step on -L_K: the forward pass, then d(-L_K)/dp in every parameter's grad.
    template <class Batch, class Noise>
    step_result value_and_grad(const Batch& batch, Noise& noise) {
        check_trainable();
        const step_result r = forward(batch, noise);
        graph_.backward();
        return r;
    }

    /// value_and_grad then optimiser.step(), the update fused into the backward sweep (bit-identical;
    /// see elbo's train_step).
    template <class Batch, class Noise, class Optimiser>
    step_result train_step(const Batch& batch, Noise& noise, Optimiser& optimiser, step_options options = {}) {
        check_trainable();
        if (options.beta != 1.0) fail("iwae has no KL weight to anneal; beta is ", options.beta, " but must be 1");
        return backward_fused(forward(batch, noise), optimiser);
    }
    /// train_step with several inputs bound by name.
    template <class Noise, class Optimiser>
    step_result train_step(named_inputs inputs, Noise& noise, Optimiser& optimiser, step_options options = {}) {
        return train_step(detail::as_span(inputs), noise, optimiser, options);
    }
    template <class Noise, class Optimiser>
    step_result train_step(input_span inputs, Noise& noise, Optimiser& optimiser, step_options options = {}) {
        check_trainable();
        if (options.beta != 1.0) fail("iwae has no KL weight to anneal; beta is ", options.beta, " but must be 1");
        return backward_fused(forward(inputs, noise), optimiser);
    }

private:
    template <class Optimiser>
    step_result backward_fused(step_result r, Optimiser& optimiser) {
        optimiser.begin_step();
        graph_.backward([&optimiser](auto& p) { optimiser.update(p); });
        return r;
    }

    static constexpr void check_trainable() {
        if constexpr (untrained_sites::size > 0) refusal_in_iwae<estimator_of<at_t<0, untrained_sites>>>::raise();
    }

    void bind_settings() {
        if constexpr (graph_type::template has_input<"tau">()) graph_.template set<"tau">(tau_);
        if constexpr (graph_type::template has_input<"hard_samples">()) graph_.template set<"hard_samples">(hard_);
        // sites draw exact samples here (hard flag set): no estimator state
        detail::bind_estimator_inputs(sites_type{}, graph_, nullptr, 0, estimator_inputs_);
    }

    template <class Noise>
    step_result run(Noise& noise) {
        double loss = 0;
        if constexpr (std::is_same_v<std::remove_cvref_t<Noise>, random_stream>) loss = graph_.forward(stream_noise{&noise});
        else loss = graph_.forward(noise);
        return {-static_cast<double>(graph_.template value<"iwae:bound">().mean()), loss};
    }

public:

    /// value_and_grad with a step's settings, for drivers shared with elbo(): the bound has no KL
    /// weight, so beta must be 1, and it trains no relaxed site, so tau is not used.
    template <class Batch, class Noise>
    step_result value_and_grad(const Batch& batch, Noise& noise, step_options options) {
        if (options.beta != 1.0) fail("iwae has no KL weight to anneal; beta is ", options.beta, " but must be 1");
        return value_and_grad(batch, noise);
    }

    /// The baselines' state: none (vimco's baselines come from the other samples of the step).
    [[nodiscard]] std::array<baseline_state, 0>& baselines() { return no_baselines_; }

    /// The parameters of the model, in first-use order.
    [[nodiscard]] auto parameters() { return graph_.parameters(); }

    /// The underlying graph (for reading let values, e.g. loss_graph().value<"iwae:log_w">()).
    [[nodiscard]] graph_type& loss_graph() { return graph_; }

    /// The observations the objective was built from.
    [[nodiscard]] const std::tuple<Observations...>& observations() const { return observed_; }

    /// One line per random site: site=<name> dist=<family> estimator=<...> kl=monte_carlo
    /// (the bound weighs each sample by p(z) / q(z), never by a closed-form KL).
    [[nodiscard]] std::string describe() const { return detail::describe_sites(sites_type{}, true); }

private:
    [[noreturn]] static Eigen::Index fail_samples(Eigen::Index samples) {
        fail("iwae needs at least 1 sample per data point; got ", samples);
    }

    Eigen::Index samples_;
    std::array<baseline_state, 0> no_baselines_{};
    std::array<std::vector<matrix>, site_count> estimator_inputs_;  // what each site's estimator binds each step
    std::tuple<Observations...> observed_;
    graph_type graph_;
    matrix tau_ = matrix::Ones(1, 1), hard_ = matrix::Ones(1, 1), replicated_;
    std::vector<matrix> named_buffers_;  // the named inputs' K copies
};

/// The importance weighted bound with K samples of every site per data point (see the top of this file).
template <class... Observations>
[[nodiscard]] iwae_objective<Observations...> iwae(Eigen::Index samples, Observations... observed) {
    return iwae_objective<Observations...>(samples, std::move(observed)...);
}

}  // namespace ppl
