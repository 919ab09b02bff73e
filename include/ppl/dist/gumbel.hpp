#pragma once
// Gumbel(loc, scale).
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

/// k(z) = -(z + exp(-z)), the standard Gumbel log-density, as one node.
struct gumbel_kernel_op : ops::same_shape {
    static constexpr std::string_view name = "gumbel_log_density";
    void forward(auto& y, const auto& z) const { y.array() = -(z.array() + (-z.array()).exp()); }
    // dz = dy (exp(-z) - 1)
    void backward(const auto&, const auto& dy, const auto& dz, const auto& z) const {
        if constexpr (wants_adjoint<decltype(dz)>) dz.accumulate((dy.array() * ((-z.array()).exp() - 1)).matrix());
    }
};

/// Gumbel(mu, beta): with z = (x - mu) / beta, log p(x) = -(z + exp(-z)) - log beta; pathwise sample x = mu - beta log(-log u).
struct gumbel_family : location_scale_family<noise_kind::gumbel> {
    static constexpr std::string_view name = "gumbel";

    static auto log_prob(no_settings, const auto& loc, const auto& scale, auto&& x) {
        return make_expr(gumbel_kernel_op{}, (x - loc) / scale) - log(scale);
    }
    static double mean(double loc, double scale) { return loc + scale * std::numbers::egamma; }
    static double variance(double, double scale) { return scale * scale * std::numbers::pi * std::numbers::pi / 6; }
};

/// Gumbel(loc, scale); the scale is checked to be positive on every pass.
template <class Loc, class Scale>
[[nodiscard]] constexpr auto gumbel(Loc&& loc, Scale&& scale) {
    return detail::location_scale<gumbel_family>(std::forward<Loc>(loc), std::forward<Scale>(scale), "gumbel loc", "gumbel scale");
}

}  // namespace ppl
