#pragma once
// Gumbel-softmax relaxation, soft and straight-through.
#include <string_view>
#include <tuple>

#include "ppl/core/node.hpp"
#include "ppl/dist/family.hpp"
#include "ppl/estimators/protocol.hpp"
#include "ppl/ops/hard_when.hpp"

namespace ppl {

/// The flag input soft relaxed sites read: 1 makes them draw exact discrete samples, 0 soft ones
/// (objectives bind it from step_options::hard_samples).
inline constexpr input_leaf<"hard_samples"> hard_samples_input{};

namespace detail {
// The relaxed sample of d's family at temperature tau.
template <fixed_string Site, class D, class Tau>
auto relaxed_sample(const D& d, const Tau& tau) {
    return std::apply([&](const auto&... p) { return family_of<D>::template relaxed<Site>(d.settings, p..., tau); },
                      d.params);
}
// What gumbel_softmax and straight_through share: the families they relax and their messages.
struct gumbel_relaxation {
    template <class Family>
    static constexpr bool accepts = Family::relaxable;
    static constexpr bool global_sites = true;
    static constexpr bool reads_temperature = true;
    static constexpr bool needs_analytic_kl = true;  // a relaxed value lies outside q's support

    template <class Family>
    static consteval void refuse() {
        if constexpr (support_of_v<Family> == value_support::count)
            static_assert(detail::always_false<Family>,
                          "ppl: gumbel_softmax and straight_through relax categorical and bernoulli sites; a family of "
                          "counts has no relaxation. Use score_function<moving_average> (its default): drop the override.");
        else if constexpr (Family::reparameterizable)
            static_assert(detail::always_false<Family>,
                          "ppl: gumbel_softmax and straight_through relax discrete categorical or bernoulli sites; this "
                          "family is continuous (or already a relaxed gate), so use pathwise (its default): drop the override.");
        else
            static_assert(detail::always_false<Family>, "ppl: gumbel_softmax and straight_through relax categorical and "
                                                        "bernoulli sites only; use this family's default estimator: drop "
                                                        "the override.");
    }
    template <class Self = gumbel_relaxation>
    static consteval void refuse_in_iwae() {
        static_assert(detail::always_false<Self>,
                      "ppl: iwae(K, ...) trains pathwise sites and discrete sites made for its K-sample bound. A relaxed "
                      "site (gumbel_softmax, straight_through) has no importance weight for its soft samples: train it "
                      "with elbo(...) and evaluate with iwae(K, ...).forward.");
    }
};

}  // namespace detail

/// Gumbel-softmax (Concrete): z = softmax((logits + g) / tau), g ~ Gumbel(0, 1), a point in the
/// simplex that is differentiable in the logits. Biased towards the uniform vector as tau grows;
/// the variance of its gradient grows like 1 / tau^2 as tau shrinks. With hard samples requested
/// (evaluation), z = onehot(argmax(logits + g)), an exact draw from Categorical(softmax(logits)).
struct gumbel_softmax : detail::gumbel_relaxation {
    static constexpr std::string_view name = "gumbel_softmax";
    static constexpr bool soft_training_value = true;
    template <fixed_string Site, class D, class Tau>
    static auto value(const D& d, const Tau& tau) {
        return hard_when(family_of<D>::hard_rule(d.settings), detail::relaxed_sample<Site>(d, tau), hard_samples_input);
    }
};

/// Straight-through Gumbel-softmax: the forward value is the one-hot argmax of the relaxed sample,
/// the backward pass uses the soft sample's Jacobian. Biased, low variance, hard in the forward pass.
struct straight_through : detail::gumbel_relaxation {
    static constexpr std::string_view name = "straight_through";
    template <fixed_string Site, class D, class Tau>
    static auto value(const D& d, const Tau& tau) {
        return make_expr(family_of<D>::hard_rule(d.settings), detail::relaxed_sample<Site>(d, tau));
    }
};

}  // namespace ppl
