// Tests include/ppl/dist/relaxed_categorical.hpp: the Concrete log-density in log space.
#include "support/distribution_checks.hpp"

using namespace ppl;
using namespace ppl::testing;

namespace {
// The textbook Concrete density of y (not in log space), summed over each column's groups.
dmatrix concrete_reference(const dmatrix& logits, const dmatrix& log_y, double tau, Eigen::Index k) {
    dmatrix out = dmatrix::Zero(1, logits.cols());
    for (Eigen::Index j = 0; j < logits.cols(); ++j)
        for (Eigen::Index g = 0; g < logits.rows(); g += k) {
            double norm = 0, product = 0;
            for (Eigen::Index i = g; i < g + k; ++i) norm += std::exp(logits(i, j)) * std::pow(std::exp(log_y(i, j)), -tau);
            for (Eigen::Index i = g; i < g + k; ++i)
                product += logits(i, j) - (tau + 1) * log_y(i, j);  // log of alpha_i y_i^(-tau-1)
            // density of y times the Jacobian y_1...y_K of the change of variables to log y
            double sum_log_y = 0;
            for (Eigen::Index i = g; i < g + k; ++i) sum_log_y += log_y(i, j);
            const double log_density = std::lgamma(double(k)) + (k - 1) * std::log(tau) + product - k * std::log(norm) + sum_log_y;
            out(0, j) += log_density;
        }
    return out;
}
}  // namespace

TEST_CASE("relaxed categorical: log-density value and gradient against the textbook formula", "[dist][relaxed]") {
    const Eigen::Index k = 3;
    const dmatrix logits = random_matrix(6, 2, -2, 2, 1);
    // a point in the simplex, in log space: log_softmax of arbitrary numbers
    dmatrix log_y = random_matrix(6, 2, -2, 2, 2);
    for (Eigen::Index j = 0; j < 2; ++j)
        for (Eigen::Index g = 0; g < 6; g += k) {
            const double norm = std::log(log_y.col(j).segment(g, k).array().exp().sum());
            log_y.col(j).segment(g, k).array() -= norm;
        }
    for (double tau : {0.5, 1.0, 2.0})
        check_gradient<2>([&](auto l, auto x) { return column_sum(relaxed_categorical_log_prob(l, x, tau, k)); }, {logits, log_y},
                          [&](const auto& in) { return concrete_reference(in[0], in[1], tau, k); },
                          {.value_tolerance = 1e-9});
}

TEST_CASE("relaxed categorical: finite at tau = 0.05 with logits of +-30", "[dist][relaxed]") {
    basic_parameter<float> logits("logits", 8, 50);
    random_stream init{3};
    for (Eigen::Index i = 0; i < logits.value.size(); ++i) logits.value(i) = init.uniform() < 0.5 ? -30.0f : 30.0f;
    auto log_y = let<"log_y">(relaxed_log_sample<"c">(param(logits), 0.05, 4));
    graph g{sum(relaxed_categorical_log_prob(param(logits), log_y, 0.05, 4))};
    random_stream noise{4};
    for (int trial = 0; trial < 10; ++trial) {
        CHECK(std::isfinite(g.value_and_grad(stream_noise{&noise})));
        CHECK(g.value<"log_y">().allFinite());
        CHECK(logits.grad.allFinite());
    }
    // here log(softmax(.)) would fail: some entries of y are below the smallest float (log y < -104)
    CHECK(g.value<"log_y">().minCoeff() < -104.0f);
}

TEST_CASE("relaxed categorical: bad temperatures are refused", "[dist][relaxed]") {
    dparameter logits("l", 4, 1);
    CHECK_THROWS_WITH(relaxed_categorical_log_prob(param(logits), param(logits), 0.0, 2), Catch::Contains("tau is 0"));
}
