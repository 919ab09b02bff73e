// Tests include/ppl/ops/log_mean_exp.hpp through the generic gradient checker.
#include "support/gradient_checker.hpp"

#include <cmath>

using namespace ppl;
using namespace ppl::testing;

namespace {
// log (1/K) sum_k exp(a[k n + i]) by the plain formula (the operands are small, so no overflow)
dmatrix reference_log_mean_exp(const dmatrix& a, Eigen::Index samples) {
    const Eigen::Index points = a.cols() / samples;
    dmatrix out(1, points);
    for (Eigen::Index i = 0; i < points; ++i) {
        double total = 0;
        for (Eigen::Index k = 0; k < samples; ++k) total += std::exp(a(0, k * points + i));
        out(0, i) = std::log(total / double(samples));
    }
    return out;
}
}  // namespace

TEST_CASE("log_mean_exp: value and gradient over K samples of each point", "[ops][log_mean_exp]") {
    for (const Eigen::Index samples : {1, 2, 5}) {
        INFO("samples " << samples);
        const dmatrix a = random_matrix(1, 3 * samples, -3, 3, 40 + std::uint64_t(samples));
        check_gradient<1>([=](auto x) { return log_mean_exp(x, samples); }, {a},
                          [=](const auto& in) { return reference_log_mean_exp(in[0], samples); });
    }
}

TEST_CASE("log_mean_exp: large values neither overflow nor lose the smaller samples", "[ops][log_mean_exp]") {
    basic_parameter<double> a("a", 1, 4);
    a.value << 1000.0, -5.0, 1000.0 + std::log(3.0), -7.0;  // point 0: 1000 and 1000 + log 3; point 1: -5 and -7
    graph g{sum(let<"out">(log_mean_exp(param(a), 2)))};
    g.value_and_grad();
    CHECK(g.value<"out">()(0, 0) == Approx(1000.0 + std::log(2.0)));
    CHECK(g.value<"out">()(0, 1) == Approx(std::log((std::exp(-5.0) + std::exp(-7.0)) / 2)));
    // the gradient is the normalised weights: 1/4 and 3/4 for point 0
    CHECK(a.grad(0, 0) == Approx(0.25));
    CHECK(a.grad(0, 2) == Approx(0.75));
    CHECK(a.grad(0, 1) + a.grad(0, 3) == Approx(1.0));
}

TEST_CASE("log_mean_exp: a row that does not split into K samples per point is a ppl::error", "[ops][log_mean_exp]") {
    check_shape_error<1>([](auto x) { return log_mean_exp(x, 3); }, {shape{1, 4}}, "log_mean_exp");
    check_shape_error<1>([](auto x) { return log_mean_exp(x, 2); }, {shape{2, 4}}, "log_mean_exp");
}
