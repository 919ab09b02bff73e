// Tests include/ppl/ops/antithetic.hpp: the second half of the columns mirrors the first.
#include <catch2/catch.hpp>

#include <ppl/ppl.hpp>

using namespace ppl;

TEST_CASE("antithetic: column n + i is the negation of column i", "[ops][antithetic]") {
    basic_parameter<double> a("a", 2, 6);
    a.value << 1, -2, 3, 9, 9, 9,  //
        0.5, 0, -4, 9, 9, 9;
    graph g{sum(let<"pair">(make_expr(ops::antithetic_op{}, param(a))))};
    g.forward();
    Eigen::MatrixXd expected(2, 6);
    expected << 1, -2, 3, -1, 2, -3,  //
        0.5, 0, -4, -0.5, 0, 4;
    CHECK(g.value<"pair">() == expected);  // exact: a copy and a negation
}

TEST_CASE("antithetic: an odd number of columns is a ppl::error that names the fix", "[ops][antithetic]") {
    basic_parameter<double> a("a", 2, 3);
    CHECK_THROWS_WITH((graph{sum(make_expr(ops::antithetic_op{}, param(a)))}.forward()),
                      Catch::Contains("even number of columns") && Catch::Contains("elbo_settings{.samples = 2}"));
}
