// Tests include/ppl/ops/hard_when.hpp: the soft value or its hard form, chosen by a runtime flag.
#include "support/gradient_checker.hpp"

using namespace ppl;
using namespace ppl::testing;

TEST_CASE("hard_when: flag 0 is the identity, through the generic checker", "[ops][hard_when]") {
    const dmatrix a = random_matrix(6, 3, -2, 2, 17), off = dmatrix::Zero(1, 1);
    // the flag gets no gradient: finite differences of it stay on the soft side of 1/2
    check_gradient<2>([](auto x, auto flag) { return hard_when(ops::one_hot_argmax_op{{0, 3}}, x, flag); }, {a, off},
                      [](const auto& in) { return in[0]; });
}

TEST_CASE("hard_when: flag 1 gives the hard rule's value, and passes the adjoint straight through", "[ops][hard_when]") {
    basic_parameter<double> a("a", 6, 2);
    a.value << 0.1, 3.0, 0.7, -1.0, 0.2, 0.5, -4.0, 0.0, -2.0, 0.1, -3.0, 0.2;
    Eigen::MatrixXd weights = Eigen::MatrixXd::Random(6, 2), flag(1, 1);
    graph g{sum(let<"y">(hard_when(ops::one_hot_argmax_op{{0, 3}}, param(a), input<"flag">())) * input<"w">())};
    g.set<"w">(weights);
    g.set<"flag">(flag);
    flag(0, 0) = 1;
    g.value_and_grad();
    Eigen::MatrixXd one_hot(6, 2);
    one_hot << 0, 1, 1, 0, 0, 0, 0, 0, 1, 0, 0, 1;
    CHECK(g.value<"y">() == one_hot);
    CHECK(a.grad == weights);
    flag(0, 0) = 0;  // the same graph, switched back between passes
    g.value_and_grad();
    CHECK(g.value<"y">() == a.value);
    CHECK(a.grad == weights);
}

TEST_CASE("hard_when: a threshold rule gives exact zeros and ones", "[ops][hard_when]") {
    Eigen::MatrixXf a(2, 2), flag = Eigen::MatrixXf::Ones(1, 1);
    a << 0.2, 0.51, 0.5, 0.9;
    graph g{sum(let<"y">(hard_when(ops::hard_threshold_op{{}, 0.5}, input<"a">(), input<"flag">())))};
    g.set<"a">(a);
    g.set<"flag">(flag);
    g.forward();
    Eigen::MatrixXf expected(2, 2);
    expected << 0, 1, 0, 1;
    CHECK(g.value<"y">() == expected);
}
