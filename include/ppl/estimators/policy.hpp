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
// The table is a summary, not code: each estimator states the families it accepts, from their
// traits (estimators/protocol.hpp), so a new estimator or family never edits this file.
#include <type_traits>

#include "ppl/estimators/gumbel_softmax.hpp"
#include "ppl/estimators/pathwise.hpp"
#include "ppl/estimators/protocol.hpp"
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

/// Checks a requested estimator against the family; an illegal pairing is a compile error that
/// names the family and the estimator, says why and what to write instead (the estimator's
/// refuse<Family>()). After the error the family's default is used, so that the message is the
/// only error. Returns the estimator to use.
template <class Family, class Requested>
consteval auto choose_estimator() {
    using fallback = std::type_identity<default_estimator_t<Family>>;
    if constexpr (std::is_same_v<Requested, use_default>) {
        return fallback{};
    } else if constexpr (!states_accepts<Requested, Family>) {
        static_assert(detail::always_false<Requested>,
                      "ppl: this type is not an estimator. An estimator states a name, accepts<Family> and "
                      "value<Site>(q, tau) (the protocol in ppl/estimators/protocol.hpp); ppl's own are listed in "
                      "docs/estimators.md, e.g. pathwise, gumbel_softmax, straight_through or score_function<moving_average>.");
        return fallback{};
    } else if constexpr (!Requested::template accepts<Family>) {
        refusal<Requested, Family>::raise();
        return fallback{};
    } else {
        return std::type_identity<Requested>{};
    }
}

/// The estimator used for a family when `Requested` is asked for (use_default: the table's choice).
template <class Family, class Requested = use_default>
using estimator_for = typename decltype(choose_estimator<Family, Requested>())::type;

}  // namespace ppl
