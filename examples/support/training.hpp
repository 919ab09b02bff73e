#pragma once
// The training driver the two VAE examples share: flags, data, the epoch loop with progress and
// epoch lines, evaluation, pictures and atomic checkpoints with bit-identical resume.
#include <CLI/CLI.hpp>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <bit>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <string>

#include <ppl/ppl.hpp>

#include "support/image_grid.hpp"

namespace ppl::examples {

/// The flags of SPEC section 8, plus a few for tests and tuning.
struct train_options {
    int epochs = 10;
    Eigen::Index batch = 128;
    std::uint64_t seed = 0;
    int threads = 1;
    std::string data = fashion_mnist_default_dir;
    std::string out;
    bool resume = false;
    bool describe = false;
    Eigen::Index limit = 0;  // use only the first N training images (0: all)
    double lr = 1e-3;
    double kl_warmup = 0;    // epochs over which beta rises linearly from 0 to 1 (0: off)
};

inline void add_training_flags(CLI::App& app, train_options& o) {
    app.add_option("--epochs", o.epochs, "Training epochs")->check(CLI::NonNegativeNumber);
    app.add_option("--batch", o.batch, "Batch size");
    app.add_option("--seed", o.seed, "Seed for initialisation, shuffling and noise");
    app.add_option("--threads", o.threads, "Threads for matrix products");
    app.add_option("--data", o.data, "Folder with the four Fashion-MNIST .gz files");
    app.add_option("--out", o.out, "Folder for PNG grids and the checkpoint");
    app.add_flag("--resume", o.resume, "Continue from the checkpoint in --out");
    app.add_flag("--describe", o.describe, "Print one line per random site and exit");
    app.add_option("--limit", o.limit, "Train on the first N images only (0: all)");
    app.add_option("--lr", o.lr, "Adam learning rate");
    app.add_option("--kl-warmup", o.kl_warmup, "Epochs over which the KL weight rises from 0 to 1");
}

/// Progress within an epoch on stderr: redrawn in place on a terminal, every quarter otherwise.
class progress {
public:
    progress(int epoch, Eigen::Index total) : epoch_(epoch), total_(total), terminal_(isatty(STDERR_FILENO) != 0) {}
    void update(Eigen::Index done, double running_neg_elbo) {
        const Eigen::Index quarter = std::max<Eigen::Index>(total_ / 4, 1);
        if (!terminal_ && done % quarter != 0 && done != total_) return;
        const int width = 30, filled = static_cast<int>(width * done / total_);
        std::cerr << (terminal_ ? "\r" : "") << "  epoch " << epoch_ << " [" << std::string(static_cast<std::size_t>(filled), '#')
                  << std::string(static_cast<std::size_t>(width - filled), '.') << "] " << done << "/" << total_
                  << " batches, neg_elbo " << std::fixed << std::setprecision(2) << running_neg_elbo << std::defaultfloat
                  << (terminal_ ? "" : "\n") << std::flush;
        if (terminal_ && done == total_) std::cerr << "\r" << std::string(90, ' ') << "\r" << std::flush;
    }

private:
    int epoch_;
    Eigen::Index total_;
    bool terminal_;
};

/// Saves the baselines' state as text (bit patterns, so a resume continues exactly).
template <class States>
std::string baselines_text(const States& states) {
    std::ostringstream out;
    for (const auto& s : states) out << std::bit_cast<std::uint64_t>(s.value) << ' ' << s.started << ' ';
    return out.str();
}
template <class States>
void restore_baselines(const std::string& text, States& states) {
    std::istringstream in(text);
    for (auto& s : states) {
        std::uint64_t bits = 0;
        in >> bits >> s.started;
        s.value = std::bit_cast<double>(bits);
    }
}

/// Trains `model` as the options say. The model provides: train and test objectives (sharing
/// parameters), parameters(), temperature(step), describe(), and write_samples(path, rng).
template <class Model>
int train(Model& model, const train_options& o) {
    if (o.describe) {
        std::cout << model.train.describe();
        return 0;
    }
    if (o.batch < 1) fail("--batch ", o.batch, " must be at least 1");
    if (!std::isfinite(o.lr) || o.lr <= 0) fail("learning rate --lr is ", o.lr, "; it must be a positive finite number");
    set_threads(o.threads);
    if (!o.out.empty()) std::filesystem::create_directories(o.out);
    const std::string checkpoint_path = o.out.empty() ? "" : (std::filesystem::path(o.out) / "checkpoint.ppl").string();

    fashion_mnist data = load_fashion_mnist(o.data);
    if (o.limit > 0 && o.limit < data.train_images.cols())
        data.train_images = data.train_images.leftCols(o.limit).eval();
    std::cerr << "data: " << data.train_images.cols() << " training and " << data.test_images.cols()
              << " test images from " << o.data << "\n";

    auto params = model.train.parameters();
    adam optimiser{params, {.lr = o.lr}};
    random_stream shuffle_rng{o.seed, 1}, noise_rng{o.seed, 2};
    int first_epoch = 0;
    if (o.resume) {
        if (checkpoint_path.empty()) fail("--resume needs --out, the folder that holds checkpoint.ppl");
        const checkpoint c = load_checkpoint(checkpoint_path);
        restore_training_state(c, params, optimiser);
        std::istringstream(c.value("rng.shuffle")) >> shuffle_rng;
        std::istringstream(c.value("rng.noise")) >> noise_rng;
        restore_baselines(c.value("baselines"), model.train.baselines());
        first_epoch = std::stoi(c.value("epoch"));
        std::cerr << "resumed from " << checkpoint_path << " after epoch " << first_epoch << "\n";
    }

    batches train_batches(data.train_images, o.batch);
    const Eigen::Index test_batch = std::min<Eigen::Index>(500, data.test_images.cols());
    const Eigen::Index test_count = data.test_images.cols() / test_batch;
    const Eigen::Index steps_per_epoch = train_batches.count();
    for (int epoch = first_epoch; epoch < o.epochs; ++epoch) {
        const auto start = std::chrono::steady_clock::now();
        train_batches.shuffle(shuffle_rng);
        progress bar(epoch + 1, steps_per_epoch);
        double total = 0, tau = 1;
        for (Eigen::Index k = 0; k < steps_per_epoch; ++k) {
            tau = model.temperature(optimiser.steps());
            const double warm = o.kl_warmup > 0 ? double(optimiser.steps() + 1) / (o.kl_warmup * double(steps_per_epoch)) : 1.0;
            const step_result r = model.train.value_and_grad(train_batches.get(k), noise_rng, {.tau = tau, .beta = std::min(1.0, warm)});
            optimiser.step();
            total += r.neg_elbo;
            bar.update(k + 1, total / double(k + 1));
        }
        // test set: its own noise stream per epoch, so evaluation never changes training
        random_stream eval_rng{o.seed + 1000003ull * std::uint64_t(epoch + 1), 3};
        double test_total = 0;
        for (Eigen::Index k = 0; k < test_count; ++k)
            test_total += model.test.forward(data.test_images.middleCols(k * test_batch, test_batch), eval_rng, {.tau = tau}).neg_elbo;
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        std::cout << "epoch=" << epoch + 1 << " train_neg_elbo=" << std::fixed << std::setprecision(3)
                  << total / double(steps_per_epoch) << " test_neg_elbo=" << test_total / double(test_count)
                  << " tau=" << std::setprecision(4) << (model.uses_temperature ? tau : 0.0) << " seconds=" << std::setprecision(2)
                  << seconds << std::defaultfloat << std::endl;
        if (!checkpoint_path.empty()) {
            checkpoint c;
            store_training_state(c, params, optimiser);
            std::ostringstream s1, s2;
            s1 << shuffle_rng;
            s2 << noise_rng;
            c.text["rng.shuffle"] = s1.str();
            c.text["rng.noise"] = s2.str();
            c.text["baselines"] = baselines_text(model.train.baselines());
            c.text["epoch"] = std::to_string(epoch + 1);
            save_checkpoint(checkpoint_path, c);
        }
    }
    if (!o.out.empty()) {
        const Eigen::Index shown = std::min<Eigen::Index>(32, data.test_images.cols());
        const Eigen::MatrixXf originals = data.test_images.leftCols(shown);
        random_stream picture_rng{o.seed, 4};
        const Eigen::MatrixXf reconstructions = model.reconstruct(originals, picture_rng);
        Eigen::MatrixXf pairs(784, 2 * shown);  // rows alternate: originals, then their reconstructions
        for (Eigen::Index k = 0; k < shown; ++k) {
            pairs.col((k / 8) * 16 + k % 8) = originals.col(k);
            pairs.col((k / 8) * 16 + 8 + k % 8) = reconstructions.col(k);
        }
        const auto dir = std::filesystem::path(o.out);
        write_image_grid((dir / "reconstructions.png").string(), pairs, 28, static_cast<int>(2 * ((shown + 7) / 8)), 8);
        write_image_grid((dir / "samples.png").string(), model.sample_images(64, picture_rng), 28, 8, 8);
        std::cerr << "pictures: " << (dir / "reconstructions.png").string() << " (odd rows: test images, even rows: "
                  << "reconstructions) and " << (dir / "samples.png").string() << " (decoded prior samples)\n"
                  << "checkpoint: " << checkpoint_path << "\n";
    }
    return 0;
}

/// Runs main's body, turning ppl::error and CLI errors into a message and exit status 1.
template <class Body>
int guarded_main(Body body) {
    try {
        return body();
    } catch (const ppl::error& e) {
        std::cerr << "error: " << e.what() << "\n";
        return 1;
    }
}

}  // namespace ppl::examples
