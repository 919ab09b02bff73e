// Tests include/ppl/dist/normal.hpp.
#include <boost/math/distributions/normal.hpp>

#include "support/distribution_checks.hpp"

using namespace ppl;
using namespace ppl::testing;

TEST_CASE("normal: log_prob value against Boost.Math, gradient in loc, scale and value", "[dist][normal]") {
    const dmatrix loc = random_matrix(3, 2, -1, 1, 1), scale = random_matrix(3, 2, 0.5, 2, 2), x = random_matrix(3, 2, -2, 2, 3);
    check_gradient<3>([](auto m, auto s, auto v) { return log_prob(normal(m, s), v); }, {loc, scale, x},
                      entrywise<3>([](double m, double s, double v) { return std::log(boost::math::pdf(boost::math::normal(m, s), v)); }));
}

TEST_CASE("normal: the standard normal prior's log_prob", "[dist][normal]") {
    const dmatrix x = random_matrix(2, 3, -2, 2, 4);
    check_gradient<1>([](auto v) { return log_prob(std_normal(), v); }, {x},
                      entrywise<1>([](double v) { return std::log(boost::math::pdf(boost::math::normal(0, 1), v)); }));
}

TEST_CASE("normal: pathwise samples have the closed-form mean and variance", "[dist][normal]") {
    check_moments<2>([](auto m, auto s) { return normal_family::rsample<"z">({}, m, s); }, {1.5, 0.7}, 1.5, 0.49);
}

TEST_CASE("normal: a non-positive or NaN scale is refused with its value", "[dist][normal]") {
    dparameter loc("loc", 1, 2), scale("scale", 1, 2);
    scale.value << 1.0, -0.5;
    graph g{sum(log_prob(normal(param(loc), param(scale)), param(loc)))};
    CHECK_THROWS_WITH(g.forward(), Catch::Contains("normal scale is -0.5") && Catch::Contains("positive"));
    scale.value << 1.0, std::nan("");
    CHECK_THROWS_WITH(g.forward(), Catch::Contains("normal scale is nan"));
    CHECK_THROWS_WITH(normal(0.0, 0.0), Catch::Contains("normal scale is 0"));
}
