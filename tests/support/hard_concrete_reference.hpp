#pragma once
// An independent reference for the Hard Concrete tests: the gate's CDF and density, written from the
// stretched binary Concrete's CDF rather than from the density op.
#include <cmath>

#include <ppl/ppl.hpp>

namespace ppl::testing {

inline const hard_concrete_settings paper_gate{};

/// P(z <= x) for the clipped gate, x in [0, 1): sigmoid(beta logit(s) - log_alpha) at s = (x - gamma) / (zeta - gamma).
inline double hard_concrete_cdf(double log_alpha, double x) {
    const double s = (x - paper_gate.gamma) / (paper_gate.zeta - paper_gate.gamma);
    return 1 / (1 + std::exp(-(paper_gate.beta * std::log(s / (1 - s)) - log_alpha)));
}

/// The density inside (0, 1): the CDF's derivative, by the chain rule written out.
inline double hard_concrete_density(double log_alpha, double x) {
    const double s = (x - paper_gate.gamma) / (paper_gate.zeta - paper_gate.gamma), f = hard_concrete_cdf(log_alpha, x);
    return f * (1 - f) * paper_gate.beta * (1 / s + 1 / (1 - s)) / (paper_gate.zeta - paper_gate.gamma);
}

/// ppl's log P(z) (masses) or log p(z) (inside), from the op.
inline double hard_concrete_log_prob_at(double log_alpha, double z) {
    return ops::hard_concrete_log_prob_op{paper_gate}.at(log_alpha, z).value;
}

}  // namespace ppl::testing
