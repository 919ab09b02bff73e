// Tests include/ppl/infer/minimize.hpp: a loss objective's value and gradient (against finite
// differences in double), its named inputs and their errors, the fused step, and tau.
#include <catch2/catch.hpp>

#include <ppl/ppl.hpp>

#include "support/gradient_checker.hpp"

using namespace ppl;
using Catch::Contains;

TEST_CASE("minimize: value and gradient of a loss with two inputs, against finite differences", "[infer][minimize]") {
    basic_parameter<double> w{"w", 1, 3}, b{"b", 1, 1};
    w.value << 0.3, -0.7, 1.1;
    b.value << -0.2;
    random_stream rng{4};
    Eigen::MatrixXd x(3, 10), y(1, 10);
    for (Eigen::Index i = 0; i < x.size(); ++i) x(i) = rng.normal();
    for (Eigen::Index j = 0; j < 10; ++j) y(0, j) = rng.uniform() < 0.5 ? 1.0 : 0.0;
    auto objective = minimize(batch_mean(-column_sum(log_prob(bernoulli_logits(matmul(param(w), input<"x">()) + param(b)), input<"y">()))));
    // the reference: mean binary cross-entropy, computed here in plain Eigen
    const auto reference = [&] {
        const Eigen::ArrayXXd logits = (w.value * x).array() + b.value(0, 0);
        return (-(y.array() * logits) + (1 + logits.exp()).log()).mean();
    };
    const step_result r = objective.value_and_grad({{"x", x}, {"y", y}}, rng);
    CHECK(r.loss == Approx(reference()).epsilon(1e-12));
    CHECK(r.neg_elbo == r.loss);
    testing::check_finite_differences(reference, {&w, &b}, {w.grad, b.grad});

    // every input it reads, once, with one column per data point
    CHECK_THROWS_WITH(objective.forward({{"x", x}}, rng), Contains("reads input 'y'"));
    const Eigen::MatrixXd short_y = y.leftCols(9);
    CHECK_THROWS_WITH(objective.forward({{"x", x}, {"y", short_y}}, rng), Contains("one column per data point"));
    CHECK_THROWS_WITH(objective.forward({{"x", x}, {"y", y}, {"z", y}}, rng), Contains("no input named 'z'"));
    CHECK(objective.describe().empty());
    CHECK(objective.parameters().size() == 2);
}

TEST_CASE("minimize: the fused step equals value_and_grad then step, bit for bit; a loss reading tau gets the step's", "[infer][minimize]") {
    const auto train = [](bool fused) {
        random_stream init{5};
        dense layer{4, 3, init, "layer"};
        Eigen::MatrixXf x(4, 16), y = Eigen::MatrixXf::Zero(3, 16);
        random_stream rng{6};
        for (Eigen::Index i = 0; i < x.size(); ++i) x(i) = static_cast<float>(rng.normal());
        for (Eigen::Index j = 0; j < 16; ++j) y(rng.below(3), j) = 1;
        // cross-entropy of logits / tau
        auto objective = minimize(batch_mean(-column_sum(input<"y">() * log_softmax(layer(input<"x">()) / temperature_input, 3))));
        adam opt{objective.parameters(), {.lr = 0.05}};
        std::vector<double> losses;
        for (int step = 0; step < 5; ++step) {
            const step_options options{.tau = 0.5 + 0.1 * step};
            if (fused) {
                losses.push_back(objective.train_step({{"x", x}, {"y", y}}, rng, opt, options).loss);
            } else {
                losses.push_back(objective.value_and_grad({{"x", x}, {"y", y}}, rng, options).loss);
                opt.step();
            }
        }
        return std::pair{losses, layer.weight.value};
    };
    const auto fused = train(true), separate = train(false);
    CHECK(fused.first == separate.first);
    CHECK(fused.second == separate.second);
    CHECK(fused.first.back() < fused.first.front());

    parameter p{"p", 1, 1};
    auto scaled = minimize(sum(square(param(p) - 1.0) / temperature_input));
    random_stream rng{7};
    const Eigen::MatrixXf unused(1, 1);
    CHECK(scaled.forward(unused, rng, {.tau = 0.25}).loss == Approx(4.0));
    CHECK_THROWS_WITH(scaled.forward(unused, rng, {.tau = 0}), Contains("tau is 0"));
}
