#pragma once
// t ~ Student-t(nu) (standard: location 0, scale 1) from two uniforms, with a pathwise gradient in nu
// through its Gamma: t = n sqrt(nu / (2 G)), n = Phi^{-1}(u1) ~ N(0, 1), G = P^{-1}(nu / 2, u2) ~ Gamma(nu / 2, 1)
// (so 2 G ~ chi^2 with nu degrees of freedom), and
//   dt/dnu = t (1 / (2 nu) - (dG/dnu) / (2 G)),   dG/dnu = (1/2) dz/dalpha of Gamma(nu / 2) (ops/gamma_sample.hpp).
#include <cmath>
#include <numbers>
#include <string_view>
#include <type_traits>

#include "ppl/core/error.hpp"
#include "ppl/core/parallel.hpp"
#include "ppl/ops/elementwise.hpp"
#include "ppl/ops/gamma_sample.hpp"

namespace ppl {

/// The standard normal quantile Phi^{-1}(u), u in (0, 1), to about 1e-15: Newton's method on
/// Phi(x) = erfc(-x / sqrt 2) / 2 from Abramowitz and Stegun's 26.2.23 start.
[[nodiscard]] inline double normal_quantile(double u) {
    const double p = std::min(u, 1 - u), r = std::sqrt(-2 * std::log(p));
    double x = r - (2.515517 + r * (0.802853 + r * 0.010328)) / (1 + r * (1.432788 + r * (0.189269 + r * 0.001308)));
    x = u < 0.5 ? -x : x;
    for (int step = 0; step < 4; ++step) {
        // Phi(x) - u, from the tail x lies in, where erfc keeps its digits
        const double gap = x < 0 ? 0.5 * std::erfc(-x / std::numbers::sqrt2) - u : (1 - u) - 0.5 * std::erfc(x / std::numbers::sqrt2);
        x -= gap / (std::exp(-0.5 * x * x) / std::sqrt(2 * std::numbers::pi));
    }
    return x;
}

}  // namespace ppl

namespace ppl::ops {

/// t ~ Student-t(nu) from uniform noise u with twice nu's rows (u1 on top, u2 below). Backward:
/// dt/dnu through the Gamma's implicit gradient; u gets none.
struct student_t_sample_op {
    static constexpr std::string_view name = "student_t_sample";
    shape infer(const shape& nu, const shape& u) const {
        if (u.rows != 2 * nu.rows || u.cols != nu.cols)
            fail("the student_t sampler needs noise with twice the rows of its degrees of freedom (", 2 * nu.rows, "x", nu.cols,
                 "), not ", u);
        return nu;
    }
    void forward(auto& t, const auto& nu, const auto& u) const {
        using scalar = typename std::decay_t<decltype(t)>::Scalar;
        const Eigen::Index rows = t.rows();
        parallel_columns(rows, t.cols(), [&](Eigen::Index begin, Eigen::Index count) {
            for (Eigen::Index j = begin; j < begin + count; ++j)
                for (Eigen::Index i = 0; i < rows; ++i) {
                    const double freedom = static_cast<double>(nu(i, j));
                    const double gamma = gamma_quantile(freedom / 2, static_cast<double>(u(rows + i, j)));
                    t(i, j) = static_cast<scalar>(normal_quantile(static_cast<double>(u(i, j))) * std::sqrt(freedom / (2 * gamma)));
                }
        }, 256);
    }
    void backward(const auto& t, const auto& dt, const auto& dnu, const auto&, const auto& nu, const auto& u) const {
        if constexpr (wants_adjoint<decltype(dnu)>) {
            const Eigen::Index rows = t.rows();
            dnu.accumulate_pieces([&](auto& target, bool assign) {
                using scalar = typename std::decay_t<decltype(target)>::Scalar;
                parallel_columns(rows, t.cols(), [&](Eigen::Index begin, Eigen::Index count) {
                    for (Eigen::Index j = begin; j < begin + count; ++j)
                        for (Eigen::Index i = 0; i < rows; ++i) {
                            // G again from its uniform: the forward pass kept only t
                            const double freedom = static_cast<double>(nu(i, j));
                            const double gamma = gamma_quantile(freedom / 2, static_cast<double>(u(rows + i, j)));
                            const double gamma_slope = 0.5 * gamma_sample_derivative(freedom / 2, gamma);
                            const double slope = static_cast<double>(t(i, j)) * (0.5 / freedom - gamma_slope / (2 * gamma));
                            const auto g = static_cast<scalar>(static_cast<double>(dt(i, j)) * slope);
                            target(i, j) = assign ? g : target(i, j) + g;
                        }
                }, 256);
            });
        }
    }
};

}  // namespace ppl::ops
