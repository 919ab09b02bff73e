// Tests include/ppl/ops/hard_concrete.hpp: the point masses and the density against the CDF of the
// stretched binary Concrete, their total, and the partial derivatives at the masses.
#include <boost/math/quadrature/tanh_sinh.hpp>

#include "support/distribution_checks.hpp"
#include "support/hard_concrete_reference.hpp"

using namespace ppl;
using namespace ppl::testing;

TEST_CASE("hard_concrete: point masses and density agree with the CDF, and sum to one", "[ops][hard_concrete]") {
    for (double log_alpha : {-3.0, -0.5, 0.0, 1.2, 4.0}) {
        INFO("log_alpha " << log_alpha);
        CHECK(std::exp(hard_concrete_log_prob_at(log_alpha, 0.0)) == Approx(hard_concrete_cdf(log_alpha, 0.0)).epsilon(1e-12));
        const double top = 1 - 1e-15;  // the CDF just below 1, so P(z = 1) = 1 - F(1-)
        CHECK(std::exp(hard_concrete_log_prob_at(log_alpha, 1.0)) == Approx(1 - hard_concrete_cdf(log_alpha, top)).epsilon(1e-9));
        for (double x : {0.01, 0.2, 0.5, 0.77, 0.99}) CHECK(std::exp(hard_concrete_log_prob_at(log_alpha, x)) == Approx(hard_concrete_density(log_alpha, x)).epsilon(1e-10));
        const double inside = boost::math::quadrature::tanh_sinh<double>().integrate(
            [&](double x) { return std::exp(hard_concrete_log_prob_at(log_alpha, x)); }, 0.0, 1.0);
        CHECK(std::exp(hard_concrete_log_prob_at(log_alpha, 0.0)) + inside + std::exp(hard_concrete_log_prob_at(log_alpha, 1.0)) == Approx(1.0).epsilon(1e-9));
    }
}

TEST_CASE("hard_concrete: at the masses, the log_alpha gradient and none in z", "[ops][hard_concrete]") {
    for (double z : {0.0, 1.0})
        for (double log_alpha : {-1.5, 0.3, 2.0}) {
            const auto t = ops::hard_concrete_log_prob_op{paper_gate}.at(log_alpha, z);
            const double h = 1e-6, numeric = (hard_concrete_log_prob_at(log_alpha + h, z) - hard_concrete_log_prob_at(log_alpha - h, z)) / (2 * h);
            INFO("z " << z << ", log_alpha " << log_alpha);
            CHECK(t.by_log_alpha == Approx(numeric).epsilon(1e-7));
            CHECK(t.by_z == 0);
        }
}
