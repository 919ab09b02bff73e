#pragma once
// REBAR (Tucker, Mnih, Maddison, Lawson and Sohl-Dickstein 2017): an unbiased estimator for
// bernoulli and categorical sites whose control variate is the site's own Gumbel relaxation.
#include <string_view>

#include "ppl/estimators/conditional_relaxation.hpp"
#include "ppl/estimators/protocol.hpp"
#include "ppl/estimators/score_function.hpp"

namespace ppl {

/// One variance step of a rebar site, after the backward pass that used eta and tau. From the
/// recorded costs and the site's adjoint (d loss / d y of every block) it forms, per point and logit,
///   g(tau) = [f0 - eta f2] s + eta (D1 - D2),   d g / d eta = -f2 s + D1 - D2,
/// and g(tau e^delta) from the probe blocks, with s = d log q(b) / d theta and Dk = d f_k / d theta.
/// Then one Adam step on (eta, log tau) along d/d eta sum g^2 = 2 sum g dg/deta and the forward
/// difference of sum g^2 in log tau. tau stays in [0.01, 100].
template <class Family>
void rebar_adapt(typename detail::rebar_math<Family>::settings settings, baseline_state& state, const auto& noise,
                 const auto& site_adjoint) {
    detail::adapt_control_variate<Family, detail::no_network>(settings, state, noise, site_adjoint);
}


/// REBAR for bernoulli and categorical sites: the score function with the relaxation as control
/// variate, and the relaxation's expectation added back by its pathwise gradient:
///   g = [f(b) - eta f(sigma_tau(z~))] d log q(b) + eta d f(sigma_tau(z)) - eta d f(sigma_tau(z~)),
/// with z the Gumbel (logistic) perturbed logits, b = H(z) and z~ ~ p(z | b). Unbiased for any eta
/// and tau; both are learned, each step, by an Adam step down the gradient of E|g|^2 (see
/// rebar_adapt). Build with elbo(...): the objective lays out the five blocks the site needs.
struct rebar : detail::conditional_relaxation_rules<detail::no_network> {
    static constexpr std::string_view name = "rebar";
};

}  // namespace ppl
