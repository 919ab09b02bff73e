#pragma once
// Hard Concrete(log_alpha): a gate in [0, 1] with exact zeros and ones (Louizos, Welling and Kingma 2018).
#include <cmath>
#include <tuple>
#include <utility>

#include "ppl/core/let.hpp"
#include "ppl/dist/family.hpp"
#include "ppl/ops/arithmetic.hpp"
#include "ppl/ops/hard_concrete.hpp"
#include "ppl/ops/noise.hpp"
#include "ppl/ops/clip.hpp"
#include "ppl/ops/sigmoid.hpp"

namespace ppl {

/// Hard Concrete(log_alpha; beta, gamma, zeta): s = sigmoid((L + log_alpha) / beta), L ~ Logistic(0, 1),
/// z = min(1, max(0, s (zeta - gamma) + gamma)). Pathwise: dz/dlog_alpha flows through s inside (0, 1) and
/// is zero where the gate is clipped, as in the paper. log_prob holds the point masses at 0 and 1 and the
/// density in between (ops/hard_concrete.hpp).
struct hard_concrete_family {
    static constexpr std::string_view name = "hard_concrete";
    static constexpr bool reparameterizable = true;
    static constexpr bool relaxable = false;
    static constexpr value_support support = value_support::unit_interval;
    static constexpr auto param_names = std::tuple{fixed_string{"log_alpha"}};
    using settings = hard_concrete_settings;

    static auto log_prob(hard_concrete_settings s, const auto& log_alpha, auto&& z) {
        return make_expr(ops::hard_concrete_log_prob_op{s}, log_alpha, std::forward<decltype(z)>(z));
    }
    template <fixed_string Site>
    static auto rsample(hard_concrete_settings s, const auto& log_alpha) {
        return clip(sigmoid((log_alpha + noise_like<Site>(noise_kind::logistic, log_alpha)) / s.beta) * (s.zeta - s.gamma) + s.gamma,
                    0.0, 1.0);
    }
};

/// Hard Concrete gates with logits log_alpha; the paper's beta = 2/3, gamma = -0.1, zeta = 1.1 unless
/// given. log_alpha is checked to be finite on every pass.
template <class LogAlpha>
[[nodiscard]] constexpr auto hard_concrete(LogAlpha&& log_alpha, hard_concrete_settings settings = {}) {
    if (!(settings.beta > 0) || !(settings.gamma < 0) || !(settings.zeta > 1))
        fail("hard_concrete needs beta > 0, gamma < 0 and zeta > 1; got beta ", settings.beta, ", gamma ", settings.gamma,
             ", zeta ", settings.zeta);
    auto l = detail::checked<ops::requirement::finite>(std::forward<LogAlpha>(log_alpha), "hard_concrete log_alpha");
    return distribution<hard_concrete_family, decltype(l)>{{std::move(l)}, settings};
}

/// A pathwise draw of Hard Concrete gates for an objective that is not an ELBO (say a loss plus an L0
/// penalty): the gates of rsample, their Logistic noise drawn under the site name Site.
template <fixed_string Site, node LogAlpha>
[[nodiscard]] auto hard_concrete_sample(LogAlpha&& log_alpha, hard_concrete_settings s = {}) {
    return hard_concrete_family::rsample<Site>(
        s, let<concat(Site, fixed_string{".log_alpha"})>(
               detail::checked<ops::requirement::finite>(std::forward<LogAlpha>(log_alpha), "hard_concrete log_alpha")));
}

/// The expected L0 norm of the gates, P(z != 0) per gate: sigmoid(log_alpha - beta log(-gamma / zeta)).
/// Its column sums are the expected number of open gates; differentiable in log_alpha.
template <node LogAlpha>
[[nodiscard]] auto hard_concrete_l0(LogAlpha&& log_alpha, hard_concrete_settings s = {}) {
    return sigmoid(std::forward<LogAlpha>(log_alpha) - s.beta * std::log(-s.gamma / s.zeta));
}

/// The test-time gate of the paper: min(1, max(0, sigmoid(log_alpha) (zeta - gamma) + gamma)), no noise.
template <node LogAlpha>
[[nodiscard]] auto hard_concrete_gate(LogAlpha&& log_alpha, hard_concrete_settings s = {}) {
    return clip(sigmoid(std::forward<LogAlpha>(log_alpha)) * (s.zeta - s.gamma) + s.gamma, 0.0, 1.0);
}

}  // namespace ppl
