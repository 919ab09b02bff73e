// Tests include/ppl/ops/lgamma.hpp: the op through the generic gradient checker, and ppl::digamma
// (its derivative) against Boost.Math.
#include <boost/math/special_functions/digamma.hpp>

#include "support/gradient_checker.hpp"

using namespace ppl;
using namespace ppl::testing;

TEST_CASE("lgamma: value and gradient", "[ops][lgamma]") {
    for (auto cols : {1, 5}) {
        const dmatrix a = random_matrix(4, cols, 0.05, 30.0, 11 + cols);
        check_gradient<1>([](auto x) { return lgamma(x); }, {a},
                          [](const auto& in) { return map_entries(in[0], [](double v) { return std::lgamma(v); }); });
    }
}

TEST_CASE("lgamma: a constant folds to a constant", "[ops][lgamma]") {
    auto c = lgamma(constant_leaf{5.0});
    STATIC_REQUIRE(std::is_same_v<decltype(c), constant_leaf>);
    CHECK(c.value == Approx(std::log(24.0)).epsilon(1e-14));
}

TEST_CASE("digamma: agrees with Boost.Math over the range, negatives included", "[ops][lgamma]") {
    for (double x : {1e-6, 1e-3, 0.1, 0.5, 1.0, 1.5, 2.0, 3.7, 5.99, 6.0, 10.0, 123.4, 1e4, 1e8, -0.5, -1.5, -7.25, -30.1}) {
        const double reference = boost::math::digamma(x);
        const double gap = std::abs(digamma(x) - reference) / std::max(1.0, std::abs(reference));
        INFO("x = " << x << ": relative gap " << gap);
        CHECK(gap < 1e-13);
    }
    CHECK(std::isnan(digamma(0.0)));
    CHECK(std::isnan(digamma(-3.0)));
    CHECK(std::isnan(digamma(std::numeric_limits<double>::quiet_NaN())));
    CHECK(digamma(std::numeric_limits<double>::infinity()) == std::numeric_limits<double>::infinity());
}
