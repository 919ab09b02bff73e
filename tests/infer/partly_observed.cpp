// Tests include/ppl/infer/partly_observed.hpp: on observed points the objective is the labelled
// -ELBO, -log p(x | y) - log p(y), plus -alpha log q(y | x) in the loss, checked with the gradient
// against a hand-written formula; on latent points the site is summed (enumerate) as without the
// wrapper; every estimator gives the same labelled objective; bad labels and weights are errors.
#include "support/enumeration_reference.hpp"

using namespace ppl;
using namespace ppl::testing;

namespace {

constexpr Eigen::Index features = 4, classes = 3;

// Labels for n points: point i has class i mod 3; the mask observes the points where `observed` is set.
Eigen::MatrixXd one_hot_labels(Eigen::Index n) {
    Eigen::MatrixXd labels = Eigen::MatrixXd::Zero(classes, n);
    for (Eigen::Index i = 0; i < n; ++i) labels(i % classes, i) = 1;
    return labels;
}

}  // namespace

TEST_CASE("partly_observed: labelled points give the labelled ELBO, latent ones are summed", "[infer][partly_observed]") {
    random_stream init{11};
    basic_dense<double> enc{features, classes, init, "enc"}, dec{classes, features, init, "dec"};
    auto x = data<"x">();
    auto y = sample<"y", enumerate>(partly_observed<"y">(categorical(enc(x), 1), 0.7), uniform_categorical());
    auto objective = elbo(observe(bernoulli_logits(dec(y)), x));
    const Eigen::MatrixXd batch = binary_batch(features, 6, 21), labels = one_hot_labels(6);
    for (const Eigen::RowVectorXd& row : {Eigen::RowVectorXd{{1, 1, 1, 0, 0, 0}}, Eigen::RowVectorXd{{1, 1, 1, 1, 1, 1}},
                                          Eigen::RowVectorXd{{0, 0, 0, 0, 0, 0}}, Eigen::RowVectorXd{{0, 1, 0, 0, 1, 1}}}) {
        const Eigen::MatrixXd mask = row;
        INFO("mask " << mask);
        check_exact(
            [&] {
                random_stream noise{5};
                return objective.value_and_grad({{"x", batch}, {"y", labels}, {"y_observed", mask}}, noise);
            },
            enc, dec, exact_elbo{classes, 1, classes, &labels, &mask, 0.7}, batch);
    }
}

TEST_CASE("partly_observed: every estimator gives the labelled objective on labelled points", "[infer][partly_observed]") {
    const Eigen::MatrixXd batch = binary_batch(features, 5, 22), labels = one_hot_labels(5), mask = Eigen::MatrixXd::Ones(1, 5);
    const auto check = [&]<class E>() {
        random_stream init{12};
        basic_dense<double> enc{features, classes, init, "enc"}, dec{classes, features, init, "dec"};
        auto x = data<"x">();
        auto y = sample<"y", E>(partly_observed<"y">(categorical(enc(x), 1), 0.25), uniform_categorical());
        auto objective = elbo(observe(bernoulli_logits(dec(y)), x));
        INFO(E::name);
        check_exact(
            [&] {
                random_stream noise{6};
                return objective.value_and_grad({{"x", batch}, {"y", labels}, {"y_observed", mask}}, noise, {.tau = 0.5});
            },
            enc, dec, exact_elbo{classes, 1, classes, &labels, &mask, 0.25}, batch);
        if constexpr (std::is_same_v<E, enumerate>) {
            // every class keeps its block, and the weights select the label's: 3 [class == label]
            const Eigen::MatrixXd& weight = objective.loss_graph().template value<"elbo:block_weight">();
            REQUIRE(weight.cols() == 15);
            for (Eigen::Index c = 0; c < 15; ++c) CHECK(weight(0, c) == (labels(c / 5, c % 5) == 1 ? 3.0 : 0.0));
        } else {
            CHECK(objective.loss_graph().template value<"y">() == labels);  // the site's value is the label
        }
    };
    check.operator()<gumbel_softmax>();
    check.operator()<straight_through>();
    check.operator()<score_function<moving_average>>();
    check.operator()<enumerate>();
}

TEST_CASE("partly_observed: a relaxed site's latent points stay random, its labelled points are the labels", "[infer][partly_observed]") {
    random_stream init{13};
    basic_dense<double> enc{features, classes, init, "enc"}, dec{classes, features, init, "dec"};
    auto x = data<"x">();
    auto y = sample<"y">(partly_observed<"y">(categorical(enc(x), 1)), uniform_categorical());
    auto objective = elbo(observe(bernoulli_logits(dec(y)), x));
    const Eigen::MatrixXd batch = binary_batch(features, 4, 23), labels = one_hot_labels(4);
    const Eigen::MatrixXd mask{{1, 0, 1, 0}};
    random_stream noise{7};
    objective.value_and_grad({{"x", batch}, {"y", labels}, {"y_observed", mask}}, noise, {.tau = 0.5});
    const Eigen::MatrixXd& value = objective.loss_graph().value<"y">();
    CHECK(value.col(0) == labels.col(0));
    CHECK(value.col(2) == labels.col(2));
    // a soft sample of a latent point lies inside the simplex, not on a vertex
    CHECK(value.col(1).maxCoeff() < 1.0);
    CHECK(value.col(1).sum() == Approx(1.0));
    // the classifier's logits get gradient only from the latent points (alpha = 0)
    const Eigen::MatrixXd latent_only_grad = enc.weight.grad;
    CHECK(latent_only_grad.norm() > 0);
}

TEST_CASE("partly_observed: bad inputs are errors that say what to give", "[infer][partly_observed]") {
    random_stream init{14};
    basic_dense<double> enc{features, classes, init, "enc"}, dec{classes, features, init, "dec"};
    auto x = data<"x">();
    CHECK_THROWS_WITH(partly_observed<"y">(categorical(enc(x), 1), -1.0), Catch::Contains("alpha") && Catch::Contains(">= 0"));
    auto y = sample<"y", enumerate>(partly_observed<"y">(categorical(enc(x), 1)), uniform_categorical());
    auto objective = elbo(observe(bernoulli_logits(dec(y)), x));
    const Eigen::MatrixXd batch = binary_batch(features, 4, 24), labels = one_hot_labels(4);
    random_stream noise{8};
    const Eigen::MatrixXd half{{1, 0.5, 0, 0}};
    CHECK_THROWS_WITH(objective.value_and_grad({{"x", batch}, {"y", labels}, {"y_observed", half}}, noise),
                      Catch::Contains("mask holds 0.5"));
    const Eigen::MatrixXd short_labels = labels.topRows(2), mask = Eigen::MatrixXd::Zero(1, 4);
    CHECK_THROWS_WITH(objective.value_and_grad({{"x", batch}, {"y", short_labels}, {"y_observed", mask}}, noise),
                      Catch::Contains("labels must be shaped like its logits"));
    CHECK_THROWS_WITH(objective.value_and_grad({{"x", batch}, {"y", labels}}, noise), Catch::Contains("y_observed"));
}
