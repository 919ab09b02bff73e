// Tests include/ppl/ops/relu.hpp through the generic gradient checker.
#include "support/gradient_checker.hpp"

using namespace ppl;
using namespace ppl::testing;

// Entries kept away from the kink at 0, where the finite difference is not defined.
static dmatrix away_from_zero(dmatrix m) {
    return map_entries(m, [](double v) { return v < 0 ? v - 0.1 : v + 0.1; });
}

TEST_CASE("relu: value and gradient", "[ops][relu]") {
    for (auto cols : {1, 6}) {
        const dmatrix a = away_from_zero(random_matrix(5, cols, -1.0, 1.0, 11 + cols));
        check_gradient<1>([](auto x) { return relu(x); }, {a},
                          [](const auto& in) { return map_entries(in[0], [](double v) { return v > 0 ? v : 0.0; }); });
    }
}

TEST_CASE("softplus stays finite and exact for large inputs", "[ops][softplus]") {
    const dmatrix a{{-80.0, 80.0}};
    check_gradient<1>([](auto x) { return softplus(x); }, {a},
                      [](const auto&) { return dmatrix{{std::exp(-80.0), 80.0}}; });
}
