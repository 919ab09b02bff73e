#pragma once
// Binary cross-entropy of targets given logits, elementwise, in the stable form.
#include <utility>

#include "ppl/core/node.hpp"
#include "ppl/ops/elementwise.hpp"

namespace ppl::ops {

/// y = -[t log sigmoid(l) + (1 - t) log(1 - sigmoid(l))] = max(l, 0) - l t + log1p(exp(-|l|)).
struct bce_with_logits_op {
    static constexpr std::string_view name = "bce_with_logits";
    shape infer(const shape& logits, const shape& target) const {
        if (logits != target)
            fail("bce_with_logits needs logits and targets of one shape; logits are ", logits,
                 ", targets are ", target);
        return logits;
    }
    void forward(auto& y, const auto& l, const auto& t) const {
        y.array() = l.array().max(0) - l.array() * t.array() + (-l.array().abs()).exp().log1p();
    }
    // dl = dy (sigmoid(l) - t), dt = -dy l
    void backward(const auto&, const auto& dy, const auto& dl, const auto& dt, const auto& l,
                  const auto& t) const {
        if constexpr (wants_adjoint<decltype(dl)>)
            dl.accumulate((dy.array() * (l.array().logistic() - t.array())).matrix());
        if constexpr (wants_adjoint<decltype(dt)>) dt.accumulate((-dy.array() * l.array()).matrix());
    }
};

}  // namespace ppl::ops

namespace ppl {

/// Elementwise binary cross-entropy of `target` (in [0, 1]) under Bernoulli(sigmoid(logits)).
template <node L, node T>
[[nodiscard]] constexpr auto bce_with_logits(L&& logits, T&& target) {
    return make_expr(ops::bce_with_logits_op{}, std::forward<L>(logits), std::forward<T>(target));
}

}  // namespace ppl
