// Tests include/ppl/ops/affine.hpp through the generic gradient checker.
#include "support/gradient_checker.hpp"

using namespace ppl;
using namespace ppl::testing;

TEST_CASE("affine: value and gradient of W x + b", "[ops][affine]") {
    for (auto cols : {1, 3}) {
        const dmatrix w = random_matrix(4, 3, -1, 1, 1), b = random_matrix(4, 1, -1, 1, 2),
                      x = random_matrix(3, cols, -1, 1, 3);
        check_gradient<3>([](auto W, auto B, auto X) { return affine(W, B, X); }, {w, b, x},
                          [](const auto& in) {
                              dmatrix out(in[0].rows(), in[2].cols());
                              for (Eigen::Index i = 0; i < out.rows(); ++i)
                                  for (Eigen::Index j = 0; j < out.cols(); ++j) {
                                      out(i, j) = in[1](i, 0);
                                      for (Eigen::Index k = 0; k < in[0].cols(); ++k) out(i, j) += in[0](i, k) * in[2](k, j);
                                  }
                              return out;
                          });
    }
}

TEST_CASE("affine: shapes of weight, bias and input must agree", "[ops][affine]") {
    auto layer = [](auto W, auto B, auto X) { return affine(W, B, X); };
    check_shape_error<3>(layer, {{4, 3}, {4, 1}, {2, 5}}, "'affine'");
    check_shape_error<3>(layer, {{4, 3}, {3, 1}, {3, 5}}, "'affine'");
    check_shape_error<3>(layer, {{4, 3}, {4, 2}, {3, 5}}, "'affine'");
}
