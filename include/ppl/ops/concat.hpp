#pragma once
// concat(a, b): two nodes stacked by rows, as a decoder that reads [z; c] needs.
#include <string_view>
#include <utility>

#include "ppl/core/adjoint.hpp"
#include "ppl/core/error.hpp"
#include "ppl/core/node.hpp"
#include "ppl/core/shape.hpp"

namespace ppl::ops {

/// y = [a; b] (a's rows on top), for a and b with the same columns:
///   da = dy.topRows(rows of a),   db = dy.bottomRows(rows of b).
struct concat_op {
    static constexpr std::string_view name = "concat";
    shape infer(const shape& a, const shape& b) const {
        if (a.cols != b.cols)
            fail("concat stacks rows, so both operands need the same number of columns (one per data point); got ", a,
                 " on top and ", b, " below");
        return {a.rows + b.rows, a.cols};
    }
    void forward(auto& y, const auto& a, const auto& b) const {
        y.topRows(a.rows()) = a;
        y.bottomRows(b.rows()) = b;
    }
    void backward(const auto&, const auto& dy, const auto& da, const auto& db, const auto& a, const auto& b) const {
        if constexpr (wants_adjoint<decltype(da)>) da.accumulate(dy.topRows(a.rows()));
        if constexpr (wants_adjoint<decltype(db)>) db.accumulate(dy.bottomRows(b.rows()));
    }
};

}  // namespace ppl::ops

namespace ppl {

/// [a; b]: the rows of a, then the rows of b, column by column (both need the same columns).
/// Stack more than two by nesting: concat(concat(a, b), c).
template <node A, node B>
[[nodiscard]] constexpr auto concat(A&& a, B&& b) {
    return make_expr(ops::concat_op{}, std::forward<A>(a), std::forward<B>(b));
}

}  // namespace ppl
