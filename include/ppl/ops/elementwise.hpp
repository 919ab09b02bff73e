#pragma once
// Shared pieces of elementwise ops: shape rules with broadcasting, and reducing an adjoint back
// to a broadcast operand's shape.
#include <Eigen/Core>
#include <string_view>
#include <type_traits>

#include "ppl/core/adjoint.hpp"
#include "ppl/core/error.hpp"
#include "ppl/core/shape.hpp"

namespace ppl::ops {

/// Operands of a binary elementwise op may be equal shapes, a column broadcast across the
/// batch (a bias), a 1x1 value broadcast everywhere, or a scalar constant.
inline shape broadcast_shape(const shape& a, const shape& b) {
    if (a == b) return a;
    if (a == shape{1, 1}) return b;
    if (b == shape{1, 1}) return a;
    if (a.rows == b.rows && a.cols == 1) return b;
    if (a.rows == b.rows && b.cols == 1) return a;
    fail("operand shapes ", a, " and ", b,
         " do not match; they must be equal, or one must be a single column with as many rows");
}
inline shape broadcast_shape(const shape& a, scalar_shape) { return a; }
inline shape broadcast_shape(scalar_shape, const shape& b) { return b; }

/// Calls f with the operand as an Eigen array of shape rows x cols (a broadcast column is
/// replicated lazily; a scalar or a 1x1 value is passed as a scalar).
template <class Operand, class F>
inline void with_expanded(const Operand& a, Eigen::Index rows, Eigen::Index cols, F&& f) {
    if constexpr (std::is_arithmetic_v<Operand>) {
        f(a);
    } else if (a.rows() == rows && a.cols() == cols) {
        f(a.array());
    } else if (a.rows() == 1 && a.cols() == 1) {
        f(a(0, 0));
    } else {
        f(a.col(0).replicate(1, cols).array());
    }
}

/// Adds an adjoint contribution (an array expression of the output's shape) to an operand's
/// sink, summing over the batch when the operand was a broadcast column.
template <class Sink, class Operand, class Contribution>
inline void accumulate_broadcast(const Sink& sink, const Operand& operand, const Contribution& c) {
    if constexpr (wants_adjoint<Sink>) {
        if (operand.cols() == c.cols() && operand.rows() == c.rows()) sink.accumulate(c.matrix());
        else if (operand.rows() == 1 && operand.cols() == 1) sink.accumulate(Operand::PlainObject::Constant(1, 1, c.sum()));
        else sink.accumulate(c.matrix().rowwise().sum());
    }
}

/// A matrix of the operand's shape filled with one value.
template <class Operand>
[[nodiscard]] inline auto filled_like(const Operand& a, typename Operand::Scalar value) {
    return Operand::PlainObject::Constant(a.rows(), a.cols(), value);
}

/// Shape rule of ops that keep their operand's shape.
struct same_shape {
    [[nodiscard]] shape infer(const shape& a) const { return a; }
};

}  // namespace ppl::ops
