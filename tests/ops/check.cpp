// Tests include/ppl/ops/check.hpp: checked values pass through with their gradient, and a value
// that breaks its rule stops the pass with a ppl::error that names it.
#include "support/gradient_checker.hpp"

using namespace ppl;
using namespace ppl::testing;

TEST_CASE("check: a value that meets its rule passes through, and so does its gradient", "[ops][check]") {
    const dmatrix a = random_matrix(3, 2, 0.1, 0.9, 81);
    const auto identity = [](const auto& in) { return in[0]; };
    check_gradient<1>([](auto x) { return require_finite(x, "a"); }, {a}, identity);
    check_gradient<1>([](auto x) { return require_positive(x, "a"); }, {a}, identity);
    check_gradient<1>([](auto x) { return require_unit_interval(x, "a"); }, {a}, identity);
    check_gradient<1>([](auto x) { return require_one_column(x, "a"); }, {random_matrix(4, 1, -2, 2, 82)}, identity);
}

TEST_CASE("check: a value that breaks its rule is a ppl::error that gives it", "[ops][check]") {
    dparameter p{"p", 2, 2};
    p.value << 0.5, -0.25, 1.5, 0.0;
    graph positive{sum(require_positive(param(p), "normal scale"))};
    CHECK_THROWS_WITH(positive.forward(), Catch::Contains("normal scale is -0.25 at row 0, column 1; it must be positive"));
    graph unit{sum(require_unit_interval(param(p), "bernoulli probability"))};
    CHECK_THROWS_WITH(unit.forward(), Catch::Contains("bernoulli probability is 1.5 at row 1, column 0; it must lie in [0, 1]"));
    p.value(0, 0) = std::numeric_limits<double>::quiet_NaN();
    graph finite{sum(require_finite(param(p), "normal loc"))};
    CHECK_THROWS_WITH(finite.forward(), Catch::Contains("normal loc is nan") && Catch::Contains("it must be finite"));
    // the vectorised first pass must not let through what each rule refuses: infinities and NaN
    dparameter q{"q", 1, 3};
    q.value << 0.5, std::numeric_limits<double>::infinity(), 0.25;
    graph positive_inf{sum(require_positive(param(q), "rate"))};
    CHECK_THROWS_WITH(positive_inf.forward(), Catch::Contains("rate is inf at row 0, column 1; it must be finite"));
    q.value(0, 1) = -std::numeric_limits<double>::infinity();
    graph unit_inf{sum(require_unit_interval(param(q), "probability"))};
    CHECK_THROWS_WITH(unit_inf.forward(), Catch::Contains("probability is -inf"));
    q.value(0, 1) = std::numeric_limits<double>::quiet_NaN();
    CHECK_THROWS_WITH(unit_inf.forward(), Catch::Contains("probability is nan"));
}

TEST_CASE("check: require_one_column refuses several columns when the graph is bound", "[ops][check]") {
    check_shape_error<1>([](auto x) { return require_one_column(x, "one_column: w is one draw per dataset"); }, {shape{3, 4}},
                         "it has 4 columns");
}
