#pragma once
// Shared pieces of elementwise ops: shape rules with broadcasting, and reducing an adjoint back
// to a broadcast operand's shape.
#include <Eigen/Core>
#include <string_view>
#include <type_traits>

#include "ppl/core/adjoint.hpp"
#include "ppl/core/error.hpp"
#include "ppl/core/matrix_view.hpp"
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

/// Calls f with the operand as an Eigen array of shape rows x cols, or as a scalar when it is a
/// constant or a 1x1 value. A broadcast column is read with an outer stride of 0, so a full
/// operand and a column one are the same array type: f is compiled twice, not three times.
template <class Operand, class F>
inline void with_expanded(const Operand& a, Eigen::Index rows, Eigen::Index cols, F&& f) {
    if constexpr (std::is_arithmetic_v<Operand>) {
        f(a);
    } else if (a.rows() == 1 && a.cols() == 1 && (rows != 1 || cols != 1)) {
        f(a(0, 0));
    } else {
        const Eigen::Index stride = a.cols() == cols ? a.outerStride() : 0;
        f(matrix_view<typename Operand::Scalar>(a.data(), rows, cols, Eigen::OuterStride<>(stride)).array());
    }
}

/// Adds an adjoint contribution (an array expression of the output's shape) to an operand's
/// sink, summing over the batch when the operand was a broadcast column, and over everything
/// when it was a 1x1 value.
template <class Sink, class Operand, class Contribution>
inline void accumulate_broadcast(const Sink& sink, const Operand& operand, const Contribution& c) {
    if constexpr (wants_adjoint<Sink>) {
        if (operand.cols() == c.cols() && operand.rows() == c.rows()) {
            sink.accumulate(c.matrix());
        } else if (operand.rows() == 1 && operand.cols() == 1) {
            sink.accumulate_pieces([&](auto& target, bool assign) {
                const auto total = c.sum();
                if (assign) target.resize(1, 1);
                target(0, 0) = assign ? total : target(0, 0) + total;
            });
        } else {
            // (a column: assigning would need a second compiled loop; zeroing it first is cheap)
            sink.accumulate_pieces([&](auto& target, bool assign) {
                if (assign) target.setZero(c.rows(), 1);
                target.noalias() += c.matrix().rowwise().sum();
            });
        }
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
