// Tests include/ppl/ops/tanh.hpp through the generic gradient checker.
#include "support/gradient_checker.hpp"

using namespace ppl;
using namespace ppl::testing;

TEST_CASE("tanh: value and gradient", "[ops][tanh]") {
    for (auto cols : {1, 5}) {
        const dmatrix a = random_matrix(4, cols, -2.0, 2.0, 7 + cols);
        check_gradient<1>([](auto x) { return tanh(x); }, {a},
                          [](const auto& in) { return map_entries(in[0], [](double v) { return std::tanh(v); }); });
    }
}

TEST_CASE("tanh: composes with a let-shared operand", "[ops][tanh]") {
    const dmatrix a = random_matrix(3, 2, -2.0, 2.0, 3);
    check_gradient<1>([](auto x) { auto s = let<"s">(x * 0.5); return tanh(s) + s; }, {a},
                      [](const auto& in) { return map_entries(in[0], [](double u) { double v = 0.5 * u; return (std::tanh(v)) + v; }); });
}
