#pragma once
// Laplace(loc, scale).
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

/// Laplace(mu, b): log p(x) = -|x - mu| / b - log(2 b); pathwise sample by the inverse CDF, x = mu - b sign(u - 1/2) log(1 - 2|u - 1/2|).
struct laplace_family : location_scale_family<noise_kind::laplace> {
    static constexpr std::string_view name = "laplace";

    static auto log_prob(no_settings, const auto& loc, const auto& scale, auto&& x) {
        return -abs(x - loc) / scale - log(scale) - std::log(2.0);
    }
    static double mean(double loc, double) { return loc; }
    static double variance(double, double scale) { return 2 * scale * scale; }
};

/// Laplace(loc, scale); the scale is checked to be positive on every pass.
template <class Loc, class Scale>
[[nodiscard]] constexpr auto laplace(Loc&& loc, Scale&& scale) {
    return detail::location_scale<laplace_family>(std::forward<Loc>(loc), std::forward<Scale>(scale), "laplace loc", "laplace scale");
}

}  // namespace ppl
