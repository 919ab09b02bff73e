#pragma once
// log_sinkhorn: L rounds of row then column normalisation of an n x n matrix, in log space
// (Sinkhorn 1964; the Gumbel-Sinkhorn relaxation of Mena et al. 2018 applies it to (X + G) / tau).
#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <string_view>
#include <utility>
#include <vector>

#include "ppl/core/adjoint.hpp"
#include "ppl/core/error.hpp"
#include "ppl/core/node.hpp"
#include "ppl/core/parallel.hpp"
#include "ppl/core/shape.hpp"

namespace ppl::ops {

/// Each column holds an n x n matrix X (entry (r, c) in row r + n c). With Z_0 = X,
///   R_t = Z_(t-1) - log sum_c exp Z_(t-1)(., c)   (every row of exp R_t sums to 1)
///   Z_t = R_t - log sum_r exp R_t(r, .)           (every column of exp Z_t sums to 1)
/// and y = Z_L. exp(y) tends to a doubly stochastic matrix as L grows, and every Z_t differs from X
/// by a row term plus a column term only, so the best matching of y is the best matching of X.
/// The backward pass replays the L rounds (dZ = dY - exp(Y) times dY's row or column sums).
struct log_sinkhorn_op {
    static constexpr std::string_view name = "log_sinkhorn";
    Eigen::Index n = 1;
    int iterations = 20;
    shape infer(const shape& a) const {
        if (n < 1 || a.rows != n * n) fail("log_sinkhorn needs n x n = ", n * n, " rows per column for n = ", n, "; got ", a);
        if (iterations < 1) fail("log_sinkhorn needs at least 1 iteration; got ", iterations);
        return a;
    }
    void forward(auto& y, const auto& a) const {
        parallel_columns(a.rows(), a.cols(), [&](Eigen::Index first, Eigen::Index count) {
            std::vector<double>& work = buffer(static_cast<std::size_t>(n * n));
            for (Eigen::Index j = first; j < first + count; ++j) {
                for (Eigen::Index i = 0; i < n * n; ++i) work[static_cast<std::size_t>(i)] = static_cast<double>(a(i, j));
                for (int t = 0; t < iterations; ++t) {
                    normalise(work.data(), true);
                    normalise(work.data(), false);
                }
                for (Eigen::Index i = 0; i < n * n; ++i) y(i, j) = static_cast<typename std::decay_t<decltype(y)>::Scalar>(work[static_cast<std::size_t>(i)]);
            }
        }, 256);
    }
    void backward(const auto&, const auto& dy, const auto& da, const auto& a) const {
        const std::size_t size = static_cast<std::size_t>(n * n);
        da.accumulate_pieces([&](auto& target, bool assign) {
            using scalar = typename std::decay_t<decltype(target)>::Scalar;
            parallel_columns(a.rows(), a.cols(), [&](Eigen::Index first, Eigen::Index count) {
                // X and the 2L normalised matrices of the forward rounds; X's slot then holds the adjoint
                std::vector<double>& rounds = buffer(size * static_cast<std::size_t>(2 * iterations + 1));
                for (Eigen::Index j = first; j < first + count; ++j) {
                    for (std::size_t i = 0; i < size; ++i) rounds[i] = static_cast<double>(a(static_cast<Eigen::Index>(i), j));
                    for (int s = 0; s < 2 * iterations; ++s) {
                        std::copy_n(rounds.begin() + static_cast<std::ptrdiff_t>(s * size), size, rounds.begin() + static_cast<std::ptrdiff_t>((s + 1) * size));
                        normalise(rounds.data() + (s + 1) * size, s % 2 == 0);
                    }
                    double* adjoint = rounds.data();  // Z_0's slot holds the adjoint from here on
                    for (std::size_t i = 0; i < size; ++i) adjoint[i] = static_cast<double>(dy(static_cast<Eigen::Index>(i), j));
                    for (int s = 2 * iterations; s >= 1; --s) unnormalise(adjoint, rounds.data() + s * size, s % 2 == 1);
                    for (std::size_t i = 0; i < size; ++i) {
                        const auto r = static_cast<Eigen::Index>(i);
                        target(r, j) = static_cast<scalar>((assign ? 0.0 : static_cast<double>(target(r, j))) + adjoint[i]);
                    }
                }
            }, 256);
        });
    }

private:
    // one buffer per thread, grown once: a pass allocates nothing after the first
    static std::vector<double>& buffer(std::size_t size) {
        thread_local std::vector<double> work;
        if (work.size() < size) work.resize(size);
        return work;
    }
    // subtracts log sum exp over each row (by_rows) or each column of the n x n matrix m
    void normalise(double* m, bool by_rows) const {
        for (Eigen::Index line = 0; line < n; ++line) {
            const auto at = [&](Eigen::Index k) -> double& { return by_rows ? m[line + n * k] : m[k + n * line]; };
            double top = at(0);
            for (Eigen::Index k = 1; k < n; ++k) top = std::max(top, at(k));
            double total = 0;
            for (Eigen::Index k = 0; k < n; ++k) total += std::exp(at(k) - top);
            const double log_total = top + std::log(total);
            for (Eigen::Index k = 0; k < n; ++k) at(k) -= log_total;
        }
    }
    // d in := d out - exp(out) (sum of d out over the line), for out = normalise(in) by rows or columns
    void unnormalise(double* adjoint, const double* out, bool by_rows) const {
        for (Eigen::Index line = 0; line < n; ++line) {
            const auto index = [&](Eigen::Index k) { return static_cast<std::size_t>(by_rows ? line + n * k : k + n * line); };
            double total = 0;
            for (Eigen::Index k = 0; k < n; ++k) total += adjoint[index(k)];
            for (Eigen::Index k = 0; k < n; ++k) adjoint[index(k)] -= std::exp(out[index(k)]) * total;
        }
    }
};

}  // namespace ppl::ops

namespace ppl {

/// L rounds of Sinkhorn normalisation of each column's n x n matrix, in log space (see log_sinkhorn_op).
template <node A>
[[nodiscard]] constexpr auto log_sinkhorn(A&& a, Eigen::Index n, int iterations) {
    return make_expr(ops::log_sinkhorn_op{n, iterations}, std::forward<A>(a));
}

}  // namespace ppl
