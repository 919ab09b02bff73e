#pragma once
// Normal(loc, scale).
#include <numbers>
#include <tuple>
#include <utility>

#include "ppl/dist/family.hpp"
#include "ppl/dist/location_scale.hpp"
#include "ppl/ops/arithmetic.hpp"
#include "ppl/ops/noise.hpp"
#include "ppl/ops/square.hpp"

namespace ppl {

/// Normal(mu, sigma): log p(x) = -(x - mu)^2 / (2 sigma^2) - log sigma - log(2 pi) / 2;
/// pathwise sample x = mu + sigma e, e ~ N(0, 1).
struct normal_family : location_scale_family<noise_kind::standard_normal> {
    static constexpr std::string_view name = "normal";

    static auto log_prob(no_settings, const auto& loc, const auto& scale, auto&& x) {
        return -0.5 * square((x - loc) / scale) - log(scale) - 0.5 * std::log(2 * std::numbers::pi);
    }
    static constexpr double mean(double loc, double) { return loc; }
    static constexpr double variance(double, double scale) { return scale * scale; }
};

/// Normal(loc, scale); the scale is checked to be positive on every pass.
template <class Loc, class Scale>
[[nodiscard]] constexpr auto normal(Loc&& loc, Scale&& scale) {
    return detail::location_scale<normal_family>(std::forward<Loc>(loc), std::forward<Scale>(scale), "normal loc", "normal scale");
}

/// The standard normal N(0, 1), as a prior.
struct std_normal_prior {
    using family = normal_family;
    std::tuple<constant_leaf, constant_leaf> params{constant_leaf{0.0}, constant_leaf{1.0}};
    no_settings settings{};
};

/// N(0, I), the usual VAE prior; its KL divergence from a normal is closed-form.
[[nodiscard]] constexpr std_normal_prior std_normal() { return {}; }

}  // namespace ppl
