#pragma once
// sum_of_groups: the sum of a column's k consecutive blocks of n rows, entry by entry.
#include <Eigen/Core>
#include <string_view>
#include <utility>

#include "ppl/core/adjoint.hpp"
#include "ppl/core/error.hpp"
#include "ppl/core/node.hpp"
#include "ppl/core/shape.hpp"

namespace ppl::ops {

/// y_i = sum_g a_(g n + i) for the k blocks of n = rows / k rows (say the k one-hot groups of an
/// ordered subset, summed into its set); da_(g n + i) = dy_i.
struct sum_of_groups_op {
    static constexpr std::string_view name = "sum_of_groups";
    Eigen::Index k = 1;
    shape infer(const shape& a) const {
        if (k < 1 || a.rows % k != 0) fail("sum_of_groups cannot split ", a.rows, " rows into ", k, " equal groups");
        return {a.rows / k, a.cols};
    }
    void forward(auto& y, const auto& a) const {
        const Eigen::Index n = y.rows();
        y = a.topRows(n);
        for (Eigen::Index g = 1; g < k; ++g) y += a.middleRows(g * n, n);
    }
    // every group receives dy
    void backward(const auto&, const auto& dy, const auto& da, const auto&) const {
        const Eigen::Index n = dy.rows();
        da.accumulate_pieces([&](auto& target, bool assign) {
            for (Eigen::Index g = 0; g < k; ++g) {
                if (assign) target.middleRows(g * n, n) = dy;
                else target.middleRows(g * n, n) += dy;
            }
        });
    }
};

}  // namespace ppl::ops

namespace ppl {

/// The entrywise sum of a column's k blocks of rows / k rows.
template <node A>
[[nodiscard]] constexpr auto sum_of_groups(A&& a, Eigen::Index k) {
    return make_expr(ops::sum_of_groups_op{k}, std::forward<A>(a));
}

}  // namespace ppl
