#pragma once
// What every distribution family shares: the distribution expression and the family traits.
//
// A family is a tag struct with static traits and rules:
//   name, reparameterizable, relaxable, support, param_names, settings, and optionally
//   conditionally_relaxable (a Gumbel relaxation that can also be drawn given the discrete value);
//   log_prob(settings, params..., value)    elementwise log-density terms (column sums = log p);
//   rsample<Site>(settings, params...)      a pathwise sample (reparameterizable families);
//   draw<Site>(settings, params...)         a sample with no gradient path (score function);
//   relaxed<Site>(settings, params..., tau) and hard_rule(settings), the op that turns a relaxed
//   sample into its discrete value                              (relaxable families);
//   refuse_estimator<E>(), a consteval function whose static_assert replaces the estimator's own
//   message when the family refuses an estimator override (advice that only the family knows).
#include <cmath>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>

#include "ppl/core/fixed_string.hpp"
#include "ppl/core/node.hpp"
#include "ppl/ops/check.hpp"
#include "ppl/ops/log.hpp"
#include "ppl/ops/stop_gradient.hpp"

namespace ppl {

namespace detail {
// false, but dependent on its arguments: a static_assert that fires only where instantiated
template <class...>
inline constexpr bool always_false = false;
}  // namespace detail

/// Where a family's values live.
enum class value_support { real, positive, interval, unit_interval, one_hot, binary, count };

/// Where a family's values live; value_support::real for a family that does not say.
template <class Family>
inline constexpr value_support support_of_v = [] {
    if constexpr (requires { Family::support; }) return value_support{Family::support};
    else return value_support::real;
}();

/// True when the family's relaxation can also be drawn given the discrete value, z~ ~ p(z | b), as
/// rebar and relax need; false for a family that does not say.
template <class Family>
inline constexpr bool conditionally_relaxable_v = [] {
    if constexpr (requires { Family::conditionally_relaxable; }) return bool{Family::conditionally_relaxable};
    else return false;
}();

/// Families without settings beyond their parameters.
struct no_settings {};

/// A distribution expression: its family, its parameter nodes and its settings.
template <class Family, class... Params>
struct distribution {
    using family = Family;
    std::tuple<Params...> params;
    [[no_unique_address]] typename Family::settings settings{};
};

template <class T>
concept distribution_expression = requires { typename std::remove_cvref_t<T>::family; };

/// The family of a distribution expression.
template <class D>
using family_of = typename std::remove_cvref_t<D>::family;

/// Elementwise log-density terms of `value` under `d`; their column sums are log p(value).
template <distribution_expression D, node V>
[[nodiscard]] constexpr auto log_prob(const D& d, V&& value) {
    return std::apply([&](const auto&... p) { return family_of<D>::log_prob(d.settings, p..., std::forward<V>(value)); },
                      d.params);
}

namespace detail {
// A parameter checked against a requirement: a constant at once, a node on every forward pass.
template <ops::requirement Rule, class P>
constexpr auto checked(P&& p, std::string_view what) {
    auto n = as_node(std::forward<P>(p));
    if constexpr (std::is_same_v<decltype(n), constant_leaf>) {
        const double v = n.value;
        if (!std::isfinite(v)) fail(what, " is ", v, "; it must be finite");
        if (Rule == ops::requirement::positive && !(v > 0)) fail(what, " is ", v, "; it must be positive");
        if (Rule == ops::requirement::unit_interval && !(v >= 0 && v <= 1)) fail(what, " is ", v, "; it must lie in [0, 1]");
        return n;
    } else {
        return make_expr(ops::check_op{{}, Rule, what}, std::move(n));
    }
}
}  // namespace detail

}  // namespace ppl
