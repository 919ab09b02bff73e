// Tests include/ppl/ops/bce_with_logits.hpp through the generic gradient checker.
#include "support/gradient_checker.hpp"

using namespace ppl;
using namespace ppl::testing;

TEST_CASE("bce_with_logits: value and gradient in logits and targets", "[ops][bce_with_logits]") {
    const dmatrix logits = random_matrix(4, 3, -4, 4, 1), targets = random_matrix(4, 3, 0, 1, 2);
    check_gradient<2>([](auto l, auto t) { return bce_with_logits(l, t); }, {logits, targets},
                      [](const auto& in) {
                          dmatrix out(in[0].rows(), in[0].cols());
                          for (Eigen::Index i = 0; i < out.size(); ++i) {
                              const double p = 1 / (1 + std::exp(-in[0](i)));
                              out(i) = -(in[1](i) * std::log(p) + (1 - in[1](i)) * std::log(1 - p));
                          }
                          return out;
                      });
}

TEST_CASE("bernoulli_log_likelihood: -bce_with_logits in one node, value and gradient", "[ops][bce_with_logits]") {
    const dmatrix logits = random_matrix(4, 3, -4, 4, 3), targets = random_matrix(4, 3, 0, 1, 4);
    check_gradient<2>([](auto l, auto t) { return bernoulli_log_likelihood(l, t); }, {logits, targets},
                      [](const auto& in) {
                          dmatrix out(in[0].rows(), in[0].cols());
                          for (Eigen::Index i = 0; i < out.size(); ++i) {
                              const double p = 1 / (1 + std::exp(-in[0](i)));
                              out(i) = in[1](i) * std::log(p) + (1 - in[1](i)) * std::log(1 - p);
                          }
                          return out;
                      });
}

TEST_CASE("bce_with_logits stays finite at saturated logits", "[ops][bce_with_logits]") {
    const dmatrix logits{{100.0, -100.0}}, targets{{0.0, 1.0}};
    check_gradient<2>([](auto l, auto t) { return bce_with_logits(l, t); }, {logits, targets},
                      [](const auto&) { return dmatrix{{100.0, 100.0}}; });
}

TEST_CASE("bce_with_logits needs equal shapes", "[ops][bce_with_logits]") {
    check_shape_error<2>([](auto l, auto t) { return bce_with_logits(l, t); }, {{4, 3}, {4, 1}}, "'bce_with_logits'");
}
