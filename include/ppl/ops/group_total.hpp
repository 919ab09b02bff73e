#pragma once
// Per-group reductions for grouped families (dirichlet): the group's total in every entry, and a
// group-level term placed in the group's first row only, so that column sums count it once.
#include <string_view>

#include "ppl/core/node.hpp"
#include "ppl/ops/elementwise.hpp"
#include "ppl/ops/softmax.hpp"

namespace ppl::ops {

/// y_i = sum_j a_j over i's group; da_i = sum_j dy_j over i's group.
struct group_total_op {
    static constexpr std::string_view name = "group_total";
    group_layout layout;
    shape infer(const shape& a) const { return grouped_shape(a, layout); }
    void forward(auto& y, const auto& a) const {
        const Eigen::Index classes = layout.classes_for(a.rows());
        for_each_group(a.rows(), a.cols(), classes, [&](Eigen::Index j, Eigen::Index g) {
            y.col(j).segment(g, classes).setConstant(a.col(j).segment(g, classes).sum());
        });
    }
    void backward(const auto& y, const auto& dy, const auto& da, const auto&) const {
        const Eigen::Index classes = layout.classes_for(y.rows());
        da.accumulate_pieces([&](auto& target, bool assign) {
            for_each_group(y.rows(), y.cols(), classes, [&](Eigen::Index j, Eigen::Index g) {
                const auto total = dy.col(j).segment(g, classes).sum();
                auto piece = target.col(j).segment(g, classes);
                if (assign) piece.setConstant(total);
                else piece.array() += total;
            });
        });
    }
};

/// y_i = a_i in the first row of each group, 0 elsewhere; da likewise.
struct first_of_group_op {
    static constexpr std::string_view name = "first_of_group";
    group_layout layout;
    shape infer(const shape& a) const { return grouped_shape(a, layout); }
    void forward(auto& y, const auto& a) const {
        const Eigen::Index classes = layout.classes_for(a.rows());
        for_each_group(a.rows(), a.cols(), classes, [&](Eigen::Index j, Eigen::Index g) {
            y.col(j).segment(g, classes).setZero();
            y(g, j) = a(g, j);
        });
    }
    void backward(const auto& y, const auto& dy, const auto& da, const auto&) const {
        const Eigen::Index classes = layout.classes_for(y.rows());
        da.accumulate_pieces([&](auto& target, bool assign) {
            for_each_group(y.rows(), y.cols(), classes, [&](Eigen::Index j, Eigen::Index g) {
                if (assign) target.col(j).segment(g, classes).setZero();
                target(g, j) += dy(g, j);
            });
        });
    }
};

}  // namespace ppl::ops

namespace ppl {

/// Each entry replaced by the sum of its group (groups as in categorical).
template <node A>
[[nodiscard]] constexpr auto group_total(A&& a, ops::group_layout layout) {
    return make_expr(ops::group_total_op{layout}, std::forward<A>(a));
}

/// Each group's first entry kept, the others zero: a per-group term that column sums count once.
template <node A>
[[nodiscard]] constexpr auto first_of_group(A&& a, ops::group_layout layout) {
    return make_expr(ops::first_of_group_op{layout}, std::forward<A>(a));
}

}  // namespace ppl
