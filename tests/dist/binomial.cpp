// Tests include/ppl/dist/binomial.hpp and its sampler in dist/counts.hpp.
#include <boost/math/distributions/binomial.hpp>

#include "support/distribution_checks.hpp"

using namespace ppl;
using namespace ppl::testing;

TEST_CASE("binomial: log_prob value and gradient in the logits", "[dist][binomial]") {
    const dmatrix logits = random_matrix(2, 3, -2, 2, 1);
    const dmatrix k = map_entries(random_matrix(2, 3, 0, 10, 2), [](double v) { return std::floor(v); });
    check_gradient<2>([](auto l, auto v) { return log_prob(binomial_logits(10, l), v); }, {logits, k},
                      entrywise<2>([](double l, double v) {
                          return std::log(boost::math::pdf(boost::math::binomial(10, 1 / (1 + std::exp(-l))), v));
                      }));
}

TEST_CASE("binomial: draws have the closed-form moments", "[dist][binomial]") {
    check_moments<1>([](auto l) { return binomial_family::draw<"n">({12}, l); }, {0.3}, binomial_family::mean(12, 0.3),
                     binomial_family::variance(12, 0.3));
}

TEST_CASE("binomial: trials must be a positive whole number", "[dist][binomial]") {
    dparameter logits("l", 1, 1);
    CHECK_THROWS_WITH(binomial_logits(2.5, param(logits)), Catch::Contains("binomial trials is 2.5"));
}
