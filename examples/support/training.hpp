#pragma once
// The training driver the VAE examples share: flags, data, the epoch loop with progress and
// epoch lines, evaluation, pictures and atomic checkpoints with bit-identical resume.
//
// Only the loop that calls the model is a template. Everything that does not depend on the
// model's type (the command line, data, the optimiser, checkpoints, pictures) is compiled once,
// into the ppl_example_support library, so that an example's own file compiles little beyond
// its model.
#include <Eigen/Core>
#include <chrono>
#include <cstdint>
#include <iostream>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <ppl/ppl.hpp>

namespace CLI {
class App;
}

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

/// A training example's command line: the shared flags of train_options, plus the example's own.
class command_line {
public:
    command_line(const std::string& description, train_options& options);
    ~command_line();
    command_line(const command_line&) = delete;
    command_line& operator=(const command_line&) = delete;

    /// An option with a value; `choices`, if given, lists the values it accepts.
    void add_option(const std::string& flag, std::string& value, const std::string& help,
                    const std::vector<std::string>& choices = {});
    void add_option(const std::string& flag, double& value, const std::string& help);
    void add_option(const std::string& flag, std::int64_t& value, const std::string& help);

    /// Parses the arguments. Returns the exit status when the program should stop here (after
    /// --help, or with a message for a bad flag), nothing when it should go on.
    [[nodiscard]] std::optional<int> parse(int argc, char** argv);

private:
    std::unique_ptr<CLI::App> app_;
};

/// Everything of a training run that does not depend on the model's type: the data, the Adam
/// optimiser, the random streams, progress output, epoch lines, checkpoints and pictures.
class training_session {
public:
    /// Loads the data and, with --resume, the checkpoint (parameters, optimiser, streams, baselines).
    training_session(const train_options& options, std::vector<parameter*> params, std::span<baseline_state> baselines);
    ~training_session();
    training_session(const training_session&) = delete;
    training_session& operator=(const training_session&) = delete;

    [[nodiscard]] int first_epoch() const { return first_epoch_; }
    [[nodiscard]] Eigen::Index steps_per_epoch() const;
    /// Optimiser steps taken so far, over all epochs (the temperature schedule's clock).
    [[nodiscard]] std::int64_t steps() const;

    /// Shuffles the training set and starts the epoch's clock and progress bar.
    void begin_epoch(int epoch);
    /// The k-th training batch of this epoch, and the noise stream of the training steps.
    [[nodiscard]] const Eigen::MatrixXf& train_batch(Eigen::Index k);
    [[nodiscard]] random_stream& noise() { return noise_rng_; }
    /// The step's settings: the temperature, and the KL weight of --kl-warmup.
    [[nodiscard]] step_options settings(double tau) const;
    /// Takes the Adam step on the gradients just computed, and updates the progress bar.
    void finish_step(double neg_elbo);

    /// The test set in batches, with a noise stream of its own per epoch, so that evaluation
    /// never changes training.
    [[nodiscard]] Eigen::Index test_batch_count() const;
    [[nodiscard]] Eigen::Map<const Eigen::MatrixXf> test_batch(Eigen::Index k) const;
    [[nodiscard]] random_stream evaluation_stream(int epoch) const;

    /// Prints the epoch line (tau only when the model has relaxed sites) and writes the checkpoint.
    void end_epoch(int epoch, double test_neg_elbo_total, std::optional<double> tau);

    /// Pictures, written when --out is given: test images with their reconstructions, and
    /// decoded samples from the prior.
    [[nodiscard]] bool wants_pictures() const;
    [[nodiscard]] Eigen::MatrixXf picture_originals() const;
    [[nodiscard]] random_stream picture_stream() const;
    void write_pictures(const Eigen::MatrixXf& originals, const Eigen::MatrixXf& reconstructions,
                        const Eigen::MatrixXf& samples) const;

private:
    struct state;
    std::unique_ptr<state> state_;
    random_stream noise_rng_;
    int first_epoch_ = 0;
};

/// Trains `model` as the options say. The model provides: train and test objectives (sharing
/// parameters), uses_temperature, temperature(step), reconstruct(images, rng) and
/// sample_images(count, rng).
template <class Model>
int train(Model& model, const train_options& options) {
    if (options.describe) {
        std::cout << model.train.describe();
        return 0;
    }
    training_session session(options, model.train.parameters(), model.train.baselines());
    for (int epoch = session.first_epoch(); epoch < options.epochs; ++epoch) {
        session.begin_epoch(epoch);
        double tau = 1;
        for (Eigen::Index k = 0; k < session.steps_per_epoch(); ++k) {
            tau = model.temperature(session.steps());
            const step_result r = model.train.value_and_grad(session.train_batch(k), session.noise(), session.settings(tau));
            session.finish_step(r.neg_elbo);
        }
        random_stream evaluation = session.evaluation_stream(epoch);
        double test_total = 0;
        for (Eigen::Index k = 0; k < session.test_batch_count(); ++k)
            test_total += model.test.forward(session.test_batch(k), evaluation, {.tau = tau}).neg_elbo;
        session.end_epoch(epoch, test_total, model.uses_temperature ? std::optional<double>(tau) : std::nullopt);
    }
    if (session.wants_pictures()) {
        random_stream pictures = session.picture_stream();
        const Eigen::MatrixXf originals = session.picture_originals();
        const Eigen::MatrixXf reconstructions = model.reconstruct(originals, pictures);
        session.write_pictures(originals, reconstructions, model.sample_images(64, pictures));
    }
    return 0;
}

/// Runs main's body, turning ppl::error into a message and exit status 1.
int guarded_main(int (*body)(void*), void* context);
template <class Body>
int guarded_main(Body body) {
    return guarded_main([](void* b) { return (*static_cast<Body*>(b))(); }, &body);
}

}  // namespace ppl::examples
