// Tests include/ppl/ops/student_t_sample.hpp: the normal quantile against Boost.Math, the draw
// n sqrt(nu / (2 G)) against Boost.Math's quantiles, and dt/dnu against central differences of the
// draw at the same uniforms.
#include <boost/math/distributions/normal.hpp>
#include <boost/math/special_functions/gamma.hpp>

#include "support/distribution_checks.hpp"

using namespace ppl;
using namespace ppl::testing;

TEST_CASE("student_t_sample: the normal quantile agrees with Boost.Math", "[ops][student_t_sample]") {
    for (double u : {1e-7, 1e-4, 0.01, 0.2, 0.5, 0.7, 0.99, 0.9999, 1 - 1e-7}) {
        const double reference = boost::math::quantile(boost::math::normal_distribution<double>(), u);
        INFO("u " << u << ": " << normal_quantile(u) << " against " << reference);
        CHECK(std::abs(normal_quantile(u) - reference) <= 1e-13 * std::max(1.0, std::abs(reference)));
    }
}

TEST_CASE("student_t_sample: the draw and its gradient in the degrees of freedom", "[ops][student_t_sample]") {
    const Eigen::Index columns = 6;
    Eigen::MatrixXd u(2, columns);
    u << 0.05, 0.3, 0.5, 0.62, 0.9, 0.999, 0.4, 0.02, 0.7, 0.5, 0.95, 0.3;
    auto draw = [&](double nu, Eigen::Index j) {  // the reference: Boost's quantiles
        const double n = boost::math::quantile(boost::math::normal_distribution<double>(), u(0, j));
        return n * std::sqrt(nu / (2 * boost::math::gamma_p_inv(nu / 2, u(1, j))));
    };
    for (double nu : {0.5, 3.0, 30.0}) {
        dparameter freedom("nu", 1, columns);
        freedom.value.setConstant(nu);
        graph g{sum(let<"t">(make_expr(ops::student_t_sample_op{}, param(freedom),
                                       noise_like<"t">(noise_kind::uniform, concat(param(freedom), param(freedom))))))};
        g.forward(fixed_noise<Eigen::MatrixXd>{{{"t", u}}});
        g.backward();
        for (Eigen::Index j = 0; j < columns; ++j) {
            const double h = 1e-6 * nu, numeric = (draw(nu + h, j) - draw(nu - h, j)) / (2 * h);
            INFO("nu " << nu << ", column " << j);
            CHECK(g.value<"t">()(0, j) == Approx(draw(nu, j)).epsilon(1e-10).margin(1e-14));
            CHECK(freedom.grad(0, j) == Approx(numeric).epsilon(1e-6).margin(1e-9));
        }
    }
}

TEST_CASE("student_t_sample: noise without twice the rows is refused", "[ops][student_t_sample]") {
    check_shape_error<2>([](auto nu, auto u) { return make_expr(ops::student_t_sample_op{}, nu, u); }, {shape{2, 3}, shape{2, 3}},
                         "student_t_sample");
}
