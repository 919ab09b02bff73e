// Tests include/ppl/ops/reduce.hpp through the generic gradient checker.
#include "support/gradient_checker.hpp"

using namespace ppl;
using namespace ppl::testing;

namespace {
double total(const dmatrix& m) {
    double s = 0;
    for (Eigen::Index i = 0; i < m.size(); ++i) s += m(i);
    return s;
}
}  // namespace

TEST_CASE("sum, mean and batch_mean: value and gradient", "[ops][reduce]") {
    const dmatrix a = random_matrix(3, 4, -1, 1, 9);
    check_gradient<1>([](auto x) { return sum(x); }, {a}, [](const auto& in) { return dmatrix::Constant(1, 1, total(in[0])); });
    check_gradient<1>([](auto x) { return mean(x); }, {a}, [](const auto& in) { return dmatrix::Constant(1, 1, total(in[0]) / 12.0); });
    check_gradient<1>([](auto x) { return batch_mean(x); }, {a}, [](const auto& in) { return dmatrix::Constant(1, 1, total(in[0]) / 4.0); });
}

TEST_CASE("column_sum: value and gradient", "[ops][reduce]") {
    const dmatrix a = random_matrix(3, 4, -1, 1, 10);
    check_gradient<1>([](auto x) { return column_sum(x); }, {a}, [](const auto& in) {
        dmatrix out = dmatrix::Zero(1, in[0].cols());
        for (Eigen::Index j = 0; j < in[0].cols(); ++j)
            for (Eigen::Index i = 0; i < in[0].rows(); ++i) out(0, j) += in[0](i, j);
        return out;
    });
}
