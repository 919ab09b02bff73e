#pragma once
// The log-density of the Hard Concrete distribution (Louizos, Welling and Kingma 2018): a binary
// Concrete s with location alpha = exp(log_alpha) and temperature beta, stretched to (gamma, zeta)
// and clipped to [0, 1]. Its law has point masses at 0 and 1 and a density in between:
//   P(z = 0) = sigmoid(beta logit(t0) - log_alpha),       t0 = -gamma / (zeta - gamma)
//   P(z = 1) = 1 - sigmoid(beta logit(t1) - log_alpha),   t1 = (1 - gamma) / (zeta - gamma)
//   p(z)     = q((z - gamma) / (zeta - gamma)) / (zeta - gamma) on (0, 1), with the binary Concrete
//   density q(s) = beta alpha s^(-beta-1) (1-s)^(-beta-1) / (alpha s^(-beta) + (1-s)^(-beta))^2.
#include <algorithm>
#include <cmath>
#include <string_view>
#include <type_traits>

#include "ppl/core/error.hpp"
#include "ppl/ops/elementwise.hpp"

namespace ppl {

/// Hard Concrete's shape: temperature beta and stretch interval (gamma, zeta), the paper's defaults.
struct hard_concrete_settings {
    double beta = 2.0 / 3.0;
    double gamma = -0.1;
    double zeta = 1.1;
};

}  // namespace ppl

namespace ppl::ops {

/// y = log P(z) at the masses z <= 0 and z >= 1, log p(z) inside; gradients in log_alpha, and in z inside.
struct hard_concrete_log_prob_op {
    static constexpr std::string_view name = "hard_concrete_log_prob";
    hard_concrete_settings settings;

    shape infer(const shape& log_alpha, const shape& z) const {
        if (log_alpha != z) fail("hard_concrete log_alpha is ", log_alpha, " but the value is ", z);
        return z;
    }

    // softplus(x) = log(1 + e^x), without overflow
    static double softplus(double x) { return std::max(x, 0.0) + std::log1p(std::exp(-std::abs(x))); }
    static double sigmoid(double x) { return 1 / (1 + std::exp(-x)); }
    // beta logit(t) at the two clipping points: the masses' thresholds
    [[nodiscard]] double threshold(double t) const { return settings.beta * (std::log(t) - std::log1p(-t)); }

    // log-density and its two partial derivatives at one entry
    struct terms {
        double value, by_log_alpha, by_z;
    };
    [[nodiscard]] terms at(double log_alpha, double z) const {
        const double beta = settings.beta, width = settings.zeta - settings.gamma;
        if (z <= 0) {
            const double c = threshold(-settings.gamma / width);
            return {-softplus(log_alpha - c), -sigmoid(log_alpha - c), 0};
        }
        if (z >= 1) {
            const double c = threshold((1 - settings.gamma) / width);
            return {-softplus(c - log_alpha), sigmoid(c - log_alpha), 0};
        }
        const double s = (z - settings.gamma) / width, log_s = std::log(s), log_rest = std::log1p(-s);
        const double a = log_alpha - beta * log_s, b = -beta * log_rest;
        const double larger = std::max(a, b), log_sum = larger + std::log(std::exp(a - larger) + std::exp(b - larger));
        const double w = sigmoid(a - b);  // the share of alpha s^(-beta) in the denominator
        const double value = std::log(beta) + log_alpha - (beta + 1) * (log_s + log_rest) - 2 * log_sum - std::log(width);
        const double by_s = -(beta + 1) * (1 / s - 1 / (1 - s)) + 2 * beta * (w / s - (1 - w) / (1 - s));
        return {value, 1 - 2 * w, by_s / width};
    }

    void forward(auto& y, const auto& log_alpha, const auto& z) const {
        using scalar = typename std::decay_t<decltype(y)>::Scalar;
        for (Eigen::Index j = 0; j < y.cols(); ++j)
            for (Eigen::Index i = 0; i < y.rows(); ++i)
                y(i, j) = static_cast<scalar>(at(static_cast<double>(log_alpha(i, j)), static_cast<double>(z(i, j))).value);
    }
    void backward(const auto& y, const auto& dy, const auto& dlog_alpha, const auto& dz, const auto& log_alpha,
                  const auto& z) const {
        if constexpr (wants_adjoint<decltype(dlog_alpha)>)
            accumulate(dlog_alpha, y, dy, log_alpha, z, [](const terms& t) { return t.by_log_alpha; });
        if constexpr (wants_adjoint<decltype(dz)>) accumulate(dz, y, dy, log_alpha, z, [](const terms& t) { return t.by_z; });
    }

private:
    // sink += dy .* (one partial derivative), entry by entry
    void accumulate(const auto& sink, const auto& y, const auto& dy, const auto& log_alpha, const auto& z, auto pick) const {
        sink.accumulate_pieces([&](auto& target, bool assign) {
            using scalar = typename std::decay_t<decltype(target)>::Scalar;
            for (Eigen::Index j = 0; j < y.cols(); ++j)
                for (Eigen::Index i = 0; i < y.rows(); ++i) {
                    const terms t = at(static_cast<double>(log_alpha(i, j)), static_cast<double>(z(i, j)));
                    const auto g = static_cast<scalar>(static_cast<double>(dy(i, j)) * pick(t));
                    target(i, j) = assign ? g : target(i, j) + g;
                }
        });
    }
};

}  // namespace ppl::ops
