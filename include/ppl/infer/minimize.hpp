#pragma once
// minimize(loss): an objective that is not an ELBO, such as a classifier's cross-entropy plus a
// penalty, or a relaxation's matching loss. It has elbo's interface (value_and_grad, train_step,
// forward, parameters, named inputs), so that trainer trains it as it trains an ELBO.
#include <Eigen/Core>
#include <array>
#include <cmath>
#include <initializer_list>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "ppl/core/error.hpp"
#include "ppl/core/graph.hpp"
#include "ppl/core/noise.hpp"
#include "ppl/core/random.hpp"
#include "ppl/core/type_list.hpp"
#include "ppl/estimators/score_function.hpp"
#include "ppl/infer/elbo.hpp"
#include "ppl/infer/named_inputs.hpp"

namespace ppl {

/// The objective built by minimize(): the graph of a 1x1 loss, with the inputs it reads bound by
/// name each step. A loss that reads input<"tau">() gets the step's temperature. Its step_result
/// holds the loss twice (there is no ELBO). Neither copied nor moved.
template <class Loss>
class loss_objective {
    using graph_type = graph<Loss>;

public:
    using scalar = typename graph_type::scalar;
    using matrix = typename graph_type::matrix;
    using named_inputs = std::initializer_list<basic_named_input<scalar>>;
    using input_span = std::span<const basic_named_input<scalar>>;
    /// A loss has no random sites of an ELBO (a sampler inside it draws from the step's noise).
    using sites_type = type_list<>;
    static constexpr std::size_t site_count = 0;
    static constexpr bool has_soft_sites = false;
    /// The trainer reports a loss (train_loss=), not a bound.
    static constexpr bool reports_loss = true;
    /// True when the loss reads input<"tau">(): the trainer's temperature schedule sets it.
    static constexpr bool reads_temperature = graph_type::template has_input<"tau">();

    explicit loss_objective(Loss loss) : graph_(std::move(loss)) {}
    loss_objective(const loss_objective&) = delete;
    loss_objective& operator=(const loss_objective&) = delete;

    /// The loss and its gradient in every parameter's grad, with the inputs bound by name.
    template <class Noise>
    step_result value_and_grad(named_inputs inputs, Noise& noise, step_options options = {}) {
        return value_and_grad(detail::as_span(inputs), noise, options);
    }
    template <class Noise>
    step_result value_and_grad(input_span inputs, Noise& noise, step_options options = {}) {
        const step_result r = forward(inputs, noise, options);
        graph_.backward();
        return r;
    }
    /// For a loss that reads one input (or none): value_and_grad(X, noise).
    template <class Derived, class Noise>
    step_result value_and_grad(const Eigen::MatrixBase<Derived>& batch, Noise& noise, step_options options = {}) {
        const step_result r = forward(batch, noise, options);
        graph_.backward();
        return r;
    }

    /// value_and_grad then optimiser.step(), the update fused into the backward sweep (bit-identical).
    template <class Noise, class Optimiser>
    step_result train_step(named_inputs inputs, Noise& noise, Optimiser& optimiser, step_options options = {}) {
        return train_step(detail::as_span(inputs), noise, optimiser, options);
    }
    template <class Noise, class Optimiser>
    step_result train_step(input_span inputs, Noise& noise, Optimiser& optimiser, step_options options = {}) {
        const step_result r = forward(inputs, noise, options);
        optimiser.begin_step();
        graph_.backward([&optimiser](auto& p) { optimiser.update(p); });
        return r;
    }

    /// The forward pass only (evaluation).
    template <class Noise>
    step_result forward(named_inputs inputs, Noise& noise, step_options options = {}) {
        return forward(detail::as_span(inputs), noise, options);
    }
    template <class Noise>
    step_result forward(input_span inputs, Noise& noise, step_options options = {}) {
        bind_settings(options);
        detail::bind_named_inputs(graph_, inputs, 1, buffers_);
        return run(noise);
    }
    template <class Derived, class Noise>
    step_result forward(const Eigen::MatrixBase<Derived>& batch, Noise& noise, step_options options = {}) {
        static_assert(graph_type::inputs().size() - (reads_temperature ? 1 : 0) <= 1,
                      "ppl: this loss reads several inputs; bind them by name, e.g. forward({{\"x\", X}, {\"y\", Y}}, noise).");
        bind_settings(options);
        for (std::string_view name : graph_type::inputs())
            if (!detail::objective_input(name)) graph_.set(name, batch);
        return run(noise);
    }

    /// The parameters of the loss, in first-use order.
    [[nodiscard]] auto parameters() { return graph_.parameters(); }
    /// The underlying graph (for reading let values after a step, e.g. loss_graph().value<"logits">()).
    [[nodiscard]] graph_type& loss_graph() { return graph_; }
    /// No estimator state.
    [[nodiscard]] std::array<baseline_state, 0>& baselines() { return no_state_; }
    /// No site lines: a loss has no sites of an ELBO.
    [[nodiscard]] std::string describe() const { return {}; }

private:
    void bind_settings(const step_options& options) {
        if constexpr (reads_temperature) {
            if (!(options.tau > 0) || !std::isfinite(options.tau))
                fail("temperature tau is ", options.tau, "; it must be a positive finite number");
            tau_(0, 0) = static_cast<scalar>(options.tau);
            graph_.template set<"tau">(tau_);
        }
    }

    template <class Noise>
    step_result run(Noise& noise) {
        double loss = 0;
        if constexpr (std::is_same_v<std::remove_cvref_t<Noise>, random_stream>) loss = graph_.forward(stream_noise{&noise});
        else loss = graph_.forward(noise);
        return {loss, loss};
    }

    graph_type graph_;
    std::vector<matrix> buffers_;
    matrix tau_ = matrix::Ones(1, 1);
    std::array<baseline_state, 0> no_state_{};
};

/// An objective that minimises a 1x1 loss expression, e.g.
///   auto objective = minimize(batch_mean(-column_sum(input<"y">() * log_softmax(net(input<"x">()), 10))));
///   trainer fit{objective, {.epochs = 20}};
///   fit.run({{"x", X}, {"y", Y}});
template <node Loss>
[[nodiscard]] loss_objective<std::remove_cvref_t<Loss>> minimize(Loss&& loss) {
    return loss_objective<std::remove_cvref_t<Loss>>(std::forward<Loss>(loss));
}

}  // namespace ppl
