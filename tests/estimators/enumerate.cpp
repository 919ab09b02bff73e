// Tests include/ppl/estimators/enumerate.hpp: the ELBO of a model with an enumerated site, and its
// gradient, equal the sum over the site's support computed here by hand, for categorical sites (one
// group and two) and a bernoulli site; the count past the limit is refused with the count.
#include <catch2/catch.hpp>

#include <cmath>
#include <functional>
#include <ppl/ppl.hpp>
#include <vector>

using namespace ppl;

namespace {

constexpr Eigen::Index features = 4;

double softplus(double v) { return v > 0 ? v + std::log1p(std::exp(-v)) : std::log1p(std::exp(v)); }

// The exact -ELBO of x -> q(y | x) -> p(x | y) = bernoulli(dec(y)) with y summed over its support:
// mean_i [sum_y q(y | x_i) (-log p(x_i | y)) + KL(q(. | x_i) || uniform)]. Categorical: `groups` groups
// of `classes` classes (softmax of the encoder's rows per group); bernoulli (classes == 0): one unit
// per encoder row.
struct exact_elbo {
    Eigen::Index rows, groups, classes;

    double operator()(const Eigen::MatrixXd& enc_w, const Eigen::VectorXd& enc_b, const Eigen::MatrixXd& dec_w,
                      const Eigen::VectorXd& dec_b, const Eigen::MatrixXd& x) const {
        const bool bernoulli = classes == 0;
        const Eigen::Index values = bernoulli ? (Eigen::Index{1} << rows) : static_cast<Eigen::Index>(std::pow(classes, groups));
        double total = 0;
        for (Eigen::Index i = 0; i < x.cols(); ++i) {
            const Eigen::VectorXd logits = enc_w * x.col(i) + enc_b;
            Eigen::VectorXd p(rows);  // q's probabilities: per unit, or per class within each group
            double kl = 0;
            if (bernoulli) {
                for (Eigen::Index r = 0; r < rows; ++r) {
                    p(r) = 1 / (1 + std::exp(-logits(r)));
                    kl += p(r) * std::log(2 * p(r)) + (1 - p(r)) * std::log(2 * (1 - p(r)));
                }
            } else {
                for (Eigen::Index g = 0; g < groups; ++g) {
                    const Eigen::VectorXd e = (logits.segment(g * classes, classes).array() - logits.segment(g * classes, classes).maxCoeff()).exp();
                    p.segment(g * classes, classes) = e / e.sum();
                    for (Eigen::Index k = 0; k < classes; ++k) kl += p(g * classes + k) * std::log(classes * p(g * classes + k));
                }
            }
            double expected = 0;
            for (Eigen::Index j = 0; j < values; ++j) {
                Eigen::VectorXd y = Eigen::VectorXd::Zero(rows);
                double q = 1;
                if (bernoulli) {
                    for (Eigen::Index r = 0; r < rows; ++r) {
                        y(r) = static_cast<double>((j >> r) & 1);
                        q *= y(r) == 1 ? p(r) : 1 - p(r);
                    }
                } else {
                    Eigen::Index rest = j;
                    for (Eigen::Index g = 0; g < groups; ++g, rest /= classes) {
                        y(g * classes + rest % classes) = 1;
                        q *= p(g * classes + rest % classes);
                    }
                }
                const Eigen::VectorXd l = dec_w * y + dec_b;
                double nll = 0;
                for (Eigen::Index d = 0; d < l.size(); ++d) nll += softplus(l(d)) - x(d, i) * l(d);
                expected += q * nll;
            }
            total += expected + kl;
        }
        return total / static_cast<double>(x.cols());
    }
};

// Checks the objective's value and gradient at the current parameters against exact_elbo and its
// central differences (step 1e-5 in double: error about 1e-10).
template <class Objective>
void check_exact(Objective& objective, basic_dense<double>& enc, basic_dense<double>& dec, const exact_elbo& exact,
                 const Eigen::MatrixXd& x) {
    random_stream noise{5};
    const step_result r = objective.value_and_grad(x, noise);
    const auto value = [&] { return exact(enc.weight.value, enc.bias.value, dec.weight.value, dec.bias.value, x); };
    CHECK(r.loss == Approx(value()).epsilon(1e-12).margin(1e-10));
    CHECK(r.neg_elbo == Approx(value()).epsilon(1e-12).margin(1e-10));
    for (basic_parameter<double>* p : {&enc.weight, &enc.bias, &dec.weight, &dec.bias}) {
        for (Eigen::Index k = 0; k < p->value.size(); ++k) {
            const double keep = p->value(k), h = 1e-5;
            p->value(k) = keep + h;
            const double up = value();
            p->value(k) = keep - h;
            const double down = value();
            p->value(k) = keep;
            INFO(p->name << "[" << k << "]");
            CHECK(p->grad(k) == Approx((up - down) / (2 * h)).margin(1e-6));
        }
    }
}

Eigen::MatrixXd binary_batch(Eigen::Index cols, unsigned seed) {
    std::srand(seed);
    return (Eigen::MatrixXd::Random(features, cols).array() > 0).cast<double>();
}

}  // namespace

TEST_CASE("enumerate: a categorical site's ELBO and gradient are the sums over its classes", "[estimators][enumerate]") {
    random_stream init{1};
    basic_dense<double> enc{features, 3, init, "enc"}, dec{3, features, init, "dec"};
    auto x = data<"x">();
    auto y = sample<"y", enumerate>(categorical(enc(x), 1), uniform_categorical());
    auto objective = elbo(observe(bernoulli_logits(dec(y)), x));
    CHECK(objective.describe() == "site=y dist=categorical estimator=enumerate kl=analytic\n");
    const Eigen::MatrixXd batch = binary_batch(5, 3);
    check_exact(objective, enc, dec, exact_elbo{3, 1, 3}, batch);
    // the batch is laid out once per class: 3 blocks of 5 columns, each holding its class
    const Eigen::MatrixXd& value = objective.loss_graph().value<"y">();
    REQUIRE(value.cols() == 15);
    for (Eigen::Index c = 0; c < 15; ++c) CHECK(value(c / 5, c) == 1.0);
    CHECK(value.sum() == 15.0);
    // a batch of another size is counted and laid out again
    check_exact(objective, enc, dec, exact_elbo{3, 1, 3}, binary_batch(2, 4));
}

TEST_CASE("enumerate: a grouped categorical site is summed over its joint values", "[estimators][enumerate]") {
    random_stream init{2};
    basic_dense<double> enc{features, 6, init, "enc"}, dec{6, features, init, "dec"};
    auto x = data<"x">();
    auto y = sample<"y", enumerate>(categorical(enc(x), 2), uniform_categorical());
    auto objective = elbo(observe(bernoulli_logits(dec(y)), x));
    check_exact(objective, enc, dec, exact_elbo{6, 2, 3}, binary_batch(4, 5));
    CHECK(objective.loss_graph().value<"y">().cols() == 9 * 4);
}

TEST_CASE("enumerate: a bernoulli site's ELBO and gradient are the sums over its 2^D values", "[estimators][enumerate]") {
    random_stream init{3};
    basic_dense<double> enc{features, 3, init, "enc"}, dec{3, features, init, "dec"};
    auto x = data<"x">();
    auto b = sample<"b", enumerate>(bernoulli_logits(enc(x)), uniform_bernoulli());
    auto objective = elbo(observe(bernoulli_logits(dec(b)), x));
    CHECK(objective.describe() == "site=b dist=bernoulli estimator=enumerate kl=analytic\n");
    check_exact(objective, enc, dec, exact_elbo{3, 3, 0}, binary_batch(6, 6));
    CHECK(objective.loss_graph().value<"b">().cols() == 8 * 6);
}

TEST_CASE("enumerate: past the limit, the count is a ppl::error that gives it", "[estimators][enumerate]") {
    random_stream init{4};
    basic_dense<double> enc{features, 30, init, "enc"}, dec{30, features, init, "dec"};
    auto x = data<"x">();
    auto y = sample<"y", enumerate>(categorical(enc(x), 3), uniform_categorical());
    auto objective = elbo(elbo_settings{.max_enumerated = 999}, observe(bernoulli_logits(dec(y)), x));
    random_stream noise{1};
    const Eigen::MatrixXd batch = binary_batch(2, 7);
    CHECK_THROWS_WITH(objective.value_and_grad(batch, noise),
                      Catch::Contains("site y has 3 groups of 10 classes") && Catch::Contains("1000 joint values") &&
                          Catch::Contains("limit of 999") && Catch::Contains("elbo_settings::max_enumerated"));
    // the same model within the limit runs; a bernoulli site states its units
    auto raised = elbo(elbo_settings{.max_enumerated = 1000}, observe(bernoulli_logits(dec(y)), x));
    CHECK(std::isfinite(raised.value_and_grad(batch, noise).neg_elbo));
    auto b = sample<"b", enumerate>(bernoulli_logits(enc(x)), uniform_bernoulli());
    auto wide = elbo(observe(bernoulli_logits(dec(b)), x));
    CHECK_THROWS_WITH(wide.value_and_grad(batch, noise),
                      Catch::Contains("site b has 30 bernoulli units") && Catch::Contains("1073741824 joint values"));
    CHECK_THROWS_WITH(elbo(elbo_settings{.max_enumerated = 0}, observe(bernoulli_logits(dec(y)), x)),
                      Catch::Contains("max_enumerated is 0"));
}

TEST_CASE("enumerate: iwae scores the model with exact draws of the site", "[estimators][enumerate]") {
    random_stream init{5};
    basic_dense<double> enc{features, 3, init, "enc"}, dec{3, features, init, "dec"};
    auto x = data<"x">();
    auto y = sample<"y", enumerate>(categorical(enc(x), 1), uniform_categorical());
    auto bound = iwae(64, observe(bernoulli_logits(dec(y)), x));
    const Eigen::MatrixXd batch = binary_batch(3, 8);
    random_stream noise{2};
    const double scored = bound.forward(batch, noise).neg_elbo;
    // with 64 draws of 3 classes the K-sample bound is close to the exact -log p(x), summed here
    double exact = 0;
    for (Eigen::Index i = 0; i < batch.cols(); ++i) {
        const Eigen::VectorXd logits = enc.weight.value * batch.col(i) + enc.bias.value;
        const Eigen::VectorXd prior_mix = Eigen::VectorXd::Constant(3, 1.0 / 3);
        double p = 0;
        for (Eigen::Index k = 0; k < 3; ++k) {
            const Eigen::VectorXd l = dec.weight.value.col(k) + dec.bias.value;
            double log_lik = 0;
            for (Eigen::Index d = 0; d < features; ++d) log_lik -= softplus(l(d)) - batch(d, i) * l(d);
            p += prior_mix(k) * std::exp(log_lik);
        }
        exact -= std::log(p);
    }
    exact /= static_cast<double>(batch.cols());
    CHECK(std::isfinite(scored));
    CHECK(std::abs(scored - exact) < 0.05);
    auto y_drawn = bound.loss_graph().value<"y">();
    CHECK(y_drawn.colwise().sum().isOnes());
}
