#pragma once
// |a|, elementwise.
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
    return make_expr(ops::abs_op{}, std::forward<A>(a));
}

}  // namespace ppl
