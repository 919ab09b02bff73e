#pragma once
// Subsets of k items out of n, drawn without replacement in order: Gumbel-top-k, scored by Plackett-Luce.
#include <Eigen/Core>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>

#include "ppl/dist/family.hpp"
#include "ppl/ops/arithmetic.hpp"
#include "ppl/ops/noise.hpp"
#include "ppl/ops/one_hot.hpp"
#include "ppl/ops/plackett_luce.hpp"
#include "ppl/ops/stop_gradient.hpp"
#include "ppl/ops/successive_softmax.hpp"
#include "ppl/ops/sum_of_groups.hpp"
#include "ppl/core/let.hpp"

namespace ppl {

/// How many items a subset holds.
struct subset_settings {
    Eigen::Index k = 1;
};

/// Ordered subsets of k of the n items, z = k one-hot groups of n rows (group g = the g-th item).
/// Sampled by Gumbel-top-k: the k largest of logits + g, g ~ Gumbel(0, 1), in order. That is a draw
/// from Plackett-Luce(softmax(logits)), whose log_prob is
///   log P(i_1, ..., i_k) = sum_g [ s_(i_g) - log sum_(i not in i_1..i_(g-1)) exp(s_i) ].
/// Discrete and without a closed-form KL, so the policy picks score_function<moving_average>; the
/// relaxed top-k (relaxed_top_k below) serves objectives outside an ELBO.
struct subset_family {
    static constexpr std::string_view name = "subset";
    static constexpr bool reparameterizable = false;
    static constexpr bool relaxable = false;
    static constexpr value_support support = value_support::one_hot;
    static constexpr auto param_names = std::tuple{fixed_string{"logits"}};
    using settings = subset_settings;

    // Every override it refuses gets one message, which points at the relaxed top-k.
    template <class Estimator>
    static consteval void refuse_estimator() {
        static_assert(detail::always_false<Estimator>,
                      "ppl: a subset site (ordered k items) has no reparameterization and no closed-form KL for a relaxed "
                      "sample, so in an ELBO it takes score_function<moving_average> (its default): drop the override. "
                      "Outside an ELBO, relaxed_top_k(...) or straight_through_top_k(...) give relaxed top-k gradients.");
    }

    static auto log_prob(subset_settings s, const auto& logits, auto&& z) {
        return make_expr(ops::plackett_luce_log_prob_op{s.k}, logits, std::forward<decltype(z)>(z));
    }
    // the uniform prior: log P = -log(n! / (n - k)!) for every ordered subset
    static auto log_prob(subset_settings s, auto&& z) {
        return make_expr(ops::uniform_subset_log_prob_op{s.k}, std::forward<decltype(z)>(z));
    }
    template <fixed_string Site>
    static auto draw(subset_settings s, const auto& logits) {
        return stop_gradient(one_hot_argmax(successive_softmax(logits + noise_like<Site>(noise_kind::gumbel, logits), s.k),
                                            ops::group_layout{s.k, 0}));
    }
};

/// Ordered subsets of K items from logits of n rows (one subset per column): K one-hot groups of n
/// rows. NaN or infinite logits raise ppl::error on the pass that sees them.
template <Eigen::Index K, node Logits>
[[nodiscard]] constexpr auto subset(Logits&& logits) {
    static_assert(K >= 1, "ppl: subset<K> picks K >= 1 items; write subset<1> for one item (or use categorical).");
    auto l = detail::checked<ops::requirement::finite>(std::forward<Logits>(logits), "subset logits");
    return distribution<subset_family, decltype(l)>{{std::move(l)}, subset_settings{K}};
}

/// The uniform prior over ordered subsets of K items: every one has probability (n - K)! / n!.
template <Eigen::Index K>
[[nodiscard]] constexpr auto uniform_subset() {
    static_assert(K >= 1, "ppl: uniform_subset<K> needs K >= 1, the K of the site's subset<K>.");
    return distribution<subset_family>{{}, subset_settings{K}};
}

/// The relaxed top-k of logits: k successive softmaxes of (logits + g) / tau, g ~ Gumbel(0, 1),
/// group g over the items that groups 0 .. g-1 did not pick (see successive_softmax). Differentiable
/// in the logits; its groups' argmaxes are an exact Gumbel-top-k sample, and as tau -> 0 it tends to it.
template <fixed_string Site, node Logits, class Tau>
[[nodiscard]] auto relaxed_top_k(Logits&& logits, Eigen::Index k, Tau&& tau) {
    if constexpr (std::is_arithmetic_v<std::remove_cvref_t<Tau>>)
        if (!(tau > 0)) fail("relaxed_top_k needs tau > 0; got ", tau);
    // the logits feed both the sum and the noise's shape: one evaluation, shared
    auto l = let<concat(Site, fixed_string{".logits"})>(
        detail::checked<ops::requirement::finite>(std::forward<Logits>(logits), "relaxed_top_k logits"));
    auto perturbed = l + noise_like<Site>(noise_kind::gumbel, l);
    return successive_softmax(std::move(perturbed) / std::forward<Tau>(tau), k);
}

/// A subset site's prior picks as many items as its q; sample() checks it when the site is built.
template <class Logits, class... PriorParams>
inline void check_site_prior(const distribution<subset_family, Logits>& q, const distribution<subset_family, PriorParams...>& prior) {
    if (q.settings.k != prior.settings.k)
        fail("a subset<", q.settings.k, "> site needs a prior of subsets of ", q.settings.k, " items; its prior picks ", prior.settings.k);
}

/// Straight-through top-k: the exact Gumbel-top-k sample (k one-hot groups) in the forward pass,
/// the relaxed top-k's gradient in the backward pass.
template <fixed_string Site, node Logits, class Tau>
[[nodiscard]] auto straight_through_top_k(Logits&& logits, Eigen::Index k, Tau&& tau) {
    return one_hot_argmax(relaxed_top_k<Site>(std::forward<Logits>(logits), k, std::forward<Tau>(tau)), ops::group_layout{k, 0});
}

/// The set of an ordered subset: the sum of its k groups, n rows with k ones (soft for a relaxed one).
template <node Z>
[[nodiscard]] auto subset_members(Z&& z, Eigen::Index k) {
    return sum_of_groups(std::forward<Z>(z), k);
}

}  // namespace ppl
