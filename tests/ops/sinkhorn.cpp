// Tests include/ppl/ops/sinkhorn.hpp: the rounds against a direct loop, the limit's row and column
// sums, that only row and column terms are added, and the gradient through the generic checker.
#include "support/gradient_checker.hpp"

using namespace ppl;
using namespace ppl::testing;

namespace {

// L rounds of row then column normalisation of each column's n x n matrix, written out directly
dmatrix reference_log_sinkhorn(const dmatrix& a, Eigen::Index n, int rounds) {
    dmatrix out = a;
    for (Eigen::Index j = 0; j < a.cols(); ++j) {
        dmatrix m = Eigen::Map<const dmatrix>(a.col(j).data(), n, n);
        for (int t = 0; t < rounds; ++t) {
            for (Eigen::Index r = 0; r < n; ++r) m.row(r).array() -= std::log(m.row(r).array().exp().sum());
            for (Eigen::Index c = 0; c < n; ++c) m.col(c).array() -= std::log(m.col(c).array().exp().sum());
        }
        out.col(j) = Eigen::Map<const dmatrix>(m.data(), n * n, 1);
    }
    return out;
}

}  // namespace

TEST_CASE("log_sinkhorn: value and gradient", "[ops][sinkhorn]") {
    check_gradient<1>([](auto a) { return log_sinkhorn(a, 3, 4); }, {random_matrix(9, 2, -2, 2, 3)},
                      [](const auto& in) { return reference_log_sinkhorn(in[0], 3, 4); });
}

TEST_CASE("log_sinkhorn: many rounds give a doubly stochastic matrix, off X by row and column terms only", "[ops][sinkhorn]") {
    const Eigen::Index n = 6;
    dparameter x("x", n * n, 3);
    x.value = random_matrix(n * n, 3, -4, 4, 8);
    graph g{sum(let<"y">(log_sinkhorn(param(x), n, 200)))};
    g.forward();
    for (Eigen::Index j = 0; j < 3; ++j) {
        const dmatrix p = Eigen::Map<const dmatrix>(g.value<"y">().col(j).data(), n, n).array().exp();
        CHECK((p.rowwise().sum().array() - 1).abs().maxCoeff() < 1e-9);
        CHECK((p.colwise().sum().array() - 1).abs().maxCoeff() < 1e-12);
        // y - x = a_r + b_c: every 2 x 2 interaction of the difference vanishes
        const dmatrix d = Eigen::Map<const dmatrix>(g.value<"y">().col(j).data(), n, n) - Eigen::Map<const dmatrix>(x.value.col(j).data(), n, n);
        for (Eigen::Index r = 1; r < n; ++r)
            for (Eigen::Index c = 1; c < n; ++c) CHECK(d(r, c) - d(r, 0) - d(0, c) + d(0, 0) == Approx(0).margin(1e-10));
    }
}

TEST_CASE("log_sinkhorn: rows that are not a square, and no rounds, are refused", "[ops][sinkhorn]") {
    check_shape_error<1>([](auto a) { return log_sinkhorn(a, 3, 5); }, {shape{8, 1}}, "log_sinkhorn");
    check_shape_error<1>([](auto a) { return log_sinkhorn(a, 2, 0); }, {shape{4, 1}}, "log_sinkhorn");
}
