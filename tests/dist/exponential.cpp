// Tests include/ppl/dist/exponential.hpp.
#include <boost/math/distributions/exponential.hpp>

#include "support/distribution_checks.hpp"

using namespace ppl;
using namespace ppl::testing;

TEST_CASE("exponential: log_prob value and gradient", "[dist][exponential]") {
    const dmatrix rate = random_matrix(2, 3, 0.5, 3, 1), x = random_matrix(2, 3, 0.1, 4, 2);
    check_gradient<2>([](auto r, auto v) { return log_prob(exponential(r), v); }, {rate, x},
                      entrywise<2>([](double r, double v) { return std::log(boost::math::pdf(boost::math::exponential(r), v)); }));
}

TEST_CASE("exponential: inverse-CDF samples have the closed-form moments", "[dist][exponential]") {
    check_moments<1>([](auto r) { return exponential_family::rsample<"z">({}, r); }, {2.5}, 0.4, 0.16);
}

TEST_CASE("exponential: a non-positive rate is refused", "[dist][exponential]") {
    CHECK_THROWS_WITH(exponential(0.0), Catch::Contains("exponential rate is 0"));
}
