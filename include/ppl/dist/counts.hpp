#pragma once
// Inverse-CDF samplers for the count families: from a parameter and a uniform u of the same
// shape, the smallest k with F(k) >= u. They pass no gradient: these families use the
// score-function estimator.
#include <cmath>
#include <string_view>
#include <type_traits>

#include "ppl/core/error.hpp"
#include "ppl/ops/elementwise.hpp"

namespace ppl::ops {

/// Shape rule of the samplers: parameter and uniform noise of one shape.
struct count_sampler {
    static constexpr bool blocks_gradient = true;
    shape infer(const shape& parameter, const shape& u) const {
        if (parameter != u) fail("the sampler's parameter is ", parameter, " but its noise is ", u);
        return parameter;
    }
};

/// k ~ Poisson(rate): sequential search of the CDF. Rates above 700 are refused, since
/// exp(-rate) underflows there.
struct poisson_sample_op : count_sampler {
    static constexpr std::string_view name = "poisson_sample";
    void forward(auto& y, const auto& rate, const auto& u) const {
        using scalar = typename std::decay_t<decltype(y)>::Scalar;
        for (Eigen::Index j = 0; j < y.cols(); ++j)
            for (Eigen::Index i = 0; i < y.rows(); ++i) {
                const double lambda = static_cast<double>(rate(i, j)), target = static_cast<double>(u(i, j));
                if (lambda > 700) fail("poisson rate ", lambda, " is above 700, where this sampler underflows");
                double probability = std::exp(-lambda), cdf = probability, k = 0;
                while (cdf < target && (probability > 0 || k < lambda)) {
                    k += 1;
                    probability *= lambda / k;
                    cdf += probability;
                }
                y(i, j) = static_cast<scalar>(k);
            }
    }
};

/// k ~ Geometric(p = sigmoid(l)), the failures before the first success:
/// k = floor(log u / log(1 - p)) = floor(-log u / softplus(l)).
struct geometric_sample_op : count_sampler {
    static constexpr std::string_view name = "geometric_sample";
    void forward(auto& y, const auto& logits, const auto& u) const {
        using scalar = typename std::decay_t<decltype(y)>::Scalar;
        for (Eigen::Index j = 0; j < y.cols(); ++j)
            for (Eigen::Index i = 0; i < y.rows(); ++i) {
                const double l = static_cast<double>(logits(i, j));
                const double softplus = std::max(l, 0.0) + std::log1p(std::exp(-std::abs(l)));
                y(i, j) = static_cast<scalar>(std::floor(-std::log(static_cast<double>(u(i, j))) / softplus));
            }
    }
};

/// k ~ Binomial(n, p = sigmoid(l)): sequential search of the CDF.
struct binomial_sample_op : count_sampler {
    static constexpr std::string_view name = "binomial_sample";
    double trials;
    void forward(auto& y, const auto& logits, const auto& u) const {
        using scalar = typename std::decay_t<decltype(y)>::Scalar;
        for (Eigen::Index j = 0; j < y.cols(); ++j)
            for (Eigen::Index i = 0; i < y.rows(); ++i) {
                const double l = static_cast<double>(logits(i, j)), target = static_cast<double>(u(i, j));
                const double log_p = -(std::max(-l, 0.0) + std::log1p(std::exp(-std::abs(l))));
                const double log_q = -(std::max(l, 0.0) + std::log1p(std::exp(-std::abs(l))));
                double k = 0, cdf = 0;
                for (; k < trials; k += 1) {
                    cdf += std::exp(std::lgamma(trials + 1) - std::lgamma(k + 1) - std::lgamma(trials - k + 1) +
                                    k * log_p + (trials - k) * log_q);
                    if (cdf >= target) break;
                }
                y(i, j) = static_cast<scalar>(k);
            }
    }
};

}  // namespace ppl::ops
