// Tests include/ppl/estimators/disarm.hpp: unbiased for d/d theta E[r^T b] with b a vector of 16
// Bernoulli(sigmoid(theta)) units, and less variance than REINFORCE with leave-one-out at the same
// cost (two samples per data point).
#include "support/estimator_checks.hpp"

using namespace ppl;
using namespace ppl::testing;

namespace {

constexpr Eigen::Index units = bernoulli_units;
Eigen::VectorXd unit_logits() { return bernoulli_unit_logits(); }
Eigen::VectorXd unit_rewards() { return bernoulli_unit_rewards(); }

// n per-point estimates of d/d theta E[r^T b] (one row per unit). Point i's pair of samples sits in
// columns i and n + i, whose logits gradients add up to the point's estimate.
template <class Estimator>
Eigen::MatrixXd disarm_estimates(const Eigen::VectorXd& theta, Eigen::Index n, std::uint64_t seed) {
    basic_parameter<double> logits("logits", units, 2 * n);
    logits.value = theta.replicate(1, 2 * n);
    baseline_state state;
    state.samples = 2;
    auto q = bernoulli_logits(param(logits));
    auto b = let<"b">(Estimator::template value<"b">(q, constant_leaf{1.0}));
    auto cost = column_sum(input<"r">() * b);
    Eigen::MatrixXd r = unit_rewards();
    random_stream rng{seed};
    const auto run = [&](auto root) {
        graph g{root};
        g.template set<"r">(r);
        g.value_and_grad(stream_noise{&rng});
        CHECK(g.result()(0, 0) == 0.0);
        return Eigen::MatrixXd((logits.grad.leftCols(n) + logits.grad.rightCols(n)) * double(n));
    };
    if constexpr (std::is_same_v<Estimator, disarm>)
        return run(make_expr(ops::disarm_surrogate_op{}, std::get<0>(q.params), stop_gradient(b), stop_gradient(cost),
                             state_leaf<baseline_state>{&state}));
    else
        return run(make_expr(ops::score_surrogate_op<leave_one_out>{}, column_sum(log_prob(q, b)), stop_gradient(cost),
                             state_leaf<baseline_state>{&state}));
}

}  // namespace

TEST_CASE("disarm: the pair is antithetic and each sample is an exact Bernoulli draw", "[estimators][disarm]") {
    basic_parameter<double> logits("logits", 1, 40000);
    logits.value.setConstant(0.8);  // p = 0.69
    auto b = let<"b">(disarm::value<"b">(bernoulli_logits(param(logits)), constant_leaf{1.0}));
    graph g{sum(b)};
    random_stream rng{3};
    g.forward(stream_noise{&rng});
    const Eigen::MatrixXd& value = g.value<"b">();
    const double p = 1 / (1 + std::exp(-0.8));
    for (const Eigen::Index start : {Eigen::Index{0}, Eigen::Index{20000}}) {
        const estimate mean = summarize(value.row(0).segment(start, 20000));
        check_unbiased(mean, p);
    }
    // p > 1/2: the pair disagrees with probability 2 (1 - p), and never both 0
    double disagree = 0, both_zero = 0;
    for (Eigen::Index i = 0; i < 20000; ++i) {
        disagree += value(0, i) != value(0, 20000 + i);
        both_zero += value(0, i) == 0 && value(0, 20000 + i) == 0;
    }
    CHECK(both_zero == 0);
    CHECK(std::abs(disagree / 20000 - 2 * (1 - p)) < 0.015);
}

TEST_CASE("disarm: unbiased for E[r^T b] over 16 Bernoulli units", "[estimators][disarm]") {
    const Eigen::MatrixXd g = disarm_estimates<disarm>(unit_logits(), 40000, 11);
    const Eigen::VectorXd theta = unit_logits(), r = unit_rewards();
    for (Eigen::Index j = 0; j < units; ++j) {
        INFO("unit " << j);
        const double p = 1 / (1 + std::exp(-theta(j)));
        check_unbiased(summarize(g.row(j)), r(j) * p * (1 - p));
    }
}

// At theta = 0 (every unit undecided, as at the start of training) the per-unit variances are known:
// with R = sum_k r_k^2, DisARM's is (R - r_j^2) / 16 and REINFORCE-LOO's R / 16 (two samples each),
// so the summed variance of DisARM is 15/16 of LOO's. On a linear objective the antithetic pair
// gains only through each unit's own term; the papers' larger gains are on VAEs.
TEST_CASE("disarm: less variance than REINFORCE with leave-one-out at two samples per point", "[estimators][disarm]") {
    const Eigen::VectorXd theta = Eigen::VectorXd::Zero(units), r = unit_rewards();
    const Eigen::MatrixXd antithetic = disarm_estimates<disarm>(theta, 40000, 12);
    const Eigen::MatrixXd loo = disarm_estimates<score_function<leave_one_out>>(theta, 40000, 13);
    const double total = r.squaredNorm();
    double variance_disarm = 0, variance_loo = 0;
    for (Eigen::Index j = 0; j < units; ++j) {
        INFO("unit " << j);
        check_unbiased(summarize(antithetic.row(j)), r(j) / 4);
        check_unbiased(summarize(loo.row(j)), r(j) / 4);
        const double v_disarm = std::pow(summarize(antithetic.row(j)).standard_error, 2) * 40000;
        const double v_loo = std::pow(summarize(loo.row(j)).standard_error, 2) * 40000;
        CHECK(v_disarm == Approx((total - r(j) * r(j)) / 16).epsilon(0.05));
        CHECK(v_loo == Approx(total / 16).epsilon(0.05));
        variance_disarm += v_disarm, variance_loo += v_loo;
    }
    INFO("summed per-sample variance: disarm " << variance_disarm << ", leave-one-out " << variance_loo << " (15/16 expected)");
    CHECK(variance_disarm / variance_loo == Approx(15.0 / 16).epsilon(0.02));
    CHECK(variance_disarm < variance_loo);
}

TEST_CASE("disarm: an odd number of columns is a ppl::error that names the fix", "[estimators][disarm]") {
    basic_parameter<double> logits("logits", 2, 3);
    graph g{sum(disarm::value<"b">(bernoulli_logits(param(logits)), constant_leaf{1.0}))};
    random_stream rng{1};
    CHECK_THROWS_WITH(g.forward(stream_noise{&rng}), Catch::Contains("elbo_settings{.samples = 2}"));
}
