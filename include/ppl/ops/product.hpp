#pragma once
// The one matrix-product kernel behind every op that multiplies matrices.
//
// Each rule used to write its own Eigen product expression, and every combination of operand
// types (a matrix, an input's map, a transpose of either) instantiated Eigen's whole product
// machinery again. Here the operands are first viewed as plain column-major memory, so the
// compiler builds the product once per scalar type and pair of orientations.
#include <Eigen/Core>

#include "ppl/core/adjoint.hpp"
#include "ppl/core/matrix_view.hpp"

namespace ppl::ops {

/// How the product reads an operand: as it is, or transposed.
enum class orientation : bool { as_is, transposed };

}  // namespace ppl::ops

namespace ppl::detail {
using ops::orientation;

// C += op(A) op(B). Eigen sends large products to BLAS when EIGEN_USE_BLAS is defined.
template <orientation OA, orientation OB, class Scalar>
inline void add_product(Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>& c, const matrix_view<Scalar>& a,
                        const matrix_view<Scalar>& b) {
    constexpr bool ta = OA == orientation::transposed, tb = OB == orientation::transposed;
    if constexpr (!ta && !tb) c.noalias() += a * b;
    else if constexpr (!ta) c.noalias() += a * b.transpose();
    else if constexpr (!tb) c.noalias() += a.transpose() * b;
    else c.noalias() += a.transpose() * b.transpose();
}

template <orientation O, class M>
[[nodiscard]] inline Eigen::Index oriented_rows(const M& m) {
    return O == orientation::as_is ? m.rows() : m.cols();
}
template <orientation O, class M>
[[nodiscard]] inline Eigen::Index oriented_cols(const M& m) {
    return O == orientation::as_is ? m.cols() : m.rows();
}

}  // namespace ppl::detail

namespace ppl::ops {

/// y = op(A) op(B), where op is the identity or the transpose. y is resized to the product's
/// shape, which allocates only when that shape changes.
template <orientation OA = orientation::as_is, orientation OB = orientation::as_is, class Y, class A, class B>
inline void assign_product(Y& y, const A& a, const B& b) {
    y.setZero(detail::oriented_rows<OA>(a), detail::oriented_cols<OB>(b));
    detail::add_product<OA, OB>(y, view_of(a), view_of(b));
}

/// y += op(A) op(B); y must already have the product's shape.
template <orientation OA = orientation::as_is, orientation OB = orientation::as_is, class Y, class A, class B>
inline void add_product(Y& y, const A& a, const B& b) {
    detail::add_product<OA, OB>(y, view_of(a), view_of(b));
}

/// Adds op(A) op(B) to an operand's adjoint (assigns it if this is the first contribution).
template <orientation OA = orientation::as_is, orientation OB = orientation::as_is, class Sink, class A, class B>
inline void accumulate_product(const Sink& sink, const A& a, const B& b) {
    if constexpr (wants_adjoint<Sink>) {
        sink.accumulate_pieces([&](auto& target, bool assign) {
            if (assign) assign_product<OA, OB>(target, a, b);
            else add_product<OA, OB>(target, a, b);
        });
    }
}

}  // namespace ppl::ops
