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

}  // namespace ppl::testing
