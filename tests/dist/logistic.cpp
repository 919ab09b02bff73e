// Tests include/ppl/dist/logistic.hpp.
#include <boost/math/distributions/logistic.hpp>

#include "support/distribution_checks.hpp"

using namespace ppl;
using namespace ppl::testing;

TEST_CASE("logistic: log_prob value and gradient", "[dist][logistic]") {
    const dmatrix loc = random_matrix(3, 2, -1, 1, 1), scale = random_matrix(3, 2, 0.5, 2, 2), x = random_matrix(3, 2, -3, 3, 3);
    check_gradient<3>([](auto m, auto s, auto v) { return log_prob(logistic(m, s), v); }, {loc, scale, x},
                      entrywise<3>([](double m, double s, double v) { return std::log(boost::math::pdf(boost::math::logistic(m, s), v)); }));
}

TEST_CASE("logistic: pathwise samples have the closed-form moments", "[dist][logistic]") {
    check_moments<2>([](auto m, auto s) { return logistic_family::rsample<"z">({}, m, s); }, {-0.5, 1.3},
                     logistic_family::mean(-0.5, 1.3), logistic_family::variance(-0.5, 1.3));
}

TEST_CASE("logistic: a non-positive scale is refused", "[dist][logistic]") {
    CHECK_THROWS_WITH(logistic(0.0, -1.0), Catch::Contains("logistic scale is -1"));
}
