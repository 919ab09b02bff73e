#pragma once
// log Gamma(a), elementwise, for the normalising constants of count distributions.
#include <cmath>
#include <math.h>  // lgamma_r
#include <limits>
#include <numbers>
#include <utility>

#include "ppl/core/node.hpp"
#include "ppl/ops/elementwise.hpp"

namespace ppl {

/// log |Gamma(x)| without touching the global `signgam` that std::lgamma writes, so that the loop
/// threads of the Gamma and Beta samplers can call it at once (POSIX lgamma_r).
[[nodiscard]] inline double log_gamma(double x) {
    int sign = 0;
    return ::lgamma_r(x, &sign);
}

/// The digamma function psi(x) = d/dx log Gamma(x), to about 1e-14 relative in double: the
/// reflection psi(x) = psi(1 - x) - pi / tan(pi x) below 0, the recurrence psi(x) = psi(x + 1) - 1/x
/// up to x >= 10, then the asymptotic series log x - 1/(2x) - sum_n B_2n / (2n x^2n). NaN at the poles
/// 0, -1, -2, ... (Written here rather than taken from Boost.Math, whose header costs every
/// translation unit more than a second to parse.)
[[nodiscard]] inline double digamma(double x) {
    if (std::isnan(x) || x == -std::numeric_limits<double>::infinity()) return std::numeric_limits<double>::quiet_NaN();
    if (x == std::numeric_limits<double>::infinity()) return x;
    if (x <= 0 && x == std::floor(x)) return std::numeric_limits<double>::quiet_NaN();
    double result = 0;
    if (x < 0) {
        result -= std::numbers::pi / std::tan(std::numbers::pi * x);
        x = 1 - x;
    }
    for (; x < 10; x += 1) result -= 1 / x;
    const double inv = 1 / x, inv2 = inv * inv;
    return result + std::log(x) - 0.5 * inv -
           inv2 * (1.0 / 12 - inv2 * (1.0 / 120 - inv2 * (1.0 / 252 - inv2 * (1.0 / 240 - inv2 * (1.0 / 132 - inv2 * 691.0 / 32760)))));
}

}  // namespace ppl

namespace ppl::ops {

/// y = log Gamma(a), a > 0
struct lgamma_op : same_shape {
    static constexpr std::string_view name = "lgamma";
    void forward(auto& y, const auto& a) const {
        y = a.unaryExpr([](auto v) { return static_cast<decltype(v)>(ppl::log_gamma(static_cast<double>(v))); });
    }
    // da = dy * digamma(a)
    void backward(const auto&, const auto& dy, const auto& da, const auto& a) const {
        if constexpr (wants_adjoint<decltype(da)>)
            da.accumulate(dy.cwiseProduct(a.unaryExpr([](auto v) { return static_cast<decltype(v)>(ppl::digamma(static_cast<double>(v))); })));
    }
};

}  // namespace ppl::ops

namespace ppl {

/// log Gamma(a), elementwise; its derivative is the digamma function.
template <node A>
[[nodiscard]] constexpr auto lgamma(A&& a) {
    if constexpr (std::is_same_v<std::remove_cvref_t<A>, constant_leaf>) {
        const double v = a.value;  // folded now: a constant stays a constant
        return constant_leaf{std::lgamma(v)};
    } else {
        return make_expr(ops::lgamma_op{}, std::forward<A>(a));
    }
}

}  // namespace ppl
