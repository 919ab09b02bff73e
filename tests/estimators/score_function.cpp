// Tests include/ppl/estimators/score_function.hpp: unbiased with each baseline.
#include "support/estimator_checks.hpp"

using namespace ppl;
using namespace ppl::testing;

namespace {

// Per-sample score-function estimates of d/d logits_0 E[r^T z] from `steps` steps of n columns;
// the estimates of the last step are returned.
template <class Baseline>
Eigen::RowVectorXd categorical_estimates(const Eigen::VectorXd& logits0, const Eigen::VectorXd& rewards, Eigen::Index n,
                                         Eigen::Index samples_per_point, int steps) {
    basic_parameter<double> logits("logits", logits0.size(), n);
    logits.value = logits0.replicate(1, n);
    baseline_state state;
    state.samples = samples_per_point;
    auto q = categorical(param(logits), 1);
    auto z = let<"z">(score_function<Baseline>::template value<"z">(q, constant_leaf{1.0}));
    auto cost = column_sum(input<"r">() * z);
    graph g{make_expr(ops::score_surrogate_op<Baseline>{}, column_sum(log_prob(q, z)), stop_gradient(cost),
                      state_leaf<baseline_state>{&state})};
    Eigen::MatrixXd r = rewards;
    g.template set<"r">(r);
    random_stream rng{17};
    for (int s = 0; s < steps; ++s) g.value_and_grad(stream_noise{&rng});
    CHECK(g.result()(0, 0) == 0.0);  // the surrogate's value is 0: it changes gradients only
    return logits.grad.row(0) * static_cast<double>(n);
}

}  // namespace

TEST_CASE("score_function: unbiased for E[r^T z], z ~ Cat(softmax(logits))", "[estimators][score_function]") {
    Eigen::VectorXd logits(8), rewards(8);
    logits << 0.5, -1.0, 0.2, 1.1, -0.3, 0.0, 0.8, -2.0;
    rewards << 1.0, 0.2, -0.5, 0.9, 0.1, -1.2, 0.4, 2.0;
    const double truth = expected_reward_gradient(logits, rewards);
    check_unbiased(summarize(categorical_estimates<none>(logits, rewards, 40000, 1, 1)), truth);
    check_unbiased(summarize(categorical_estimates<moving_average>(logits, rewards, 40000, 1, 3)), truth);
    check_unbiased(summarize(categorical_estimates<leave_one_out>(logits, rewards, 40000, 4, 1)), truth);
}

TEST_CASE("score_function: baselines reduce the variance", "[estimators][score_function]") {
    Eigen::VectorXd logits(8), rewards(8);
    logits << 0.5, -1.0, 0.2, 1.1, -0.3, 0.0, 0.8, -2.0;
    rewards = Eigen::VectorXd::Constant(8, 5.0) + Eigen::VectorXd::LinSpaced(8, 0, 1);  // a large common offset
    const double plain = summarize(categorical_estimates<none>(logits, rewards, 20000, 1, 1)).standard_error;
    const double averaged = summarize(categorical_estimates<moving_average>(logits, rewards, 20000, 1, 3)).standard_error;
    const double loo = summarize(categorical_estimates<leave_one_out>(logits, rewards, 20000, 4, 1)).standard_error;
    CHECK(averaged < plain / 3);
    CHECK(loo < plain / 3);
}

TEST_CASE("score_function: unbiased for a continuous site, E[(z - c)^2] with z ~ N(mu, sigma)", "[estimators][score_function]") {
    const Eigen::Index n = 100000;
    const double mu0 = 0.7, sigma0 = 1.3, c = 2.0;
    basic_parameter<double> mu("mu", 1, n), sigma("sigma", 1, n);
    mu.value.setConstant(mu0);
    sigma.value.setConstant(sigma0);
    baseline_state state;
    auto q = normal(param(mu), param(sigma));
    auto z = let<"z">(score_function<none>::value<"z">(q, constant_leaf{1.0}));
    graph g{make_expr(ops::score_surrogate_op<none>{}, column_sum(log_prob(q, z)), stop_gradient(column_sum(square(z - c))),
                      state_leaf<baseline_state>{&state})};
    random_stream rng{8};
    g.value_and_grad(stream_noise{&rng});
    check_unbiased(summarize(mu.grad.row(0) * double(n)), 2 * (mu0 - c));
    check_unbiased(summarize(sigma.grad.row(0) * double(n)), 2 * sigma0);
}

TEST_CASE("score_function: leave_one_out needs two samples per data point", "[estimators][score_function]") {
    Eigen::VectorXd logits = Eigen::VectorXd::Zero(3), rewards = Eigen::VectorXd::Ones(3);
    CHECK_THROWS_WITH(categorical_estimates<leave_one_out>(logits, rewards, 10, 1, 1), Catch::Contains("at least 2 samples"));
}
