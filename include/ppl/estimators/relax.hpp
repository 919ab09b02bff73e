#pragma once
// RELAX (Grathwohl, Choi, Wu, Roeder and Duvenaud 2018): rebar's control variate plus a small learned
// network, all of it trained to minimise the estimator's variance.
#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <concepts>
#include <cstdint>
#include <string_view>

#include "ppl/estimators/conditional_relaxation.hpp"
#include "ppl/estimators/protocol.hpp"

namespace ppl {

/// What relax<Net> needs of Net: a small network r_rho(x), one number per column x of a matrix. ppl
/// holds rho (in the site's state, so checkpoints carry it) and passes it in; Net is stateless.
///   parameter_count(rows)                       the size of rho for an input of `rows` rows
///   initialise(rho, rows)                       rho arrives sized parameter_count(rows)
///   value(rho, x, r)                            r(j) = r_rho(x.col(j)), r sized by Net
///   backward(rho, x, w, dx, drho)               dx.col(j) = w(j) dr/dx at x.col(j) (dx sized by Net);
///                                               drho += sum_j w(j) dr/drho at x.col(j)
template <class Net>
concept relax_network = requires(Eigen::VectorXd& rho, const Eigen::VectorXd& fixed, const Eigen::MatrixXd& x,
                                 const Eigen::RowVectorXd& weights, Eigen::RowVectorXd& values, Eigen::MatrixXd& dx,
                                 Eigen::VectorXd& drho, Eigen::Index rows) {
    { Net::parameter_count(rows) } -> std::convertible_to<Eigen::Index>;
    Net::initialise(rho, rows);
    Net::value(fixed, x, values);
    Net::backward(fixed, x, weights, dx, drho);
};

/// A relax control network with one tanh hidden layer: r(x) = w2^T tanh(W1 x + b1) + b2.
/// W1 starts uniform in +-1/sqrt(rows) from a fixed seed; b1, w2 and b2 start at 0, so relax starts as rebar.
template <int Hidden>
struct relax_mlp {
    static_assert(Hidden > 0, "ppl: relax_mlp<Hidden> needs at least one hidden unit.");
    static Eigen::Index parameter_count(Eigen::Index rows) { return Hidden * rows + 2 * Hidden + 1; }
    // (rho, x, r, ... are templates so that nothing here is compiled before a model uses it)
    static void initialise(auto& rho, Eigen::Index rows) {
        const double bound = 1 / std::sqrt(static_cast<double>(rows));
        std::uint64_t state = 0x7e1a5eedULL;
        rho.setZero();
        for (Eigen::Index k = 0; k < Hidden * rows; ++k) {
            // splitmix64: a fixed, portable sequence, so every platform starts from the same network
            std::uint64_t bits = (state += 0x9e3779b97f4a7c15ULL);
            bits = (bits ^ (bits >> 30)) * 0xbf58476d1ce4e5b9ULL;
            bits = (bits ^ (bits >> 27)) * 0x94d049bb133111ebULL;
            bits ^= bits >> 31;
            rho(k) = bound * (2 * static_cast<double>(bits >> 11) * 0x1.0p-53 - 1);
        }
    }
    static auto hidden(const auto& rho, const auto& x) {
        const auto w1 = rho.head(Hidden * x.rows()).reshaped(Hidden, x.rows());
        const auto b1 = rho.segment(Hidden * x.rows(), Hidden);
        return ((w1 * x).colwise() + b1).array().tanh().matrix().eval();
    }
    static void value(const auto& rho, const auto& x, auto& r) {
        const Eigen::Index rows = x.rows();
        const auto w2 = rho.segment(Hidden * rows + Hidden, Hidden);
        r = (w2.transpose() * hidden(rho, x)).array() + rho(Hidden * rows + 2 * Hidden);
    }
    static void backward(const auto& rho, const auto& x, const auto& w, auto& dx, auto& drho) {
        const Eigen::Index rows = x.rows();
        const auto w1 = rho.head(Hidden * rows).reshaped(Hidden, rows);
        const auto w2 = rho.segment(Hidden * rows + Hidden, Hidden);
        const auto h = hidden(rho, x);
        // d(sum_j w_j r_j) / d(pre-activation) = (w2 w^T) * (1 - h^2)
        const auto da = ((w2 * w).array() * (1 - h.array().square())).matrix().eval();
        drho.head(Hidden * rows).reshaped(Hidden, rows) += da * x.transpose();
        drho.segment(Hidden * rows, Hidden) += da.rowwise().sum();
        drho.segment(Hidden * rows + Hidden, Hidden) += h * w.transpose();
        drho(Hidden * rows + 2 * Hidden) += w.sum();
        dx.noalias() = w1.transpose() * da;
    }
};

namespace detail {

// r_rho at sigma(z~) of every recorded point (cv.network_value) and the pathwise term of the network,
// d/d theta [r(sigma(z)) - r(sigma(z~))] per logit and point (cv.control_gradient). Initialises rho
// on first use.
template <class Family, class Net>
void relax_control_terms(typename rebar_math<Family>::settings settings, auto& cv, const auto& noise) {
    using math = rebar_math<Family>;
    const Eigen::Index n = cv.logits.cols(), rows = cv.logits.rows();
    const auto size = static_cast<Eigen::Index>(Net::parameter_count(rows));
    if (cv.network.size() == 0) {
        cv.network = Eigen::VectorXd::Zero(size);
        Net::initialise(cv.network, rows);
        cv.network_first_moment = Eigen::VectorXd::Zero(size);
        cv.network_second_moment = Eigen::VectorXd::Zero(size);
    }
    // a network restored from a checkpoint of another model or another Net
    if (cv.network.size() != size || cv.network_first_moment.size() != size || cv.network_second_moment.size() != size)
        fail("the relax control network holds ", cv.network.size(), " parameters (moments ", cv.network_first_moment.size(),
             " and ", cv.network_second_moment.size(), "), but this site's network needs ", size, " for ", rows,
             " logits: the checkpoint was written by another model");
    cv.network_input.resize(rows, 2 * n);
    for (Eigen::Index i = 0; i < n; ++i)
        math::relaxed_pair(settings, cv.logits.col(i), noise.col(i), noise.col(n + i), cv.samples.col(i), 1.0,
                           [&](Eigen::Index r, int which, double y) { cv.network_input(r, which * n + i) = y; });
    Net::value(cv.network, cv.network_input, cv.network_value);
    cv.network_weight.setOnes(2 * n);
    cv.network_gradient.setZero(cv.network.size());
    Net::backward(cv.network, cv.network_input, cv.network_weight, cv.network_dx, cv.network_gradient);
    cv.control_gradient.setZero(rows, n);
    for (Eigen::Index i = 0; i < n; ++i)
        for (const bool conditional : {false, true})
            math::pullback(settings, cv.logits.col(i), noise.col(i), noise.col(n + i), 1.0, conditional,
                           cv.network_dx.col(conditional ? n + i : i),
                           [&](Eigen::Index r, double g) { cv.control_gradient(r, i) += conditional ? -g : g; });
}

// One Adam step on rho down the gradient of sum_i |g_i|^2 / n, given every point's g_i (cv.work's
// column 5) and s_i (column 0). g_i depends on rho through
//   -r(x~) s_i + D_theta r(x(theta)) - D_theta r(x~(theta)),
// so g_i^T dg_i/drho = -(g_i^T s_i) dr/drho(x~) + d/drho of the directional derivatives of r(x(theta))
// and r(x~(theta)) along g_i, which are central differences in theta (b held fixed).
template <class Family, class Net>
void relax_network_step(typename rebar_math<Family>::settings settings, auto& cv, const auto& noise, const auto& g) {
    using math = rebar_math<Family>;
    const Eigen::Index n = cv.logits.cols(), rows = cv.logits.rows();
    cv.network_input.resize(rows, 5 * n);
    cv.network_weight.setZero(5 * n);
    Eigen::Matrix<typename std::remove_cvref_t<decltype(g)>::Scalar, Eigen::Dynamic, 1> shifted(rows);
    for (Eigen::Index i = 0; i < n; ++i) {
        const double largest = g.col(i).cwiseAbs().maxCoeff();
        double inner = 0;
        math::score(settings, cv.logits.col(i), cv.samples.col(i), [&](Eigen::Index r, double s) { inner += g(r, i) * s; });
        math::relaxed_pair(settings, cv.logits.col(i), noise.col(i), noise.col(n + i), cv.samples.col(i), 1.0,
                           [&](Eigen::Index r, int which, double y) { if (which == 1) cv.network_input(r, i) = y; });
        // a point whose estimate is not finite (a saturated relaxation) or is 0 adds nothing
        const bool usable = std::isfinite(largest) && std::isfinite(inner) && largest > 1e-200;
        cv.network_weight(i) = usable ? -2 * inner / static_cast<double>(n) : 0.0;
        const double step = usable ? 1e-4 / largest : 0.0;
        for (const int side : {1, -1}) {
            shifted = cv.logits.col(i);
            if (step > 0) shifted += side * step * g.col(i);
            const Eigen::Index column = (side == 1 ? 1 : 2) * n + i;  // x at theta +- step g; x~ at 3n, 4n
            math::relaxed_pair(settings, shifted, noise.col(i), noise.col(n + i), cv.samples.col(i), 1.0,
                               [&](Eigen::Index r, int which, double y) { cv.network_input(r, column + which * 2 * n) = y; });
            if (step > 0) {
                const double weight = side / (step * static_cast<double>(n));
                cv.network_weight(column) = weight;
                cv.network_weight(column + 2 * n) = -weight;
            }
        }
    }
    cv.network_gradient.setZero(cv.network.size());
    Net::backward(cv.network, cv.network_input, cv.network_weight, cv.network_dx, cv.network_gradient);
    if (!cv.network_gradient.allFinite()) return;  // a saturated relaxation: keep the old network
    const double beta1 = 0.9, beta2 = 0.999;
    cv.network_first_moment = beta1 * cv.network_first_moment + (1 - beta1) * cv.network_gradient;
    cv.network_second_moment = beta2 * cv.network_second_moment + (1 - beta2) * cv.network_gradient.cwiseAbs2();
    ++cv.network_steps;
    const double first = 1 - std::pow(beta1, double(cv.network_steps)), second = 1 - std::pow(beta2, double(cv.network_steps));
    cv.network.array() -= cv.rate * (cv.network_first_moment.array() / first) /
                          ((cv.network_second_moment.array() / second).sqrt() + 1e-8);
}

// relax's part of the control variate: the network r_rho, its terms and its variance step.
template <class Net>
struct network_control {
    using network = Net;
    static constexpr bool present = true;
    template <class Family>
    static void terms(typename rebar_math<Family>::settings settings, auto& cv, const auto& noise) {
        relax_control_terms<Family, Net>(settings, cv, noise);
    }
    template <class Family>
    static void step(typename rebar_math<Family>::settings settings, auto& cv, const auto& noise, const auto& g) {
        relax_network_step<Family, Net>(settings, cv, noise, g);
    }
};

}  // namespace detail

/// One variance step of a relax site, after the backward pass: rebar_adapt's step on eta and log tau
/// with g including the network's terms, then one Adam step on rho (detail::relax_network_step).
template <class Family, class Net>
void relax_adapt(typename detail::rebar_math<Family>::settings settings, baseline_state& state, const auto& noise,
                 const auto& site_adjoint) {
    detail::adapt_control_variate<Family, detail::network_control<Net>>(settings, state, noise, site_adjoint);
}

/// RELAX for bernoulli and categorical sites: rebar with the control variate
/// c(z) = eta f(sigma_tau(z)) + r_rho(sigma(z)), r_rho the network Net (see relax_network):
///   g = [f(b) - c(z~)] d log q(b) + d c(z) - d c(z~),   b = H(z), z~ ~ p(z | b).
/// Unbiased for any eta, tau and rho; all three are learned, each step, down the gradient of E|g|^2
/// (see relax_adapt). r reads the relaxation at temperature 1, so its input is bounded and does not
/// move with tau. Build with elbo(...): the site uses rebar's five column blocks.
template <class Net>
struct relax : detail::conditional_relaxation_rules<detail::network_control<Net>> {
    static constexpr std::string_view name = "relax";
    using network = Net;
    template <class Family>
    static constexpr bool accepts = conditionally_relaxable_v<Family> && relax_network<Net>;

    template <class Family>
    static consteval void refuse() {
        if constexpr (!relax_network<Net>)
            static_assert(detail::always_false<Family>,
                          "ppl: relax<Net> needs a control network type Net with static functions parameter_count(rows), "
                          "initialise(rho, rows), value(rho, x, r) and backward(rho, x, weights, dx, drho) (see "
                          "relax_network in ppl/estimators/relax.hpp); or write relax<relax_mlp<32>> for a ready-made one.");
        else
            detail::conditional_relaxation_rules<detail::network_control<Net>>::template refuse<Family>();
    }
};

/// True for relax<Net>, whatever its network.
template <class T>
inline constexpr bool is_relax_v = false;
template <class Net>
inline constexpr bool is_relax_v<relax<Net>> = true;

}  // namespace ppl
