#pragma once
// Flat compile-time lists of types. Lookups go through overload resolution against an
// inheritance table, so finding element I or the index of a type instantiates nothing per
// element: no recursion over the list, no linear search of instantiated predicates.
#include <array>
#include <cstddef>
#include <type_traits>
#include <utility>

namespace ppl {

/// A list of types.
template <class... T>
struct type_list {
    static constexpr std::size_t size = sizeof...(T);
};

namespace detail {

template <std::size_t I, class T>
struct indexed {};

template <class Indices, class... T>
struct indexer;
template <std::size_t... I, class... T>
struct indexer<std::index_sequence<I...>, T...> : indexed<I, T>... {};

template <class List>
struct indexer_of;
template <class... T>
struct indexer_of<type_list<T...>> {
    using type = indexer<std::index_sequence_for<T...>, T...>;
};

template <std::size_t I, class T>
std::type_identity<T> select_at(const indexed<I, T>&);

template <class T, std::size_t I>
constexpr std::size_t select_index(const indexed<I, T>&) {
    return I;
}

template <class... Lists>
struct concat_lists;
template <>
struct concat_lists<> {
    using type = type_list<>;
};
template <class... A>
struct concat_lists<type_list<A...>> {
    using type = type_list<A...>;
};
template <class... A, class... B, class... Rest>
struct concat_lists<type_list<A...>, type_list<B...>, Rest...> : concat_lists<type_list<A..., B...>, Rest...> {};

template <class List, class Indices>
struct pick;
template <class List, std::size_t... I>
struct pick<List, std::index_sequence<I...>> {
    using type = type_list<typename decltype(select_at<I>(std::declval<const typename indexer_of<List>::type&>()))::type...>;
};

}  // namespace detail

/// Element I of a type_list.
template <std::size_t I, class List>
using at_t = typename decltype(detail::select_at<I>(std::declval<const typename detail::indexer_of<List>::type&>()))::type;

/// The position of T in a type_list whose elements are distinct.
template <class T, class List>
inline constexpr std::size_t index_of_v = detail::select_index<T>(typename detail::indexer_of<List>::type{});

/// The lists joined in order.
template <class... Lists>
using concat_t = typename detail::concat_lists<Lists...>::type;

/// The elements of List at the given positions, in that order.
template <class List, std::size_t... I>
using pick_t = typename detail::pick<List, std::index_sequence<I...>>::type;

/// The positions of the true entries of `keep`, in order; Count is how many there are.
template <std::size_t Count, std::size_t N>
[[nodiscard]] constexpr std::array<std::size_t, Count> true_positions(const std::array<bool, N>& keep) {
    std::array<std::size_t, Count> out{};
    std::size_t n = 0;
    for (std::size_t i = 0; i < N; ++i)
        if (keep[i]) out[n++] = i;
    return out;
}

namespace detail {
template <template <class> class Keep, class List>
struct filter;
template <template <class> class Keep, class... T>
struct filter<Keep, type_list<T...>> {
    static constexpr std::array<bool, sizeof...(T)> keep{Keep<T>::value...};
    static constexpr std::size_t count = (std::size_t{0} + ... + std::size_t{Keep<T>::value});
    static constexpr auto positions = true_positions<count>(keep);
    template <std::size_t... J>
    static auto select(std::index_sequence<J...>) -> pick_t<type_list<T...>, positions[J]...>;
    using type = decltype(select(std::make_index_sequence<count>{}));
};
}  // namespace detail

/// The elements T of List for which Keep<T>::value holds, in order.
template <template <class> class Keep, class List>
using filter_t = typename detail::filter<Keep, List>::type;

}  // namespace ppl
