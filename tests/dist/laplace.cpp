// Tests include/ppl/dist/laplace.hpp.
#include <boost/math/distributions/laplace.hpp>

#include "support/distribution_checks.hpp"

using namespace ppl;
using namespace ppl::testing;

TEST_CASE("laplace: log_prob value and gradient (away from the kink)", "[dist][laplace]") {
    const dmatrix loc = random_matrix(3, 2, -1, 1, 1), scale = random_matrix(3, 2, 0.5, 2, 2);
    const dmatrix x = loc + map_entries(random_matrix(3, 2, 0.2, 2, 3), [](double v) { return v > 1.1 ? v : -v; });
    check_gradient<3>([](auto m, auto s, auto v) { return log_prob(laplace(m, s), v); }, {loc, scale, x},
                      entrywise<3>([](double m, double s, double v) { return std::log(boost::math::pdf(boost::math::laplace(m, s), v)); }));
}

TEST_CASE("laplace: inverse-CDF samples have the closed-form moments", "[dist][laplace]") {
    check_moments<2>([](auto m, auto s) { return laplace_family::rsample<"z">({}, m, s); }, {2.0, 0.5}, 2.0, 0.5);
}
