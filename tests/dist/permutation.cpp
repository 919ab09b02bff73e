// Tests include/ppl/dist/permutation.hpp: Gumbel-matching draws by chi-square tests (uniform over
// the 24 permutations of 4 items at equal scores; the two of 2 items against a closed form), the
// straight-through sample equal to the exact one, and the relaxation's limit as tau -> 0.
#include <boost/math/distributions/chi_squared.hpp>
#include <boost/math/quadrature/tanh_sinh.hpp>
#include <algorithm>
#include <map>
#include <numeric>

#include "support/distribution_checks.hpp"

using namespace ppl;
using namespace ppl::testing;

namespace {

// the permutation of column j: the item sent to each position, as one number in base n
Eigen::Index permutation_code(const dmatrix& p, Eigen::Index n, Eigen::Index j) {
    Eigen::Index code = 0;
    for (Eigen::Index r = 0; r < n; ++r) {
        Eigen::Index item = 0;
        for (Eigen::Index c = 0; c < n; ++c)
            if (p(r + n * c, j) == 1) item = c;
        code = code * n + item;
    }
    return code;
}

}  // namespace

TEST_CASE("permutation: at equal scores the Gumbel matching is uniform over all 24 permutations", "[dist][permutation]") {
    const Eigen::Index n = 4, draws = 24000;
    dparameter scores("scores", n * n, draws);
    scores.value.setConstant(0.7);
    graph g{sum(let<"p">(gumbel_matching<"p">(permutation(param(scores), n))))};
    random_stream rng{11};
    g.forward(stream_noise{&rng});
    std::map<Eigen::Index, double> counts;
    for (Eigen::Index j = 0; j < draws; ++j) counts[permutation_code(g.value<"p">(), n, j)] += 1;
    CHECK(counts.size() == 24);
    double chi_square = 0;
    for (const auto& [code, count] : counts) chi_square += (count - draws / 24.0) * (count - draws / 24.0) / (draws / 24.0);
    const double critical = boost::math::quantile(boost::math::chi_squared(23), 0.999);
    INFO("chi-square " << chi_square << " against the 0.999 quantile " << critical);
    CHECK(chi_square < critical);
}

TEST_CASE("permutation: two items keep their places with the closed-form probability", "[dist][permutation]") {
    // identity wins when (G11 - G21) + (G22 - G12) > X21 + X12 - X11 - X22 =: c; each difference is
    // Logistic(0, 1), so P(identity) = integral of f(u) (1 - F(c - u)) du
    const double x11 = 0.9, x21 = -0.3, x12 = 0.4, x22 = 0.2, c = x21 + x12 - x11 - x22;
    const auto logistic_cdf = [](double u) { return 1 / (1 + std::exp(-u)); };
    const double p_identity = boost::math::quadrature::tanh_sinh<double>().integrate(
        [&](double u) { return logistic_cdf(u) * (1 - logistic_cdf(u)) * (1 - logistic_cdf(c - u)); }, -60.0, 60.0);
    const Eigen::Index draws = 40000;
    dparameter scores("scores", 4, draws);
    for (Eigen::Index j = 0; j < draws; ++j) scores.value.col(j) << x11, x21, x12, x22;  // entry (r, c) in row r + 2 c
    graph g{sum(let<"p">(gumbel_matching<"p">(permutation(param(scores), 2))))};
    random_stream rng{12};
    g.forward(stream_noise{&rng});
    const double kept = g.value<"p">().row(0).sum();  // item 0 at position 0
    const double chi_square = (kept - draws * p_identity) * (kept - draws * p_identity) / (draws * p_identity * (1 - p_identity));
    INFO("identity " << kept / draws << " against " << p_identity << "; chi-square " << chi_square);
    CHECK(chi_square < boost::math::quantile(boost::math::chi_squared(1), 0.999));
}

TEST_CASE("permutation: straight-through is the exact sample forward and the relaxation backward; the relaxation tends to it",
          "[dist][permutation]") {
    const Eigen::Index n = 6, draws = 100;
    dparameter scores("scores", n * n, draws);
    scores.value = random_matrix(n * n, draws, -2, 2, 13);
    const dmatrix weights = random_matrix(n * n, draws, -1, 1, 14);  // a loss whose gradient is not 0
    double previous_gap = 1;
    for (double tau : {1.0, 0.3, 0.03}) {
        auto p = permutation(param(scores), n);
        graph exact{sum(let<"p">(gumbel_matching<"p">(p)))};
        graph relaxed{sum(let<"p">(gumbel_sinkhorn<"p">(p, {.tau = tau, .iterations = 200})))};
        // few rounds: the matching is exact however far Sinkhorn is from converged
        graph hard{sum(let<"p">(straight_through_sinkhorn<"p">(p, {.tau = tau, .iterations = 3})) * input<"w">())};
        graph relaxed_few{sum(gumbel_sinkhorn<"p">(p, {.tau = tau, .iterations = 3}) * input<"w">())};
        hard.set<"w">(weights), relaxed_few.set<"w">(weights);
        random_stream a{8}, b{8}, c{8}, d{8};
        exact.forward(stream_noise{&a});
        relaxed.forward(stream_noise{&b});
        hard.forward(stream_noise{&c});
        CHECK(hard.value<"p">() == exact.value<"p">());
        const double gap = (relaxed.value<"p">() - exact.value<"p">()).cwiseAbs().mean();
        INFO("tau " << tau << ": mean gap " << gap << ", at the previous tau " << previous_gap);
        CHECK(gap < previous_gap);
        if (tau == 0.03) CHECK(gap < 0.02);
        previous_gap = gap;
        relaxed_few.forward(stream_noise{&d});
        relaxed_few.backward();
        const dmatrix relaxed_gradient = scores.grad;
        hard.backward();
        CHECK(relaxed_gradient.cwiseAbs().maxCoeff() > 1e-3);
        CHECK((scores.grad - relaxed_gradient).cwiseAbs().maxCoeff() <= 1e-12 * relaxed_gradient.cwiseAbs().maxCoeff());
    }
}

TEST_CASE("permutation: bad scores, n and tau are refused", "[dist][permutation]") {
    dparameter scores("scores", 9, 1);
    scores.value(4, 0) = std::nan("");
    graph g{sum(gumbel_sinkhorn<"p">(permutation(param(scores), 3)))};
    random_stream rng{1};
    CHECK_THROWS_WITH(g.forward(stream_noise{&rng}), Catch::Contains("permutation log_alpha is nan"));
    CHECK_THROWS_WITH(permutation(param(scores), 0), Catch::Contains("n >= 1"));
    CHECK_THROWS_WITH(gumbel_sinkhorn<"p">(permutation(param(scores), 3), {.tau = 0}), Catch::Contains("tau > 0"));
    graph wrong{sum(gumbel_sinkhorn<"p">(permutation(param(scores), 4)))};
    CHECK_THROWS_WITH(wrong.forward(stream_noise{&rng}), Catch::Contains("log_sinkhorn needs n x n = 16 rows"));
}
