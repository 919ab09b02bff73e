// Tests include/ppl/ops/clip.hpp through the generic gradient checker.
#include "support/gradient_checker.hpp"

using namespace ppl;
using namespace ppl::testing;

TEST_CASE("clip: value and gradient", "[ops][clip]") {
    // entries away from the two corners, where the finite differences would straddle a kink
    dmatrix a = random_matrix(3, 4, -2, 3, 51);
    for (Eigen::Index i = 0; i < a.size(); ++i)
        if (std::abs(a(i)) < 0.01 || std::abs(a(i) - 1) < 0.01) a(i) += 0.05;
    check_gradient<1>([](auto x) { return clip(x, 0.0, 1.0); }, {a},
                      [](const auto& in) { return map_entries(in[0], [](double v) { return std::clamp(v, 0.0, 1.0); }); });
}
