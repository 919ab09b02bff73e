#pragma once
// The compile-time schedule: the graph's nodes in evaluation order, one slot each.
//
// A node is identified by its path from the root (the operand index taken at each step). The
// schedule lists paths in post-order, so every operand precedes its user. A let node is listed
// once, at its first use; later uses refer to that slot, so its subtree is evaluated once.
#include <boost/hana.hpp>
#include <cstddef>
#include <string_view>
#include <type_traits>
#include <utility>

#include "ppl/core/node.hpp"

namespace ppl {

namespace hana = boost::hana;

/// A node's position: the operand index taken at each step down from the root.
template <std::size_t... Steps>
struct path {};

template <class Path, std::size_t Step>
struct path_append;
template <std::size_t... Steps, std::size_t Step>
struct path_append<path<Steps...>, Step> {
    using type = path<Steps..., Step>;
};
template <class Path, std::size_t Step>
using path_append_t = typename path_append<Path, Step>::type;

template <class Node, class Path>
struct node_at;
template <class Node>
struct node_at<Node, path<>> {
    using type = Node;
};
template <class Node, std::size_t Step, std::size_t... Rest>
struct node_at<Node, path<Step, Rest...>> {
    using type = typename node_at<operand_t<Node, Step>, path<Rest...>>::type;
};
/// The type of the node at Path under Root.
template <class Root, class Path>
using node_at_t = typename node_at<Root, Path>::type;

/// The node object at a path.
template <class Node>
[[nodiscard]] constexpr Node& get_node(Node& n, path<>) {
    return n;
}
template <class Node, std::size_t Step, std::size_t... Rest>
[[nodiscard]] constexpr auto& get_node(Node& n, path<Step, Rest...>) {
    return get_node(std::get<Step>(n.operands), path<Rest...>{});
}

namespace detail {

template <class Node>
struct let_name {
    using type = void;
};
template <fixed_string Name, class Operand, class Info>
struct let_name<let_node<Name, Operand, Info>> {
    using type = name_tag<Name>;
};

template <class Node, class Path, class Paths, class Names>
constexpr auto schedule_visit(Paths paths, Names names);

// Visits operands I, I+1, ... of Node in order, threading the schedule built so far.
template <class Node, class Path, std::size_t I, class Paths, class Names>
constexpr auto schedule_operands(Paths paths, Names names) {
    if constexpr (I == node_traits<Node>::arity) {
        return hana::make_pair(paths, names);
    } else {
        auto after = schedule_visit<operand_t<Node, I>, path_append_t<Path, I>>(paths, names);
        return schedule_operands<Node, Path, I + 1>(hana::first(after), hana::second(after));
    }
}

template <class Node, class Path, class Paths, class Names>
constexpr auto schedule_visit(Paths paths, Names names) {
    if constexpr (is_let_v<Node>) {
        constexpr auto name = hana::type_c<typename let_name<Node>::type>;
        if constexpr (decltype(hana::contains(names, name))::value) {
            return hana::make_pair(paths, names);  // a later use of a shared node: no new slot
        } else {
            auto after = schedule_operands<Node, Path, 0>(paths, hana::append(names, name));
            return hana::make_pair(hana::append(hana::first(after), hana::type_c<Path>),
                                   hana::second(after));
        }
    } else {
        auto after = schedule_operands<Node, Path, 0>(paths, names);
        return hana::make_pair(hana::append(hana::first(after), hana::type_c<Path>),
                               hana::second(after));
    }
}

}  // namespace detail

/// The evaluation order of Root's nodes and the slot of every operand.
template <class Root>
struct schedule {
    static constexpr auto paths = hana::first(
        detail::schedule_visit<Root, path<>>(hana::make_tuple(), hana::make_tuple()));
    static constexpr std::size_t size = decltype(hana::length(paths))::value;

    template <std::size_t I>
    using path_at = typename decltype(+paths[hana::size_c<I>])::type;
    template <std::size_t I>
    using node_type = node_at_t<Root, path_at<I>>;

    /// The slot of the node at Path; a repeated let resolves to its first occurrence.
    template <class Path>
    [[nodiscard]] static constexpr std::size_t slot_of() {
        constexpr auto found = hana::index_if(paths, hana::equal.to(hana::type_c<Path>));
        if constexpr (!hana::is_nothing(found)) {
            return std::decay_t<decltype(*found)>::value;
        } else {
            using Node = node_at_t<Root, Path>;
            using Name = typename detail::let_name<Node>::type;
            constexpr auto first = hana::index_if(paths, [](auto p) {
                using Other = node_at_t<Root, typename decltype(p)::type>;
                return hana::bool_c<std::is_same_v<typename detail::let_name<Other>::type, Name>>;
            });
            using First = node_at_t<Root, typename decltype(+paths[*first])::type>;
            static_assert(std::is_same_v<First, Node>,
                          "ppl: two let bindings share one name but wrap different expressions; "
                          "give each shared subexpression its own name, e.g. let<\"h1\"> and "
                          "let<\"h2\">.");
            return std::decay_t<decltype(*first)>::value;
        }
    }

    /// The slot of operand Op of the node in slot I.
    template <std::size_t I, std::size_t Op>
    [[nodiscard]] static constexpr std::size_t operand_slot() {
        return slot_of<path_append_t<path_at<I>, Op>>();
    }

    /// Resolves every operand of every node, so a let-name clash fails when the graph is declared.
    [[nodiscard]] static constexpr bool operands_resolve() {
        return []<std::size_t... I>(std::index_sequence<I...>) {
            return (resolve_operands_of<I>() && ...);
        }(std::make_index_sequence<size>{});
    }
    template <std::size_t I>
    [[nodiscard]] static constexpr bool resolve_operands_of() {
        return []<std::size_t... K>(std::index_sequence<K...>) {
            return ((operand_slot<I, K>() < size) && ...);
        }(std::make_index_sequence<node_traits<node_type<I>>::arity>{});
    }

    /// The slot whose buffers hold slot I's value: a let shares its operand's buffers.
    template <std::size_t I>
    [[nodiscard]] static constexpr std::size_t storage_of() {
        if constexpr (is_let_v<node_type<I>>) return storage_of<operand_slot<I, 0>()>();
        else return I;
    }
};

namespace detail {
template <class Node, std::size_t... Steps>
constexpr std::string_view innermost_let(path<Steps...>, std::string_view found = {}) {
    if constexpr (is_let_v<Node>) found = Node::name;
    if constexpr (sizeof...(Steps) == 0) {
        return found;
    } else {
        return []<std::size_t Step, std::size_t... Rest>(path<Step, Rest...>, std::string_view f) {
            return innermost_let<operand_t<Node, Step>>(path<Rest...>{}, f);
        }(path<Steps...>{}, found);
    }
}
}  // namespace detail

/// The name of the innermost let that encloses (or is) the node at Path, or "" if none.
template <class Root, class Path>
[[nodiscard]] constexpr std::string_view enclosing_let_name() {
    return detail::innermost_let<Root>(Path{});
}

}  // namespace ppl
