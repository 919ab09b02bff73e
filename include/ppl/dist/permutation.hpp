#pragma once
// Permutations of n items: Gumbel-matching samples and their Gumbel-Sinkhorn relaxation (Mena et al. 2018).
#include <Eigen/Core>
#include <utility>

#include "ppl/core/let.hpp"
#include "ppl/dist/family.hpp"
#include "ppl/ops/arithmetic.hpp"
#include "ppl/ops/exp.hpp"
#include "ppl/ops/matching.hpp"
#include "ppl/ops/noise.hpp"
#include "ppl/ops/sinkhorn.hpp"
#include "ppl/ops/stop_gradient.hpp"

namespace ppl {

/// The Gumbel-Sinkhorn relaxation's settings: the temperature and the Sinkhorn rounds L.
struct sinkhorn_settings {
    double tau = 1.0;
    int iterations = 20;
};

/// A permutation of n items from scores log_alpha (n x n per column, entry (r, c) in row r + n c:
/// the score of sending item c to position r). Its exact sample is the Gumbel matching,
/// argmax over permutations P of <log_alpha + G, P> with G ~ Gumbel(0, 1) entrywise. That law has
/// no closed-form probability, so a permutation is not a site of an ELBO (the message says what to
/// write); its gradients come from the relaxation below, in objectives of the user's own.
template <class LogAlpha>
struct permutation_distribution {
    static constexpr std::string_view name = "permutation";
    LogAlpha log_alpha;
    Eigen::Index n;
};

/// Permutations of n items with scores log_alpha (n^2 rows per column); NaN or infinite scores
/// raise ppl::error on the pass that sees them.
template <node LogAlpha>
[[nodiscard]] auto permutation(LogAlpha&& log_alpha, Eigen::Index n) {
    if (n < 1) fail("permutation needs n >= 1 items; got ", n);
    auto l = detail::checked<ops::requirement::finite>(std::forward<LogAlpha>(log_alpha), "permutation log_alpha");
    return permutation_distribution<decltype(l)>{std::move(l), n};
}

namespace detail {
// (log_alpha + G) / tau in log-Sinkhorn form, the noise named Site; log_alpha is evaluated once
template <fixed_string Site, class LogAlpha>
auto log_gumbel_sinkhorn(const permutation_distribution<LogAlpha>& p, sinkhorn_settings s) {
    if (!(s.tau > 0)) fail("gumbel_sinkhorn needs tau > 0; got ", s.tau);
    auto scores = let<concat(Site, fixed_string{".log_alpha"})>(p.log_alpha);
    return log_sinkhorn((scores + noise_like<Site>(noise_kind::gumbel, scores)) / s.tau, p.n, s.iterations);
}
}  // namespace detail

/// The exact sample: the permutation matrix of the Gumbel matching (no gradient).
template <fixed_string Site, class LogAlpha>
[[nodiscard]] auto gumbel_matching(const permutation_distribution<LogAlpha>& p) {
    auto scores = let<concat(Site, fixed_string{".log_alpha"})>(p.log_alpha);
    return stop_gradient(matching(scores + noise_like<Site>(noise_kind::gumbel, scores), p.n));
}

/// Gumbel-Sinkhorn: S((log_alpha + G) / tau) after L rounds; as L grows, a doubly stochastic matrix,
/// which tends to the Gumbel matching as tau -> 0 (Sinkhorn run to convergence; at a fixed L a small
/// tau leaves it unconverged). Differentiable in log_alpha.
template <fixed_string Site, class LogAlpha>
[[nodiscard]] auto gumbel_sinkhorn(const permutation_distribution<LogAlpha>& p, sinkhorn_settings s = {}) {
    return exp(detail::log_gumbel_sinkhorn<Site>(p, s));
}

/// Straight-through Gumbel-Sinkhorn: the Gumbel matching in the forward pass (the best matching of
/// (log_alpha + G) / tau, which Sinkhorn's row and column terms do not change, up to rounding), the
/// relaxation's gradient in the backward pass.
template <fixed_string Site, class LogAlpha>
[[nodiscard]] auto straight_through_sinkhorn(const permutation_distribution<LogAlpha>& p, sinkhorn_settings s = {}) {
    return matching(detail::log_gumbel_sinkhorn<Site>(p, s), p.n);
}

/// The best matching of the scores alone (no noise): the deterministic permutation for evaluation.
template <class LogAlpha>
[[nodiscard]] auto best_matching(const permutation_distribution<LogAlpha>& p) {
    return stop_gradient(matching(p.log_alpha, p.n));
}

}  // namespace ppl
