#pragma once
// Categorical over groups: each column holds G independent groups of K classes, given by logits.
#include <Eigen/Core>
#include <tuple>
#include <utility>

#include "ppl/core/let.hpp"
#include "ppl/dist/family.hpp"
#include "ppl/ops/arithmetic.hpp"
#include "ppl/ops/noise.hpp"
#include "ppl/ops/one_hot.hpp"
#include "ppl/ops/softmax.hpp"
#include "ppl/ops/stop_gradient.hpp"

namespace ppl {

/// Categorical(softmax(logits)) in each group; values are one-hot within each group.
/// log p(x) = sum_k x_k log softmax(logits)_k. Sampled by Gumbel-max, argmax(logits + g), and
/// relaxed by Gumbel-softmax, softmax((logits + g) / tau).
struct categorical_family {
    static constexpr std::string_view name = "categorical";
    static constexpr bool reparameterizable = false;
    static constexpr bool relaxable = true;
    static constexpr bool conditionally_relaxable = true;
    static constexpr value_support support = value_support::one_hot;
    static constexpr auto param_names = std::tuple{fixed_string{"logits"}};
    using settings = ops::group_layout;

    static auto log_prob(ops::group_layout layout, const auto& logits, auto&& x) {
        return x * derived_let<"log_q">(logits, log_softmax(logits, layout));
    }
    template <fixed_string Site>
    static auto draw(ops::group_layout layout, const auto& logits) {
        return stop_gradient(one_hot_argmax(logits + noise_like<Site>(noise_kind::gumbel, logits), layout));
    }
    template <fixed_string Site, class Tau>
    static auto relaxed(ops::group_layout layout, const auto& logits, const Tau& tau) {
        return softmax((logits + noise_like<Site>(noise_kind::gumbel, logits)) / tau, layout);
    }
    // a relaxed sample's discrete value: the one-hot of its argmax, which is argmax(logits + g)
    static ops::one_hot_argmax_op hard_rule(ops::group_layout layout) { return {layout}; }
};

/// G = `groups` independent categoricals per column, from logits of G*K rows (K consecutive rows
/// per group). NaN or infinite logits raise ppl::error on the pass that sees them.
template <node Logits>
[[nodiscard]] constexpr auto categorical(Logits&& logits, Eigen::Index groups) {
    if (groups <= 0) fail("categorical needs a positive number of groups; got ", groups);
    auto l = detail::checked<ops::requirement::finite>(std::forward<Logits>(logits), "categorical logits");
    return distribution<categorical_family, decltype(l)>{{std::move(l)}, ops::group_layout{groups, 0}};
}

/// The uniform categorical prior, 1/K per class in every group (K taken from the posterior).
struct uniform_categorical_prior {
    using family = categorical_family;
    std::tuple<> params{};
    ops::group_layout settings{};
};

/// The uniform prior over each group's K classes; KL(q || uniform) = log K - H(q) per group.
[[nodiscard]] constexpr uniform_categorical_prior uniform_categorical() { return {}; }

}  // namespace ppl
