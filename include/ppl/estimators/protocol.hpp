#pragma once
// The estimator protocol: what a type states to be the gradient estimator of a random site. The
// objectives (elbo, iwae), the policy and the site scopes read estimators only through it, so an
// estimator is its own header. docs/estimators.md ("Writing an estimator") builds one step by step.
#include <Eigen/Core>
#include <concepts>
#include <string_view>
#include <type_traits>

#include "ppl/dist/family.hpp"

namespace ppl {

/// An estimator E states, as static members:
///   name                                 its name in describe() and on command lines
///   accepts<Family>                      whether it applies to the family, from the family's traits
///   value<Site>(q, tau)                  the site's value: a node of q's parameters (and tau)
/// and optionally (estimator_traits gives the defaults):
///   refuse<Family>()                     a consteval function whose static_assert says why it does
///                                        not apply and what to write instead
///   samples_per_point                    the samples per data point it needs (0: any)
///   column_blocks                        column blocks per sample that its value lays out (1)
///   counts_blocks                        whether the objective counts its column blocks when it binds a
///                                        batch, with count_values(site, value shape, limit), and weighs
///                                        each column's terms by block_weight(site) (false; enumerate)
///   global_sites                         whether a global site (one draw per dataset) may use it (false)
///   reads_temperature                    whether its value reads the step's tau (false)
///   soft_training_value                  whether the trained value is a relaxed bound, so that
///                                        step_options::hard_samples changes it (false)
///   needs_analytic_kl                    whether its values leave q's support, so that the site's KL
///                                        must be in closed form (false)
///   trains_elbo, trains_iwae             the objectives it trains in (true, false), with
///   refuse_in_elbo(), refuse_in_iwae()   the messages when it does not
///   elbo_surrogate(site, cost, state)    a node whose gradient adds the estimate's score terms;
///                                        cost() is the cost downstream of the site
///   iwae_surrogate(site, log_q, log_w, samples)   the same in iwae(K, ...)
///   bind_inputs<Site>(graph, state, points, buffers)  inputs its value reads, bound each step
///   after_backward(graph, site, state)   work after the backward pass (learned control variates)
template <class E>
concept estimator = requires {
    { E::name } -> std::convertible_to<std::string_view>;
};

/// True when E states whether it applies to Family.
template <class E, class Family>
concept states_accepts = estimator<E> && requires {
    { E::template accepts<Family> } -> std::convertible_to<bool>;
};

/// The optional parts of the protocol, with their defaults.
template <class E>
struct estimator_traits {
    static constexpr Eigen::Index samples_per_point = [] {
        if constexpr (requires { E::samples_per_point; }) return Eigen::Index{E::samples_per_point};
        else return Eigen::Index{0};
    }();
    static constexpr Eigen::Index column_blocks = [] {
        if constexpr (requires { E::column_blocks; }) return Eigen::Index{E::column_blocks};
        else return Eigen::Index{1};
    }();
    static constexpr bool counts_blocks = [] {
        if constexpr (requires { E::counts_blocks; }) return bool{E::counts_blocks};
        else return false;
    }();
    static constexpr bool global_sites = [] {
        if constexpr (requires { E::global_sites; }) return bool{E::global_sites};
        else return false;
    }();
    static constexpr bool reads_temperature = [] {
        if constexpr (requires { E::reads_temperature; }) return bool{E::reads_temperature};
        else return false;
    }();
    static constexpr bool soft_training_value = [] {
        if constexpr (requires { E::soft_training_value; }) return bool{E::soft_training_value};
        else return false;
    }();
    static constexpr bool needs_analytic_kl = [] {
        if constexpr (requires { E::needs_analytic_kl; }) return bool{E::needs_analytic_kl};
        else return false;
    }();
    static constexpr bool trains_elbo = [] {
        if constexpr (requires { E::trains_elbo; }) return bool{E::trains_elbo};
        else return true;
    }();
    static constexpr bool trains_iwae = [] {
        if constexpr (requires { E::trains_iwae; }) return bool{E::trains_iwae};
        else return false;
    }();
    static_assert(samples_per_point >= 0 && column_blocks >= 1,
                  "ppl: an estimator's samples_per_point must be >= 0 (0: any) and its column_blocks >= 1.");
};

/// The compile error of an estimator that does not apply to a family: the family's own
/// refuse_estimator<E>(), else the estimator's refuse<Family>(), else a general message. The
/// instantiation context names both types.
template <class E, class Family>
struct refusal {
    static consteval bool raise() {
        if constexpr (requires { Family::template refuse_estimator<E>(); })
            Family::template refuse_estimator<E>();
        else if constexpr (requires { E::template refuse<Family>(); })
            E::template refuse<Family>();
        else
            static_assert(detail::always_false<E, Family>,
                          "ppl: this estimator does not apply to this family (both are named in the instantiation "
                          "above): drop the override to use the family's default estimator.");
        return true;
    }
};

/// The compile error of a site whose estimator does not train in elbo(...).
template <class E>
struct refusal_in_elbo {
    static consteval bool raise() {
        if constexpr (requires { E::refuse_in_elbo(); })
            E::refuse_in_elbo();
        else
            static_assert(detail::always_false<E>, "ppl: this site's estimator (named in the instantiation above) does "
                                                   "not train in elbo(...): train with iwae(K, observe(...)) instead "
                                                   "(elbo can still score the model).");
        return true;
    }
};

/// The compile error of a site whose estimator does not train in iwae(K, ...).
template <class E>
struct refusal_in_iwae {
    static consteval bool raise() {
        if constexpr (requires { E::refuse_in_iwae(); })
            E::refuse_in_iwae();
        else
            static_assert(detail::always_false<E>,
                          "ppl: iwae(K, ...) trains pathwise sites and sites whose estimator is made for its K-sample "
                          "bound (docs/estimators.md); this site's estimator (named in the instantiation above) is "
                          "not: train with elbo(...) and score with iwae(K, ...).forward, or choose such an estimator.");
        return true;
    }
};

}  // namespace ppl
