#pragma once
// The Plackett-Luce log-probability of an ordered sample of k items out of n, and its uniform case.
#include <Eigen/Core>
#include <cmath>
#include <limits>
#include <string_view>
#include <vector>
#include <algorithm>

#include "ppl/core/adjoint.hpp"
#include "ppl/core/error.hpp"
#include "ppl/core/node.hpp"
#include "ppl/core/shape.hpp"

namespace ppl::ops {

/// The items of an ordered k-subset: k groups of n rows, one-hot each (item = the group's argmax).
inline shape ordered_subset_shape(const shape& logits, const shape& z, Eigen::Index k) {
    if (logits.cols != z.cols || z.rows != k * logits.rows)
        fail("plackett_luce needs the sample as ", k, " one-hot groups of the logits' ", logits.rows, " rows (", k * logits.rows,
             " x ", logits.cols, "); got ", z);
    return {k, z.cols};
}

/// y_g = s_(i_g) - log sum over the items not among i_1 .. i_(g-1) of exp(s_i), one row per
/// position g, where i_g is the item of group g: the column sums are log P(i_1, ..., i_k) under
/// Plackett-Luce(softmax(s)), the law of the top k of s + Gumbel noise in order. A repeated item
/// has probability 0 (y = -inf). Gradients: in s, sum_g dy_g (onehot(i_g) - softmax of s over the
/// open items); in z, dy_g s (the linear term, with the items held fixed).
struct plackett_luce_log_prob_op {
    static constexpr std::string_view name = "plackett_luce_log_prob";
    Eigen::Index k = 1;
    shape infer(const shape& logits, const shape& z) const { return ordered_subset_shape(logits, z, k); }

    void forward(auto& y, const auto& s, const auto& z) const {
        using scalar = typename std::decay_t<decltype(y)>::Scalar;
        scratch& work = scratch_buffer();
        for (Eigen::Index j = 0; j < s.cols(); ++j) {
            work.start(z, j, s.rows(), k);
            for (Eigen::Index g = 0; g < k; ++g) {
                const Eigen::Index item = work.items[static_cast<std::size_t>(g)];
                if (!work.open[static_cast<std::size_t>(item)]) {  // drawn before: probability 0
                    y(g, j) = -std::numeric_limits<scalar>::infinity();
                    continue;
                }
                // sum_i z_gi s_i, which is s of the group's item for a one-hot group (the form the z gradient differentiates)
                const double chosen = static_cast<double>(z.col(j).segment(g * s.rows(), s.rows()).dot(s.col(j)));
                y(g, j) = static_cast<scalar>(chosen - log_open_total(s, j, work.open));
                work.open[static_cast<std::size_t>(item)] = 0;
            }
        }
    }
    void backward(const auto&, const auto& dy, const auto& ds, const auto& dz, const auto& s, const auto& z) const {
        const Eigen::Index n = s.rows();
        scratch& work = scratch_buffer();
        if constexpr (wants_adjoint<decltype(ds)>)
            ds.accumulate_pieces([&](auto& target, bool assign) {
                using scalar = typename std::decay_t<decltype(target)>::Scalar;
                for (Eigen::Index j = 0; j < s.cols(); ++j) {
                    if (assign) target.col(j).setZero();
                    work.start(z, j, n, k);
                    for (Eigen::Index g = 0; g < k; ++g) {
                        const Eigen::Index item = work.items[static_cast<std::size_t>(g)];
                        if (!work.open[static_cast<std::size_t>(item)]) continue;  // -inf: no finite gradient to add
                        const double weight = static_cast<double>(dy(g, j)), log_total = log_open_total(s, j, work.open);
                        target(item, j) += static_cast<scalar>(weight);
                        for (Eigen::Index i = 0; i < n; ++i)  // minus the softmax of s over the open items
                            if (work.open[static_cast<std::size_t>(i)])
                                target(i, j) -= static_cast<scalar>(weight * std::exp(static_cast<double>(s(i, j)) - log_total));
                        work.open[static_cast<std::size_t>(item)] = 0;
                    }
                }
            });
        if constexpr (wants_adjoint<decltype(dz)>)
            dz.accumulate_pieces([&](auto& target, bool assign) {
                for (Eigen::Index j = 0; j < s.cols(); ++j)
                    for (Eigen::Index g = 0; g < k; ++g)
                        for (Eigen::Index i = 0; i < n; ++i)
                            target(g * n + i, j) = (assign ? 0 : target(g * n + i, j)) + dy(g, j) * s(i, j);
            });
    }

private:
    // one column's items (each group's argmax) and which items are still open
    struct scratch {
        std::vector<Eigen::Index> items;
        std::vector<char> open;
        void start(const auto& z, Eigen::Index j, Eigen::Index n, Eigen::Index k) {
            items.resize(static_cast<std::size_t>(k));
            open.assign(static_cast<std::size_t>(n), 1);
            for (Eigen::Index g = 0; g < k; ++g) z.col(j).segment(g * n, n).maxCoeff(&items[static_cast<std::size_t>(g)]);
        }
    };
    // one per thread, sized once: a pass allocates nothing after the first
    static scratch& scratch_buffer() {
        thread_local scratch work;
        return work;
    }
    // log sum_i exp(s_i) over the open items, summed afresh (no cancellation)
    static double log_open_total(const auto& s, Eigen::Index j, const std::vector<char>& open) {
        double top = -std::numeric_limits<double>::infinity(), total = 0;
        for (Eigen::Index i = 0; i < s.rows(); ++i)
            if (open[static_cast<std::size_t>(i)]) top = std::max(top, static_cast<double>(s(i, j)));
        for (Eigen::Index i = 0; i < s.rows(); ++i)
            if (open[static_cast<std::size_t>(i)]) total += std::exp(static_cast<double>(s(i, j)) - top);
        return top + std::log(total);
    }
};

/// y_g = -log(n - g), one row per position: log P(i_1, ..., i_k) = -log(n! / (n - k)!) under the
/// uniform law on ordered k-subsets of n items, whatever the sample; no gradient.
struct uniform_subset_log_prob_op {
    static constexpr std::string_view name = "uniform_subset_log_prob";
    static constexpr bool blocks_gradient = true;
    Eigen::Index k = 1;
    shape infer(const shape& z) const {
        if (k < 1 || z.rows % k != 0 || z.rows / k < k) fail("uniform_subset needs the sample as ", k, " one-hot groups of at least ", k, " rows; got ", z);
        return {k, z.cols};
    }
    void forward(auto& y, const auto& z) const {
        using scalar = typename std::decay_t<decltype(y)>::Scalar;
        const Eigen::Index n = z.rows() / k;
        for (Eigen::Index g = 0; g < k; ++g) y.row(g).setConstant(static_cast<scalar>(-std::log(double(n - g))));
    }
};

}  // namespace ppl::ops
