#pragma once
// let<"name">(expr): share a subexpression instead of recomputing it.
#include "ppl/core/node.hpp"

namespace ppl {

/// Binds `operand` to a name. Every copy of the returned node refers to the same value:
/// the graph evaluates it once per forward pass and sums d loss / d value over all its uses.
template <fixed_string Name, node Operand>
[[nodiscard]] constexpr let_node<Name, std::remove_cvref_t<Operand>> let(Operand&& operand) {
    return {{{std::forward<Operand>(operand)}}, {}};
}

/// The let `l` used again by name (see let_reference): the same value and, with the let's
/// gradient flag, the same adjoint, for an expression that also holds `l` itself.
template <fixed_string Name, class Operand, class Info>
[[nodiscard]] constexpr auto reference_to(const let_node<Name, Operand, Info>&) {
    return let_reference<Name, node_traits<Operand>::needs_grad>{};
}

}  // namespace ppl

namespace ppl {

/// Shares `operand` under a name derived from `anchor`'s let name ("<anchor>:<Suffix>"), so
/// library code can share intermediate values without name clashes between sites. If the
/// anchor is not a let, the operand is returned unshared.
template <fixed_string Suffix, class Anchor, node Operand>
[[nodiscard]] constexpr auto derived_let(const Anchor&, Operand&& operand) {
    if constexpr (is_let_v<std::remove_cvref_t<Anchor>>) {
        constexpr auto name = concat(concat(let_name_of<std::remove_cvref_t<Anchor>>, fixed_string{":"}), Suffix);
        return let<name>(std::forward<Operand>(operand));
    } else {
        return std::remove_cvref_t<Operand>(std::forward<Operand>(operand));
    }
}

}  // namespace ppl
