#pragma once
// The affine map of a dense layer, fused into one node: one product plus a broadcast bias.
#include <Eigen/Core>
#include <utility>

#include "ppl/core/node.hpp"
#include "ppl/core/parallel.hpp"
#include "ppl/ops/elementwise.hpp"
#include "ppl/ops/product.hpp"

namespace ppl::ops {

/// y = W x + b, with W out x in, b a column of out rows, x in x batch.
struct affine_op {
    static constexpr std::string_view name = "affine";
    shape infer(const shape& w, const shape& b, const shape& x) const {
        if (w.cols != x.rows)
            fail("affine needs the weight's columns to equal the input's rows; weight is ", w,
                 ", input is ", x);
        if (b.rows != w.rows || b.cols != 1)
            fail("affine needs a bias of ", w.rows, "x1 for a weight of ", w, "; bias is ", b);
        return {w.rows, x.cols};
    }
    void forward(auto& y, const auto& w, const auto& b, const auto& x) const {
        y.resize(w.rows(), x.cols());
        // the bias first: the product then adds onto it, saving a pass
        parallel_columns(y.rows(), y.cols(), [&](Eigen::Index j, Eigen::Index n) { y.middleCols(j, n).colwise() = b.col(0); });
        add_product(y, w, x);
    }
    // dW = dy x^T, db = sum over the batch of dy, dx = W^T dy
    void backward(const auto&, const auto& dy, const auto& dw, const auto& db, const auto& dx,
                  const auto& w, const auto&, const auto& x) const {
        accumulate_product<orientation::as_is, orientation::transposed>(dw, dy, x);
        if constexpr (wants_adjoint<decltype(db)>) db.accumulate(dy.rowwise().sum());
        accumulate_product<orientation::transposed, orientation::as_is>(dx, w, dy);
    }
};

}  // namespace ppl::ops

namespace ppl {

/// W x + b as one node.
template <node W, node B, node X>
[[nodiscard]] constexpr auto affine(W&& w, B&& b, X&& x) {
    return make_expr(ops::affine_op{}, std::forward<W>(w), std::forward<B>(b), std::forward<X>(x));
}

}  // namespace ppl
