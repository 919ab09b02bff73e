// Tests include/ppl/estimators/arm.hpp: unbiased for d/d theta E[r^T b] over 16 Bernoulli units,
// and its variance at theta = 0 against the closed forms of ARM, DisARM and REINFORCE-LOO (two
// samples per point each): ARM has the most, which is why DisARM exists.
#include "support/estimator_checks.hpp"

using namespace ppl;
using namespace ppl::testing;

namespace {

// n per-point ARM estimates (one row per unit); point i's pair sits in columns i and n + i.
Eigen::MatrixXd arm_estimates(const Eigen::VectorXd& theta, Eigen::Index n, std::uint64_t seed) {
    basic_parameter<double> logits("logits", bernoulli_units, 2 * n);
    logits.value = theta.replicate(1, 2 * n);
    baseline_state state;
    auto q = bernoulli_logits(param(logits));
    auto b = let<"b">(arm::value<"b">(q, constant_leaf{1.0}));
    using noise = let_named_t<arm::noise_name<"b">, decltype(b)>;
    const Eigen::MatrixXd r = bernoulli_unit_rewards();
    graph g{make_expr(ops::arm_surrogate_op{}, std::get<0>(q.params), stop_gradient(column_sum(input<"r">() * b)),
                      find_let<noise>(b), state_leaf<baseline_state>{&state})};
    g.set<"r">(r);
    random_stream rng{seed};
    g.value_and_grad(stream_noise{&rng});
    CHECK(g.result()(0, 0) == 0.0);
    return (logits.grad.leftCols(n) + logits.grad.rightCols(n)) * double(n);
}

}  // namespace

TEST_CASE("arm: unbiased for E[r^T b] over 16 Bernoulli units", "[estimators][arm]") {
    const Eigen::MatrixXd g = arm_estimates(bernoulli_unit_logits(), 40000, 31);
    const Eigen::VectorXd theta = bernoulli_unit_logits(), r = bernoulli_unit_rewards();
    for (Eigen::Index j = 0; j < bernoulli_units; ++j) {
        INFO("unit " << j);
        const double p = 1 / (1 + std::exp(-theta(j)));
        check_unbiased(summarize(g.row(j)), r(j) * p * (1 - p));
    }
}

// At theta = 0, with R = sum_k r_k^2 and s_k = b_k - b~_k = sign(L_k): g_j = (sum_k r_k s_k)(u_j - 1/2),
// so E[g_j^2] = R E[(u - 1/2)^2] = R / 12 and the variance is R / 12 - r_j^2 / 16. Summed over the
// units: 1.27 R, against R for REINFORCE-LOO and 15/16 R for DisARM at two samples per point.
TEST_CASE("arm: its variance at theta = 0 is the closed form, above LOO and DisARM", "[estimators][arm]") {
    const Eigen::VectorXd theta = Eigen::VectorXd::Zero(bernoulli_units), r = bernoulli_unit_rewards();
    const Eigen::MatrixXd g = arm_estimates(theta, 40000, 32);
    const double total = r.squaredNorm();
    double variance = 0;
    for (Eigen::Index j = 0; j < bernoulli_units; ++j) {
        INFO("unit " << j);
        const estimate e = summarize(g.row(j));
        check_unbiased(e, r(j) / 4);
        const double v = e.standard_error * e.standard_error * 40000;
        CHECK(v == Approx(total / 12 - r(j) * r(j) / 16).epsilon(0.05));
        variance += v;
    }
    INFO("summed variance " << variance << "; LOO " << total << ", DisARM " << 15 * total / 16);
    CHECK(variance / total == Approx(16.0 / 12 - 1.0 / 16).epsilon(0.02));
    CHECK(variance > total);
}

TEST_CASE("arm: an odd number of columns is a ppl::error that names the fix", "[estimators][arm]") {
    basic_parameter<double> logits("logits", 2, 3);
    graph g{sum(arm::value<"b">(bernoulli_logits(param(logits)), constant_leaf{1.0}))};
    random_stream rng{1};
    CHECK_THROWS_WITH(g.forward(stream_noise{&rng}), Catch::Contains("elbo_settings{.samples = 2}"));
}
