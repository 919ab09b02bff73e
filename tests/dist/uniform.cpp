// Tests include/ppl/dist/uniform.hpp.
#include <boost/math/distributions/uniform.hpp>

#include "support/distribution_checks.hpp"

using namespace ppl;
using namespace ppl::testing;

TEST_CASE("uniform: log_prob value and gradient inside the support", "[dist][uniform]") {
    const dmatrix low = random_matrix(2, 2, -2, -1, 1), high = random_matrix(2, 2, 1, 2, 2), x = random_matrix(2, 2, -0.9, 0.9, 3);
    check_gradient<3>([](auto a, auto b, auto v) { return log_prob(uniform(a, b), v); }, {low, high, x},
                      entrywise<3>([](double a, double b, double v) { return std::log(boost::math::pdf(boost::math::uniform(a, b), v)); }));
}

TEST_CASE("uniform: pathwise samples have the closed-form moments", "[dist][uniform]") {
    check_moments<2>([](auto a, auto b) { return uniform_family::rsample<"z">({}, a, b); }, {-1.0, 3.0}, 1.0, 16.0 / 12);
}
