// Tests include/ppl/estimators/gumbel_softmax.hpp: bias against tau, and straight-through.
#include "support/estimator_checks.hpp"

using namespace ppl;
using namespace ppl::testing;

TEST_CASE("gumbel_softmax: the bias of d/d logits_0 E[r^T z] shrinks as tau shrinks", "[estimators][gumbel_softmax]") {
    Eigen::VectorXd logits0(8), rewards(8);
    logits0 << 0.5, -1.0, 0.2, 1.1, -0.3, 0.0, 0.8, -2.0;
    rewards << 1.0, 0.2, -0.5, 0.9, 0.1, -1.2, 0.4, 2.0;
    const double truth = expected_reward_gradient(logits0, rewards);
    const Eigen::Index n = 100000;
    double previous_bias = 1e300;
    for (double tau : {2.0, 1.0, 0.5, 0.1}) {
        basic_parameter<double> logits("logits", 8, n);
        logits.value = logits0.replicate(1, n);
        graph g{sum(input<"r">() * gumbel_softmax::value<"c">(categorical(param(logits), 1), input<"tau">()))};
        Eigen::MatrixXd r = rewards, t = Eigen::MatrixXd::Constant(1, 1, tau), soft_samples = Eigen::MatrixXd::Zero(1, 1);
        g.set<"r">(r);
        g.set<"tau">(t);
        g.set<"hard_samples">(soft_samples);
        random_stream rng{31};
        g.value_and_grad(stream_noise{&rng});
        const estimate e = summarize(logits.grad.row(0));
        const double bias = std::abs(e.mean - truth);
        INFO("tau " << tau << ": estimate " << e.mean << " +- " << e.standard_error << ", closed form " << truth << ", bias " << bias);
        CHECK(bias < previous_bias);
        previous_bias = bias;
    }
}

TEST_CASE("straight_through: one-hot forward, soft Jacobian backward", "[estimators][straight_through]") {
    const Eigen::Index rows = 6, cols = 4;
    basic_parameter<double> hard_logits("logits", rows, cols), soft_logits("logits", rows, cols);
    random_stream init{3};
    for (Eigen::Index i = 0; i < hard_logits.value.size(); ++i) hard_logits.value(i) = 2 * init.normal();
    soft_logits.value = hard_logits.value;
    Eigen::MatrixXd gumbel(rows, cols), weights(rows, cols), tau = Eigen::MatrixXd::Constant(1, 1, 0.7);
    Eigen::MatrixXd soft_samples = Eigen::MatrixXd::Zero(1, 1);
    for (Eigen::Index i = 0; i < gumbel.size(); ++i) gumbel(i) = draw_noise(noise_kind::gumbel, init), weights(i) = init.normal();
    fixed_noise<Eigen::MatrixXd> noise{{{"c", gumbel}}};

    graph hard{sum(let<"y">(straight_through::value<"c">(categorical(param(hard_logits), 2), input<"tau">())) * input<"w">())};
    graph soft{sum(let<"y">(gumbel_softmax::value<"c">(categorical(param(soft_logits), 2), input<"tau">())) * input<"w">())};
    hard.set<"tau">(tau), hard.set<"w">(weights);
    soft.set<"tau">(tau), soft.set<"w">(weights), soft.set<"hard_samples">(soft_samples);
    hard.value_and_grad(noise);
    soft.value_and_grad(noise);

    const Eigen::MatrixXd& y = hard.value<"y">();
    for (Eigen::Index j = 0; j < cols; ++j)
        for (Eigen::Index g = 0; g < rows; g += 3) {
            Eigen::Index soft_best = 0;
            soft.value<"y">().col(j).segment(g, 3).maxCoeff(&soft_best);
            for (Eigen::Index k = 0; k < 3; ++k) CHECK(y(g + k, j) == (k == soft_best ? 1.0 : 0.0));  // exactly one-hot
        }
    CHECK((hard_logits.grad - soft_logits.grad).cwiseAbs().maxCoeff() == 0.0);  // the soft Jacobian, exactly
    CHECK(soft_logits.grad.cwiseAbs().maxCoeff() > 0.0);
}

TEST_CASE("gumbel_softmax: asked for hard samples, it draws exactly onehot(argmax(logits + g))", "[estimators][gumbel_softmax]") {
    const Eigen::Index rows = 8, cols = 5;
    basic_parameter<double> logits("logits", rows, cols);
    random_stream init{4};
    for (Eigen::Index i = 0; i < logits.value.size(); ++i) logits.value(i) = 2 * init.normal();
    Eigen::MatrixXd gumbel(rows, cols), tau = Eigen::MatrixXd::Constant(1, 1, 5.0), flag = Eigen::MatrixXd::Ones(1, 1);
    for (Eigen::Index i = 0; i < gumbel.size(); ++i) gumbel(i) = draw_noise(noise_kind::gumbel, init);
    fixed_noise<Eigen::MatrixXd> noise{{{"c", gumbel}}};
    graph g{sum(let<"y">(gumbel_softmax::value<"c">(categorical(param(logits), 2), input<"tau">())))};
    g.set<"tau">(tau), g.set<"hard_samples">(flag);
    g.forward(noise);
    const Eigen::MatrixXd perturbed = logits.value + gumbel;
    for (Eigen::Index j = 0; j < cols; ++j)
        for (Eigen::Index group = 0; group < rows; group += 4) {
            Eigen::Index best = 0;
            perturbed.col(j).segment(group, 4).maxCoeff(&best);
            for (Eigen::Index k = 0; k < 4; ++k) CHECK(g.value<"y">()(group + k, j) == (k == best ? 1.0 : 0.0));
        }
    flag(0, 0) = 0;  // back to soft samples: strictly inside the simplex at tau = 5
    g.forward(noise);
    CHECK(g.value<"y">().minCoeff() > 0.0);
    CHECK(g.value<"y">().maxCoeff() < 1.0);
}

TEST_CASE("gumbel_softmax on a Bernoulli: hard samples are [logits + L > 0]", "[estimators][gumbel_softmax]") {
    basic_parameter<double> logits("logits", 3, 4);
    random_stream init{5};
    Eigen::MatrixXd logistic(3, 4), tau = Eigen::MatrixXd::Constant(1, 1, 2.0), flag = Eigen::MatrixXd::Ones(1, 1);
    for (Eigen::Index i = 0; i < logits.value.size(); ++i)
        logits.value(i) = init.normal(), logistic(i) = draw_noise(noise_kind::logistic, init);
    fixed_noise<Eigen::MatrixXd> noise{{{"b", logistic}}};
    graph g{sum(let<"y">(gumbel_softmax::value<"b">(bernoulli_logits(param(logits)), input<"tau">())))};
    g.set<"tau">(tau), g.set<"hard_samples">(flag);
    g.forward(noise);
    const Eigen::MatrixXd expected = ((logits.value + logistic).array() > 0).cast<double>();
    CHECK(g.value<"y">() == expected);
}
