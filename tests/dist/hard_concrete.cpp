// Tests include/ppl/dist/hard_concrete.hpp: log_prob through the generic checker, sampled frequencies
// of 0 and 1, the expected L0 penalty and the test-time gate (the density op itself: tests/ops/hard_concrete.cpp).
#include <boost/math/quadrature/tanh_sinh.hpp>

#include "support/distribution_checks.hpp"
#include "support/hard_concrete_reference.hpp"

using namespace ppl;
using namespace ppl::testing;

TEST_CASE("hard_concrete: log_prob value and gradient inside (0, 1)", "[dist][hard_concrete]") {
    const dmatrix log_alpha = random_matrix(2, 3, -2, 2, 1), z = random_matrix(2, 3, 0.05, 0.95, 2);
    check_gradient<2>([](auto l, auto v) { return log_prob(hard_concrete(l), v); }, {log_alpha, z},
                      entrywise<2>([](double l, double v) { return std::log(hard_concrete_density(l, v)); }), {.value_tolerance = 1e-9});
}

TEST_CASE("hard_concrete: samples hit 0 and 1 with the closed-form masses", "[dist][hard_concrete]") {
    const double log_alpha = 0.4;
    const Eigen::Index n = 40000;
    dparameter l("log_alpha", 1, n);
    l.value.setConstant(log_alpha);
    graph g{sum(let<"z">(hard_concrete_family::rsample<"z">(paper_gate, param(l))))};
    random_stream rng{12};
    g.forward(stream_noise{&rng});
    const Eigen::ArrayXd z = g.value<"z">().row(0).transpose().array();
    CHECK(z.minCoeff() >= 0);
    CHECK(z.maxCoeff() <= 1);
    const double zeros = (z == 0).cast<double>().mean(), ones = (z == 1).cast<double>().mean();
    const double p0 = std::exp(hard_concrete_log_prob_at(log_alpha, 0.0)), p1 = std::exp(hard_concrete_log_prob_at(log_alpha, 1.0));
    INFO("P(z = 0) " << zeros << " vs " << p0 << ", P(z = 1) " << ones << " vs " << p1);
    CHECK(std::abs(zeros - p0) <= 4 * std::sqrt(p0 * (1 - p0) / double(n)));
    CHECK(std::abs(ones - p1) <= 4 * std::sqrt(p1 * (1 - p1) / double(n)));
    // the mean: P(z = 1) plus the integral of x p(x) inside
    const double mean = p1 + boost::math::quadrature::tanh_sinh<double>().integrate(
                                 [&](double x) { return x * hard_concrete_density(log_alpha, x); }, 0.0, 1.0);
    const double sd = std::sqrt((z - z.mean()).square().sum() / double(n - 1));
    CHECK(std::abs(z.mean() - mean) <= 4 * sd / std::sqrt(double(n)));
}

TEST_CASE("hard_concrete: the expected L0 penalty is P(z != 0), differentiable", "[dist][hard_concrete]") {
    const dmatrix log_alpha = random_matrix(3, 2, -3, 3, 3);
    check_gradient<1>([](auto l) { return hard_concrete_l0(l); }, {log_alpha},
                      entrywise<1>([](double l) { return 1 - std::exp(hard_concrete_log_prob_at(l, 0.0)); }), {.value_tolerance = 1e-12});
}

TEST_CASE("hard_concrete: the test-time gate is the clipped, stretched sigmoid", "[dist][hard_concrete]") {
    const dmatrix log_alpha = (dmatrix(1, 4) << -5.0, -0.2, 0.7, 6.0).finished();
    check_gradient<1>([](auto l) { return hard_concrete_gate(l); }, {log_alpha}, entrywise<1>([](double l) {
                          return std::clamp(1.2 / (1 + std::exp(-l)) - 0.1, 0.0, 1.0);
                      }));
}

TEST_CASE("hard_concrete: bad settings and the policy", "[dist][hard_concrete]") {
    CHECK_THROWS_WITH(hard_concrete(0.0, {.beta = 0.5, .gamma = 0.1, .zeta = 1.1}), Catch::Contains("gamma < 0"));
    STATIC_REQUIRE(std::is_same_v<estimator_for<hard_concrete_family>, pathwise>);
    dparameter log_alpha("log_alpha", 3, 1);
    log_alpha.value(2, 0) = std::nan("");
    graph gates{sum(hard_concrete_sample<"g">(param(log_alpha)))};
    random_stream rng{1};
    CHECK_THROWS_WITH(gates.forward(stream_noise{&rng}), Catch::Contains("hard_concrete log_alpha is nan"));
}
