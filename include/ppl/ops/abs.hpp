#pragma once
// |a|, elementwise.
#include <algorithm>
#include <cmath>
#include <type_traits>
#include <utility>

#include "ppl/core/node.hpp"
#include "ppl/ops/elementwise.hpp"

namespace ppl::ops {

/// y = |a|
struct abs_op : same_shape {
    static constexpr std::string_view name = "abs";
    void forward(auto& y, const auto& a) const { y.array() = a.array().abs(); }
    // da = dy * sign(a)
    void backward(const auto&, const auto& dy, const auto& da, const auto& a) const {
        if constexpr (wants_adjoint<decltype(da)>) da.accumulate((dy.array() * a.array().sign()).matrix());
    }
};

}  // namespace ppl::ops

namespace ppl {

/// |a|, elementwise (subgradient 0 at 0).
template <node A>
[[nodiscard]] constexpr auto abs(A&& a) {
    if constexpr (std::is_same_v<std::remove_cvref_t<A>, constant_leaf>) {
        const double v = a.value;  // folded now: a constant stays a constant
        return constant_leaf{std::abs(v)};
    } else {
        return make_expr(ops::abs_op{}, std::forward<A>(a));
    }
}

}  // namespace ppl
