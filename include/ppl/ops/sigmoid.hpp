#pragma once
// The logistic sigmoid, elementwise; the backward rule reuses the forward value.
#include <algorithm>
#include <cmath>
#include <type_traits>
#include <utility>

#include "ppl/core/node.hpp"
#include "ppl/ops/elementwise.hpp"

namespace ppl::ops {

/// y = 1 / (1 + exp(-a))
struct sigmoid_op : same_shape {
    static constexpr std::string_view name = "sigmoid";
    void forward(auto& y, const auto& a) const { y.array() = a.array().logistic(); }
    // da = dy * y * (1 - y)
    void backward([[maybe_unused]] const auto& y, const auto& dy, const auto& da,
                  [[maybe_unused]] const auto& a) const {
        if constexpr (wants_adjoint<decltype(da)>) da.accumulate((dy.array() * y.array() * (1 - y.array())).matrix());
    }
};

}  // namespace ppl::ops

namespace ppl {

/// y = 1 / (1 + exp(-a))
template <node A>
[[nodiscard]] constexpr auto sigmoid(A&& a) {
    if constexpr (std::is_same_v<std::remove_cvref_t<A>, constant_leaf>) {
        const double v = a.value;  // folded now: a constant stays a constant
        return constant_leaf{1 / (1 + std::exp(-v))};
    } else {
        return make_expr(ops::sigmoid_op{}, std::forward<A>(a));
    }
}

}  // namespace ppl
