// Tests include/ppl/ops/reshape.hpp: value and gradient, and a size that does not divide.
#include "support/gradient_checker.hpp"

using namespace ppl;
using namespace ppl::testing;

TEST_CASE("reshape: column-major order kept, value and gradient", "[ops][reshape]") {
    check_gradient<1>([](auto a) { return reshape(a, 6); }, {random_matrix(3, 4, -1, 1, 2)},
                      [](const auto& in) { return dmatrix(Eigen::Map<const dmatrix>(in[0].data(), 6, 2)); });
    check_shape_error<1>([](auto a) { return reshape(a, 5); }, {shape{3, 4}}, "reshape");
}
