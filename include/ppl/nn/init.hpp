#pragma once
// Seeded weight initialisation.
#include <cmath>

#include "ppl/core/random.hpp"
#include "ppl/nn/parameter.hpp"

namespace ppl {

/// Fills with U(-bound, bound).
template <class Scalar>
inline void init_uniform(basic_parameter<Scalar>& p, double bound, random_stream& rng) {
    for (Eigen::Index j = 0; j < p.value.cols(); ++j)
        for (Eigen::Index i = 0; i < p.value.rows(); ++i)
            p.value(i, j) = static_cast<Scalar>((2.0 * rng.uniform() - 1.0) * bound);
}

/// The standard dense-layer initialisation (as in common frameworks):
/// W, b ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
template <class Scalar>
inline void init_fan_in_uniform(basic_parameter<Scalar>& p, Eigen::Index fan_in, random_stream& rng) {
    init_uniform(p, 1.0 / std::sqrt(static_cast<double>(fan_in)), rng);
}

}  // namespace ppl
