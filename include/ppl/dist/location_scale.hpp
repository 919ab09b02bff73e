#pragma once
// What the location-scale families (normal, logistic, laplace, gumbel) share: their traits, the
// pathwise sample x = loc + scale * e with standard noise e, and their checked constructor.
#include <string_view>
#include <tuple>
#include <utility>

#include "ppl/core/noise.hpp"
#include "ppl/dist/family.hpp"
#include "ppl/ops/arithmetic.hpp"
#include "ppl/ops/noise.hpp"

namespace ppl {

/// Base of a location-scale family whose standard member is drawn as `Noise`.
template <noise_kind Noise>
struct location_scale_family {
    static constexpr bool reparameterizable = true;
    static constexpr bool relaxable = false;
    static constexpr value_support support = value_support::real;
    static constexpr auto param_names = std::tuple{fixed_string{"loc"}, fixed_string{"scale"}};
    using settings = no_settings;

    /// x = loc + scale * e, e drawn from the standard member of the family.
    template <fixed_string Site>
    static auto rsample(no_settings, const auto& loc, const auto& scale) {
        return loc + scale * noise_like<Site>(Noise, loc, scale);
    }
};

namespace detail {
/// The distribution with a finite loc and a scale checked to be positive on every pass.
template <class Family, class Loc, class Scale>
constexpr auto location_scale(Loc&& loc, Scale&& scale, std::string_view loc_name, std::string_view scale_name) {
    auto l = checked<ops::requirement::finite>(std::forward<Loc>(loc), loc_name);
    auto s = checked<ops::requirement::positive>(std::forward<Scale>(scale), scale_name);
    return distribution<Family, decltype(l), decltype(s)>{{std::move(l), std::move(s)}};
}
}  // namespace detail

}  // namespace ppl
