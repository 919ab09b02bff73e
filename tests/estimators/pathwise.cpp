// Tests include/ppl/estimators/pathwise.hpp: unbiased on a problem with a closed-form gradient.
#include "support/estimator_checks.hpp"

using namespace ppl;
using namespace ppl::testing;

TEST_CASE("pathwise: unbiased gradient of E[(z - c)^2], z ~ N(mu, sigma)", "[estimators][pathwise]") {
    // E[(z - c)^2] = (mu - c)^2 + sigma^2: d/dmu = 2 (mu - c), d/dsigma = 2 sigma
    const Eigen::Index n = 20000;
    const double mu0 = 0.7, sigma0 = 1.3, c = 2.0;
    basic_parameter<double> mu("mu", 1, n), sigma("sigma", 1, n);
    mu.value.setConstant(mu0);
    sigma.value.setConstant(sigma0);
    auto z = pathwise::value<"z">(normal(param(mu), param(sigma)), constant_leaf{1.0});
    graph g{sum(square(z - c))};  // column j's gradient is sample j's estimate
    random_stream rng{5};
    g.value_and_grad(stream_noise{&rng});
    check_unbiased(summarize(mu.grad.row(0)), 2 * (mu0 - c));
    check_unbiased(summarize(sigma.grad.row(0)), 2 * sigma0);
}

TEST_CASE("pathwise: unbiased through an inverse-CDF family, E[z^2] with z ~ Exponential(rate)", "[estimators][pathwise]") {
    // E[z^2] = 2 / rate^2: d/drate = -4 / rate^3
    const Eigen::Index n = 40000;
    const double rate0 = 1.5;
    basic_parameter<double> rate("rate", 1, n);
    rate.value.setConstant(rate0);
    graph g{sum(square(pathwise::value<"z">(exponential(param(rate)), constant_leaf{1.0})))};
    random_stream rng{6};
    g.value_and_grad(stream_noise{&rng});
    check_unbiased(summarize(rate.grad.row(0)), -4 / (rate0 * rate0 * rate0));
}
