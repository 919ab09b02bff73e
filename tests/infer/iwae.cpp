// Tests include/ppl/infer/iwae.hpp on a linear-Gaussian model, where log p(x) is known:
//   z ~ N(0, 1), x | z ~ N(z, s_x^2)  =>  x ~ N(0, 1 + s_x^2).
// The guide q(z | x) = N(a x + b, s^2) is deliberately poor (the posterior is N(x / 1.36, 0.36 / 1.36)),
// so the bound has room to rise with K.
#include <catch2/catch.hpp>

#include <cmath>
#include <numbers>
#include <ppl/ppl.hpp>

#include "support/gradient_checker.hpp"

using namespace ppl;

namespace {

constexpr double observation_scale = 0.6;

double log_normal_density(double x, double mean, double scale) {
    return -0.5 * std::pow((x - mean) / scale, 2) - std::log(scale) - 0.5 * std::log(2 * std::numbers::pi);
}

// The linear-Gaussian model with guide N(a x + b, exp(log_s)), in double.
struct linear_gaussian {
    basic_parameter<double> a{"a", 1, 1}, b{"b", 1, 1}, log_s{"log_s", 1, 1};
    linear_gaussian() {
        a.value(0, 0) = 0.3;
        b.value(0, 0) = 0.2;
        log_s.value(0, 0) = std::log(0.9);
    }
    auto observation() {
        auto x = input<"x">();
        auto z = sample<"z">(normal(param(a) * x + param(b), exp(param(log_s))), std_normal());
        return observe(normal(z, observation_scale), x);
    }
};

Eigen::MatrixXd data_points() {
    Eigen::MatrixXd x(1, 9);
    for (Eigen::Index i = 0; i < x.cols(); ++i) x(0, i) = -2.0 + 0.5 * double(i);
    return x;
}

// -log p(x) per data point, averaged over the points: the limit of -L_K.
double exact_neg_log_likelihood(const Eigen::MatrixXd& x) {
    const double scale = std::sqrt(1 + observation_scale * observation_scale);
    double total = 0;
    for (Eigen::Index i = 0; i < x.cols(); ++i) total -= log_normal_density(x(0, i), 0, scale);
    return total / double(x.cols());
}

}  // namespace

TEST_CASE("iwae: K = 1 is the ELBO, sample by sample and in expectation", "[infer][iwae]") {
    linear_gaussian model;
    auto bound = iwae(1, model.observation());
    CHECK(bound.describe() == "site=z dist=normal estimator=pathwise kl=monte_carlo\n");
    const Eigen::MatrixXd x = data_points();
    const Eigen::MatrixXd eps = testing::random_matrix(1, x.cols(), -2, 2, 7);
    fixed_noise<Eigen::MatrixXd> noise{{{"z", eps}}};
    const double value = bound.forward(x, noise).neg_elbo;
    // -log w = -log p(x | z) - log p(z) + log q(z | x) at z = a x + b + s eps, by hand
    double by_hand = 0;
    for (Eigen::Index i = 0; i < x.cols(); ++i) {
        const double m = 0.3 * x(0, i) + 0.2, z = m + 0.9 * eps(0, i);
        by_hand -= log_normal_density(x(0, i), z, observation_scale) + log_normal_density(z, 0, 1) - log_normal_density(z, m, 0.9);
    }
    CHECK(value == Approx(by_hand / double(x.cols())).epsilon(1e-12));

    // in expectation it is the -ELBO of elbo(), whose KL term is the closed form
    auto reference = elbo(model.observation());
    random_stream rng{11};
    const int draws = 4000;
    double sums[2] = {0, 0}, squares[2] = {0, 0};
    for (int r = 0; r < draws; ++r) {
        const double v[2] = {bound.forward(x, rng).neg_elbo, reference.forward(x, rng).neg_elbo};
        for (int i = 0; i < 2; ++i) sums[i] += v[i], squares[i] += v[i] * v[i];
    }
    double means[2], variances[2];
    for (int i = 0; i < 2; ++i) means[i] = sums[i] / draws, variances[i] = (squares[i] / draws - means[i] * means[i]) / draws;
    const double se = std::sqrt(variances[0] + variances[1]);
    INFO("iwae K=1: " << means[0] << ", elbo: " << means[1] << ", SE of the difference " << se);
    CHECK(std::abs(means[0] - means[1]) < 4 * se);
}

TEST_CASE("iwae: the bound rises with K towards log p(x)", "[infer][iwae]") {
    linear_gaussian model;
    const Eigen::MatrixXd x = data_points();
    const double exact = exact_neg_log_likelihood(x);
    random_stream rng{12};
    double previous = INFINITY;
    for (const Eigen::Index k : {1, 4, 32, 256, 2048}) {
        auto bound = iwae(k, model.observation());
        double sum = 0;
        const int repeats = 400;
        for (int r = 0; r < repeats; ++r) sum += bound.forward(x, rng).neg_elbo;
        const double neg_bound = sum / repeats;
        INFO("K = " << k << ": -L_K " << neg_bound << ", -log p(x) " << exact);
        CHECK(neg_bound >= exact - 1e-3);  // a bound, up to Monte Carlo error
        CHECK(neg_bound < previous);
        previous = neg_bound;
        if (k == 1) CHECK(neg_bound - exact > 0.1);  // the poor guide leaves a real gap at K = 1
        if (k == 2048) CHECK(neg_bound - exact < 2e-3);
    }
}

TEST_CASE("iwae: pathwise gradients of -L_K match finite differences at fixed noise", "[infer][iwae]") {
    linear_gaussian model;
    const Eigen::MatrixXd x = data_points();
    auto bound = iwae(3, model.observation());
    const Eigen::MatrixXd eps = testing::random_matrix(1, 3 * x.cols(), -2, 2, 8);
    fixed_noise<Eigen::MatrixXd> noise{{{"z", eps}}};
    bound.value_and_grad(x, noise);
    testing::check_finite_differences([&] { return bound.forward(x, noise).loss; }, {&model.a, &model.b, &model.log_s},
                                      {model.a.grad, model.b.grad, model.log_s.grad});
}

TEST_CASE("iwae: train_step fuses Adam into the backward sweep, bit-identical to the two calls", "[infer][iwae]") {
    linear_gaussian one, two;
    auto unfused = iwae(5, one.observation());
    auto fused = iwae(5, two.observation());
    basic_adam<double> opt_one{unfused.parameters(), {.lr = 1e-2}}, opt_two{fused.parameters(), {.lr = 1e-2}};
    const Eigen::MatrixXd x = data_points();
    random_stream noise_one{21}, noise_two{21};
    for (int step = 0; step < 20; ++step) {
        unfused.value_and_grad(x, noise_one);
        opt_one.step();
        fused.train_step(x, noise_two, opt_two);
    }
    CHECK(one.a.value == two.a.value);
    CHECK(one.b.value == two.b.value);
    CHECK(one.log_s.value == two.log_s.value);
    CHECK(one.a.value(0, 0) != 0.3);  // it trained
}

TEST_CASE("iwae: bad sample counts are a ppl::error", "[infer][iwae]") {
    linear_gaussian model;
    CHECK_THROWS_WITH(iwae(0, model.observation()), Catch::Contains("iwae needs at least 1 sample"));
}

TEST_CASE("iwae: relaxed sites are scored with exact discrete samples", "[infer][iwae]") {
    random_stream init{3};
    dense enc{6, 8, init, "enc"}, dec{8, 6, init, "dec"};
    auto x = data<"x">();
    auto c = sample<"c">(categorical(enc(x), 2), uniform_categorical());  // gumbel_softmax by default
    auto bound = iwae(5, observe(bernoulli_logits(dec(c)), x));
    CHECK(bound.describe() == "site=c dist=categorical estimator=gumbel_softmax kl=monte_carlo\n");
    Eigen::MatrixXf batch = (Eigen::MatrixXf::Random(6, 4).array() > 0).cast<float>();
    random_stream noise{4};
    const double value = bound.forward(batch, noise).neg_elbo;
    const Eigen::MatrixXf& codes = bound.loss_graph().value<"c">();
    REQUIRE(codes.cols() == 20);
    for (Eigen::Index j = 0; j < codes.cols(); ++j)
        for (Eigen::Index g = 0; g < 8; g += 4) {
            CHECK(codes.col(j).segment(g, 4).sum() == 1.0f);
            CHECK(codes.col(j).segment(g, 4).maxCoeff() == 1.0f);
        }
    // log w = log p(x | c) + log p(c) - log q(c): with 2 groups of 4, log p(c) = -2 log 4
    const Eigen::MatrixXf& log_w = bound.loss_graph().value<"iwae:log_w">();
    const Eigen::MatrixXf& log_q = bound.loss_graph().value<"iwae:log_q.c">();
    const Eigen::MatrixXf& nll = bound.loss_graph().value<"elbo:nll">();
    for (Eigen::Index j = 0; j < 20; ++j) CHECK(log_w(0, j) == Approx(-nll(0, j) - 2 * std::log(4.0) - log_q(0, j)).epsilon(1e-5));
    CHECK(std::isfinite(value));
}
