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
// per path through the graph or per slot: a slot's facts (its kind and its operands' slots) are
// written by a walk over node types, and a let operand's slot is looked up by its name.
#include <algorithm>
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

// How many slots an operand adds to its user's body: none if it is a let (referenced), else its body's.
template <class Operand>
constexpr std::size_t contribution = body<Operand>::size;
template <fixed_string Name, class Operand, class Info>
constexpr std::size_t contribution<let_node<Name, Operand, Info>> = 0;

// The body's size and where each operand's part starts; the body itself is never built as a list
// of types, whose total length would grow with the square of a long sum's length.
template <class T, std::size_t... I>
struct body<T, std::index_sequence<I...>> {
    static constexpr std::size_t size = (std::size_t{1} + ... + contribution<operand_t<T, I>>);
    /// Where operand I's body starts in T's body; prefix[I + 1] - 1 is the operand's own slot.
    static constexpr std::array<std::size_t, sizeof...(I) + 1> prefix = [] {
        const std::array<std::size_t, sizeof...(I)> sizes{contribution<operand_t<T, I>>...};
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

namespace detail {

/// What the graph needs to know of one slot, computed from its node type alone.
template <std::size_t MaxArity>
struct slot_facts {
    std::size_t arity = 0;
    bool is_let = false, is_expr = false, is_input = false, is_parameter = false;
    bool is_reference = false;  // a let_reference: is_let too, its operand the named let's slot
    std::string_view input_name{};
    /// The slot of each operand (a let operand: the last slot of its unit).
    std::array<std::size_t, MaxArity> operands{};
};

/// The let units of a schedule by name, for looking up a let operand's slot.
template <std::size_t Units>
struct let_table {
    std::array<std::string_view, Units> names{};
    std::array<std::size_t, Units> slots{};
    std::size_t lets = 0;  // the first `lets` units are lets
    [[nodiscard]] constexpr std::size_t unit_of(std::string_view name) const {
        for (std::size_t k = 0; k < lets; ++k)
            if (names[k] == name) return k;
        return Units;
    }
};

// The largest arity in T's body (1 at least).
template <class T>
constexpr std::size_t body_max_arity() {
    if constexpr (node_traits<T>::arity == 0) {
        return 1;
    } else {
        return []<std::size_t... I>(std::index_sequence<I...>) {
            std::size_t m = node_traits<T>::arity;
            ([&] {
                if constexpr (!is_let_v<operand_t<T, I>>) m = std::max(m, body_max_arity<operand_t<T, I>>());
            }(), ...);
            return m;
        }(std::make_index_sequence<node_traits<T>::arity>{});
    }
}

// The slot of operand K of the node N in slot i.
template <class N, std::size_t K, std::size_t Units>
constexpr std::size_t operand_slot_of(std::size_t i, const let_table<Units>& lets) {
    using O = operand_t<N, K>;
    if constexpr (is_let_v<O>) return lets.slots[lets.unit_of(O::name)];
    else return i + 1 - body<N>::size + body<N>::prefix[K + 1] - 1;
}

template <class N, std::size_t MaxArity, std::size_t Units>
constexpr slot_facts<MaxArity> facts_of(std::size_t i, const let_table<Units>& lets) {
    slot_facts<MaxArity> f;
    f.arity = node_traits<N>::arity;
    f.is_let = is_let_v<N>, f.is_expr = is_expr_v<N>, f.is_input = is_input_v<N>, f.is_parameter = is_parameter_leaf_v<N>;
    if constexpr (is_input_v<N>) f.input_name = N::name;
    if constexpr (is_let_reference_v<N>) {
        // shares the named let's slot, like a let; an unknown name points past the schedule
        const std::size_t unit = lets.unit_of(N::name);
        f.is_let = f.is_reference = true, f.arity = 1, f.operands[0] = unit < lets.lets ? lets.slots[unit] : std::size_t(-1);
    }
    [&]<std::size_t... K>(std::index_sequence<K...>) {
        ((f.operands[K] = operand_slot_of<N, K>(i, lets)), ...);
    }(std::make_index_sequence<node_traits<N>::arity>{});
    return f;
}

// Writes the facts of T's body, which starts at slot `first`: its operands' bodies, then T.
template <class T, std::size_t MaxArity, std::size_t Size, std::size_t Units>
constexpr void write_body_facts(std::array<slot_facts<MaxArity>, Size>& out, std::size_t first, const let_table<Units>& lets) {
    if constexpr (node_traits<T>::arity > 0) [&]<std::size_t... I>(std::index_sequence<I...>) {
        ([&] {
            if constexpr (!is_let_v<operand_t<T, I>>) write_body_facts<operand_t<T, I>>(out, first + body<T>::prefix[I], lets);
        }(), ...);
    }(std::make_index_sequence<node_traits<T>::arity>{});
    const std::size_t self = first + body<T>::size - 1;
    out[self] = facts_of<T, MaxArity>(self, lets);
}

// Writes the objects of n's body in post-order; returns the next free entry.
template <class T>
void** fill_body(T& n, void** out) {
    if constexpr (node_traits<T>::arity > 0) [&]<std::size_t... I>(std::index_sequence<I...>) {
        (
            [&](auto& operand) {
                if constexpr (!is_let_v<std::remove_cvref_t<decltype(operand)>>) out = fill_body(operand, out);
            }(get_operand<I>(n.operands)),
            ...);
    }(std::make_index_sequence<node_traits<T>::arity>{});
    if constexpr (is_expr_v<T>) *out = &n.op;
    else if constexpr (is_let_v<T> || is_let_reference_v<T>) *out = nullptr;
    else *out = &n;
    return out + 1;
}

template <class H>
void fill_unit(void* head, void** out) {
    fill_body(*static_cast<H*>(head), out);
}

// Records the first object of every let below n, by the unit its name has in `lets`.
template <class T, std::size_t Units>
void find_lets(T& n, std::array<void*, Units>& found, const let_table<Units>& lets) {
    if constexpr (node_traits<T>::arity > 0) [&]<std::size_t... I>(std::index_sequence<I...>) {
        (
            [&](auto& operand) {
                using O = std::remove_cvref_t<decltype(operand)>;
                if constexpr (is_let_v<O>) {
                    void*& slot = found[lets.unit_of(O::name)];
                    if (slot != nullptr) return;
                    slot = &operand;
                }
                find_lets(operand, found, lets);
            }(get_operand<I>(n.operands)),
            ...);
    }(std::make_index_sequence<node_traits<T>::arity>{});
}

}  // namespace detail

/// The evaluation order of Root's nodes and the slot of every operand.
///
/// Everything per slot is computed by templates of one node type (or of one unit's head), never of
/// the slot's index within Root: a compiler hashes a template's arguments on every instantiation,
/// so instantiations that carry Root would cost the size of the whole model each.
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

public:
    /// The first slot of each unit; base[unit_count] is the number of slots.
    static constexpr std::array<std::size_t, unit_count + 1> base = []<class... H>(type_list<H...>) {
        const std::array<std::size_t, unit_count> sizes{detail::body<H>::size...};
        std::array<std::size_t, unit_count + 1> out{};
        for (std::size_t k = 0; k < unit_count; ++k) out[k + 1] = out[k] + sizes[k];
        return out;
    }(heads{});
    static constexpr std::size_t size = base[unit_count];
    /// The unit that holds each slot.
    static constexpr std::array<std::size_t, size> unit_of = [] {
        std::array<std::size_t, size> out{};
        for (std::size_t k = 0; k < unit_count; ++k)
            for (std::size_t s = base[k]; s < base[k + 1]; ++s) out[s] = k;
        return out;
    }();

    /// The names of the lets, by unit ("" for the root's unit when the root is not a let).
    static constexpr auto let_names = []<class... H>(type_list<H...>) {
        return std::array<std::string_view, unit_count>{name_or_empty<H>()...};
    }(heads{});

    /// The lets by name, and the slot of each (the last slot of its unit).
    static constexpr detail::let_table<unit_count> lets = [] {
        detail::let_table<unit_count> t;
        t.names = let_names;
        for (std::size_t k = 0; k < unit_count; ++k) t.slots[k] = base[k + 1] - 1;
        t.lets = is_let_v<Root> ? unit_count : unit_count - 1;
        return t;
    }();

    /// The largest arity of any node.
    static constexpr std::size_t max_arity = []<class... H>(type_list<H...>) {
        return std::max({std::size_t{1}, detail::body_max_arity<H>()...});
    }(heads{});

    /// Per slot: what the node is, and the slots of its operands.
    static constexpr std::array<detail::slot_facts<max_arity>, size> facts = []<class... H>(type_list<H...>) {
        std::array<detail::slot_facts<max_arity>, size> out{};
        std::size_t k = 0;
        ((detail::write_body_facts<H>(out, base[k], lets), ++k), ...);
        return out;
    }(heads{});

    /// The slot whose buffers hold each slot's value: a let shares its operand's buffers.
    static constexpr std::array<std::size_t, size> storage = [] {
        std::array<std::size_t, size> out{};
        for (std::size_t s = 0; s < size; ++s) out[s] = facts[s].is_let && facts[s].operands[0] < s ? out[facts[s].operands[0]] : s;
        return out;
    }();

    /// True when every let_reference names a let evaluated before it whose value an op computes.
    static constexpr bool references_resolved = [] {
        for (std::size_t s = 0; s < size; ++s)
            if (facts[s].is_reference && (facts[s].operands[0] >= s || !facts[storage[s]].is_expr)) return false;
        return true;
    }();

    /// The unit of the let named Name, or unit_count if there is none.
    [[nodiscard]] static constexpr std::size_t find_let(std::string_view name) {
        const std::size_t k = lets.unit_of(name);
        return k < lets.lets ? k : unit_count;
    }

    /// The name of the innermost let that encloses (or is) the node in slot I, or "" if none.
    [[nodiscard]] static constexpr std::string_view enclosing_let_name(std::size_t i) { return let_names[unit_of[i]]; }

    /// Points `objects[s]` at what slot s of `root` evaluates: an op node's op tag, a leaf itself,
    /// nothing for a let (it shares its operand's slot). Every let is found once.
    static void link(Root& root, std::array<void*, size>& objects) {
        std::array<void*, unit_count> heads_found{};
        heads_found[is_let_v<Root> ? lets.unit_of(name_or_empty<Root>()) : unit_count - 1] = &root;
        detail::find_lets(root, heads_found, lets);
        for (std::size_t k = 0; k < unit_count; ++k) fillers[k](heads_found[k], objects.data() + base[k]);
    }

private:
    // one function per unit, called from a loop: a fold over every unit would hit clang's nesting limit
    static constexpr auto fillers = []<class... H>(type_list<H...>) {
        return std::array<void (*)(void*, void**), unit_count>{&detail::fill_unit<H>...};
    }(heads{});
};

/// Every let below a root, found by one walk over its expression: one function per node type,
/// where a search per let would instantiate one function per (let, node on its path) pair.
template <class Root>
class let_index {
    using sched = schedule<Root>;

public:
    explicit let_index(const Root& root) {
        // the walk only records addresses; get() hands them out as const again
        auto& walked = const_cast<Root&>(root);
        if constexpr (is_let_v<Root>) found_[sched::lets.unit_of(Root::name)] = &walked;
        detail::find_lets(walked, found_, sched::lets);
    }

    /// The let Let below the root (the first copy on the way down; copies of a let are equal).
    template <class Let>
    [[nodiscard]] const Let& get() const {
        constexpr std::size_t unit = sched::find_let(Let::name);
        static_assert(unit < sched::unit_count, "ppl: internal: let_index::get of a let that the root does not hold.");
        return *static_cast<const Let*>(found_[unit]);
    }

private:
    std::array<void*, sched::unit_count> found_{};
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
