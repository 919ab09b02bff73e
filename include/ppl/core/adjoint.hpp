#pragma once
// Where a backward rule writes an operand's adjoint.
#include <Eigen/Core>
#include <type_traits>

#include "ppl/core/parallel.hpp"

namespace ppl {

/// An operand's adjoint buffer. The first contribution in a backward pass assigns, later ones add,
/// so a value used several times receives the sum of its uses' adjoints without a zeroing pass.
template <class Matrix>
struct adjoint_sink {
    Matrix* target;
    bool* fresh;

    template <class Expression>
    void accumulate(const Expression& contribution) const {
        if (*fresh) {
            target->noalias() = contribution;
            *fresh = false;
        } else {
            target->noalias() += contribution;
        }
    }

    /// For rules that write the adjoint piece by piece: calls f(target, assign), where assign
    /// says whether pieces must be assigned (first contribution) or added.
    template <class F>
    void accumulate_pieces(F&& f) const {
        f(*target, *fresh);
        *fresh = false;
    }

    /// accumulate() of a rows x cols contribution, computed in column pieces on ppl's loop threads:
    /// columns(begin, count) gives the contribution's columns [begin, begin + count).
    template <class Columns>
    void accumulate_columns(Eigen::Index rows, Eigen::Index cols, Columns&& columns) const {
        const bool assign = *fresh;
        if (assign && (target->rows() != rows || target->cols() != cols)) target->resize(rows, cols);
        parallel_columns(rows, cols, [&](Eigen::Index begin, Eigen::Index count) {
            auto piece = target->middleCols(begin, count);
            if (assign) piece.noalias() = columns(begin, count);
            else piece.noalias() += columns(begin, count);
        });
        *fresh = false;
    }
};

/// The sink of an operand that no parameter depends on: rules skip it at compile time.
struct no_adjoint {
    template <class Expression>
    void accumulate(const Expression&) const {}
    template <class F>
    void accumulate_pieces(F&&) const {}
    template <class Columns>
    void accumulate_columns(Eigen::Index, Eigen::Index, Columns&&) const {}
};

/// True when a backward rule should compute this operand's adjoint.
template <class Sink>
inline constexpr bool wants_adjoint = !std::is_same_v<std::remove_cvref_t<Sink>, no_adjoint>;

/// Marks a constant operand in shape inference: it broadcasts to any shape.
struct scalar_shape {};

/// Marks a state operand in shape inference: it has no matrix shape.
struct state_shape {};

}  // namespace ppl
