#pragma once
// Matrix product of two nodes.
#include <utility>

#include "ppl/core/node.hpp"
#include "ppl/ops/elementwise.hpp"
#include "ppl/ops/product.hpp"

namespace ppl::ops {

/// y = A B
struct matmul_op {
    static constexpr std::string_view name = "matmul";
    shape infer(const shape& a, const shape& b) const {
        if (a.cols != b.rows)
            fail("matmul needs the left operand's columns to equal the right operand's rows; left is ",
                 a, ", right is ", b);
        return {a.rows, b.cols};
    }
    void forward(auto& y, const auto& a, const auto& b) const { assign_product(y, a, b); }
    // dA = dy B^T, dB = A^T dy
    void backward(const auto&, const auto& dy, const auto& da, const auto& db, const auto& a,
                  const auto& b) const {
        accumulate_product<orientation::as_is, orientation::transposed>(da, dy, b);
        accumulate_product<orientation::transposed, orientation::as_is>(db, a, dy);
    }
};

}  // namespace ppl::ops

namespace ppl {

/// The matrix product A B.
template <node A, node B>
[[nodiscard]] constexpr auto matmul(A&& a, B&& b) {
    return make_expr(ops::matmul_op{}, std::forward<A>(a), std::forward<B>(b));
}

}  // namespace ppl
