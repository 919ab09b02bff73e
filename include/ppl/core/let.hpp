#pragma once
// let<"name">(expr): share a subexpression instead of recomputing it.
#include "ppl/core/node.hpp"

namespace ppl {

/// Binds `operand` to a name. Every copy of the returned node refers to the same value:
/// the graph evaluates it once per forward pass and sums d loss / d value over all its uses.
template <fixed_string Name, node Operand>
[[nodiscard]] constexpr let_node<Name, std::remove_cvref_t<Operand>> let(Operand&& operand) {
    return {{std::forward<Operand>(operand)}};
}

}  // namespace ppl
