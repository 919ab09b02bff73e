// Tests include/ppl/ops/concat.hpp through the generic gradient checker.
#include "support/gradient_checker.hpp"

using namespace ppl;
using namespace ppl::testing;

TEST_CASE("concat: value and gradient of [a; b]", "[ops][concat]") {
    const dmatrix a = random_matrix(2, 3, -2, 2, 61), b = random_matrix(3, 3, -2, 2, 62);
    check_gradient<2>([](auto x, auto y) { return concat(x, y); }, {a, b}, [](const auto& in) {
        dmatrix out(in[0].rows() + in[1].rows(), in[0].cols());
        out << in[0], in[1];
        return out;
    });
}

TEST_CASE("concat: one operand used twice, and nested, gets the sum of both adjoints", "[ops][concat]") {
    const dmatrix a = random_matrix(2, 4, -2, 2, 63), b = random_matrix(1, 4, -2, 2, 64);
    check_gradient<2>([](auto x, auto y) { return concat(concat(x, y), x); }, {a, b}, [](const auto& in) {
        dmatrix out(2 * in[0].rows() + in[1].rows(), in[0].cols());
        out << in[0], in[1], in[0];
        return out;
    });
}

TEST_CASE("concat: operands with different columns are a ppl::error", "[ops][concat]") {
    check_shape_error<2>([](auto x, auto y) { return concat(x, y); }, {shape{2, 3}, shape{2, 4}}, "concat");
}
