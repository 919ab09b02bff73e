#pragma once
// Laplace(loc, scale).
#include <cmath>
#include <numbers>
#include <tuple>
#include <utility>

#include "ppl/dist/family.hpp"
#include "ppl/ops/abs.hpp"
#include "ppl/ops/arithmetic.hpp"
#include "ppl/ops/exp.hpp"
#include "ppl/ops/noise.hpp"
#include "ppl/ops/softplus.hpp"

namespace ppl {

/// Laplace(mu, b): log p(x) = -|x - mu| / b - log(2 b); pathwise sample by the inverse CDF, x = mu - b sign(u - 1/2) log(1 - 2|u - 1/2|).
struct laplace_family {
    static constexpr std::string_view name = "laplace";
    static constexpr bool reparameterizable = true;
    static constexpr bool relaxable = false;
    static constexpr value_support support = value_support::real;
    static constexpr auto param_names = std::tuple{fixed_string{"loc"}, fixed_string{"scale"}};
    using settings = no_settings;

    static auto log_prob(no_settings, const auto& loc, const auto& scale, auto&& x) {
        return -abs(x - loc) / scale - log(scale) - std::log(2.0);
    }
    template <fixed_string Site>
    static auto rsample(no_settings, const auto& loc, const auto& scale) {
        return loc + scale * noise_like<Site>(noise_kind::laplace, loc, scale);
    }
    static double mean(double loc, double) { return loc; }
    static double variance(double, double scale) { return 2 * scale * scale; }
};

/// Laplace(loc, scale); the scale is checked to be positive on every pass.
template <class Loc, class Scale>
[[nodiscard]] constexpr auto laplace(Loc&& loc, Scale&& scale) {
    auto l = detail::checked<ops::requirement::finite>(std::forward<Loc>(loc), "laplace loc");
    auto s = detail::checked<ops::requirement::positive>(std::forward<Scale>(scale), "laplace scale");
    return distribution<laplace_family, decltype(l), decltype(s)>{{std::move(l), std::move(s)}};
}

}  // namespace ppl
