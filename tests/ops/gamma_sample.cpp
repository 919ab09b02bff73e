// Tests include/ppl/ops/gamma_sample.hpp: the inverse-CDF sampler against Boost.Math's quantile, and
// the implicit gradient against an independent reference, finite differences of Boost.Math's CDF in
// long double at the same sample: dz/dalpha = -(dP/dalpha) / p(z).
#include <boost/math/special_functions/gamma.hpp>

#include <cstdio>

#include "support/distribution_checks.hpp"

using namespace ppl;
using namespace ppl::testing;

namespace {

const std::vector<double> alpha_grid = {1e-2, 0.1, 0.5, 1, 3, 10, 100, 1e3, 1e4};
const std::vector<double> gamma_u_grid = {1e-7, 1e-4, 0.01, 0.1, 0.3, 0.5, 0.7, 0.9, 0.99, 0.9999, 1 - 1e-7};

// -(dP(alpha, z)/dalpha) / p(z; alpha), with dP/dalpha by central differences in long double.
double reference_derivative(double alpha, double z) {
    using boost::math::gamma_p;
    const long double a = alpha, x = z, h = 1e-6L * a;
    const long double slope = (gamma_p(a + h, x) - gamma_p(a - h, x)) / (2 * h);
    return static_cast<double>(-slope / boost::math::gamma_p_derivative(a, x));
}

// The smallest sample the reference can score: Boost's density overflows below it for alpha = 0.01.
constexpr double smallest_sample = 1e-300;

}  // namespace

TEST_CASE("gamma_sample: the quantile agrees with Boost.Math's inverse of P", "[ops][gamma_sample]") {
    double worst = 0;
    for (double alpha : alpha_grid)
        for (double u : gamma_u_grid) {
            const double ours = std::max(gamma_quantile(alpha, u), smallest_sample);
            const double reference = std::max(double(boost::math::gamma_p_inv((long double)alpha, (long double)u)), smallest_sample);
            const double gap = std::abs(ours - reference) / reference;
            INFO("alpha " << alpha << ", u " << u << ": " << ours << " against " << reference);
            CHECK(gap < 1e-11);
            worst = std::max(worst, gap);
        }
    std::printf("gamma quantile: largest relative gap to Boost.Math %.2e\n", worst);
}

TEST_CASE("gamma_sample: the implicit gradient in double, alpha from 1e-2 to 1e4", "[ops][gamma_sample]") {
    double worst = 0, total = 0;
    int count = 0;
    for (double alpha : alpha_grid)
        for (double u : gamma_u_grid) {
            const double z = std::max(gamma_quantile(alpha, u), smallest_sample);
            const double ours = gamma_sample_derivative(alpha, z), reference = reference_derivative(alpha, z);
            const double gap = std::abs(ours - reference) / std::abs(reference);
            INFO("alpha " << alpha << ", u " << u << ", z " << z << ": " << ours << " against " << reference);
            CHECK(gap < 5e-4);  // torch's tolerance for its Gamma gradient
            worst = std::max(worst, gap), total += gap, ++count;
        }
    // the reference's own finite-difference error is about 1e-8 here
    CHECK(total / count < 1e-6);
    std::printf("gamma implicit gradient, double: relative error max %.2e, mean %.2e over %d points\n", worst,
                total / count, count);
}

TEST_CASE("gamma_sample: the op in a float graph, forward and backward", "[ops][gamma_sample]") {
    const auto columns = static_cast<Eigen::Index>(gamma_u_grid.size());
    double worst = 0, total_absolute = 0;
    int count = 0;
    for (double alpha : alpha_grid) {
        basic_parameter<float> concentration("alpha", 1, columns);
        concentration.value.setConstant(static_cast<float>(alpha));
        Eigen::MatrixXf u(1, columns);
        for (Eigen::Index j = 0; j < columns; ++j) u(0, j) = static_cast<float>(gamma_u_grid[std::size_t(j)]);
        graph g{sum(let<"z">(make_expr(ops::gamma_sample_op{}, param(concentration), noise_like<"z">(noise_kind::uniform, param(concentration)))))};
        g.forward(fixed_noise<>{{{"z", u}}});
        g.backward();
        const Eigen::MatrixXf& z = g.value<"z">();
        for (Eigen::Index j = 0; j < columns; ++j) {
            INFO("alpha " << alpha << ", u " << u(0, j) << ", z " << z(0, j));
            REQUIRE(z(0, j) >= std::numeric_limits<float>::min());  // clamped, so that log z is finite
            REQUIRE(std::isfinite(z(0, j)));
            const double reference = reference_derivative(alpha, z(0, j));
            const double gap = std::abs(concentration.grad(0, j) - reference) / std::abs(reference);
            CHECK(gap < 5e-4);
            worst = std::max(worst, gap), total_absolute += std::abs(concentration.grad(0, j) - reference), ++count;
        }
    }
    std::printf("gamma implicit gradient, float: relative error max %.2e, mean absolute error %.2e over %d points\n",
                worst, total_absolute / count, count);
}

TEST_CASE("gamma_sample: value and both gradients through the generic checker", "[ops][gamma_sample]") {
    const dmatrix alpha = random_matrix(3, 4, 0.3, 8.0, 31), u = random_matrix(3, 4, 0.05, 0.95, 32);
    check_gradient<2>([](auto a, auto v) { return make_expr(ops::gamma_sample_op{}, a, v); }, {alpha, u},
                      entrywise<2>([](double a, double v) { return double(boost::math::gamma_p_inv((long double)a, (long double)v)); }),
                      {.value_tolerance = 1e-11, .gradient_tolerance = 1e-6});
}

TEST_CASE("gamma_sample: concentration and noise of different shapes are refused", "[ops][gamma_sample]") {
    check_shape_error<2>([](auto a, auto v) { return make_expr(ops::gamma_sample_op{}, a, v); }, {shape{2, 3}, shape{3, 2}},
                         "gamma_sample");
}
