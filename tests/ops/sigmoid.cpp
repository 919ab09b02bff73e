// Tests include/ppl/ops/sigmoid.hpp through the generic gradient checker.
#include "support/gradient_checker.hpp"

using namespace ppl;
using namespace ppl::testing;

TEST_CASE("sigmoid: value and gradient", "[ops][sigmoid]") {
    for (auto cols : {1, 5}) {
        const dmatrix a = random_matrix(4, cols, -4.0, 4.0, 7 + cols);
        check_gradient<1>([](auto x) { return sigmoid(x); }, {a},
                          [](const auto& in) { return map_entries(in[0], [](double v) { return 1.0 / (1.0 + std::exp(-v)); }); });
    }
}

TEST_CASE("sigmoid: composes with a let-shared operand", "[ops][sigmoid]") {
    const dmatrix a = random_matrix(3, 2, -4.0, 4.0, 3);
    check_gradient<1>([](auto x) { auto s = let<"s">(x * 0.5); return sigmoid(s) + s; }, {a},
                      [](const auto& in) { return map_entries(in[0], [](double u) { double v = 0.5 * u; return (1.0 / (1.0 + std::exp(-v))) + v; }); });
}
