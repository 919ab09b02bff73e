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

TEST_CASE("product: one row or one column (batch 1), every orientation, also from maps with a gap", "[ops][product]") {
    struct dims { Eigen::Index m, k, n; };
    for (const dims d : {dims{5, 4, 1}, dims{1, 4, 5}, dims{1, 4, 1}, dims{5, 1, 1}, dims{1, 1, 5}, dims{5, 1, 3}}) {
        INFO("m " << d.m << ", k " << d.k << ", n " << d.n);
        const dmatrix a = dmatrix::Random(d.m, d.k), b = dmatrix::Random(d.k, d.n), expected = reference_product(a, b);
        // each operand stored as it is and transposed, inside a taller matrix: outer stride rows + 3
        dmatrix a_store = dmatrix::Random(d.m + 3, d.k), at_store = dmatrix::Random(d.k + 3, d.m);
        dmatrix b_store = dmatrix::Random(d.k + 3, d.n), bt_store = dmatrix::Random(d.n + 3, d.k);
        a_store.topRows(d.m) = a, at_store.topRows(d.k) = a.transpose();
        b_store.topRows(d.k) = b, bt_store.topRows(d.n) = b.transpose();
        const auto as = a_store.topRows(d.m), ats = at_store.topRows(d.k);
        const auto bs = b_store.topRows(d.k), bts = bt_store.topRows(d.n);
        dmatrix y;
        assign_product(y, as, bs);
        CHECK(gap(y, expected) < 1e-12);
        assign_product<orientation::transposed, orientation::as_is>(y, ats, bs);
        CHECK(gap(y, expected) < 1e-12);
        assign_product<orientation::as_is, orientation::transposed>(y, as, bts);
        CHECK(gap(y, expected) < 1e-12);
        assign_product<orientation::transposed, orientation::transposed>(y, ats, bts);
        CHECK(gap(y, expected) < 1e-12);
        add_product<orientation::transposed, orientation::transposed>(y, dmatrix(ats), dmatrix(bts));
        CHECK(gap(y, 2 * expected) < 1e-12);
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
