#pragma once
// Exponential(rate).
#include <tuple>
#include <utility>

#include "ppl/dist/family.hpp"
#include "ppl/ops/arithmetic.hpp"
#include "ppl/ops/noise.hpp"

namespace ppl {

/// Exponential(lambda): log p(x) = log lambda - lambda x for x >= 0;
/// pathwise sample by the inverse CDF, x = -log(u) / lambda.
struct exponential_family {
    static constexpr std::string_view name = "exponential";
    static constexpr bool reparameterizable = true;
    static constexpr bool relaxable = false;
    static constexpr value_support support = value_support::positive;
    static constexpr auto param_names = std::tuple{fixed_string{"rate"}};
    using settings = no_settings;

    static auto log_prob(no_settings, const auto& rate, auto&& x) { return log(rate) - rate * x; }
    template <fixed_string Site>
    static auto rsample(no_settings, const auto& rate) {
        return noise_like<Site>(noise_kind::exponential, rate) / rate;
    }
    static double mean(double rate) { return 1 / rate; }
    static double variance(double rate) { return 1 / (rate * rate); }
};

/// Exponential(rate); the rate is checked to be positive on every pass.
template <class Rate>
[[nodiscard]] constexpr auto exponential(Rate&& rate) {
    auto r = detail::checked<ops::requirement::positive>(std::forward<Rate>(rate), "exponential rate");
    return distribution<exponential_family, decltype(r)>{{std::move(r)}};
}

}  // namespace ppl
