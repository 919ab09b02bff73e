// Tests include/ppl/ops/matmul.hpp through the generic gradient checker.
#include "support/gradient_checker.hpp"

using namespace ppl;
using namespace ppl::testing;

TEST_CASE("matmul: value and gradient", "[ops][matmul]") {
    for (auto cols : {1, 4}) {
        const dmatrix a = random_matrix(3, 5, -1, 1, 1), b = random_matrix(5, cols, -1, 1, 2);
        check_gradient<2>([](auto x, auto y) { return matmul(x, y); }, {a, b},
                          [](const auto& in) { return reference_product(in[0], in[1]); });
    }
}

TEST_CASE("matmul: inner dimensions must agree", "[ops][matmul]") {
    check_shape_error<2>([](auto x, auto y) { return matmul(x, y); }, {{3, 5}, {4, 2}}, "'matmul'");
}
