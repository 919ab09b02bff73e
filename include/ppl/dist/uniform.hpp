#pragma once
// Uniform(low, high).
#include <tuple>
#include <utility>

#include "ppl/dist/family.hpp"
#include "ppl/ops/arithmetic.hpp"
#include "ppl/ops/log.hpp"
#include "ppl/ops/noise.hpp"

namespace ppl {

/// Uniform(a, b): log p(x) = -log(b - a) for a <= x <= b (the support is not checked);
/// pathwise sample x = a + (b - a) u.
struct uniform_family {
    static constexpr std::string_view name = "uniform";
    static constexpr bool reparameterizable = true;
    static constexpr bool relaxable = false;
    static constexpr value_support support = value_support::interval;
    static constexpr auto param_names = std::tuple{fixed_string{"low"}, fixed_string{"high"}};
    using settings = no_settings;

    static auto log_prob(no_settings, const auto& low, const auto& high, auto&& x) {
        return 0.0 * x - log(high - low);
    }
    template <fixed_string Site>
    static auto rsample(no_settings, const auto& low, const auto& high) {
        return low + (high - low) * noise_like<Site>(noise_kind::uniform, low, high);
    }
    static double mean(double low, double high) { return (low + high) / 2; }
    static double variance(double low, double high) { return (high - low) * (high - low) / 12; }
};

/// Uniform(low, high) with finite bounds.
template <class Low, class High>
[[nodiscard]] constexpr auto uniform(Low&& low, High&& high) {
    auto a = detail::checked<ops::requirement::finite>(std::forward<Low>(low), "uniform low");
    auto b = detail::checked<ops::requirement::finite>(std::forward<High>(high), "uniform high");
    return distribution<uniform_family, decltype(a), decltype(b)>{{std::move(a), std::move(b)}};
}

}  // namespace ppl
