#pragma once
// with_estimator<E1, E2, ...>(name, f): an estimator chosen at run time (from a command line) out of
// a list fixed at compile time, each of which is its own instantiation of f.
#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "ppl/core/error.hpp"
#include "ppl/core/fixed_string.hpp"
#include "ppl/core/type_list.hpp"
#include "ppl/estimators/protocol.hpp"

namespace ppl {

/// An estimator E offered to with_estimator under another name, e.g.
/// named<"leave_one_out", score_function<leave_one_out>> beside score_function<moving_average>.
template <fixed_string Name, class E>
struct named {
    static constexpr std::string_view name = Name.view();
    using estimator = E;
};

namespace detail {
template <class C>
struct offered {
    using type = C;
};
template <fixed_string Name, class E>
struct offered<named<Name, E>> {
    using type = E;
};

template <std::size_t N>
constexpr bool distinct(const std::array<std::string_view, N>& names) {
    for (std::size_t i = 0; i < N; ++i)
        for (std::size_t j = i + 1; j < N; ++j)
            if (names[i] == names[j]) return false;
    return true;
}
}  // namespace detail

/// A list of estimators fixed at compile time, one of which is chosen at run time by its name
/// (a choice is an estimator, listed under its name, or named<"other", E>):
///   using choices = estimator_choices<gumbel_softmax, straight_through, rebar>;
///   choices::names()                            {"gumbel_softmax", "straight_through", "rebar"}
///   choices::call(flag, [&]<class E>() { return run<E>(); })
template <class... Choices>
struct estimator_choices {
    static_assert(sizeof...(Choices) > 0, "ppl: a list of estimator choices needs at least one estimator.");
    static_assert((estimator<Choices> && ...),
                  "ppl: every estimator choice must be an estimator (a type with a name), or named<\"name\", E> for "
                  "one listed under another name.");
    static constexpr std::array<std::string_view, sizeof...(Choices)> choice_names{Choices::name...};
    static_assert(detail::distinct(choice_names), "ppl: two estimator choices share a name: offer one of them under "
                                                  "another, e.g. named<\"leave_one_out\", score_function<leave_one_out>>.");

    /// The names, in the order given.
    [[nodiscard]] static std::vector<std::string> names() { return {std::string(Choices::name)...}; }

    /// Calls f.template operator()<E>() for the choice named `name` and returns what it returns (the
    /// same type for every choice); an unknown name is a ppl::error that lists the choices.
    template <class F>
    static decltype(auto) call(std::string_view name, F&& f) {
        using result = decltype(f.template operator()<typename detail::offered<at_t<0, type_list<Choices...>>>::type>());
        static_assert((std::is_same_v<result, decltype(f.template operator()<typename detail::offered<Choices>::type>())> && ...),
                      "ppl: the function given an estimator choice must return the same type for every estimator.");
        std::size_t index = sizeof...(Choices);
        for (std::size_t i = 0; i < choice_names.size(); ++i)
            if (choice_names[i] == name) index = i;
        if (index == sizeof...(Choices)) {
            std::string known;
            for (std::string_view n : choice_names) known.append(known.empty() ? "" : ", ").append(n);
            fail("unknown estimator '", name, "'; choose one of: ", known);
        }
        return [&]<std::size_t... I>(std::index_sequence<I...>) -> result {
            if constexpr (std::is_void_v<result>) {
                ((I == index ? (f.template operator()<typename detail::offered<Choices>::type>(), 0) : 0), ...);
            } else {
                std::optional<result> value;  // exactly one choice fills it
                ((I == index ? (void)value.emplace(f.template operator()<typename detail::offered<Choices>::type>()) : (void)0), ...);
                return std::move(*value);
            }
        }(std::index_sequence_for<Choices...>{});
    }
};

/// Calls f.template operator()<E>() for the estimator of Choices named `name` (see estimator_choices):
///   with_estimator<gumbel_softmax, straight_through, rebar>(flag, [&]<class E>() { return run<E>(); });
template <class... Choices, class F>
decltype(auto) with_estimator(std::string_view name, F&& f) {
    return estimator_choices<Choices...>::call(name, std::forward<F>(f));
}

}  // namespace ppl
