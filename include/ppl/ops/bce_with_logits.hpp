#pragma once
// Binary cross-entropy of targets given logits, elementwise, in the stable form.
#include <Eigen/Core>
#include <type_traits>
#include <utility>

#include "ppl/core/node.hpp"
#include "ppl/core/parallel.hpp"
#include "ppl/ops/elementwise.hpp"

namespace ppl::ops {

/// y = sign * (-[t log sigmoid(l) + (1 - t) log(1 - sigmoid(l))]) = sign * (max(l, 0) - l t + log1p(exp(-|l|))),
/// sign = -1 giving the Bernoulli log-likelihood in the same pass.
struct bce_with_logits_op {
    static constexpr std::string_view name = "bce_with_logits";
    float sign = 1;
    shape infer(const shape& logits, const shape& target) const {
        if (logits != target)
            fail("bce_with_logits needs logits and targets of one shape; logits are ", logits,
                 ", targets are ", target);
        return logits;
    }
    void forward(auto& y, const auto& l, const auto& t) const {
        parallel_columns(l.rows(), l.cols(), [&](Eigen::Index j, Eigen::Index n) {
            const auto lj = l.middleCols(j, n).array();
            y.middleCols(j, n).array() = static_cast<typename std::decay_t<decltype(y)>::Scalar>(sign) *
                                         (lj.max(0) - lj * t.middleCols(j, n).array() + (-lj.abs()).exp().log1p());
        });
    }
    // dl = sign dy (sigmoid(l) - t), dt = -sign dy l
    void backward(const auto&, const auto& dy, const auto& dl, const auto& dt, const auto& l,
                  const auto& t) const {
        using scalar = typename std::decay_t<decltype(dy)>::Scalar;
        const auto s = static_cast<scalar>(sign);
        dl.accumulate_columns(l.rows(), l.cols(), [&](Eigen::Index j, Eigen::Index n) {
            return (s * dy.middleCols(j, n).array() * (l.middleCols(j, n).array().logistic() - t.middleCols(j, n).array())).matrix();
        });
        dt.accumulate_columns(l.rows(), l.cols(), [&](Eigen::Index j, Eigen::Index n) {
            return (-s * dy.middleCols(j, n).array() * l.middleCols(j, n).array()).matrix();
        });
    }
};

}  // namespace ppl::ops

namespace ppl {

/// Elementwise binary cross-entropy of `target` (in [0, 1]) under Bernoulli(sigmoid(logits)).
template <node L, node T>
[[nodiscard]] constexpr auto bce_with_logits(L&& logits, T&& target) {
    return make_expr(ops::bce_with_logits_op{}, std::forward<L>(logits), std::forward<T>(target));
}

/// The Bernoulli log-likelihood of `target` under logits, t log sigmoid(l) + (1 - t) log(1 - sigmoid(l)):
/// -bce_with_logits(logits, target) in one pass, without a separate negation node.
template <node L, node T>
[[nodiscard]] constexpr auto bernoulli_log_likelihood(L&& logits, T&& target) {
    return make_expr(ops::bce_with_logits_op{.sign = -1}, std::forward<L>(logits), std::forward<T>(target));
}

}  // namespace ppl
