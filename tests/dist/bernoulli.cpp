// Tests include/ppl/dist/bernoulli.hpp.
#include "support/distribution_checks.hpp"

using namespace ppl;
using namespace ppl::testing;

TEST_CASE("bernoulli: log_prob value and gradient", "[dist][bernoulli]") {
    const dmatrix logits = random_matrix(3, 2, -3, 3, 1), x = random_matrix(3, 2, 0, 1, 2);
    check_gradient<2>([](auto l, auto v) { return log_prob(bernoulli_logits(l), v); }, {logits, x},
                      entrywise<2>([](double l, double v) {
                          const double p = 1 / (1 + std::exp(-l));
                          return v * std::log(p) + (1 - v) * std::log(1 - p);
                      }));
}

TEST_CASE("bernoulli: draws have mean p and variance p(1 - p)", "[dist][bernoulli]") {
    const double l = 0.8, p = 1 / (1 + std::exp(-l));
    check_moments<1>([](auto logits) { return bernoulli_family::draw<"b">({}, logits); }, {l}, p, p * (1 - p));
}

TEST_CASE("bernoulli: probabilities outside [0, 1] are refused with the value", "[dist][bernoulli]") {
    dparameter probs("p", 1, 2);
    probs.value << 0.5, 1.5;
    graph g{sum(log_prob(bernoulli(param(probs)), param(probs)))};
    CHECK_THROWS_WITH(g.forward(), Catch::Contains("bernoulli probability is 1.5") && Catch::Contains("[0, 1]"));
}
