#pragma once
// sample<"name">(q, prior): a random site. Its type records the family, the estimator chosen at
// compile time, q and the prior; its value is the estimator's sample.
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>

#include "ppl/core/let.hpp"
#include "ppl/core/node.hpp"
#include "ppl/dist/family.hpp"
#include "ppl/dist/kl.hpp"
#include "ppl/estimators/policy.hpp"
#include "ppl/infer/scope.hpp"

namespace ppl {

/// What a site node carries besides its value: the estimator, the scope, q and the prior.
template <class Estimator, class Q, class Prior, class Scope = local>
struct site_info {
    using estimator = Estimator;
    using scope = Scope;
    using family = family_of<Q>;
    Q q;
    Prior prior;
};

template <class T>
inline constexpr bool is_site_v = false;
template <fixed_string Name, class Operand, class Estimator, class Q, class Prior, class Scope>
inline constexpr bool is_site_v<let_node<Name, Operand, site_info<Estimator, Q, Prior, Scope>>> = true;

/// The estimator chosen for a site: `estimator_of<decltype(z)>`.
template <class Site>
using estimator_of = typename std::remove_cvref_t<Site>::info_type::estimator;

/// The scope of a site: local (one draw per data point) or global (one per dataset).
template <class Site>
using scope_of = typename std::remove_cvref_t<Site>::info_type::scope;

template <class Site>
inline constexpr bool is_global_site_v = std::is_same_v<scope_of<Site>, global>;

/// The distribution family of a site.
template <class Site>
using site_family_t = typename std::remove_cvref_t<Site>::info_type::family;

/// The temperature input relaxed sites read; objectives bind it each step.
inline constexpr input_leaf<"tau"> temperature_input{};

namespace detail {
// q with every parameter shared under "<site>.<parameter>", so the sample, the KL term and the
// score-function term all read one evaluation of each parameter.
// A constant parameter needs no sharing: it stays a constant (and keeps folding).
template <fixed_string Name, class P>
auto share_parameter(const P& p) {
    if constexpr (std::is_same_v<P, constant_leaf>) return p;
    else return let<Name>(p);
}

template <fixed_string Site, class D, std::size_t... I>
auto share_parameters(const D& d, std::index_sequence<I...>) {
    using F = family_of<D>;
    auto shared = std::tuple{share_parameter<concat(concat(Site, fixed_string{"."}), std::get<I>(F::param_names))>(std::get<I>(d.params))...};
    return std::apply([&](auto... p) { return distribution<F, decltype(p)...>{{p...}, d.settings}; }, shared);
}
}  // namespace detail

/// A random site named Name with posterior q and prior `prior`. The estimator is the family's
/// default (see estimators/policy.hpp) unless one is requested: sample<"c", straight_through>(...).
/// The site is local (one draw per data point) unless declared global: sample<"w", global>(...),
/// whose q has one column and whose KL enters once per dataset. Estimator and scope may come in
/// either order. An illegal request is a compile error that says what to write instead.
template <fixed_string Name, class First = use_default, class Second = use_default, distribution_expression Q,
          distribution_expression Prior>
[[nodiscard]] auto sample(const Q& q, const Prior& prior) {
    using request = detail::site_request<First, Second>;
    using family = family_of<Q>;
    using estimator = estimator_for<family, typename request::estimator>;
    using scope = typename request::scope;
    if constexpr (estimator_traits<estimator>::needs_analytic_kl)
        static_assert(std::is_same_v<family_of<Prior>, family>,
                      "ppl: a relaxed site computes its KL term from the categorical q, so its prior must be "
                      "of the same family (uniform_categorical() or categorical(...)).");
    if constexpr (std::is_same_v<scope, global>)
        static_assert(estimator_traits<estimator>::global_sites,
                      "ppl: a global site draws once per dataset, so it takes pathwise, gumbel_softmax, straight_through "
                      "or score_function with the none or moving_average baseline; estimators that pair, group or lay "
                      "out several samples per data point cannot: make the site local or choose one of those.");
    if constexpr (requires { check_site_prior(q, prior); }) check_site_prior(q, prior);  // families whose prior must match q's settings
    auto shared_q = detail::share_parameters<Name>(q, std::make_index_sequence<std::tuple_size_v<decltype(q.params)>>{});
    auto value = estimator::template value<Name>(shared_q, temperature_input);
    using info = site_info<estimator, decltype(shared_q), Prior, scope>;
    return let_node<Name, decltype(value), info>{{{std::move(value)}}, info{std::move(shared_q), prior}};
}

template <class LogAlpha>
struct permutation_distribution;  // dist/permutation.hpp

/// A permutation is not a site: the law of the Gumbel matching has no closed-form probability, so
/// neither a KL term nor a score function exists for it. The message says what to write instead.
template <fixed_string Name, class First = use_default, class Second = use_default, class LogAlpha, class Prior>
auto sample(const permutation_distribution<LogAlpha>&, const Prior&) {
    static_assert(detail::always_false<LogAlpha>,
                  "ppl: a permutation cannot be a site of an ELBO: the Gumbel matching's probability has no closed "
                  "form, so no KL term or score function exists for it. Use gumbel_sinkhorn<\"name\">(p) (relaxed) or "
                  "straight_through_sinkhorn<\"name\">(p) (hard forward) in an objective of your own.");
    return 0;
}

}  // namespace ppl
