// Tests include/ppl/dist/subset.hpp: Gumbel-top-k draws against the Plackett-Luce law (chi-square
// over every ordered pair of 5 items), the score-function gradient's unbiasedness, the relaxed and
// straight-through top-k, and the site's estimator.
#include <boost/math/distributions/chi_squared.hpp>

#include "support/distribution_checks.hpp"

using namespace ppl;
using namespace ppl::testing;

namespace {

constexpr Eigen::Index items = 5;
const double scores[items] = {1.0, -0.5, 0.3, 2.0, -1.5};

// P(a then b) under Plackett-Luce(softmax(s)) with logits s, by the product of draws without replacement
double pair_probability(const double* s, Eigen::Index a, Eigen::Index b) {
    double total = 0;
    for (Eigen::Index i = 0; i < items; ++i) total += std::exp(s[i]);
    return std::exp(s[a]) / total * std::exp(s[b]) / (total - std::exp(s[a]));
}

// the item of group g of column j
Eigen::Index item_of(const dmatrix& z, Eigen::Index g, Eigen::Index j) {
    Eigen::Index item = 0;
    z.col(j).segment(g * items, items).maxCoeff(&item);
    return item;
}

}  // namespace

TEST_CASE("subset: Gumbel-top-k draws follow Plackett-Luce by a chi-square test over all 20 ordered pairs", "[dist][subset]") {
    const Eigen::Index draws = 40000;
    dparameter logits("logits", items, draws);
    for (Eigen::Index i = 0; i < items; ++i) logits.value.row(i).setConstant(scores[i]);
    graph g{sum(let<"z">(subset_family::draw<"z">({2}, param(logits))))};
    random_stream rng{2024};
    g.forward(stream_noise{&rng});
    const dmatrix& z = g.value<"z">();
    dmatrix counts = dmatrix::Zero(items, items);
    for (Eigen::Index j = 0; j < draws; ++j) {
        CHECK(z.col(j).sum() == 2);  // one item per group
        counts(item_of(z, 0, j), item_of(z, 1, j)) += 1;
    }
    CHECK(counts.diagonal().sum() == 0);  // without replacement
    double chi_square = 0;
    for (Eigen::Index a = 0; a < items; ++a)
        for (Eigen::Index b = 0; b < items; ++b)
            if (a != b) {
                const double expected = draws * pair_probability(scores, a, b);
                chi_square += (counts(a, b) - expected) * (counts(a, b) - expected) / expected;
            }
    const double critical = boost::math::quantile(boost::math::chi_squared(items * (items - 1) - 1), 0.999);
    INFO("chi-square " << chi_square << " against the 0.999 quantile " << critical);
    CHECK(chi_square < critical);
}

TEST_CASE("subset: the score-function gradient of E[f(set)] is unbiased", "[dist][subset]") {
    // f(z) = sum of the weights of the chosen items; E[f] by enumerating the 20 ordered pairs
    const double weights[items] = {0.7, -1.2, 2.0, 0.1, -0.4};
    const auto expectation = [&](const double* s) {
        double e = 0;
        for (Eigen::Index a = 0; a < items; ++a)
            for (Eigen::Index b = 0; b < items; ++b)
                if (a != b) e += pair_probability(s, a, b) * (weights[a] + weights[b]);
        return e;
    };
    const Eigen::Index draws = 40000;
    dparameter logits("logits", items, draws), w("w", items, 1);
    for (Eigen::Index i = 0; i < items; ++i) logits.value.row(i).setConstant(scores[i]), w.value(i, 0) = weights[i];
    // f(z) times log q(z): its gradient in the logits is f(z) d log q(z) per column
    auto z = let<"z">(subset_family::draw<"z">({2}, param(logits)));
    graph g{sum(column_sum(stop_gradient(param(w) * subset_members(z, 2))) * column_sum(log_prob(subset<2>(param(logits)), z)))};
    random_stream rng{5};
    g.forward(stream_noise{&rng});
    g.backward();
    for (Eigen::Index i = 0; i < items; ++i) {
        double up[items], down[items];
        std::copy(scores, scores + items, up), std::copy(scores, scores + items, down);
        up[i] += 1e-6, down[i] -= 1e-6;
        const double exact = (expectation(up) - expectation(down)) / 2e-6;
        INFO("item " << i);
        check_unbiased(logits.grad.row(i).transpose().array(), exact);
    }
}

TEST_CASE("subset: the relaxed top-k tends to the exact sample; straight-through is it forward and the relaxation backward",
          "[dist][subset]") {
    const Eigen::Index draws = 200;
    dparameter logits("logits", items, draws);
    for (Eigen::Index i = 0; i < items; ++i) logits.value.row(i).setConstant(scores[i]);
    const dmatrix weights = random_matrix(3 * items, draws, -1, 1, 17);  // a loss whose gradient is not 0
    double previous_gap = 1;
    for (double tau : {1.0, 0.1, 0.01}) {
        // the same noise for all three: each graph draws from a stream with the same seed
        graph exact{sum(let<"z">(subset_family::draw<"z">({3}, param(logits))) * input<"w">())};
        graph relaxed{sum(let<"z">(relaxed_top_k<"z">(param(logits), 3, tau)) * input<"w">())};
        graph hard{sum(let<"z">(straight_through_top_k<"z">(param(logits), 3, tau)) * input<"w">())};
        random_stream a{8}, b{8}, c{8};
        exact.set<"w">(weights), relaxed.set<"w">(weights), hard.set<"w">(weights);
        exact.forward(stream_noise{&a});
        relaxed.forward(stream_noise{&b});
        hard.forward(stream_noise{&c});
        CHECK(hard.value<"z">() == exact.value<"z">());
        const double gap = (relaxed.value<"z">() - exact.value<"z">()).cwiseAbs().mean();
        INFO("tau " << tau << ": mean gap " << gap << ", at the previous tau " << previous_gap);
        if (tau == 0.01) CHECK(gap < 0.02);
        CHECK(gap < previous_gap);
        previous_gap = gap;
        relaxed.backward();
        const dmatrix relaxed_gradient = logits.grad;
        hard.backward();
        CHECK(relaxed_gradient.cwiseAbs().maxCoeff() > 1e-3);
        CHECK((logits.grad - relaxed_gradient).cwiseAbs().maxCoeff() == 0);
    }
    CHECK_THROWS_WITH(relaxed_top_k<"z">(param(logits), 3, 0.0), Catch::Contains("tau > 0"));
}

// Training a subset site in an ELBO is the estimator guide's example (docs/estimators.md, compiled
// and run as docs/estimators); here, the choice of estimator and the prior's check.
TEST_CASE("subset: a site takes the score function, and its prior must pick as many items", "[dist][subset]") {
    dparameter logits("logits", items, 4);
    auto z = sample<"z">(subset<2>(param(logits)), uniform_subset<2>());
    STATIC_REQUIRE(std::is_same_v<estimator_of<decltype(z)>, score_function<moving_average>>);
    STATIC_REQUIRE(std::is_same_v<estimator_for<subset_family, score_function<leave_one_out>>, score_function<leave_one_out>>);
    CHECK_THROWS_WITH(sample<"y">(subset<2>(param(logits)), uniform_subset<1>()), Catch::Contains("needs a prior of subsets of 2 items"));
}

TEST_CASE("subset: bad logits and a k above the item count are refused", "[dist][subset]") {
    dparameter logits("logits", 3, 1);
    logits.value(1, 0) = std::nan("");
    random_stream rng{1};
    graph checked{sum(log_prob(subset<2>(param(logits)), subset_family::draw<"z">({2}, param(logits))))};
    CHECK_THROWS_WITH(checked.forward(stream_noise{&rng}), Catch::Contains("subset logits is nan"));
    dparameter few("few", 2, 1);
    graph too_many{sum(subset_family::draw<"z">({3}, param(few)))};
    CHECK_THROWS_WITH(too_many.forward(stream_noise{&rng}), Catch::Contains("k must lie in [1, 2]"));
}
