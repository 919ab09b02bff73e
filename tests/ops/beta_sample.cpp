// Tests include/ppl/ops/beta_sample.hpp: the incomplete beta function against Boost.Math, and the
// implicit gradient against an independent reference, finite differences of Boost.Math's CDF in
// long double at the same sample: dz/da = -(dI_z/da) / p(z), and the same for b.
#include <boost/math/distributions/beta.hpp>
#include <boost/math/special_functions/beta.hpp>
#include <boost/math/special_functions/gamma.hpp>

#include <cstdio>

#include "support/distribution_checks.hpp"

using namespace ppl;
using namespace ppl::testing;

namespace {

const std::vector<double> shape_grid = {1e-2, 0.5, 1, 3, 100, 1e4};
const std::vector<double> beta_u_grid = {1e-4, 0.1, 0.3, 0.5, 0.7, 0.9, 0.9999};

// (-(dI/da) / p, -(dI/db) / p) at z, with the partial derivatives by central differences in long double.
beta_sample_slopes reference_slopes(double a, double b, double z) {
    using boost::math::ibeta;
    const long double x = z, ha = 1e-6L * a, hb = 1e-6L * b;
    const long double density = boost::math::ibeta_derivative((long double)a, (long double)b, x);
    const long double by_a = (ibeta((long double)a + ha, (long double)b, x) - ibeta((long double)a - ha, (long double)b, x)) / (2 * ha);
    const long double by_b = (ibeta((long double)a, (long double)b + hb, x) - ibeta((long double)a, (long double)b - hb, x)) / (2 * hb);
    return {static_cast<double>(-by_a / density), static_cast<double>(-by_b / density)};
}

// The samples that double can score: with z or 1 - z below this, z is not a distinct double near 1.
bool scorable(double z) { return z > 1e-280 && 1 - z > 1e-13; }

}  // namespace

TEST_CASE("beta_sample: the incomplete beta function agrees with Boost.Math", "[ops][beta_sample]") {
    for (double a : shape_grid)
        for (double b : shape_grid)
            for (double u : beta_u_grid) {
                const double z = boost::math::ibeta_inv(a, b, u);
                if (!scorable(z)) continue;
                INFO("a " << a << ", b " << b << ", z " << z);
                // log B(a, b) as a difference of lgammas loses about 1e-12 for shapes near 1e4
                CHECK(std::abs(regularized_beta(a, b, z) - boost::math::ibeta(a, b, z)) < 1e-10);
            }
}

TEST_CASE("beta_sample: the implicit gradients in double, a and b from 1e-2 to 1e4", "[ops][beta_sample]") {
    double worst = 0, total = 0;
    int count = 0, skipped = 0;
    for (double a : shape_grid)
        for (double b : shape_grid)
            for (double u : beta_u_grid) {
                const double z = boost::math::ibeta_inv(a, b, u);
                if (!scorable(z)) {
                    ++skipped;
                    continue;
                }
                const beta_sample_slopes ours = beta_sample_derivative(a, b, z), reference = reference_slopes(a, b, z);
                for (auto [mine, theirs] : {std::pair{ours.a, reference.a}, std::pair{ours.b, reference.b}}) {
                    const double gap = std::abs(mine - theirs) / std::abs(theirs);
                    INFO("a " << a << ", b " << b << ", u " << u << ", z " << z << ": " << mine << " against " << theirs);
                    CHECK(gap < 5e-3);  // torch's tolerance for its Beta gradient
                    worst = std::max(worst, gap), total += gap, ++count;
                }
            }
    CHECK(total / count < 1e-5);
    std::printf("beta implicit gradients, double: relative error max %.2e, mean %.2e over %d values (%d samples too close "
                "to 0 or 1 for double skipped)\n", worst, total / count, count, skipped);
}

TEST_CASE("beta_sample: the op in a float graph draws X / (X + Y) and returns the implicit gradients", "[ops][beta_sample]") {
    const Eigen::Index columns = 5;
    for (auto [a, b] : {std::pair{0.5, 0.5}, std::pair{2.0, 5.0}, std::pair{30.0, 3.0}}) {
        basic_parameter<float> first("a", 1, columns), second("b", 1, columns);
        first.value.setConstant(static_cast<float>(a));
        second.value.setConstant(static_cast<float>(b));
        Eigen::MatrixXf u(2, columns);
        u << 0.1f, 0.3f, 0.5f, 0.7f, 0.9f, 0.8f, 0.2f, 0.5f, 0.05f, 0.6f;
        graph g{sum(let<"z">(beta_family::rsample<"z">({}, param(first), param(second))))};
        g.forward(fixed_noise<>{{{"z", u}}});
        g.backward();
        const Eigen::MatrixXf& z = g.value<"z">();
        for (Eigen::Index j = 0; j < columns; ++j) {
            const double x = boost::math::gamma_p_inv(a, double(u(0, j))), y = boost::math::gamma_p_inv(b, double(u(1, j)));
            INFO("Beta(" << a << ", " << b << "), column " << j);
            CHECK(z(0, j) == Approx(x / (x + y)).epsilon(1e-6));
            const beta_sample_slopes reference = reference_slopes(a, b, z(0, j));
            CHECK(first.grad(0, j) == Approx(reference.a).epsilon(5e-4));
            CHECK(second.grad(0, j) == Approx(reference.b).epsilon(5e-4));
        }
    }
}

TEST_CASE("beta_sample: parameters and noise of the wrong shapes are refused", "[ops][beta_sample]") {
    auto build = [](auto a, auto b, auto u) { return make_expr(ops::beta_sample_op{}, a, b, u); };
    check_shape_error<3>(build, {shape{2, 3}, shape{3, 2}, shape{4, 3}}, "beta_sample");
    check_shape_error<3>(build, {shape{2, 3}, shape{2, 3}, shape{2, 3}}, "beta_sample");
}
