#pragma once
// relu(a) = max(a, 0), elementwise.
#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <type_traits>
#include <utility>

#include "ppl/core/node.hpp"
#include "ppl/core/parallel.hpp"
#include "ppl/ops/elementwise.hpp"

namespace ppl::ops {

/// y = max(a, 0)
struct relu_op : same_shape {
    static constexpr std::string_view name = "relu";
    void forward(auto& y, const auto& a) const {
        parallel_columns(a.rows(), a.cols(), [&](Eigen::Index j, Eigen::Index n) {
            y.middleCols(j, n).array() = a.middleCols(j, n).array().max(typename std::decay_t<decltype(y)>::Scalar(0));
        });
    }
    // da = dy where a > 0, else 0
    void backward([[maybe_unused]] const auto& y, const auto& dy, const auto& da,
                  [[maybe_unused]] const auto& a) const {
        if constexpr (wants_adjoint<decltype(da)>)
            da.accumulate_columns(a.rows(), a.cols(), [&](Eigen::Index j, Eigen::Index n) {
                return (a.middleCols(j, n).array() > 0).select(dy.middleCols(j, n).array(), 0).matrix();
            });
    }
};

}  // namespace ppl::ops

namespace ppl {

/// y = max(a, 0)
template <node A>
[[nodiscard]] constexpr auto relu(A&& a) {
    if constexpr (std::is_same_v<std::remove_cvref_t<A>, constant_leaf>) {
        const double v = a.value;  // folded now: a constant stays a constant
        return constant_leaf{v > 0 ? v : 0.0};
    } else {
        return make_expr(ops::relu_op{}, std::forward<A>(a));
    }
}

}  // namespace ppl
