// Tests include/ppl/core/graph.hpp: binding, passes, and the errors it raises.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <ppl/ppl.hpp>
#include <vector>

using namespace ppl;
using Catch::Contains;

TEST_CASE("graph: a shape mismatch names the node and both shapes", "[core][graph]") {
    random_stream rng{0};
    dense layer{3, 2, rng, "layer"};
    auto x = input<"x">();
    graph g{sum(let<"h">(layer(x) + x))};
    Eigen::MatrixXf batch = Eigen::MatrixXf::Ones(3, 4);
    g.set<"x">(batch);
    CHECK_THROWS_AS(g.forward(), error);
    CHECK_THROWS_WITH(g.forward(), Contains("'add'") && Contains("let \"h\"") && Contains("2x4") && Contains("3x4"));
}

TEST_CASE("graph: the layer's own shape check names the op", "[core][graph]") {
    random_stream rng{0};
    dense layer{3, 2, rng};
    graph g{sum(layer(input<"x">()))};
    Eigen::MatrixXf batch = Eigen::MatrixXf::Ones(5, 4);
    g.set<"x">(batch);
    CHECK_THROWS_WITH(g.forward(), Contains("'affine'") && Contains("2x3") && Contains("5x4"));
}

TEST_CASE("graph: a non-finite loss names the first non-finite node", "[core][graph]") {
    basic_parameter<double> a("a", 2, 1);
    a.value << 1.0, -1.0;  // log(-1) is NaN
    graph g{sum(exp(let<"l">(log(param(a)))))};
    CHECK_THROWS_WITH(g.forward(), Contains("not finite") && Contains("'log'") && Contains("let \"l\""));
}

TEST_CASE("graph: NaN in an input or a parameter is reported by name", "[core][graph]") {
    random_stream rng{0};
    dense layer{2, 1, rng, "layer"};
    graph g{sum(layer(input<"x">()))};
    Eigen::MatrixXf batch = Eigen::MatrixXf::Ones(2, 3);
    batch(1, 2) = std::numeric_limits<float>::quiet_NaN();
    g.set<"x">(batch);
    CHECK_THROWS_WITH(g.forward(), Contains("input 'x'"));
    batch(1, 2) = 0;
    layer.weight.value(0, 0) = std::numeric_limits<float>::infinity();
    CHECK_THROWS_WITH(g.forward(), Contains("parameter 'layer.weight'"));
}

TEST_CASE("graph: the loss must be 1x1 and every input must be set", "[core][graph]") {
    random_stream rng{0};
    dense layer{2, 2, rng};
    graph not_scalar{layer(input<"x">())};
    Eigen::MatrixXf batch = Eigen::MatrixXf::Ones(2, 3);
    not_scalar.set<"x">(batch);
    CHECK_THROWS_WITH(not_scalar.forward(), Contains("1x1") && Contains("2x3"));
    graph unset{sum(layer(input<"x">()))};
    CHECK_THROWS_WITH(unset.forward(), Contains("input 'x' was never set"));
}

TEST_CASE("graph: rebinding to a new batch size resizes and recomputes", "[core][graph]") {
    random_stream rng{3};
    dense layer{2, 2, rng};
    graph g{batch_mean(square(layer(input<"x">())))};
    Eigen::MatrixXf small = Eigen::MatrixXf::Ones(2, 1), large = Eigen::MatrixXf::Ones(2, 7);
    g.set<"x">(small);
    const float one = g.forward();
    g.set<"x">(large);
    CHECK(g.forward() == Approx(one));  // identical columns: the per-sample mean is unchanged
}

TEST_CASE("graph: a parameter without a path to the loss gets a zero gradient", "[core][graph]") {
    basic_parameter<double> a("a", 1, 1), unused("unused", 2, 2);
    a.value(0, 0) = 2;
    unused.grad.setOnes();
    graph g{sum(param(a) * param(a)) + sum(param(unused)) * 0.0};
    g.value_and_grad();
    CHECK(a.grad(0, 0) == 4.0);
    CHECK(unused.grad.isZero());
}

TEST_CASE("graph: backward(on_final) hands over each parameter once, after its last reader", "[core][graph]") {
    random_stream rng{9};
    dense shared{3, 3, rng, "shared"}, head{3, 2, rng, "head"};
    basic_parameter<float> unused("unused", 2, 2);
    unused.grad.setOnes();
    // `shared` is read by two layers; moving a parameter the moment it is handed over must not
    // change any gradient computed after it
    const auto model = [&] {
        auto x = input<"x">();
        return sum(square(head(relu(shared(relu(shared(x))))))) + sum(param(unused)) * 0.0;
    };
    const Eigen::MatrixXf x = Eigen::MatrixXf::Random(3, 5);
    graph plain{model()};
    plain.set<"x">(x);
    plain.value_and_grad();
    std::vector<Eigen::MatrixXf> expected;
    for (auto* p : plain.parameters()) expected.push_back(p->grad);
    const std::vector<Eigen::MatrixXf> values = [&] {
        std::vector<Eigen::MatrixXf> v;
        for (auto* p : plain.parameters()) v.push_back(p->value);
        return v;
    }();

    graph fused{model()};
    fused.set<"x">(x);
    fused.forward();
    std::vector<parameter*> handed;
    std::vector<Eigen::MatrixXf> seen;
    fused.backward([&](parameter& p) {
        handed.push_back(&p);
        seen.push_back(p.grad);
        p.value.array() += 1000.0f;  // a reader still to come would now compute a wrong gradient
    });
    const auto params = fused.parameters();
    REQUIRE(handed.size() == params.size());  // each once, the unreachable one too
    for (std::size_t k = 0; k < params.size(); ++k) {
        const auto at = std::find(handed.begin(), handed.end(), params[k]);
        REQUIRE(at != handed.end());
        const std::size_t h = static_cast<std::size_t>(at - handed.begin());
        CHECK(seen[h] == expected[k]);             // final when handed over, bit for bit
        CHECK(params[k]->grad == expected[k]);     // and not changed after
        params[k]->value = values[k];
    }
    CHECK(unused.grad.isZero());
}

TEST_CASE("graph: gradients of an input column block bound without a copy", "[core][graph]") {
    random_stream rng{5};
    dense layer{3, 1, rng};
    graph g{batch_mean(layer(input<"x">()))};
    Eigen::MatrixXf data = Eigen::MatrixXf::Random(3, 10);
    g.set<"x">(data.middleCols(2, 4));
    g.value_and_grad();
    const Eigen::VectorXf expected = data.middleCols(2, 4).rowwise().mean();
    CHECK((layer.weight.grad.transpose() - expected).cwiseAbs().maxCoeff() < 1e-6f);
    CHECK(layer.bias.grad(0, 0) == Approx(1.0f));
}

TEST_CASE("graph: an input bound to rows of a larger matrix is read with its stride", "[core][graph]") {
    random_stream rng{3};
    dense layer{3, 2, rng, "layer"};
    const Eigen::MatrixXf big = Eigen::MatrixXf::Random(5, 4);
    const Eigen::MatrixXf copy = big.topRows(3);
    graph strided{sum(exp(layer(input<"x">())) + 0.5 * sum(input<"x">()))};
    graph contiguous{sum(exp(layer(input<"x">())) + 0.5 * sum(input<"x">()))};
    strided.set<"x">(big.topRows(3));
    contiguous.set<"x">(copy);
    const float a = strided.value_and_grad(), b = contiguous.value_and_grad();
    CHECK(a == b);
    const Eigen::MatrixXf affine = (layer.weight.value * copy).colwise() + layer.bias.value.col(0);
    // the 1x1 half-sum is broadcast to every entry of the 2x4 layer output before the outer sum
    const float expected = affine.array().exp().sum() + float(affine.size()) * 0.5f * copy.sum();
    CHECK(a == Approx(expected).epsilon(1e-5));
}
