#pragma once
// The compile-time schedule: the graph's nodes in evaluation order, one slot each.
//
// The *body* of a node type is its subtree in post-order, stopping at let operands: a let is a
// reference there, not a copy. The *closure* of a node type is the set of lets it depends on,
// dependencies first. The schedule is the body of every let in the root's closure, in closure
// order, then the root's own body; so a let is evaluated once, before any of its users.
//
// Bodies and closures are class templates of one node type each, so the compiler computes each
// once per distinct node type and reuses it wherever that type appears. Nothing is instantiated
// per path through the graph, and no search walks the schedule: a slot's node type is found by
// overload resolution in a flat table, and a let's slot by its position in the closure.
#include <array>
#include <cstddef>
#include <string_view>
#include <type_traits>
#include <utility>

#include "ppl/core/node.hpp"
#include "ppl/core/type_list.hpp"

namespace ppl {

namespace detail {

template <class T, class Indices = std::make_index_sequence<node_traits<T>::arity>>
struct body;

// What an operand adds to its user's body: nothing if it is a let (referenced), else its body.
template <class Operand>
struct contribution {
    using types = typename body<Operand>::types;
    static constexpr std::size_t size = body<Operand>::size;
};
template <fixed_string Name, class Operand, class Info>
struct contribution<let_node<Name, Operand, Info>> {
    using types = type_list<>;
    static constexpr std::size_t size = 0;
};

template <class T, std::size_t... I>
struct body<T, std::index_sequence<I...>> {
    using types = concat_t<typename contribution<operand_t<T, I>>::types..., type_list<T>>;
    static constexpr std::size_t size = types::size;
    /// Where operand I's body starts in T's body; prefix[I + 1] - 1 is the operand's own slot.
    static constexpr std::array<std::size_t, sizeof...(I) + 1> prefix = [] {
        const std::array<std::size_t, sizeof...(I)> sizes{contribution<operand_t<T, I>>::size...};
        std::array<std::size_t, sizeof...(I) + 1> out{};
        for (std::size_t k = 0; k < sizes.size(); ++k) out[k + 1] = out[k] + sizes[k];
        return out;
    }();
};

template <class Let>
struct let_key {};
template <class NameTag>
struct let_name_key {};
template <class Let>
using name_key_t = let_name_key<name_tag<let_name_of<Let>>>;

// Membership tests for a set of lets: one base per let and one per let name.
template <class Lets>
struct members;
template <class... L>
struct members<type_list<L...>> : let_key<L>..., name_key_t<L>... {};

// A set of lets in dependency order, and whether two different lets share a name.
template <class Lets, bool Clash>
struct let_set {
    using lets = Lets;
    static constexpr bool clash = Clash;
};

template <class A, class B>
struct merge;
template <class... A, bool ClashA, class... B, bool ClashB>
struct merge<let_set<type_list<A...>, ClashA>, let_set<type_list<B...>, ClashB>> {
    using seen = members<type_list<A...>>;
    // a let of B joins unless its name is taken; a taken name held by another let is a clash
    static constexpr std::array<bool, sizeof...(B)> fresh{!std::is_base_of_v<name_key_t<B>, seen>...};
    static constexpr bool clash =
        ClashA || ClashB || ((std::is_base_of_v<name_key_t<B>, seen> && !std::is_base_of_v<let_key<B>, seen>) || ...);
    static constexpr std::size_t count = (std::size_t{0} + ... + std::size_t{!std::is_base_of_v<name_key_t<B>, seen>});
    static constexpr auto positions = true_positions<count>(fresh);
    template <std::size_t... J>
    static auto joined(std::index_sequence<J...>)
        -> let_set<concat_t<type_list<A...>, pick_t<type_list<B...>, positions[J]...>>, clash>;
    using type = decltype(joined(std::make_index_sequence<count>{}));
};

template <class... Sets>
struct merge_all;
template <>
struct merge_all<> {
    using type = let_set<type_list<>, false>;
};
template <class S>
struct merge_all<S> {
    using type = S;
};
template <class A, class B, class... Rest>
struct merge_all<A, B, Rest...> : merge_all<typename merge<A, B>::type, Rest...> {};

// A let joins the set of what it reads, after it; other nodes add nothing.
template <class Below, class T>
struct with_self {
    using type = Below;
};
template <class Below, fixed_string Name, class Operand, class Info>
struct with_self<Below, let_node<Name, Operand, Info>>
    : merge<Below, let_set<type_list<let_node<Name, Operand, Info>>, false>> {};

template <class T, class Indices = std::make_index_sequence<node_traits<T>::arity>>
struct closure;
template <class T, std::size_t... I>
struct closure<T, std::index_sequence<I...>> {
    using type = typename with_self<typename merge_all<typename closure<operand_t<T, I>>::type...>::type, T>::type;
};

}  // namespace detail

/// The lets that T depends on (T itself included if it is one), each once, dependencies first.
template <class T>
using lets_of_t = typename detail::closure<T>::type::lets;

namespace detail {
template <fixed_string Name>
struct let_name_is {
    template <class L>
    struct test : std::bool_constant<L::name == Name.view()> {};
};
}  // namespace detail

/// The let named Name that T reads (or is).
template <fixed_string Name, class T>
using let_named_t = at_t<0, filter_t<detail::let_name_is<Name>::template test, lets_of_t<T>>>;

/// True when T reads the let Let (or is it).
template <class T, class Let>
inline constexpr bool depends_on_v = std::is_base_of_v<detail::let_key<Let>, detail::members<lets_of_t<T>>>;

/// True when two different lets below T share one name.
template <class T>
inline constexpr bool let_name_clash_v = detail::closure<T>::type::clash;

/// The evaluation order of Root's nodes and the slot of every operand.
template <class Root>
struct schedule {
    /// The units of the schedule: every let of the closure, then the root unless it is a let.
    using heads = std::conditional_t<is_let_v<Root>, lets_of_t<Root>, concat_t<lets_of_t<Root>, type_list<Root>>>;
    static constexpr std::size_t unit_count = heads::size;

private:
    template <class T>
    static constexpr std::string_view name_or_empty() {
        if constexpr (is_let_v<T>) return T::name;
        else return {};
    }
    static constexpr bool is_let_unit(std::size_t k) { return is_let_v<Root> || k + 1 < unit_count; }

    template <std::size_t... K>
    static constexpr auto bases(std::index_sequence<K...>) {
        const std::array<std::size_t, unit_count> sizes{detail::body<at_t<K, heads>>::size...};
        std::array<std::size_t, unit_count + 1> out{};
        for (std::size_t k = 0; k < unit_count; ++k) out[k + 1] = out[k] + sizes[k];
        return out;
    }

public:
    /// The first slot of each unit; base[unit_count] is the number of slots.
    static constexpr std::array<std::size_t, unit_count + 1> base = bases(std::make_index_sequence<unit_count>{});
    static constexpr std::size_t size = base[unit_count];
    /// The unit that holds each slot.
    static constexpr std::array<std::size_t, size> unit_of = [] {
        std::array<std::size_t, size> out{};
        for (std::size_t k = 0; k < unit_count; ++k)
            for (std::size_t s = base[k]; s < base[k + 1]; ++s) out[s] = k;
        return out;
    }();

    /// Slot I: its unit's head and its node type.
    template <std::size_t I>
    struct slot {
        using head = at_t<unit_of[I], heads>;
        using node = at_t<I - base[unit_of[I]], typename detail::body<head>::types>;
    };
    template <std::size_t I>
    using node_type = typename slot<I>::node;

    /// The slot of a let of the closure: the last slot of its unit.
    template <class Let>
    [[nodiscard]] static constexpr std::size_t let_slot() {
        return base[index_of_v<Let, heads> + 1] - 1;
    }

    /// The slot of operand Op of the node in slot I.
    template <std::size_t I, std::size_t Op>
    [[nodiscard]] static constexpr std::size_t operand_slot() {
        using N = node_type<I>;
        using O = operand_t<N, Op>;
        if constexpr (is_let_v<O>) return let_slot<O>();
        else return I + 1 - detail::body<N>::size + detail::body<N>::prefix[Op + 1] - 1;
    }

    /// The slot whose buffers hold slot I's value: a let shares its operand's buffers.
    template <std::size_t I>
    [[nodiscard]] static constexpr std::size_t storage_of() {
        if constexpr (is_let_v<node_type<I>>) return storage_of<operand_slot<I, 0>()>();
        else return I;
    }

    /// The names of the lets, by unit ("" for the root's unit when the root is not a let).
    static constexpr auto let_names = []<std::size_t... K>(std::index_sequence<K...>) {
        return std::array<std::string_view, unit_count>{name_or_empty<at_t<K, heads>>()...};
    }(std::make_index_sequence<unit_count>{});

    /// The unit of the let named Name, or unit_count if there is none.
    [[nodiscard]] static constexpr std::size_t find_let(std::string_view name) {
        for (std::size_t k = 0; k < unit_count; ++k)
            if (is_let_unit(k) && let_names[k] == name) return k;
        return unit_count;
    }

    /// The name of the innermost let that encloses (or is) the node in slot I, or "" if none.
    [[nodiscard]] static constexpr std::string_view enclosing_let_name(std::size_t i) { return let_names[unit_of[i]]; }

    /// Points `objects[s]` at what slot s of `root` evaluates: an op node's op tag, a leaf itself,
    /// nothing for a let (it shares its operand's slot). Every let is found once.
    static void link(Root& root, std::array<void*, size>& objects) {
        std::array<void*, unit_count> heads_found{};
        heads_found[is_let_v<Root> ? index_of_v<Root, heads> : unit_count - 1] = &root;
        find_lets(root, heads_found);
        for (std::size_t k = 0; k < unit_count; ++k) fillers[k](heads_found[k], objects.data() + base[k]);
    }

private:
    template <std::size_t K>
    static void fill_unit(void* head, void** out) {
        fill_body(*static_cast<at_t<K, heads>*>(head), out);
    }
    // one function per unit, called from a loop: a fold over every unit would hit clang's nesting limit
    static constexpr auto fillers = []<std::size_t... K>(std::index_sequence<K...>) {
        return std::array<void (*)(void*, void**), unit_count>{&fill_unit<K>...};
    }(std::make_index_sequence<unit_count>{});

    // Records the first object of every let below n.
    template <class T>
    static void find_lets(T& n, std::array<void*, unit_count>& found) {
        if constexpr (node_traits<T>::arity > 0) [&]<std::size_t... I>(std::index_sequence<I...>) {
            (
                [&](auto& operand) {
                    using O = std::remove_cvref_t<decltype(operand)>;
                    if constexpr (is_let_v<O>) {
                        void*& slot = found[index_of_v<O, heads>];
                        if (slot != nullptr) return;
                        slot = &operand;
                    }
                    find_lets(operand, found);
                }(get_operand<I>(n.operands)),
                ...);
        }(std::make_index_sequence<node_traits<T>::arity>{});
    }

    // Writes the objects of n's body in post-order; returns the next free entry.
    template <class T>
    static void** fill_body(T& n, void** out) {
        if constexpr (node_traits<T>::arity > 0) [&]<std::size_t... I>(std::index_sequence<I...>) {
            (
                [&](auto& operand) {
                    if constexpr (!is_let_v<std::remove_cvref_t<decltype(operand)>>) out = fill_body(operand, out);
                }(get_operand<I>(n.operands)),
                ...);
        }(std::make_index_sequence<node_traits<T>::arity>{});
        if constexpr (is_expr_v<T>) *out = &n.op;
        else if constexpr (is_let_v<T>) *out = nullptr;
        else *out = &n;
        return out + 1;
    }
};

/// The let Let inside n: the first copy of it on the way down (copies of a let are equal).
template <class Let, class T>
[[nodiscard]] constexpr const Let& find_let(const T& n) {
    if constexpr (std::is_same_v<T, Let>) {
        return n;
    } else {
        constexpr std::size_t next = []<std::size_t... I>(std::index_sequence<I...>) {
            const std::array<bool, sizeof...(I)> holds{depends_on_v<operand_t<T, I>, Let>...};
            for (std::size_t k = 0; k < holds.size(); ++k)
                if (holds[k]) return k;
            return holds.size();
        }(std::make_index_sequence<node_traits<T>::arity>{});
        static_assert(next < node_traits<T>::arity, "ppl: internal: find_let on a node that does not hold the let.");
        return find_let<Let>(get_operand<next>(n.operands));
    }
}

}  // namespace ppl
