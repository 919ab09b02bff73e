#pragma once
// The registry of closed-form KL divergences. kl_terms(q, p) returns elementwise terms whose
// column sums are KL(q || p) per sample; has_analytic_kl<Q, P> says whether a pair is registered.
#include <cmath>
#include <tuple>
#include <utility>

#include "ppl/core/let.hpp"
#include "ppl/dist/bernoulli.hpp"
#include "ppl/dist/beta.hpp"
#include "ppl/dist/categorical.hpp"
#include "ppl/dist/dirichlet.hpp"
#include "ppl/dist/gamma.hpp"
#include "ppl/dist/normal.hpp"
#include "ppl/ops/digamma.hpp"
#include "ppl/ops/exp.hpp"
#include "ppl/ops/group_total.hpp"
#include "ppl/ops/lgamma.hpp"
#include "ppl/ops/log.hpp"
#include "ppl/ops/softmax.hpp"
#include "ppl/ops/softplus.hpp"
#include "ppl/ops/square.hpp"

namespace ppl {

namespace ops {
/// y = log K in every entry, K the classes per group of the operand's layout; no gradient.
struct log_classes_op {
    static constexpr std::string_view name = "log_classes";
    static constexpr bool blocks_gradient = true;
    group_layout layout;
    shape infer(const shape& a) const { return grouped_shape(a, layout); }
    void forward(auto& y, const auto& a) const {
        y.setConstant(static_cast<typename std::decay_t<decltype(y)>::Scalar>(std::log(double(layout.classes_for(a.rows())))));
    }
};
}  // namespace ops

/// KL(N(m1, s1) || N(m2, s2)) = log(s2 / s1) + (s1^2 + (m1 - m2)^2) / (2 s2^2) - 1/2
template <class M1, class S1, class M2, class S2>
[[nodiscard]] auto kl_terms(const distribution<normal_family, M1, S1>& q, const distribution<normal_family, M2, S2>& p) {
    const auto& [m1, s1] = q.params;
    const auto& [m2, s2] = p.params;
    return log(s2) - log(s1) + (square(s1) + square(m1 - m2)) / (2.0 * square(s2)) - 0.5;
}

/// KL(N(m, s) || N(0, 1)) = (m^2 + s^2 - 1) / 2 - log s
template <class M, class S>
[[nodiscard]] auto kl_terms(const distribution<normal_family, M, S>& q, const std_normal_prior&) {
    const auto& [m, s] = q.params;
    return 0.5 * (square(m) + square(s) - 1.0) - log(s);
}

/// KL(Cat(q) || Cat(p)) per group = sum_k q_k (log q_k - log p_k), from logits, in log space.
template <class Lq, class Lp>
[[nodiscard]] auto kl_terms(const distribution<categorical_family, Lq>& q, const distribution<categorical_family, Lp>& p) {
    const auto& logits = std::get<0>(q.params);
    auto log_q = derived_let<"log_q">(logits, log_softmax(logits, q.settings));
    return exp(log_q) * (log_q - log_softmax(std::get<0>(p.params), p.settings));
}

/// KL(Cat(q) || uniform) per group = sum_k q_k log q_k + log K = log K - H(q).
template <class Lq>
[[nodiscard]] auto kl_terms(const distribution<categorical_family, Lq>& q, const uniform_categorical_prior&) {
    const auto& logits = std::get<0>(q.params);
    auto log_q = derived_let<"log_q">(logits, log_softmax(logits, q.settings));
    // log K is spread over the K entries of each group as q_k log K, so column sums add log K once
    return exp(log_q) * (log_q + make_expr(ops::log_classes_op{q.settings}, logits));
}

/// KL(Bern(p1) || Bern(p2)) = p1 (log p1 - log p2) + (1 - p1)(log(1 - p1) - log(1 - p2)), with
/// log p = -softplus(-l) and log(1 - p) = -softplus(l).
template <class L1, class L2>
[[nodiscard]] auto kl_terms(const distribution<bernoulli_family, L1>& q, const distribution<bernoulli_family, L2>& p) {
    const auto& l1 = std::get<0>(q.params);
    const auto& l2 = std::get<0>(p.params);
    return sigmoid(l1) * (softplus(-l2) - softplus(-l1)) + sigmoid(-l1) * (softplus(l2) - softplus(l1));
}

/// KL(Bern(p) || Bern(1/2)) = log 2 + p log p + (1 - p) log(1 - p)
///                          = log 2 - p softplus(-l) - (1 - p) softplus(l).
template <class L>
[[nodiscard]] auto kl_terms(const distribution<bernoulli_family, L>& q, const uniform_bernoulli_prior&) {
    const auto& l = std::get<0>(q.params);
    return std::log(2.0) - (sigmoid(l) * softplus(-l) + sigmoid(-l) * softplus(l));
}

/// KL(Gamma(a1, b1) || Gamma(a2, b2))
///   = (a1 - a2) psi(a1) - log Gamma(a1) + log Gamma(a2) + a2 (log b1 - log b2) + a1 (b2 - b1) / b1
template <class A1, class B1, class A2, class B2>
[[nodiscard]] auto kl_terms(const distribution<gamma_family, A1, B1>& q, const distribution<gamma_family, A2, B2>& p) {
    const auto& [a1, b1] = q.params;
    const auto& [a2, b2] = p.params;
    return (a1 - a2) * digamma(a1) - lgamma(a1) + lgamma(a2) + a2 * (log(b1) - log(b2)) + a1 * (b2 - b1) / b1;
}

/// KL(Beta(a1, b1) || Beta(a2, b2)) = log B(a2, b2) - log B(a1, b1) + (a1 - a2) psi(a1) + (b1 - b2) psi(b1)
///                                    + (a2 - a1 + b2 - b1) psi(a1 + b1)
template <class A1, class B1, class A2, class B2>
[[nodiscard]] auto kl_terms(const distribution<beta_family, A1, B1>& q, const distribution<beta_family, A2, B2>& p) {
    const auto& [a1, b1] = q.params;
    const auto& [a2, b2] = p.params;
    return lgamma(a2) + lgamma(b2) - lgamma(a2 + b2) - lgamma(a1) - lgamma(b1) + lgamma(a1 + b1) + (a1 - a2) * digamma(a1) +
           (b1 - b2) * digamma(b1) + (a2 - a1 + b2 - b1) * digamma(a1 + b1);
}

/// KL(Dir(a) || Dir(b)) per group = log Gamma(a_0) - log Gamma(b_0) + sum_k [log Gamma(b_k) - log Gamma(a_k)
///                                    + (a_k - b_k)(psi(a_k) - psi(a_0))]; the group-level terms sit in
/// each group's first row. Both sides need the same grouping.
template <class A, class B>
[[nodiscard]] auto kl_terms(const distribution<dirichlet_family, A>& q, const distribution<dirichlet_family, B>& p) {
    const auto& a = std::get<0>(q.params);
    const auto& b = std::get<0>(p.params);
    auto a_total = derived_let<"alpha_total">(a, group_total(a, q.settings));
    return (a - b) * (digamma(a) - digamma(a_total)) - lgamma(a) + lgamma(b) +
           first_of_group(lgamma(a_total) - lgamma(group_total(b, p.settings)), q.settings);
}

/// KL(Dir(a) || Dir(c, ..., c)) per group = log Gamma(a_0) - log Gamma(K c) + sum_k [log Gamma(c) - log Gamma(a_k)
///                                            + (a_k - c)(psi(a_k) - psi(a_0))].
template <class A>
[[nodiscard]] auto kl_terms(const distribution<dirichlet_family, A>& q, const symmetric_dirichlet_prior& p) {
    const auto& a = std::get<0>(q.params);
    const double c = std::get<0>(p.params).value;
    auto a_total = derived_let<"alpha_total">(a, group_total(a, q.settings));
    auto prior_total = c * exp(make_expr(ops::log_classes_op{q.settings}, a));  // K c, K from q's layout
    return (a - c) * (digamma(a) - digamma(a_total)) - lgamma(a) + std::lgamma(c) +
           first_of_group(lgamma(a_total) - lgamma(std::move(prior_total)), q.settings);
}

/// True when KL(Q || P) has a registered closed form.
template <class Q, class P>
inline constexpr bool has_analytic_kl = requires(const Q& q, const P& p) { kl_terms(q, p); };

}  // namespace ppl
