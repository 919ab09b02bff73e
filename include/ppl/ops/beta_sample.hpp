#pragma once
// z ~ Beta(a, b) from two uniforms, with the implicit reparameterization gradients
// dz/da = -(dI_z(a, b)/da) / p(z) and dz/db = -(dI_z(a, b)/db) / p(z).
//
// The draw: X = P^{-1}(a, u1), Y = P^{-1}(b, u2) (ops/gamma_sample.hpp), z = X / (X + Y), formed from
// log X and log Y so that tiny Gammas of small concentrations do not underflow. The gradient only
// needs z: I_z(a, b), the regularized incomplete beta function, is e^L h / a with
// L = a log z + b log(1 - z) - log B(a, b) and h the continued fraction of Numerical Recipes' betacf
// (for z < (a + 1) / (a + b + 2); above, I_z(a, b) = 1 - I_{1-z}(b, a)). h is carried with its two
// derivatives, so that
//   dz/da = -(z (1 - z) / a) (h dL/da + dh/da - h / a),   dz/db = -(z (1 - z) / a) (h dL/db + dh/db).
#include <algorithm>
#include <cmath>
#include <limits>
#include <string_view>
#include <type_traits>

#include "ppl/core/error.hpp"
#include "ppl/core/parallel.hpp"
#include "ppl/ops/elementwise.hpp"
#include "ppl/ops/gamma_sample.hpp"
#include "ppl/ops/lgamma.hpp"

namespace ppl {

namespace detail {

// A value and its derivatives in the first and second shape parameter of the fraction.
struct shape_dual {
    double value, first, second;
};
inline shape_dual operator+(shape_dual x, shape_dual y) { return {x.value + y.value, x.first + y.first, x.second + y.second}; }
inline shape_dual operator*(shape_dual x, shape_dual y) {
    return {x.value * y.value, x.first * y.value + x.value * y.first, x.second * y.value + x.value * y.second};
}
inline shape_dual operator/(shape_dual x, shape_dual y) {
    const double square = y.value * y.value;
    return {x.value / y.value, (x.first * y.value - x.value * y.first) / square,
            (x.second * y.value - x.value * y.second) / square};
}

// The continued fraction of I_z(p, q) = e^L h / p, with dh/dp and dh/dq; converges fast for
// z < (p + 1) / (p + q + 2).
inline shape_dual beta_fraction(double p, double q, double z) {
    constexpr double tiny = 1e-300;
    const shape_dual one{1, 0, 0};
    auto guard = [](shape_dual v) {
        if (std::abs(v.value) < tiny) v.value = tiny;
        return v;
    };
    shape_dual c = one;
    shape_dual d = one / guard(one + shape_dual{-(p + q) * z, -z, -z} / shape_dual{p + 1, 1, 0});  // 1 - (p + q) z / (p + 1)
    shape_dual h = d;
    for (int m = 1; m < incomplete_gamma_max_terms; ++m) {
        const double m2 = 2.0 * m;
        // even step: m (q - m) z / ((p - 1 + 2m)(p + 2m))
        const shape_dual even = shape_dual{m * (q - m) * z, 0, m * z} / (shape_dual{p - 1 + m2, 1, 0} * shape_dual{p + m2, 1, 0});
        d = one / guard(one + even * d);
        c = guard(one + even / c);
        h = h * d * c;
        // odd step: -(p + m)(p + q + m) z / ((p + 2m)(p + 1 + 2m))
        const shape_dual odd = shape_dual{-z, 0, 0} * shape_dual{p + m, 1, 0} * shape_dual{p + q + m, 1, 1} /
                               (shape_dual{p + m2, 1, 0} * shape_dual{p + 1 + m2, 1, 0});
        d = one / guard(one + odd * d);
        c = guard(one + odd / c);
        const shape_dual step = d * c;
        h = h * step;
        // the value can stop early (an integer q ends the fraction) while its derivatives still move
        const double scale_first = std::max(1.0, std::abs(h.first / h.value)), scale_second = std::max(1.0, std::abs(h.second / h.value));
        if (std::abs(step.value - 1) <= 1e-16 && std::abs(step.first) <= 1e-16 * scale_first &&
            std::abs(step.second) <= 1e-16 * scale_second)
            break;
    }
    return h;
}

}  // namespace detail

/// I_z(a, b), the regularized incomplete beta function (the CDF of Beta(a, b) at z).
[[nodiscard]] inline double regularized_beta(double a, double b, double z) {
    if (!(z > 0)) return 0;
    if (!(z < 1)) return 1;
    const double log_front = a * std::log(z) + b * std::log1p(-z) - (log_gamma(a) + log_gamma(b) - log_gamma(a + b));
    if (z < (a + 1) / (a + b + 2)) return std::exp(log_front) * detail::beta_fraction(a, b, z).value / a;
    return 1 - std::exp(log_front) * detail::beta_fraction(b, a, 1 - z).value / b;
}

/// The pair (dz/da, dz/db) at a sample z of Beta(a, b).
struct beta_sample_slopes {
    double a, b;
};

/// dz/da and dz/db at a sample z of Beta(a, b): -(dI_z/da) / p(z) and -(dI_z/db) / p(z).
[[nodiscard]] inline beta_sample_slopes beta_sample_derivative(double a, double b, double z) {
    const double both = digamma(a + b);
    const double slope_a = std::log(z) - digamma(a) + both, slope_b = std::log1p(-z) - digamma(b) + both;  // dL/da, dL/db
    const double spread = z * (1 - z);
    if (z < (a + 1) / (a + b + 2)) {
        const detail::shape_dual h = detail::beta_fraction(a, b, z);
        return {-(spread / a) * (h.value * slope_a + h.first - h.value / a), -(spread / a) * (h.value * slope_b + h.second)};
    }
    // I_z(a, b) = 1 - I_{1-z}(b, a): the fraction's first parameter is b
    const detail::shape_dual h = detail::beta_fraction(b, a, 1 - z);
    return {(spread / b) * (h.value * slope_a + h.second), (spread / b) * (h.value * slope_b + h.first - h.value / b)};
}

}  // namespace ppl

namespace ppl::ops {

/// z ~ Beta(a, b) from uniform noise u with twice a's rows (u1 on top, u2 below), as
/// X / (X + Y) with X = P^{-1}(a, u1), Y = P^{-1}(b, u2); z is kept inside the scalar's open
/// interval (0, 1). Backward: the implicit gradients of Beta(a, b) at z; u gets none.
struct beta_sample_op {
    static constexpr std::string_view name = "beta_sample";
    shape infer(const shape& a, const shape& b, const shape& u) const {
        if (a != b) fail("the beta sampler's a is ", a, " but its b is ", b);
        if (u.rows != 2 * a.rows || u.cols != a.cols)
            fail("the beta sampler needs noise with twice the rows of its parameters (", 2 * a.rows, "x", a.cols, "), not ", u);
        return a;
    }
    void forward(auto& z, const auto& a, const auto& b, const auto& u) const {
        using scalar = typename std::decay_t<decltype(z)>::Scalar;
        const double below_one = 1 - double(std::numeric_limits<scalar>::epsilon()) / 2;
        constexpr double smallest = std::numeric_limits<scalar>::min();
        const Eigen::Index rows = z.rows();
        parallel_columns(rows, z.cols(), [&](Eigen::Index begin, Eigen::Index count) {
            for (Eigen::Index j = begin; j < begin + count; ++j)
                for (Eigen::Index i = 0; i < rows; ++i) {
                    const double log_x = std::log(gamma_quantile(static_cast<double>(a(i, j)), static_cast<double>(u(i, j))));
                    const double log_y = std::log(gamma_quantile(static_cast<double>(b(i, j)), static_cast<double>(u(rows + i, j))));
                    const double sample = 1 / (1 + std::exp(log_y - log_x));  // X / (X + Y)
                    z(i, j) = static_cast<scalar>(std::clamp(sample, smallest, below_one));
                }
        }, 128);
    }
    void backward(const auto& z, const auto& dz, const auto& da, const auto& db, const auto&, const auto& a, const auto& b,
                  const auto&) const {
        constexpr bool want_a = wants_adjoint<decltype(da)>, want_b = wants_adjoint<decltype(db)>;
        if constexpr (want_a && want_b) {
            // both slopes come from one fraction per entry: one sweep writes both adjoints
            da.accumulate_pieces([&](auto& target_a, bool assign_a) {
                db.accumulate_pieces([&](auto& target_b, bool assign_b) {
                    if (assign_a) target_a.resize(z.rows(), z.cols());
                    if (assign_b) target_b.resize(z.rows(), z.cols());
                    for_each_slope(z, dz, a, b, [&](Eigen::Index i, Eigen::Index j, double ga, double gb) {
                        store(target_a, assign_a, i, j, ga);
                        store(target_b, assign_b, i, j, gb);
                    });
                });
            });
        } else if constexpr (want_a || want_b) {
            const auto& sink = [&]() -> const auto& {
                if constexpr (want_a) return da;
                else return db;
            }();
            sink.accumulate_pieces([&](auto& target, bool assign) {
                if (assign) target.resize(z.rows(), z.cols());
                for_each_slope(z, dz, a, b, [&](Eigen::Index i, Eigen::Index j, double ga, double gb) {
                    store(target, assign, i, j, want_a ? ga : gb);
                });
            });
        }
    }

private:
    // f(i, j, dz * dz/da, dz * dz/db) for every entry, on the loop threads
    static void for_each_slope(const auto& z, const auto& dz, const auto& a, const auto& b, auto f) {
        parallel_columns(z.rows(), z.cols(), [&](Eigen::Index begin, Eigen::Index count) {
            for (Eigen::Index j = begin; j < begin + count; ++j)
                for (Eigen::Index i = 0; i < z.rows(); ++i) {
                    const beta_sample_slopes s = beta_sample_derivative(static_cast<double>(a(i, j)), static_cast<double>(b(i, j)),
                                                                        static_cast<double>(z(i, j)));
                    const double g = static_cast<double>(dz(i, j));
                    f(i, j, g * s.a, g * s.b);
                }
        }, 128);
    }
    // the first contribution of a backward pass assigns, later ones add
    static void store(auto& target, bool assign, Eigen::Index i, Eigen::Index j, double g) {
        using scalar = typename std::decay_t<decltype(target)>::Scalar;
        target(i, j) = assign ? static_cast<scalar>(g) : target(i, j) + static_cast<scalar>(g);
    }
};

}  // namespace ppl::ops
