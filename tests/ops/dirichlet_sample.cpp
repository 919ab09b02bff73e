// Tests include/ppl/ops/dirichlet_sample.hpp: the draw against Boost.Math's Gamma quantiles, each
// marginal's implicit gradient against finite differences of Boost.Math's Beta CDF in long double,
// and the whole gradient field's unbiasedness, off-diagonal terms included.
#include <boost/math/special_functions/beta.hpp>
#include <boost/math/special_functions/gamma.hpp>

#include <cstdio>
#include <numeric>

#include "support/distribution_checks.hpp"

using namespace ppl;
using namespace ppl::testing;

namespace {
// -(dI_z(a, b)/da) / p(z) by central differences in long double: the marginal's implicit derivative.
double reference_marginal(double a, double b, double z) {
    using boost::math::ibeta;
    const long double x = z, h = 1e-6L * a;
    const long double slope = (ibeta((long double)a + h, (long double)b, x) - ibeta((long double)a - h, (long double)b, x)) / (2 * h);
    return static_cast<double>(-slope / boost::math::ibeta_derivative((long double)a, (long double)b, x));
}
}  // namespace

TEST_CASE("dirichlet_sample: X / sum X from Gamma quantiles, and each marginal's implicit gradient", "[ops][dirichlet_sample]") {
    double worst = 0, total = 0;
    int count = 0;
    for (const std::vector<double>& alpha : {std::vector<double>{0.5, 1.0, 3.0}, std::vector<double>{0.01, 0.3, 2.0, 100.0},
                                             std::vector<double>{20.0, 20.0, 20.0, 20.0, 20.0}}) {
        const auto classes = static_cast<Eigen::Index>(alpha.size()), columns = Eigen::Index{6};
        dparameter concentration("alpha", classes, columns);
        for (Eigen::Index k = 0; k < classes; ++k) concentration.value.row(k).setConstant(alpha[std::size_t(k)]);
        Eigen::MatrixXd u = (random_matrix(classes, columns, 0.02, 0.98, 43 + classes));
        for (Eigen::Index picked = 0; picked < classes; ++picked) {
            // the loss z_picked: the gradient in alpha_picked is the marginal's dz/dalpha
            dmatrix weights = dmatrix::Zero(classes, columns);
            weights.row(picked).setOnes();
            graph g{sum(let<"z">(make_expr(ops::dirichlet_sample_op{{1, 0}}, param(concentration),
                                           noise_like<"z">(noise_kind::uniform, param(concentration)))) * input<"w">())};
            g.set<"w">(weights);
            g.forward(fixed_noise<Eigen::MatrixXd>{{{"z", u}}});
            g.backward();
            const dmatrix& z = g.value<"z">();
            const double alpha_total = std::accumulate(alpha.begin(), alpha.end(), 0.0);
            for (Eigen::Index j = 0; j < columns; ++j) {
                double gamma_sum = 0;
                for (Eigen::Index k = 0; k < classes; ++k) gamma_sum += boost::math::gamma_p_inv(alpha[std::size_t(k)], u(k, j));
                const double a = alpha[std::size_t(picked)];
                INFO("alpha_" << picked << " = " << a << ", column " << j << ", z " << z(picked, j));
                CHECK(z(picked, j) == Approx(boost::math::gamma_p_inv(a, u(picked, j)) / gamma_sum).epsilon(1e-9));
                if (z(picked, j) < 1e-280) continue;  // below what the reference's density can score
                const double reference = reference_marginal(a, alpha_total - a, z(picked, j));
                const double gap = std::abs(concentration.grad(picked, j) - reference) / std::abs(reference);
                CHECK(gap < 1e-3);  // torch's tolerance for its Dirichlet marginals
                worst = std::max(worst, gap), total += gap, ++count;
            }
        }
    }
    std::printf("dirichlet marginal implicit gradients, double: relative error max %.2e, mean %.2e over %d samples\n", worst,
                total / count, count);
}

TEST_CASE("dirichlet_sample: the gradient field is unbiased, off-diagonal terms included", "[ops][dirichlet_sample]") {
    // E[z_0] = alpha_0 / A, A = sum alpha: d/dalpha_0 = (A - alpha_0) / A^2, d/dalpha_k = -alpha_0 / A^2
    const std::vector<double> alpha = {0.8, 2.0, 4.0};
    const Eigen::Index n = 20000;
    dparameter concentration("alpha", 3, n);
    for (Eigen::Index k = 0; k < 3; ++k) concentration.value.row(k).setConstant(alpha[std::size_t(k)]);
    dmatrix weights = dmatrix::Zero(3, n);
    weights.row(0).setOnes();
    graph g{sum(make_expr(ops::dirichlet_sample_op{{1, 0}}, param(concentration), noise_like<"z">(noise_kind::uniform, param(concentration))) *
                input<"w">())};
    g.set<"w">(weights);
    random_stream rng{9};
    g.forward(stream_noise{&rng});
    g.backward();
    const double total = 6.8;
    for (Eigen::Index k = 0; k < 3; ++k) {
        const double exact = k == 0 ? (total - alpha[0]) / (total * total) : -alpha[0] / (total * total);
        INFO("d E[z_0] / d alpha_" << k);
        check_unbiased(concentration.grad.row(k).transpose().array(), exact);
    }
}

TEST_CASE("dirichlet_sample: concentration and noise of different shapes are refused", "[ops][dirichlet_sample]") {
    check_shape_error<2>([](auto a, auto u) { return make_expr(ops::dirichlet_sample_op{{0, 3}}, a, u); },
                         {shape{6, 2}, shape{6, 3}}, "dirichlet_sample");
}
