// Tests include/ppl/ops/group_total.hpp: both per-group ops through the generic gradient checker.
#include "support/gradient_checker.hpp"

using namespace ppl;
using namespace ppl::testing;

TEST_CASE("group_total: every entry holds its group's sum", "[ops][group_total]") {
    const dmatrix a = random_matrix(6, 3, -2, 2, 41);
    check_gradient<1>([](auto x) { return group_total(x, ops::group_layout{2, 0}); }, {a}, [](const auto& in) {
        dmatrix out(6, 3);
        for (Eigen::Index j = 0; j < 3; ++j)
            for (Eigen::Index i = 0; i < 6; ++i) out(i, j) = in[0](i / 3 * 3, j) + in[0](i / 3 * 3 + 1, j) + in[0](i / 3 * 3 + 2, j);
        return out;
    });
}

TEST_CASE("first_of_group: keeps each group's first entry", "[ops][group_total]") {
    const dmatrix a = random_matrix(6, 2, -2, 2, 42);
    check_gradient<1>([](auto x) { return first_of_group(x, ops::group_layout{0, 2}); }, {a}, [](const auto& in) {
        dmatrix out = dmatrix::Zero(6, 2);
        for (Eigen::Index j = 0; j < 2; ++j)
            for (Eigen::Index i = 0; i < 6; i += 2) out(i, j) = in[0](i, j);
        return out;
    });
}

TEST_CASE("group_total: rows that do not split into the groups are refused", "[ops][group_total]") {
    check_shape_error<1>([](auto x) { return group_total(x, ops::group_layout{4, 0}); }, {shape{6, 2}}, "group_total");
}
