#pragma once
// trainer: stochastic variational inference as library API. Epochs of shuffled minibatches, one
// Adam step per batch, the test set's -ELBO after every epoch, SPEC section 8's epoch lines, an
// atomic checkpoint per epoch and a resume that continues bit-identically.
#include <Eigen/Core>
#include <bit>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <iomanip>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ppl/core/error.hpp"
#include "ppl/core/random.hpp"
#include "ppl/data/batches.hpp"
#include "ppl/infer/estimator_state.hpp"
#include "ppl/infer/process_group.hpp"
#include "ppl/infer/progress.hpp"
#include "ppl/nn/adam.hpp"
#include "ppl/nn/checkpoint.hpp"

namespace ppl {

/// One data set of a model, by the input name the model reads: one column per data point.
struct named_data {
    std::string_view name;
    const Eigen::MatrixXf& data;
};

/// The settings of a training run.
struct trainer_options {
    int epochs = 10;
    Eigen::Index batch = 128;     // data points per step (the last partial batch of an epoch is dropped)
    std::uint64_t seed = 0;       // shuffling, the steps' noise and the evaluation noise
    adam_options adam{};
    std::string checkpoint{};     // a file written atomically after every epoch ("" keeps none)
    bool resume = false;          // continue from `checkpoint` with the numbers of an unbroken run
    int average_from = 0;         // from this epoch on (1-based), average the iterates (Polyak-Ruppert); 0: off
    bool progress = true;         // a progress bar on standard error
    bool fused_update = true;     // Adam steps each parameter inside the backward sweep (bit-identical, faster)
    process_group* processes = nullptr;  // data-parallel: the processes training together (ppl/parallel/mpi.hpp); none: this one alone
};

/// What one epoch reports, per data point.
struct epoch_record {
    int epoch = 0;               // 1-based
    double train_neg_elbo = 0;   // the mean of the epoch's steps
    double test_neg_elbo = 0;    // the forward pass over the whole test set
    double seconds = 0;
};

/// Trains an objective (elbo(...) or iwae(...)) on named data sets, e.g.
///   trainer fit{objective, {.epochs = 100, .batch = 64}};
///   fit.run({{"x", X}, {"y", Y}}, {{"x", X_test}, {"y", Y_test}});
/// Every epoch shuffles the training columns with one permutation for all inputs, takes one Adam
/// step per batch on the objective's loss, scores the test set with the forward pass, and prints
///   epoch=<n> train_neg_elbo=<v> test_neg_elbo=<v> seconds=<s>
/// The steps draw noise from one stream; each epoch's evaluation draws from a stream of its own, so
/// evaluating never changes training. The trainer holds the objective by reference.
/// With options.processes (N processes), every process starts from rank 0's parameters, takes
/// batch / N consecutive columns of every batch (the same shuffled order everywhere) with noise of
/// its own, and averages the gradients before the Adam step; rank 0 prints and writes the checkpoint.
template <class Objective>
class trainer {
public:
    trainer(Objective& objective, trainer_options options)
        : objective_(objective), options_(checked(std::move(options))), optimiser_(objective.parameters(), options_.adam),
          shuffle_(options_.seed, 1), noise_(options_.seed, 2 + 1000ull * static_cast<std::uint64_t>(rank())) {
        if (processes() > 1) {
            if (options_.batch % processes() != 0)
                fail("trainer: the batch of ", options_.batch, " does not split evenly over ", processes(),
                     " processes; give a batch that ", processes(), " divides (e.g. ", (options_.batch / processes() + 1) * processes(),
                     ")");
            options_.processes->broadcast_parameters();
            options_.fused_update = false;  // the gradients are averaged before the step
        }
        if (options_.resume) resume();
    }

    /// Trains from the first epoch not yet done to options.epochs; returns this call's epochs.
    /// `after_epoch` sees each record after its line is printed.
    template <std::size_t N>
    std::vector<epoch_record> run(const named_data (&train)[N], const named_data (&test)[N], std::ostream& lines = std::cout,
                                  const std::function<void(const epoch_record&)>& after_epoch = {}) {
        check_data(train, test);
        return run(train, test, lines, after_epoch, std::make_index_sequence<N>{});
    }

    /// Epochs completed so far (restored by a resume).
    [[nodiscard]] int epochs_done() const { return epochs_done_; }
    [[nodiscard]] adam& optimiser() { return optimiser_; }

private:
    template <std::size_t N, std::size_t... I>
    std::vector<epoch_record> run(const named_data (&train)[N], const named_data (&test)[N], std::ostream& lines,
                                  const std::function<void(const epoch_record&)>& after_epoch, std::index_sequence<I...>) {
        batches loader({std::cref(train[I].data)...}, options_.batch);
        std::vector<epoch_record> records;
        for (int epoch = epochs_done_; epoch < options_.epochs; ++epoch) {
            const auto start = std::chrono::steady_clock::now();
            loader.shuffle(shuffle_);
            std::optional<progress_bar> bar;
            if (options_.progress && rank() == 0) bar.emplace("epoch " + std::to_string(epoch + 1), loader.count(), "batches", "neg_elbo");
            double total = 0;
            for (Eigen::Index k = 0; k < loader.count(); ++k) {
                loader.get(k);
                if (processes() > 1) {
                    // this process's columns of the batch, then the gradients' mean over the processes
                    const Eigen::Index count = options_.batch / processes();
                    ((columns_[I] = loader.input(I).middleCols(count * rank(), count)), ...);
                    total += objective_.value_and_grad({{train[I].name, columns_[I]}...}, noise_).neg_elbo;
                    options_.processes->average_gradients(objective_.baselines());
                    optimiser_.step();
                } else if (options_.fused_update) {
                    total += objective_.train_step({{train[I].name, loader.input(I)}...}, noise_, optimiser_).neg_elbo;
                } else {
                    total += objective_.value_and_grad({{train[I].name, loader.input(I)}...}, noise_).neg_elbo;
                    optimiser_.step();
                }
                if (bar) bar->update(k + 1, total / static_cast<double>(k + 1));
            }
            epoch_record record{.epoch = epoch + 1, .train_neg_elbo = total / static_cast<double>(loader.count())};
            if (processes() > 1) record.train_neg_elbo = options_.processes->mean(record.train_neg_elbo);
            record.test_neg_elbo = evaluate(test, epoch, std::index_sequence<I...>{});
            epochs_done_ = epoch + 1;
            if (options_.average_from > 0 && epochs_done_ >= options_.average_from) accumulate_average();
            record.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
            if (rank() == 0)
                lines << std::fixed << std::setprecision(4) << "epoch=" << record.epoch << " train_neg_elbo=" << record.train_neg_elbo
                      << " test_neg_elbo=" << record.test_neg_elbo << " seconds=" << record.seconds << std::defaultfloat << std::endl;
            if (!options_.checkpoint.empty()) save();
            records.push_back(record);
            if (after_epoch) after_epoch(record);
        }
        if (averaged_ > 0) {
            const auto params = objective_.parameters();
            for (std::size_t k = 0; k < params.size(); ++k)
                params[k]->value = (average_[k] / static_cast<double>(averaged_)).template cast<float>();
        }
        return records;
    }

    // The test set's -ELBO per data point, in chunks of at most one batch, with this epoch's own noise.
    template <std::size_t N, std::size_t... I>
    double evaluate(const named_data (&test)[N], int epoch, std::index_sequence<I...>) {
        random_stream noise{options_.seed + 1000003ull * static_cast<std::uint64_t>(epoch + 1), 3};
        const Eigen::Index points = test[0].data.cols();
        double total = 0;
        for (Eigen::Index start = 0; start < points; start += options_.batch) {
            const Eigen::Index n = std::min(options_.batch, points - start);
            ((chunks_[I] = test[I].data.middleCols(start, n)), ...);
            total += objective_.forward({{test[I].name, chunks_[I]}...}, noise).neg_elbo * static_cast<double>(n);
        }
        return total / static_cast<double>(points);
    }

    template <std::size_t N>
    void check_data(const named_data (&train)[N], const named_data (&test)[N]) {
        static_assert(N > 0, "ppl: trainer::run needs at least the observed data set, e.g. run({{\"x\", X}}, {{\"x\", X_test}}).");
        for (std::size_t k = 0; k < N; ++k) {
            if (train[k].name != test[k].name)
                fail("trainer: the test sets must name the same inputs in the same order; input ", k, " is '", train[k].name,
                     "' for training and '", test[k].name, "' for testing");
            if (test[k].data.cols() != test[0].data.cols())
                fail("trainer: test input '", test[k].name, "' has ", test[k].data.cols(), " columns and '", test[0].name,
                     "' ", test[0].data.cols());
        }
        if (test[0].data.cols() == 0) fail("trainer: the test set is empty");
        chunks_.resize(N);
        columns_.resize(N);
    }

    [[nodiscard]] int processes() const { return options_.processes != nullptr ? options_.processes->size() : 1; }
    [[nodiscard]] int rank() const { return options_.processes != nullptr ? options_.processes->rank() : 0; }

    static trainer_options checked(trainer_options o) {
        if (o.epochs < 0) fail("trainer: epochs is ", o.epochs, "; it must be at least 0");
        if (o.batch < 1) fail("trainer: batch is ", o.batch, "; it must be at least 1");
        if (o.resume && o.checkpoint.empty()) fail("trainer: resume needs the checkpoint file to continue from");
        if (o.average_from < 0) fail("trainer: average_from is ", o.average_from, "; it must be 0 (off) or an epoch >= 1");
        return o;
    }

    void accumulate_average() {
        const auto params = objective_.parameters();
        if (average_.empty())
            for (auto* p : params) average_.push_back(Eigen::MatrixXd::Zero(p->value.rows(), p->value.cols()));
        for (std::size_t k = 0; k < params.size(); ++k) average_[k] += params[k]->value.template cast<double>();
        ++averaged_;
    }

    void save() {
        std::ostringstream noise;
        noise << noise_;
        // every process's noise stream continues from the checkpoint; rank 0 writes it
        const std::vector<std::string> noises = processes() > 1 ? options_.processes->gather(noise.str()) : std::vector{noise.str()};
        if (rank() != 0) return;
        checkpoint c;
        const auto params = objective_.parameters();
        store_training_state(c, params, optimiser_);
        store_estimator_state(c, objective_.baselines());
        std::ostringstream shuffle;
        shuffle << shuffle_;
        c.text["rng.shuffle"] = shuffle.str();
        store_process_streams(c, "rng.noise", noises);
        c.text["epoch"] = std::to_string(epochs_done_);
        c.text["average.count"] = std::to_string(averaged_);
        c.text["average.from"] = std::to_string(options_.average_from);
        // the running sum, as the bit patterns of its doubles, so that a resumed average is exact
        for (std::size_t k = 0; k < average_.size(); ++k) {
            std::ostringstream sum;
            for (Eigen::Index i = 0; i < average_[k].size(); ++i) sum << std::bit_cast<std::uint64_t>(average_[k](i)) << ' ';
            c.text["average." + params[k]->name] = sum.str();
        }
        save_checkpoint(options_.checkpoint, c);
    }

    void resume() {
        const checkpoint c = load_checkpoint(options_.checkpoint);
        const auto params = objective_.parameters();
        restore_training_state(c, params, optimiser_);
        restore_estimator_state(c, objective_.baselines());
        std::istringstream(c.value("rng.shuffle")) >> shuffle_;
        std::istringstream(process_stream(c, "rng.noise", rank(), processes())) >> noise_;
        epochs_done_ = std::stoi(c.value("epoch"));
        averaged_ = c.text.contains("average.count") ? std::stoi(c.value("average.count")) : 0;
        if (averaged_ > 0 && std::stoi(c.value("average.from")) != options_.average_from) {
            // a window that starts after the checkpoint is recomputed whole; one that started before it cannot be
            if (options_.average_from == 0 || options_.average_from <= epochs_done_)
                fail("the checkpoint averages the iterates from epoch ", c.value("average.from"), ", and this run from epoch ",
                     options_.average_from, ": resume with the same window, or one that starts after epoch ", epochs_done_);
            averaged_ = 0;
        }
        for (std::size_t k = 0; averaged_ > 0 && k < params.size(); ++k) {
            average_.push_back(Eigen::MatrixXd::Zero(params[k]->value.rows(), params[k]->value.cols()));
            std::istringstream sum(c.value("average." + params[k]->name));
            for (Eigen::Index i = 0; i < average_[k].size(); ++i) {
                std::uint64_t bits = 0;
                sum >> bits;
                average_[k](i) = std::bit_cast<double>(bits);
            }
            if (!sum) fail("the checkpoint's average.", params[k]->name, " entry is damaged");
        }
        if (rank() == 0) std::cerr << "resumed from " << options_.checkpoint << " after epoch " << epochs_done_ << "\n";
    }

    Objective& objective_;
    trainer_options options_;
    adam optimiser_;
    random_stream shuffle_, noise_;
    int epochs_done_ = 0;
    std::vector<Eigen::MatrixXd> average_;  // the sum of the averaged iterates
    int averaged_ = 0;
    std::vector<Eigen::MatrixXf> chunks_;   // the test set's current chunk, per input
    std::vector<Eigen::MatrixXf> columns_;  // this process's columns of the current batch, per input (several processes)
};

}  // namespace ppl
