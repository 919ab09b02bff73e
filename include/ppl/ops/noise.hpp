#pragma once
// A random site's noise: a buffer shaped like its operand, filled by the graph's noise source.
#include <optional>
#include <string_view>
#include <type_traits>
#include <utility>

#include "ppl/core/noise.hpp"
#include "ppl/core/node.hpp"
#include "ppl/ops/elementwise.hpp"

namespace ppl::ops {

/// y ~ base noise, shaped like its operands broadcast together; they only give the shape.
/// No gradient flows through it.
struct noise_op {
    static constexpr std::string_view name = "noise";
    static constexpr bool blocks_gradient = true;
    static constexpr bool draws_noise = true;
    ppl::noise_kind kind;
    std::string_view site;  // names the site to the noise source; points at a template argument
    template <class... Shapes>
    shape infer(const Shapes&... shapes) const {
        std::optional<shape> out;
        (
            [&] {
                if constexpr (std::is_same_v<Shapes, shape>) out = out ? broadcast_shape(*out, shapes) : shapes;
            }(),
            ...);
        if (!out) fail("noise needs at least one operand with a matrix shape");
        return *out;
    }
    void forward(auto&, const auto&...) const {}  // the graph's noise source has filled y
};

}  // namespace ppl::ops

namespace ppl {

/// Noise of the given kind for site `Site`, shaped like its sources broadcast together.
template <fixed_string Site, node... Sources>
[[nodiscard]] constexpr auto noise_like(noise_kind kind, Sources&&... shape_sources) {
    return make_expr(ops::noise_op{kind, Site.view()}, std::forward<Sources>(shape_sources)...);
}

}  // namespace ppl
