// Tests include/ppl/ops/exp.hpp through the generic gradient checker.
#include "support/gradient_checker.hpp"

using namespace ppl;
using namespace ppl::testing;

TEST_CASE("exp: value and gradient", "[ops][exp]") {
    for (auto cols : {1, 5}) {
        const dmatrix a = random_matrix(4, cols, -2.0, 2.0, 7 + cols);
        check_gradient<1>([](auto x) { return exp(x); }, {a},
                          [](const auto& in) { return map_entries(in[0], [](double v) { return std::exp(v); }); });
    }
}

TEST_CASE("exp: composes with a let-shared operand", "[ops][exp]") {
    const dmatrix a = random_matrix(3, 2, -2.0, 2.0, 3);
    check_gradient<1>([](auto x) { auto s = let<"s">(x * 0.5); return exp(s) + s; }, {a},
                      [](const auto& in) { return map_entries(in[0], [](double u) { double v = 0.5 * u; return (std::exp(v)) + v; }); });
}
