#pragma once
// Binomial(n, sigmoid(logits)).
#include <cmath>
#include <tuple>
#include <utility>

#include "ppl/dist/counts.hpp"
#include "ppl/dist/family.hpp"
#include "ppl/ops/arithmetic.hpp"
#include "ppl/ops/lgamma.hpp"
#include "ppl/ops/noise.hpp"
#include "ppl/ops/softplus.hpp"

namespace ppl {

/// The number of trials of a binomial.
struct binomial_trials {
    double n = 1;
};

/// Binomial(n, p = sigmoid(l)): log p(k) = log C(n, k) - k softplus(-l) - (n - k) softplus(l).
/// Its estimator is the score function.
struct binomial_family {
    static constexpr std::string_view name = "binomial";
    static constexpr bool reparameterizable = false;
    static constexpr bool relaxable = false;
    static constexpr value_support support = value_support::count;
    static constexpr auto param_names = std::tuple{fixed_string{"logits"}};
    using settings = binomial_trials;

    static auto log_prob(binomial_trials trials, const auto& logits, auto&& k) {
        const double n = trials.n;
        return std::lgamma(n + 1) - lgamma(k + 1.0) - lgamma(n + 1.0 - k) - k * softplus(-logits) -
               (n - k) * softplus(logits);
    }
    template <fixed_string Site>
    static auto draw(binomial_trials trials, const auto& logits) {
        return make_expr(ops::binomial_sample_op{{}, trials.n}, logits, noise_like<Site>(noise_kind::uniform, logits));
    }
    static double mean(double n, double logits) { return n / (1 + std::exp(-logits)); }
    static double variance(double n, double logits) {
        const double p = 1 / (1 + std::exp(-logits));
        return n * p * (1 - p);
    }
};

/// Binomial with `trials` trials (a positive whole number) and success probability sigmoid(logits).
template <node Logits>
[[nodiscard]] constexpr auto binomial_logits(double trials, Logits&& logits) {
    if (!(trials >= 1) || trials != std::floor(trials) || trials > 1e6)
        fail("binomial trials is ", trials, "; it must be a whole number from 1 to 1e6");
    auto l = detail::checked<ops::requirement::finite>(std::forward<Logits>(logits), "binomial logits");
    return distribution<binomial_family, decltype(l)>{{std::move(l)}, binomial_trials{trials}};
}

}  // namespace ppl
