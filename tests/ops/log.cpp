// Tests include/ppl/ops/log.hpp through the generic gradient checker.
#include "support/gradient_checker.hpp"

using namespace ppl;
using namespace ppl::testing;

TEST_CASE("log: value and gradient", "[ops][log]") {
    for (auto cols : {1, 5}) {
        const dmatrix a = random_matrix(4, cols, 0.2, 3.0, 7 + cols);
        check_gradient<1>([](auto x) { return log(x); }, {a},
                          [](const auto& in) { return map_entries(in[0], [](double v) { return std::log(v); }); });
    }
}

TEST_CASE("log: composes with a let-shared operand", "[ops][log]") {
    const dmatrix a = random_matrix(3, 2, 0.2, 3.0, 3);
    check_gradient<1>([](auto x) { auto s = let<"s">(x * 0.5); return log(s) + s; }, {a},
                      [](const auto& in) { return map_entries(in[0], [](double u) { double v = 0.5 * u; return (std::log(v)) + v; }); });
}
