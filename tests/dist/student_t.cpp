// Tests include/ppl/dist/student_t.hpp: log_prob against Boost.Math, the sampler's moments and the
// pathwise gradient's unbiasedness in the degrees of freedom.
#include <boost/math/distributions/students_t.hpp>

#include "support/distribution_checks.hpp"

using namespace ppl;
using namespace ppl::testing;

TEST_CASE("student_t: log_prob value and gradient", "[dist][student_t]") {
    const dmatrix df = random_matrix(2, 3, 0.5, 20, 1), loc = random_matrix(2, 3, -1, 1, 2), scale = random_matrix(2, 3, 0.3, 3, 3),
                  x = random_matrix(2, 3, -4, 4, 4);
    check_gradient<4>([](auto d, auto l, auto s, auto v) { return log_prob(student_t(d, l, s), v); }, {df, loc, scale, x},
                      entrywise<4>([](double d, double l, double s, double v) {
                          return std::log(boost::math::pdf(boost::math::students_t_distribution<double>(d), (v - l) / s) / s);
                      }),
                      {.value_tolerance = 1e-9});
}

TEST_CASE("student_t: samples have the closed-form moments", "[dist][student_t]") {
    check_moments<3>([](auto d, auto l, auto s) { return student_t_family::rsample<"x">({}, d, l, s); }, {12.0, 1.5, 2.0}, 1.5,
                     4.0 * 12.0 / 10.0);
}

TEST_CASE("student_t: the pathwise gradient of E[t^2] in the degrees of freedom is unbiased", "[dist][student_t]") {
    // E[t^2] = nu / (nu - 2), so d/dnu E[t^2] = -2 / (nu - 2)^2
    const double nu = 12;
    const Eigen::Index n = 40000;
    dparameter freedom("nu", 1, n);
    freedom.value.setConstant(nu);
    graph g{sum(square(student_t_family::rsample<"t">({}, param(freedom), constant_leaf{0.0}, constant_leaf{1.0})))};
    random_stream rng{11};
    g.forward(stream_noise{&rng});
    g.backward();
    check_unbiased(freedom.grad.row(0).transpose().array(), -2 / ((nu - 2) * (nu - 2)));
}

TEST_CASE("student_t: bad parameters are refused", "[dist][student_t]") {
    CHECK_THROWS_WITH(student_t(0.0, 0.0, 1.0), Catch::Contains("student_t df is 0"));
    CHECK_THROWS_WITH(student_t(3.0, 0.0, -1.0), Catch::Contains("student_t scale is -1"));
}

TEST_CASE("student_t: the policy's default is pathwise", "[dist][student_t]") {
    STATIC_REQUIRE(std::is_same_v<estimator_for<student_t_family>, pathwise>);
}
