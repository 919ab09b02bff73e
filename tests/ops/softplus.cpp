// Tests include/ppl/ops/softplus.hpp through the generic gradient checker.
#include "support/gradient_checker.hpp"

using namespace ppl;
using namespace ppl::testing;

TEST_CASE("softplus: value and gradient", "[ops][softplus]") {
    for (auto cols : {1, 5}) {
        const dmatrix a = random_matrix(4, cols, -4.0, 4.0, 7 + cols);
        check_gradient<1>([](auto x) { return softplus(x); }, {a},
                          [](const auto& in) { return map_entries(in[0], [](double v) { return std::log(1.0 + std::exp(v)); }); });
    }
}

TEST_CASE("softplus: composes with a let-shared operand", "[ops][softplus]") {
    const dmatrix a = random_matrix(3, 2, -4.0, 4.0, 3);
    check_gradient<1>([](auto x) { auto s = let<"s">(x * 0.5); return softplus(s) + s; }, {a},
                      [](const auto& in) { return map_entries(in[0], [](double u) { double v = 0.5 * u; return (std::log(1.0 + std::exp(v))) + v; }); });
}
