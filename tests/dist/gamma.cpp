// Tests include/ppl/dist/gamma.hpp: log_prob against Boost.Math, the sampler's moments, the
// implicit pathwise gradient's unbiasedness and its variance against the score function's.
#include <boost/math/distributions/gamma.hpp>
#include <boost/math/special_functions/digamma.hpp>

#include <cstdio>

#include "support/distribution_checks.hpp"

using namespace ppl;
using namespace ppl::testing;

TEST_CASE("gamma: log_prob value and gradient", "[dist][gamma]") {
    const dmatrix a = random_matrix(2, 3, 0.2, 6, 1), b = random_matrix(2, 3, 0.3, 4, 2), x = random_matrix(2, 3, 0.05, 5, 3);
    check_gradient<3>([](auto c, auto r, auto v) { return log_prob(gamma(c, r), v); }, {a, b, x},
                      entrywise<3>([](double c, double r, double v) {
                          return std::log(boost::math::pdf(boost::math::gamma_distribution<double>(c, 1 / r), v));
                      }));
}

TEST_CASE("gamma: inverse-CDF samples have the closed-form moments", "[dist][gamma]") {
    for (auto [a, b] : {std::pair{0.3, 2.0}, std::pair{1.0, 1.0}, std::pair{4.5, 0.5}, std::pair{200.0, 3.0}}) {
        INFO("Gamma(" << a << ", " << b << ")");
        check_moments<2>([](auto c, auto r) { return gamma_family::rsample<"z">({}, c, r); }, {a, b}, a / b, a / (b * b));
    }
}

TEST_CASE("gamma: the pathwise gradient of E[z^2] is unbiased, with less variance than the score function's",
          "[dist][gamma]") {
    // z ~ Gamma(alpha, 1): E[z^2] = alpha (alpha + 1), so d/dalpha E[z^2] = 2 alpha + 1
    for (double alpha : {0.5, 3.0}) {
        const Eigen::Index n = 20000;
        dparameter concentration("alpha", 1, n);
        concentration.value.setConstant(alpha);
        graph g{sum(square(let<"z">(gamma_family::rsample<"z">({}, param(concentration), constant_leaf{1.0}))))};
        random_stream rng{7};
        g.forward(stream_noise{&rng});
        g.backward();
        const Eigen::ArrayXd pathwise = concentration.grad.row(0).transpose().array();
        // the score function on the same draws: z^2 d/dalpha log p(z) = z^2 (log z - psi(alpha))
        const Eigen::ArrayXd z = g.value<"z">().row(0).transpose().array();
        const Eigen::ArrayXd score = z.square() * (z.log() - boost::math::digamma(alpha));
        const double exact = 2 * alpha + 1;
        INFO("alpha " << alpha);
        check_unbiased(pathwise, exact);
        check_unbiased(score, exact);
        const double ratio = (score - score.mean()).square().mean() / (pathwise - pathwise.mean()).square().mean();
        CHECK(ratio > 1);
        std::printf("gamma(%g, 1), d/dalpha E[z^2]: pathwise %.4f, score function %.4f, exact %.4f; variance ratio "
                    "score / pathwise %.1f\n", alpha, pathwise.mean(), score.mean(), exact, ratio);
    }
}

TEST_CASE("gamma: a concentration or rate that is not positive is refused", "[dist][gamma]") {
    CHECK_THROWS_WITH(gamma(0.0, 1.0), Catch::Contains("gamma concentration is 0"));
    CHECK_THROWS_WITH(gamma(1.0, -2.0), Catch::Contains("gamma rate is -2"));
}

TEST_CASE("gamma: the policy's default is pathwise, and the score function is a legal override", "[dist][gamma]") {
    STATIC_REQUIRE(std::is_same_v<estimator_for<gamma_family>, pathwise>);
    STATIC_REQUIRE(std::is_same_v<estimator_for<gamma_family, score_function<moving_average>>, score_function<moving_average>>);
}
