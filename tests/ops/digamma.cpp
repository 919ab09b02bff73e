// Tests include/ppl/ops/digamma.hpp: the op through the generic gradient checker, and ppl::trigamma
// (its derivative) against Boost.Math.
#include <boost/math/special_functions/digamma.hpp>
#include <boost/math/special_functions/trigamma.hpp>

#include "support/gradient_checker.hpp"

using namespace ppl;
using namespace ppl::testing;

TEST_CASE("digamma: value and gradient", "[ops][digamma]") {
    const dmatrix a = random_matrix(3, 4, 0.05, 40.0, 21);
    check_gradient<1>([](auto x) { return digamma(x); }, {a},
                      [](const auto& in) { return map_entries(in[0], [](double v) { return boost::math::digamma(v); }); },
                      {.value_tolerance = 1e-12});
}

TEST_CASE("digamma: a constant folds to a constant", "[ops][digamma]") {
    auto c = digamma(constant_leaf{1.0});
    STATIC_REQUIRE(std::is_same_v<decltype(c), constant_leaf>);
    CHECK(c.value == Approx(-0.57721566490153286).epsilon(1e-14));
}

TEST_CASE("trigamma: agrees with Boost.Math over the range", "[ops][digamma]") {
    for (double x : {1e-6, 1e-3, 0.1, 0.5, 1.0, 2.5, 9.99, 10.0, 123.4, 1e4, 1e8}) {
        const double reference = boost::math::trigamma(x);
        const double gap = std::abs(trigamma(x) - reference) / reference;
        INFO("x = " << x << ": relative gap " << gap);
        CHECK(gap < 1e-13);
    }
    CHECK(std::isnan(trigamma(0.0)));
    CHECK(std::isnan(trigamma(-2.5)));
}
