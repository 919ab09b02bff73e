// Bayesian linear regression with a hierarchical prior on the weights, fitted by variational
// inference with a free mean-field guide, and checked against the exact posterior.
//   bayesian_regression --epochs 3000 --batch 100 --lr 0.01 --seed 0 --check yes
//
// The data set is synthetic and documented here, so that the exact posterior is known:
//   N = 1000 training and 250 test points, D = 8 features x ~ N(0, I) (data seed 2024, fixed),
//   w* = (1.5, -2, 0.8, 0.4, 3, -0.6, 1.2, -1), y = w*^T x + e with e ~ N(0, 0.5^2).
// The model, every site global (one draw for the whole data set):
//   log_scale ~ N(0, 1),  w | log_scale ~ N(0, exp(log_scale)^2 I),  y_i ~ N(w^T x_i, 0.5^2).
// The guide, free parameters only: q(log_scale) = N(a, softplus(b)), q(w) = N(m, softplus(r)).
#include <Eigen/Cholesky>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <ppl/ppl.hpp>

#include "support/example.hpp"

using namespace ppl;

namespace {

constexpr Eigen::Index features = 8, train_points = 1000, test_points = 250;
constexpr double noise_sd = 0.5;
constexpr std::uint64_t data_seed = 2024;

struct data_set {
    Eigen::MatrixXf x_train, y_train, x_test, y_test;
};

// The synthetic data set above; the same on every run, whatever --seed says.
data_set make_data() {
    const Eigen::VectorXd true_weights = (Eigen::VectorXd(features) << 1.5, -2, 0.8, 0.4, 3, -0.6, 1.2, -1).finished();
    random_stream rng{data_seed};
    const auto draw = [&](Eigen::Index n, Eigen::MatrixXf& x, Eigen::MatrixXf& y) {
        x.resize(features, n), y.resize(1, n);
        for (Eigen::Index j = 0; j < n; ++j) {
            double mean = 0;
            for (Eigen::Index d = 0; d < features; ++d) {
                x(d, j) = static_cast<float>(rng.normal());
                mean += true_weights(d) * x(d, j);
            }
            y(0, j) = static_cast<float>(mean + noise_sd * rng.normal());
        }
    };
    data_set data;
    draw(train_points, data.x_train, data.y_train);
    draw(test_points, data.x_test, data.y_test);
    return data;
}

// The guide's free parameters and the model that reads them.
struct regression {
    parameter scale_loc{"log_scale.loc", 1, 1}, scale_raw{"log_scale.raw", 1, 1};
    parameter weight_loc{"w.loc", features, 1}, weight_raw{"w.raw", features, 1};

    regression() {
        // q starts at N(0, 0.1^2) in every coordinate (softplus(-2.2522) = 0.1), as Pyro's AutoNormal does
        scale_raw.value.setConstant(-2.2522f);
        weight_raw.value.setConstant(-2.2522f);
    }

    auto model() {
        auto x = input<"x">();
        auto log_scale = sample<"log_scale", global>(normal(param(scale_loc), softplus(param(scale_raw))), std_normal());
        auto w = sample<"w", global>(normal(param(weight_loc), softplus(param(weight_raw))), normal(0.0, exp(log_scale)));
        return observe(normal(column_sum(w * x), noise_sd), data<"y">());
    }
};

struct moments {
    Eigen::VectorXd mean, sd;
};

// The exact posterior of w and log_scale. Given s = exp(log_scale), w is Gaussian:
//   A = X X^T / sigma^2 + I / s^2,  w | s, y ~ N(A^-1 X y / sigma^2, A^-1),
// and p(log_scale | y) is proportional to N(log_scale; 0, 1) N(y; 0, sigma^2 I + s^2 X^T X), whose
// log determinant and quadratic form follow from A (matrix determinant lemma and Woodbury). The
// marginal moments integrate over log_scale on a fine grid.
std::pair<moments, moments> exact_posterior(const Eigen::MatrixXf& x_float, const Eigen::MatrixXf& y_float) {
    const Eigen::MatrixXd x = x_float.cast<double>();
    const Eigen::VectorXd y = y_float.row(0).transpose().cast<double>();
    const double var = noise_sd * noise_sd, n = static_cast<double>(x.cols());
    const Eigen::MatrixXd gram = x * x.transpose() / var;
    const Eigen::VectorXd xy = x * y / var;
    const int grid = 4001;
    const double low = -8, high = 8, step = (high - low) / (grid - 1);
    std::vector<double> log_weight(grid);
    std::vector<Eigen::VectorXd> mean(grid), variance(grid);
    for (int g = 0; g < grid; ++g) {
        const double t = low + step * g, s2 = std::exp(2 * t);
        const Eigen::MatrixXd a = gram + Eigen::MatrixXd::Identity(features, features) / s2;
        const Eigen::LLT<Eigen::MatrixXd> llt(a);
        mean[g] = llt.solve(xy);
        variance[g] = llt.solve(Eigen::MatrixXd::Identity(features, features)).diagonal();
        const double log_det_a = 2 * llt.matrixLLT().diagonal().array().log().sum();
        const double log_det_c = n * std::log(var) + features * std::log(s2) + log_det_a;
        const double quadratic = y.squaredNorm() / var - xy.dot(mean[g]);
        log_weight[g] = -0.5 * t * t - 0.5 * (quadratic + log_det_c);
    }
    const double top = *std::max_element(log_weight.begin(), log_weight.end());
    double total = 0, scale_mean = 0, scale_square = 0;
    Eigen::VectorXd w_mean = Eigen::VectorXd::Zero(features), w_square = Eigen::VectorXd::Zero(features);
    for (int g = 0; g < grid; ++g) {
        const double p = std::exp(log_weight[g] - top), t = low + step * g;
        total += p, scale_mean += p * t, scale_square += p * t * t;
        w_mean += p * mean[g];
        w_square += p * (variance[g] + mean[g].cwiseAbs2());
    }
    w_mean /= total, w_square /= total, scale_mean /= total, scale_square /= total;
    moments w{w_mean, (w_square - w_mean.cwiseAbs2()).cwiseSqrt()};
    moments scale{Eigen::VectorXd::Constant(1, scale_mean), Eigen::VectorXd::Constant(1, std::sqrt(scale_square - scale_mean * scale_mean))};
    return {w, scale};
}

double softplus_of(float raw) { return std::log1p(std::exp(static_cast<double>(raw))); }

int run(const examples::settings& s, bool check, process_group* processes) {
    regression r;
    auto objective = elbo(elbo_settings{.dataset_size = train_points}, r.model());
    if (s.describe) {
        std::cout << objective.describe();
        return 0;
    }
    const int epochs = s.trainer.epochs;
    if (s.trainer.batch < 1 || s.trainer.batch > train_points)
        fail("--batch is ", s.trainer.batch, "; it must lie in [1, ", train_points, "] (the training set's size)");
    const data_set data = make_data();
    // the library's training loop; the guide it leaves is the average of the last quarter's iterates
    trainer_options options = s.for_trainer(processes);
    options.average_from = epochs - std::max(1, epochs / 4) + 1;
    options.progress = false;  // an epoch is 10 steps: a bar per epoch would only be noise
    options.decimals = 4;
    trainer fit{objective, options};
    fit.run({{"x", data.x_train}, {"y", data.y_train}}, {{"x", data.x_test}, {"y", data.y_test}});
    if (epochs == 0 || !fit.is_root()) return 0;  // rank 0 reports
    const auto [w_exact, scale_exact] = exact_posterior(data.x_train, data.y_train);
    double worst_mean = 0, worst_sd = 0;
    std::ostringstream table;
    table << "name,vi_mean,vi_sd,exact_mean,exact_sd\n";
    for (Eigen::Index d = 0; d < features; ++d) {
        const double mean = r.weight_loc.value(d, 0), sd = softplus_of(r.weight_raw.value(d, 0));
        // relative to the mean's size, or to the posterior sd where the mean is near 0 (w*_3 = 0)
        const double mean_error = std::abs(mean - w_exact.mean(d)) / std::max(std::abs(w_exact.mean(d)), w_exact.sd(d));
        const double sd_error = std::abs(sd - w_exact.sd(d)) / w_exact.sd(d);
        worst_mean = std::max(worst_mean, mean_error), worst_sd = std::max(worst_sd, sd_error);
        std::cout << std::setprecision(5) << "posterior site=w[" << d << "] mean=" << mean << " sd=" << sd
                  << " exact_mean=" << w_exact.mean(d) << " exact_sd=" << w_exact.sd(d) << '\n';
        table << "w[" << d << "]," << mean << ',' << sd << ',' << w_exact.mean(d) << ',' << w_exact.sd(d) << '\n';
    }
    const double scale_mean = r.scale_loc.value(0, 0), scale_sd = softplus_of(r.scale_raw.value(0, 0));
    std::cout << "posterior site=log_scale mean=" << scale_mean << " sd=" << scale_sd << " exact_mean=" << scale_exact.mean(0)
              << " exact_sd=" << scale_exact.sd(0) << '\n';
    table << "log_scale," << scale_mean << ',' << scale_sd << ',' << scale_exact.mean(0) << ',' << scale_exact.sd(0) << '\n';
    const bool pass = worst_mean <= 0.05 && worst_sd <= 0.10;
    std::cout << std::setprecision(2) << "posterior_check weights max_mean_error=" << 100 * worst_mean
              << "% max_sd_error=" << 100 * worst_sd << "% limits=5%,10% " << (pass ? "pass" : "fail") << std::endl;
    if (!s.out.empty()) {
        const std::filesystem::path file = std::filesystem::path(s.out) / "posterior.csv", partial = file.string() + ".partial";
        {
            std::ofstream out(partial);
            out << table.str();
            if (!out) fail("cannot write ", partial.string());
        }
        std::filesystem::rename(partial, file);  // atomic: a reader never sees half a table
        std::cout << "wrote " << file.string() << '\n';
    }
    return check && !pass ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
    examples::settings s;
    s.trainer.epochs = 3000, s.trainer.batch = 100, s.trainer.adam.lr = 0.01;
    std::string check = "no";
    examples::command_line flags("Bayesian linear regression (hierarchical prior, free mean-field guide) on a documented "
                                 "synthetic data set, checked against the exact posterior",
                                 s, examples::run_flags | examples::describe_flag);
    flags.add_option("--check", check, "exit 1 unless the weights' posterior means are within 5% and scales within 10%", {"yes", "no"});
    if (const auto status = flags.parse(argc, argv)) return *status;
    return examples::run([&](process_group* processes) { return run(s, check == "yes", processes); });
}
