#pragma once
// softplus(a) = log(1 + exp(a)), computed without overflow; the backward reuses the forward value.
#include <algorithm>
#include <cmath>
#include <type_traits>
#include <utility>

#include "ppl/core/node.hpp"
#include "ppl/ops/elementwise.hpp"

namespace ppl::ops {

/// y = log(1 + exp(a)) = max(a, 0) + log1p(exp(-|a|))
struct softplus_op : same_shape {
    static constexpr std::string_view name = "softplus";
    void forward(auto& y, const auto& a) const { y.array() = a.array().max(0) + (-a.array().abs()).exp().log1p(); }
    // da = dy * sigmoid(a) = dy * (1 - exp(-y))
    void backward([[maybe_unused]] const auto& y, const auto& dy, const auto& da,
                  [[maybe_unused]] const auto& a) const {
        if constexpr (wants_adjoint<decltype(da)>) da.accumulate((dy.array() * (1 - (-y.array()).exp())).matrix());
    }
};

}  // namespace ppl::ops

namespace ppl {

/// y = log(1 + exp(a)) = max(a, 0) + log1p(exp(-|a|))
template <node A>
[[nodiscard]] constexpr auto softplus(A&& a) {
    if constexpr (std::is_same_v<std::remove_cvref_t<A>, constant_leaf>) {
        const double v = a.value;  // folded now: a constant stays a constant
        return constant_leaf{std::max(v, 0.0) + std::log1p(std::exp(-std::abs(v)))};
    } else {
        return make_expr(ops::softplus_op{}, std::forward<A>(a));
    }
}

}  // namespace ppl
