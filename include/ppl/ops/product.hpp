#pragma once
// The one matrix-product kernel behind every op that multiplies matrices.
//
// Each rule used to write its own Eigen product expression, and every combination of operand
// types (a matrix, an input's map, a transpose of either) instantiated Eigen's whole product
// machinery again. Here the operands are first viewed as plain column-major memory, so the
// compiler builds the product once per scalar type and pair of orientations.
#include <Eigen/Core>
#include <algorithm>
#include <type_traits>

#include "ppl/core/adjoint.hpp"
#include "ppl/core/matrix_view.hpp"
#include "ppl/core/parallel.hpp"

namespace ppl::ops {

/// How the product reads an operand: as it is, or transposed.
enum class orientation : bool { as_is, transposed };

}  // namespace ppl::ops

namespace ppl::detail {
using ops::orientation;

#ifdef EIGEN_USE_BLAS
// BLAS's leading dimension of a view: its outer stride, which BLAS needs to be at least the rows
// (a single column may carry any stride, since only one column is read).
template <class Scalar>
[[nodiscard]] inline int leading_dimension(const matrix_view<Scalar>& m) {
    const Eigen::Index rows = std::max<Eigen::Index>(1, m.rows());
    return static_cast<int>(m.cols() <= 1 ? rows : std::max(rows, m.outerStride()));
}

// Scalar-typed entry points of BLAS's gemm (C = op(A) op(B) + beta C) and gemv (y = op(A) x + beta y).
inline void blas_gemm(char ta, char tb, int m, int n, int k, const float* a, int lda, const float* b, int ldb, float beta,
                      float* c, int ldc) {
    const float one = 1;
    sgemm_(&ta, &tb, &m, &n, &k, &one, a, &lda, b, &ldb, &beta, c, &ldc);
}
inline void blas_gemm(char ta, char tb, int m, int n, int k, const double* a, int lda, const double* b, int ldb, double beta,
                      double* c, int ldc) {
    const double one = 1;
    dgemm_(&ta, &tb, &m, &n, &k, &one, a, &lda, b, &ldb, &beta, c, &ldc);
}
inline void blas_gemv(char t, int rows, int cols, const float* a, int lda, const float* x, int incx, float beta, float* y) {
    const float one = 1;
    const int incy = 1;
    sgemv_(&t, &rows, &cols, &one, a, &lda, x, &incx, &beta, y, &incy);
}
inline void blas_gemv(char t, int rows, int cols, const double* a, int lda, const double* x, int incx, double beta,
                      double* y) {
    const double one = 1;
    const int incy = 1;
    dgemv_(&t, &rows, &cols, &one, a, &lda, x, &incx, &beta, y, &incy);
}

// C = op(A) op(B) (assign) or C += op(A) op(B), by one BLAS call: Eigen's product dispatch (GEMM,
// GEMV and coefficient paths for every shape) would otherwise be compiled into every model. A
// product with one row or one column (batch 1) goes to gemv, which is several times faster there
// than gemm. Assigning passes beta = 0, which saves zeroing C first (a weight gradient's size).
template <orientation OA, orientation OB, class Scalar>
inline void multiply(Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>& c, const matrix_view<Scalar>& a,
                     const matrix_view<Scalar>& b, bool assign) {
    constexpr bool ta = OA == orientation::transposed, tb = OB == orientation::transposed;
    const int m = static_cast<int>(c.rows()), n = static_cast<int>(c.cols());
    const int k = static_cast<int>(ta ? a.rows() : a.cols());
    if (m == 0 || n == 0 || k == 0) {
        if (assign) c.setZero();
        return;
    }
    const Scalar beta = assign ? Scalar(0) : Scalar(1);
    const int lda = leading_dimension(a), ldb = leading_dimension(b);
    const int a_rows = static_cast<int>(a.rows()), a_cols = static_cast<int>(a.cols());
    const int b_rows = static_cast<int>(b.rows()), b_cols = static_cast<int>(b.cols());
    if (n == 1)  // c = op(A) x, x the single column of op(B)
        blas_gemv(ta ? 'T' : 'N', a_rows, a_cols, a.data(), lda, b.data(), tb ? ldb : 1, beta, c.data());
    else if (m == 1)  // c^T = op(B)^T x, x the single row of op(A)
        blas_gemv(tb ? 'N' : 'T', b_rows, b_cols, b.data(), ldb, a.data(), ta ? 1 : lda, beta, c.data());
    else  // C's columns split among ppl's loop threads, one BLAS call each with the whole inner dimension
        parallel_pieces(n, std::max<Eigen::Index>(8, (Eigen::Index{1} << 20) / (Eigen::Index{m} * k)),
                        [&](Eigen::Index first, Eigen::Index count) {
                            const Scalar* b_first = b.data() + (tb ? first : first * ldb);  // op(B)'s column `first`
                            blas_gemm(ta ? 'T' : 'N', tb ? 'T' : 'N', m, static_cast<int>(count), k, a.data(), lda, b_first,
                                      ldb, beta, c.data() + first * m, std::max(1, m));
                        });
}
#else
// C = op(A) op(B) (assign) or C += op(A) op(B), by Eigen.
template <orientation OA, orientation OB, class Scalar>
inline void multiply(Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>& c, const matrix_view<Scalar>& a,
                     const matrix_view<Scalar>& b, bool assign) {
    constexpr bool ta = OA == orientation::transposed, tb = OB == orientation::transposed;
    if (assign) c.setZero();
    if constexpr (!ta && !tb) c.noalias() += a * b;
    else if constexpr (!ta) c.noalias() += a * b.transpose();
    else if constexpr (!tb) c.noalias() += a.transpose() * b;
    else c.noalias() += a.transpose() * b.transpose();
}
#endif

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
    y.resize(detail::oriented_rows<OA>(a), detail::oriented_cols<OB>(b));
    detail::multiply<OA, OB>(y, view_of(a), view_of(b), true);
}

/// y += op(A) op(B); y must already have the product's shape.
template <orientation OA = orientation::as_is, orientation OB = orientation::as_is, class Y, class A, class B>
inline void add_product(Y& y, const A& a, const B& b) {
    detail::multiply<OA, OB>(y, view_of(a), view_of(b), false);
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
