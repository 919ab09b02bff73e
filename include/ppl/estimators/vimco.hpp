#pragma once
// VIMCO (Mnih and Rezende 2016): the score function of a K-sample bound, with a leave-one-out
// baseline per sample built from the other K - 1 samples of the same data point.
#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <string_view>
#include <tuple>
#include <type_traits>

#include "ppl/core/adjoint.hpp"
#include "ppl/core/error.hpp"
#include "ppl/dist/family.hpp"
#include "ppl/estimators/protocol.hpp"
#include "ppl/ops/stop_gradient.hpp"

namespace ppl {

namespace ops {

/// The surrogate whose gradient is VIMCO's score term for a loss of -mean_i L_i over n points, and
/// whose value is 0: d/d log_q_{k n + i} = -(L_i - L_-k,i) / n. The log weights pass no gradient.
struct vimco_surrogate_op {
    static constexpr std::string_view name = "vimco_surrogate";
    Eigen::Index samples;
    shape infer(const shape& log_q, const shape& log_w) const {
        if (log_q.rows != 1 || log_q != log_w || samples < 2 || log_q.cols % samples != 0)
            fail("the vimco surrogate needs a per-sample log q and log weight (1 x K n each, K >= 2) with K = ", samples,
                 "; got ", log_q, " and ", log_w);
        return {1, 1};
    }
    void forward(auto& y, const auto&, const auto&) const { y.setZero(); }
    void backward(const auto&, const auto& dy, const auto& dlog_q, const auto&, const auto&, const auto& log_w) const {
        if constexpr (wants_adjoint<decltype(dlog_q)>) {
            const Eigen::Index k_count = samples, points = log_w.cols() / samples;
            const double scale = -static_cast<double>(dy(0, 0)) / static_cast<double>(points);
            dlog_q.accumulate_pieces([&](auto& target, bool assign) {
                using scalar = typename std::decay_t<decltype(target)>::Scalar;
                for (Eigen::Index i = 0; i < points; ++i) {
                    const auto at = [&](Eigen::Index k) { return static_cast<double>(log_w(0, k * points + i)); };
                    Eigen::Index best = 0;
                    double total = 0;
                    for (Eigen::Index k = 0; k < k_count; ++k) {
                        total += at(k);
                        if (at(k) > at(best)) best = k;
                    }
                    const double top = at(best);
                    double rest = 0;  // sum over k != best of exp(log w_k - top): no cancellation below
                    for (Eigen::Index k = 0; k < k_count; ++k)
                        if (k != best) rest += std::exp(at(k) - top);
                    const double bound = top + std::log1p(rest) - std::log(double(k_count));
                    for (Eigen::Index k = 0; k < k_count; ++k) {
                        // L_-k: w_k replaced by the geometric mean of the others
                        const double stand_in = (total - at(k)) / double(k_count - 1);
                        const double others = k == best ? rest : 1 + (rest - std::exp(at(k) - top));
                        const double shift = std::max(top, stand_in);
                        const double bound_k = shift + std::log(others * std::exp(top - shift) + std::exp(stand_in - shift)) -
                                               std::log(double(k_count));
                        const double g = std::isfinite(bound - bound_k) ? scale * (bound - bound_k) : 0.0;
                        auto& entry = target(0, k * points + i);
                        entry = static_cast<scalar>(assign ? g : static_cast<double>(entry) + g);
                    }
                }
            });
        }
    }
};

}  // namespace ops

/// VIMCO, for discrete sites of iwae(K, ...). With log w_k the K log weights of one data point,
/// L = log (1/K) sum_k w_k, and L_-k the same bound with log w_k replaced by the mean of the others:
///   grad L = sum_k (L - L_-k) grad log q(z_k) + sum_k (w_k / sum_j w_j) grad log w_k.
/// Unbiased; each sample's baseline depends only on the other samples.
struct vimco {
    static constexpr std::string_view name = "vimco";
    template <class Family>
    static constexpr bool accepts = !Family::reparameterizable;
    static constexpr bool trains_elbo = false;
    static constexpr bool trains_iwae = true;

    template <class Family>
    static consteval void refuse() {
        static_assert(detail::always_false<Family>,
                      "ppl: vimco is a score-function estimator for discrete sites; this family is continuous and "
                      "reparameterizable, so pathwise (its default) gives lower-variance gradients: drop the override.");
    }
    template <class Self = vimco>
    static consteval void refuse_in_elbo() {
        static_assert(detail::always_false<Self>, "ppl: vimco is the score function of a K-sample bound: train with "
                                                  "iwae(K, observe(...)) instead of elbo(...) (elbo can still score the model).");
    }

    template <fixed_string Site, class D, class Tau>
    static auto value(const D& d, const Tau&) {
        return std::apply([&](const auto&... p) { return family_of<D>::template draw<Site>(d.settings, p...); }, d.params);
    }

    /// VIMCO's score term: log_q() is the site's shared log q per sample, log_w the K log weights.
    template <class Site, class LogQ, class LogWeight>
    static auto iwae_surrogate(const Site&, const LogQ& log_q, const LogWeight& log_w, Eigen::Index samples) {
        return make_expr(ops::vimco_surrogate_op{samples}, log_q(), stop_gradient(log_w));
    }
};


}  // namespace ppl
