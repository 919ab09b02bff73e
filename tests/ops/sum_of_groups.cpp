// Tests include/ppl/ops/sum_of_groups.hpp: value and gradient, and a row count that does not split.
#include "support/gradient_checker.hpp"

using namespace ppl;
using namespace ppl::testing;

TEST_CASE("sum_of_groups: value and gradient", "[ops][sum_of_groups]") {
    check_gradient<1>([](auto a) { return sum_of_groups(a, 3); }, {random_matrix(12, 2, -1, 1, 4)},
                      [](const auto& in) { return dmatrix(in[0].topRows(4) + in[0].middleRows(4, 4) + in[0].bottomRows(4)); });
    check_shape_error<1>([](auto a) { return sum_of_groups(a, 3); }, {shape{10, 1}}, "sum_of_groups");
}
