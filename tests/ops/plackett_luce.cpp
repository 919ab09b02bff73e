// Tests include/ppl/ops/plackett_luce.hpp: the Plackett-Luce log-probability against a direct
// formula, its total over every ordered subset, its gradients, and the uniform case.
#include <set>

#include "support/gradient_checker.hpp"

using namespace ppl;
using namespace ppl::testing;

namespace {

// k one-hot groups of n rows for the ordered items
dmatrix ordered_one_hot(const std::vector<Eigen::Index>& items, Eigen::Index n) {
    dmatrix z = dmatrix::Zero(static_cast<Eigen::Index>(items.size()) * n, 1);
    for (std::size_t g = 0; g < items.size(); ++g) z(static_cast<Eigen::Index>(g) * n + items[g], 0) = 1;
    return z;
}

// P(i_1, ..., i_k) = prod_g w_(i_g) / (sum of the weights not yet drawn), w = exp(s)
double plackett_luce_probability(const dmatrix& s, const std::vector<Eigen::Index>& items) {
    double p = 1, open = s.array().exp().sum();
    for (Eigen::Index item : items) {
        p *= std::exp(s(item, 0)) / open;
        open -= std::exp(s(item, 0));
    }
    return p;
}

}  // namespace

TEST_CASE("plackett_luce: log_prob matches the product of draws without replacement, and sums to one", "[ops][plackett_luce]") {
    const Eigen::Index n = 5;
    const dmatrix s = random_matrix(n, 1, -2, 2, 7);
    dparameter logits("logits", n, 1), z("z", 2 * n, 1);
    logits.value = s;
    graph g{sum(make_expr(ops::plackett_luce_log_prob_op{2}, param(logits), param(z)))};
    double total = 0;
    for (Eigen::Index a = 0; a < n; ++a)
        for (Eigen::Index b = 0; b < n; ++b) {
            z.value = ordered_one_hot({a, b}, n);
            if (a == b) {  // a repeated item has probability 0: the pass says so instead of returning -inf
                CHECK_THROWS_WITH(g.forward(), Catch::Contains("-inf") && Catch::Contains("plackett_luce_log_prob"));
                continue;
            }
            const double log_p = g.forward();
            CHECK(log_p == Approx(std::log(plackett_luce_probability(s, {a, b}))).epsilon(1e-12));
            total += std::exp(log_p);
        }
    CHECK(total == Approx(1.0).epsilon(1e-12));
}

TEST_CASE("plackett_luce: gradients in the logits and the sample", "[ops][plackett_luce]") {
    const Eigen::Index n = 6, k = 3;
    dmatrix z = dmatrix::Zero(k * n, 2);
    const Eigen::Index items[2][3] = {{4, 0, 2}, {1, 5, 3}};
    for (Eigen::Index j = 0; j < 2; ++j)
        for (Eigen::Index g = 0; g < k; ++g) z(g * n + items[j][g], j) = 1;
    check_gradient<2>([](auto s, auto x) { return make_expr(ops::plackett_luce_log_prob_op{3}, s, x); },
                      {random_matrix(n, 2, -3, 3, 11), z}, [&](const auto& in) {
                          dmatrix out(k, 2);
                          for (Eigen::Index j = 0; j < 2; ++j) {
                              std::set<Eigen::Index> drawn;
                              for (Eigen::Index g = 0; g < k; ++g) {
                                  double open = 0;
                                  for (Eigen::Index i = 0; i < n; ++i)
                                      if (!drawn.count(i)) open += std::exp(in[0](i, j));
                                  // the linear term sum_i z_gi s_i, as the op differentiates it in z
                                  double chosen = 0;
                                  for (Eigen::Index i = 0; i < n; ++i) chosen += in[1](g * n + i, j) * in[0](i, j);
                                  out(g, j) = chosen - std::log(open);
                                  drawn.insert(items[j][g]);
                              }
                          }
                          return out;
                      });
}

TEST_CASE("plackett_luce: the uniform law and shape errors", "[ops][plackett_luce]") {
    dparameter z("z", 3 * 7, 2);
    graph g{sum(let<"terms">(make_expr(ops::uniform_subset_log_prob_op{3}, param(z))))};
    g.forward();
    CHECK(g.value<"terms">().col(1).sum() == Approx(-std::log(7.0 * 6 * 5)).epsilon(1e-14));
    check_shape_error<2>([](auto s, auto x) { return make_expr(ops::plackett_luce_log_prob_op{2}, s, x); },
                         {shape{5, 1}, shape{9, 1}}, "plackett_luce");
}
