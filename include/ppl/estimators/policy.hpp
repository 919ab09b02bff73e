#pragma once
// The estimator-selection policy: the table of docs/estimators.md, written as code.
//
// | family                                       | default                        | legal overrides            |
// |----------------------------------------------|--------------------------------|----------------------------|
// | normal logistic laplace exponential gumbel   | pathwise                       | score_function<B>          |
// |   uniform log_normal                         |                                |                            |
// | gamma beta dirichlet (grouped) student_t     | pathwise (implicit)            | score_function<B>          |
// | hard_concrete                                | pathwise (clipped)             | score_function<B>          |
// | categorical (grouped)                        | gumbel_softmax                 | straight_through,          |
// |                                              |                                |   score_function<B>, vimco,|
// |                                              |                                |   rebar, relax<Net>        |
// | bernoulli                                    | gumbel_softmax                 | as categorical, and disarm,|
// |                                              |                                |   arm                      |
// | poisson geometric binomial                   | score_function<moving_average> | score_function<B>, vimco   |
// | subset<k> (Gumbel-top-k, Plackett-Luce)      | score_function<moving_average> | score_function<B>          |
//
// B is a baseline: none, moving_average or leave_one_out. docs/estimators.md explains each choice.
#include <string_view>
#include <type_traits>

#include "ppl/dist/bernoulli.hpp"
#include "ppl/dist/binomial.hpp"
#include "ppl/dist/categorical.hpp"
#include "ppl/dist/geometric.hpp"
#include "ppl/dist/poisson.hpp"
#include "ppl/estimators/arm.hpp"
#include "ppl/estimators/disarm.hpp"
#include "ppl/estimators/gumbel_softmax.hpp"
#include "ppl/estimators/pathwise.hpp"
#include "ppl/estimators/rebar.hpp"
#include "ppl/estimators/relax.hpp"
#include "ppl/estimators/score_function.hpp"
#include "ppl/estimators/vimco.hpp"

namespace ppl {

/// Written in sample<"name", use_default>: take the family's default estimator.
struct use_default {};

/// The default estimator of a family: pathwise if it has a reparameterization, else a
/// Gumbel-softmax relaxation if it has one, else the score function with a moving average.
template <class Family>
using default_estimator_t =
    std::conditional_t<Family::reparameterizable, pathwise,
                       std::conditional_t<Family::relaxable, gumbel_softmax, score_function<moving_average>>>;

template <class T>
inline constexpr bool is_score_function_v = false;
template <class B>
inline constexpr bool is_score_function_v<score_function<B>> = true;

template <class T>
inline constexpr bool is_vimco_v = std::is_same_v<T, vimco>;

template <class T>
inline constexpr bool is_disarm_v = std::is_same_v<T, disarm>;

template <class T>
inline constexpr bool is_arm_v = std::is_same_v<T, arm>;

/// disarm and arm: two antithetic samples per data point.
template <class T>
inline constexpr bool is_antithetic_v = is_disarm_v<T> || is_arm_v<T>;

template <class T>
inline constexpr bool is_rebar_v = std::is_same_v<T, rebar>;

template <class T>
inline constexpr bool is_relax_v = false;
template <class Net>
inline constexpr bool is_relax_v<relax<Net>> = true;

/// rebar and relax: the conditional relaxation as control variate, in rebar's five column blocks.
template <class T>
inline constexpr bool is_conditional_relaxation_v = is_rebar_v<T> || is_relax_v<T>;

/// The control network of relax<Net> (Net), or void for rebar.
template <class T>
struct control_network {
    using type = void;
};
template <class Net>
struct control_network<relax<Net>> {
    using type = Net;
};
template <class T>
using control_network_t = typename control_network<T>::type;

template <class T>
inline constexpr bool is_relaxation_v = std::is_same_v<T, gumbel_softmax> || std::is_same_v<T, straight_through>;

namespace detail {

template <class>
inline constexpr bool always_false = false;

// One message per family, so the error names the family the user wrote. Each branch holds
// exactly one failing static_assert: the user sees one error, and it is this one.
template <class Family>
consteval void reject_pathwise() {
    constexpr std::string_view family = Family::name;
    if constexpr (family == "poisson")
        static_assert(always_false<Family>, "ppl: Poisson has no reparameterization (its values are counts), so pathwise "
                                            "cannot apply. Use score_function<moving_average> (its default): drop the override.");
    else if constexpr (family == "geometric")
        static_assert(always_false<Family>, "ppl: Geometric has no reparameterization (its values are counts), so pathwise "
                                            "cannot apply. Use score_function<moving_average> (its default): drop the override.");
    else if constexpr (family == "binomial")
        static_assert(always_false<Family>, "ppl: Binomial has no reparameterization (its values are counts), so pathwise "
                                            "cannot apply. Use score_function<moving_average> (its default): drop the override.");
    else if constexpr (family == "categorical")
        static_assert(always_false<Family>, "ppl: Categorical has no reparameterization; relax it instead with gumbel_softmax "
                                            "(the default) or straight_through, or use score_function<moving_average>.");
    else if constexpr (family == "bernoulli")
        static_assert(always_false<Family>, "ppl: Bernoulli has no reparameterization; relax it instead with gumbel_softmax "
                                            "(the default) or straight_through, or use score_function<moving_average>.");
    else if constexpr (family == "subset")
        static_assert(always_false<Family>, "ppl: Subset has no reparameterization (its values are discrete), so pathwise "
                                            "cannot apply. Use score_function<moving_average> (its default): drop the "
                                            "override; outside an ELBO, relaxed_top_k(...) gives pathwise-like gradients.");
    else
        static_assert(always_false<Family>, "ppl: pathwise needs a reparameterizable family, and this family has none. "
                                            "Use score_function<moving_average>.");
}

template <class Family>
consteval void reject_relaxation() {
    constexpr std::string_view family = Family::name;
    if constexpr (family == "poisson")
        static_assert(always_false<Family>, "ppl: gumbel_softmax and straight_through relax categorical and bernoulli sites; "
                                            "Poisson counts have no relaxation. Use score_function<moving_average> (its "
                                            "default): drop the override.");
    else if constexpr (family == "geometric")
        static_assert(always_false<Family>, "ppl: gumbel_softmax and straight_through relax categorical and bernoulli sites; "
                                            "Geometric counts have no relaxation. Use score_function<moving_average> (its "
                                            "default): drop the override.");
    else if constexpr (family == "binomial")
        static_assert(always_false<Family>, "ppl: gumbel_softmax and straight_through relax categorical and bernoulli sites; "
                                            "Binomial counts have no relaxation. Use score_function<moving_average> (its "
                                            "default): drop the override.");
    else if constexpr (family == "normal")
        static_assert(always_false<Family>, "ppl: gumbel_softmax and straight_through relax discrete categorical or bernoulli "
                                            "sites; Normal is continuous, so use pathwise (its default): drop the override.");
    else if constexpr (family == "logistic")
        static_assert(always_false<Family>, "ppl: gumbel_softmax and straight_through relax discrete categorical or bernoulli "
                                            "sites; Logistic is continuous, so use pathwise (its default): drop the override.");
    else if constexpr (family == "laplace")
        static_assert(always_false<Family>, "ppl: gumbel_softmax and straight_through relax discrete categorical or bernoulli "
                                            "sites; Laplace is continuous, so use pathwise (its default): drop the override.");
    else if constexpr (family == "exponential")
        static_assert(always_false<Family>, "ppl: gumbel_softmax and straight_through relax discrete categorical or bernoulli "
                                            "sites; Exponential is continuous, so use pathwise (its default): drop the override.");
    else if constexpr (family == "gumbel")
        static_assert(always_false<Family>, "ppl: gumbel_softmax and straight_through relax discrete categorical or bernoulli "
                                            "sites; Gumbel is continuous, so use pathwise (its default): drop the override.");
    else if constexpr (family == "uniform")
        static_assert(always_false<Family>, "ppl: gumbel_softmax and straight_through relax discrete categorical or bernoulli "
                                            "sites; Uniform is continuous, so use pathwise (its default): drop the override.");
    else if constexpr (family == "log_normal")
        static_assert(always_false<Family>, "ppl: gumbel_softmax and straight_through relax discrete categorical or bernoulli "
                                            "sites; LogNormal is continuous, so use pathwise (its default): drop the override.");
    else if constexpr (family == "beta")
        static_assert(always_false<Family>, "ppl: gumbel_softmax and straight_through relax discrete categorical or bernoulli "
                                            "sites; Beta is continuous, so use pathwise (its default, by implicit "
                                            "reparameterization): drop the override.");
    else if constexpr (family == "dirichlet")
        static_assert(always_false<Family>, "ppl: gumbel_softmax and straight_through relax discrete categorical or bernoulli "
                                            "sites; Dirichlet is continuous (a point of the simplex), so use pathwise (its "
                                            "default, by implicit reparameterization): drop the override.");
    else if constexpr (family == "student_t")
        static_assert(always_false<Family>, "ppl: gumbel_softmax and straight_through relax discrete categorical or bernoulli "
                                            "sites; Student-t is continuous, so use pathwise (its default): drop the override.");
    else if constexpr (family == "subset")
        static_assert(always_false<Family>, "ppl: gumbel_softmax and straight_through relax categorical and bernoulli sites; "
                                            "a subset site has no closed-form KL for a relaxed sample, so in an ELBO it takes "
                                            "score_function<moving_average> (its default): drop the override. Outside an ELBO, "
                                            "relaxed_top_k(...) or straight_through_top_k(...) give the relaxed top-k.");
    else if constexpr (family == "hard_concrete")
        static_assert(always_false<Family>, "ppl: gumbel_softmax and straight_through relax discrete categorical or bernoulli "
                                            "sites; Hard Concrete is already a relaxed gate, sampled pathwise (its default): "
                                            "drop the override.");
    else if constexpr (family == "gamma")
        static_assert(always_false<Family>, "ppl: gumbel_softmax and straight_through relax discrete categorical or bernoulli "
                                            "sites; Gamma is continuous, so use pathwise (its default, by implicit "
                                            "reparameterization): drop the override.");
    else
        static_assert(always_false<Family>, "ppl: gumbel_softmax and straight_through relax categorical and bernoulli sites "
                                            "only; use this family's default estimator: drop the override.");
}

}  // namespace detail

/// Checks a requested estimator against the family; an illegal pairing is a compile error that
/// names the family, says why and what to write instead. After the error the family's default
/// is used, so that the message is the only error. Returns the estimator to use.
template <class Family, class Requested>
consteval auto choose_estimator() {
    using fallback = std::type_identity<default_estimator_t<Family>>;
    if constexpr (std::is_same_v<Requested, use_default>) {
        return fallback{};
    } else if constexpr (!std::is_same_v<Requested, pathwise> && !is_relaxation_v<Requested> &&
                         !is_score_function_v<Requested> && !is_vimco_v<Requested> && !is_disarm_v<Requested> &&
                         !is_conditional_relaxation_v<Requested> && !is_arm_v<Requested>) {
        static_assert(detail::always_false<Requested>,
                      "ppl: the estimator must be pathwise, gumbel_softmax, straight_through, "
                      "score_function<none | moving_average | leave_one_out>, vimco, disarm, arm, rebar or relax<Net>.");
        return fallback{};
    } else if constexpr (is_arm_v<Requested> && Family::name != std::string_view{"bernoulli"}) {
        static_assert(detail::always_false<Family>,
                      "ppl: arm pairs antithetic samples of bernoulli sites only; use this family's default estimator "
                      "(drop the override) or score_function<leave_one_out>.");
        return fallback{};
    } else if constexpr (is_rebar_v<Requested> && Family::name != std::string_view{"bernoulli"} &&
                         Family::name != std::string_view{"categorical"}) {
        if constexpr (Family::reparameterizable)
            static_assert(detail::always_false<Family>,
                          "ppl: rebar is a control variate for discrete bernoulli or categorical sites; this family is "
                          "continuous and reparameterizable, so pathwise (its default) needs no control variate: drop the "
                          "override.");
        else
            static_assert(detail::always_false<Family>,
                          "ppl: rebar needs the conditional Gumbel relaxation, which ppl has for bernoulli and categorical "
                          "sites only; for this family use score_function<leave_one_out>, or vimco in iwae(K, ...).");
        return fallback{};
    } else if constexpr (is_relax_v<Requested> && Family::name != std::string_view{"bernoulli"} &&
                         Family::name != std::string_view{"categorical"}) {
        if constexpr (Family::reparameterizable)
            static_assert(detail::always_false<Family>,
                          "ppl: relax is a control variate for discrete bernoulli or categorical sites; this family is "
                          "continuous and reparameterizable, so pathwise (its default) needs no control variate: drop the "
                          "override.");
        else
            static_assert(detail::always_false<Family>,
                          "ppl: relax needs the conditional Gumbel relaxation, which ppl has for bernoulli and categorical "
                          "sites only; for this family use score_function<leave_one_out>, or vimco in iwae(K, ...).");
        return fallback{};
    } else if constexpr (is_relax_v<Requested> && !relax_network<control_network_t<Requested>>) {
        static_assert(detail::always_false<Requested>,
                      "ppl: relax<Net> needs a control network type Net with static functions parameter_count(rows), "
                      "initialise(rho, rows), value(rho, x, r) and backward(rho, x, weights, dx, drho) (see "
                      "relax_network in ppl/estimators/relax.hpp); or write relax<relax_mlp<32>> for a ready-made one.");
        return fallback{};
    } else if constexpr (is_disarm_v<Requested> && Family::name != std::string_view{"bernoulli"}) {
        if constexpr (Family::name == std::string_view{"categorical"})
            static_assert(detail::always_false<Family>,
                          "ppl: disarm pairs antithetic samples of bernoulli sites; ppl has no categorical form of it. "
                          "For a categorical site use vimco in iwae(K, ...) or score_function<leave_one_out>.");
        else
            static_assert(detail::always_false<Family>,
                          "ppl: disarm pairs antithetic samples of bernoulli sites only; use this family's default "
                          "estimator (drop the override) or score_function<leave_one_out>.");
        return fallback{};
    } else if constexpr (is_vimco_v<Requested> && Family::reparameterizable) {
        static_assert(detail::always_false<Family>,
                      "ppl: vimco is a score-function estimator for discrete sites; this family is continuous and "
                      "reparameterizable, so pathwise (its default) gives lower-variance gradients: drop the override.");
        return fallback{};
    } else if constexpr (std::is_same_v<Requested, pathwise> && !Family::reparameterizable) {
        detail::reject_pathwise<Family>();
        return fallback{};
    } else if constexpr (is_relaxation_v<Requested> && !Family::relaxable) {
        detail::reject_relaxation<Family>();
        return fallback{};
    } else {
        return std::type_identity<Requested>{};
    }
}

/// The estimator used for a family when `Requested` is asked for (use_default: the table's choice).
template <class Family, class Requested = use_default>
using estimator_for = typename decltype(choose_estimator<Family, Requested>())::type;

}  // namespace ppl
