#pragma once
// Reductions to a 1x1 value: sum, mean, and the mean over the batch of per-sample sums.
#include <Eigen/Core>
#include <type_traits>
#include <utility>

#include "ppl/core/node.hpp"
#include "ppl/core/parallel.hpp"
#include "ppl/ops/elementwise.hpp"

namespace ppl::ops {

/// Reduces to 1x1: y = (sum of all entries) / divisor(a).
template <class Divisor>
struct reduction {
    shape infer(const shape&) const { return {1, 1}; }
    void forward(auto& y, const auto& a) const { y(0, 0) = a.sum() / Divisor::of(a); }
    // da = dy / divisor, the same for every entry
    void backward(const auto&, const auto& dy, const auto& da, const auto& a) const {
        if constexpr (wants_adjoint<decltype(da)>) {
            using matrix = typename std::decay_t<decltype(dy)>::PlainObject;
            da.accumulate(matrix::Constant(a.rows(), a.cols(), dy(0, 0) / Divisor::of(a)));
        }
    }
};

struct by_one {
    static auto of(const auto&) { return 1; }
};
struct by_size {
    static auto of(const auto& a) { return static_cast<typename std::decay_t<decltype(a)>::Scalar>(a.size()); }
};
struct by_batch {
    static auto of(const auto& a) { return static_cast<typename std::decay_t<decltype(a)>::Scalar>(a.cols()); }
};

struct sum_op : reduction<by_one> {
    static constexpr std::string_view name = "sum";
};
struct mean_op : reduction<by_size> {
    static constexpr std::string_view name = "mean";
};
struct batch_mean_op : reduction<by_batch> {
    static constexpr std::string_view name = "batch_mean";
};

/// y_j = sum_i a_ij: one value per sample (a 1 x batch row).
struct column_sum_op {
    static constexpr std::string_view name = "column_sum";
    shape infer(const shape& a) const { return {1, a.cols}; }
    void forward(auto& y, const auto& a) const {
        parallel_columns(a.rows(), a.cols(), [&](Eigen::Index j, Eigen::Index n) {
            y.middleCols(j, n).noalias() = a.middleCols(j, n).colwise().sum();
        });
    }
    // da_ij = dy_j
    void backward(const auto&, const auto& dy, const auto& da, const auto& a) const {
        da.accumulate_columns(a.rows(), a.cols(), [&](Eigen::Index j, Eigen::Index n) {
            return dy.middleCols(j, n).replicate(a.rows(), 1);
        });
    }
};

}  // namespace ppl::ops

namespace ppl {

/// The sum of each column: a 1 x batch row of per-sample totals.
template <node A>
[[nodiscard]] constexpr auto column_sum(A&& a) {
    return make_expr(ops::column_sum_op{}, std::forward<A>(a));
}


/// The sum of every entry: a 1x1 value.
template <node A>
[[nodiscard]] constexpr auto sum(A&& a) {
    return make_expr(ops::sum_op{}, std::forward<A>(a));
}
/// The mean of every entry: sum / (rows * cols).
template <node A>
[[nodiscard]] constexpr auto mean(A&& a) {
    return make_expr(ops::mean_op{}, std::forward<A>(a));
}
/// The per-sample mean of a batch: sum / cols, e.g. a loss per data point.
template <node A>
[[nodiscard]] constexpr auto batch_mean(A&& a) {
    return make_expr(ops::batch_mean_op{}, std::forward<A>(a));
}

}  // namespace ppl
