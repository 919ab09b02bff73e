#pragma once
// partly_observed<"y">(q, alpha): a categorical site whose value is given for some data points (the
// labelled ones of a semi-supervised model) and latent for the others.
#include <cmath>
#include <tuple>
#include <type_traits>
#include <utility>

#include "ppl/core/let.hpp"
#include "ppl/core/node.hpp"
#include "ppl/dist/categorical.hpp"
#include "ppl/dist/family.hpp"
#include "ppl/ops/arithmetic.hpp"
#include "ppl/ops/clamp_to_observed.hpp"
#include "ppl/ops/reduce.hpp"

namespace ppl {

/// The input that says which data points' labels are given: "<Labels>_observed", 1 x n of 0 or 1.
template <fixed_string Labels>
inline constexpr auto observed_mask_name = concat(Labels, fixed_string{"_observed"});

/// q of a site observed for some data points: sample<"y", E>(partly_observed<"y">(q, alpha), prior).
/// Each step binds input "y" (one-hot labels, one column per data point; any one-hot where not
/// given) and "y_observed" (1 where the label is given, 0 where the site is latent). On an observed
/// point q becomes the point mass at the label, so the site's value is the label whatever its
/// estimator, and its KL term is KL(delta_y || p) = -log p(y). The objective adds
///   -alpha log q(y | x)
/// on observed points (the classifier's term of Kingma et al.'s M2), which is the only way the
/// labels reach q. A latent point is the site as without the wrapper.
template <fixed_string Labels, class D>
[[nodiscard]] auto partly_observed(const D& q, double classification_weight = 0) {
    static_assert(std::is_same_v<family_of<D>, categorical_family>,
                  "ppl: partly_observed takes a categorical q (its labels are one-hot): write "
                  "partly_observed<\"y\">(categorical(logits, groups), alpha).");
    if (!(classification_weight >= 0) || !std::isfinite(classification_weight))
        fail("the classification weight alpha of a partly observed site is ", classification_weight,
             "; it must be a finite number >= 0");
    auto logits = let<concat(Labels, fixed_string{":logits"})>(std::get<0>(q.params));
    auto clamped = make_expr(ops::clamp_to_observed_op{classification_weight}, std::move(logits), input<Labels>(),
                             input<observed_mask_name<Labels>>());
    return distribution<categorical_family, decltype(clamped)>{{std::move(clamped)}, q.settings};
}

namespace detail {

template <class T>
struct clamped_to_observed : std::false_type {};
template <class Logits, fixed_string Labels, fixed_string Mask>
struct clamped_to_observed<expr<ops::clamp_to_observed_op, Logits, input_leaf<Labels>, input_leaf<Mask>>> : std::true_type {};
template <fixed_string Name, class Operand, class Info>
struct clamped_to_observed<let_node<Name, Operand, Info>> : clamped_to_observed<Operand> {};

template <class Site>
using site_q_t = std::remove_cvref_t<decltype(std::declval<typename std::remove_cvref_t<Site>::info_type>().q)>;

}  // namespace detail

/// True for a site whose q is partly_observed(...).
template <class Site>
inline constexpr bool is_partly_observed_v = [] {
    using params = decltype(std::declval<detail::site_q_t<Site>>().params);
    if constexpr (std::tuple_size_v<params> == 0) return false;
    else return detail::clamped_to_observed<std::remove_cvref_t<std::tuple_element_t<0, params>>>::value;
}();

namespace detail {

template <class S>
struct is_partly_observed : std::bool_constant<is_partly_observed_v<S>> {};

// -alpha log q(y | x) on the observed points (mask 1) of a partly observed site, from q's own logits
// (read by name: they are computed with the site).
template <class Site>
auto classification_term(const Site& site) {
    const auto& clamp = get_operand<0>(std::get<0>(site.info.q.params).operands);
    const auto& logits = get_operand<0>(clamp.operands);
    const auto& labels = get_operand<1>(clamp.operands);
    const auto& mask = get_operand<2>(clamp.operands);
    const distribution<categorical_family, decltype(reference_to(logits))> q{{reference_to(logits)}, site.info.q.settings};
    return column_sum(log_prob(q, labels)) * mask * -clamp.op.classification_weight;
}

}  // namespace detail

}  // namespace ppl
