#pragma once
// What every optimiser shares: its parameter list and the checks made before a step.
#include <cmath>
#include <string>
#include <vector>

#include "ppl/core/error.hpp"
#include "ppl/nn/parameter.hpp"

namespace ppl {

/// Raises ppl::error unless the option is a finite number (and positive when asked).
inline void check_option(const char* option, double value, bool positive) {
    if (!std::isfinite(value)) fail("optimiser option '", option, "' is ", value, "; it must be a finite number");
    if (positive && value <= 0) fail("optimiser option '", option, "' is ", value, "; it must be positive");
}

/// Raises ppl::error naming the parameter if its gradient is not finite.
template <class Scalar>
inline void check_gradient(const basic_parameter<Scalar>& p) {
    // g * 0 is 0 for finite g and NaN for NaN or infinite g: one vectorised pass
    if (!std::isfinite((p.grad.array() * Scalar(0)).sum()))
        fail("the gradient of parameter '", p.name, "' is not finite; refusing to step");
}

/// Raises ppl::error naming the first parameter whose gradient is not finite.
template <class Scalar>
inline void check_gradients(const std::vector<basic_parameter<Scalar>*>& params) {
    for (const auto* p : params) check_gradient(*p);
}

}  // namespace ppl
