// Tests include/ppl/dist/gumbel.hpp.
#include <boost/math/distributions/extreme_value.hpp>

#include "support/distribution_checks.hpp"

using namespace ppl;
using namespace ppl::testing;

TEST_CASE("gumbel: log_prob value against Boost's extreme_value, and gradient", "[dist][gumbel]") {
    const dmatrix loc = random_matrix(3, 2, -1, 1, 1), scale = random_matrix(3, 2, 0.5, 2, 2), x = random_matrix(3, 2, -2, 3, 3);
    check_gradient<3>([](auto m, auto s, auto v) { return log_prob(gumbel(m, s), v); }, {loc, scale, x},
                      entrywise<3>([](double m, double s, double v) { return std::log(boost::math::pdf(boost::math::extreme_value(m, s), v)); }));
}

TEST_CASE("gumbel: pathwise samples have the closed-form moments", "[dist][gumbel]") {
    check_moments<2>([](auto m, auto s) { return gumbel_family::rsample<"z">({}, m, s); }, {0.3, 1.2},
                     gumbel_family::mean(0.3, 1.2), gumbel_family::variance(0.3, 1.2));
}
