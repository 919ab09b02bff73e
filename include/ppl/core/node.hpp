#pragma once
// Node types of the expression graph. A node stores only its operands; what it computes lives in
// its op tag's rules (ops/) and in the traits below.
#include <concepts>
#include <cstddef>
#include <string_view>
#include <type_traits>
#include <utility>

#include "ppl/core/fixed_string.hpp"

namespace ppl {

namespace detail {
template <std::size_t I, class T>
struct operand_holder {
    T value;
};
template <class Indices, class... T>
struct operand_storage;
template <std::size_t... I, class... T>
struct operand_storage<std::index_sequence<I...>, T...> : operand_holder<I, T>... {};
}  // namespace detail

/// A node's operands: a flat aggregate (no recursive tuple, no constructor templates to check),
/// so each node type costs the compiler little however large the model grows.
template <class... T>
using operand_pack = detail::operand_storage<std::index_sequence_for<T...>, T...>;

/// Operand I of a node: `get_operand<0>(n.operands)`.
template <std::size_t I, class T>
[[nodiscard]] constexpr T& get_operand(detail::operand_holder<I, T>& holder) {
    return holder.value;
}
template <std::size_t I, class T>
[[nodiscard]] constexpr const T& get_operand(const detail::operand_holder<I, T>& holder) {
    return holder.value;
}

/// An op applied to operands: `expr<exp_op, A>` is exp(A). The op tag holds static settings only.
template <class Op, class... Operands>
struct expr {
    [[no_unique_address]] Op op;
    operand_pack<Operands...> operands;
};

/// A named batch input, bound per step with `graph::set<"x">(matrix)`.
template <fixed_string Name>
struct input_leaf {
    static constexpr std::string_view name = Name.view();
};

/// A trainable parameter, referenced (not owned) by the graph; its gradient lands in `target->grad`.
template <class Parameter>
struct parameter_leaf {
    Parameter* target;
};

/// Mutable state outside the graph that a rule reads or updates (e.g. a moving-average baseline);
/// rules receive the pointer. It takes no gradient.
template <class State>
struct state_leaf {
    State* target;
};

/// A scalar constant, such as the 0.5 in `0.5 * x`.
struct constant_leaf {
    double value;
};

/// What a plain let carries besides its operand: nothing.
struct no_info {};

/// A shared subexpression: evaluated once per pass, and its adjoint sums the adjoints of every use.
/// `Info` lets higher layers attach a recipe to the binding (a random site keeps its distributions).
template <fixed_string Name, class Operand, class Info = no_info>
struct let_node {
    static constexpr std::string_view name = Name.view();
    using info_type = Info;
    operand_pack<Operand> operands;
    [[no_unique_address]] Info info{};
};

/// A use of the let named Name by its name alone, for library code that adds readers of a let
/// which the expression already holds: its type stays short however large the let's expression is.
/// The let must be evaluated before the reference (the graph checks), and its value must be
/// computed by an op. NeedsGrad repeats the let's, since the type does not hold the let.
template <fixed_string Name, bool NeedsGrad>
struct let_reference {
    static constexpr std::string_view name = Name.view();
};

// ---- traits --------------------------------------------------------------------------------------

template <class T>
struct node_traits {
    static constexpr bool is_node = false;
};

/// An op whose tag declares `static constexpr bool blocks_gradient = true` passes no adjoint to
/// its operands (stop_gradient, noise sources).
template <class Op>
concept gradient_blocking_op = Op::blocks_gradient;

template <class Op, class... Operands>
struct node_traits<expr<Op, Operands...>> {
    static constexpr bool is_node = true;
    static constexpr bool is_leaf = false;
    static constexpr std::size_t arity = sizeof...(Operands);
    static constexpr bool needs_grad =
        !gradient_blocking_op<Op> && (node_traits<Operands>::needs_grad || ...);
};

template <fixed_string Name>
struct node_traits<input_leaf<Name>> {
    static constexpr bool is_node = true;
    static constexpr bool is_leaf = true;
    static constexpr std::size_t arity = 0;
    static constexpr bool needs_grad = false;
};

template <class Parameter>
struct node_traits<parameter_leaf<Parameter>> {
    static constexpr bool is_node = true;
    static constexpr bool is_leaf = true;
    static constexpr std::size_t arity = 0;
    static constexpr bool needs_grad = true;
};

template <class State>
struct node_traits<state_leaf<State>> {
    static constexpr bool is_node = true;
    static constexpr bool is_leaf = true;
    static constexpr std::size_t arity = 0;
    static constexpr bool needs_grad = false;
};

template <>
struct node_traits<constant_leaf> {
    static constexpr bool is_node = true;
    static constexpr bool is_leaf = true;
    static constexpr std::size_t arity = 0;
    static constexpr bool needs_grad = false;
};

template <fixed_string Name, class Operand, class Info>
struct node_traits<let_node<Name, Operand, Info>> {
    static constexpr bool is_node = true;
    static constexpr bool is_leaf = false;
    static constexpr std::size_t arity = 1;
    static constexpr bool needs_grad = node_traits<Operand>::needs_grad;
};

template <fixed_string Name, bool NeedsGrad>
struct node_traits<let_reference<Name, NeedsGrad>> {
    static constexpr bool is_node = true;
    static constexpr bool is_leaf = true;
    static constexpr std::size_t arity = 0;
    static constexpr bool needs_grad = NeedsGrad;
};

/// Anything that can sit in the expression graph.
template <class T>
concept node = node_traits<std::remove_cvref_t<T>>::is_node;

template <class T>
inline constexpr bool is_expr_v = false;
template <class Op, class... Operands>
inline constexpr bool is_expr_v<expr<Op, Operands...>> = true;

template <class T>
inline constexpr bool is_let_v = false;
template <fixed_string Name, class Operand, class Info>
inline constexpr bool is_let_v<let_node<Name, Operand, Info>> = true;

template <class T>
inline constexpr bool is_let_reference_v = false;
template <fixed_string Name, bool NeedsGrad>
inline constexpr bool is_let_reference_v<let_reference<Name, NeedsGrad>> = true;

template <class T>
inline constexpr auto let_name_of = nullptr;
template <fixed_string Name, class Operand, class Info>
inline constexpr auto let_name_of<let_node<Name, Operand, Info>> = Name;

template <class T>
inline constexpr auto input_name_of = nullptr;
template <fixed_string Name>
inline constexpr auto input_name_of<input_leaf<Name>> = Name;

template <class T>
inline constexpr bool is_input_v = false;
template <fixed_string Name>
inline constexpr bool is_input_v<input_leaf<Name>> = true;

template <class T>
inline constexpr bool is_state_leaf_v = false;
template <class State>
inline constexpr bool is_state_leaf_v<state_leaf<State>> = true;

template <class T>
inline constexpr bool is_parameter_leaf_v = false;
template <class Parameter>
inline constexpr bool is_parameter_leaf_v<parameter_leaf<Parameter>> = true;

/// The type of operand I of Node.
template <class Node, std::size_t I>
using operand_t = std::remove_cvref_t<decltype(get_operand<I>(std::declval<Node&>().operands))>;

/// The name an error message uses for a node.
template <class Node>
[[nodiscard]] constexpr std::string_view node_name() {
    if constexpr (is_expr_v<Node>) return std::remove_cvref_t<decltype(std::declval<Node>().op)>::name;
    else if constexpr (is_let_v<Node> || is_let_reference_v<Node>) return "let";
    else if constexpr (is_input_v<Node>) return "input";
    else if constexpr (is_parameter_leaf_v<Node>) return "parameter";
    else if constexpr (is_state_leaf_v<Node>) return "state";
    else return "constant";
}

// ---- building nodes ------------------------------------------------------------------------------

/// Turns a node or an arithmetic value into a node; plain numbers become constants.
template <class T>
[[nodiscard]] constexpr auto as_node(T&& value) {
    using U = std::remove_cvref_t<T>;
    if constexpr (node<U>) {
        return U(std::forward<T>(value));
    } else if constexpr (std::is_arithmetic_v<U>) {
        return constant_leaf{static_cast<double>(value)};
    } else {
        static_assert(std::is_arithmetic_v<U>,
                      "ppl: an operand must be a ppl node (input, parameter, let or an op result) or a "
                      "plain number; wrap matrices as inputs with input<\"name\">() instead.");
        return constant_leaf{0.0};  // so that the message above is the only error
    }
}

/// Builds `expr<Op, ...>` from an op tag and operands.
template <class Op, class... Operands>
[[nodiscard]] constexpr auto make_expr(Op op, Operands&&... operands) {
    return expr<Op, decltype(as_node(std::forward<Operands>(operands)))...>{
        op, {{as_node(std::forward<Operands>(operands))}...}};
}

/// A named batch input: one column per sample.
template <fixed_string Name>
[[nodiscard]] constexpr input_leaf<Name> input() {
    return {};
}

/// Same as input<Name>(): the data a model observes.
template <fixed_string Name>
[[nodiscard]] constexpr input_leaf<Name> data() {
    return {};
}

}  // namespace ppl
