#pragma once
// Student-t(df, loc, scale).
#include <cmath>
#include <numbers>
#include <tuple>
#include <utility>

#include "ppl/dist/family.hpp"
#include "ppl/ops/arithmetic.hpp"
#include "ppl/ops/concat.hpp"
#include "ppl/ops/lgamma.hpp"
#include "ppl/ops/log.hpp"
#include "ppl/ops/noise.hpp"
#include "ppl/ops/square.hpp"
#include "ppl/ops/student_t_sample.hpp"

namespace ppl {

/// Student-t(nu, mu, sigma): log p(x) = log Gamma((nu + 1) / 2) - log Gamma(nu / 2) - log(nu pi) / 2 - log sigma
///                                       - (nu + 1) / 2 log(1 + ((x - mu) / sigma)^2 / nu).
/// Pathwise: x = mu + sigma t, t = n sqrt(nu / chi^2_nu), with the chi^2 drawn as twice a Gamma(nu / 2)
/// and differentiated implicitly (ops/student_t_sample.hpp).
struct student_t_family {
    static constexpr std::string_view name = "student_t";
    static constexpr bool reparameterizable = true;
    static constexpr bool relaxable = false;
    static constexpr value_support support = value_support::real;
    static constexpr auto param_names = std::tuple{fixed_string{"df"}, fixed_string{"loc"}, fixed_string{"scale"}};
    using settings = no_settings;

    static auto log_prob(no_settings, const auto& df, const auto& loc, const auto& scale, auto&& x) {
        return lgamma(0.5 * (df + 1.0)) - lgamma(0.5 * df) - 0.5 * log(df) - 0.5 * std::log(std::numbers::pi) - log(scale) -
               0.5 * (df + 1.0) * log(1.0 + square((x - loc) / scale) / df);
    }
    /// Two uniforms per entry, stacked: the noise has twice the rows of df.
    template <fixed_string Site>
    static auto rsample(no_settings, const auto& df, const auto& loc, const auto& scale) {
        return loc + scale * make_expr(ops::student_t_sample_op{}, df, noise_like<Site>(noise_kind::uniform, concat(df, df)));
    }
    static double mean(double, double loc, double) { return loc; }
    static double variance(double df, double, double scale) { return scale * scale * df / (df - 2); }  // df > 2
};

/// Student-t(df, loc, scale); df and scale are checked to be positive, loc to be finite, on every pass.
template <class Df, class Loc, class Scale>
[[nodiscard]] constexpr auto student_t(Df&& df, Loc&& loc, Scale&& scale) {
    auto d = detail::checked<ops::requirement::positive>(std::forward<Df>(df), "student_t df");
    auto l = detail::checked<ops::requirement::finite>(std::forward<Loc>(loc), "student_t loc");
    auto s = detail::checked<ops::requirement::positive>(std::forward<Scale>(scale), "student_t scale");
    return distribution<student_t_family, decltype(d), decltype(l), decltype(s)>{{std::move(d), std::move(l), std::move(s)}};
}

}  // namespace ppl
