#pragma once
// ppl::error: the one exception type for bad input, bad shapes and non-finite values.
#include <sstream>
#include <stdexcept>
#include <initializer_list>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace ppl {

/// Raised for every recoverable misuse: bad shapes, non-finite values, bad files, bad options.
/// The message names the node, file or option and the offending value.
class error : public std::runtime_error {
public:
    explicit error(const std::string& message) : std::runtime_error("ppl: " + message) {}
};

namespace detail {

// One piece of a message as text; compiled once per piece type, not once per message.
template <class Part>
[[gnu::cold]] inline std::string to_text(const Part& part) {
    std::ostringstream out;
    out << part;
    return std::move(out).str();
}
[[gnu::cold]] inline std::string to_text(std::string_view part) { return std::string(part); }

template <class Part>
[[nodiscard]] inline decltype(auto) as_piece(const Part& part) {
    if constexpr (std::is_convertible_v<const Part&, std::string_view>) return std::string_view(part);
    else return (part);
}

[[gnu::cold]] inline std::string join(std::initializer_list<std::string> pieces) {
    std::string out;
    for (const std::string& p : pieces) out += p;
    return out;
}

/// Builds an error message from streamable pieces; only runs on the failure path.
template <class... Parts>
[[nodiscard, gnu::cold]] inline std::string message(const Parts&... parts) {
    return join({to_text(as_piece(parts))...});
}

}  // namespace detail

/// Throws ppl::error with the pieces streamed together.
template <class... Parts>
[[noreturn, gnu::cold]] inline void fail(const Parts&... parts) {
    throw error(detail::message(parts...));
}

}  // namespace ppl
