#pragma once
// The closed-form problems of rebar's and relax's tests: d/d theta E[r^T z] for 16 Bernoulli units
// and for one categorical of 8 classes, the per-point estimates of both estimators and of REINFORCE
// with the leave-one-out baseline, and the summed per-point variance.
#include <string>
#include <vector>

#include "support/estimator_checks.hpp"

namespace ppl::testing {

// E[r^T z] and its gradient: 16 Bernoulli units, or one categorical of 8 classes.
struct bernoulli_problem {
    using family = bernoulli_family;
    static constexpr Eigen::Index rows = bernoulli_units;
    static Eigen::VectorXd theta() { return bernoulli_unit_logits(); }
    static Eigen::VectorXd rewards() { return bernoulli_unit_rewards(); }
    static Eigen::VectorXd gradient() {
        const Eigen::ArrayXd p = 1 / (1 + (-theta().array()).exp());
        return (rewards().array() * p * (1 - p)).matrix();
    }
    static auto q(basic_parameter<double>& logits) { return bernoulli_logits(param(logits)); }
    static no_settings settings() { return {}; }
};

struct categorical_problem {
    using family = categorical_family;
    static constexpr Eigen::Index rows = 8;
    static Eigen::VectorXd theta() { return Eigen::VectorXd::LinSpaced(rows, -1.0, 1.5); }
    static Eigen::VectorXd rewards() {
        Eigen::VectorXd r(rows);
        for (Eigen::Index j = 0; j < rows; ++j) r(j) = std::cos(2.3 * double(j));
        return r;
    }
    static Eigen::VectorXd gradient() {
        const Eigen::VectorXd p = softmax_of(theta()), r = rewards();
        return (p.array() * (r.array() - p.dot(r))).matrix();
    }
    static auto q(basic_parameter<double>& logits) { return categorical(param(logits), 1); }
    static ops::group_layout settings() { return {1, 0}; }
};

// n per-point estimates of d/d theta E[r^T z] (rows x n) by rebar (Estimator = rebar) or relax<Net>,
// with the state's eta, tau (and rho); with `adapt`, then one variance step. The five blocks' logits
// gradients add up to each point's estimate.
template <class Problem, class Estimator = rebar>
Eigen::MatrixXd rebar_estimates(baseline_state& state, Eigen::Index n, random_stream& rng, bool adapt) {
    using family = typename Problem::family;
    using network = typename Estimator::control;  // rebar: none; relax: its network
    basic_parameter<double> logits("logits", Problem::rows, rebar_layout::blocks * n);
    logits.value = Problem::theta().replicate(1, rebar_layout::blocks * n);
    auto q = Problem::q(logits);
    auto z = let<"z">(Estimator::template value<"z">(q, constant_leaf{1.0}));
    const auto& noise = find_let<let_named_t<Estimator::template noise_name<"z">, decltype(z)>>(z);
    auto cost = column_sum(input<"r">() * z);
    graph g{make_expr(ops::rebar_surrogate_op<family, network>{Problem::settings()}, std::get<0>(q.params),
                      stop_gradient(z), noise, cost, state_leaf<baseline_state>{&state})};
    const Eigen::MatrixXd r = Problem::rewards();
    Eigen::MatrixXd control(1, 3), hard = Eigen::MatrixXd::Zero(1, 1);
    control << std::exp(state.control.log_tau), std::exp(state.control.log_tau + rebar_layout::probe_step), state.control.eta;
    g.template set<"r">(r);
    g.template set<Estimator::template control_name<"z">>(control);
    g.template set<"hard_samples">(hard);
    g.value_and_grad(stream_noise{&rng});
    CHECK(g.result()(0, 0) == 0.0);
    Eigen::MatrixXd per_point = Eigen::MatrixXd::Zero(Problem::rows, n);
    for (Eigen::Index block = 0; block < rebar_layout::blocks; ++block) per_point += logits.grad.middleCols(block * n, n);
    if (adapt)
        ppl::detail::adapt_control_variate<family, network>(Problem::settings(), state, g.template value<Estimator::template noise_name<"z">>(),
                                                            g.template adjoint<"z">());
    return per_point * double(n);
}

// n per-point REINFORCE estimates with the leave-one-out baseline over k samples per point.
template <class Problem>
Eigen::MatrixXd leave_one_out_estimates(Eigen::Index k, Eigen::Index n, random_stream& rng) {
    basic_parameter<double> logits("logits", Problem::rows, k * n);
    logits.value = Problem::theta().replicate(1, k * n);
    baseline_state state;
    state.samples = k;
    auto q = Problem::q(logits);
    auto z = let<"z">(score_function<leave_one_out>::value<"z">(q, constant_leaf{1.0}));
    graph g{make_expr(ops::score_surrogate_op<leave_one_out>{}, column_sum(log_prob(q, z)),
                      stop_gradient(column_sum(input<"r">() * z)), state_leaf<baseline_state>{&state})};
    const Eigen::MatrixXd r = Problem::rewards();
    g.template set<"r">(r);
    g.value_and_grad(stream_noise{&rng});
    Eigen::MatrixXd per_point = Eigen::MatrixXd::Zero(Problem::rows, n);
    for (Eigen::Index s = 0; s < k; ++s) per_point += logits.grad.middleCols(s * n, n);
    return per_point * double(n);
}

// The summed per-point variance over all logits.
inline double total_variance(const Eigen::MatrixXd& estimates) {
    double total = 0;
    for (Eigen::Index j = 0; j < estimates.rows(); ++j) total += std::pow(summarize(estimates.row(j)).standard_error, 2) * double(estimates.cols());
    return total;
}

template <class Problem>
void check_all_unbiased(const Eigen::MatrixXd& estimates) {
    const Eigen::VectorXd truth = Problem::gradient();
    for (Eigen::Index j = 0; j < Problem::rows; ++j) {
        INFO("logit " << j);
        check_unbiased(summarize(estimates.row(j)), truth(j));
    }
}

// Saturated units and classes whose probability underflows must not turn the estimate into NaN.
struct saturated_bernoulli : bernoulli_problem {
    static Eigen::VectorXd theta() { return Eigen::VectorXd::LinSpaced(rows, -60.0, 60.0); }
};
struct saturated_categorical : categorical_problem {
    static Eigen::VectorXd theta() {
        Eigen::VectorXd t = categorical_problem::theta();
        t(1) = -900, t(4) = 40;
        return t;
    }
};

// The whole objective, for rebar or relax<Net>: elbo() lays out the five blocks, scores block 0 and trains through the
// surrogate. On a model small enough to enumerate (4 Bernoulli latents, 5 binary pixels, one image)
// the mean gradient of every parameter matches the exact -ELBO's, found by central differences of
// the sum over all 16 latent states; eta and tau adapt along the way.
template <class Estimator>
void check_small_bernoulli_vae() {
    constexpr Eigen::Index pixels = 5, latents = 4;
    random_stream init{7};
    basic_dense<double> enc{pixels, latents, init, "enc"}, dec{latents, pixels, init, "dec"};
    auto x = data<"x">();
    auto z = sample<"z", Estimator>(bernoulli_logits(enc(x)), uniform_bernoulli());
    auto objective = elbo(observe(bernoulli_logits(dec(z)), x));
    // appended, not chained with +: g++ 12 at -O3 warns falsely (-Warray-bounds) on the chain's moved temporaries
    std::string expected = "site=z dist=bernoulli estimator=";
    expected.append(Estimator::name).append(" kl=analytic\n");
    CHECK(objective.describe() == expected);
    Eigen::MatrixXd image(pixels, 1);
    image << 1, 0, 1, 1, 0;

    // -ELBO by enumeration: sum_z q(z) [-log p(x | z)] + KL(q || Bernoulli(1/2))
    const auto exact = [&] {
        const Eigen::ArrayXd theta = (enc.weight.value * image + enc.bias.value).array();
        const Eigen::ArrayXd p = 1 / (1 + (-theta).exp());
        double total = 0;
        for (int state = 0; state < (1 << latents); ++state) {
            Eigen::VectorXd bits(latents);
            double q = 1;
            for (Eigen::Index k = 0; k < latents; ++k) {
                bits(k) = (state >> k) & 1;
                q *= bits(k) == 1 ? p(k) : 1 - p(k);
            }
            const Eigen::ArrayXd logits = (dec.weight.value * bits + dec.bias.value).array();
            const Eigen::ArrayXd x_col = image.col(0).array();
            total += q * (logits.exp().log1p() - x_col * logits).sum();  // bce with logits
        }
        return total + (p * p.log() + (1 - p) * (1 - p).log() + std::log(2.0)).sum();
    };
    std::vector<basic_parameter<double>*> params{&enc.weight, &enc.bias, &dec.weight, &dec.bias};
    std::vector<Eigen::MatrixXd> truth;
    for (auto* p : params) {
        Eigen::MatrixXd g(p->value.rows(), p->value.cols());
        for (Eigen::Index i = 0; i < p->value.size(); ++i) {
            const double saved = p->value(i), h = 1e-6;
            p->value(i) = saved + h;
            const double up = exact();
            p->value(i) = saved - h;
            g(i) = (up - exact()) / (2 * h);
            p->value(i) = saved;
        }
        truth.push_back(g);
    }

    random_stream noise{8};
    constexpr int draws = 40000;
    std::vector<Eigen::MatrixXd> sum(params.size()), sum_squares(params.size());
    for (std::size_t k = 0; k < params.size(); ++k)
        sum[k] = sum_squares[k] = Eigen::MatrixXd::Zero(params[k]->value.rows(), params[k]->value.cols());
    double value = 0;
    for (int t = 0; t < draws; ++t) {
        value += objective.value_and_grad(image, noise).neg_elbo;
        for (std::size_t k = 0; k < params.size(); ++k) {
            sum[k] += params[k]->grad;
            sum_squares[k] += params[k]->grad.cwiseAbs2();
        }
    }
    INFO("mean -ELBO over the draws " << value / draws << ", exact " << exact());
    CHECK(std::abs(value / draws - exact()) < 0.05);
    for (std::size_t k = 0; k < params.size(); ++k)
        for (Eigen::Index i = 0; i < truth[k].size(); ++i) {
            INFO(params[k]->name << " entry " << i);
            const double mean = sum[k](i) / draws;
            const double error = std::sqrt(std::max(sum_squares[k](i) / draws - mean * mean, 0.0) / draws);
            check_unbiased({mean, error}, truth[k](i));
        }
    const auto& control = objective.baselines()[0].control;
    CHECK(control.steps == draws);
    CHECK((control.eta != 1.0 && std::exp(control.log_tau) != 0.5));
    if constexpr (is_relax_v<Estimator>) CHECK((control.network.size() > 0 && control.network.allFinite()));
}

}  // namespace ppl::testing
