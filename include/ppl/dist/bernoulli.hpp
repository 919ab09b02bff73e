#pragma once
// Bernoulli(sigmoid(logits)).
#include <tuple>
#include <utility>

#include "ppl/dist/family.hpp"
#include "ppl/ops/arithmetic.hpp"
#include "ppl/ops/bce_with_logits.hpp"
#include "ppl/ops/noise.hpp"
#include "ppl/ops/one_hot.hpp"
#include "ppl/ops/sigmoid.hpp"
#include "ppl/ops/stop_gradient.hpp"

namespace ppl {

/// Bernoulli(p = sigmoid(l)): log p(x) = x log p + (1 - x) log(1 - p) = -bce_with_logits(l, x).
/// Sampled as [l + L > 0] with L ~ Logistic(0, 1); relaxed (binary Concrete) as
/// sigmoid((l + L) / tau).
struct bernoulli_family {
    static constexpr std::string_view name = "bernoulli";
    static constexpr bool reparameterizable = false;
    static constexpr bool relaxable = true;
    static constexpr bool conditionally_relaxable = true;
    static constexpr value_support support = value_support::binary;
    static constexpr auto param_names = std::tuple{fixed_string{"logits"}};
    using settings = no_settings;

    static auto log_prob(no_settings, const auto& logits, auto&& x) { return bernoulli_log_likelihood(logits, x); }
    template <fixed_string Site>
    static auto draw(no_settings, const auto& logits) {
        return stop_gradient(hard_threshold(logits + noise_like<Site>(noise_kind::logistic, logits), 0.0));
    }
    template <fixed_string Site, class Tau>
    static auto relaxed(no_settings, const auto& logits, const Tau& tau) {
        return sigmoid((logits + noise_like<Site>(noise_kind::logistic, logits)) / tau);
    }
    // a relaxed sample's discrete value: sigmoid((l + L) / tau) > 1/2 exactly when l + L > 0
    static ops::hard_threshold_op hard_rule(no_settings) { return {{}, 0.5}; }
};

/// Bernoulli with probability sigmoid(logits); NaN logits raise ppl::error on the pass that sees them.
template <node Logits>
[[nodiscard]] constexpr auto bernoulli_logits(Logits&& logits) {
    auto l = detail::checked<ops::requirement::finite>(std::forward<Logits>(logits), "bernoulli logits");
    return distribution<bernoulli_family, decltype(l)>{{std::move(l)}};
}

/// Bernoulli with probability `probs`, which must lie in [0, 1]; stored as logits log p - log(1 - p).
template <node Probs>
[[nodiscard]] constexpr auto bernoulli(Probs&& probs) {
    auto p = detail::checked<ops::requirement::unit_interval>(std::forward<Probs>(probs), "bernoulli probability");
    auto l = log(p) - log(1.0 - p);
    return distribution<bernoulli_family, decltype(l)>{{std::move(l)}};
}

/// The uniform prior Bernoulli(1/2) for every unit; KL(Bern(q) || Bern(1/2)) = log 2 - H(q).
struct uniform_bernoulli_prior {
    using family = bernoulli_family;
    std::tuple<> params{};
    no_settings settings{};
};

/// The uniform prior Bernoulli(1/2) on every entry of the posterior's shape.
[[nodiscard]] constexpr uniform_bernoulli_prior uniform_bernoulli() { return {}; }

}  // namespace ppl
