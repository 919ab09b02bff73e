#pragma once
// a^2, elementwise.
#include <algorithm>
#include <cmath>
#include <type_traits>
#include <utility>

#include "ppl/core/node.hpp"
#include "ppl/ops/elementwise.hpp"

namespace ppl::ops {

/// y = a^2
struct square_op : same_shape {
    static constexpr std::string_view name = "square";
    void forward(auto& y, const auto& a) const { y.array() = a.array().square(); }
    // da = 2 a dy
    void backward([[maybe_unused]] const auto& y, const auto& dy, const auto& da,
                  [[maybe_unused]] const auto& a) const {
        if constexpr (wants_adjoint<decltype(da)>) da.accumulate((2 * dy.array() * a.array()).matrix());
    }
};

}  // namespace ppl::ops

namespace ppl {

/// y = a^2
template <node A>
[[nodiscard]] constexpr auto square(A&& a) {
    if constexpr (std::is_same_v<std::remove_cvref_t<A>, constant_leaf>) {
        const double v = a.value;  // folded now: a constant stays a constant
        return constant_leaf{v * v};
    } else {
        return make_expr(ops::square_op{}, std::forward<A>(a));
    }
}

}  // namespace ppl
