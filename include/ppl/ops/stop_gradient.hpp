#pragma once
// stop_gradient(a): the value of a, through which no gradient flows.
#include <utility>

#include "ppl/core/node.hpp"
#include "ppl/ops/elementwise.hpp"

namespace ppl::ops {

/// y = a in the forward pass; dy is not passed on.
struct stop_gradient_op : same_shape {
    static constexpr std::string_view name = "stop_gradient";
    static constexpr bool blocks_gradient = true;
    void forward(auto& y, const auto& a) const { y = a; }
    void backward(const auto&, const auto&, const auto&, const auto&) const {}
};

}  // namespace ppl::ops

namespace ppl {

/// The value of a, treated as a constant by the backward pass.
template <node A>
[[nodiscard]] constexpr auto stop_gradient(A&& a) {
    return make_expr(ops::stop_gradient_op{}, std::forward<A>(a));
}

}  // namespace ppl
