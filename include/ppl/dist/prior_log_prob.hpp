#pragma once
// prior_log_prob(q, prior, z): log p(z) of a site's prior as elementwise terms, also for the
// parameter-free uniform priors, which take their layout from the site's q.
#include <cmath>
#include <utility>

#include "ppl/dist/bernoulli.hpp"
#include "ppl/dist/categorical.hpp"
#include "ppl/dist/dirichlet.hpp"
#include "ppl/dist/family.hpp"
#include "ppl/dist/kl.hpp"
#include "ppl/ops/arithmetic.hpp"
#include "ppl/ops/exp.hpp"
#include "ppl/ops/group_total.hpp"
#include "ppl/ops/lgamma.hpp"
#include "ppl/ops/log.hpp"

namespace ppl {

/// log p(z) for a prior with parameters of its own: its family's log_prob.
template <class Q, class Prior, node Z>
[[nodiscard]] auto prior_log_prob(const Q&, const Prior& prior, Z&& z) {
    return log_prob(prior, std::forward<Z>(z));
}

/// log p(z) = -log K per group of K classes under the uniform categorical, written as the terms
/// -z_k log K, whose column sums give -G log K for one-hot z.
template <class Lq, node Z>
[[nodiscard]] auto prior_log_prob(const distribution<categorical_family, Lq>& q, const uniform_categorical_prior&, Z&& z) {
    auto log_classes = make_expr(ops::log_classes_op{q.settings}, z);
    return -(std::forward<Z>(z) * std::move(log_classes));
}

/// log p(z) = -log 2 per unit under the uniform Bernoulli, whatever z is.
template <class Lq, node Z>
[[nodiscard]] auto prior_log_prob(const distribution<bernoulli_family, Lq>&, const uniform_bernoulli_prior&, Z&& z) {
    return 0.0 * std::forward<Z>(z) - std::log(2.0);
}

/// log p(z) under the symmetric Dirichlet, with K and the groups of the site's q:
/// sum_k (c - 1) log z_k - K log Gamma(c) + log Gamma(K c) per group.
template <class A, node Z>
[[nodiscard]] auto prior_log_prob(const distribution<dirichlet_family, A>& q, const symmetric_dirichlet_prior& prior, Z&& z) {
    const double c = std::get<0>(prior.params).value;
    auto prior_total = c * exp(make_expr(ops::log_classes_op{q.settings}, z));  // K c in every entry
    return (c - 1) * log(z) - std::lgamma(c) + first_of_group(lgamma(std::move(prior_total)), q.settings);
}

}  // namespace ppl
