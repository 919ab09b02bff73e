// Tests include/ppl/dist/geometric.hpp and its sampler in dist/counts.hpp.
#include <boost/math/distributions/geometric.hpp>

#include "support/distribution_checks.hpp"

using namespace ppl;
using namespace ppl::testing;

TEST_CASE("geometric: log_prob value and gradient in the logits", "[dist][geometric]") {
    const dmatrix logits = random_matrix(2, 3, -2, 2, 1);
    const dmatrix k = map_entries(random_matrix(2, 3, 0, 6, 2), [](double v) { return std::floor(v); });
    check_gradient<2>([](auto l, auto v) { return log_prob(geometric_logits(l), v); }, {logits, k},
                      entrywise<2>([](double l, double v) {
                          return std::log(boost::math::pdf(boost::math::geometric(1 / (1 + std::exp(-l))), v));
                      }));
}

TEST_CASE("geometric: draws have the closed-form moments", "[dist][geometric]") {
    check_moments<1>([](auto l) { return geometric_family::draw<"n">({}, l); }, {-0.4}, geometric_family::mean(-0.4),
                     geometric_family::variance(-0.4));
}
