// Tests include/ppl/ops/rows.hpp through the generic gradient checker.
#include "support/gradient_checker.hpp"

using namespace ppl;
using namespace ppl::testing;

TEST_CASE("rows: value and gradient of a block of rows", "[ops][rows]") {
    const dmatrix a = random_matrix(5, 3, -2, 2, 71);
    for (const auto& block : {std::pair<Eigen::Index, Eigen::Index>{0, 2}, {1, 3}, {3, 2}, {0, 5}}) {
        // clang 14 cannot capture a structured binding, so the lambdas take copies of plain names
        const Eigen::Index from = block.first, count = block.second;
        INFO("from " << from << ", count " << count);
        check_gradient<1>([=](auto x) { return rows(x, from, count); }, {a},
                          [=](const auto& in) { return dmatrix(in[0].middleRows(from, count)); });
    }
}

TEST_CASE("rows: two overlapping slices of one operand add their adjoints", "[ops][rows]") {
    const dmatrix a = random_matrix(4, 2, -2, 2, 72);
    check_gradient<1>([](auto x) { return rows(x, 0, 3) * rows(x, 1, 3); }, {a}, [](const auto& in) {
        return dmatrix(in[0].topRows(3).cwiseProduct(in[0].bottomRows(3)));
    });
}

TEST_CASE("rows undoes concat", "[ops][rows][concat]") {
    const dmatrix a = random_matrix(2, 3, -2, 2, 73), b = random_matrix(3, 3, -2, 2, 74);
    check_gradient<2>([](auto x, auto y) { return rows(concat(x, y), 2, 3); }, {a, b},
                      [](const auto& in) { return in[1]; });  // and a's gradient is exactly 0
}

TEST_CASE("rows: a block outside the operand is a ppl::error that names the bounds", "[ops][rows]") {
    check_shape_error<1>([](auto x) { return rows(x, 3, 2); }, {shape{4, 2}}, "rows");
    check_shape_error<1>([](auto x) { return rows(x, -1, 2); }, {shape{4, 2}}, "rows");
    check_shape_error<1>([](auto x) { return rows(x, 0, 0); }, {shape{4, 2}}, "rows");
}
