#pragma once
// Gumbel-softmax relaxation, soft and straight-through.
#include <string_view>
#include <tuple>

#include "ppl/dist/family.hpp"

namespace ppl {

/// Gumbel-softmax (Concrete): z = softmax((logits + g) / tau), g ~ Gumbel(0, 1), a point in the
/// simplex that is differentiable in the logits. Biased towards the uniform vector as tau grows;
/// the variance of its gradient grows like 1 / tau^2 as tau shrinks.
struct gumbel_softmax {
    static constexpr std::string_view name = "gumbel_softmax";
    template <fixed_string Site, class D, class Tau>
    static auto value(const D& d, const Tau& tau) {
        return std::apply([&](const auto&... p) { return family_of<D>::template relaxed<Site>(d.settings, p..., tau); },
                          d.params);
    }
};

/// Straight-through Gumbel-softmax: the forward value is the one-hot argmax of the relaxed sample,
/// the backward pass uses the soft sample's Jacobian. Biased, low variance, hard in the forward pass.
struct straight_through {
    static constexpr std::string_view name = "straight_through";
    template <fixed_string Site, class D, class Tau>
    static auto value(const D& d, const Tau& tau) {
        return family_of<D>::hard(d.settings, gumbel_softmax::value<Site>(d, tau));
    }
};

}  // namespace ppl
