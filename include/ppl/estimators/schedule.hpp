#pragma once
// Temperature schedules for relaxed estimators.
#include <algorithm>
#include <cmath>
#include <cstdint>

#include "ppl/core/error.hpp"

namespace ppl {

/// tau(step) = tau for every step.
struct constant_temperature {
    double tau = 1.0;
    [[nodiscard]] double operator()(std::int64_t) const { return tau; }
};

/// tau(step) = max(minimum, initial * exp(-rate * s)), with s = step rounded down to a multiple
/// of `every` (the value changes every `every` steps). Defaults: 1.0, 0.5, 1e-5, every 1000 steps.
struct exponential_temperature {
    double initial = 1.0;
    double minimum = 0.5;
    double rate = 1e-5;
    std::int64_t every = 1000;

    [[nodiscard]] double operator()(std::int64_t step) const {
        if (!(initial > 0) || !(minimum > 0) || !(rate >= 0) || every < 1)
            fail("temperature schedule needs initial > 0, minimum > 0, rate >= 0 and every >= 1; got ", initial, ", ",
                 minimum, ", ", rate, ", ", every);
        const std::int64_t held = (std::max<std::int64_t>(step, 0) / every) * every;
        return std::max(minimum, initial * std::exp(-rate * static_cast<double>(held)));
    }
};

}  // namespace ppl
