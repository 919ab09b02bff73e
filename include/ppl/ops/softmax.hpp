#pragma once
// softmax and log_softmax over groups of K consecutive rows (G groups of K classes per column).
#include <Eigen/Core>
#include <cmath>
#include <utility>

#include "ppl/core/node.hpp"
#include "ppl/core/parallel.hpp"
#include "ppl/ops/elementwise.hpp"

namespace ppl::ops {

/// How the rows of a column split into groups of classes: give the classes per group, or the
/// number of groups (then classes = rows / groups).
struct group_layout {
    Eigen::Index groups = 0;
    Eigen::Index classes = 0;
    [[nodiscard]] Eigen::Index classes_for(Eigen::Index rows) const {
        return classes > 0 ? classes : (groups > 0 ? rows / groups : 0);
    }
};

/// Checks that the rows split into whole groups.
inline shape grouped_shape(const shape& a, group_layout layout) {
    const Eigen::Index k = layout.classes_for(a.rows);
    if (k <= 0 || a.rows % k != 0 || (layout.groups > 0 && a.rows != layout.groups * k))
        fail("the operand's ", a.rows, " rows do not split into ",
             layout.groups > 0 ? detail::message(layout.groups, " groups") : detail::message("groups of ", layout.classes, " classes"));
    return a;
}

/// Calls f(column, first_row) for every group of every column, the columns split among ppl's loop
/// threads (each group is one thread's, so the result does not depend on the thread count).
template <class F>
inline void for_each_group(Eigen::Index rows, Eigen::Index cols, Eigen::Index classes, F&& f) {
    parallel_columns(rows, cols, [&](Eigen::Index first, Eigen::Index count) {
        for (Eigen::Index j = first; j < first + count; ++j)
            for (Eigen::Index g = 0; g < rows; g += classes) f(j, g);
    }, 4096);
}

/// Writes value into piece, or adds it, as the sink asked.
template <class Piece, class Value>
inline void assign_or_add(Piece&& piece, const Value& value, bool assign) {
    if (assign) piece = value;
    else piece += value;
}

/// y_i = exp(a_i - m) / sum_j exp(a_j - m) within each group, m the group's max (stable form).
struct softmax_op {
    static constexpr std::string_view name = "softmax";
    group_layout layout;
    shape infer(const shape& a) const { return grouped_shape(a, layout); }
    void forward(auto& y, const auto& a) const {
        const Eigen::Index classes = layout.classes_for(a.rows());
        for_each_group(a.rows(), a.cols(), classes, [&](Eigen::Index j, Eigen::Index g) {
            const auto in = a.col(j).segment(g, classes);
            auto out = y.col(j).segment(g, classes);
            out.array() = (in.array() - in.maxCoeff()).exp();
            out /= out.sum();
        });
    }
    // da_i = y_i (dy_i - sum_j dy_j y_j) within each group
    void backward(const auto& y, const auto& dy, const auto& da, const auto&) const {
        const Eigen::Index classes = layout.classes_for(y.rows());
        da.accumulate_pieces([&](auto& target, bool assign) {
            for_each_group(y.rows(), y.cols(), classes, [&](Eigen::Index j, Eigen::Index g) {
                const auto ys = y.col(j).segment(g, classes);
                const auto dys = dy.col(j).segment(g, classes);
                assign_or_add(target.col(j).segment(g, classes).array(),
                              ys.array() * (dys.array() - dys.dot(ys)), assign);
            });
        });
    }
};

/// y_i = a_i - m - log sum_j exp(a_j - m) within each group (stable form).
struct log_softmax_op {
    static constexpr std::string_view name = "log_softmax";
    group_layout layout;
    shape infer(const shape& a) const { return grouped_shape(a, layout); }
    void forward(auto& y, const auto& a) const {
        const Eigen::Index classes = layout.classes_for(a.rows());
        for_each_group(a.rows(), a.cols(), classes, [&](Eigen::Index j, Eigen::Index g) {
            const auto in = a.col(j).segment(g, classes);
            const auto m = in.maxCoeff();
            y.col(j).segment(g, classes).array() = in.array() - (m + std::log((in.array() - m).exp().sum()));
        });
    }
    // da_i = dy_i - exp(y_i) sum_j dy_j within each group
    void backward(const auto& y, const auto& dy, const auto& da, const auto&) const {
        const Eigen::Index classes = layout.classes_for(y.rows());
        da.accumulate_pieces([&](auto& target, bool assign) {
            for_each_group(y.rows(), y.cols(), classes, [&](Eigen::Index j, Eigen::Index g) {
                const auto ys = y.col(j).segment(g, classes);
                const auto dys = dy.col(j).segment(g, classes);
                assign_or_add(target.col(j).segment(g, classes).array(),
                              dys.array() - ys.array().exp() * dys.sum(), assign);
            });
        });
    }
};

}  // namespace ppl::ops

namespace ppl {

/// softmax within each group of `classes` consecutive rows (G groups of K per column).
template <node A>
[[nodiscard]] constexpr auto softmax(A&& a, Eigen::Index classes) {
    return make_expr(ops::softmax_op{{0, classes}}, std::forward<A>(a));
}
/// softmax within each group of a layout given by groups or by classes per group.
template <node A>
[[nodiscard]] constexpr auto softmax(A&& a, ops::group_layout layout) {
    return make_expr(ops::softmax_op{layout}, std::forward<A>(a));
}
/// log_softmax within each group of `classes` consecutive rows.
template <node A>
[[nodiscard]] constexpr auto log_softmax(A&& a, Eigen::Index classes) {
    return make_expr(ops::log_softmax_op{{0, classes}}, std::forward<A>(a));
}
/// log_softmax within each group of a layout given by groups or by classes per group.
template <node A>
[[nodiscard]] constexpr auto log_softmax(A&& a, ops::group_layout layout) {
    return make_expr(ops::log_softmax_op{layout}, std::forward<A>(a));
}

}  // namespace ppl
