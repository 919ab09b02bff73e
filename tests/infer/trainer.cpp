// Tests include/ppl/infer/trainer.hpp: epoch lines, evaluation, bit-identical resume (with the
// estimators' baselines and the iterate average), and its errors.
#include <catch2/catch.hpp>

#include <filesystem>
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
