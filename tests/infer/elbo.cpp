// Tests include/ppl/infer/elbo.hpp: the generated objective, its terms, settings and errors.
#include <catch2/catch.hpp>

#include <cmath>
#include <ppl/ppl.hpp>

using namespace ppl;

TEST_CASE("elbo: -ELBO = reconstruction + KL, and beta weights only the optimised loss", "[infer][elbo]") {
    random_stream init{1};
    dense enc2{6, 2, init, "enc2"}, dec{2, 6, init, "dec"};
    auto x = data<"x">();
    auto z2 = sample<"z2">(normal(enc2(x), 0.8), std_normal());
    auto objective = elbo(observe(bernoulli_logits(dec(z2)), x));
    Eigen::MatrixXf batch = (Eigen::MatrixXf::Random(6, 5).array() > 0).cast<float>();
    fixed_noise<> noise{{{"z2", Eigen::MatrixXf::Constant(2, 5, 0.25f)}}};
    const step_result full = objective.forward(batch, noise);
    const double nll = objective.loss_graph().value<"elbo:nll">().mean();
    const double kl = objective.loss_graph().value<"elbo:kl">().mean();
    CHECK(full.neg_elbo == Approx(nll + kl).epsilon(1e-6));
    CHECK(full.loss == Approx(nll + kl).epsilon(1e-6));
    const step_result warm = objective.forward(batch, noise, {.beta = 0.25});
    CHECK(warm.neg_elbo == Approx(full.neg_elbo).epsilon(1e-6));
    CHECK(warm.loss == Approx(nll + 0.25 * kl).epsilon(1e-6));
    // the KL term is the closed form, computed by hand here
    const Eigen::MatrixXf m = enc2.weight.value * batch + enc2.bias.value.replicate(1, 5);
    const double by_hand = (0.5 * (m.array().square() + 0.64f - 1.0f) - std::log(0.8f)).colwise().sum().mean();
    CHECK(kl == Approx(by_hand).epsilon(1e-5));
}

TEST_CASE("elbo: a family without a closed-form KL uses Monte Carlo log q - log p", "[infer][elbo]") {
    random_stream init{2};
    dense enc{4, 2, init, "enc"}, dec{2, 4, init, "dec"};
    auto x = data<"x">();
    auto z = sample<"z">(laplace(enc(x), 0.5), normal(0.0, 1.0));
    auto objective = elbo(observe(bernoulli_logits(dec(z)), x));
    CHECK(objective.describe() == "site=z dist=laplace estimator=pathwise kl=monte_carlo\n");
    Eigen::MatrixXf batch = Eigen::MatrixXf::Ones(4, 3);
    const Eigen::MatrixXf eps = Eigen::MatrixXf::Constant(2, 3, 0.3f);
    fixed_noise<> noise{{{"z", eps}}};
    objective.forward(batch, noise);
    const Eigen::MatrixXf loc = enc.weight.value * batch + enc.bias.value.replicate(1, 3);
    const Eigen::ArrayXXf zv = loc.array() + 0.5f * eps.array();
    const Eigen::ArrayXXf log_q = -(zv - loc.array()).abs() / 0.5f - std::log(1.0f);
    const Eigen::ArrayXXf log_p = -0.5f * zv.square() - 0.5f * std::log(2 * 3.14159265f);
    CHECK(objective.loss_graph().value<"elbo:kl">().mean() == Approx((log_q - log_p).colwise().sum().mean()).epsilon(1e-5));
}

TEST_CASE("elbo: a score-function site multiplies only the cost terms downstream of it", "[infer][elbo]") {
    random_stream init{3};
    dense enc_a{4, 6, init, "enc_a"}, enc_b{4, 6, init, "enc_b"}, dec_a{6, 4, init, "dec_a"}, dec_b{6, 4, init, "dec_b"};
    auto x = data<"x">();
    auto y = data<"y">();
    auto a = sample<"a", score_function<none>>(categorical(enc_a(x), 2), uniform_categorical());
    auto b = sample<"b", score_function<none>>(categorical(enc_b(y), 2), uniform_categorical());
    // x depends on a only, y on b only: each site's surrogate must leave the other term out
    auto objective = elbo(observe(bernoulli_logits(dec_a(a)), x), observe(bernoulli_logits(dec_b(b)), y));
    CHECK(objective.downstream_terms<"a">() == std::vector<std::string_view>{"elbo:nll0"});
    CHECK(objective.downstream_terms<"b">() == std::vector<std::string_view>{"elbo:nll1"});
    CHECK(objective.describe() ==
          "site=a dist=categorical estimator=score_function kl=analytic\n"
          "site=b dist=categorical estimator=score_function kl=analytic\n");
    // a chain: c feeds the posterior of d, so d's KL term is downstream of c
    dense enc_c{4, 6, init, "enc_c"}, enc_d{6, 2, init, "enc_d"}, dec_d{2, 4, init, "dec_d"};
    auto c = sample<"c", score_function<none>>(categorical(enc_c(x), 2), uniform_categorical());
    auto d = sample<"d">(laplace(enc_d(c), 1.0), std_normal());
    auto chain = elbo(observe(bernoulli_logits(dec_d(d)), x));
    CHECK(chain.downstream_terms<"c">() == std::vector<std::string_view>{"elbo:nll0", "elbo:kl.d"});
}

TEST_CASE("elbo: K samples per data point average, and leave_one_out trains", "[infer][elbo]") {
    random_stream init{4};
    dense enc{8, 6, init, "enc"}, dec{6, 8, init, "dec"};
    auto x = data<"x">();
    auto c = sample<"c", score_function<leave_one_out>>(categorical(enc(x), 2), uniform_categorical());
    auto objective = elbo(elbo_settings{.samples = 4}, observe(bernoulli_logits(dec(c)), x));
    Eigen::MatrixXf batch = (Eigen::MatrixXf::Random(8, 16).array() > 0).cast<float>();
    random_stream noise{5};
    adam opt{objective.parameters(), {.lr = 5e-2}};
    double first = 0, last = 0;
    for (int step = 0; step < 300; ++step) {
        const double v = objective.value_and_grad(batch, noise).neg_elbo;
        opt.step();
        if (step < 30) first += v / 30;
        if (step >= 270) last += v / 30;
    }
    CHECK(objective.loss_graph().value<"elbo:nll">().cols() == 64);  // 16 points x 4 samples
    CHECK(last < first);
    CHECK_THROWS_WITH(elbo(elbo_settings{.samples = 0}, observe(bernoulli_logits(dec(c)), x)), Catch::Contains("at least 1"));
}

TEST_CASE("elbo: a disarm site pairs two samples per data point, and trains", "[infer][elbo]") {
    random_stream init{9};
    dense enc{8, 6, init, "enc"}, dec{6, 8, init, "dec"};
    auto x = data<"x">();
    auto b = sample<"b", disarm>(bernoulli_logits(enc(x)), uniform_bernoulli());
    CHECK_THROWS_WITH(elbo(observe(bernoulli_logits(dec(b)), x)), Catch::Contains("elbo_settings{.samples = 2}"));
    auto objective = elbo(elbo_settings{.samples = 2}, observe(bernoulli_logits(dec(b)), x));
    CHECK(objective.describe() == "site=b dist=bernoulli estimator=disarm kl=analytic\n");
    CHECK(objective.downstream_terms<"b">() == std::vector<std::string_view>{"elbo:nll0"});
    Eigen::MatrixXf batch = (Eigen::MatrixXf::Random(8, 16).array() > 0).cast<float>();
    random_stream noise{10};
    adam opt{objective.parameters(), {.lr = 5e-2}};
    double first = 0, last = 0;
    for (int step = 0; step < 300; ++step) {
        const double v = objective.value_and_grad(batch, noise).neg_elbo;
        opt.step();
        if (step < 30) first += v / 30;
        if (step >= 270) last += v / 30;
    }
    // the two samples of each point are antithetic: where they differ, one is 1 and the other 0
    const Eigen::MatrixXf& pair = objective.loss_graph().value<"b">();
    REQUIRE(pair.cols() == 32);
    const Eigen::MatrixXf logits = enc.weight.value * batch + enc.bias.value.replicate(1, 16);
    for (Eigen::Index i = 0; i < 16; ++i)
        for (Eigen::Index j = 0; j < 6; ++j)
            if (logits(j, i) > 0) CHECK(pair(j, i) + pair(j, 16 + i) >= 1.0f);  // p > 1/2: never both 0
            else CHECK(pair(j, i) + pair(j, 16 + i) <= 1.0f);                   // p <= 1/2: never both 1
    CHECK(last < first);
}

namespace {
// Two sites (relaxed and score function with a moving-average baseline), a decoder read twice,
// and two named inputs: every way a gradient reaches a parameter.
struct fused_model {
    random_stream init{12};
    dense enc{6, 4, init, "enc"}, enc_s{6, 3, init, "enc_s"}, shared{4, 4, init, "shared"}, dec{4, 6, init, "dec"};
    dense dec_s{3, 2, init, "dec_s"};
    auto objective() {
        auto x = data<"x">();
        auto y = data<"y">();
        auto c = sample<"c">(categorical(enc(x), 2), uniform_categorical());
        auto s = sample<"s", score_function<moving_average>>(bernoulli_logits(enc_s(x)), uniform_bernoulli());
        return elbo(observe(bernoulli_logits(dec(relu(shared(relu(shared(c)))))), x),
                    observe(bernoulli_logits(dec_s(s)), y));
    }
};
}  // namespace

TEST_CASE("elbo: train_step fuses Adam into the backward sweep, bit-identical to the two calls", "[infer][elbo]") {
    fused_model one, two;
    auto unfused = one.objective();
    auto fused = two.objective();
    adam opt_one{unfused.parameters(), {.lr = 1e-2}}, opt_two{fused.parameters(), {.lr = 1e-2}};
    const Eigen::MatrixXf x = (Eigen::MatrixXf::Random(6, 8).array() > 0).cast<float>();
    const Eigen::MatrixXf y = (Eigen::MatrixXf::Random(2, 8).array() > 0).cast<float>();
    random_stream noise_one{13}, noise_two{13};
    for (int step = 0; step < 20; ++step) {
        const step_result a = unfused.value_and_grad({{"x", x}, {"y", y}}, noise_one, {.tau = 0.7});
        opt_one.step();
        const step_result b = fused.train_step({{"x", x}, {"y", y}}, noise_two, opt_two, {.tau = 0.7});
        REQUIRE(a.loss == b.loss);
    }
    const auto p1 = unfused.parameters(), p2 = fused.parameters();
    REQUIRE(p1.size() == p2.size());
    for (std::size_t k = 0; k < p1.size(); ++k) {
        CHECK(p1[k]->value == p2[k]->value);
        CHECK(p1[k]->grad == p2[k]->grad);
    }
    for (std::size_t k = 0; k < unfused.baselines().size(); ++k)
        CHECK(unfused.baselines()[k].value == fused.baselines()[k].value);
    CHECK(opt_two.steps() == 20);
}

TEST_CASE("elbo: bad temperatures and weights are refused with their value", "[infer][elbo]") {
    random_stream init{6};
    dense enc{4, 4, init, "enc"}, dec{4, 4, init, "dec"};
    auto x = data<"x">();
    auto objective = elbo(observe(bernoulli_logits(dec(sample<"c">(categorical(enc(x), 2), uniform_categorical()))), x));
    Eigen::MatrixXf batch = Eigen::MatrixXf::Zero(4, 2);
    random_stream noise{7};
    CHECK_THROWS_WITH(objective.forward(batch, noise, {.tau = 0.0}), Catch::Contains("tau is 0"));
    CHECK_THROWS_WITH(objective.forward(batch, noise, {.tau = -1.0}), Catch::Contains("tau is -1"));
    CHECK_THROWS_WITH(objective.forward(batch, noise, {.beta = std::nan("")}), Catch::Contains("beta is nan"));
    CHECK_NOTHROW(objective.forward(batch, noise, {.tau = 0.05}));
}

TEST_CASE("elbo: relaxed sites stay finite at tau = 0.05 with logits of +-30", "[infer][elbo]") {
    parameter logits("logits", 6, 3);
    logits.value << 30, -30, 30, -30, 30, -30, 29, 30, -30, 30, -29, 30, -30, 29, 30, 30, -30, -29;
    random_stream init{8};
    dense dec{6, 4, init, "dec"};
    auto x = data<"x">();
    auto soft = sample<"c">(categorical(param(logits), 2), uniform_categorical());
    auto hard = sample<"c", straight_through>(categorical(param(logits), 2), uniform_categorical());
    auto relaxed = elbo(observe(bernoulli_logits(dec(soft)), x));
    auto straight = elbo(observe(bernoulli_logits(dec(hard)), x));
    Eigen::MatrixXf batch = Eigen::MatrixXf::Ones(4, 3);
    random_stream noise{9};
    for (int trial = 0; trial < 20; ++trial) {
        CHECK(std::isfinite(relaxed.value_and_grad(batch, noise, {.tau = 0.05}).neg_elbo));
        CHECK(logits.grad.allFinite());
        CHECK(std::isfinite(straight.value_and_grad(batch, noise, {.tau = 0.05}).neg_elbo));
        CHECK(logits.grad.allFinite());
    }
}

TEST_CASE("elbo: hard_samples scores the discrete model, the value straight_through trains", "[infer][elbo]") {
    random_stream init{10};
    dense enc{6, 6, init, "enc"}, dec{6, 6, init, "dec"};
    auto x = data<"x">();
    auto soft = elbo(observe(bernoulli_logits(dec(sample<"c">(categorical(enc(x), 2), uniform_categorical()))), x));
    auto hard = elbo(observe(bernoulli_logits(dec(sample<"c", straight_through>(categorical(enc(x), 2), uniform_categorical()))), x));
    static_assert(decltype(soft)::has_soft_sites);
    static_assert(!decltype(hard)::has_soft_sites);
    const Eigen::MatrixXf batch = (Eigen::MatrixXf::Random(6, 7).array() > 0).cast<float>();
    random_stream soft_noise{11}, hard_noise{11};  // one Gumbel draw for both
    const double discrete = soft.forward(batch, soft_noise, {.tau = 0.5, .hard_samples = true}).neg_elbo;
    const Eigen::MatrixXf c = soft.loss_graph().value<"c">();
    CHECK(discrete == Approx(hard.forward(batch, hard_noise, {.tau = 0.5}).neg_elbo).epsilon(1e-6));
    CHECK((c.array() == 0 || c.array() == 1).all());
    CHECK(c.colwise().sum().isApproxToConstant(2.0f));  // one class in each of the 2 groups
    random_stream again{11};
    const double relaxed = soft.forward(batch, again, {.tau = 0.5}).neg_elbo;
    CHECK(relaxed != Approx(discrete));
}

TEST_CASE("elbo: a shape error names the user's layer and the observation or site it belongs to", "[infer][elbo]") {
    random_stream init{3}, noise{4};
    dense enc{16, 4, init, "enc"}, logvar{16, 5, init, "logvar"}, dec1{5, 8, init, "dec1"}, dec2{8, 16, init, "dec2"};
    const Eigen::MatrixXf x = Eigen::MatrixXf::Zero(16, 6);
    {
        // the decoder's first layer expects 5 inputs, and z has 4
        auto xs = data<"x">();
        auto z = sample<"z">(normal(enc(xs), 1.0), std_normal());
        auto objective = elbo(observe(bernoulli_logits(dec2(relu(dec1(z)))), xs));
        CHECK_THROWS_WITH(objective.forward(x, noise),
                          Catch::Contains("at layer 'dec1' (node 'affine'") && Catch::Contains("in the likelihood of observation 0") &&
                              Catch::Contains("4x6"));
    }
    {
        // q's location has 4 rows and its scale 5
        auto xs = data<"x">();
        auto z = sample<"z">(normal(enc(xs), exp(logvar(xs))), std_normal());
        auto objective = elbo(observe(bernoulli_logits(dec2(relu(dec1(z)))), xs));
        CHECK_THROWS_WITH(objective.forward(x, noise), Catch::Contains("in site 'z'"));
    }
}
