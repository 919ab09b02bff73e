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
    constexpr fixed_string(const char (&literal)[N]) { std::copy_n(literal, N, text); }
    [[nodiscard]] constexpr std::string_view view() const { return {text, N - 1}; }
    template <std::size_t M>
    [[nodiscard]] constexpr bool operator==(const fixed_string<M>& other) const {
        return view() == other.view();
    }
};

/// A distinct empty type per name, for compile-time comparisons of names.
template <fixed_string Name>
struct name_tag {
    static constexpr std::string_view value = Name.view();
};

}  // namespace ppl
