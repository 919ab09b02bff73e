// Tests include/ppl/dist/poisson.hpp and its inverse-CDF sampler in dist/counts.hpp.
#include <boost/math/distributions/poisson.hpp>

#include "support/distribution_checks.hpp"

using namespace ppl;
using namespace ppl::testing;

TEST_CASE("poisson: log_prob value and gradient in the rate", "[dist][poisson]") {
    const dmatrix rate = random_matrix(2, 3, 0.5, 6, 1);
    const dmatrix k = map_entries(random_matrix(2, 3, 0, 8, 2), [](double v) { return std::floor(v); });
    check_gradient<2>([](auto r, auto v) { return log_prob(poisson(r), v); }, {rate, k},
                      entrywise<2>([](double r, double v) { return std::log(boost::math::pdf(boost::math::poisson(r), v)); }));
}

TEST_CASE("poisson: inverse-CDF draws have mean and variance equal to the rate", "[dist][poisson]") {
    check_moments<1>([](auto r) { return poisson_family::draw<"n">({}, r); }, {3.5}, 3.5, 3.5);
    check_moments<1>([](auto r) { return poisson_family::draw<"n">({}, r); }, {40.0}, 40.0, 40.0);
}

TEST_CASE("poisson: a rate that is not positive is refused", "[dist][poisson]") {
    CHECK_THROWS_WITH(poisson(-2.0), Catch::Contains("poisson rate is -2"));
}
