// Tests include/ppl/ops/arithmetic.hpp: + - * / with equal shapes, broadcast columns and scalars.
#include "support/gradient_checker.hpp"

using namespace ppl;
using namespace ppl::testing;

namespace {
// The reference broadcasts a single column or a single value by hand.
dmatrix widen(const dmatrix& m, Eigen::Index rows, Eigen::Index cols) {
    dmatrix out(rows, cols);
    for (Eigen::Index i = 0; i < rows; ++i)
        for (Eigen::Index j = 0; j < cols; ++j) out(i, j) = m(m.rows() == 1 ? 0 : i, m.cols() == 1 ? 0 : j);
    return out;
}
template <class F>
dmatrix combine(const dmatrix& a, const dmatrix& b, F f) {
    const Eigen::Index rows = std::max(a.rows(), b.rows()), cols = std::max(a.cols(), b.cols());
    const dmatrix wa = widen(a, rows, cols), wb = widen(b, rows, cols);
    dmatrix out(wa.rows(), cols);
    for (Eigen::Index i = 0; i < out.size(); ++i) out(i) = f(wa(i), wb(i));
    return out;
}
}  // namespace

TEST_CASE("arithmetic: matrix with matrix, column and scalar", "[ops][arithmetic]") {
    const dmatrix a = random_matrix(3, 4, 0.5, 2.0, 1), b = random_matrix(3, 4, 0.5, 2.0, 2);
    const dmatrix column = random_matrix(3, 1, 0.5, 2.0, 3), single = random_matrix(1, 1, 0.5, 2.0, 6);
    for (const dmatrix* right : {&b, &column, &single}) {
        check_gradient<2>([](auto x, auto y) { return x + y; }, {a, *right},
                          [](const auto& in) { return combine(in[0], in[1], [](double u, double v) { return u + v; }); });
        check_gradient<2>([](auto x, auto y) { return x - y; }, {a, *right},
                          [](const auto& in) { return combine(in[0], in[1], [](double u, double v) { return u - v; }); });
        check_gradient<2>([](auto x, auto y) { return x * y; }, {a, *right},
                          [](const auto& in) { return combine(in[0], in[1], [](double u, double v) { return u * v; }); });
        check_gradient<2>([](auto x, auto y) { return x / y; }, {a, *right},
                          [](const auto& in) { return combine(in[0], in[1], [](double u, double v) { return u / v; }); });
        // the broadcast column on the left
        check_gradient<2>([](auto x, auto y) { return y - x; }, {a, *right},
                          [](const auto& in) { return combine(in[0], in[1], [](double u, double v) { return v - u; }); });
        check_gradient<2>([](auto x, auto y) { return y / x; }, {a, *right},
                          [](const auto& in) { return combine(in[0], in[1], [](double u, double v) { return v / u; }); });
    }
}

TEST_CASE("arithmetic: scalar constants on either side", "[ops][arithmetic]") {
    const dmatrix a = random_matrix(2, 3, 0.5, 2.0, 4);
    check_gradient<1>([](auto x) { return 2.5 + x; }, {a}, [](const auto& in) { return map_entries(in[0], [](double v) { return 2.5 + v; }); });
    check_gradient<1>([](auto x) { return x - 1.5; }, {a}, [](const auto& in) { return map_entries(in[0], [](double v) { return v - 1.5; }); });
    check_gradient<1>([](auto x) { return 1.0 - x; }, {a}, [](const auto& in) { return map_entries(in[0], [](double v) { return 1.0 - v; }); });
    check_gradient<1>([](auto x) { return 0.5 * x; }, {a}, [](const auto& in) { return map_entries(in[0], [](double v) { return 0.5 * v; }); });
    check_gradient<1>([](auto x) { return 3.0 / x; }, {a}, [](const auto& in) { return map_entries(in[0], [](double v) { return 3.0 / v; }); });
    check_gradient<1>([](auto x) { return x / 4.0; }, {a}, [](const auto& in) { return map_entries(in[0], [](double v) { return v / 4.0; }); });
    check_gradient<1>([](auto x) { return -x; }, {a}, [](const auto& in) { return map_entries(in[0], [](double v) { return -v; }); });
}

TEST_CASE("arithmetic: one value used on both sides gets both adjoints", "[ops][arithmetic]") {
    const dmatrix a = random_matrix(2, 2, 0.5, 2.0, 5);
    check_gradient<1>([](auto x) { return x * x + x / x; }, {a},
                      [](const auto& in) { return map_entries(in[0], [](double v) { return v * v + 1.0; }); });
}

TEST_CASE("arithmetic: mismatched shapes are refused at bind time", "[ops][arithmetic]") {
    check_shape_error<2>([](auto x, auto y) { return x + y; }, {{3, 4}, {2, 4}}, "'add'");
    check_shape_error<2>([](auto x, auto y) { return x - y; }, {{3, 4}, {3, 2}}, "'subtract'");
    check_shape_error<2>([](auto x, auto y) { return x * y; }, {{3, 4}, {4, 1}}, "'multiply'");
    check_shape_error<2>([](auto x, auto y) { return x / y; }, {{1, 4}, {3, 4}}, "'divide'");
}

TEST_CASE("arithmetic: a broadcast column or 1x1 value used twice sums its reduced adjoints", "[ops][arithmetic]") {
    const dmatrix a = random_matrix(3, 4, 0.5, 2.0, 7);
    const dmatrix column = random_matrix(3, 1, 0.5, 2.0, 8), single = random_matrix(1, 1, 0.5, 2.0, 9);
    for (const dmatrix* small : {&column, &single}) {
        check_gradient<2>([](auto x, auto c) { return (x + c) * c - c / x; }, {a, *small}, [](const auto& in) {
            const dmatrix sum = combine(in[0], in[1], [](double u, double v) { return u + v; });
            const dmatrix product = combine(sum, in[1], [](double u, double v) { return u * v; });
            return dmatrix(product - combine(in[1], in[0], [](double u, double v) { return u / v; }));
        });
    }
}
