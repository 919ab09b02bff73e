#pragma once
// log(a), elementwise.
#include <algorithm>
#include <cmath>
#include <type_traits>
#include <utility>

#include "ppl/core/node.hpp"
#include "ppl/ops/elementwise.hpp"

namespace ppl::ops {

/// y = log(a)
struct log_op : same_shape {
    static constexpr std::string_view name = "log";
    void forward(auto& y, const auto& a) const { y.array() = a.array().log(); }
    // da = dy / a
    void backward([[maybe_unused]] const auto& y, const auto& dy, const auto& da,
                  [[maybe_unused]] const auto& a) const {
        if constexpr (wants_adjoint<decltype(da)>) da.accumulate((dy.array() / a.array()).matrix());
    }
};

}  // namespace ppl::ops

namespace ppl {

/// y = log(a)
template <node A>
[[nodiscard]] constexpr auto log(A&& a) {
    if constexpr (std::is_same_v<std::remove_cvref_t<A>, constant_leaf>) {
        const double v = a.value;  // folded now: a constant stays a constant
        return constant_leaf{std::log(v)};
    } else {
        return make_expr(ops::log_op{}, std::forward<A>(a));
    }
}

}  // namespace ppl
