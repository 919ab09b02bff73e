#pragma once
// Logistic(loc, scale).
#include <cmath>
#include <numbers>
#include <tuple>
#include <utility>

#include "ppl/dist/family.hpp"
#include "ppl/dist/location_scale.hpp"
#include "ppl/ops/abs.hpp"
#include "ppl/ops/arithmetic.hpp"
#include "ppl/ops/exp.hpp"
#include "ppl/ops/noise.hpp"
#include "ppl/ops/softplus.hpp"

namespace ppl {

/// k(z) = -z - 2 softplus(-z), the standard logistic log-density, as one node.
struct logistic_kernel_op : ops::same_shape {
    static constexpr std::string_view name = "logistic_log_density";
    // softplus(-z) = max(-z, 0) + log1p(exp(-|z|))
    void forward(auto& y, const auto& z) const {
        y.array() = -z.array() - 2 * ((-z.array()).max(0) + (-z.array().abs()).exp().log1p());
    }
    // dz = dy (1 - 2 sigmoid(z))
    void backward(const auto&, const auto& dy, const auto& dz, const auto& z) const {
        if constexpr (wants_adjoint<decltype(dz)>) dz.accumulate((dy.array() * (1 - 2 * z.array().logistic())).matrix());
    }
};

/// Logistic(mu, s): with z = (x - mu) / s, log p(x) = -z - 2 softplus(-z) - log s; pathwise sample x = mu + s (log u - log(1 - u)).
struct logistic_family : location_scale_family<noise_kind::logistic> {
    static constexpr std::string_view name = "logistic";

    static auto log_prob(no_settings, const auto& loc, const auto& scale, auto&& x) {
        return make_expr(logistic_kernel_op{}, (x - loc) / scale) - log(scale);
    }
    static double mean(double loc, double) { return loc; }
    static double variance(double, double scale) { return scale * scale * std::numbers::pi * std::numbers::pi / 3; }
};

/// Logistic(loc, scale); the scale is checked to be positive on every pass.
template <class Loc, class Scale>
[[nodiscard]] constexpr auto logistic(Loc&& loc, Scale&& scale) {
    return detail::location_scale<logistic_family>(std::forward<Loc>(loc), std::forward<Scale>(scale), "logistic loc", "logistic scale");
}

}  // namespace ppl
