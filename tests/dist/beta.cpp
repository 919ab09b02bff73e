// Tests include/ppl/dist/beta.hpp: log_prob against Boost.Math, the sampler's moments, and the
// implicit pathwise gradient's unbiasedness.
#include <boost/math/distributions/beta.hpp>

#include "support/distribution_checks.hpp"

using namespace ppl;
using namespace ppl::testing;

TEST_CASE("beta: log_prob value and gradient", "[dist][beta]") {
    const dmatrix a = random_matrix(2, 3, 0.2, 6, 1), b = random_matrix(2, 3, 0.3, 4, 2), x = random_matrix(2, 3, 0.05, 0.95, 3);
    check_gradient<3>([](auto p, auto q, auto v) { return log_prob(beta(p, q), v); }, {a, b, x},
                      entrywise<3>([](double p, double q, double v) {
                          return std::log(boost::math::pdf(boost::math::beta_distribution<double>(p, q), v));
                      }),
                      {.value_tolerance = 1e-9});
}

TEST_CASE("beta: samples have the closed-form moments", "[dist][beta]") {
    for (auto [a, b] : {std::pair{0.3, 0.6}, std::pair{1.0, 1.0}, std::pair{4.5, 2.0}, std::pair{50.0, 200.0}}) {
        INFO("Beta(" << a << ", " << b << ")");
        check_moments<2>([](auto p, auto q) { return beta_family::rsample<"z">({}, p, q); }, {a, b}, beta_family::mean(a, b),
                         beta_family::variance(a, b));
    }
}

TEST_CASE("beta: the pathwise gradient of E[z] is unbiased in a and in b", "[dist][beta]") {
    // E[z] = a / (a + b): d/da = b / (a + b)^2, d/db = -a / (a + b)^2
    const double a = 0.7, b = 2.5;
    const Eigen::Index n = 20000;
    dparameter first("a", 1, n), second("b", 1, n);
    first.value.setConstant(a);
    second.value.setConstant(b);
    graph g{sum(beta_family::rsample<"z">({}, param(first), param(second)))};
    random_stream rng{8};
    g.forward(stream_noise{&rng});
    g.backward();
    check_unbiased(first.grad.row(0).transpose().array(), b / ((a + b) * (a + b)));
    check_unbiased(second.grad.row(0).transpose().array(), -a / ((a + b) * (a + b)));
}

TEST_CASE("beta: parameters that are not positive are refused", "[dist][beta]") {
    CHECK_THROWS_WITH(beta(0.0, 1.0), Catch::Contains("beta a is 0"));
    CHECK_THROWS_WITH(beta(1.0, -2.0), Catch::Contains("beta b is -2"));
}

TEST_CASE("beta: the policy's default is pathwise", "[dist][beta]") {
    STATIC_REQUIRE(std::is_same_v<estimator_for<beta_family>, pathwise>);
    STATIC_REQUIRE(std::is_same_v<estimator_for<beta_family, score_function<none>>, score_function<none>>);
}
