#pragma once
// matching: the permutation matrix that maximises sum_r a(r, pi(r)), by the Hungarian method in its
// shortest-augmenting-path form.
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
    std::vector<double> row_potential, column_potential, distance;
    std::vector<Eigen::Index> owner, reached_from, column_of;  // row of each column; row before each column on the path; the answer
    std::vector<char> settled;
};

/// The assignment of n rows to n columns that maximises the total score, by shortest augmenting
/// paths: each row in turn joins the matching along the cheapest path of cost -score, found by
/// Dijkstra's method on reduced costs cost(r, c) - u_r - v_c, which the potentials u and v keep
/// at 0 or more (Jonker and Volgenant 1987). O(n^3). `score(r, c)` gives the scores, all finite;
/// on return s.column_of[r] is the column given to row r.
template <class Score>
inline void best_assignment(Eigen::Index n, Score score, assignment_scratch& s) {
    const auto size = static_cast<std::size_t>(n);
    const auto at = [](Eigen::Index i) { return static_cast<std::size_t>(i); };
    s.row_potential.assign(size, 0.0), s.column_potential.assign(size, 0.0), s.distance.assign(size, 0.0);
    s.owner.assign(size, -1), s.reached_from.assign(size, -1), s.column_of.assign(size, -1), s.settled.assign(size, 0);
    // every reduced cost starts at 0 or more: u_r = the row's least cost, v = 0
    for (Eigen::Index r = 0; r < n; ++r) {
        double least = -score(r, 0);
        for (Eigen::Index c = 1; c < n; ++c) least = std::min(least, -score(r, c));
        s.row_potential[at(r)] = least;
    }
    const auto reduced = [&](Eigen::Index r, Eigen::Index c) { return -score(r, c) - s.row_potential[at(r)] - s.column_potential[at(c)]; };
    for (Eigen::Index start = 0; start < n; ++start) {
        for (Eigen::Index c = 0; c < n; ++c) s.distance[at(c)] = reduced(start, c), s.reached_from[at(c)] = start, s.settled[at(c)] = 0;
        Eigen::Index end = -1;
        double shortest = 0;
        while (end < 0) {  // settle the nearest column; a free one ends the path, a matched one extends it through its row
            Eigen::Index nearest = -1;
            for (Eigen::Index c = 0; c < n; ++c)
                if (!s.settled[at(c)] && (nearest < 0 || s.distance[at(c)] < s.distance[at(nearest)])) nearest = c;
            shortest = s.distance[at(nearest)];
            if (!std::isfinite(shortest)) fail("matching: a score is not finite, so no best assignment exists");
            s.settled[at(nearest)] = 1;
            const Eigen::Index row = s.owner[at(nearest)];
            if (row < 0) {
                end = nearest;
                continue;
            }
            for (Eigen::Index c = 0; c < n; ++c) {
                const double through_row = shortest + reduced(row, c);
                if (!s.settled[at(c)] && through_row < s.distance[at(c)]) s.distance[at(c)] = through_row, s.reached_from[at(c)] = row;
            }
        }
        // shift the potentials so that the path's edges become tight and no reduced cost turns negative
        s.row_potential[at(start)] += shortest;
        for (Eigen::Index c = 0; c < n; ++c)
            if (s.settled[at(c)] && c != end) {
                const double slack = shortest - s.distance[at(c)];
                s.column_potential[at(c)] -= slack;
                s.row_potential[at(s.owner[at(c)])] += slack;
            }
        // flip the path: each row on it takes the column it reached
        for (Eigen::Index column = end;;) {
            const Eigen::Index row = s.reached_from[at(column)], previous = s.column_of[at(row)];
            s.owner[at(column)] = row, s.column_of[at(row)] = column;
            if (row == start) break;
            column = previous;
        }
    }
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
