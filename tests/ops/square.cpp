// Tests include/ppl/ops/square.hpp through the generic gradient checker.
#include "support/gradient_checker.hpp"

using namespace ppl;
using namespace ppl::testing;

TEST_CASE("square: value and gradient", "[ops][square]") {
    for (auto cols : {1, 5}) {
        const dmatrix a = random_matrix(4, cols, -2.0, 2.0, 7 + cols);
        check_gradient<1>([](auto x) { return square(x); }, {a},
                          [](const auto& in) { return map_entries(in[0], [](double v) { return v * v; }); });
    }
}

TEST_CASE("square: composes with a let-shared operand", "[ops][square]") {
    const dmatrix a = random_matrix(3, 2, -2.0, 2.0, 3);
    check_gradient<1>([](auto x) { auto s = let<"s">(x * 0.5); return square(s) + s; }, {a},
                      [](const auto& in) { return map_entries(in[0], [](double u) { double v = 0.5 * u; return (v * v) + v; }); });
}
