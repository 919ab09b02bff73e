#pragma once
// DisARM (Dong, Mnih and Tucker 2020): an unbiased, antithetic estimator for Bernoulli sites.
#include <Eigen/Core>
#include <cmath>
#include <string_view>
#include <tuple>
#include <type_traits>

#include "ppl/core/adjoint.hpp"
#include "ppl/core/error.hpp"
#include "ppl/dist/family.hpp"
#include "ppl/estimators/protocol.hpp"
#include "ppl/estimators/score_function.hpp"
#include "ppl/ops/antithetic.hpp"
#include "ppl/ops/noise.hpp"
#include "ppl/ops/one_hot.hpp"
#include "ppl/ops/stop_gradient.hpp"

namespace ppl {

namespace ops {

/// The surrogate whose gradient is the DisARM estimate and whose value is 0. Operands: the logits
/// (rows x 2n), the pair of samples b (rows x 2n), the per-sample cost f (1 x 2n). For the pair
/// (i, n + i): d/d theta on each of its two columns = 1/2 of 1/2 (f_i - f_n+i) (b_i - b_n+i) sigmoid(|theta|) / n,
/// so that the two columns (which read the same data) add up to the estimate for point i over n points.
struct disarm_surrogate_op {
    static constexpr std::string_view name = "disarm_surrogate";
    shape infer(const shape& logits, const shape& samples, const shape& cost, state_shape) const {
        if (logits != samples || cost.rows != 1 || cost.cols != logits.cols || logits.cols % 2 != 0)
            fail("the disarm surrogate needs logits and samples of one shape with an even number of columns (two "
                 "per data point) and a 1 x columns cost; got ", logits, ", ", samples, " and ", cost);
        return {1, 1};
    }
    void forward(auto& y, const auto&, const auto&, const auto&, baseline_state*) const { y.setZero(); }
    void backward(const auto&, const auto& dy, const auto& dlogits, const auto&, const auto&, const auto&, const auto& logits,
                  const auto& samples, const auto& cost, baseline_state*) const {
        if constexpr (wants_adjoint<decltype(dlogits)>) {
            const Eigen::Index points = logits.cols() / 2, rows = logits.rows();
            const double scale = static_cast<double>(dy(0, 0)) / (4.0 * static_cast<double>(points));
            add_to_pairs(dlogits, points, rows, [&](Eigen::Index i, Eigen::Index r) {
                const double difference = static_cast<double>(cost(0, i)) - static_cast<double>(cost(0, points + i));
                const double disagree = static_cast<double>(samples(r, i)) - static_cast<double>(samples(r, points + i));
                return scale * difference * disagree / (1.0 + std::exp(-std::abs(static_cast<double>(logits(r, i)))));
            });
        }
    }
};

}  // namespace ops

/// DisARM for Bernoulli(sigmoid(theta)) sites. Each data point draws an antithetic pair from one
/// uniform u: b = [u > 1 - p] and b~ = [1 - u > 1 - p] (logistic noise L and -L). Then
///   d E[f(b)] / d theta_i ~ 1/2 (f(b) - f(b~)) (b_i - b~_i) sigmoid(|theta_i|),
/// unbiased, and zero for every unit on which the pair agrees. It needs
/// elbo(elbo_settings{.samples = 2}, ...): the pair is the two samples of each data point.
struct disarm {
    static constexpr std::string_view name = "disarm";
    template <class Family>
    static constexpr bool accepts = support_of_v<Family> == value_support::binary && !Family::reparameterizable;
    static constexpr Eigen::Index samples_per_point = 2;

    template <class Family>
    static consteval void refuse() {
        if constexpr (support_of_v<Family> == value_support::one_hot && Family::relaxable)
            static_assert(detail::always_false<Family>,
                          "ppl: disarm pairs antithetic samples of bernoulli sites; ppl has no categorical form of it. "
                          "For a categorical site use score_function<leave_one_out>, or train the K-sample bound iwae(K, ...).");
        else
            static_assert(detail::always_false<Family>,
                          "ppl: disarm pairs antithetic samples of bernoulli sites only; use this family's default "
                          "estimator (drop the override) or score_function<leave_one_out>.");
    }

    /// The surrogate whose gradient is the DisARM estimate, from the pair's samples and costs.
    template <class Site, class Cost>
    static auto elbo_surrogate(const Site& site, const Cost& cost, baseline_state* state) {
        return make_expr(ops::disarm_surrogate_op{}, std::get<0>(site.info.q.params), stop_gradient(site),
                         stop_gradient(cost()), state_leaf<baseline_state>{state});
    }
    template <fixed_string Site, class D, class Tau>
    static auto value(const D& d, const Tau&) {
        const auto& logits = std::get<0>(d.params);
        auto noise = make_expr(ops::antithetic_op{}, noise_like<Site>(noise_kind::logistic, logits));
        return stop_gradient(hard_threshold(logits + noise, 0.0));
    }
};

}  // namespace ppl
