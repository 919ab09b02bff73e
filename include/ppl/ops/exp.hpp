#pragma once
// exp(a), elementwise; the backward rule reuses the forward value.
#include <algorithm>
#include <cmath>
#include <type_traits>
#include <utility>

#include "ppl/core/node.hpp"
#include "ppl/ops/elementwise.hpp"

namespace ppl::ops {

/// y = exp(a)
struct exp_op : same_shape {
    static constexpr std::string_view name = "exp";
    void forward(auto& y, const auto& a) const { y.array() = a.array().exp(); }
    // da = dy * y
    void backward([[maybe_unused]] const auto& y, const auto& dy, const auto& da,
                  [[maybe_unused]] const auto& a) const {
        if constexpr (wants_adjoint<decltype(da)>) da.accumulate((dy.array() * y.array()).matrix());
    }
};

}  // namespace ppl::ops

namespace ppl {

/// y = exp(a)
template <node A>
[[nodiscard]] constexpr auto exp(A&& a) {
    if constexpr (std::is_same_v<std::remove_cvref_t<A>, constant_leaf>) {
        const double v = a.value;  // folded now: a constant stays a constant
        return constant_leaf{std::exp(v)};
    } else {
        return make_expr(ops::exp_op{}, std::forward<A>(a));
    }
}

}  // namespace ppl
