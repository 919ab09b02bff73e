#pragma once
// The score-function (REINFORCE) estimator and its baselines.
#include <Eigen/Core>
#include <array>
#include <string_view>
#include <tuple>
#include <type_traits>

#include "ppl/core/adjoint.hpp"
#include "ppl/core/error.hpp"
#include "ppl/dist/family.hpp"
#include "ppl/estimators/protocol.hpp"
#include "ppl/ops/reduce.hpp"
#include "ppl/ops/stop_gradient.hpp"

namespace ppl {

/// No baseline: the surrogate weight is the cost itself.
struct none {
    static constexpr std::string_view name = "none";
};
/// Moving-average baseline b <- beta b + (1 - beta) mean(f), with decay beta (default 0.9).
struct moving_average {
    static constexpr std::string_view name = "moving_average";
};
/// Leave-one-out baseline over K samples per data point: b_k = mean of the other K - 1 costs.
struct leave_one_out {
    static constexpr std::string_view name = "leave_one_out";
};

/// A learned control variate's state (rebar, relax): eta, log tau, relax's network, their Adam
/// moments, and what the last forward pass recorded for the variance step.
struct control_variate_state {
    double eta = 1.0;                        // the control variate's scale
    double log_tau = -0.69314718055994531;  // the relaxation's temperature, tau = 1/2 at the start
    double rate = 0.01;                      // Adam's step size on (eta, log tau) and the network
    std::array<double, 2> first_moment{}, second_moment{};
    long long steps = 0;
    double squared_norm = 0;                 // mean over points of |g|^2 at the last step
    double baseline = 0;                     // the moving-average baseline the last step used
    Eigen::MatrixXd logits, samples, work;   // block 0 of the last pass, and scratch
    Eigen::RowVectorXd cost;                 // the cost of every block of the last pass
    // relax: the network's parameters rho, their Adam moments and steps (rate as above), and scratch
    Eigen::VectorXd network, network_first_moment, network_second_moment, network_gradient;
    long long network_steps = 0;
    Eigen::MatrixXd network_input, network_dx, control_gradient, estimate;
    Eigen::RowVectorXd network_value, network_weight;
};

/// A baseline's state between steps.
struct baseline_state {
    double value = 0;           // the moving average
    bool started = false;       // false until the first step has set the average
    double decay = 0.9;         // beta of the moving average
    Eigen::Index samples = 1;   // K samples per data point (columns k * B + i)
    Eigen::Index enumerated = 0;  // enumerate: V joint values, one column block each (0: the site is drawn)
    control_variate_state control{};
};

namespace ops {
template <class Baseline>
struct score_surrogate_op;
}  // namespace ops

/// Score function (REINFORCE): grad E[f(z)] = E[(f(z) - b) grad log q(z)]. Works for any family;
/// unbiased, but its variance is typically orders of magnitude above pathwise or relaxed estimators.
template <class Baseline = moving_average>
struct score_function {
    static constexpr std::string_view name = "score_function";
    using baseline = Baseline;
    template <class Family>
    static constexpr bool accepts = true;
    // leave_one_out compares the samples of one data point; a global site has one draw
    static constexpr bool global_sites = !std::is_same_v<Baseline, leave_one_out>;

    template <fixed_string Site, class D, class Tau>
    static auto value(const D& d, const Tau&) {
        using family = family_of<D>;
        return std::apply(
            [&](const auto&... p) {
                if constexpr (family::reparameterizable) return stop_gradient(family::template rsample<Site>(d.settings, p...));
                else return family::template draw<Site>(d.settings, p...);
            },
            d.params);
    }

    /// The surrogate mean_j (f_j - b_j) log q(z_j), f the cost downstream of the site, passing no gradient.
    template <class Site, class Cost>
    static auto elbo_surrogate(const Site& site, const Cost& cost, baseline_state* state) {
        return make_expr(ops::score_surrogate_op<Baseline>{}, column_sum(log_prob(site.info.q, site)), stop_gradient(cost()),
                         state_leaf<baseline_state>{state});
    }
};

/// True for score_function<B>, whatever its baseline.
template <class T>
inline constexpr bool is_score_function_v = false;
template <class B>
inline constexpr bool is_score_function_v<score_function<B>> = true;

namespace ops {

/// The surrogate whose gradient is the score-function estimate and whose value is 0:
/// d/d log_q_j = (f_j - b_j) / n, for n columns. The cost f passes no gradient.
template <class Baseline>
struct score_surrogate_op {
    static constexpr std::string_view name = "score_surrogate";
    shape infer(const shape& log_q, const shape& cost, state_shape) const {
        if (log_q.rows != 1 || log_q != cost)
            fail("the score surrogate needs a per-sample log q and cost (1 x n each); got ", log_q, " and ", cost);
        return {1, 1};
    }
    void forward(auto& y, const auto&, const auto&, baseline_state*) const { y.setZero(); }
    void backward(const auto&, const auto& dy, const auto& dlog_q, const auto&, const auto&, const auto&,
                  const auto& cost, baseline_state* state) const {
        const Eigen::Index n = cost.cols();
        const auto scale = dy(0, 0) / static_cast<typename std::decay_t<decltype(dy)>::Scalar>(n);
        if constexpr (std::is_same_v<Baseline, none>) {
            dlog_q.accumulate(scale * cost);
        } else if constexpr (std::is_same_v<Baseline, moving_average>) {
            // b comes from earlier steps only (0 on the first), so it is independent of this step's f
            using scalar = typename std::decay_t<decltype(dy)>::Scalar;
            const double mean = static_cast<double>(cost.mean());
            const double b = state->started ? state->value : 0.0;
            dlog_q.accumulate(scale * (cost.array() - static_cast<scalar>(b)).matrix());
            state->value = state->started ? state->decay * state->value + (1 - state->decay) * mean : mean;
            state->started = true;
        } else {
            const Eigen::Index k = state->samples, points = n / k;
            if (k < 2) fail("the leave_one_out baseline needs at least 2 samples per data point; got ", k);
            dlog_q.accumulate_pieces([&](auto& target, bool assign) {
                for (Eigen::Index i = 0; i < points; ++i) {
                    double total = 0;
                    for (Eigen::Index s = 0; s < k; ++s) total += static_cast<double>(cost(0, s * points + i));
                    for (Eigen::Index s = 0; s < k; ++s) {
                        const double f = static_cast<double>(cost(0, s * points + i));
                        const double weight = static_cast<double>(scale) * (f - (total - f) / double(k - 1));
                        auto& entry = target(0, s * points + i);
                        entry = static_cast<std::decay_t<decltype(entry)>>(assign ? weight : entry + weight);
                    }
                }
            });
        }
    }
};

}  // namespace ops

}  // namespace ppl
