#pragma once
// The estimator-selection policy: SPEC section 4's table, written as code.
//
// | family                                            | default          | legal overrides                  |
// |---------------------------------------------------|------------------|----------------------------------|
// | normal logistic laplace exponential gumbel        | pathwise         | score_function                   |
// |   uniform log_normal                              |                  |                                  |
// | categorical (grouped), bernoulli                  | gumbel_softmax   | straight_through, score_function |
// | poisson geometric binomial                        | score_function   | none                             |
#include <type_traits>

#include "ppl/dist/bernoulli.hpp"
#include "ppl/dist/binomial.hpp"
#include "ppl/dist/categorical.hpp"
#include "ppl/dist/geometric.hpp"
#include "ppl/dist/poisson.hpp"
#include "ppl/estimators/gumbel_softmax.hpp"
#include "ppl/estimators/pathwise.hpp"
#include "ppl/estimators/score_function.hpp"

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
inline constexpr bool is_relaxation_v = std::is_same_v<T, gumbel_softmax> || std::is_same_v<T, straight_through>;

/// Checks a requested estimator against the family; an illegal pairing is a compile error that
/// says why and what to write instead. Returns the estimator to use.
template <class Family, class Requested>
consteval auto choose_estimator() {
    if constexpr (std::is_same_v<Requested, use_default>) {
        return std::type_identity<default_estimator_t<Family>>{};
    } else {
        static_assert(std::is_same_v<Requested, pathwise> || is_relaxation_v<Requested> || is_score_function_v<Requested>,
                      "ppl: the estimator must be pathwise, gumbel_softmax, straight_through or "
                      "score_function<none | moving_average | leave_one_out>.");
        constexpr bool count = std::is_same_v<Family, poisson_family> || std::is_same_v<Family, geometric_family> ||
                               std::is_same_v<Family, binomial_family>;
        constexpr bool relaxable = std::is_same_v<Family, categorical_family> || std::is_same_v<Family, bernoulli_family>;
        if constexpr (std::is_same_v<Requested, pathwise>) {
            static_assert(!std::is_same_v<Family, poisson_family>,
                          "ppl: Poisson has no reparameterization (its values are counts), so pathwise cannot "
                          "apply. Use score_function<moving_average> (its default): drop the override.");
            static_assert(!std::is_same_v<Family, geometric_family>,
                          "ppl: Geometric has no reparameterization (its values are counts), so pathwise cannot "
                          "apply. Use score_function<moving_average> (its default): drop the override.");
            static_assert(!std::is_same_v<Family, binomial_family>,
                          "ppl: Binomial has no reparameterization (its values are counts), so pathwise cannot "
                          "apply. Use score_function<moving_average> (its default): drop the override.");
            static_assert(!std::is_same_v<Family, categorical_family>,
                          "ppl: Categorical has no reparameterization; relax it instead with gumbel_softmax (the "
                          "default) or straight_through, or use score_function<moving_average>.");
            static_assert(!std::is_same_v<Family, bernoulli_family>,
                          "ppl: Bernoulli has no reparameterization; relax it instead with gumbel_softmax (the "
                          "default) or straight_through, or use score_function<moving_average>.");
            static_assert(Family::reparameterizable, "ppl: pathwise needs a reparameterizable family.");
        }
        if constexpr (is_relaxation_v<Requested>) {
            static_assert(!count, "ppl: gumbel_softmax and straight_through relax categorical and bernoulli sites; "
                                  "Poisson, Geometric and Binomial counts have no relaxation. Use "
                                  "score_function<moving_average> (their default): drop the override.");
            static_assert(relaxable || !Family::reparameterizable,
                          "ppl: gumbel_softmax and straight_through relax discrete categorical or bernoulli "
                          "sites; this family is continuous, so use pathwise (its default): drop the override.");
        }
        return std::type_identity<Requested>{};
    }
}

/// The estimator used for a family when `Requested` is asked for (use_default: the table's choice).
template <class Family, class Requested = use_default>
using estimator_for = typename decltype(choose_estimator<Family, Requested>())::type;

}  // namespace ppl
