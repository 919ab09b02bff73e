#pragma once
// hard_when(rule, soft, flag): a relaxed sample that turns into an exact discrete one on demand.
#include <string_view>
#include <utility>

#include "ppl/core/node.hpp"
#include "ppl/ops/elementwise.hpp"

namespace ppl::ops {

/// y = hard(a) when the 1x1 flag is above 1/2, else y = a. A relaxed site reads the flag so that
/// evaluation scores the discrete model (hard(a) is argmax(logits + g): an exact draw from q),
/// while training keeps the soft sample. Backward da = dy in both modes.
template <class HardRule>
struct hard_when_op {
    static constexpr std::string_view name = "hard_when";
    HardRule hard;
    shape infer(const shape& a, const shape&) const { return hard.infer(a); }
    void forward(auto& y, const auto& a, const auto& flag) const {
        if (flag(0, 0) > 0.5) hard.forward(y, a);
        else y = a;
    }
    // da = dy: exact for the soft value, straight through for the hard one
    void backward(const auto&, const auto& dy, const auto& da, const auto&, const auto&, const auto&) const {
        if constexpr (wants_adjoint<decltype(da)>) da.accumulate(dy);
    }
};

}  // namespace ppl::ops

namespace ppl {

/// hard(soft) when the 1x1 flag is above 1/2 (it is 0 or 1), else soft itself; `hard` is an op such as
/// one_hot_argmax_op. Gradients pass to soft unchanged.
template <class HardRule, node Soft, node Flag>
[[nodiscard]] constexpr auto hard_when(HardRule hard, Soft&& soft, Flag&& flag) {
    return make_expr(ops::hard_when_op<HardRule>{hard}, std::forward<Soft>(soft), std::forward<Flag>(flag));
}

}  // namespace ppl
