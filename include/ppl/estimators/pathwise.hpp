#pragma once
// The pathwise (reparameterization) estimator.
#include <string_view>
#include <tuple>

#include "ppl/dist/family.hpp"

namespace ppl {

/// Pathwise: z = g(params, e) with parameter-free noise e, so d f(z) / d params flows through g.
/// Unbiased and low-variance; needs a reparameterizable family.
struct pathwise {
    static constexpr std::string_view name = "pathwise";
    template <fixed_string Site, class D, class Tau>
    static auto value(const D& d, const Tau&) {
        return std::apply([&](const auto&... p) { return family_of<D>::template rsample<Site>(d.settings, p...); }, d.params);
    }
};

}  // namespace ppl
