#pragma once
// A string literal usable as a template argument, so site and input names live in types.
#include <algorithm>
#include <cstddef>
#include <string_view>

namespace ppl {

/// A compile-time name: `let<"h">(...)`, `input<"x">()`.
template <std::size_t N>
struct fixed_string {
    char text[N]{};
    constexpr fixed_string() = default;
    constexpr fixed_string(const char (&literal)[N]) { std::copy_n(literal, N, text); }
    [[nodiscard]] constexpr std::string_view view() const { return {text, N - 1}; }
    template <std::size_t M>
    [[nodiscard]] constexpr bool operator==(const fixed_string<M>& other) const {
        return view() == other.view();
    }
};

/// Joins two names at compile time: concat(fixed_string{"z"}, fixed_string{".loc"}) is "z.loc".
template <std::size_t N, std::size_t M>
[[nodiscard]] constexpr fixed_string<N + M - 1> concat(const fixed_string<N>& a, const fixed_string<M>& b) {
    fixed_string<N + M - 1> out;
    std::copy_n(a.text, N - 1, out.text);
    std::copy_n(b.text, M, out.text + N - 1);
    return out;
}

/// A distinct empty type per name, for compile-time comparisons of names.
template <fixed_string Name>
struct name_tag {
    static constexpr std::string_view value = Name.view();
};

}  // namespace ppl
