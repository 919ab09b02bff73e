#pragma once
// Geometric(sigmoid(logits)): failures before the first success.
#include <tuple>
#include <utility>

#include "ppl/dist/counts.hpp"
#include "ppl/dist/family.hpp"
#include "ppl/ops/arithmetic.hpp"
#include "ppl/ops/noise.hpp"
#include "ppl/ops/softplus.hpp"

namespace ppl {

/// Geometric(p = sigmoid(l)) on k = 0, 1, ...: log p(k) = k log(1 - p) + log p
/// = -k softplus(l) - softplus(-l). Its estimator is the score function.
struct geometric_family {
    static constexpr std::string_view name = "geometric";
    static constexpr bool reparameterizable = false;
    static constexpr bool relaxable = false;
    static constexpr value_support support = value_support::count;
    static constexpr auto param_names = std::tuple{fixed_string{"logits"}};
    using settings = no_settings;

    static auto log_prob(no_settings, const auto& logits, auto&& k) {
        return -(k * softplus(logits)) - softplus(-logits);
    }
    template <fixed_string Site>
    static auto draw(no_settings, const auto& logits) {
        return make_expr(ops::geometric_sample_op{}, logits, noise_like<Site>(noise_kind::uniform, logits));
    }
    static double mean(double logits) { return std::exp(-logits); }             // (1 - p) / p
    static double variance(double logits) { return std::exp(-logits) * (1 + std::exp(-logits)); }  // (1 - p) / p^2
};

/// Geometric with success probability sigmoid(logits).
template <node Logits>
[[nodiscard]] constexpr auto geometric_logits(Logits&& logits) {
    auto l = detail::checked<ops::requirement::finite>(std::forward<Logits>(logits), "geometric logits");
    return distribution<geometric_family, decltype(l)>{{std::move(l)}};
}

}  // namespace ppl
