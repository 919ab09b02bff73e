// Tests include/ppl/ops/clamp_to_observed.hpp: observed columns become the labels' point mass and pass
// no gradient; latent columns are the logits, with their gradient; a bad mask or shape is a ppl::error.
#include <catch2/catch.hpp>

#include <ppl/ppl.hpp>

using namespace ppl;

TEST_CASE("clamp_to_observed: point masses where observed, the logits elsewhere", "[ops][clamp_to_observed]") {
    basic_parameter<double> logits("logits", 3, 4);
    logits.value << 0.5, -1, 2, 0.1, 1.5, 0.2, -0.3, 0.7, -2, 0.9, 0.4, -0.6;
    Eigen::MatrixXd labels = Eigen::MatrixXd::Zero(3, 4), mask(1, 4), weights(3, 4);
    labels(1, 0) = labels(2, 1) = labels(0, 2) = labels(0, 3) = 1;
    mask << 1, 0, 1, 0;
    weights << 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12;
    auto clamped = let<"c">(make_expr(ops::clamp_to_observed_op{}, param(logits), input<"y">(), input<"m">()));
    graph g{sum(softmax(clamped, 3) * input<"w">())};
    g.set<"y">(labels), g.set<"m">(mask), g.set<"w">(weights);
    g.value_and_grad();
    const Eigen::MatrixXd& value = g.value<"c">();
    for (const Eigen::Index j : {0, 2}) {
        CHECK(value.col(j) == labels.col(j) * ops::clamp_to_observed_op::point_mass_logit);
        CHECK(logits.grad.col(j).isZero(0));
    }
    for (const Eigen::Index j : {1, 3}) {
        CHECK(value.col(j) == logits.value.col(j));
        // d/d l of sum_k w_k softmax(l)_k = p .* (w - p . w)
        const Eigen::ArrayXd p = logits.value.col(j).array().exp() / logits.value.col(j).array().exp().sum();
        const Eigen::ArrayXd expected = p * (weights.col(j).array() - (p * weights.col(j).array()).sum());
        CHECK((logits.grad.col(j).array() - expected).abs().maxCoeff() < 1e-12);
    }
    // the softmax of an observed column is exactly its label, in float and double
    CHECK(std::exp(-ops::clamp_to_observed_op::point_mass_logit) == 0.0);
    CHECK(std::exp(-static_cast<float>(ops::clamp_to_observed_op::point_mass_logit)) == 0.0f);

    Eigen::MatrixXd bad_mask = mask;
    bad_mask(0, 1) = 0.5;
    g.set<"m">(bad_mask);
    CHECK_THROWS_WITH(g.forward(), Catch::Contains("mask holds 0.5; it must be 0 or 1"));
    Eigen::MatrixXd short_mask = mask.leftCols(3);
    g.set<"m">(short_mask);
    CHECK_THROWS_WITH(g.forward(), Catch::Contains("mask must be 1 x 4"));
    Eigen::MatrixXd short_labels = labels.topRows(2);
    g.set<"m">(mask), g.set<"y">(short_labels);
    CHECK_THROWS_WITH(g.forward(), Catch::Contains("labels must be shaped like its logits"));
}
