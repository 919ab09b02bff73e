#pragma once
// Dynamic binarization: each pixel becomes 1 with probability equal to its intensity.
#include <Eigen/Core>
#include <cmath>

#include "ppl/core/error.hpp"
#include "ppl/core/random.hpp"

namespace ppl {

/// out_ij = 1 with probability p_ij, else 0, for intensities p in [0, 1]: a draw of
/// x ~ Bernoulli(p), the binarized data of the discrete-VAE papers (redrawn each epoch for
/// training, drawn once with a fixed seed for the test set). Uses 24 random bits per pixel, so
/// p = 0 always gives 0 and p = 1 always gives 1. An intensity outside [0, 1] or NaN raises
/// ppl::error. `out` may be `intensities` itself.
template <class In, class Out>
void binarize(const Eigen::DenseBase<In>& intensities, Eigen::DenseBase<Out>& out, random_stream& rng) {
    using scalar = typename Out::Scalar;
    if (out.rows() != intensities.rows() || out.cols() != intensities.cols())
        fail("binarize: the output is ", out.rows(), "x", out.cols(), " but the intensities are ", intensities.rows(),
             "x", intensities.cols());
    constexpr double unit = 1.0 / 16777216.0;  // 2^-24
    for (Eigen::Index j = 0; j < intensities.cols(); ++j)
        for (Eigen::Index i = 0; i < intensities.rows(); ++i) {
            const double p = static_cast<double>(intensities(i, j));
            if (!(p >= 0 && p <= 1))
                fail("binarize: intensity ", p, " at row ", i, ", column ", j, " is not in [0, 1]");
            // u = (k + 1/2) 2^-24 for k uniform in [0, 2^24): never 0 or 1
            const double u = (double(rng.bits() >> 8) + 0.5) * unit;
            out(i, j) = u < p ? scalar(1) : scalar(0);
        }
}

}  // namespace ppl
