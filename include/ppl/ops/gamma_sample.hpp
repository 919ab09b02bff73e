#pragma once
// z ~ Gamma(alpha, 1) from a uniform u, by the inverse CDF, with the implicit reparameterization
// gradient dz/dalpha = -(dP(alpha, z)/dalpha) / p(z; alpha) (Figurnov, Mohamed and Mnih 2018).
//
// P(alpha, z) is the regularized lower incomplete gamma function. Below z = alpha + 1 it is summed as
// the series P = e^L S, L = alpha log z - z - log Gamma(alpha + 1), S = sum_n z^n / ((alpha+1)...(alpha+n));
// above, its complement Q = 1 - P = e^M C, M = alpha log z - z - log Gamma(alpha), with C the Legendre
// continued fraction, evaluated by the modified Lentz method. S and C are carried together with
// their derivatives in alpha, so the gradient needs no finite differences and no exponentials:
//   series:            dz/dalpha = -(z / alpha) (S (log z - psi(alpha + 1)) + dS/dalpha)
//   continued fraction: dz/dalpha =  z (C (log z - psi(alpha)) + dC/dalpha).
// Everything is computed in double, whatever the scalar of the graph.
#include <algorithm>
#include <cmath>
#include <limits>
#include <string_view>
#include <type_traits>

#include "ppl/core/error.hpp"
#include "ppl/core/parallel.hpp"
#include "ppl/ops/elementwise.hpp"
#include "ppl/ops/lgamma.hpp"

namespace ppl {

namespace detail {

// A value and its derivative in alpha: the forward-mode arithmetic of the series and the fraction.
struct alpha_dual {
    double value, slope;
};
inline alpha_dual operator+(alpha_dual a, alpha_dual b) { return {a.value + b.value, a.slope + b.slope}; }
inline alpha_dual operator*(alpha_dual a, alpha_dual b) { return {a.value * b.value, a.slope * b.value + a.value * b.slope}; }
inline alpha_dual operator/(alpha_dual a, alpha_dual b) {
    return {a.value / b.value, (a.slope * b.value - a.value * b.slope) / (b.value * b.value)};
}

// Enough terms for the largest concentrations (1e4 needs about a thousand near z = alpha).
inline constexpr int incomplete_gamma_max_terms = 100000;

// S = sum_n z^n / ((alpha+1)...(alpha+n)) and dS/dalpha, for z < alpha + 1.
inline alpha_dual gamma_series(double alpha, double z) {
    alpha_dual term{1, 0}, total{1, 0};
    for (int n = 1; n < incomplete_gamma_max_terms; ++n) {
        term = term * alpha_dual{z, 0} / alpha_dual{alpha + n, 1};
        total = total + term;
        if (term.value <= 1e-17 * total.value && std::abs(term.slope) <= 1e-17 * std::abs(total.slope)) break;
    }
    return total;
}

// C = 1 / (b0 + a1 / (b1 + a2 / (b2 + ...))), a_i = -i (i - alpha), b_i = z + 1 - alpha + 2 i, and dC/dalpha,
// for z >= alpha + 1 (there b0 >= 2 and the fraction converges quickly).
inline alpha_dual gamma_fraction(double alpha, double z) {
    constexpr double tiny = 1e-300;
    alpha_dual b{z + 1 - alpha, -1};
    alpha_dual c{1 / tiny, 0};
    alpha_dual d = alpha_dual{1, 0} / b;
    alpha_dual h = d;
    for (int i = 1; i < incomplete_gamma_max_terms; ++i) {
        const alpha_dual a{-i * (i - alpha), double(i)};
        b = b + alpha_dual{2, 0};
        d = a * d + b;
        if (std::abs(d.value) < tiny) d.value = tiny;
        c = b + a / c;
        if (std::abs(c.value) < tiny) c.value = tiny;
        d = alpha_dual{1, 0} / d;
        const alpha_dual step = d * c;
        h = h * step;
        if (std::abs(step.value - 1) <= 1e-16 && std::abs(step.slope) <= 1e-16 * std::abs(h.slope / h.value) + 1e-300)
            break;
    }
    return h;
}

}  // namespace detail

/// P(alpha, z), the regularized lower incomplete gamma function (the CDF of Gamma(alpha, 1) at z).
[[nodiscard]] inline double regularized_gamma_p(double alpha, double z) {
    if (!(z > 0)) return 0;
    if (z < alpha + 1) return std::exp(alpha * std::log(z) - z - log_gamma(alpha + 1)) * detail::gamma_series(alpha, z).value;
    return 1 - std::exp(alpha * std::log(z) - z - log_gamma(alpha)) * detail::gamma_fraction(alpha, z).value;
}

/// dz/dalpha at a sample z of Gamma(alpha, 1): -(dP(alpha, z)/dalpha) / p(z; alpha).
[[nodiscard]] inline double gamma_sample_derivative(double alpha, double z) {
    const double log_z = std::log(z);
    if (z < alpha + 1) {
        const detail::alpha_dual s = detail::gamma_series(alpha, z);
        return -(z / alpha) * (s.value * (log_z - digamma(alpha + 1)) + s.slope);
    }
    const detail::alpha_dual c = detail::gamma_fraction(alpha, z);
    return z * (c.value * (log_z - digamma(alpha)) + c.slope);
}

/// The u-quantile of Gamma(alpha, 1), u in (0, 1): Halley's method on t = log z, started from
/// Wilson and Hilferty's cube (alpha >= 1) or from P ~ z^alpha / Gamma(alpha + 1) (alpha < 1).
/// Working in log z keeps the tiny samples of small alpha (below 1e-300 for alpha = 0.01) finite.
[[nodiscard]] inline double gamma_quantile(double alpha, double u) {
    const double log_gamma_alpha = log_gamma(alpha), log_gamma_next = log_gamma(alpha + 1);
    double t;
    if (alpha >= 1) {
        // a normal quantile good to 5e-4 (Abramowitz and Stegun 26.2.23) is plenty for a start
        const double p = std::min(u, 1 - u), r = std::sqrt(-2 * std::log(p));
        double x = r - (2.515517 + r * (0.802853 + r * 0.010328)) / (1 + r * (1.432788 + r * (0.189269 + r * 0.001308)));
        if (u < 0.5) x = -x;
        const double cube = 1 - 1 / (9 * alpha) + x / (3 * std::sqrt(alpha));
        t = cube > 0 ? std::log(alpha) + 3 * std::log(cube) : (std::log(u) + log_gamma_next) / alpha;
    } else {
        t = (std::log(u) + log_gamma_next) / alpha;
    }
    double below = -std::numeric_limits<double>::infinity(), above = std::numeric_limits<double>::infinity();
    for (int iteration = 0; iteration < 100; ++iteration) {
        const double z = std::exp(t);
        // g = P(alpha, z) - u, from the side that keeps its digits
        double g;
        if (z < alpha + 1)
            g = std::exp(alpha * t - z - log_gamma_next) * detail::gamma_series(alpha, z).value - u;
        else
            g = (1 - u) - std::exp(alpha * t - z - log_gamma_alpha) * detail::gamma_fraction(alpha, z).value;
        if (g == 0) return z;
        (g < 0 ? below : above) = t;
        const double slope = std::exp(alpha * t - z - log_gamma_alpha);  // dP/dt = z p(z)
        const double newton = g / slope;
        const double step = newton / std::max(0.5, 1 - 0.5 * newton * (alpha - z));
        if (std::abs(step) <= 1e-14 * std::max(1.0, std::abs(t))) return std::exp(t - step);
        double next = t - step;
        // a step that leaves the bracket (or overflows) is replaced by bisection, or by a unit step out
        if (!std::isfinite(next) || next <= below || next >= above)
            next = std::isfinite(below) && std::isfinite(above) ? 0.5 * (below + above) : t + (g < 0 ? 1 : -1);
        t = next;
    }
    return std::exp(t);
}

}  // namespace ppl

namespace ppl::ops {

/// z ~ Gamma(alpha, 1) from uniform noise u of alpha's shape: z = P^{-1}(alpha, u), clamped to the
/// scalar's smallest normal number so that log z stays finite. Backward: the implicit gradient
/// dz/dalpha = -(dP/dalpha) / p(z), at the sample the forward pass drew; u, when it is an input
/// rather than noise (noise passes no gradient), gets dz/du = 1 / p(z).
struct gamma_sample_op {
    static constexpr std::string_view name = "gamma_sample";
    shape infer(const shape& alpha, const shape& u) const {
        if (alpha != u) fail("the gamma sampler's concentration is ", alpha, " but its noise is ", u);
        return alpha;
    }
    void forward(auto& z, const auto& alpha, const auto& u) const {
        using scalar = typename std::decay_t<decltype(z)>::Scalar;
        constexpr double smallest = std::numeric_limits<scalar>::min(), largest = std::numeric_limits<scalar>::max();
        // each entry is a root search: worth the loop threads from a few hundred entries on
        parallel_columns(z.rows(), z.cols(), [&](Eigen::Index begin, Eigen::Index count) {
            for (Eigen::Index j = begin; j < begin + count; ++j)
                for (Eigen::Index i = 0; i < z.rows(); ++i) {
                    const double sample = gamma_quantile(static_cast<double>(alpha(i, j)), static_cast<double>(u(i, j)));
                    z(i, j) = static_cast<scalar>(std::clamp(sample, smallest, largest));
                }
        }, 256);
    }
    void backward(const auto& z, const auto& dz, const auto& dalpha, const auto& du, const auto& alpha, const auto&) const {
        if constexpr (wants_adjoint<decltype(dalpha)>) accumulate_entries(dalpha, z, dz, alpha, gamma_sample_derivative);
        // u is noise in a model; as an input (a quantile function, the gradient tests) dz/du = 1 / p(z; alpha)
        if constexpr (wants_adjoint<decltype(du)>)
            accumulate_entries(du, z, dz, alpha, [](double a, double v) {
                return std::exp(log_gamma(a) + (1 - a) * std::log(v) + v);
            });
    }

private:
    // sink += dz .* f(alpha, z), entry by entry in double, on the loop threads
    static void accumulate_entries(const auto& sink, const auto& z, const auto& dz, const auto& alpha, auto f) {
        sink.accumulate_pieces([&](auto& target, bool assign) {
            using scalar = typename std::decay_t<decltype(target)>::Scalar;
            if (assign) target.resize(z.rows(), z.cols());
            parallel_columns(z.rows(), z.cols(), [&](Eigen::Index begin, Eigen::Index count) {
                for (Eigen::Index j = begin; j < begin + count; ++j)
                    for (Eigen::Index i = 0; i < z.rows(); ++i) {
                        const auto g = static_cast<scalar>(static_cast<double>(dz(i, j)) *
                                                           f(static_cast<double>(alpha(i, j)), static_cast<double>(z(i, j))));
                        target(i, j) = assign ? g : target(i, j) + g;
                    }
            }, 256);
        });
    }
};

}  // namespace ppl::ops
