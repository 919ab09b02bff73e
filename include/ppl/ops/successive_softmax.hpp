#pragma once
// successive_softmax: k softmaxes of one score vector, each over the items the earlier ones did
// not pick: the relaxed top-k of Gumbel-perturbed logits (Gumbel-top-k, Kool et al. 2019).
#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <limits>
#include <string_view>
#include <utility>

#include "ppl/core/adjoint.hpp"
#include "ppl/core/error.hpp"
#include "ppl/core/node.hpp"
#include "ppl/core/shape.hpp"
#include "ppl/core/parallel.hpp"

namespace ppl::ops {

/// From x (n rows per column) to k groups of n rows: group g is softmax(x) over the items that
/// groups 0 .. g-1 did not pick, 0 on those; a group picks its largest entry (the first, on a
/// tie). So one_hot_argmax of each group gives the top k items of x in order, and they are distinct.
struct successive_softmax_op {
    static constexpr std::string_view name = "successive_softmax";
    Eigen::Index k = 1;
    shape infer(const shape& a) const {
        if (k < 1 || k > a.rows)
            fail("successive_softmax picks k = ", k, " of ", a.rows, " items; k must lie in [1, ", a.rows, "]");
        return {k * a.rows, a.cols};
    }
    void forward(auto& y, const auto& a) const {
        using scalar = typename std::decay_t<decltype(y)>::Scalar;
        const Eigen::Index n = a.rows();
        y.setZero();
        parallel_columns(y.rows(), y.cols(), [&](Eigen::Index first, Eigen::Index count) {
            for (Eigen::Index j = first; j < first + count; ++j) {
                Eigen::Index picked = -1;
                for (Eigen::Index g = 0; g < k; ++g) {
                    // open in group g: open in group g - 1 (entry > 0 there) and not its pick
                    const auto is_open = [&](Eigen::Index i) { return g == 0 || (i != picked && y((g - 1) * n + i, j) > 0); };
                    scalar top = -std::numeric_limits<scalar>::infinity();
                    for (Eigen::Index i = 0; i < n; ++i)
                        if (is_open(i) && a(i, j) > top) top = a(i, j);
                    scalar total = 0;
                    for (Eigen::Index i = 0; i < n; ++i)
                        if (is_open(i)) total += (y(g * n + i, j) = std::exp(a(i, j) - top));
                    // open entries stay above 0 even where exp underflows, so that the next group can tell them
                    for (Eigen::Index i = 0; i < n; ++i)
                        if (is_open(i)) y(g * n + i, j) = std::max(y(g * n + i, j) / total, std::numeric_limits<scalar>::min());
                    y.col(j).segment(g * n, n).maxCoeff(&picked);
                }
            }
        }, 1024);
    }
    // da_i = sum_g y_gi (dy_gi - sum_m y_gm dy_gm): each group's softmax Jacobian (y_gi = 0 off its items)
    void backward(const auto& y, const auto& dy, const auto& da, const auto& a) const {
        const Eigen::Index n = a.rows();
        da.accumulate_pieces([&](auto& target, bool assign) {
            for (Eigen::Index j = 0; j < y.cols(); ++j)
                for (Eigen::Index g = 0; g < k; ++g) {
                    const auto ys = y.col(j).segment(g * n, n);
                    const auto dys = dy.col(j).segment(g * n, n);
                    const auto inner = dys.dot(ys);
                    for (Eigen::Index i = 0; i < n; ++i) {
                        const auto piece = ys(i) * (dys(i) - inner);
                        target(i, j) = assign && g == 0 ? piece : target(i, j) + piece;
                    }
                }
        });
    }

};

}  // namespace ppl::ops

namespace ppl {

/// k successive softmaxes of x: group g = softmax of x over the items groups 0 .. g-1 did not pick.
/// With x = (logits + Gumbel) / tau it is the relaxed top-k; its groups' argmaxes are the top k of x.
template <node A>
[[nodiscard]] constexpr auto successive_softmax(A&& a, Eigen::Index k) {
    return make_expr(ops::successive_softmax_op{k}, std::forward<A>(a));
}

}  // namespace ppl
