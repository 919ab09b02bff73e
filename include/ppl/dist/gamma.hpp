#pragma once
// Gamma(concentration, rate).
#include <tuple>
#include <utility>

#include "ppl/dist/family.hpp"
#include "ppl/ops/arithmetic.hpp"
#include "ppl/ops/gamma_sample.hpp"
#include "ppl/ops/lgamma.hpp"
#include "ppl/ops/noise.hpp"

namespace ppl {

/// Gamma(alpha, beta): log p(x) = alpha log beta + (alpha - 1) log x - beta x - log Gamma(alpha), x > 0.
/// Pathwise by implicit reparameterization: x = z / beta with z = P^{-1}(alpha, u), u ~ U(0, 1), and
/// dz/dalpha = -(dP(alpha, z)/dalpha) / p(z; alpha) (ops/gamma_sample.hpp).
struct gamma_family {
    static constexpr std::string_view name = "gamma";
    static constexpr bool reparameterizable = true;
    static constexpr bool relaxable = false;
    static constexpr value_support support = value_support::positive;
    static constexpr auto param_names = std::tuple{fixed_string{"concentration"}, fixed_string{"rate"}};
    using settings = no_settings;

    static auto log_prob(no_settings, const auto& concentration, const auto& rate, auto&& x) {
        return concentration * log(rate) + (concentration - 1.0) * log(x) - rate * x - lgamma(concentration);
    }
    template <fixed_string Site>
    static auto rsample(no_settings, const auto& concentration, const auto& rate) {
        return make_expr(ops::gamma_sample_op{}, concentration, noise_like<Site>(noise_kind::uniform, concentration)) / rate;
    }
    static double mean(double concentration, double rate) { return concentration / rate; }
    static double variance(double concentration, double rate) { return concentration / (rate * rate); }
};

/// Gamma(concentration, rate); both are checked to be positive on every pass.
template <class Concentration, class Rate>
[[nodiscard]] constexpr auto gamma(Concentration&& concentration, Rate&& rate) {
    auto a = detail::checked<ops::requirement::positive>(std::forward<Concentration>(concentration), "gamma concentration");
    auto b = detail::checked<ops::requirement::positive>(std::forward<Rate>(rate), "gamma rate");
    return distribution<gamma_family, decltype(a), decltype(b)>{{std::move(a), std::move(b)}};
}

}  // namespace ppl
