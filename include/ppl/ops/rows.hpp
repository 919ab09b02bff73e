#pragma once
// rows(a, from, count): a block of consecutive rows of a node, the inverse of concat.
#include <Eigen/Core>
#include <string_view>
#include <utility>

#include "ppl/core/adjoint.hpp"
#include "ppl/core/error.hpp"
#include "ppl/core/node.hpp"
#include "ppl/core/shape.hpp"

namespace ppl::ops {

/// y = a.middleRows(from, count); da is dy in those rows and 0 elsewhere.
struct rows_op {
    static constexpr std::string_view name = "rows";
    Eigen::Index from, count;
    shape infer(const shape& a) const {
        if (from < 0 || count < 1 || from + count > a.rows)
            fail("rows(from = ", from, ", count = ", count, ") needs 0 <= from, count >= 1 and from + count <= ", a.rows,
                 ", the operand's rows; the operand is ", a);
        return {count, a.cols};
    }
    void forward(auto& y, const auto& a) const { y = a.middleRows(from, count); }
    void backward(const auto&, const auto& dy, const auto& da, const auto&) const {
        if constexpr (wants_adjoint<decltype(da)>) {
            da.accumulate_pieces([&](auto& target, bool assign) {
                if (assign) {  // the first contribution owns the whole buffer: rows outside the block get 0
                    target.topRows(from).setZero();
                    target.bottomRows(target.rows() - from - count).setZero();
                    target.middleRows(from, count) = dy;
                } else {
                    target.middleRows(from, count) += dy;
                }
            });
        }
    }
};

}  // namespace ppl::ops

namespace ppl {

/// Rows from, from + 1, ..., from + count - 1 of a (every column). Out of range is a ppl::error
/// when the graph is built.
template <node A>
[[nodiscard]] constexpr auto rows(A&& a, Eigen::Index from, Eigen::Index count) {
    return make_expr(ops::rows_op{from, count}, std::forward<A>(a));
}

}  // namespace ppl
