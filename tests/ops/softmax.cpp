// Tests include/ppl/ops/softmax.hpp through the generic gradient checker.
#include "support/gradient_checker.hpp"

using namespace ppl;
using namespace ppl::testing;

namespace {
// Reference: plain loops over groups of k rows, in the textbook (unshifted) form.
dmatrix grouped(const dmatrix& a, Eigen::Index k, bool log_form) {
    dmatrix out(a.rows(), a.cols());
    for (Eigen::Index j = 0; j < a.cols(); ++j)
        for (Eigen::Index g = 0; g < a.rows(); g += k) {
            double norm = 0;
            for (Eigen::Index i = g; i < g + k; ++i) norm += std::exp(a(i, j));
            for (Eigen::Index i = g; i < g + k; ++i)
                out(i, j) = log_form ? a(i, j) - std::log(norm) : std::exp(a(i, j)) / norm;
        }
    return out;
}
}  // namespace

TEST_CASE("softmax over groups: value and gradient", "[ops][softmax]") {
    const dmatrix a = random_matrix(6, 3, -3, 3, 5);
    for (Eigen::Index k : {2, 3, 6}) {
        check_gradient<1>([k](auto x) { return softmax(x, k); }, {a}, [k](const auto& in) { return grouped(in[0], k, false); });
        check_gradient<1>([k](auto x) { return log_softmax(x, k); }, {a}, [k](const auto& in) { return grouped(in[0], k, true); });
    }
}

TEST_CASE("softmax is stable for logits of +-500", "[ops][softmax]") {
    const dmatrix a{{500.0, -500.0}, {499.0, -501.0}};
    check_gradient<1>([](auto x) { return log_softmax(x, 2); }, {a},
                      [](const auto&) {
                          const double l = std::log1p(std::exp(-1.0));
                          return dmatrix{{-l, -l}, {-1 - l, -1 - l}};
                      });
}

TEST_CASE("softmax groups must divide the rows", "[ops][softmax]") {
    check_shape_error<1>([](auto x) { return softmax(x, 4); }, {{6, 2}}, "'softmax'");
    check_shape_error<1>([](auto x) { return log_softmax(x, 0); }, {{6, 2}}, "'log_softmax'");
}
