// Tests include/ppl/infer/trainer.hpp: epoch lines, evaluation (the discrete model's bound), schedules,
// data transforms, variance diagnostics, -log p(x), losses that are not ELBOs, generated data,
// bit-identical resume (with the estimators' baselines, schedules and the iterate average), and its errors.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <ppl/ppl.hpp>
#include <regex>
#include <sstream>

using namespace ppl;

namespace {

// y = w^T x + noise with a global w and a free guide; 120 training and 30 test points.
struct regression {
    parameter loc{"w.loc", 3, 1}, raw{"w.raw", 3, 1};
    Eigen::MatrixXf x, y, x_test, y_test;
    regression() {
        raw.value.setConstant(-2.25f);
        random_stream rng{5};
        const auto draw = [&](Eigen::Index n, Eigen::MatrixXf& xs, Eigen::MatrixXf& ys) {
            xs.resize(3, n), ys.resize(1, n);
            for (Eigen::Index j = 0; j < n; ++j) {
                for (Eigen::Index d = 0; d < 3; ++d) xs(d, j) = static_cast<float>(rng.normal());
                ys(0, j) = 1.5f * xs(0, j) - xs(1, j) + 0.25f * xs(2, j) + 0.3f * static_cast<float>(rng.normal());
            }
        };
        draw(120, x, y);
        draw(30, x_test, y_test);
    }
    auto model() {
        auto w = sample<"w", global>(normal(param(loc), softplus(param(raw))), std_normal());
        return observe(normal(column_sum(w * input<"x">()), 0.3), data<"y">());
    }
};

// A local discrete site under the score function, whose moving-average baseline a resume must restore.
struct discrete_model {
    random_stream init{6};
    dense enc{4, 3, init, "enc"}, dec{3, 4, init, "dec"};
    Eigen::MatrixXf x = Eigen::MatrixXf::Zero(4, 64);
    discrete_model() {
        random_stream rng{7};
        for (Eigen::Index i = 0; i < x.size(); ++i) x(i) = rng.uniform() < 0.5 ? 1.0f : 0.0f;
    }
    auto model() {
        auto xs = data<"x">();
        auto z = sample<"z", score_function<moving_average>>(categorical(enc(xs), 1), uniform_categorical());
        return observe(bernoulli_logits(dec(z)), xs);
    }
};

std::string temporary_file(const std::string& name) {
    const auto dir = std::filesystem::temp_directory_path() / "ppl_trainer_test";
    std::filesystem::create_directories(dir);
    std::filesystem::remove(dir / name);
    return (dir / name).string();
}

// The epoch lines without their seconds, which differ from run to run.
std::string without_seconds(const std::string& lines) { return std::regex_replace(lines, std::regex(" seconds=[0-9.]+"), ""); }

}  // namespace

TEST_CASE("trainer: epoch lines, test evaluation and a fit that learns", "[infer][trainer]") {
    regression r;
    auto objective = elbo(elbo_settings{.dataset_size = 120}, r.model());
    trainer fit{objective, {.epochs = 30, .batch = 20, .adam = {.lr = 0.05}, .progress = false}};
    std::ostringstream lines;
    const auto records = fit.run({{"x", r.x}, {"y", r.y}}, {{"x", r.x_test}, {"y", r.y_test}}, lines);
    REQUIRE(records.size() == 30);
    CHECK(fit.epochs_done() == 30);
    CHECK(fit.optimiser().steps() == 30 * 6);
    CHECK(std::regex_search(lines.str(), std::regex("^epoch=1 train_neg_elbo=[0-9.-]+ test_neg_elbo=[0-9.-]+ seconds=[0-9.]+\n")));
    CHECK(records.back().test_neg_elbo < records.front().test_neg_elbo - 1.0);
    CHECK(std::abs(r.loc.value(0, 0) - 1.5f) < 0.1f);
    // the test value is the forward pass over all 30 test points in chunks of 20 and 10
    CHECK(std::isfinite(records.back().test_neg_elbo));
}

TEST_CASE("trainer: a resumed run equals an unbroken one, bit for bit", "[infer][trainer]") {
    const std::string unbroken_file = temporary_file("unbroken.ppl"), broken_file = temporary_file("broken.ppl");
    SECTION("global sites, with the iterate average over the last epochs") {
        const trainer_options options{.epochs = 6, .batch = 30, .seed = 9, .adam = {.lr = 0.02}, .average_from = 3, .progress = false};
        regression a;
        auto objective_a = elbo(elbo_settings{.dataset_size = 120}, a.model());
        trainer_options unbroken = options;
        unbroken.checkpoint = unbroken_file;
        std::ostringstream lines_a;
        trainer{objective_a, unbroken}.run({{"x", a.x}, {"y", a.y}}, {{"x", a.x_test}, {"y", a.y_test}}, lines_a);

        regression b;
        std::ostringstream lines_b;
        {
            auto objective = elbo(elbo_settings{.dataset_size = 120}, b.model());
            trainer_options first = options;
            first.epochs = 4, first.checkpoint = broken_file;  // stops after epoch 4, inside the average
            trainer{objective, first}.run({{"x", b.x}, {"y", b.y}}, {{"x", b.x_test}, {"y", b.y_test}}, lines_b);
        }
        b.loc.value.setZero(), b.raw.value.setZero();  // the resume must restore them
        auto objective_b = elbo(elbo_settings{.dataset_size = 120}, b.model());
        trainer_options rest = options;
        rest.checkpoint = broken_file, rest.resume = true;
        trainer resumed{objective_b, rest};
        CHECK(resumed.epochs_done() == 4);
        resumed.run({{"x", b.x}, {"y", b.y}}, {{"x", b.x_test}, {"y", b.y_test}}, lines_b);
        CHECK(without_seconds(lines_a.str()) == without_seconds(lines_b.str()));
        CHECK(a.loc.value == b.loc.value);
        CHECK(a.raw.value == b.raw.value);
        // a resume whose average would mix two windows is refused
        trainer_options other = rest;
        other.average_from = 2;
        CHECK_THROWS_WITH((trainer{objective_b, other}), Catch::Contains("averages the iterates from epoch 3"));
    }
    SECTION("a score-function site's baseline") {
        const trainer_options options{.epochs = 4, .batch = 16, .seed = 3, .adam = {.lr = 0.01}, .progress = false};
        discrete_model a, b;
        auto objective_a = elbo(a.model());
        std::ostringstream lines_a, lines_b;
        trainer{objective_a, options}.run({{"x", a.x}}, {{"x", a.x}}, lines_a);
        {
            auto objective = elbo(b.model());
            trainer_options first = options;
            first.epochs = 2, first.checkpoint = broken_file;
            trainer{objective, first}.run({{"x", b.x}}, {{"x", b.x}}, lines_b);
        }
        auto objective_b = elbo(b.model());
        trainer_options rest = options;
        rest.checkpoint = broken_file, rest.resume = true;
        trainer{objective_b, rest}.run({{"x", b.x}}, {{"x", b.x}}, lines_b);
        CHECK(objective_b.baselines()[0].started);
        CHECK(objective_a.baselines()[0].value == objective_b.baselines()[0].value);
        CHECK(without_seconds(lines_a.str()) == without_seconds(lines_b.str()));
        CHECK(a.enc.weight.value == b.enc.weight.value);
        // the update fused into the backward sweep (the default) equals a separate Adam step
        discrete_model c;
        auto objective_c = elbo(c.model());
        trainer_options separate = options;
        separate.fused_update = false;
        std::ostringstream lines_c;
        trainer{objective_c, separate}.run({{"x", c.x}}, {{"x", c.x}}, lines_c);
        CHECK(without_seconds(lines_a.str()) == without_seconds(lines_c.str()));
        CHECK(a.enc.weight.value == c.enc.weight.value);
    }
}

TEST_CASE("trainer: bad settings and data are ppl::errors that say what is wrong", "[infer][trainer]") {
    regression r;
    auto objective = elbo(elbo_settings{.dataset_size = 120}, r.model());
    CHECK_THROWS_WITH((trainer{objective, {.batch = 0}}), Catch::Contains("batch is 0"));
    CHECK_THROWS_WITH((trainer{objective, {.epochs = -1}}), Catch::Contains("epochs is -1"));
    CHECK_THROWS_WITH((trainer{objective, {.resume = true}}), Catch::Contains("resume needs the checkpoint file"));
    CHECK_THROWS_WITH((trainer{objective, {.checkpoint = temporary_file("missing.ppl"), .resume = true}}),
                      Catch::Contains("missing.ppl"));
    CHECK_THROWS_WITH((trainer{objective, {.adam = {.lr = -1}}}), Catch::Contains("lr"));
    trainer fit{objective, {.epochs = 1, .batch = 20, .progress = false}};
    std::ostringstream lines;
    CHECK_THROWS_WITH(fit.run({{"x", r.x}, {"y", r.y}}, {{"y", r.y_test}, {"x", r.x_test}}, lines),
                      Catch::Contains("the same inputs in the same order"));
    const Eigen::MatrixXf short_y = r.y.leftCols(100);
    CHECK_THROWS_WITH(fit.run({{"x", r.x}, {"y", short_y}}, {{"x", r.x_test}, {"y", r.y_test}}, lines),
                      Catch::Contains("one column per data point"));
}

namespace {

// A small categorical VAE: 3 groups of 4 classes on 16 binary pixels, relaxed (gumbel_softmax).
struct small_cat_vae {
    random_stream init{11};
    dense enc{16, 12, init, "enc"}, dec{12, 16, init, "dec"};
    auto model() {
        auto xs = data<"x">();
        auto c = sample<"c">(categorical(enc(xs), 3), uniform_categorical());
        return observe(bernoulli_logits(dec(c)), xs);
    }
};

Eigen::MatrixXf binary_pixels(Eigen::Index cols, std::uint64_t seed) {
    random_stream rng{seed};
    Eigen::MatrixXf x(16, cols);
    for (Eigen::Index j = 0; j < cols; ++j)
        for (Eigen::Index i = 0; i < 16; ++i) x(i, j) = rng.uniform() < ((i < 8) == (j % 2 == 0) ? 0.85 : 0.15) ? 1.0f : 0.0f;
    return x;
}

// The schedules of the categorical VAE's tests: tau annealed every 3 steps, the KL weight over 2 epochs.
trainer_options annealed(int epochs, const std::string& checkpoint = {}) {
    return {.epochs = epochs,
            .batch = 16,
            .seed = 21,
            .adam = {.lr = 0.01},
            .checkpoint = checkpoint,
            .progress = false,
            .temperature = exponential_temperature{.initial = 1.0, .minimum = 0.3, .rate = 0.05, .every = 3},
            .kl_warmup_epochs = 2};
}

}  // namespace

TEST_CASE("trainer: a categorical VAE anneals tau and warms up the KL, and scores the discrete model", "[infer][trainer]") {
    const Eigen::MatrixXf x = binary_pixels(96, 12), x_test = binary_pixels(40, 13);
    small_cat_vae model;
    auto objective = elbo(model.model());
    const trainer_options options = annealed(4);
    std::ostringstream lines;
    const auto records = trainer{objective, options}.run({{"x", x}}, {{"x", x_test}}, lines);
    REQUIRE(records.size() == 4);
    const exponential_temperature schedule{.initial = 1.0, .minimum = 0.3, .rate = 0.05, .every = 3};
    for (const auto& r : records) {
        INFO("epoch " << r.epoch);
        // tau is the schedule's value at the epoch's last step; 6 steps per epoch
        REQUIRE(r.tau.has_value());
        CHECK(*r.tau == schedule(r.steps - 1));
        // the KL weight rises over the first 2 epochs (12 steps): the optimised value is below the -ELBO, then equal
        // (the loss is the graph's float; the -ELBO its parts in double)
        if (r.epoch <= 2) CHECK(r.train_loss < r.train_neg_elbo - 0.01);
        else CHECK(std::abs(r.train_loss - r.train_neg_elbo) < 1e-6 * r.train_neg_elbo);
        REQUIRE(r.test_neg_elbo_relaxed.has_value());
        CHECK(r.test_neg_elbo != *r.test_neg_elbo_relaxed);
    }
    CHECK(*records.back().tau < *records.front().tau);
    CHECK(std::regex_search(lines.str(), std::regex("\nepoch=4 train_neg_elbo=[0-9.]+ test_neg_elbo=[0-9.]+ test_neg_elbo_relaxed=[0-9.]+ tau=0[.][0-9]{4} seconds=")));

    // test_neg_elbo is the hard-sample bound: exact one-hot samples, the epoch's own noise, chunks of one batch
    auto scored = elbo(model.model());
    random_stream noise{21 + 1000003ull * 4, 3};
    double total = 0;
    for (Eigen::Index first = 0; first < 40; first += 16) {
        const Eigen::Index n = std::min<Eigen::Index>(16, 40 - first);
        const Eigen::MatrixXf chunk = x_test.middleCols(first, n);
        total += scored.forward(chunk, noise, {.tau = *records.back().tau, .hard_samples = true}).neg_elbo * double(n);
    }
    CHECK(records.back().test_neg_elbo == total / 40);
}

TEST_CASE("trainer: a broken and resumed categorical VAE equals an unbroken one, schedules included", "[infer][trainer]") {
    const Eigen::MatrixXf x = binary_pixels(96, 14), x_test = binary_pixels(40, 15);
    const std::string unbroken_file = temporary_file("cat_unbroken.ppl"), broken_file = temporary_file("cat_broken.ppl");
    small_cat_vae a, b;
    auto objective_a = elbo(a.model());
    std::ostringstream lines_a, lines_b;
    trainer{objective_a, annealed(4, unbroken_file)}.run({{"x", x}}, {{"x", x_test}}, lines_a);
    {
        auto objective = elbo(b.model());
        trainer{objective, annealed(1, broken_file)}.run({{"x", x}}, {{"x", x_test}}, lines_b);  // stops inside the warm-up
    }
    auto objective_b = elbo(b.model());
    trainer_options rest = annealed(4, broken_file);
    rest.resume = true;
    trainer{objective_b, rest}.run({{"x", x}}, {{"x", x_test}}, lines_b);
    CHECK(without_seconds(lines_a.str()) == without_seconds(lines_b.str()));
    CHECK(a.enc.weight.value == b.enc.weight.value);
    CHECK(a.dec.bias.value == b.dec.bias.value);
    const auto bytes = [](const std::string& file) {
        std::ifstream in(file, std::ios::binary);
        return std::string{std::istreambuf_iterator<char>(in), {}};
    };
    CHECK(bytes(unbroken_file) == bytes(broken_file));

    // a resume with another schedule would not continue the unbroken run: refused
    trainer_options other_tau = annealed(6, unbroken_file);
    other_tau.resume = true;
    other_tau.temperature = exponential_temperature{.initial = 2.0, .minimum = 0.3, .rate = 0.05, .every = 3};
    CHECK_THROWS_WITH((trainer{objective_b, other_tau}), Catch::Contains("temperature schedule"));
    trainer_options other_warmup = annealed(6, broken_file);
    other_warmup.resume = true, other_warmup.kl_warmup_epochs = 0, other_warmup.kl_weight = [](std::int64_t) { return 0.5; };
    std::ostringstream ignored;
    trainer refused{objective_b, other_warmup};
    CHECK_THROWS_WITH(refused.run({{"x", x}}, {{"x", x_test}}, ignored), Catch::Contains("KL warm-up"));
}

namespace {
// Logistic regression on 2 features: a loss that is not an ELBO.
struct logistic_regression {
    parameter w{"w", 1, 2}, b{"b", 1, 1};
    Eigen::MatrixXf x, y, x_test, y_test;
    logistic_regression() {
        random_stream rng{31};
        const auto draw = [&](Eigen::Index n, Eigen::MatrixXf& xs, Eigen::MatrixXf& ys) {
            xs.resize(2, n), ys.resize(1, n);
            for (Eigen::Index j = 0; j < n; ++j) {
                xs(0, j) = static_cast<float>(rng.normal()), xs(1, j) = static_cast<float>(rng.normal());
                ys(0, j) = 2 * xs(0, j) - xs(1, j) + 0.3 * rng.normal() > 0 ? 1.0f : 0.0f;
            }
        };
        draw(200, x, y);
        draw(100, x_test, y_test);
    }
    // mean binary cross-entropy of sigmoid(w x + b) against y
    auto loss() { return batch_mean(-column_sum(log_prob(bernoulli_logits(matmul(param(w), input<"x">()) + param(b)), input<"y">()))); }
    double accuracy(const Eigen::MatrixXf& xs, const Eigen::MatrixXf& ys) const {
        const Eigen::ArrayXXf logits = (w.value * xs).array() + b.value(0, 0);
        return ((logits > 0).cast<float>() == ys.array()).cast<double>().mean();
    }
};
}  // namespace

TEST_CASE("trainer: a loss that is not an ELBO trains through minimize()", "[infer][trainer]") {
    logistic_regression model;
    auto objective = minimize(model.loss());
    std::ostringstream lines;
    trainer fit{objective, {.epochs = 25, .batch = 20, .seed = 2, .adam = {.lr = 0.05}, .progress = false,
                            .evaluate = [&](epoch_record& r) { r.add("test_accuracy", model.accuracy(model.x_test, model.y_test)); }}};
    const auto records = fit.run({{"x", model.x}, {"y", model.y}}, {{"x", model.x_test}, {"y", model.y_test}}, lines);
    REQUIRE(records.size() == 25);
    CHECK(records.back().train_loss < 0.5 * records.front().train_loss);
    CHECK(records.back().test_neg_elbo < records.front().test_neg_elbo);
    CHECK(model.accuracy(model.x_test, model.y_test) > 0.9);
    CHECK(std::regex_search(lines.str(), std::regex("^epoch=1 train_loss=[0-9.e-]+ test_loss=[0-9.e-]+ test_accuracy=[0-9.]+ seconds=")));
    CHECK(lines.str().find("neg_elbo") == std::string::npos);
}

TEST_CASE("trainer: data that does not fit the model fails when run starts, not after an epoch", "[infer][trainer]") {
    const Eigen::MatrixXf x = binary_pixels(96, 16), x_short = binary_pixels(40, 17).topRows(15);
    small_cat_vae model;
    auto objective = elbo(model.model());
    trainer fit{objective, annealed(2)};
    std::ostringstream lines;
    CHECK_THROWS_WITH(fit.run({{"x", x}}, {{"x", x_short}}, lines),
                      Catch::Contains("test input 'x' has 15 rows and the training input 16"));
    CHECK(fit.epochs_done() == 0);
    CHECK(lines.str().empty());
    CHECK(fit.optimiser().steps() == 0);
}

TEST_CASE("trainer: dynamic binarization, redrawn per epoch for training and once for the test set", "[infer][trainer]") {
    // intensities 0.3 everywhere: with binary pixels every (x - 1/2)^2 is exactly 1/4
    const Eigen::MatrixXf x = Eigen::MatrixXf::Constant(4, 64, 0.3f), x_test = Eigen::MatrixXf::Constant(4, 20, 0.3f);
    parameter p{"p", 1, 1};
    auto objective = minimize(batch_mean(column_sum(square(input<"x">() - 0.5))) + sum(square(param(p))));
    trainer fit{objective, {.epochs = 2, .batch = 16, .progress = false, .transform = dynamic_binarization("x")}};
    std::ostringstream lines;
    const auto records = fit.run({{"x", x}}, {{"x", x_test}}, lines);
    CHECK(records.back().train_loss == 1.0);  // 4 pixels of 1/4; p stays 0
    CHECK(records.back().test_neg_elbo == 1.0);
    Eigen::MatrixXf expected = x_test;
    random_stream fixed{20261127, 7};
    binarize(expected, expected, fixed);
    CHECK(fit.test_input("x") == expected);  // the same whatever the run's seed
    CHECK_THROWS_WITH((trainer{objective, {.transform = dynamic_binarization("pixels")}}.run({{"x", x}}, lines)),
                      Catch::Contains("changes input 'pixels'"));
}

TEST_CASE("trainer: the gradient variance is measured without changing training; -log p(x) after the last epoch", "[infer][trainer]") {
    const Eigen::MatrixXf x = binary_pixels(64, 18), x_test = binary_pixels(30, 19);
    const auto run = [&](std::int64_t every) {
        small_cat_vae model;
        auto objective = elbo(model.model());
        trainer_options options = annealed(2);
        options.variance = {.every = every, .draws = 4, .parameters = {&model.enc.weight, &model.enc.bias}};
        options.likelihood_samples = 8, options.likelihood_points = 20;
        std::ostringstream lines;
        trainer{objective, options}.run({{"x", x}}, {{"x", x_test}}, lines);
        return without_seconds(lines.str());
    };
    const std::string plain = run(0), measured = run(3);
    // 8 steps: measured before steps 0, 3 and 6
    CHECK(std::regex_search(measured, std::regex("^grad_variance step=0 site=c estimator=gumbel_softmax value=[0-9.e-]+\n")));
    CHECK(measured.find("grad_variance step=6 ") != std::string::npos);
    CHECK(std::regex_replace(measured, std::regex("grad_variance [^\n]*\n"), "") == plain);
    CHECK(std::regex_search(plain, std::regex("\ntest_neg_log_likelihood=[0-9.]+ samples=8 points=20\n")));
}

TEST_CASE("trainer: data drawn afresh each step, lines every N steps, and a resume", "[infer][trainer]") {
    // y = 3 x + 1 from fresh x each step, by least squares
    parameter a{"a", 1, 1}, b{"b", 1, 1};
    auto objective = minimize(batch_mean(square(param(a) * input<"x">() + param(b) - input<"y">())));
    const auto draw = [](std::vector<Eigen::MatrixXf>& in, Eigen::Index points, random_stream& rng) {
        in[0].resize(1, points), in[1].resize(1, points);
        for (Eigen::Index j = 0; j < points; ++j) in[0](0, j) = static_cast<float>(rng.normal()), in[1](0, j) = 3 * in[0](0, j) + 1;
    };
    const std::string file = temporary_file("generated.ppl");
    std::ostringstream lines;
    trainer fit{objective, {.batch = 8, .adam = {.lr = 0.1}, .checkpoint = file, .progress = false}};
    const auto records = fit.run(generated_data{.inputs = {"x", "y"}, .draw = draw, .steps = 300, .steps_per_epoch = 140}, lines);
    REQUIRE(records.size() == 3);
    CHECK(records.back().steps == 300);
    CHECK(std::regex_search(lines.str(), std::regex("^step=140 train_loss=[0-9.e-]+ seconds=[0-9.]+\nstep=280 [^\n]*\nstep=300 ")));
    CHECK(std::abs(a.value(0, 0) - 3) < 0.05);
    CHECK(std::abs(b.value(0, 0) - 1) < 0.05);

    // 210 steps (inside the second epoch), then a resume to 300: the lines and numbers of the unbroken run
    const float a_unbroken = a.value(0, 0), b_unbroken = b.value(0, 0);
    a.value.setZero(), b.value.setZero();
    const std::string broken = temporary_file("generated_broken.ppl");
    std::ostringstream broken_lines;
    trainer{objective, {.batch = 8, .adam = {.lr = 0.1}, .checkpoint = broken, .progress = false}}.run(
        generated_data{.inputs = {"x", "y"}, .draw = draw, .steps = 210, .steps_per_epoch = 140}, broken_lines);
    const auto resumed = trainer{objective, {.batch = 8, .adam = {.lr = 0.1}, .checkpoint = broken, .resume = true, .progress = false}}.run(
        generated_data{.inputs = {"x", "y"}, .draw = draw, .steps = 300, .steps_per_epoch = 140}, broken_lines);
    REQUIRE(resumed.size() == 2);
    CHECK(resumed[0].steps == 280);  // the epoch ends where the unbroken run's did
    CHECK(std::regex_search(broken_lines.str(), std::regex("^step=140 [^\n]*\nstep=210 [^\n]*\nstep=280 [^\n]*\nstep=300 ")));
    CHECK(a.value(0, 0) == a_unbroken);
    CHECK(b.value(0, 0) == b_unbroken);
}

TEST_CASE("trainer: limit, threads, and a checkpoint of another model", "[infer][trainer]") {
    const Eigen::MatrixXf x = binary_pixels(96, 20), x_test = binary_pixels(20, 21);
    small_cat_vae model;
    auto objective = elbo(model.model());
    trainer_options options = annealed(1, temporary_file("limited.ppl"));
    options.limit = 32, options.threads = 1;
    trainer fit{objective, options};
    std::ostringstream lines;
    fit.run({{"x", x}}, {{"x", x_test}}, lines);
    CHECK(fit.optimiser().steps() == 2);  // 32 of 96 points in batches of 16
    // the regression's parameters are not the VAE's
    regression r;
    auto other = elbo(elbo_settings{.dataset_size = 120}, r.model());
    CHECK_THROWS_WITH((trainer{other, {.checkpoint = options.checkpoint, .resume = true}}),
                      Catch::Contains("holds the parameters {enc.weight enc.bias dec.weight dec.bias}"));
    CHECK_THROWS_WITH((trainer{objective, {.likelihood_samples = 4}}.run({{"x", x}}, lines)), Catch::Contains("needs a test set"));
    // a KL warm-up needs an ELBO's KL terms
    random_stream init{8};
    dense enc{16, 3, init, "enc"}, dec{3, 16, init, "dec"};
    auto xs = data<"x">();
    auto bound = iwae(2, observe(bernoulli_logits(dec(sample<"z">(normal(enc(xs), 0.5), std_normal()))), xs));
    CHECK_THROWS_WITH((trainer{bound, {.kl_warmup_epochs = 1}}), Catch::Contains("no KL term to weigh"));
}

namespace {

// Four binary prototypes with bits flipped at rate 0.1; point j has class j mod 4. Returns the images,
// their one-hot labels and a mask of `observed` (0 or 1) for every point.
struct prototype_data {
    Eigen::MatrixXf x, y, mask;
};
prototype_data prototype_points(Eigen::Index n, float observed, std::uint64_t seed) {
    random_stream rng{seed}, shapes{99};
    Eigen::MatrixXf prototypes(12, 4);
    for (Eigen::Index i = 0; i < prototypes.size(); ++i) prototypes(i) = shapes.uniform() < 0.5 ? 1.0f : 0.0f;
    prototype_data d{Eigen::MatrixXf(12, n), Eigen::MatrixXf::Zero(4, n), Eigen::MatrixXf::Constant(1, n, observed)};
    for (Eigen::Index j = 0; j < n; ++j) {
        d.y(j % 4, j) = 1;
        for (Eigen::Index r = 0; r < 12; ++r) d.x(r, j) = rng.uniform() < 0.1 ? 1.0f - prototypes(r, j % 4) : prototypes(r, j % 4);
    }
    return d;
}

}  // namespace

TEST_CASE("trainer: a labelled set joins every step (semi-supervised), and names the classes", "[infer][trainer]") {
    random_stream init{21};
    dense enc{12, 4, init, "enc"}, dec{4, 12, init, "dec"};
    auto x = data<"x">();
    auto y = sample<"y", enumerate>(partly_observed<"y">(categorical(enc(x), 1), 1.0), uniform_categorical());
    auto objective = elbo(observe(bernoulli_logits(dec(y)), x));
    // the unlabelled points' labels are unknown: zeros, masked out
    prototype_data train = prototype_points(400, 0, 1), labelled = prototype_points(8, 1, 2), test = prototype_points(200, 0, 3);
    train.y.setZero();
    const Eigen::MatrixXf test_labels = test.y;
    test.y.setZero();
    trainer fit{objective, {.epochs = 30, .batch = 40, .seed = 3, .adam = {.lr = 0.05}, .progress = false, .labelled_batch = 4}};
    std::ostringstream lines;
    const auto epochs = fit.run({{"x", train.x}, {"y", train.y}, {"y_observed", train.mask}},
                                {{"x", labelled.x}, {"y", labelled.y}, {"y_observed", labelled.mask}},
                                {{"x", test.x}, {"y", test.y}, {"y_observed", test.mask}}, lines);
    REQUIRE(epochs.size() == 30);
    CHECK(epochs.back().steps == 300);  // an epoch is a pass over the unlabelled set: 400 / 40 steps
    CHECK(epochs.back().test_neg_elbo < epochs.front().test_neg_elbo);
    // two labelled points per class name the clusters: q(y | x) classifies the test set
    graph classify{sum(let<"logits">(enc(input<"x">())))};
    classify.set<"x">(test.x);
    classify.forward();
    const Eigen::MatrixXf& logits = classify.value<"logits">();
    double correct = 0;
    for (Eigen::Index j = 0; j < test.x.cols(); ++j) {
        Eigen::Index predicted = 0, actual = 0;
        logits.col(j).maxCoeff(&predicted);
        test_labels.col(j).maxCoeff(&actual);
        correct += predicted == actual;
    }
    CHECK(correct / static_cast<double>(test.x.cols()) > 0.95);

    // what a labelled set must match
    trainer wrong{objective, {.epochs = 1, .batch = 40, .progress = false, .labelled_batch = 9}};
    CHECK_THROWS_WITH(wrong.run({{"x", train.x}, {"y", train.y}, {"y_observed", train.mask}},
                                {{"x", labelled.x}, {"y", labelled.y}, {"y_observed", labelled.mask}},
                                {{"x", test.x}, {"y", test.y}, {"y_observed", test.mask}}, lines),
                      Catch::Contains("labelled_batch is 9 but the labelled set holds 8 points"));
    trainer none{objective, {.epochs = 1, .batch = 40, .progress = false}};
    CHECK_THROWS_WITH(none.run({{"x", train.x}, {"y", train.y}, {"y_observed", train.mask}},
                               {{"x", labelled.x}, {"y", labelled.y}, {"y_observed", labelled.mask}},
                               {{"x", test.x}, {"y", test.y}, {"y_observed", test.mask}}, lines),
                      Catch::Contains("labelled_batch >= 1"));
    trainer swapped{objective, {.epochs = 1, .batch = 40, .progress = false, .labelled_batch = 4}};
    CHECK_THROWS_WITH(swapped.run({{"x", train.x}, {"y", train.y}, {"y_observed", train.mask}},
                                  {{"x", labelled.x}, {"y_observed", labelled.mask}, {"y", labelled.y}},
                                  {{"x", test.x}, {"y", test.y}, {"y_observed", test.mask}}, lines),
                      Catch::Contains("same order"));
    CHECK_THROWS_WITH((trainer{objective, {.labelled_batch = -1}}), Catch::Contains("labelled_batch is -1"));
}
