// Tests include/ppl/dist/kl.hpp: every registered closed form, value and gradient.
#include <boost/math/quadrature/tanh_sinh.hpp>
#include <boost/math/special_functions/digamma.hpp>

#include "support/distribution_checks.hpp"

using namespace ppl;
using namespace ppl::testing;

TEST_CASE("kl: normal || normal", "[dist][kl]") {
    const dmatrix m1 = random_matrix(2, 3, -1, 1, 1), s1 = random_matrix(2, 3, 0.5, 2, 2), m2 = random_matrix(2, 3, -1, 1, 3),
                  s2 = random_matrix(2, 3, 0.5, 2, 4);
    check_gradient<4>([](auto a, auto b, auto c, auto d) { return kl_terms(normal(a, b), normal(c, d)); }, {m1, s1, m2, s2},
                      entrywise<4>([](double a, double b, double c, double d) {
                          const double r = b / d;
                          return 0.5 * (r * r + (a - c) * (a - c) / (d * d) - 1 - 2 * std::log(r));
                      }));
}

TEST_CASE("kl: normal || standard normal", "[dist][kl]") {
    const dmatrix m = random_matrix(3, 2, -1, 1, 5), s = random_matrix(3, 2, 0.3, 2, 6);
    check_gradient<2>([](auto a, auto b) { return kl_terms(normal(a, b), std_normal()); }, {m, s},
                      entrywise<2>([](double a, double b) { return -0.5 * (1 + std::log(b * b) - a * a - b * b); }));
}

namespace {
// KL of grouped categoricals per entry, written as sum_k q_k log(q_k / p_k) with explicit loops.
dmatrix categorical_kl(const dmatrix& lq, const dmatrix* lp, Eigen::Index k) {
    dmatrix out(lq.rows(), lq.cols());
    for (Eigen::Index j = 0; j < lq.cols(); ++j)
        for (Eigen::Index g = 0; g < lq.rows(); g += k) {
            double zq = 0, zp = 0;
            for (Eigen::Index i = g; i < g + k; ++i) zq += std::exp(lq(i, j)), zp += lp ? std::exp((*lp)(i, j)) : 1.0;
            for (Eigen::Index i = g; i < g + k; ++i) {
                const double q = std::exp(lq(i, j)) / zq, p = lp ? std::exp((*lp)(i, j)) / zp : 1.0 / double(k);
                out(i, j) = q * std::log(q / p);
            }
        }
    return out;
}
}  // namespace

TEST_CASE("kl: categorical || categorical and || uniform, per group", "[dist][kl]") {
    const dmatrix lq = random_matrix(8, 2, -2, 2, 7), lp = random_matrix(8, 2, -2, 2, 8);
    check_gradient<2>([](auto a, auto b) { return kl_terms(categorical(a, 2), categorical(b, 2)); }, {lq, lp},
                      [](const auto& in) { return categorical_kl(in[0], &in[1], 4); });
    check_gradient<1>([](auto a) { return kl_terms(categorical(a, 4), uniform_categorical()); }, {lq},
                      [](const auto& in) { return categorical_kl(in[0], nullptr, 2); });
}

TEST_CASE("kl: bernoulli || bernoulli", "[dist][kl]") {
    const dmatrix l1 = random_matrix(2, 2, -3, 3, 9), l2 = random_matrix(2, 2, -3, 3, 10);
    check_gradient<2>([](auto a, auto b) { return kl_terms(bernoulli_logits(a), bernoulli_logits(b)); }, {l1, l2},
                      entrywise<2>([](double a, double b) {
                          const double p = 1 / (1 + std::exp(-a)), r = 1 / (1 + std::exp(-b));
                          return p * std::log(p / r) + (1 - p) * std::log((1 - p) / (1 - r));
                      }));
}

TEST_CASE("kl: bernoulli || uniform bernoulli is log 2 - H(q)", "[dist][kl]") {
    const dmatrix l = random_matrix(3, 4, -6, 6, 11);
    check_gradient<1>([](auto a) { return kl_terms(bernoulli_logits(a), uniform_bernoulli()); }, {l},
                      entrywise<1>([](double a) {
                          const double p = 1 / (1 + std::exp(-a));
                          return p * std::log(2 * p) + (1 - p) * std::log(2 * (1 - p));
                      }));
}

TEST_CASE("kl: the registry knows which pairs are closed-form", "[dist][kl]") {
    using nq = decltype(normal(std::declval<input_leaf<"a">>(), std::declval<input_leaf<"b">>()));
    using lq = decltype(laplace(std::declval<input_leaf<"a">>(), std::declval<input_leaf<"b">>()));
    static_assert(has_analytic_kl<nq, nq>);
    static_assert(has_analytic_kl<nq, std_normal_prior>);
    static_assert(!has_analytic_kl<lq, std_normal_prior>);
    static_assert(!has_analytic_kl<nq, lq>);
}

TEST_CASE("kl: gamma || gamma", "[dist][kl]") {
    const dmatrix a1 = random_matrix(2, 3, 0.3, 5, 12), b1 = random_matrix(2, 3, 0.3, 3, 13), a2 = random_matrix(2, 3, 0.3, 5, 14),
                  b2 = random_matrix(2, 3, 0.3, 3, 15);
    // the reference integrates q log(q / p) numerically, by Boost's tanh-sinh quadrature
    check_gradient<4>([](auto a, auto b, auto c, auto d) { return kl_terms(gamma(a, b), gamma(c, d)); }, {a1, b1, a2, b2},
                      entrywise<4>([](double a, double b, double c, double d) {
                          auto log_density = [](double shape, double rate, double x) {
                              return shape * std::log(rate) + (shape - 1) * std::log(x) - rate * x - std::lgamma(shape);
                          };
                          auto integrand = [&](double x) {
                              const double log_q = log_density(a, b, x);
                              return std::exp(log_q) * (log_q - log_density(c, d, x));
                          };
                          return boost::math::quadrature::tanh_sinh<double>().integrate(integrand, 0.0, std::numeric_limits<double>::infinity());
                      }),
                      {.value_tolerance = 1e-8});
}

TEST_CASE("kl: beta || beta", "[dist][kl]") {
    const dmatrix a1 = random_matrix(2, 2, 0.5, 5, 16), b1 = random_matrix(2, 2, 0.5, 5, 17), a2 = random_matrix(2, 2, 0.5, 5, 18),
                  b2 = random_matrix(2, 2, 0.5, 5, 19);
    check_gradient<4>([](auto a, auto b, auto c, auto d) { return kl_terms(beta(a, b), beta(c, d)); }, {a1, b1, a2, b2},
                      entrywise<4>([](double a, double b, double c, double d) {
                          auto log_density = [](double p, double q, double x) {
                              return (p - 1) * std::log(x) + (q - 1) * std::log1p(-x) + std::lgamma(p + q) - std::lgamma(p) - std::lgamma(q);
                          };
                          auto integrand = [&](double x) {
                              const double log_q = log_density(a, b, x);
                              return std::exp(log_q) * (log_q - log_density(c, d, x));
                          };
                          return boost::math::quadrature::tanh_sinh<double>().integrate(integrand, 0.0, 1.0);
                      }),
                      {.value_tolerance = 1e-8});
}

TEST_CASE("kl: dirichlet || dirichlet, per group", "[dist][kl]") {
    const dmatrix a = random_matrix(6, 2, 0.3, 5, 20), b = random_matrix(6, 2, 0.3, 5, 21);
    check_gradient<2>([](auto p, auto q) { return kl_terms(dirichlet(p, 2), dirichlet(q, 2)); }, {a, b}, [](const auto& in) {
        // per group: log Gamma(A) - log Gamma(B) + sum_k [log Gamma(b_k) - log Gamma(a_k) + (a_k - b_k)(psi(a_k) - psi(A))],
        // with Boost's digamma; the group terms in the group's first row
        dmatrix out(6, 2);
        for (Eigen::Index j = 0; j < 2; ++j)
            for (Eigen::Index g = 0; g < 6; g += 3) {
                const double total_a = in[0].col(j).segment(g, 3).sum(), total_b = in[1].col(j).segment(g, 3).sum();
                for (Eigen::Index k = g; k < g + 3; ++k) {
                    const double p = in[0](k, j), q = in[1](k, j);
                    out(k, j) = std::lgamma(q) - std::lgamma(p) + (p - q) * (boost::math::digamma(p) - boost::math::digamma(total_a));
                }
                out(g, j) += std::lgamma(total_a) - std::lgamma(total_b);
            }
        return out;
    });
}

TEST_CASE("kl: dirichlet || symmetric dirichlet, K and the groups from q", "[dist][kl]") {
    const dmatrix a = random_matrix(8, 2, 0.2, 4, 22);
    for (double c : {0.3, 1.0, 2.5}) {
        INFO("prior concentration " << c);
        check_gradient<1>([c](auto p) { return kl_terms(dirichlet(p, 2), symmetric_dirichlet(c)); }, {a}, [c](const auto& in) {
            // per group of 4: log Gamma(A) - log Gamma(4c) + sum_k [log Gamma(c) - log Gamma(a_k) + (a_k - c)(psi(a_k) - psi(A))]
            dmatrix out(8, 2);
            for (Eigen::Index j = 0; j < 2; ++j)
                for (Eigen::Index g = 0; g < 8; g += 4) {
                    const double total = in[0].col(j).segment(g, 4).sum();
                    for (Eigen::Index k = g; k < g + 4; ++k) {
                        const double p = in[0](k, j);
                        out(k, j) = std::lgamma(c) - std::lgamma(p) + (p - c) * (boost::math::digamma(p) - boost::math::digamma(total));
                    }
                    out(g, j) += std::lgamma(total) - std::lgamma(4 * c);
                }
            return out;
        });
    }
}
