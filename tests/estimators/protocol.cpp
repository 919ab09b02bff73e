// Tests include/ppl/estimators/protocol.hpp: an estimator and a family written by a user, outside
// namespace ppl and without editing ppl, are chosen, described, trained and refused like ppl's own.
#include <cmath>
#include <string>

#include "support/estimator_checks.hpp"
#include "support/user_extensions.hpp"

using namespace ppl;
using namespace ppl::testing;
using user_code::kumaraswamy;
using user_code::kumaraswamy_family;
using user_code::score_with_fixed_baseline;

// The policy reads the user's family from its traits, and the user's estimator by its accepts.
static_assert(std::is_same_v<estimator_for<kumaraswamy_family>, pathwise>);
static_assert(std::is_same_v<estimator_for<kumaraswamy_family, score_function<none>>, score_function<none>>);
static_assert(std::is_same_v<estimator_for<bernoulli_family, score_with_fixed_baseline<2>>, score_with_fixed_baseline<2>>);
static_assert(std::is_same_v<estimator_for<poisson_family, score_with_fixed_baseline<2>>, score_with_fixed_baseline<2>>);
static_assert(estimator_traits<score_with_fixed_baseline<2>>::global_sites);
static_assert(estimator_traits<score_with_fixed_baseline<2>>::column_blocks == 1);
static_assert(!estimator_traits<score_with_fixed_baseline<2>>::trains_iwae);

namespace {

// E[X] = b B(1 + 1/a, b) for X ~ Kumaraswamy(a, b).
double kumaraswamy_mean(double a, double b) {
    return b * std::exp(std::lgamma(1 + 1 / a) + std::lgamma(b) - std::lgamma(1 + 1 / a + b));
}

// Per-point estimates of d/d theta of the -ELBO of b ~ Bern(sigmoid(theta)), x | b ~ N(3 b, 1),
// uniform prior, with x = 1 for every point, from `steps` steps of n points.
template <class Estimator>
Eigen::RowVectorXd bernoulli_elbo_estimates(double theta0, Eigen::Index n, int steps) {
    basic_parameter<double> theta("theta", 1, n);
    theta.value.setConstant(theta0);
    auto b = sample<"b", Estimator>(bernoulli_logits(param(theta)), uniform_bernoulli());
    auto objective = elbo(observe(normal(3.0 * b, 1.0), data<"x">()));
    const Eigen::MatrixXd x = Eigen::MatrixXd::Ones(1, n);
    random_stream rng{23};
    Eigen::RowVectorXd last;
    for (int s = 0; s < steps; ++s) {
        theta.grad.setZero();
        objective.value_and_grad(x, rng);
        last = theta.grad.row(0) * static_cast<double>(n);
    }
    return last;
}

// The exact gradient: p (1 - p) (f(1) - f(0) + theta), f(b) = (1 - 3 b)^2 / 2 + const.
double bernoulli_elbo_gradient(double theta) {
    const double p = 1 / (1 + std::exp(-theta));
    return p * (1 - p) * (0.5 * 4.0 - 0.5 * 1.0 + theta);
}

}  // namespace

TEST_CASE("protocol: a user's family samples by its own inverse CDF, pathwise by default", "[estimators][protocol]") {
    const Eigen::Index n = 200000;
    const double a0 = 2.0, b0 = 3.0;
    basic_parameter<double> a("a", 1, n), b("b", 1, n);
    a.value.setConstant(a0);
    b.value.setConstant(b0);
    auto q = kumaraswamy(param(a), param(b));
    auto z = let<"z">(estimator_for<kumaraswamy_family>::value<"z">(q, constant_leaf{1.0}));
    graph g{sum(z)};
    random_stream rng{5};
    g.value_and_grad(stream_noise{&rng});
    check_unbiased(summarize(g.value<"z">().row(0)), kumaraswamy_mean(a0, b0));
    // the pathwise gradient of E[X] against central differences of the closed form
    const double h = 1e-5;
    check_unbiased(summarize(a.grad.row(0)), (kumaraswamy_mean(a0 + h, b0) - kumaraswamy_mean(a0 - h, b0)) / (2 * h));
    check_unbiased(summarize(b.grad.row(0)), (kumaraswamy_mean(a0, b0 + h) - kumaraswamy_mean(a0, b0 - h)) / (2 * h));
}

TEST_CASE("protocol: a user's family trains in an ELBO and is described by its name", "[estimators][protocol]") {
    // x in (0, 1) observed through N(z, 0.1); q(z | x) = Kumaraswamy(softplus(dense(x)), softplus(dense(x))), uniform prior
    random_stream init{1};
    dense enc_a{1, 1, init, "enc_a"}, enc_b{1, 1, init, "enc_b"};
    auto x = data<"x">();
    auto z = sample<"z">(kumaraswamy(softplus(enc_a(x)) + 0.1, softplus(enc_b(x)) + 0.1), kumaraswamy(1.0, 1.0));
    auto objective = elbo(observe(normal(z, 0.1), x));
    CHECK(describe(objective) == "site=z dist=kumaraswamy estimator=pathwise kl=monte_carlo\n");
    Eigen::MatrixXf batch = Eigen::MatrixXf::Constant(1, 64, 0.8f);
    random_stream rng{3};
    adam optimiser{objective.parameters(), {.lr = 0.05}};
    double first = 0, last = 0;
    for (int step = 0; step < 300; ++step) {
        const double value = objective.train_step(batch, rng, optimiser).neg_elbo;
        REQUIRE(std::isfinite(value));
        if (step < 20) first += value / 20;
        if (step >= 280) last += value / 20;
    }
    CHECK(last < first - 1.0);  // q moves its mass towards 0.8
}

TEST_CASE("protocol: a user's estimator is chosen, described and unbiased in an ELBO", "[estimators][protocol]") {
    const double theta = 0.3, truth = bernoulli_elbo_gradient(theta);
    // the library's score function, as a check of the problem, then the user's with two baselines
    check_unbiased(summarize(bernoulli_elbo_estimates<score_function<none>>(theta, 40000, 1)), truth);
    check_unbiased(summarize(bernoulli_elbo_estimates<score_with_fixed_baseline<0>>(theta, 40000, 1)), truth);
    check_unbiased(summarize(bernoulli_elbo_estimates<score_with_fixed_baseline<2>>(theta, 40000, 1)), truth);
    // with the baseline near the cost, the user's control variate lowers the variance
    const double plain = summarize(bernoulli_elbo_estimates<score_with_fixed_baseline<0>>(theta, 20000, 1)).standard_error;
    const double centred = summarize(bernoulli_elbo_estimates<score_with_fixed_baseline<2>>(theta, 20000, 1)).standard_error;
    CHECK(centred < plain / 2);

    basic_parameter<float> logits("logits", 4, 1);
    auto b = sample<"b", score_with_fixed_baseline<1>>(bernoulli_logits(param(logits)), uniform_bernoulli());
    static_assert(std::is_same_v<estimator_of<decltype(b)>, score_with_fixed_baseline<1>>);
    auto objective = elbo(observe(normal(column_sum(b), 1.0), data<"x">()));
    CHECK(describe(objective) == "site=b dist=bernoulli estimator=score_with_fixed_baseline kl=analytic\n");
}

TEST_CASE("protocol: a user's estimator may serve a global site when it says so", "[estimators][protocol]") {
    basic_parameter<float> logits("logits", 1, 1);
    auto w = sample<"w", global, score_with_fixed_baseline<0>>(bernoulli_logits(param(logits)), uniform_bernoulli());
    auto x_input = data<"x">();
    auto objective = elbo(elbo_settings{.dataset_size = 100}, observe(normal(w * x_input, 1.0), x_input));
    Eigen::MatrixXf x = Eigen::MatrixXf::Ones(1, 10);
    random_stream rng{1};
    CHECK(std::isfinite(objective.value_and_grad(x, rng).neg_elbo));
    CHECK(std::isfinite(logits.grad(0, 0)));
}
