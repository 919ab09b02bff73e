#pragma once
// digamma(a) = d/da log Gamma(a), elementwise, for the closed-form KL divergences of Gamma-based
// families; its derivative is the trigamma function.
#include <cmath>
#include <limits>
#include <numbers>
#include <type_traits>
#include <utility>

#include "ppl/core/node.hpp"
#include "ppl/ops/elementwise.hpp"
#include "ppl/ops/lgamma.hpp"

namespace ppl {

/// The trigamma function psi'(x) = d^2/dx^2 log Gamma(x), x > 0, to about 1e-14 relative: the
/// recurrence psi'(x) = psi'(x + 1) + 1/x^2 up to x >= 20, then the asymptotic series
/// 1/x + 1/(2x^2) + sum_n B_2n / x^(2n+1). NaN for x <= 0.
[[nodiscard]] inline double trigamma(double x) {
    if (!(x > 0)) return std::numeric_limits<double>::quiet_NaN();
    if (x == std::numeric_limits<double>::infinity()) return 0;
    double result = 0;
    for (; x < 20; x += 1) result += 1 / (x * x);
    const double inv = 1 / x, inv2 = inv * inv;
    return result + inv + 0.5 * inv2 +
           inv * inv2 * (1.0 / 6 - inv2 * (1.0 / 30 - inv2 * (1.0 / 42 - inv2 * (1.0 / 30 - inv2 * 5.0 / 66))));
}

}  // namespace ppl

namespace ppl::ops {

/// y = digamma(a), a > 0
struct digamma_op : same_shape {
    static constexpr std::string_view name = "digamma";
    void forward(auto& y, const auto& a) const {
        y = a.unaryExpr([](auto v) { return static_cast<decltype(v)>(ppl::digamma(static_cast<double>(v))); });
    }
    // da = dy * trigamma(a)
    void backward(const auto&, const auto& dy, const auto& da, const auto& a) const {
        if constexpr (wants_adjoint<decltype(da)>)
            da.accumulate(dy.cwiseProduct(a.unaryExpr([](auto v) { return static_cast<decltype(v)>(ppl::trigamma(static_cast<double>(v))); })));
    }
};

}  // namespace ppl::ops

namespace ppl {

/// digamma(a) = d/da log Gamma(a), elementwise; its derivative is the trigamma function.
template <node A>
[[nodiscard]] constexpr auto digamma(A&& a) {
    if constexpr (std::is_same_v<std::remove_cvref_t<A>, constant_leaf>) {
        return constant_leaf{digamma(a.value)};  // folded now: a constant stays a constant
    } else {
        return make_expr(ops::digamma_op{}, std::forward<A>(a));
    }
}

}  // namespace ppl
