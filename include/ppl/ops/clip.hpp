#pragma once
// clip(a, low, high) = min(high, max(low, a)), elementwise.
#include <string_view>
#include <type_traits>
#include <utility>

#include "ppl/core/node.hpp"
#include "ppl/core/parallel.hpp"
#include "ppl/ops/elementwise.hpp"

namespace ppl::ops {

/// y = min(high, max(low, a)); da = dy where low < a < high, else 0.
struct clip_op : same_shape {
    static constexpr std::string_view name = "clip";
    double low, high;
    void forward(auto& y, const auto& a) const {
        using scalar = typename std::decay_t<decltype(y)>::Scalar;
        parallel_columns(a.rows(), a.cols(), [&](Eigen::Index j, Eigen::Index n) {
            y.middleCols(j, n).array() = a.middleCols(j, n).array().max(scalar(low)).min(scalar(high));
        });
    }
    void backward(const auto&, const auto& dy, const auto& da, const auto& a) const {
        if constexpr (wants_adjoint<decltype(da)>) {
            using scalar = typename std::decay_t<decltype(dy)>::Scalar;
            da.accumulate_columns(a.rows(), a.cols(), [&](Eigen::Index j, Eigen::Index n) {
                const auto in = a.middleCols(j, n).array();
                return (in > scalar(low) && in < scalar(high)).select(dy.middleCols(j, n).array(), 0).matrix();
            });
        }
    }
};

}  // namespace ppl::ops

namespace ppl {

/// min(high, max(low, a)), elementwise: the gradient passes where a lies strictly inside.
template <node A>
[[nodiscard]] constexpr auto clip(A&& a, double low, double high) {
    return make_expr(ops::clip_op{{}, low, high}, std::forward<A>(a));
}

}  // namespace ppl
