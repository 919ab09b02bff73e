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
    group_layout layout;
    shape infer(const shape& a) const { return grouped_shape(a, layout); }
    void forward(auto& y, const auto& a) const {
        const Eigen::Index classes = layout.classes_for(a.rows());
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

/// y = 1 where a > threshold, else 0; backward da = dy (straight through).
struct hard_threshold_op : same_shape {
    static constexpr std::string_view name = "hard_threshold";
    double threshold;
    void forward(auto& y, const auto& a) const {
        using scalar = typename std::decay_t<decltype(y)>::Scalar;
        y = (a.array() > static_cast<scalar>(threshold)).template cast<scalar>().matrix();
    }
    // da = dy
    void backward(const auto&, const auto& dy, const auto& da, const auto&) const {
        if constexpr (wants_adjoint<decltype(da)>) da.accumulate(dy);
    }
};

}  // namespace ppl::ops

namespace ppl {

/// One-hot of the argmax within each group of `classes` rows; gradients pass straight through.
template <node A>
[[nodiscard]] constexpr auto one_hot_argmax(A&& a, Eigen::Index classes) {
    return make_expr(ops::one_hot_argmax_op{{0, classes}}, std::forward<A>(a));
}
/// One-hot of the argmax within each group of a layout; gradients pass straight through.
template <node A>
[[nodiscard]] constexpr auto one_hot_argmax(A&& a, ops::group_layout layout) {
    return make_expr(ops::one_hot_argmax_op{layout}, std::forward<A>(a));
}
/// 1 where a > threshold, else 0; gradients pass straight through (the two-class one_hot_argmax).
template <node A>
[[nodiscard]] constexpr auto hard_threshold(A&& a, double threshold) {
    return make_expr(ops::hard_threshold_op{{}, threshold}, std::forward<A>(a));
}

}  // namespace ppl
