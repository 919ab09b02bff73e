#pragma once
// one_hot_argmax: the one-hot of each group's largest entry, with a straight-through backward.
#include <Eigen/Core>
#include <utility>

#include "ppl/core/node.hpp"
#include "ppl/ops/elementwise.hpp"
#include "ppl/ops/softmax.hpp"

namespace ppl::ops {

/// y = onehot(argmax a) within each group of `classes` rows; backward passes dy straight through
/// (da = dy), so composed with a soft sample it gives the straight-through estimator.
struct one_hot_argmax_op {
    static constexpr std::string_view name = "one_hot_argmax";
    Eigen::Index classes;
    shape infer(const shape& a) const { return grouped_shape(a, classes); }
    void forward(auto& y, const auto& a) const {
        y.setZero();
        for_each_group(a.rows(), a.cols(), classes, [&](Eigen::Index j, Eigen::Index g) {
            Eigen::Index best = 0;
            a.col(j).segment(g, classes).maxCoeff(&best);
            y(g + best, j) = 1;
        });
    }
    // da = dy: the hard forward value, the soft backward path
    void backward(const auto&, const auto& dy, const auto& da, const auto&) const {
        if constexpr (wants_adjoint<decltype(da)>) da.accumulate(dy);
    }
};

}  // namespace ppl::ops

namespace ppl {

/// One-hot of the argmax within each group of `classes` rows; gradients pass straight through.
template <node A>
[[nodiscard]] constexpr auto one_hot_argmax(A&& a, Eigen::Index classes) {
    return make_expr(ops::one_hot_argmax_op{classes}, std::forward<A>(a));
}

}  // namespace ppl
