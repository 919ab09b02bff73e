#pragma once
// reshape: the same entries in column-major order, with another number of rows.
#include <Eigen/Core>
#include <string_view>
#include <utility>

#include "ppl/core/adjoint.hpp"
#include "ppl/core/error.hpp"
#include "ppl/core/node.hpp"
#include "ppl/core/shape.hpp"

namespace ppl::ops {

/// y = a read in column-major order into `rows` rows (a.size() / rows columns); da = dy read back.
/// Say per-element scores, n x (n B), become one n x n matrix per column: n^2 x B.
struct reshape_op {
    static constexpr std::string_view name = "reshape";
    Eigen::Index rows = 1;
    shape infer(const shape& a) const {
        if (rows < 1 || (a.rows * a.cols) % rows != 0) fail("reshape cannot read ", a, " into ", rows, " rows");
        return {rows, a.rows * a.cols / rows};
    }
    void forward(auto& y, const auto& a) const {
        for (Eigen::Index j = 0; j < a.cols(); ++j)
            for (Eigen::Index i = 0; i < a.rows(); ++i) {
                const Eigen::Index k = i + a.rows() * j;
                y(k % rows, k / rows) = a(i, j);
            }
    }
    // da = dy, entry for entry in column-major order
    void backward(const auto&, const auto& dy, const auto& da, const auto& a) const {
        da.accumulate_pieces([&](auto& target, bool assign) {
            for (Eigen::Index j = 0; j < a.cols(); ++j)
                for (Eigen::Index i = 0; i < a.rows(); ++i) {
                    const Eigen::Index k = i + a.rows() * j;
                    target(i, j) = assign ? dy(k % rows, k / rows) : target(i, j) + dy(k % rows, k / rows);
                }
        });
    }
};

}  // namespace ppl::ops

namespace ppl {

/// a's entries, in column-major order, as a matrix of `rows` rows.
template <node A>
[[nodiscard]] constexpr auto reshape(A&& a, Eigen::Index rows) {
    return make_expr(ops::reshape_op{rows}, std::forward<A>(a));
}

}  // namespace ppl
