#pragma once
// The one type in which op rules read their matrix operands.
//
// A computed value, a parameter and a bound input are all column-major memory; reading each
// through the same Map type means that an op's rule is compiled once for all of them, and a
// bias column broadcast across a batch is the same type too (an outer stride of zero).
#include <Eigen/Core>

namespace ppl {

/// A column-major matrix in memory, read in place: `outerStride()` apart, columns of `rows()`
/// contiguous entries. An outer stride of 0 repeats one column.
template <class Scalar>
using matrix_view = Eigen::Map<const Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>, 0, Eigen::OuterStride<>>;

/// Views a matrix that lies in memory (anything with data(), rows(), cols() and outerStride()).
template <class M>
[[nodiscard]] inline matrix_view<typename M::Scalar> view_of(const M& m) {
    return {m.data(), m.rows(), m.cols(), Eigen::OuterStride<>(m.outerStride())};
}

}  // namespace ppl
