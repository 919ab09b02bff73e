#pragma once
// z ~ Dirichlet(alpha) in each group, from one uniform per entry, with implicit reparameterization
// gradients.
//
// The draw: X_k = P^{-1}(alpha_k, u_k) (ops/gamma_sample.hpp), z = X / sum X, formed as a softmax of
// log X so that tiny Gammas do not underflow. The gradient follows the marginals: z_i ~ Beta(alpha_i,
// alpha_0 - alpha_i), whose implicit derivative m_i = dz_i/dalpha_i comes from ops/beta_sample.hpp,
// while the other coordinates keep their proportions, dz_k/dalpha_i = -z_k m_i / (1 - z_i). So
//   dalpha_i = m_i / (1 - z_i) (dz_i - sum_k z_k dz_k)    within each group.
#include <algorithm>
#include <cmath>
#include <limits>
#include <string_view>
#include <type_traits>

#include "ppl/core/error.hpp"
#include "ppl/ops/beta_sample.hpp"
#include "ppl/ops/elementwise.hpp"
#include "ppl/ops/gamma_sample.hpp"
#include "ppl/ops/softmax.hpp"

namespace ppl::ops {

/// z ~ Dirichlet(alpha) per group of `layout`, from uniform noise u of alpha's shape; every z_k is
/// kept at or above the scalar's smallest normal number, so that log z stays finite.
struct dirichlet_sample_op {
    static constexpr std::string_view name = "dirichlet_sample";
    group_layout layout;
    shape infer(const shape& alpha, const shape& u) const {
        if (alpha != u) fail("the dirichlet sampler's concentration is ", alpha, " but its noise is ", u);
        return grouped_shape(alpha, layout);
    }
    void forward(auto& z, const auto& alpha, const auto& u) const {
        using scalar = typename std::decay_t<decltype(z)>::Scalar;
        constexpr double smallest = std::numeric_limits<scalar>::min();
        const Eigen::Index classes = layout.classes_for(alpha.rows());
        for_each_group(alpha.rows(), alpha.cols(), classes, [&](Eigen::Index j, Eigen::Index g) {
            double largest = -std::numeric_limits<double>::infinity(), total = 0;
            for (Eigen::Index k = g; k < g + classes; ++k) {
                const double log_x = std::log(gamma_quantile(static_cast<double>(alpha(k, j)), static_cast<double>(u(k, j))));
                z(k, j) = static_cast<scalar>(log_x);  // kept as log X until the group's largest is known
                largest = std::max(largest, log_x);
            }
            for (Eigen::Index k = g; k < g + classes; ++k) total += std::exp(static_cast<double>(z(k, j)) - largest);
            for (Eigen::Index k = g; k < g + classes; ++k)
                z(k, j) = static_cast<scalar>(std::max(std::exp(static_cast<double>(z(k, j)) - largest) / total, smallest));
        });
    }
    void backward(const auto& z, const auto& dz, const auto& dalpha, const auto&, const auto& alpha, const auto&) const {
        if constexpr (wants_adjoint<decltype(dalpha)>) {
            using scalar = typename std::decay_t<decltype(z)>::Scalar;
            const Eigen::Index classes = layout.classes_for(z.rows());
            dalpha.accumulate_pieces([&](auto& target, bool assign) {
                for_each_group(z.rows(), z.cols(), classes, [&](Eigen::Index j, Eigen::Index g) {
                    double total = 0, weighted = 0;  // alpha_0 and sum_k z_k dz_k
                    for (Eigen::Index k = g; k < g + classes; ++k) {
                        total += static_cast<double>(alpha(k, j));
                        weighted += static_cast<double>(z(k, j)) * static_cast<double>(dz(k, j));
                    }
                    for (Eigen::Index k = g; k < g + classes; ++k) {
                        const double a = static_cast<double>(alpha(k, j)), x = static_cast<double>(z(k, j));
                        // a coordinate that holds the whole group (the rest underflowed) cannot move
                        const double g_k = x < 1 ? beta_sample_derivative(a, total - a, x).a / (1 - x) * (static_cast<double>(dz(k, j)) - weighted) : 0.0;
                        target(k, j) = assign ? static_cast<scalar>(g_k) : target(k, j) + static_cast<scalar>(g_k);
                    }
                });
            });
        }
    }
};

}  // namespace ppl::ops
