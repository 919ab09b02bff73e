// Tests include/ppl/dist/log_normal.hpp.
#include <boost/math/distributions/lognormal.hpp>

#include "support/distribution_checks.hpp"

using namespace ppl;
using namespace ppl::testing;

TEST_CASE("log_normal: log_prob value and gradient", "[dist][log_normal]") {
    const dmatrix loc = random_matrix(2, 3, -1, 1, 1), scale = random_matrix(2, 3, 0.3, 1, 2), x = random_matrix(2, 3, 0.2, 3, 3);
    check_gradient<3>([](auto m, auto s, auto v) { return log_prob(log_normal(m, s), v); }, {loc, scale, x},
                      entrywise<3>([](double m, double s, double v) { return std::log(boost::math::pdf(boost::math::lognormal(m, s), v)); }));
}

TEST_CASE("log_normal: pathwise samples have the closed-form moments", "[dist][log_normal]") {
    check_moments<2>([](auto m, auto s) { return log_normal_family::rsample<"z">({}, m, s); }, {0.2, 0.4},
                     log_normal_family::mean(0.2, 0.4), log_normal_family::variance(0.2, 0.4), 50000);
}
