// Tests include/ppl/core/let.hpp: a shared node is evaluated once and its adjoint sums its uses.
#include <catch2/catch.hpp>

#include <ppl/ppl.hpp>

using namespace ppl;

TEST_CASE("let: the shared node is evaluated once per forward pass", "[core][let]") {
    basic_parameter<double> a("a", 2, 3);
    a.value << 1, 2, 3, 4, 5, 6;
    auto shared = let<"e">(exp(param(a)));
    auto loss = sum(shared * 2.0 + shared * shared + shared);
    graph g{loss};
    // slots: a, exp, let, 2.0, *, *, +, +, sum; unshared, each of the 4 uses adds its own a and exp
    auto unshared = sum(exp(param(a)) * 2.0 + exp(param(a)) * exp(param(a)) + exp(param(a)));
    graph plain{unshared};
    g.forward();
    plain.forward();
    CHECK(g.evaluations() + 3 == plain.evaluations());  // three repeated exp nodes saved
    CHECK(graph<decltype(loss)>::size() + 5 == graph<decltype(unshared)>::size());
}

TEST_CASE("let: the adjoint of a shared node is the sum over its uses", "[core][let]") {
    basic_parameter<double> a("a", 2, 2);
    a.value << 0.1, -0.2, 0.3, 0.4;
    // L = sum(2 e + e^2 + e), e = exp(a): dL/da = (2 + 2 e + 1) e
    auto shared = let<"e">(exp(param(a)));
    graph g{sum(shared * 2.0 + shared * shared + shared)};
    g.value_and_grad();
    const Eigen::MatrixXd e = a.value.array().exp();
    const Eigen::MatrixXd expected = ((3.0 + 2.0 * e.array()) * e.array()).matrix();
    CHECK((a.grad - expected).cwiseAbs().maxCoeff() < 1e-12);
    CHECK((g.value<"e">() - e).cwiseAbs().maxCoeff() == 0.0);
}

TEST_CASE("let: nested lets and a parameter used twice", "[core][let]") {
    basic_parameter<double> w("w", 1, 1);
    w.value(0, 0) = 0.7;
    auto inner = let<"inner">(param(w) * param(w));       // w^2
    auto outer = let<"outer">(inner + inner * param(w));  // w^2 + w^3
    graph g{sum(outer * outer)};                           // (w^2 + w^3)^2
    g.value_and_grad();
    const double v = 0.7, f = v * v + v * v * v, df = 2 * v + 3 * v * v;
    CHECK(g.result()(0, 0) == Approx(f * f).epsilon(1e-14));
    CHECK(w.grad(0, 0) == Approx(2 * f * df).epsilon(1e-14));
}

TEST_CASE("let: a reference by name reads the let's value and adds to its adjoint", "[core][let]") {
    basic_parameter<double> a("a", 2, 2);
    a.value << 0.1, -0.2, 0.3, 0.4;
    auto e = let<"e">(exp(param(a)));
    // L = sum(e * 2 + e_ref * e_ref), e = exp(a): dL/da = (2 + 2 e) e, as with the let used three times
    auto loss = sum(e * 2.0 + reference_to(e) * reference_to(e));
    static_assert(std::is_same_v<decltype(reference_to(e)), let_reference<"e", true>>);
    graph g{loss};
    g.value_and_grad();
    const Eigen::MatrixXd v = a.value.array().exp();
    CHECK(g.result()(0, 0) == Approx((2.0 * v.array() + v.array().square()).sum()).epsilon(1e-14));
    const Eigen::MatrixXd expected = ((2.0 + 2.0 * v.array()) * v.array()).matrix();
    CHECK((a.grad - expected).cwiseAbs().maxCoeff() < 1e-12);
    // a reference is one slot that shares the let's buffers: exp is still evaluated once
    graph plain{sum(e * 2.0 + e * e)};
    plain.forward();
    g.forward();
    CHECK(g.evaluations() == plain.evaluations());
}

TEST_CASE("let: let_index finds every let below a root in one walk", "[core][let]") {
    basic_parameter<double> a("a", 1, 1);
    a.value(0, 0) = 0.5;
    auto inner = let<"inner">(param(a) * 3.0);
    auto outer = let<"outer">(exp(inner) + inner);
    const auto root = sum(outer * outer);
    const let_index<std::remove_cvref_t<decltype(root)>> found(root);
    const auto& o = found.get<decltype(outer)>();
    const auto& i = found.get<decltype(inner)>();
    // the first copies on the way down: the left operand of outer * outer, and the one in its exp
    CHECK(&o == &get_operand<0>(get_operand<0>(root.operands).operands));
    CHECK(&i == &get_operand<0>(get_operand<0>(get_operand<0>(o.operands).operands).operands));
}
