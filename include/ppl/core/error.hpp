#pragma once
// ppl::error: the one exception type for bad input, bad shapes and non-finite values.
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>

namespace ppl {

/// Raised for every recoverable misuse: bad shapes, non-finite values, bad files, bad options.
/// The message names the node, file or option and the offending value.
class error : public std::runtime_error {
public:
    explicit error(const std::string& message) : std::runtime_error("ppl: " + message) {}
};

namespace detail {
/// Builds an error message from streamable pieces; only runs on the failure path.
template <class... Parts>
[[nodiscard]] inline std::string message(const Parts&... parts) {
    std::ostringstream out;
    (out << ... << parts);
    return out.str();
}
}  // namespace detail

/// Throws ppl::error with the pieces streamed together.
template <class... Parts>
[[noreturn]] inline void fail(const Parts&... parts) {
    throw error(detail::message(parts...));
}

}  // namespace ppl
