// Tests include/ppl/estimators/enumerate.hpp: the ELBO of a model with an enumerated site, and its
// gradient, equal the sum over the site's support computed here by hand, for categorical sites (one
// group and two) and a bernoulli site; the count past the limit is refused with the count.
#include "support/enumeration_reference.hpp"

using namespace ppl;
using namespace ppl::testing;

namespace {

constexpr Eigen::Index features = 4;

// One training step of the objective on x, as check_exact wants it.
template <class Objective>
std::function<step_result()> step_on(Objective& objective, const Eigen::MatrixXd& x) {
    return [&objective, &x] {
        random_stream noise{5};
        return objective.value_and_grad(x, noise);
    };
}

}  // namespace

TEST_CASE("enumerate: a categorical site's ELBO and gradient are the sums over its classes", "[estimators][enumerate]") {
    random_stream init{1};
    basic_dense<double> enc{features, 3, init, "enc"}, dec{3, features, init, "dec"};
    auto x = data<"x">();
    auto y = sample<"y", enumerate>(categorical(enc(x), 1), uniform_categorical());
    auto objective = elbo(observe(bernoulli_logits(dec(y)), x));
    CHECK(objective.describe() == "site=y dist=categorical estimator=enumerate kl=analytic\n");
    const Eigen::MatrixXd batch = binary_batch(features, 5, 3);
    check_exact(step_on(objective, batch), enc, dec, exact_elbo{3, 1, 3}, batch);
    // the batch is laid out once per class: 3 blocks of 5 columns, each holding its class
    const Eigen::MatrixXd& value = objective.loss_graph().value<"y">();
    REQUIRE(value.cols() == 15);
    for (Eigen::Index c = 0; c < 15; ++c) CHECK(value(c / 5, c) == 1.0);
    CHECK(value.sum() == 15.0);
    // a batch of another size is counted and laid out again
    {
        const Eigen::MatrixXd other = binary_batch(features, 2, 4);
        check_exact(step_on(objective, other), enc, dec, exact_elbo{3, 1, 3}, other);
    }
}

TEST_CASE("enumerate: a grouped categorical site is summed over its joint values", "[estimators][enumerate]") {
    random_stream init{2};
    basic_dense<double> enc{features, 6, init, "enc"}, dec{6, features, init, "dec"};
    auto x = data<"x">();
    auto y = sample<"y", enumerate>(categorical(enc(x), 2), uniform_categorical());
    auto objective = elbo(observe(bernoulli_logits(dec(y)), x));
    {
        const Eigen::MatrixXd other = binary_batch(features, 4, 5);
        check_exact(step_on(objective, other), enc, dec, exact_elbo{6, 2, 3}, other);
    }
    CHECK(objective.loss_graph().value<"y">().cols() == 9 * 4);
}

TEST_CASE("enumerate: a bernoulli site's ELBO and gradient are the sums over its 2^D values", "[estimators][enumerate]") {
    random_stream init{3};
    basic_dense<double> enc{features, 3, init, "enc"}, dec{3, features, init, "dec"};
    auto x = data<"x">();
    auto b = sample<"b", enumerate>(bernoulli_logits(enc(x)), uniform_bernoulli());
    auto objective = elbo(observe(bernoulli_logits(dec(b)), x));
    CHECK(objective.describe() == "site=b dist=bernoulli estimator=enumerate kl=analytic\n");
    {
        const Eigen::MatrixXd other = binary_batch(features, 6, 6);
        check_exact(step_on(objective, other), enc, dec, exact_elbo{3, 3, 0}, other);
    }
    CHECK(objective.loss_graph().value<"b">().cols() == 8 * 6);
}

TEST_CASE("enumerate: past the limit, the count is a ppl::error that gives it", "[estimators][enumerate]") {
    random_stream init{4};
    basic_dense<double> enc{features, 30, init, "enc"}, dec{30, features, init, "dec"};
    auto x = data<"x">();
    auto y = sample<"y", enumerate>(categorical(enc(x), 3), uniform_categorical());
    auto objective = elbo(elbo_settings{.max_enumerated = 999}, observe(bernoulli_logits(dec(y)), x));
    random_stream noise{1};
    const Eigen::MatrixXd batch = binary_batch(features, 2, 7);
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
    auto bound = iwae(1000, observe(bernoulli_logits(dec(y)), x));
    const Eigen::MatrixXd batch = binary_batch(features, 3, 8);
    random_stream noise{2};
    const double scored = bound.forward(batch, noise).neg_elbo;
    // with 1000 draws of 3 classes the K-sample bound is close to the exact -log p(x), summed here
    double exact = 0;
    for (Eigen::Index i = 0; i < batch.cols(); ++i) {
        const Eigen::VectorXd logits = enc.weight.value * batch.col(i) + enc.bias.value;
        const Eigen::VectorXd prior_mix = Eigen::VectorXd::Constant(3, 1.0 / 3);
        double p = 0;
        for (Eigen::Index k = 0; k < 3; ++k) {
            const Eigen::VectorXd l = dec.weight.value.col(k) + dec.bias.value;
            double log_lik = 0;
            for (Eigen::Index d = 0; d < features; ++d) log_lik -= softplus_of(l(d)) - batch(d, i) * l(d);
            p += prior_mix(k) * std::exp(log_lik);
        }
        exact -= std::log(p);
    }
    exact /= static_cast<double>(batch.cols());
    CHECK(std::isfinite(scored));
    CHECK(std::abs(scored - exact) < 0.02);
    auto y_drawn = bound.loss_graph().value<"y">();
    CHECK(y_drawn.colwise().sum().isOnes());
}
