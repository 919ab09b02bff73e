#pragma once
// ARM (Yin and Zhou 2019): the augment-REINFORCE-merge estimator for Bernoulli sites: an
// antithetic pair of samples per data point, without DisARM's Rao-Blackwellization.
#include <Eigen/Core>
#include <cmath>
#include <string_view>
#include <tuple>
#include <type_traits>

#include "ppl/core/adjoint.hpp"
#include "ppl/core/error.hpp"
#include "ppl/core/let.hpp"
#include "ppl/core/schedule.hpp"
#include "ppl/estimators/protocol.hpp"
#include "ppl/estimators/score_function.hpp"
#include "ppl/ops/antithetic.hpp"
#include "ppl/ops/noise.hpp"
#include "ppl/ops/one_hot.hpp"
#include "ppl/ops/stop_gradient.hpp"

namespace ppl {

namespace ops {

/// The surrogate whose gradient is the ARM estimate and whose value is 0. Operands: the logits
/// (rows x 2n), the per-sample cost f (1 x 2n) and the pair's logistic noise L (rows x 2n, the
/// second half -L). With u = sigmoid(L_i), point i's estimate is (f_i - f_n+i) (u - 1/2), split
/// over the pair's two columns, which read the same data.
struct arm_surrogate_op {
    static constexpr std::string_view name = "arm_surrogate";
    shape infer(const shape& logits, const shape& cost, const shape& noise, state_shape) const {
        if (logits != noise || cost.rows != 1 || cost.cols != logits.cols || logits.cols % 2 != 0)
            fail("the arm surrogate needs logits and noise of one shape with an even number of columns (two per "
                 "data point) and a 1 x columns cost; got ", logits, ", ", noise, " and ", cost);
        return {1, 1};
    }
    void forward(auto& y, const auto&, const auto&, const auto&, baseline_state*) const { y.setZero(); }
    void backward(const auto&, const auto& dy, const auto& dlogits, const auto&, const auto&, const auto&, const auto& logits,
                  const auto& cost, const auto& noise, baseline_state*) const {
        if constexpr (wants_adjoint<decltype(dlogits)>) {
            const Eigen::Index points = logits.cols() / 2, rows = logits.rows();
            const double scale = static_cast<double>(dy(0, 0)) / (2.0 * static_cast<double>(points));
            add_to_pairs(dlogits, points, rows, [&](Eigen::Index i, Eigen::Index r) {
                const double difference = static_cast<double>(cost(0, i)) - static_cast<double>(cost(0, points + i));
                const double u = 1 / (1 + std::exp(-static_cast<double>(noise(r, i))));
                return scale * difference * (u - 0.5);
            });
        }
    }
};

}  // namespace ops

/// ARM for Bernoulli(sigmoid(theta)) sites: from one uniform u per unit, b = [u > 1 - p] and
/// b~ = [u < p] (logistic noise L = logit(u) and -L), and
///   d E[f(b)] / d theta_i ~ (f(b) - f(b~)) (u_i - 1/2),
/// unbiased. DisARM averages this over the units' shared part and always has less variance; ARM is
/// here to compare against. It needs elbo(elbo_settings{.samples = 2}, ...), like disarm.
struct arm {
    static constexpr std::string_view name = "arm";
    template <class Family>
    static constexpr bool accepts = support_of_v<Family> == value_support::binary && !Family::reparameterizable;
    static constexpr Eigen::Index samples_per_point = 2;
    /// The let that holds a site's pair of logistic noises, read by the surrogate.
    template <fixed_string Site>
    static constexpr auto noise_name = concat(fixed_string{"arm:noise."}, Site);

    template <class Family>
    static consteval void refuse() {
        static_assert(detail::always_false<Family>,
                      "ppl: arm pairs antithetic samples of bernoulli sites only; use this family's default estimator "
                      "(drop the override) or score_function<leave_one_out>.");
    }

    template <fixed_string Site, class D, class Tau>
    static auto value(const D& d, const Tau&) {
        const auto& logits = std::get<0>(d.params);
        auto noise = let<noise_name<Site>>(make_expr(ops::antithetic_op{}, noise_like<Site>(noise_kind::logistic, logits)));
        return stop_gradient(hard_threshold(logits + std::move(noise), 0.0));
    }

    /// The surrogate whose gradient is the ARM estimate, from the pair's costs and noise.
    template <class Site, class Cost>
    static auto elbo_surrogate(const Site& site, const Cost& cost, baseline_state* state) {
        using noise = let_named_t<noise_name<let_name_of<Site>>, Site>;
        return make_expr(ops::arm_surrogate_op{}, std::get<0>(site.info.q.params), stop_gradient(cost()),
                         find_let<noise>(site), state_leaf<baseline_state>{state});
    }
};


}  // namespace ppl
