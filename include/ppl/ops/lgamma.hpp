#pragma once
// log Gamma(a), elementwise, for the normalising constants of count distributions.
#include <boost/math/special_functions/digamma.hpp>
#include <cmath>
#include <utility>

#include "ppl/core/node.hpp"
#include "ppl/ops/elementwise.hpp"

namespace ppl::ops {

/// y = log Gamma(a), a > 0
struct lgamma_op : same_shape {
    static constexpr std::string_view name = "lgamma";
    void forward(auto& y, const auto& a) const {
        y = a.unaryExpr([](auto v) { return static_cast<decltype(v)>(std::lgamma(v)); });
    }
    // da = dy * digamma(a)
    void backward(const auto&, const auto& dy, const auto& da, const auto& a) const {
        if constexpr (wants_adjoint<decltype(da)>)
            da.accumulate(dy.cwiseProduct(a.unaryExpr([](auto v) { return static_cast<decltype(v)>(boost::math::digamma(v)); })));
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
