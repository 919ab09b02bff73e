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
#include <utility>
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
    bool binarize = false;   // pixels ~ Bernoulli(intensity): redrawn each epoch for training, once for the test set
    std::int64_t variance_every = 0;  // every N steps, the variance of the encoder's gradient (0: off)
    int variance_draws = 100;         // M independent gradient estimates per measurement
    Eigen::Index eval_samples = 1000; // K of the final -log p(x) estimate, the IWAE bound (0: skip)
    Eigen::Index eval_images = 0;     // the estimate over the first N test images only (0: all)
};

/// The spread of M gradient estimates of some parameters: per entry, Welford's running mean and
/// sum of squared deviations, then the unbiased variance averaged over all entries.
class gradient_spread {
public:
    explicit gradient_spread(std::vector<parameter*> params);
    /// Records the parameters' current gradients as one estimate.
    void add();
    /// mean over entries of sum_m (g_m - mean)^2 / (M - 1).
    [[nodiscard]] double mean_variance() const;

private:
    std::vector<parameter*> params_;
    std::vector<Eigen::ArrayXXd> mean_, squares_;
    int count_ = 0;
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
    /// --tau0, --tau-min, --anneal-rate and --anneal-every, the settings of a temperature schedule.
    void add_temperature_options(exponential_temperature& schedule);

    /// Parses the arguments. Returns the exit status when the program should stop here (after
    /// --help, or with a message for a bad flag), nothing when it should go on.
    [[nodiscard]] std::optional<int> parse(int argc, char** argv);

private:
    std::unique_ptr<CLI::App> app_;
};

/// An epoch's test-set numbers, per data point.
struct epoch_evaluation {
    double test_neg_elbo = 0;                       // the discrete model's -ELBO (hard samples)
    std::optional<double> test_neg_elbo_relaxed{};  // the relaxed bound, a diagnostic of soft relaxed sites
    std::optional<double> tau{};                    // the temperature, for models with relaxed sites
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
    /// The optimiser, for the step fused into the backward sweep (objective.train_step).
    [[nodiscard]] adam& optimiser();
    /// Processes training this model together (mpirun -np N; 1 without mpirun).
    [[nodiscard]] int processes() const;
    /// This process's columns of a global batch: B / N of them, in the global order.
    [[nodiscard]] Eigen::Map<const Eigen::MatrixXf> process_columns(const Eigen::MatrixXf& batch) const;
    /// With several processes: averages the gradients and the estimators' state over them (one
    /// allreduce), then takes the Adam step every process takes alike.
    void average_and_step();
    /// Counts the step (its Adam update was fused into it) and updates the progress bar.
    void finish_step(double neg_elbo);

    /// The noise of the --variance-every draws at the current step: a stream of its own, so that
    /// measuring never changes training.
    [[nodiscard]] random_stream variance_stream() const;
    /// Prints `grad_variance step=<s> site=<name> estimator=<e> value=<v>`.
    void report_variance(std::string_view site, std::string_view estimator, double value) const;

    /// The test set in batches, with a noise stream of its own per epoch, so that evaluation
    /// never changes training.
    [[nodiscard]] Eigen::Index test_batch_count() const;
    [[nodiscard]] Eigen::Map<const Eigen::MatrixXf> test_batch(Eigen::Index k) const;
    [[nodiscard]] random_stream evaluation_stream(int epoch) const;

    /// The test images of the --eval-samples estimate (the first --eval-images of them, or all):
    /// images first .. first + count - 1.
    [[nodiscard]] Eigen::Index likelihood_image_count() const;
    [[nodiscard]] Eigen::Map<const Eigen::MatrixXf> test_images(Eigen::Index first, Eigen::Index count) const;
    /// The noise of the --eval-samples estimate: a stream of its own.
    [[nodiscard]] random_stream likelihood_stream() const;
    /// Progress of the estimate (done = 0 starts its clock and bar), then its line:
    /// `test_neg_log_likelihood=<v> samples=<K> images=<N> seconds=<s>`.
    void likelihood_progress(Eigen::Index done, double running);
    void report_likelihood(double value);

    /// Prints the epoch line and writes the checkpoint.
    void end_epoch(int epoch, const epoch_evaluation& evaluation);

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

/// The mean -ELBO per test image of `objective`, with the evaluation noise of `epoch`.
template <class Objective>
double evaluate(Objective& objective, const training_session& session, int epoch, step_options settings) {
    random_stream noise = session.evaluation_stream(epoch);
    double total = 0;
    Eigen::Index images = 0;
    for (Eigen::Index k = 0; k < session.test_batch_count(); ++k) {
        const auto batch = session.test_batch(k);
        total += objective.forward(batch, noise, settings).neg_elbo * double(batch.cols());
        images += batch.cols();
    }
    return total / double(std::max<Eigen::Index>(images, 1));
}

/// --variance-every: M gradient estimates of the encoder's parameters on one batch, each with the
/// baselines as they are now (restored after every draw), then the mean per-parameter variance.
template <class Model>
void measure_gradient_variance(Model& model, training_session& session, const Eigen::MatrixXf& batch, step_options settings,
                               const train_options& options) {
    using objective = std::remove_cvref_t<decltype(model.train)>;
    using first_site = at_t<0, typename objective::sites_type>;
    const auto saved = model.train.baselines();
    gradient_spread spread(model.encoder_parameters());
    random_stream noise = session.variance_stream();
    for (int m = 0; m < options.variance_draws; ++m) {
        model.train.value_and_grad(batch, noise, settings);
        spread.add();
        model.train.baselines() = saved;
    }
    session.report_variance(first_site::name, estimator_of<first_site>::name, spread.mean_variance());
}

/// --eval-samples K: the test set's -log p(x), estimated by -L_K, the importance weighted bound with
/// K samples of the discrete model (relaxed sites draw exact samples), as in the estimator papers.
/// Test images go through in chunks of at most 4096 columns (images x K).
template <class Model>
void report_log_likelihood(Model& model, training_session& session, const train_options& options) {
    auto bound = iwae(options.eval_samples, model.model());
    random_stream noise = session.likelihood_stream();
    const Eigen::Index images = session.likelihood_image_count();
    const Eigen::Index chunk = std::max<Eigen::Index>(1, 4096 / options.eval_samples);
    double total = 0;
    session.likelihood_progress(0, 0);
    for (Eigen::Index first = 0; first < images; first += chunk) {
        const Eigen::Index count = std::min(chunk, images - first);
        total += bound.forward(session.test_images(first, count), noise).neg_elbo * double(count);
        session.likelihood_progress(first + count, total / double(first + count));
    }
    session.report_likelihood(total / double(std::max<Eigen::Index>(images, 1)));
}

/// Trains `model` as the options say. The model provides: train and test objectives (sharing
/// parameters), model() (the observation that iwae scores), uses_temperature, temperature(step),
/// reconstruct(images, rng), sample_images(count, rng) and encoder_parameters().
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
            const Eigen::MatrixXf& batch = session.train_batch(k);
            if (options.variance_every > 0 && session.steps() % options.variance_every == 0)
                measure_gradient_variance(model, session, batch, session.settings(tau), options);
            if (session.processes() > 1) {
                // data-parallel: this process's columns, then the averaged gradient's step
                const step_result r = model.train.value_and_grad(session.process_columns(batch), session.noise(), session.settings(tau));
                session.average_and_step();
                session.finish_step(r.neg_elbo);
            } else {
                // Adam steps each parameter inside the backward sweep, as soon as its gradient is final
                const step_result r = model.train.train_step(batch, session.noise(), session.optimiser(), session.settings(tau));
                session.finish_step(r.neg_elbo);
            }
        }
        // the discrete model's bound: relaxed sites draw exact one-hot samples (SPEC section 8)
        epoch_evaluation evaluation{.test_neg_elbo = evaluate(model.test, session, epoch, {.tau = tau, .hard_samples = true})};
        if constexpr (std::remove_cvref_t<decltype(model.test)>::has_soft_sites)
            evaluation.test_neg_elbo_relaxed = evaluate(model.test, session, epoch, {.tau = tau});
        if (model.uses_temperature) evaluation.tau = tau;
        session.end_epoch(epoch, evaluation);
    }
    if (options.eval_samples > 0) report_log_likelihood(model, session, options);
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

/// The processes of this run: N under mpirun -np N (with MPI support), else 1.
[[nodiscard]] int run_processes();
/// This process's rank in the run: 0 without mpirun.
[[nodiscard]] int run_rank();

/// The processes of this run for ppl::trainer (trainer_options::processes): under mpirun -np N
/// with N > 1, the MPI group over `params`; otherwise none (nullptr), and the trainer runs alone.
[[nodiscard]] std::unique_ptr<process_group> trainer_processes(std::vector<parameter*> params);

/// Data-parallel training for an example with a loop of its own (l0_mlp, sort_numbers). Under
/// mpirun -np N, each process takes its share of every global batch and average_gradients()
/// makes every gradient its mean over the processes (one allreduce), so that the Adam step every
/// process then takes keeps the copies identical. On one process every call is free.
class replica_group {
public:
    /// Every process starts from rank 0's values of `params`.
    explicit replica_group(std::vector<parameter*> params);
    ~replica_group();
    replica_group(const replica_group&) = delete;
    replica_group& operator=(const replica_group&) = delete;

    [[nodiscard]] int rank() const;
    [[nodiscard]] int size() const;
    /// Rank 0 prints, evaluates, draws and writes the checkpoint.
    [[nodiscard]] bool root() const { return rank() == 0; }
    /// This process's share [first, first + count) of `global` items; an error (on every process,
    /// before training) when the processes cannot share them equally.
    [[nodiscard]] std::pair<Eigen::Index, Eigen::Index> slice(Eigen::Index global) const;
    /// g <- (sum over processes of g) / N for every parameter's gradient.
    void average_gradients();
    /// The mean over the processes of one number per process (every process gets it).
    [[nodiscard]] double mean(double value) const;
    /// Puts every process's `stream` into rank 0's checkpoint: `key` for rank 0, `key.rank<r>` for
    /// the others, and `processes` when there are several. Every process calls it.
    void store_stream(checkpoint& c, const std::string& key, const random_stream& stream) const;
    /// Continues this process's stream from a checkpoint of store_stream; an error when the
    /// checkpoint was written by a job of another size.
    void restore_stream(const checkpoint& c, const std::string& key, random_stream& stream) const;

private:
    struct state;
    std::unique_ptr<state> state_;
};
template <class Body>
int guarded_main(Body body) {
    return guarded_main([](void* b) { return (*static_cast<Body*>(b))(); }, &body);
}

}  // namespace ppl::examples
