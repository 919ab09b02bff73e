#pragma once
// The pathwise (reparameterization) estimator.
#include <string_view>
#include <tuple>

#include "ppl/dist/family.hpp"
#include "ppl/estimators/protocol.hpp"

namespace ppl {

/// Pathwise: z = g(params, e) with parameter-free noise e, so d f(z) / d params flows through g.
/// Unbiased and low-variance; needs a reparameterizable family.
struct pathwise {
    static constexpr std::string_view name = "pathwise";
    template <class Family>
    static constexpr bool accepts = Family::reparameterizable;
    static constexpr bool global_sites = true;
    static constexpr bool trains_iwae = true;

    template <class Family>
    static consteval void refuse() {
        if constexpr (support_of_v<Family> == value_support::count)
            static_assert(detail::always_false<Family>,
                          "ppl: pathwise needs a reparameterization, and a family of counts has none. Use "
                          "score_function<moving_average> (its default): drop the override.");
        else if constexpr (Family::relaxable)
            static_assert(detail::always_false<Family>,
                          "ppl: pathwise needs a reparameterization, and a discrete family has none; relax it instead "
                          "with gumbel_softmax (the default) or straight_through, or use score_function<moving_average>.");
        else
            static_assert(detail::always_false<Family>, "ppl: pathwise needs a reparameterizable family, and this family "
                                                        "has none. Use score_function<moving_average>.");
    }

    template <fixed_string Site, class D, class Tau>
    static auto value(const D& d, const Tau&) {
        return std::apply([&](const auto&... p) { return family_of<D>::template rsample<Site>(d.settings, p...); }, d.params);
    }
};

}  // namespace ppl
