#pragma once
// A random site's noise: a buffer shaped like its operand, filled by the graph's noise source.
#include <string_view>
#include <utility>

#include "ppl/core/noise.hpp"
#include "ppl/core/node.hpp"
#include "ppl/ops/elementwise.hpp"

namespace ppl::ops {

/// y ~ base noise of the operand's shape; the operand only gives the shape. No gradient flows.
template <fixed_string Site>
struct noise_op : same_shape {
    static constexpr std::string_view name = "noise";
    static constexpr bool blocks_gradient = true;
    ppl::noise_kind kind;
    static constexpr bool draws_noise = true;
    [[nodiscard]] static constexpr std::string_view site_name() { return Site.view(); }
    void forward(auto&, const auto&) const {}  // the graph's noise source has filled y
    void backward(const auto&, const auto&, const auto&, const auto&) const {}
};

}  // namespace ppl::ops

namespace ppl {

/// Noise for site `Site`, shaped like `shape_source`: uniform, standard normal or Gumbel.
template <fixed_string Site, node Source>
[[nodiscard]] constexpr auto noise_like(Source&& shape_source, noise_kind kind) {
    return make_expr(ops::noise_op<Site>{{}, kind}, std::forward<Source>(shape_source));
}

}  // namespace ppl
