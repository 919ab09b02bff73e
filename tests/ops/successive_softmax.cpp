// Tests include/ppl/ops/successive_softmax.hpp: each group a softmax over the items still open,
// the groups' argmaxes the top k in order, and the gradient through the generic checker.
#include <algorithm>
#include <numeric>

#include "support/gradient_checker.hpp"

using namespace ppl;
using namespace ppl::testing;

TEST_CASE("successive_softmax: groups are softmaxes over the open items; their argmaxes are the top k", "[ops][successive_softmax]") {
    const Eigen::Index n = 7, k = 4, columns = 50;
    dparameter x("x", n, columns);
    x.value = random_matrix(n, columns, -3, 3, 5);
    graph g{sum(let<"groups">(successive_softmax(param(x) / 0.5, k)))};
    g.forward();
    const dmatrix& y = g.value<"groups">();
    for (Eigen::Index j = 0; j < columns; ++j) {
        std::vector<Eigen::Index> order(static_cast<std::size_t>(n));
        std::iota(order.begin(), order.end(), Eigen::Index{0});
        std::sort(order.begin(), order.end(), [&](Eigen::Index a, Eigen::Index b) { return x.value(a, j) > x.value(b, j); });
        for (Eigen::Index gr = 0; gr < k; ++gr) {
            Eigen::Index picked = 0;
            y.col(j).segment(gr * n, n).maxCoeff(&picked);
            CHECK(picked == order[static_cast<std::size_t>(gr)]);
            double open = 0;  // softmax of x / 0.5 over the items not among the first gr of the order
            for (Eigen::Index r = gr; r < n; ++r) open += std::exp(x.value(order[static_cast<std::size_t>(r)], j) / 0.5);
            for (Eigen::Index r = 0; r < n; ++r) {
                const Eigen::Index item = order[static_cast<std::size_t>(r)];
                const double expected = r < gr ? 0.0 : std::exp(x.value(item, j) / 0.5) / open;
                CHECK(y(gr * n + item, j) == Approx(expected).epsilon(1e-12).margin(1e-300));
            }
        }
    }
}

TEST_CASE("successive_softmax: gradient", "[ops][successive_softmax]") {
    check_gradient<1>([](auto a) { return successive_softmax(a, 3); }, {random_matrix(5, 3, -2, 2, 9)}, [](const auto& in) {
        const dmatrix& a = in[0];
        dmatrix out = dmatrix::Zero(15, a.cols());
        for (Eigen::Index j = 0; j < a.cols(); ++j) {
            std::vector<bool> drawn(5, false);
            for (Eigen::Index gr = 0; gr < 3; ++gr) {
                double open = 0;
                for (Eigen::Index i = 0; i < 5; ++i)
                    if (!drawn[static_cast<std::size_t>(i)]) open += std::exp(a(i, j));
                Eigen::Index best = -1;
                for (Eigen::Index i = 0; i < 5; ++i)
                    if (!drawn[static_cast<std::size_t>(i)]) {
                        out(gr * 5 + i, j) = std::exp(a(i, j)) / open;
                        if (best < 0 || a(i, j) > a(best, j)) best = i;
                    }
                drawn[static_cast<std::size_t>(best)] = true;
            }
        }
        return out;
    });
}

TEST_CASE("successive_softmax: k outside [1, n] is refused", "[ops][successive_softmax]") {
    check_shape_error<1>([](auto a) { return successive_softmax(a, 4); }, {shape{3, 2}}, "successive_softmax");
}
