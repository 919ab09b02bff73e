#pragma once
// Shared pieces of the estimator tests: per-sample gradient estimates and their summaries.
#include <catch2/catch.hpp>

#include <Eigen/Core>
#include <cmath>
#include <ppl/ppl.hpp>

namespace ppl::testing {

/// Mean and standard error of per-sample gradient estimates (one per column).
struct estimate {
    double mean;
    double standard_error;
};

inline estimate summarize(const Eigen::RowVectorXd& samples) {
    const double n = static_cast<double>(samples.size());
    const double mean = samples.mean();
    const double variance = (samples.array() - mean).square().sum() / (n - 1);
    return {mean, std::sqrt(variance / n)};
}

/// Checks |estimate - truth| <= 4 standard errors.
inline void check_unbiased(const estimate& e, double truth) {
    INFO("estimate " << e.mean << " +- " << e.standard_error << ", closed form " << truth);
    CHECK(std::abs(e.mean - truth) <= 4 * e.standard_error);
}

/// p_k = softmax(logits)_k
inline Eigen::VectorXd softmax_of(const Eigen::VectorXd& logits) {
    const Eigen::VectorXd e = (logits.array() - logits.maxCoeff()).exp();
    return e / e.sum();
}

/// d/d logits_0 of E[r^T z], z ~ Cat(softmax(logits)): p_0 (r_0 - sum_k p_k r_k).
inline double expected_reward_gradient(const Eigen::VectorXd& logits, const Eigen::VectorXd& rewards) {
    const Eigen::VectorXd p = softmax_of(logits);
    return p(0) * (rewards(0) - p.dot(rewards));
}

/// The Bernoulli problem of the estimator tests: 16 units with logits from -2.5 to 2 and rewards
/// r_j = sin(1.7 j) + 0.3, so that d/d theta_j E[r^T b] = r_j p_j (1 - p_j).
inline constexpr Eigen::Index bernoulli_units = 16;
inline Eigen::VectorXd bernoulli_unit_logits() { return Eigen::VectorXd::LinSpaced(bernoulli_units, -2.5, 2.0); }
inline Eigen::VectorXd bernoulli_unit_rewards() {
    Eigen::VectorXd r(bernoulli_units);
    for (Eigen::Index j = 0; j < bernoulli_units; ++j) r(j) = std::sin(1.7 * double(j)) + 0.3;
    return r;
}

}  // namespace ppl::testing
