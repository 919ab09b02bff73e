#pragma once
// Poisson(rate).
#include <tuple>
#include <utility>

#include "ppl/dist/counts.hpp"
#include "ppl/dist/family.hpp"
#include "ppl/ops/arithmetic.hpp"
#include "ppl/ops/lgamma.hpp"
#include "ppl/ops/noise.hpp"

namespace ppl {

/// Poisson(lambda): log p(k) = k log lambda - lambda - log k!. No reparameterization and no
/// relaxation: its estimator is the score function.
struct poisson_family {
    static constexpr std::string_view name = "poisson";
    static constexpr bool reparameterizable = false;
    static constexpr bool relaxable = false;
    static constexpr value_support support = value_support::count;
    static constexpr auto param_names = std::tuple{fixed_string{"rate"}};
    using settings = no_settings;

    static auto log_prob(no_settings, const auto& rate, auto&& k) {
        return k * log(rate) - rate - lgamma(k + 1.0);
    }
    template <fixed_string Site>
    static auto draw(no_settings, const auto& rate) {
        return make_expr(ops::poisson_sample_op{}, rate, noise_like<Site>(noise_kind::uniform, rate));
    }
    static double mean(double rate) { return rate; }
    static double variance(double rate) { return rate; }
};

/// Poisson(rate); the rate is checked to be positive on every pass.
template <class Rate>
[[nodiscard]] constexpr auto poisson(Rate&& rate) {
    auto r = detail::checked<ops::requirement::positive>(std::forward<Rate>(rate), "poisson rate");
    return distribution<poisson_family, decltype(r)>{{std::move(r)}};
}

}  // namespace ppl
