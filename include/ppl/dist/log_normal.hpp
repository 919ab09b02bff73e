#pragma once
// LogNormal(loc, scale): exp of a Normal(loc, scale).
#include <cmath>
#include <numbers>
#include <tuple>
#include <utility>

#include "ppl/dist/family.hpp"
#include "ppl/dist/normal.hpp"
#include "ppl/ops/exp.hpp"
#include "ppl/ops/log.hpp"

namespace ppl {

/// LogNormal(mu, sigma): log p(x) = log N(log x; mu, sigma) - log x;
/// pathwise sample x = exp(mu + sigma e), e ~ N(0, 1).
struct log_normal_family {
    static constexpr std::string_view name = "log_normal";
    static constexpr bool reparameterizable = true;
    static constexpr bool relaxable = false;
    static constexpr value_support support = value_support::positive;
    static constexpr auto param_names = std::tuple{fixed_string{"loc"}, fixed_string{"scale"}};
    using settings = no_settings;

    static auto log_prob(no_settings, const auto& loc, const auto& scale, auto&& x) {
        auto log_x = log(x);
        return normal_family::log_prob({}, loc, scale, log_x) - log_x;
    }
    template <fixed_string Site>
    static auto rsample(no_settings, const auto& loc, const auto& scale) {
        return exp(normal_family::rsample<Site>({}, loc, scale));
    }
    static double mean(double loc, double scale) { return std::exp(loc + scale * scale / 2); }
    static double variance(double loc, double scale) {
        return std::expm1(scale * scale) * std::exp(2 * loc + scale * scale);
    }
};

/// LogNormal(loc, scale); the scale is checked to be positive on every pass.
template <class Loc, class Scale>
[[nodiscard]] constexpr auto log_normal(Loc&& loc, Scale&& scale) {
    auto l = detail::checked<ops::requirement::finite>(std::forward<Loc>(loc), "log_normal loc");
    auto s = detail::checked<ops::requirement::positive>(std::forward<Scale>(scale), "log_normal scale");
    return distribution<log_normal_family, decltype(l), decltype(s)>{{std::move(l), std::move(s)}};
}

}  // namespace ppl
