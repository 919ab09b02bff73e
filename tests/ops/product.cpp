// Tests include/ppl/ops/product.hpp: the one product kernel, in every orientation, on matrices,
// maps with a gap between columns, and adjoint sinks.
#include "support/gradient_checker.hpp"

using namespace ppl;
using namespace ppl::ops;
using namespace ppl::testing;

namespace {
double gap(const dmatrix& a, const dmatrix& b) { return (a - b).cwiseAbs().maxCoeff(); }
}  // namespace

TEST_CASE("product: every orientation against a triple loop, small and large", "[ops][product]") {
    for (Eigen::Index n : {1, 3, 70}) {  // 70: large enough for the blocked (BLAS) path
        const dmatrix a = dmatrix::Random(n + 2, n), b = dmatrix::Random(n, n + 1);
        const dmatrix at = a.transpose(), bt = b.transpose();
        dmatrix y(1, 1);  // the wrong shape on purpose: assign_product resizes
        assign_product(y, a, b);
        CHECK(gap(y, reference_product(a, b)) < 1e-12 * double(n));
        assign_product<orientation::transposed, orientation::as_is>(y, at, b);
        CHECK(gap(y, reference_product(a, b)) < 1e-12 * double(n));
        assign_product<orientation::as_is, orientation::transposed>(y, a, bt);
        CHECK(gap(y, reference_product(a, b)) < 1e-12 * double(n));
        assign_product<orientation::transposed, orientation::transposed>(y, at, bt);
        CHECK(gap(y, reference_product(a, b)) < 1e-12 * double(n));
        add_product(y, a, b);  // adds onto what is there
        CHECK(gap(y, 2 * reference_product(a, b)) < 1e-12 * double(n));
    }
}

TEST_CASE("product: operands with a gap between columns are read in place", "[ops][product]") {
    const dmatrix big = dmatrix::Random(7, 5);
    const auto top = big.topRows(4);  // outer stride 7, not 4
    const dmatrix b = dmatrix::Random(5, 3);
    dmatrix y;
    assign_product(y, top, b);
    CHECK(gap(y, reference_product(dmatrix(top), b)) < 1e-12);
    const matrix_view<double> view = view_of(top);
    CHECK(view.outerStride() == 7);
    CHECK(view.rows() == 4);
}

TEST_CASE("product: an adjoint sink assigns first, then adds", "[ops][product]") {
    const dmatrix a = dmatrix::Random(3, 4), b = dmatrix::Random(4, 2);
    dmatrix target = dmatrix::Constant(3, 2, 1e30);  // stale values from an earlier pass
    bool fresh = true;
    const adjoint_sink<dmatrix> sink{&target, &fresh};
    accumulate_product(sink, a, b);
    CHECK(!fresh);
    CHECK(gap(target, reference_product(a, b)) < 1e-12);
    accumulate_product<orientation::as_is, orientation::transposed>(sink, a, dmatrix(b.transpose()));
    CHECK(gap(target, 2 * reference_product(a, b)) < 1e-12);
    accumulate_product(no_adjoint{}, a, b);  // compiles to nothing
}
