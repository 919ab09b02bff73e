// Tests include/ppl/ops/one_hot.hpp: exactly one-hot forward, straight-through backward.
#include <catch2/catch.hpp>

#include <ppl/ppl.hpp>

using namespace ppl;

TEST_CASE("one_hot_argmax: one-hot per group, adjoint passed straight through", "[ops][one_hot]") {
    basic_parameter<double> a("a", 6, 2);
    a.value << 0.1, 3.0,  //
        0.7, -1.0,        //
        0.2, 0.5,         // group 1 ends
        -4.0, 0.0,        //
        -2.0, 0.1,        //
        -3.0, 0.2;
    Eigen::MatrixXd weights = Eigen::MatrixXd::Random(6, 2);
    graph g{sum(let<"hard">(one_hot_argmax(param(a), 3)) * input<"w">())};
    g.set<"w">(weights);
    g.value_and_grad();
    Eigen::MatrixXd expected(6, 2);
    expected << 0, 1, 1, 0, 0, 0, 0, 0, 1, 0, 0, 1;
    CHECK(g.value<"hard">() == expected);
    CHECK(a.grad == weights);
}
