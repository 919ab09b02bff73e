// Tests include/ppl/nn/dense.hpp: seeded initialisation and the layer's graph.
#include <catch2/catch.hpp>

#include <cmath>
#include <ppl/ppl.hpp>

using namespace ppl;

TEST_CASE("dense: seeded U(-1/sqrt(in), 1/sqrt(in)) initialisation", "[nn][dense]") {
    random_stream a{1}, b{1};
    dense first{400, 20, a, "enc"}, same{400, 20, b, "enc"};
    CHECK(first.weight.value == same.weight.value);
    CHECK(first.weight.name == "enc.weight");
    const float bound = 1.0f / std::sqrt(400.0f);
    CHECK(first.weight.value.cwiseAbs().maxCoeff() <= bound);
    CHECK(first.weight.value.cwiseAbs().maxCoeff() > 0.95f * bound);
    CHECK(std::abs(first.weight.value.mean()) < 4 * bound / std::sqrt(3.0f * 8000));
    CHECK(first.bias.value.rows() == 20);
    CHECK(first.bias.value.cols() == 1);
}

TEST_CASE("dense: two-layer regression trains with adam", "[nn][dense][adam]") {
    random_stream rng{2};
    dense hidden{1, 16, rng}, out{16, 1, rng};
    Eigen::MatrixXf x(1, 64), y(1, 64);
    for (int j = 0; j < 64; ++j) x(0, j) = -2.0f + 4.0f * j / 63, y(0, j) = std::sin(x(0, j));
    graph g{mean(square(out(tanh(hidden(input<"x">()))) - input<"y">()))};
    g.set<"x">(x);
    g.set<"y">(y);
    adam opt{g.parameters(), {.lr = 1e-2}};
    const float initial = g.forward();
    for (int step = 0; step < 500; ++step) {
        g.value_and_grad();
        opt.step();
    }
    CHECK(g.forward() < 0.02f * initial);
}
