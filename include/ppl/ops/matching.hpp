#pragma once
// matching: the permutation matrix that maximises sum_r a(r, pi(r)), by the Hungarian method.
#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <limits>
#include <string_view>
#include <utility>
#include <vector>

#include "ppl/core/adjoint.hpp"
#include "ppl/core/error.hpp"
#include "ppl/core/node.hpp"
#include "ppl/core/parallel.hpp"
#include "ppl/core/shape.hpp"

namespace ppl::ops {

/// Scratch space of best_assignment: kept per thread, so that a pass allocates nothing after the first.
struct assignment_scratch {
    std::vector<double> u, v, least;                      // row and column potentials; least reduced cost per column
    std::vector<Eigen::Index> row_of, through, column_of;  // matched row per column; path; the answer
    std::vector<char> visited;
};

/// The assignment of n rows to n columns that maximises the total score: the Hungarian method
/// with row and column potentials (Kuhn 1955; Munkres 1957), O(n^3). `score(r, c)` gives the
/// scores; on return s.column_of[r] is the column given to row r.
template <class Score>
inline void best_assignment(Eigen::Index n, Score score, assignment_scratch& s) {
    // 1-based rows and columns, with a virtual column 0 that roots each search; costs are -score
    const auto size = static_cast<std::size_t>(n + 1);
    const double infinity = std::numeric_limits<double>::infinity();
    s.u.assign(size, 0.0), s.v.assign(size, 0.0), s.least.assign(size, infinity);
    s.row_of.assign(size, 0), s.through.assign(size, 0), s.visited.assign(size, 0);
    for (Eigen::Index r = 1; r <= n; ++r) {
        s.row_of[0] = r;
        std::size_t column = 0;
        std::fill(s.least.begin(), s.least.end(), infinity);
        std::fill(s.visited.begin(), s.visited.end(), 0);
        do {  // grow a tree of tight edges from row r until it reaches a free column
            s.visited[column] = 1;
            const Eigen::Index row = s.row_of[column];
            double delta = infinity;
            std::size_t next = 0;
            for (std::size_t c = 1; c < size; ++c) {
                if (s.visited[c]) continue;
                const double reduced = -score(row - 1, static_cast<Eigen::Index>(c) - 1) - s.u[static_cast<std::size_t>(row)] - s.v[c];
                if (reduced < s.least[c]) s.least[c] = reduced, s.through[c] = static_cast<Eigen::Index>(column);
                if (s.least[c] < delta) delta = s.least[c], next = c;
            }
            for (std::size_t c = 0; c < size; ++c) {
                if (s.visited[c]) s.u[static_cast<std::size_t>(s.row_of[c])] += delta, s.v[c] -= delta;
                else s.least[c] -= delta;
            }
            column = next;
        } while (s.row_of[column] != 0);
        do {  // flip the matching along the path back to the virtual column
            const auto previous = static_cast<std::size_t>(s.through[column]);
            s.row_of[column] = s.row_of[previous];
            column = previous;
        } while (column != 0);
    }
    s.column_of.assign(static_cast<std::size_t>(n), 0);
    for (std::size_t c = 1; c < size; ++c) s.column_of[static_cast<std::size_t>(s.row_of[c] - 1)] = static_cast<Eigen::Index>(c) - 1;
}

/// y = the permutation matrix P (n x n per column, entry (r, c) in row r + n c) that maximises
/// sum_r a(r, pi(r)). Backward: da = dy * exp(a), the gradient of the soft matrix exp(a), so that
/// matching(log_sinkhorn(...)) is the straight-through Gumbel-Sinkhorn estimator.
struct matching_op {
    static constexpr std::string_view name = "matching";
    Eigen::Index n = 1;
    shape infer(const shape& a) const {
        if (n < 1 || a.rows != n * n) fail("matching needs n x n = ", n * n, " rows per column for n = ", n, "; got ", a);
        return a;
    }
    void forward(auto& y, const auto& a) const {
        y.setZero();
        parallel_columns(a.rows(), a.cols(), [&](Eigen::Index first, Eigen::Index count) {
            thread_local assignment_scratch scratch;
            for (Eigen::Index j = first; j < first + count; ++j) {
                best_assignment(n, [&](Eigen::Index r, Eigen::Index c) { return static_cast<double>(a(r + n * c, j)); }, scratch);
                for (Eigen::Index r = 0; r < n; ++r) y(r + n * scratch.column_of[static_cast<std::size_t>(r)], j) = 1;
            }
        }, 256);
    }
    // da = dy * exp(a): straight through to the soft matrix
    void backward(const auto&, const auto& dy, const auto& da, const auto& a) const {
        da.accumulate_pieces([&](auto& target, bool assign) {
            if (assign) target = (dy.array() * a.array().exp()).matrix();
            else target += (dy.array() * a.array().exp()).matrix();
        });
    }
};

}  // namespace ppl::ops

namespace ppl {

/// The best matching of each column's n x n score matrix a, as a permutation matrix; gradients
/// pass as if the value were exp(a) (for a = log_sinkhorn(...), the soft permutation).
template <node A>
[[nodiscard]] constexpr auto matching(A&& a, Eigen::Index n) {
    return make_expr(ops::matching_op{n}, std::forward<A>(a));
}

}  // namespace ppl
