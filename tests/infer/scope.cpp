// Tests include/ppl/infer/scope.hpp: global sites in elbo(), their KL once per dataset, the N/B
// scaling of minibatches, and the errors that catch a site drawn at the wrong scope.
#include <catch2/catch.hpp>

#include <cmath>
#include <ppl/ppl.hpp>

using namespace ppl;

namespace {
constexpr float noise_scale = 0.5f;

// Bayesian linear regression y ~ N(w^T x, 0.5^2) with one global weight vector w ~ N(0, I) and a
// free mean-field guide q(w) = N(loc, softplus(raw)).
struct global_regression {
    parameter loc{"w.loc", 3, 1}, raw{"w.raw", 3, 1};
    global_regression() {
        loc.value << 0.3f, -0.2f, 0.7f;
        raw.value << -0.5f, 0.1f, -1.0f;
    }
    auto model() {
        auto x = data<"x">();
        auto w = sample<"w", global>(normal(param(loc), softplus(param(raw))), normal(0.0, 1.0));
        return observe(normal(column_sum(w * x), noise_scale), data<"y">());
    }
    // What the objective should compute, written out: -ELBO per data point, its KL and d/d loc.
    struct by_hand {
        double neg_elbo, kl;
        Eigen::VectorXd grad_loc;
    };
    by_hand compute(const Eigen::MatrixXf& x, const Eigen::MatrixXf& y, const Eigen::VectorXf& eps, double dataset_size,
                    double beta = 1) const {
        const Eigen::ArrayXd m = loc.value.col(0).cast<double>().array();
        const Eigen::ArrayXd s = (1 + raw.value.col(0).cast<double>().array().exp()).log();
        const Eigen::VectorXd w = (m + s * eps.cast<double>().array()).matrix();
        const Eigen::MatrixXd xd = x.cast<double>();
        const Eigen::RowVectorXd residual = y.cast<double>().row(0) - w.transpose() * xd;
        const double var = double(noise_scale) * noise_scale, points = double(x.cols());
        const double nll = (0.5 * residual.array().square() / var).mean() + std::log(double(noise_scale)) +
                           0.5 * std::log(2 * 3.14159265358979323846);
        const double kl = (-s.log() + 0.5 * (s.square() + m.square() - 1)).sum();
        const Eigen::VectorXd grad_nll = -(xd * residual.transpose()) / var / points;
        return {nll + kl / dataset_size, kl, grad_nll + beta * m.matrix() / dataset_size};
    }
};

Eigen::MatrixXf regression_x(Eigen::Index n, unsigned seed) {
    std::srand(seed);
    return Eigen::MatrixXf::Random(3, n);
}
}  // namespace

TEST_CASE("scope: a global site's KL enters once per dataset (2 data points, by hand)", "[infer][scope]") {
    global_regression r;
    auto objective = elbo(elbo_settings{.dataset_size = 2}, r.model());
    CHECK(objective.has_global_sites);
    CHECK_FALSE(objective.has_local_sites);
    CHECK(objective.describe() == "site=w dist=normal estimator=pathwise kl=analytic\n");
    const Eigen::MatrixXf x = regression_x(2, 1);
    const Eigen::MatrixXf y = Eigen::MatrixXf{{0.4f, -1.1f}};
    const Eigen::VectorXf eps = Eigen::Vector3f{0.2f, -0.6f, 1.3f};
    fixed_noise<> noise{{{"w", eps}}};
    const step_result step = objective.value_and_grad({{"x", x}, {"y", y}}, noise);
    const auto expected = r.compute(x, y, eps, 2);
    CHECK(objective.loss_graph().value<"elbo:kl_global">()(0, 0) == Approx(expected.kl).epsilon(1e-5));
    CHECK(step.neg_elbo == Approx(expected.neg_elbo).epsilon(1e-5));
    CHECK(step.loss == Approx(expected.neg_elbo).epsilon(1e-5));
    for (int d = 0; d < 3; ++d) CHECK(r.loc.grad(d, 0) == Approx(expected.grad_loc(d)).epsilon(1e-4));
    // beta weighs the global KL in the loss, as it does the local ones, and never the reported -ELBO
    const step_result warm = objective.value_and_grad({{"x", x}, {"y", y}}, noise, {.beta = 0.25});
    CHECK(warm.neg_elbo == Approx(expected.neg_elbo).epsilon(1e-5));
    CHECK(warm.loss == Approx(expected.neg_elbo - 0.75 * expected.kl / 2).epsilon(1e-5));
    const auto warm_expected = r.compute(x, y, eps, 2, 0.25);
    for (int d = 0; d < 3; ++d) CHECK(r.loc.grad(d, 0) == Approx(warm_expected.grad_loc(d)).epsilon(1e-4));
}

TEST_CASE("scope: minibatches of B out of N average to the full-dataset -ELBO and gradient", "[infer][scope]") {
    global_regression r;
    const Eigen::MatrixXf x = regression_x(6, 2);
    const Eigen::MatrixXf y = Eigen::MatrixXf::Random(1, 6);
    const Eigen::VectorXf eps = Eigen::Vector3f{-0.4f, 0.9f, 0.1f};
    fixed_noise<> noise{{{"w", eps}}};
    auto objective = elbo(elbo_settings{.dataset_size = 6}, r.model());
    const step_result full = objective.value_and_grad({{"x", x}, {"y", y}}, noise);
    const Eigen::MatrixXf full_grad = r.loc.grad;
    const auto expected = r.compute(x, y, eps, 6);
    CHECK(full.neg_elbo == Approx(expected.neg_elbo).epsilon(1e-5));
    double mean_neg_elbo = 0;
    Eigen::MatrixXf mean_grad = Eigen::MatrixXf::Zero(3, 1);
    for (Eigen::Index start = 0; start < 6; start += 2) {
        const Eigen::MatrixXf xb = x.middleCols(start, 2), yb = y.middleCols(start, 2);
        mean_neg_elbo += objective.value_and_grad({{"x", xb}, {"y", yb}}, noise).neg_elbo / 3;
        mean_grad += r.loc.grad / 3;
    }
    CHECK(mean_neg_elbo == Approx(full.neg_elbo).epsilon(1e-5));
    CHECK((mean_grad - full_grad).cwiseAbs().maxCoeff() < 1e-5f);
    // the KL's share shrinks with the dataset: N = 60 weighs it a tenth as much as N = 6
    auto larger = elbo(elbo_settings{.dataset_size = 60}, r.model());
    CHECK(larger.forward({{"x", x}, {"y", y}}, noise).neg_elbo == Approx(r.compute(x, y, eps, 60).neg_elbo).epsilon(1e-5));
}

TEST_CASE("scope: a global score-function site draws once and weighs log q by the per-point cost", "[infer][scope]") {
    // categorical(param(theta), 1) with a K x 1 parameter and a batch of 4: one draw for the batch
    parameter theta{"theta", 3, 1}, means{"means", 3, 1};
    theta.value << 0.2f, -0.4f, 0.9f;
    means.value << -1.0f, 0.5f, 2.0f;
    auto c = sample<"c", global, score_function<none>>(categorical(param(theta), 1), uniform_categorical());
    auto objective = elbo(elbo_settings{.dataset_size = 10}, observe(normal(column_sum(c * param(means)), 1.0), data<"y">()));
    CHECK(objective.describe() == "site=c dist=categorical estimator=score_function kl=analytic\n");
    const Eigen::MatrixXf y = Eigen::MatrixXf{{0.1f, 1.5f, -0.3f, 2.2f}};
    random_stream noise{5};
    const step_result step = objective.value_and_grad(y, noise);
    const Eigen::MatrixXf drawn = objective.loss_graph().value<"c">();
    REQUIRE(drawn.rows() == 3);
    REQUIRE(drawn.cols() == 1);
    CHECK(drawn.sum() == 1.0f);
    const Eigen::ArrayXd t = theta.value.col(0).cast<double>().array();
    const Eigen::ArrayXd p = t.exp() / t.exp().sum();
    const double mean = drawn.col(0).cast<double>().dot(means.value.col(0).cast<double>());
    const double nll = (0.5 * (y.cast<double>().array() - mean).square()).mean() + 0.5 * std::log(2 * 3.14159265358979323846);
    const double kl = (p * p.log()).sum() + std::log(3.0);
    CHECK(step.neg_elbo == Approx(nll + kl / 10).epsilon(1e-5));
    // d/d theta: nll (the cost downstream of c) times grad log q(c), plus the closed-form KL's gradient / N
    const Eigen::ArrayXd grad_log_q = drawn.col(0).cast<double>().array() - p;
    const Eigen::ArrayXd grad_kl = p * (p.log() - (p * p.log()).sum());
    const Eigen::ArrayXd expected = nll * grad_log_q + grad_kl / 10;
    for (int k = 0; k < 3; ++k) CHECK(theta.grad(k, 0) == Approx(expected(k)).epsilon(1e-4));
}

TEST_CASE("scope: a global site beside local ones: each KL at its own scale", "[infer][scope]") {
    // z_i ~ N(m, 1) per data point, with a global mean m ~ N(0, 1): the local prior reads the global site
    parameter m_loc{"m.loc", 2, 1}, m_raw{"m.raw", 2, 1}, z_loc{"z.loc", 2, 1};
    m_loc.value << 0.5f, -0.3f;
    auto x = data<"x">();
    auto m = sample<"m", global>(normal(param(m_loc), softplus(param(m_raw))), normal(0.0, 1.0));
    auto z = sample<"z">(normal(x + param(z_loc), 0.5), normal(m, 1.0));
    auto objective = elbo(elbo_settings{.dataset_size = 8}, observe(normal(z, 1.0), x));
    const Eigen::MatrixXf batch = Eigen::MatrixXf::Random(2, 4);
    random_stream noise{6};
    const step_result step = objective.forward(batch, noise);
    const double nll = objective.loss_graph().value<"elbo:nll">().mean();
    const double local_kl = objective.loss_graph().value<"elbo:kl">().mean();
    const double global_kl = objective.loss_graph().value<"elbo:kl_global">()(0, 0);
    CHECK(objective.loss_graph().value<"elbo:kl">().cols() == 4);
    CHECK(step.neg_elbo == Approx(nll + local_kl + global_kl / 8).epsilon(1e-5));
    // m is found through z's prior, and z's KL term is downstream of it
    CHECK(objective.describe() == "site=m dist=normal estimator=pathwise kl=analytic\nsite=z dist=normal estimator=pathwise kl=analytic\n");
    CHECK(objective.downstream_terms<"m">() == std::vector<std::string_view>{"elbo:kl.z"});
}

TEST_CASE("scope: a site drawn at the wrong scope, or a missing dataset size, is a ppl::error", "[infer][scope]") {
    global_regression r;
    CHECK_THROWS_WITH(elbo(r.model()), Catch::Contains("global site") && Catch::Contains("dataset_size = N"));
    CHECK_THROWS_WITH(elbo(elbo_settings{.dataset_size = -3}, r.model()), Catch::Contains("dataset size is -3"));
    const Eigen::MatrixXf x = regression_x(4, 3), y = Eigen::MatrixXf::Random(1, 4);
    random_stream noise{7};
    auto small = elbo(elbo_settings{.dataset_size = 3}, r.model());
    CHECK_THROWS_WITH(small.forward({{"x", x}, {"y", y}}, noise),
                      Catch::Contains("4 data points, more than the dataset size 3"));
    // a local site with one column for a batch of 4 would count its KL four times
    parameter mu{"mu", 3, 1};
    auto xs = data<"x">();
    auto w = sample<"w">(normal(param(mu), 1.0), normal(0.0, 1.0));
    auto local_by_mistake = elbo(observe(normal(column_sum(w * xs), 1.0), data<"y">()));
    CHECK_THROWS_WITH(local_by_mistake.forward({{"x", x}, {"y", y}}, noise),
                      Catch::Contains("site w draws 1 value(s) for a batch of 4") && Catch::Contains("sample<\"w\", global>"));
    // a global site whose q reads the data is one draw per data point in disguise
    dense enc{3, 3, noise, "enc"};
    auto v = sample<"v", global>(normal(enc(xs), 1.0), normal(0.0, 1.0));
    auto reads_data = elbo(elbo_settings{.dataset_size = 10}, observe(normal(column_sum(v * xs), 1.0), data<"y">()));
    CHECK_THROWS_WITH(reads_data.forward({{"x", x}, {"y", y}}, noise),
                      Catch::Contains("site v is global") && Catch::Contains("it has 4 columns"));
}
