#pragma once
// The Gumbel-softmax (Concrete) density, in log space: for y = softmax((logits + g) / tau) the
// density of log y (the "ExpConcrete" form) per group of K classes is
//   log p(log y) = log (K-1)! + (K-1) log tau + sum_k log_softmax(logits - tau log y)_k,
// which stays finite however close to one-hot y is, because y is never exponentiated and
// log_softmax is computed stably.
#include <Eigen/Core>
#include <cmath>
#include <utility>

#include "ppl/core/node.hpp"
#include "ppl/ops/arithmetic.hpp"
#include "ppl/ops/noise.hpp"
#include "ppl/ops/softmax.hpp"

namespace ppl {

/// A relaxed sample in log space: log y = log_softmax((logits + g) / tau), g ~ Gumbel(0, 1), within
/// each group of `classes` rows. Unlike log(softmax(...)) it cannot underflow to -infinity.
template <fixed_string Site, node Logits, class Tau>
[[nodiscard]] auto relaxed_log_sample(Logits&& logits, const Tau& tau, Eigen::Index classes) {
    auto noise = noise_like<Site>(noise_kind::gumbel, logits);
    return log_softmax((std::forward<Logits>(logits) + std::move(noise)) / tau, classes);
}

/// Elementwise terms whose column sums are the ExpConcrete log-density of `log_y` (per group of
/// `classes` rows) given the logits and temperature tau > 0.
template <node Logits, node LogY>
[[nodiscard]] auto relaxed_categorical_log_prob(Logits&& logits, LogY&& log_y, double tau, Eigen::Index classes) {
    if (!(tau > 0) || !std::isfinite(tau)) fail("relaxed categorical temperature tau is ", tau, "; it must be positive");
    if (classes < 2) fail("a relaxed categorical needs at least 2 classes; got ", classes);
    const double k = static_cast<double>(classes);
    // the per-group constant is spread evenly over the group's K entries
    const double per_entry = (std::lgamma(k) + (k - 1) * std::log(tau)) / k;
    return log_softmax(std::forward<Logits>(logits) - tau * std::forward<LogY>(log_y), classes) + per_entry;
}

}  // namespace ppl
