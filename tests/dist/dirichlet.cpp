// Tests include/ppl/dist/dirichlet.hpp: log_prob against a direct formula, the sampler's moments,
// and the policy.
#include "support/distribution_checks.hpp"

using namespace ppl;
using namespace ppl::testing;

TEST_CASE("dirichlet: log_prob value and gradient, two groups of three", "[dist][dirichlet]") {
    const dmatrix alpha = random_matrix(6, 2, 0.3, 5, 1);
    dmatrix z = random_matrix(6, 2, 0.1, 1, 2);
    for (Eigen::Index j = 0; j < 2; ++j)
        for (Eigen::Index g = 0; g < 6; g += 3) z.col(j).segment(g, 3) /= z.col(j).segment(g, 3).sum();
    check_gradient<2>([](auto a, auto v) { return log_prob(dirichlet(a, 2), v); }, {alpha, z}, [](const auto& in) {
        // column sums of the reference: log Gamma(A) - sum log Gamma(a_k) + sum (a_k - 1) log z_k per group
        dmatrix out = dmatrix::Zero(6, 2);
        for (Eigen::Index j = 0; j < 2; ++j)
            for (Eigen::Index g = 0; g < 6; g += 3) {
                double total = 0;
                for (Eigen::Index k = g; k < g + 3; ++k) {
                    total += in[0](k, j);
                    out(k, j) = (in[0](k, j) - 1) * std::log(in[1](k, j)) - std::lgamma(in[0](k, j));
                }
                out(g, j) += std::lgamma(total);
            }
        return out;
    });
}

TEST_CASE("dirichlet: samples lie on the simplex with the closed-form means and variances", "[dist][dirichlet]") {
    const std::vector<double> alpha = {0.4, 1.5, 6.0};
    const double total = 7.9;
    const Eigen::Index n = 20000;
    dparameter concentration("alpha", 3, n);
    for (Eigen::Index k = 0; k < 3; ++k) concentration.value.row(k).setConstant(alpha[std::size_t(k)]);
    graph g{sum(let<"z">(dirichlet_family::rsample<"z">(ops::group_layout{1, 0}, param(concentration))))};
    random_stream rng{10};
    g.forward(stream_noise{&rng});
    const dmatrix& z = g.value<"z">();
    CHECK((z.colwise().sum().array() - 1).abs().maxCoeff() < 1e-12);
    for (Eigen::Index k = 0; k < 3; ++k) {
        const double mean = alpha[std::size_t(k)] / total;
        const double variance = mean * (1 - mean) / (total + 1);
        const Eigen::ArrayXd v = z.row(k).transpose().array();
        INFO("component " << k << ": mean " << v.mean() << " vs " << mean);
        CHECK(std::abs(v.mean() - mean) <= 4 * std::sqrt(variance / double(n)));
        const double sample_variance = (v - v.mean()).square().sum() / double(n - 1);
        const double fourth = (v - v.mean()).pow(4).mean();
        CHECK(std::abs(sample_variance - variance) <= 4 * std::sqrt((fourth - sample_variance * sample_variance) / double(n)));
    }
}

TEST_CASE("dirichlet: bad concentrations and groups are refused", "[dist][dirichlet]") {
    CHECK_THROWS_WITH(dirichlet(input<"a">(), 0), Catch::Contains("dirichlet needs a positive number of groups"));
    dparameter concentration("alpha", 3, 1);
    concentration.value << 1.0, -0.5, 2.0;
    graph g{sum(log_prob(dirichlet(param(concentration), 1), input<"z">()))};
    dmatrix z(3, 1);
    z << 0.2, 0.3, 0.5;
    g.set<"z">(z);
    CHECK_THROWS_WITH(g.forward(), Catch::Contains("dirichlet concentration"));
}

TEST_CASE("dirichlet: the policy's default is pathwise", "[dist][dirichlet]") {
    STATIC_REQUIRE(std::is_same_v<estimator_for<dirichlet_family>, pathwise>);
    STATIC_REQUIRE(std::is_same_v<estimator_for<dirichlet_family, score_function<moving_average>>, score_function<moving_average>>);
}

TEST_CASE("dirichlet: the symmetric prior's log density takes K and the groups from q", "[dist][dirichlet]") {
    const dmatrix alpha = random_matrix(6, 2, 0.3, 5, 3);
    dmatrix z = random_matrix(6, 2, 0.1, 1, 4);
    for (Eigen::Index j = 0; j < 2; ++j)
        for (Eigen::Index g = 0; g < 6; g += 3) z.col(j).segment(g, 3) /= z.col(j).segment(g, 3).sum();
    // the prior's terms do not depend on alpha: check the value and the gradient in z
    check_gradient<2>([](auto a, auto v) { return prior_log_prob(dirichlet(a, 2), symmetric_dirichlet(0.3), v) + 0.0 * a; },
                      {alpha, z}, [](const auto& in) {
                          dmatrix out(6, 2);
                          for (Eigen::Index j = 0; j < 2; ++j)
                              for (Eigen::Index g = 0; g < 6; g += 3) {
                                  for (Eigen::Index k = g; k < g + 3; ++k) out(k, j) = (0.3 - 1) * std::log(in[1](k, j)) - std::lgamma(0.3);
                                  out(g, j) += std::lgamma(0.9);
                              }
                          return out;
                      });
    CHECK_THROWS_WITH(symmetric_dirichlet(0.0), Catch::Contains("symmetric_dirichlet concentration is 0"));
}
