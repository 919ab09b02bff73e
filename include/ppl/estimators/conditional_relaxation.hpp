#pragma once
// The conditional Gumbel relaxation as a control variate, the machinery of rebar and relax: the
// five column blocks of a site, the relaxation conditioned on the exact sample (z~ ~ p(z | b)) for
// bernoulli and categorical families, the site's value and surrogate ops, and the variance step on
// the learned eta and tau (and a Control's own terms, see no_network).
#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <vector>

#include "ppl/core/adjoint.hpp"
#include "ppl/core/error.hpp"
#include "ppl/core/let.hpp"
#include "ppl/core/schedule.hpp"
#include "ppl/dist/bernoulli.hpp"
#include "ppl/dist/categorical.hpp"
#include "ppl/estimators/gumbel_softmax.hpp"
#include "ppl/estimators/protocol.hpp"
#include "ppl/estimators/score_function.hpp"
#include "ppl/ops/noise.hpp"

namespace ppl {

/// How an objective lays out a rebar site's columns: five blocks of n columns per batch of n points.
///   block 0: b = H(z), the exact sample (z = logits + Gumbel or logistic noise)
///   block 1: sigma_tau(z), the relaxed sample;  block 2: sigma_tau(z~), z~ ~ p(z | b) (conditional)
///   blocks 3, 4: as 1 and 2 at the probe temperature tau e^delta, for the variance gradient of tau
namespace rebar_layout {
inline constexpr Eigen::Index blocks = 5;
/// The cost weight of the relaxed blocks. Their gradient reaches the logits rescaled by eta / weight,
/// so the decoder's own gradient gets only this small zero-mean share of theirs (a power of two: exact).
inline constexpr double relaxed_weight = 1.0 / 1024;
/// delta of the probe temperature, in log tau.
inline constexpr double probe_step = 0.05;
}  // namespace rebar_layout

namespace detail {

inline double rebar_logit(double u) { return std::log(u) - std::log1p(-u); }
inline double rebar_sigmoid(double x) { return x >= 0 ? 1 / (1 + std::exp(-x)) : std::exp(x) / (1 + std::exp(x)); }

// The per-family math of rebar on one data point: exact and relaxed samples, the conditional
// relaxation z~ ~ p(z | b) with its derivative in the logits, and the score d log q(b) / d logits.
template <class Family>
struct rebar_math;

// Bernoulli(sigmoid(theta)): z = theta + logit(u), b = [z > 0]. Given b, u is uniform on
// (1 - p, 1) or (0, 1 - p); u' = that interval at v gives z~ = theta + logit(u').
template <>
struct rebar_math<bernoulli_family> {
    using settings = no_settings;
    struct conditional {
        double value, slope;  // z~ and d z~ / d theta
    };
    static conditional conditional_sample(double theta, double v, bool b) {
        const double p = rebar_sigmoid(theta), q = rebar_sigmoid(-theta);
        if (b) {
            const double upper = p * (1 - v), u = 1 - upper;  // u' = 1 - p (1 - v)
            return {theta + std::log(u) - std::log(upper), p * v / u};
        }
        const double u = v * q, upper = 1 - u;  // u' = v (1 - p)
        return {theta + std::log(u) - std::log(upper), q * (1 - v) / upper};
    }
    // sigma_tau(z) and sigma_tau(z~) (which = 0, 1) of one point, with b given (0 or 1 per row): the
    // relaxed pair at logits theta whose exact sample is b.
    static void relaxed_pair(settings, const auto& theta, const auto& u, const auto& v, const auto& b, double tau,
                             auto&& write) {
        for (Eigen::Index r = 0; r < theta.rows(); ++r) {
            const double t = static_cast<double>(theta(r)), z = t + rebar_logit(static_cast<double>(u(r)));
            write(r, 0, rebar_sigmoid(z / tau));
            write(r, 1, rebar_sigmoid(conditional_sample(t, static_cast<double>(v(r)), static_cast<double>(b(r)) > 0.5).value / tau));
        }
    }
    // Writes the point's five columns (rows x 1 each) from theta, u and v.
    static void sample(settings, const auto& theta, const auto& u, const auto& v, double tau, double probe_tau, auto&& out) {
        for (Eigen::Index r = 0; r < theta.rows(); ++r) {
            const double t = static_cast<double>(theta(r)), z = t + rebar_logit(static_cast<double>(u(r)));
            const double tilde = conditional_sample(t, static_cast<double>(v(r)), z > 0).value;
            out(r, 0, z > 0 ? 1.0 : 0.0);
            out(r, 1, rebar_sigmoid(z / tau));
            out(r, 2, rebar_sigmoid(tilde / tau));
            out(r, 3, rebar_sigmoid(z / probe_tau));
            out(r, 4, rebar_sigmoid(tilde / probe_tau));
        }
    }
    // d f / d theta of a relaxed block (conditional or not), given d f / d y of that block.
    static void pullback(settings, const auto& theta, const auto& u, const auto& v, double tau, bool conditional_block,
                         const auto& dy, auto&& write) {
        for (Eigen::Index r = 0; r < theta.rows(); ++r) {
            const double t = static_cast<double>(theta(r)), z = t + rebar_logit(static_cast<double>(u(r)));
            double x = z, slope = 1;
            if (conditional_block) {
                const conditional c = conditional_sample(t, static_cast<double>(v(r)), z > 0);
                x = c.value, slope = c.slope;
            }
            const double y = rebar_sigmoid(x / tau);
            write(r, static_cast<double>(dy(r)) * y * (1 - y) / tau * slope);
        }
    }
    static void score(settings, const auto& theta, const auto& b, auto&& write) {
        for (Eigen::Index r = 0; r < theta.rows(); ++r)
            write(r, static_cast<double>(b(r)) - rebar_sigmoid(static_cast<double>(theta(r))));
    }
    static void draw(settings, const auto& theta, const auto& u, auto&& write) {
        for (Eigen::Index r = 0; r < theta.rows(); ++r)
            write(r, static_cast<double>(theta(r)) + rebar_logit(static_cast<double>(u(r))) > 0 ? 1.0 : 0.0);
    }
};

// Categorical(softmax(theta)) per group of K rows: z = theta + g, b = argmax z. Given b, with
// log p = log_softmax(theta) and c = -log v_b: z~_b = -log c, z~_k = -log(-log v_k / p_k + c).
template <>
struct rebar_math<categorical_family> {
    using settings = ops::group_layout;
    static double gumbel(double u) { return -std::log(-std::log(u)); }
    // calls f(first_row, classes) for every group of a column of `rows` rows
    static void groups(settings layout, Eigen::Index rows, auto&& f) {
        const Eigen::Index classes = layout.classes_for(rows);
        for (Eigen::Index g = 0; g < rows; g += classes) f(g, classes);
    }
    static double log_normaliser(const auto& theta, Eigen::Index g, Eigen::Index k) {
        double top = static_cast<double>(theta(g));
        for (Eigen::Index j = 1; j < k; ++j) top = std::max(top, static_cast<double>(theta(g + j)));
        double total = 0;
        for (Eigen::Index j = 0; j < k; ++j) total += std::exp(static_cast<double>(theta(g + j)) - top);
        return top + std::log(total);
    }
    static Eigen::Index argmax(const auto& theta, const auto& u, Eigen::Index g, Eigen::Index k) {
        Eigen::Index best = 0;
        double best_value = -INFINITY;
        for (Eigen::Index j = 0; j < k; ++j) {
            const double z = static_cast<double>(theta(g + j)) + gumbel(static_cast<double>(u(g + j)));
            if (z > best_value) best_value = z, best = j;
        }
        return best;
    }
    // z~_j of the conditional sample, and e_j (z~_j = -log e_j) with c = -log v_b
    struct conditional {
        double value, e, c;
    };
    static conditional conditional_sample(const auto& theta, const auto& v, Eigen::Index g, Eigen::Index j, Eigen::Index b,
                                          double log_z) {
        const double c = -std::log(static_cast<double>(v(g + b)));
        if (j == b) return {-std::log(c), c, c};
        const double p = std::exp(static_cast<double>(theta(g + j)) - log_z);
        const double e = -std::log(static_cast<double>(v(g + j))) / p + c;
        return {-std::log(e), e, c};
    }
    // softmax(x / tau) over one group into out(row, block)
    static void relaxed(Eigen::Index g, Eigen::Index k, double tau, auto&& x, auto&& write) {
        double top = -INFINITY, total = 0;
        for (Eigen::Index j = 0; j < k; ++j) top = std::max(top, x(j) / tau);
        for (Eigen::Index j = 0; j < k; ++j) total += std::exp(x(j) / tau - top);
        for (Eigen::Index j = 0; j < k; ++j) write(g + j, std::exp(x(j) / tau - top) / total);
    }
    // softmax_tau(z) and softmax_tau(z~) (which = 0, 1) of one group whose exact sample is class hot
    static void group_pair(const auto& theta, const auto& u, const auto& v, Eigen::Index g, Eigen::Index k, Eigen::Index hot,
                           double tau, auto&& write) {
        const double log_z = log_normaliser(theta, g, k);
        const auto z = [&](Eigen::Index j) { return static_cast<double>(theta(g + j)) + gumbel(static_cast<double>(u(g + j))); };
        const auto tilde = [&](Eigen::Index j) { return conditional_sample(theta, v, g, j, hot, log_z).value; };
        relaxed(g, k, tau, z, [&](Eigen::Index r, double y) { write(r, 0, y); });
        relaxed(g, k, tau, tilde, [&](Eigen::Index r, double y) { write(r, 1, y); });
    }
    // The relaxed pair of one point at logits theta, with b given as the one-hot exact sample.
    static void relaxed_pair(settings layout, const auto& theta, const auto& u, const auto& v, const auto& b, double tau,
                             auto&& write) {
        groups(layout, theta.rows(), [&](Eigen::Index g, Eigen::Index k) {
            Eigen::Index hot = 0;
            for (Eigen::Index j = 1; j < k; ++j)
                if (static_cast<double>(b(g + j)) > static_cast<double>(b(g + hot))) hot = j;
            group_pair(theta, u, v, g, k, hot, tau, write);
        });
    }
    static void sample(settings layout, const auto& theta, const auto& u, const auto& v, double tau, double probe_tau,
                       auto&& out) {
        groups(layout, theta.rows(), [&](Eigen::Index g, Eigen::Index k) {
            const Eigen::Index hot = argmax(theta, u, g, k);
            for (Eigen::Index j = 0; j < k; ++j) out(g + j, 0, j == hot ? 1.0 : 0.0);
            group_pair(theta, u, v, g, k, hot, tau, [&](Eigen::Index r, int which, double y) { out(r, 1 + which, y); });
            group_pair(theta, u, v, g, k, hot, probe_tau, [&](Eigen::Index r, int which, double y) { out(r, 3 + which, y); });
        });
    }
    // d f / d theta from d f / d y: the softmax Jacobian, then for z~ the chain through log p:
    // d z~_k / d log p_k = (e_k - c) / e_k (0 for k = b) and d log p_k / d theta_j = [k = j] - p_j.
    static void pullback(settings layout, const auto& theta, const auto& u, const auto& v, double tau,
                         bool conditional_block, const auto& dy, auto&& write) {
        groups(layout, theta.rows(), [&](Eigen::Index g, Eigen::Index k) {
            const Eigen::Index b = argmax(theta, u, g, k);
            const double log_z = log_normaliser(theta, g, k);
            const auto x = [&](Eigen::Index j) {
                return conditional_block ? conditional_sample(theta, v, g, j, b, log_z).value
                                         : static_cast<double>(theta(g + j)) + gumbel(static_cast<double>(u(g + j)));
            };
            double top = -INFINITY, total = 0, inner = 0;
            for (Eigen::Index j = 0; j < k; ++j) top = std::max(top, x(j) / tau);
            for (Eigen::Index j = 0; j < k; ++j) total += std::exp(x(j) / tau - top);
            const auto y = [&](Eigen::Index j) { return std::exp(x(j) / tau - top) / total; };
            for (Eigen::Index j = 0; j < k; ++j) inner += y(j) * static_cast<double>(dy(g + j));
            const auto dx = [&](Eigen::Index j) { return y(j) * (static_cast<double>(dy(g + j)) - inner) / tau; };
            if (!conditional_block) {
                for (Eigen::Index j = 0; j < k; ++j) write(g + j, dx(j));
                return;
            }
            const auto h = [&](Eigen::Index j) {
                if (j == b) return 0.0;
                const conditional c = conditional_sample(theta, v, g, j, b, log_z);
                // p_j that underflows puts z~_j at -infinity, where y_j = 0 and the slope tends to 1
                return std::isfinite(c.e) ? dx(j) * (c.e - c.c) / c.e : 0.0;
            };
            double h_total = 0;
            for (Eigen::Index j = 0; j < k; ++j) h_total += h(j);
            for (Eigen::Index j = 0; j < k; ++j)
                write(g + j, h(j) - std::exp(static_cast<double>(theta(g + j)) - log_z) * h_total);
        });
    }
    static void score(settings layout, const auto& theta, const auto& b, auto&& write) {
        groups(layout, theta.rows(), [&](Eigen::Index g, Eigen::Index k) {
            const double log_z = log_normaliser(theta, g, k);
            for (Eigen::Index j = 0; j < k; ++j)
                write(g + j, static_cast<double>(b(g + j)) - std::exp(static_cast<double>(theta(g + j)) - log_z));
        });
    }
    static void draw(settings layout, const auto& theta, const auto& u, auto&& write) {
        groups(layout, theta.rows(), [&](Eigen::Index g, Eigen::Index k) {
            const Eigen::Index b = argmax(theta, u, g, k);
            for (Eigen::Index j = 0; j < k; ++j) write(g + j, j == b ? 1.0 : 0.0);
        });
    }
};

// The n points of a rebar layout, or a ppl::error that says how to build the objective.
inline Eigen::Index rebar_points(Eigen::Index columns) {
    if (columns % rebar_layout::blocks != 0)
        fail("a conditionally relaxed site evaluates five column blocks per data point (the exact sample, two relaxed ones and "
             "two probes); got ", columns, " columns. Build the objective with elbo(...) (samples = 1), which lays them out");
    return columns / rebar_layout::blocks;
}

// The learned part of the control variate beyond eta f(sigma_tau(z)): none for rebar (relax adds a
// network, ppl/estimators/relax.hpp). A Control states present, and when present the static
// function templates terms<Family>(settings, cv, noise), which fill cv.network_value and
// cv.control_gradient, and step<Family>(settings, cv, noise, g), its variance step.
struct no_network {
    static constexpr bool present = false;
};

}  // namespace detail

namespace ops {

/// A rebar site's value. Operands: the logits (rows x 5n, the batch repeated in five blocks), uniform
/// noise (block 0 holds u, block 1 holds v), the control input [tau, probe tau, eta] and the hard
/// flag. With the flag set, every column is an exact draw from its own noise (evaluation, iwae).
/// Backward: blocks 1 and 2 pass eta / relaxed_weight times their pathwise gradient to the logits.
template <class Family>
struct rebar_sample_op {
    static constexpr std::string_view name = "rebar_sample";
    using math = detail::rebar_math<Family>;
    typename math::settings settings;
    shape infer(const shape& logits, const shape& noise, const shape&, const shape&) const {
        if (logits != noise) fail("a conditional relaxation needs noise shaped like its logits; got ", logits, " and ", noise);
        return logits;
    }
    void forward(auto& y, const auto& logits, const auto& noise, const auto& control, const auto& hard) const {
        using scalar = typename std::decay_t<decltype(y)>::Scalar;
        if (hard(0, 0) != 0) {
            for (Eigen::Index j = 0; j < y.cols(); ++j)
                math::draw(settings, logits.col(j), noise.col(j), [&](Eigen::Index r, double v) { y(r, j) = static_cast<scalar>(v); });
            return;
        }
        const Eigen::Index n = detail::rebar_points(y.cols());
        for (Eigen::Index i = 0; i < n; ++i)
            math::sample(settings, logits.col(i), noise.col(i), noise.col(n + i), static_cast<double>(control(0, 0)),
                         static_cast<double>(control(0, 1)),
                         [&](Eigen::Index r, Eigen::Index block, double v) { y(r, block * n + i) = static_cast<scalar>(v); });
    }
    void backward(const auto&, const auto& dy, const auto& dlogits, const auto&, const auto&, const auto&,
                  const auto& logits, const auto& noise, const auto& control, const auto& hard) const {
        if constexpr (wants_adjoint<decltype(dlogits)>) {
            dlogits.accumulate_pieces([&](auto& target, bool assign) {
                using scalar = typename std::decay_t<decltype(target)>::Scalar;
                if (assign) target.setZero();
                if (hard(0, 0) != 0) return;  // exact draws pass no gradient
                const Eigen::Index n = logits.cols() / rebar_layout::blocks;
                const double tau = static_cast<double>(control(0, 0));
                const double scale = static_cast<double>(control(0, 2)) / rebar_layout::relaxed_weight;
                for (Eigen::Index i = 0; i < n; ++i)
                    for (const Eigen::Index block : {1, 2}) {
                        const Eigen::Index column = block * n + i;
                        math::pullback(settings, logits.col(i), noise.col(i), noise.col(n + i), tau, block == 2, dy.col(column),
                                       [&](Eigen::Index r, double g) { target(r, column) += static_cast<scalar>(scale * g); });
                    }
            });
        }
    }
};

/// The surrogate whose gradient adds rebar's score term and whose value is 0. Operands: the logits and
/// the site's value (rows x 5n each), the site's noise, the per-column cost f (1 x 5n) and the site's
/// state (eta, and the Control's terms when it has any).
///   d/d theta (block 0) = [(f(b) - eta f(sigma_tau(z~)) - r(z~)) d log q(b) / d theta + D r(z) - D r(z~)] / n
///   d/d f = +-relaxed_weight / n on blocks 1, 3 and 2, 4 (those reach the logits through the site)
/// The forward pass records block 0's logits and samples and every block's cost for the variance step.
template <class Family, class Control = detail::no_network>
struct rebar_surrogate_op {
    static constexpr std::string_view name = "rebar_surrogate";
    using math = detail::rebar_math<Family>;
    typename math::settings settings;
    shape infer(const shape& logits, const shape& samples, const shape& noise, const shape& cost, state_shape) const {
        if (logits != samples || logits != noise || cost.rows != 1 || cost.cols != logits.cols)
            fail("the conditional relaxation's surrogate needs logits, samples and noise of one shape and a 1 x columns cost; got ", logits,
                 ", ", samples, ", ", noise, " and ", cost);
        return {1, 1};
    }
    void forward(auto& y, const auto& logits, const auto& samples, const auto&, const auto& cost, baseline_state* state) const {
        y.setZero();
        const Eigen::Index n = detail::rebar_points(logits.cols());
        auto& record = state->control;
        record.logits = logits.leftCols(n).template cast<double>();
        record.samples = samples.leftCols(n).template cast<double>();
        record.cost = cost.template cast<double>();
    }
    void backward(const auto&, const auto& dy, const auto& dlogits, const auto&, const auto&, const auto& dcost,
                  const auto&, const auto& logits, const auto&, const auto& noise, const auto&,
                  baseline_state* state) const {
        const Eigen::Index n = logits.cols() / rebar_layout::blocks;
        const double scale = static_cast<double>(dy(0, 0)) / static_cast<double>(n);
        auto& cv = state->control;
        const double eta = cv.eta;
        if constexpr (wants_adjoint<decltype(dcost)>) {
            dcost.accumulate_pieces([&](auto& target, bool assign) {
                using scalar = typename std::decay_t<decltype(target)>::Scalar;
                for (Eigen::Index block = 0; block < rebar_layout::blocks; ++block) {
                    const double sign = block == 0 ? 0.0 : (block % 2 == 1 ? 1.0 : -1.0);
                    const auto weight = static_cast<scalar>(sign * rebar_layout::relaxed_weight * scale);
                    auto piece = target.middleCols(block * n, n);
                    if (assign) piece.setConstant(weight);
                    else piece.array() += weight;
                }
            });
        }
        if constexpr (Control::present) Control::template terms<Family>(settings, cv, noise);
        // the control's value at z~ (relax's network), 0 for rebar
        const auto network = [&]([[maybe_unused]] Eigen::Index i) -> double {
            if constexpr (!Control::present) return 0.0;
            else return cv.network_value(n + i);
        };
        // the moving average of f(b) - c(z~) over earlier steps: a baseline independent of this step
        const double baseline = state->started ? state->value : 0.0;
        cv.baseline = baseline;
        double mean = 0;
        for (Eigen::Index i = 0; i < n; ++i) mean += cv.cost(i) - eta * cv.cost(2 * n + i) - network(i);
        mean /= static_cast<double>(n);
        state->value = state->started ? state->decay * state->value + (1 - state->decay) * mean : mean;
        state->started = true;
        if constexpr (wants_adjoint<decltype(dlogits)>) {
            dlogits.accumulate_pieces([&](auto& target, bool assign) {
                using scalar = typename std::decay_t<decltype(target)>::Scalar;
                if (assign) target.rightCols(logits.cols() - n).setZero();
                for (Eigen::Index i = 0; i < n; ++i) {
                    const double weight = scale * (cv.cost(i) - eta * cv.cost(2 * n + i) - network(i) - baseline);
                    math::score(settings, cv.logits.col(i), cv.samples.col(i), [&](Eigen::Index r, double s) {
                        double total = weight * s;
                        if constexpr (Control::present) total += scale * cv.control_gradient(r, i);
                        auto& entry = target(r, i);
                        entry = static_cast<scalar>(assign ? total : static_cast<double>(entry) + total);
                    });
                }
            });
        }
    }
};

}  // namespace ops

namespace detail {

// The variance step on eta and log tau, and the Control's own step (see rebar_adapt and relax_adapt).
template <class Family, class Control>
void adapt_control_variate(typename rebar_math<Family>::settings settings, baseline_state& state, const auto& noise,
                           const auto& site_adjoint) {
    using math = rebar_math<Family>;
    auto& cv = state.control;
    const Eigen::Index n = cv.logits.cols(), rows = cv.logits.rows();
    if (n == 0 || site_adjoint.cols() != rebar_layout::blocks * n) return;
    const double tau = std::exp(cv.log_tau), probe_tau = tau * std::exp(rebar_layout::probe_step), eta = cv.eta;
    const double unscale = static_cast<double>(n) / rebar_layout::relaxed_weight;
    cv.work.resize(rows, 5);
    if constexpr (Control::present) cv.estimate.resize(rows, n);
    double eta_gradient = 0, tau_gradient = 0, squared = 0;
    for (Eigen::Index i = 0; i < n; ++i) {
        const auto theta = cv.logits.col(i);
        math::score(settings, theta, cv.samples.col(i), [&](Eigen::Index r, double s) { cv.work(r, 0) = s; });
        for (Eigen::Index block = 1; block < rebar_layout::blocks; ++block) {
            const double sign = block % 2 == 1 ? unscale : -unscale;
            math::pullback(settings, theta, noise.col(i), noise.col(n + i), block < 3 ? tau : probe_tau, block % 2 == 0,
                           site_adjoint.col(block * n + i), [&](Eigen::Index r, double g) { cv.work(r, block) = sign * g; });
        }
        const double f0 = cv.cost(i), f2 = cv.cost(2 * n + i), f4 = cv.cost(4 * n + i);
        double network = 0;  // relax: r(z~) in the score weight, and D r(z) - D r(z~) per logit
        if constexpr (Control::present) network = cv.network_value(n + i);
        for (Eigen::Index r = 0; r < rows; ++r) {
            const double s = cv.work(r, 0);
            double extra = 0;
            if constexpr (Control::present) extra = cv.control_gradient(r, i);
            const double g = (f0 - eta * f2 - network - cv.baseline) * s + eta * (cv.work(r, 1) - cv.work(r, 2)) + extra;
            const double probe =
                (f0 - eta * f4 - network - cv.baseline) * s + eta * (cv.work(r, 3) - cv.work(r, 4)) + extra;
            eta_gradient += 2 * g * (-f2 * s + cv.work(r, 1) - cv.work(r, 2));
            tau_gradient += (probe * probe - g * g) / rebar_layout::probe_step;
            squared += g * g;
            if constexpr (Control::present) cv.estimate(r, i) = g;
        }
    }
    cv.squared_norm = squared / static_cast<double>(n);
    const double gradients[2] = {eta_gradient / static_cast<double>(n), tau_gradient / static_cast<double>(n)};
    double* targets[2] = {&cv.eta, &cv.log_tau};
    ++cv.steps;
    const double beta1 = 0.9, beta2 = 0.999;
    for (int k = 0; k < 2; ++k) {
        if (!std::isfinite(gradients[k])) continue;  // a saturated relaxation: keep the old value
        cv.first_moment[k] = beta1 * cv.first_moment[k] + (1 - beta1) * gradients[k];
        cv.second_moment[k] = beta2 * cv.second_moment[k] + (1 - beta2) * gradients[k] * gradients[k];
        const double m = cv.first_moment[k] / (1 - std::pow(beta1, double(cv.steps)));
        const double v = cv.second_moment[k] / (1 - std::pow(beta2, double(cv.steps)));
        *targets[k] -= cv.rate * m / (std::sqrt(v) + 1e-8);
    }
    cv.log_tau = std::clamp(cv.log_tau, std::log(0.01), std::log(100.0));
    if constexpr (Control::present) Control::template step<Family>(settings, cv, noise, cv.estimate);
}

}  // namespace detail

namespace detail {

// What the conditionally relaxed estimators share: the five column blocks, the site's value, its surrogate, the inputs
// bound each step and the variance step after the backward pass. Control: see no_network.
template <class Control>
struct conditional_relaxation_rules {
    using control = Control;
    template <class Family>
    static constexpr bool accepts = conditionally_relaxable_v<Family>;
    static constexpr Eigen::Index column_blocks = rebar_layout::blocks;
    static constexpr bool needs_analytic_kl = true;  // the relaxed blocks lie outside q's support

    template <class Family>
    static consteval void refuse() {
        if constexpr (Family::reparameterizable)
            static_assert(detail::always_false<Family>,
                          "ppl: this estimator (named above) is a control variate for discrete bernoulli or categorical "
                          "sites; this family is continuous and reparameterizable, so pathwise (its default) needs no "
                          "control variate: drop the override.");
        else
            static_assert(detail::always_false<Family>,
                          "ppl: this estimator (named above) needs the conditional Gumbel relaxation, which ppl has for "
                          "bernoulli and categorical sites only; for this family use score_function<leave_one_out>, or "
                          "train the K-sample bound iwae(K, ...) with its score function.");
    }

    /// The let that holds a site's uniform noise (block 0: u, block 1: v), read by the surrogate.
    template <fixed_string Site>
    static constexpr auto noise_name = concat(fixed_string{"relaxation:noise."}, Site);
    /// The input [tau, probe tau, eta] a site's value reads.
    template <fixed_string Site>
    static constexpr auto control_name = concat(fixed_string{"relaxation:control."}, Site);

    template <fixed_string Site, class D, class Tau>
    static auto value(const D& d, const Tau&) {
        using family = family_of<D>;
        const auto& logits = std::get<0>(d.params);
        auto noise = let<noise_name<Site>>(noise_like<Site>(noise_kind::uniform, logits));
        return make_expr(ops::rebar_sample_op<family>{d.settings}, logits, std::move(noise), input<control_name<Site>>(),
                         hard_samples_input);
    }

    /// Only block 0 (the exact samples) is the model's cost; the relaxed blocks enter through the surrogate.
    static auto block_cost_weight() { return input<"relaxation:block_weight">(); }

    /// The score term with the relaxation as control variate; cost() passes its gradient to the relaxed blocks.
    template <class Site, class Cost>
    static auto elbo_surrogate(const Site& site, const Cost& cost, baseline_state* state) {
        using family = typename Site::info_type::family;
        using noise = let_named_t<noise_name<let_name_of<Site>>, Site>;
        return make_expr(ops::rebar_surrogate_op<family, Control>{site.info.q.settings}, std::get<0>(site.info.q.params),
                         stop_gradient(site), find_let<noise>(site), cost(), state_leaf<baseline_state>{state});
    }

    /// Binds [tau, probe tau, eta] from the site's state, and the block weights of an elbo. Without a
    /// state (iwae), the site draws exact samples, which read no control value.
    template <fixed_string Site, class Graph, class Matrix>
    static void bind_inputs(Graph& graph, const baseline_state* state, Eigen::Index points, std::vector<Matrix>& buffers) {
        using scalar = typename Matrix::Scalar;
        buffers.resize(2);
        Matrix& control = buffers[0];
        Matrix& block_weight = buffers[1];
        if (control.size() != 3) control = Matrix::Ones(1, 3);
        if (state != nullptr) {
            const auto& cv = state->control;
            const double tau = std::exp(cv.log_tau);
            control(0, 0) = static_cast<scalar>(tau);
            control(0, 1) = static_cast<scalar>(tau * std::exp(rebar_layout::probe_step));
            control(0, 2) = static_cast<scalar>(cv.eta);
        }
        graph.template set<control_name<Site>>(control);
        if constexpr (Graph::template has_input<"relaxation:block_weight">()) {
            if (block_weight.cols() != rebar_layout::blocks * points) {
                block_weight = Matrix::Zero(1, rebar_layout::blocks * points);
                block_weight.leftCols(points).setConstant(static_cast<scalar>(rebar_layout::blocks));
            }
            graph.template set<"relaxation:block_weight">(block_weight);
        }
    }

    /// The variance step on eta and tau (and the control's own) after the backward pass.
    template <class Graph, class Site>
    static void after_backward(Graph& graph, const Site& site, baseline_state& state) {
        using family = typename Site::info_type::family;
        constexpr auto name = let_name_of<Site>;
        adapt_control_variate<family, Control>(site.info.q.settings, state, graph.template value<noise_name<name>>(),
                                               graph.template adjoint<name>());
    }
};

}  // namespace detail

}  // namespace ppl
