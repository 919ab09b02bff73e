#pragma once
// tanh(a), elementwise; the backward rule reuses the forward value.
#include <algorithm>
#include <cmath>
#include <type_traits>
#include <utility>

#include "ppl/core/node.hpp"
#include "ppl/ops/elementwise.hpp"

namespace ppl::ops {

/// y = tanh(a)
struct tanh_op : same_shape {
    static constexpr std::string_view name = "tanh";
    void forward(auto& y, const auto& a) const { y.array() = a.array().tanh(); }
    // da = dy * (1 - y^2)
    void backward([[maybe_unused]] const auto& y, const auto& dy, const auto& da,
                  [[maybe_unused]] const auto& a) const {
        if constexpr (wants_adjoint<decltype(da)>) da.accumulate((dy.array() * (1 - y.array().square())).matrix());
    }
};

}  // namespace ppl::ops

namespace ppl {

/// y = tanh(a)
template <node A>
[[nodiscard]] constexpr auto tanh(A&& a) {
    if constexpr (std::is_same_v<std::remove_cvref_t<A>, constant_leaf>) {
        const double v = a.value;  // folded now: a constant stays a constant
        return constant_leaf{std::tanh(v)};
    } else {
        return make_expr(ops::tanh_op{}, std::forward<A>(a));
    }
}

}  // namespace ppl
