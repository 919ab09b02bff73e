#pragma once
// Beta(a, b).
#include <tuple>
#include <utility>

#include "ppl/dist/family.hpp"
#include "ppl/ops/arithmetic.hpp"
#include "ppl/ops/beta_sample.hpp"
#include "ppl/ops/concat.hpp"
#include "ppl/ops/lgamma.hpp"
#include "ppl/ops/noise.hpp"

namespace ppl {

/// Beta(a, b): log p(x) = (a - 1) log x + (b - 1) log(1 - x) - log B(a, b), 0 < x < 1.
/// Pathwise by implicit reparameterization: x = X / (X + Y), X ~ Gamma(a, 1), Y ~ Gamma(b, 1), and
/// dx/da = -(dI_x(a, b)/da) / p(x), the same for b (ops/beta_sample.hpp).
struct beta_family {
    static constexpr std::string_view name = "beta";
    static constexpr bool reparameterizable = true;
    static constexpr bool relaxable = false;
    static constexpr value_support support = value_support::unit_interval;
    static constexpr auto param_names = std::tuple{fixed_string{"a"}, fixed_string{"b"}};
    using settings = no_settings;

    static auto log_prob(no_settings, const auto& a, const auto& b, auto&& x) {
        return (a - 1.0) * log(x) + (b - 1.0) * log(1.0 - x) + lgamma(a + b) - lgamma(a) - lgamma(b);
    }
    /// Two uniforms per entry, stacked: the noise has twice the rows of a.
    template <fixed_string Site>
    static auto rsample(no_settings, const auto& a, const auto& b) {
        return make_expr(ops::beta_sample_op{}, a, b, noise_like<Site>(noise_kind::uniform, concat(a, b)));
    }
    static double mean(double a, double b) { return a / (a + b); }
    static double variance(double a, double b) { return a * b / ((a + b) * (a + b) * (a + b + 1)); }
};

/// Beta(a, b); both are checked to be positive on every pass.
template <class A, class B>
[[nodiscard]] constexpr auto beta(A&& a, B&& b) {
    auto checked_a = detail::checked<ops::requirement::positive>(std::forward<A>(a), "beta a");
    auto checked_b = detail::checked<ops::requirement::positive>(std::forward<B>(b), "beta b");
    return distribution<beta_family, decltype(checked_a), decltype(checked_b)>{{std::move(checked_a), std::move(checked_b)}};
}

}  // namespace ppl
