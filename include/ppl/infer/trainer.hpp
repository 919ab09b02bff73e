#pragma once
// trainer: the training loop as library API. Epochs of shuffled minibatches (or batches drawn
// afresh each step), one Adam step per batch, temperature and KL-weight schedules, data transforms
// such as dynamic binarization, the test set's bound after every epoch (the discrete model's, with
// exact samples for relaxed sites), gradient-variance diagnostics, -log p(x) after the last epoch,
// an atomic checkpoint per epoch with a bit-identical resume, and data-parallel processes.
#include <Eigen/Core>
#include <algorithm>
#include <bit>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <iomanip>
#include <iostream>
#include <limits>
#include <optional>
#include <span>
#include <sstream>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "ppl/core/compilation.hpp"
#include "ppl/core/error.hpp"
#include "ppl/core/random.hpp"
#include "ppl/core/threads.hpp"
#include "ppl/data/batches.hpp"
#include "ppl/data/transform.hpp"
#include "ppl/infer/elbo.hpp"
#include "ppl/infer/estimator_state.hpp"
#include "ppl/infer/gradient_spread.hpp"
#include "ppl/infer/iwae.hpp"
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

/// Training data drawn afresh for every step instead of read from a data set (e.g. random
/// sequences to sort). draw(inputs, points, rng) fills one matrix per name of `inputs` with
/// `points` data points of `columns_per_point` columns each; rng is the run's data stream, so a
/// resume continues it. The run lasts `steps` steps and prints a line every `steps_per_epoch`.
struct generated_data {
    std::vector<std::string> inputs{};
    std::function<void(std::vector<Eigen::MatrixXf>& inputs, Eigen::Index points, random_stream& rng)> draw{};
    std::int64_t steps = 0;
    std::int64_t steps_per_epoch = 100;
    Eigen::Index columns_per_point = 1;  // a process takes whole data points
};

/// --variance-every: before every `every`-th step, M = `draws` gradient estimates on that step's
/// batch, each from the estimators' state as it is (restored after every draw), so that measuring
/// never changes training. Prints the mean over the parameters' entries of their variance.
struct gradient_variance_options {
    std::int64_t every = 0;                // 0: never
    int draws = 100;
    std::vector<parameter*> parameters;  // whose gradients (none: every parameter of the objective)
};

/// What one epoch reports, per data point.
struct epoch_record {
    int epoch = 0;                // 1-based
    std::int64_t steps = 0;       // optimiser steps taken so far
    double train_neg_elbo = 0;    // mean over the epoch's steps: -ELBO (iwae: -L_K; minimize: the loss)
    double train_loss = 0;        // mean over the epoch's steps of the optimised value (with the KL weight)
    double test_neg_elbo = std::numeric_limits<double>::quiet_NaN();  // the test set's bound (minimize: its loss); NaN without one
    std::optional<double> test_neg_elbo_relaxed{};  // the relaxed bound of soft relaxed sites, a diagnostic
    std::optional<double> tau{};  // the temperature of the epoch's last step, for models with relaxed sites
    double seconds = 0;
    std::vector<std::pair<std::string, std::string>> metrics{};  // name=value fields of the evaluation callback

    /// Adds `name=value` to the epoch line (6 significant digits).
    void add(std::string name, double value) {
        std::ostringstream text;
        text << value;
        metrics.emplace_back(std::move(name), text.str());
    }
    void add(std::string name, std::string value) { metrics.emplace_back(std::move(name), std::move(value)); }
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
    bool progress = true;         // progress bars on standard error
    bool fused_update = true;     // Adam steps each parameter inside the backward sweep (bit-identical, faster)
    process_group* processes = nullptr;  // data-parallel: the processes training together (ppl/parallel/mpi.hpp); none: this one alone
    int threads = 0;              // set_threads(threads) for the run (0: leave the setting alone)
    Eigen::Index limit = 0;       // train on the first `limit` data points only (0: all)
    Eigen::Index labelled_batch = 0;  // run(train, labelled, test): labelled points added to every step's batch

    // Schedules, as functions of the optimiser's step count (0 for the first step).
    std::function<double(std::int64_t)> temperature{};  // tau of relaxed sites, e.g. exponential_temperature{} (none: 1)
    double kl_warmup_epochs = 0;  // beta rises linearly, min(1, (step + 1) / (epochs * steps per epoch)); 0: beta = 1
    std::function<double(std::int64_t)> kl_weight{};    // beta at each step, instead of kl_warmup_epochs

    data_transform transform{};   // e.g. dynamic_binarization("x")

    // Evaluation after every epoch, on the test set.
    Eigen::Index evaluation_batch = 0;  // test points per forward pass (0: batch)
    bool relaxed_bound = true;          // also report the relaxed bound of soft relaxed sites
    std::function<void(epoch_record&)> evaluate{};  // the model's own metrics, added to the line (rank 0 only)

    // After the last epoch: -log p(x) by iwae(K, ...) of the evaluation objective's model.
    Eigen::Index likelihood_samples = 0;  // K (0: skip)
    Eigen::Index likelihood_points = 0;   // the first N test points only (0: all)
    Eigen::Index likelihood_columns = 4096;  // points x K per forward pass

    gradient_variance_options variance{};

    int decimals = 3;                 // digits after the point of the bounds in the epoch line
    std::string data_unit = "points"; // what a data point is called in the output, e.g. "images"
};

namespace detail {
// True when an objective reports a loss rather than a bound (minimize).
template <class O>
constexpr bool reports_loss() {
    if constexpr (requires { O::reports_loss; }) return O::reports_loss;
    else return false;
}
// True when -log p(x) can be estimated from the objective's model: it keeps its observations and
// has no global site, which iwae's K joint draws per data point cannot hold.
template <class O>
constexpr bool scores_likelihood() {
    if constexpr (!requires(const O& o) { o.observations(); }) return false;
    else if constexpr (requires { O::has_global_sites; }) return !O::has_global_sites;
    else return true;
}
template <class O>
constexpr bool reads_temperature() {
    if constexpr (requires { O::reads_temperature; }) return O::reads_temperature;
    else return false;
}
template <class O>
constexpr bool weighs_kl() {
    if constexpr (requires { O::weighs_kl; }) return O::weighs_kl;
    else return false;
}
template <class O>
constexpr bool has_soft_sites() {
    if constexpr (requires { O::has_soft_sites; }) return O::has_soft_sites;
    else return false;
}
// A stream of its own for each (purpose, epoch or step): what one draws never shifts another's
// numbers, and a resumed run recreates the same stream from the key alone.
inline random_stream keyed_stream(std::uint64_t seed, std::int64_t key, std::uint64_t purpose) {
    return random_stream{seed + 1000003ull * static_cast<std::uint64_t>(key + 1), purpose};
}
inline std::string bits_of(double v) { return std::to_string(std::bit_cast<std::uint64_t>(v)); }
}  // namespace detail

namespace detail {

// What an objective type tells the training loop, fixed at compile time.
struct objective_traits {
    bool reports_loss = false;       // minimize: train_loss= rather than the bounds
    bool reads_temperature = false;  // relaxed sites: the line shows tau
    bool has_soft_sites = false;     // the evaluation objective's relaxed bound is a diagnostic
    bool scores_likelihood = false;  // -log p(x) by iwae(K, ...) of the evaluation objective's model
    bool weighs_kl = false;          // an ELBO, whose KL terms a warm-up can weigh
};

// The training loop without the model: data, batches, schedules, steps, evaluation chunks,
// checkpoints, lines and processes. trainer<Objective, Evaluation> supplies the few calls that
// depend on the model's type through the virtual functions below, so that everything here is
// compiled once (see ppl/core/compilation.hpp).
class training_loop {
public:
    training_loop(const training_loop&) = delete;
    training_loop& operator=(const training_loop&) = delete;

    /// Trains from the first epoch not yet done to options.epochs; returns this call's epochs.
    /// The test sets name the same inputs as the training sets, in the same order. `after_epoch`
    /// sees each record after its line is printed. The data sets must outlive the call (and the
    /// test set every later test_input()).
    template <std::size_t N>
    std::vector<epoch_record> run(const named_data (&train)[N], const named_data (&test)[N], std::ostream& lines = std::cout,
                                  const std::function<void(const epoch_record&)>& after_epoch = {}) {
        return run_sets(std::span<const named_data>(train), std::span<const named_data>(test), lines, after_epoch);
    }
    /// Semi-supervised training (Kingma et al.'s M2): every step's batch is options.batch points of
    /// `train` followed by options.labelled_batch points drawn afresh from `labelled` (a pure function
    /// of the seed and the step, so a resume continues it). An epoch is a pass over `train`. Both
    /// sets name the same inputs, e.g. {"x", X}, {"y", Y}, {"y_observed", M} with M = 0 in `train`
    /// and 1 in `labelled` (see partly_observed). One process only.
    template <std::size_t N>
    std::vector<epoch_record> run(const named_data (&train)[N], const named_data (&labelled)[N], const named_data (&test)[N],
                                  std::ostream& lines = std::cout, const std::function<void(const epoch_record&)>& after_epoch = {}) {
        return run_sets(std::span<const named_data>(train), std::span<const named_data>(test), lines, after_epoch,
                        std::span<const named_data>(labelled));
    }
    /// Training without a test set: the epoch line holds the training value and the evaluation
    /// callback's metrics.
    template <std::size_t N>
    std::vector<epoch_record> run(const named_data (&train)[N], std::ostream& lines = std::cout,
                                  const std::function<void(const epoch_record&)>& after_epoch = {}) {
        return run_sets(std::span<const named_data>(train), {}, lines, after_epoch);
    }
    /// Training on batches drawn afresh each step; the lines say step=<steps so far> instead of epoch=<n>.
    PPL_INLINE std::vector<epoch_record> run(const generated_data& data, std::ostream& lines = std::cout,
                                             const std::function<void(const epoch_record&)>& after_epoch = {});

    /// Epochs completed so far (restored by a resume).
    [[nodiscard]] int epochs_done() const { return epochs_done_; }
    [[nodiscard]] adam& optimiser() { return optimiser_; }
    /// Rank 0 prints, evaluates and writes (a single process is rank 0).
    [[nodiscard]] bool is_root() const { return rank() == 0; }
    /// A test input as the last run scored it (after the data transform, e.g. binarized).
    [[nodiscard]] PPL_INLINE const Eigen::MatrixXf& test_input(std::string_view name) const;

protected:
    PPL_INLINE training_loop(trainer_options options, std::vector<parameter*> params, objective_traits traits);
    virtual ~training_loop() = default;
    // the rest of construction, once the derived trainer can answer the calls below
    PPL_INLINE void start();

    // The model's calls: one step (fused: the optimiser's update inside the backward sweep), the
    // evaluation objective's forward pass, a chunk of -log p(x), and the estimators' state.
    virtual step_result step(std::span<const named_input> inputs, random_stream& noise, const step_options& settings, bool fused) = 0;
    virtual step_result evaluate_chunk(std::span<const named_input> inputs, random_stream& noise, const step_options& settings) = 0;
    virtual double likelihood_chunk(std::span<const named_input> inputs, random_stream& noise, Eigen::Index samples) = 0;
    virtual std::span<baseline_state> estimator_state() = 0;
    // " site=<first site> estimator=<its estimator>" of the variance line, or nothing
    virtual std::string first_site_label() const = 0;

private:
    // Clears the run's data pointers when run() returns or throws, so that a later run never reads a
    // data source of an earlier one.
    struct run_guard {
        training_loop& loop;
        ~run_guard() { loop.loader_ = nullptr, loop.generated_ = nullptr, loop.labelled_.clear(); }
    };
    struct test_input_data {
        const Eigen::MatrixXf* data = nullptr;
        Eigen::MatrixXf owned;  // the transformed copy
        bool transformed = false;
        [[nodiscard]] const Eigen::MatrixXf& get() const { return transformed ? owned : *data; }
    };

    PPL_INLINE std::vector<epoch_record> run_sets(std::span<const named_data> train, std::span<const named_data> test,
                                                  std::ostream& lines, const std::function<void(const epoch_record&)>& after_epoch,
                                                  std::span<const named_data> labelled = {});
    PPL_INLINE void add_labelled(random_stream& transform_stream);
    PPL_INLINE void prepare_sets(std::span<const named_data> train, std::span<const named_data> test);
    PPL_INLINE std::vector<epoch_record> train_epochs(int epochs, std::ostream& lines,
                                                      const std::function<void(const epoch_record&)>& after_epoch);
    [[nodiscard]] PPL_INLINE std::int64_t steps_per_epoch() const;
    [[nodiscard]] PPL_INLINE std::int64_t steps_in_epoch() const;
    [[nodiscard]] PPL_INLINE double temperature_at(std::int64_t step) const;
    [[nodiscard]] PPL_INLINE double kl_weight_at(std::int64_t step, std::int64_t per_epoch) const;
    PPL_INLINE void next_batch(std::int64_t k, random_stream& transform_stream);
    PPL_INLINE std::span<const named_input> step_inputs(bool whole);
    PPL_INLINE step_result take_step(const step_options& settings);
    PPL_INLINE void measure_variance(std::int64_t step, const step_options& settings, std::ostream& lines);
    PPL_INLINE void evaluate(epoch_record& record, int epoch);
    PPL_INLINE double test_value(int epoch, const step_options& settings);
    PPL_INLINE std::span<const named_input> test_columns(Eigen::Index first, Eigen::Index count);
    PPL_INLINE void report_likelihood(std::ostream& lines);
    PPL_INLINE void print_line(const epoch_record& r, std::ostream& lines) const;
    [[nodiscard]] int processes() const { return options_.processes != nullptr ? options_.processes->size() : 1; }
    [[nodiscard]] int rank() const { return options_.processes != nullptr ? options_.processes->rank() : 0; }
    PPL_INLINE static trainer_options checked(trainer_options o);
    PPL_INLINE void accumulate_average();
    [[nodiscard]] PPL_INLINE std::string parameter_names() const;
    PPL_INLINE void save();
    PPL_INLINE void resume();

    trainer_options options_;
    objective_traits traits_;
    std::vector<parameter*> params_;
    adam optimiser_;
    random_stream shuffle_, noise_;
    int epochs_done_ = 0;
    std::vector<Eigen::MatrixXd> average_;  // the sum of the averaged iterates
    int averaged_ = 0;
    std::string resumed_kl_weight_;
    // the run's data
    const generated_data* generated_ = nullptr;
    batches* loader_ = nullptr;
    std::vector<std::string> names_, test_names_;
    std::vector<std::reference_wrapper<const Eigen::MatrixXf>> sources_;
    std::vector<Eigen::MatrixXf> limited_;       // the first `limit` columns of each training input
    std::vector<test_input_data> test_;
    std::vector<Eigen::MatrixXf> global_;        // the step's transformed or generated inputs
    std::vector<std::reference_wrapper<const Eigen::MatrixXf>> labelled_;  // the labelled set, per input (M2)
    std::vector<Eigen::Index> labelled_order_;   // scratch: the step's draw of labelled points
    std::vector<const Eigen::MatrixXf*> batch_;  // the step's global batch, per input
    std::vector<Eigen::MatrixXf> columns_;       // this process's columns of it (several processes)
    std::vector<Eigen::MatrixXf> test_chunks_;
    std::vector<named_input> inputs_;
    std::vector<baseline_state> saved_state_;    // the estimators' state while the variance is measured
};

// iwae(K, ...) of an objective's observations, the bound of -log p(x); a placeholder for an
// objective that has none (named only when there is one).
template <class Observations>
struct likelihood_bound;
template <class... O>
struct likelihood_bound<std::tuple<O...>> {
    using type = iwae_objective<O...>;
};
template <class Evaluation, bool = scores_likelihood<Evaluation>()>
struct bound_of {
    struct type {};
};
template <class Evaluation>
struct bound_of<Evaluation, true> {
    using type = typename likelihood_bound<std::remove_cvref_t<decltype(std::declval<const Evaluation&>().observations())>>::type;
};

}  // namespace detail

/// Trains an objective (elbo(...), iwae(...) or minimize(...)) on named data sets, e.g.
///   trainer fit{objective, {.epochs = 100, .batch = 64}};
///   fit.run({{"x", X}, {"y", Y}}, {{"x", X_test}, {"y", Y_test}});
/// Every epoch shuffles the training columns with one permutation for all inputs, takes one Adam
/// step per batch, scores the test set with the forward pass of the evaluation objective (the
/// training objective unless another is given, e.g. elbo(...) beside a training iwae(K, ...)), and
/// prints
///   epoch=<n> train_neg_elbo=<v> test_neg_elbo=<v> [test_neg_elbo_relaxed=<v>] [tau=<t>] seconds=<s>
/// (a loss: epoch=<n> train_loss=<v> [test_loss=<v>] ... seconds=<s>). test_neg_elbo is the bound of
/// the discrete model: relaxed sites are scored with exact one-hot samples. Each purpose draws from
/// a stream of its own (steps, evaluation, binarization, variance draws, -log p(x)), so evaluating
/// and measuring never change training. The trainer holds the objectives by reference.
/// With options.processes (N processes), every process starts from rank 0's parameters, takes
/// batch / N consecutive columns of every batch (the same order everywhere) with noise of its own,
/// and averages the gradients before the Adam step; rank 0 prints, writes the checkpoint and runs
/// the evaluation callback.
template <class Objective, class Evaluation = Objective>
class trainer final : public detail::training_loop {
public:
    trainer(Objective& objective, trainer_options options) : trainer(objective, objective_as_evaluation(objective), std::move(options)) {}

    trainer(Objective& objective, Evaluation& evaluation, trainer_options options)
        : training_loop(std::move(options), objective.parameters(),
                        {.reports_loss = detail::reports_loss<Objective>(),
                         .reads_temperature = detail::reads_temperature<Objective>(),
                         .has_soft_sites = detail::has_soft_sites<Evaluation>(),
                         .scores_likelihood = detail::scores_likelihood<Evaluation>(),
                         .weighs_kl = detail::weighs_kl<Objective>()}),
          objective_(objective), evaluation_(evaluation) {
        start();
    }

private:
    static Evaluation& objective_as_evaluation(Objective& objective) {
        static_assert(std::is_same_v<Objective, Evaluation>,
                      "ppl: a trainer with an evaluation objective of another type takes it as the second argument: "
                      "trainer{objective, evaluation, options}.");
        return objective;
    }

    step_result step(std::span<const named_input> inputs, random_stream& noise, const step_options& settings, bool fused) override {
        if (fused) return objective_.train_step(inputs, noise, optimiser(), settings);
        return objective_.value_and_grad(inputs, noise, settings);
    }
    step_result evaluate_chunk(std::span<const named_input> inputs, random_stream& noise, const step_options& settings) override {
        return evaluation_.forward(inputs, noise, settings);
    }
    double likelihood_chunk(std::span<const named_input> inputs, random_stream& noise, Eigen::Index samples) override {
        if constexpr (detail::scores_likelihood<Evaluation>()) {
            if (!bound_ || bound_->samples() != samples) {
                bound_.reset();
                std::apply([&](const auto&... observed) { bound_.emplace(samples, observed...); }, evaluation_.observations());
            }
            return bound_->forward(inputs, noise).neg_elbo;
        } else {
            static_cast<void>(inputs), static_cast<void>(noise), static_cast<void>(samples);
            fail("trainer: this evaluation objective has no likelihood bound");
        }
    }
    std::span<baseline_state> estimator_state() override { return objective_.baselines(); }
    std::string first_site_label() const override {
        if constexpr (Objective::site_count > 0) {
            using first_site = at_t<0, typename Objective::sites_type>;
            return detail::message(" site=", first_site::name, " estimator=", estimator_of<first_site>::name);
        } else {
            return {};
        }
    }

    Objective& objective_;
    Evaluation& evaluation_;
    std::optional<typename detail::bound_of<Evaluation>::type> bound_;  // built at the first use
};

template <class Objective>
trainer(Objective&, trainer_options) -> trainer<Objective, Objective>;
template <class Objective, class Evaluation>
trainer(Objective&, Evaluation&, trainer_options) -> trainer<Objective, Evaluation>;

#if PPL_DEFINITIONS
namespace detail {

PPL_INLINE training_loop::training_loop(trainer_options options, std::vector<parameter*> params, objective_traits traits)
    : options_(checked(std::move(options))), traits_(traits), params_(std::move(params)), optimiser_(params_, options_.adam),
      shuffle_(options_.seed, 1), noise_(options_.seed, 2 + 1000ull * static_cast<std::uint64_t>(rank())) {
    if (options_.threads > 0) set_threads(options_.threads);
    if ((options_.kl_warmup_epochs > 0 || options_.kl_weight) && !traits_.weighs_kl)
        fail("trainer: this objective has no KL term to weigh (iwae(K, ...) and minimize(...) have none); leave "
             "kl_warmup_epochs and kl_weight unset");
    if (options_.likelihood_samples > 0 && !traits_.scores_likelihood)
        fail("trainer: likelihood_samples needs an evaluation objective built from observations whose sites are all local "
             "(elbo or iwae); this one has none, or has global sites");
}

PPL_INLINE void training_loop::start() {
    if (processes() > 1) {
        if (options_.batch % processes() != 0)
            fail("trainer: the batch of ", options_.batch, " does not split evenly over ", processes(),
                 " processes; give a batch that ", processes(), " divides (e.g. ", (options_.batch / processes() + 1) * processes(), ")");
        options_.processes->broadcast_parameters(params_);
        options_.fused_update = false;  // the gradients are averaged before the step
    }
    if (options_.resume) resume();
}

PPL_INLINE const Eigen::MatrixXf& training_loop::test_input(std::string_view name) const {
    for (std::size_t k = 0; k < test_.size(); ++k)
        if (test_names_[k] == name) return test_[k].get();
    fail("trainer: the last run had no test input named '", name, "'");
}

PPL_INLINE std::vector<epoch_record> training_loop::run(const generated_data& data, std::ostream& lines,
                                                        const std::function<void(const epoch_record&)>& after_epoch) {
    if (!data.draw || data.inputs.empty()) fail("trainer: generated data needs its inputs' names and a draw function");
    if (data.steps < 0 || data.steps_per_epoch < 1 || data.columns_per_point < 1)
        fail("trainer: generated data needs steps >= 0, steps_per_epoch >= 1 and columns_per_point >= 1; got ", data.steps, ", ",
             data.steps_per_epoch, " and ", data.columns_per_point);
    if (!options_.transform.inputs.empty() || options_.limit > 0 || options_.likelihood_samples > 0)
        fail("trainer: generated data has no data set to transform, limit or score; draw what the steps need in draw()");
    const run_guard guard{*this};
    generated_ = &data;
    global_.assign(data.inputs.size(), Eigen::MatrixXf{});
    names_.assign(data.inputs.begin(), data.inputs.end());
    test_.clear();
    return train_epochs(0, lines, after_epoch);
}

PPL_INLINE std::vector<epoch_record> training_loop::run_sets(std::span<const named_data> train, std::span<const named_data> test,
                                                             std::ostream& lines,
                                                             const std::function<void(const epoch_record&)>& after_epoch,
                                                             std::span<const named_data> labelled) {
    const run_guard guard{*this};
    prepare_sets(train, test);
    if (!labelled.empty()) {
        if (processes() > 1) fail("trainer: a labelled set (semi-supervised training) runs in one process only");
        if (options_.labelled_batch < 1)
            fail("trainer: a labelled set needs labelled_batch >= 1 labelled points per step; got ", options_.labelled_batch);
        for (std::size_t k = 0; k < labelled.size(); ++k) {
            if (labelled[k].name != train[k].name)
                fail("trainer: the labelled set must name the training set's inputs in the same order; input ", k + 1, " is '",
                     labelled[k].name, "' there and '", train[k].name, "' in the training set");
            if (labelled[k].data.rows() != train[k].data.rows() || labelled[k].data.cols() != labelled[0].data.cols())
                fail("trainer: the labelled input '", labelled[k].name, "' is ", labelled[k].data.rows(), " x ", labelled[k].data.cols(),
                     "; it needs the training input's ", train[k].data.rows(), " rows and one column per labelled point");
            labelled_.emplace_back(std::cref(labelled[k].data));
        }
        if (labelled[0].data.cols() < options_.labelled_batch)
            fail("trainer: labelled_batch is ", options_.labelled_batch, " but the labelled set holds ", labelled[0].data.cols(), " points");
    }
    batches loader(sources_, options_.batch);
    loader_ = &loader;
    return train_epochs(options_.epochs, lines, after_epoch);
}

// The inputs' checks, the limit, and the test set's transform: before the first step, so that a
// test set that does not fit fails now, not after an epoch of training.
PPL_INLINE void training_loop::prepare_sets(std::span<const named_data> train, std::span<const named_data> test) {
    if (train.empty()) fail("trainer: run needs at least the observed data set, e.g. run({{\"x\", X}}, {{\"x\", X_test}})");
    names_.clear(), sources_.clear(), limited_.assign(train.size(), Eigen::MatrixXf{});
    for (std::size_t k = 0; k < train.size(); ++k) {
        names_.emplace_back(train[k].name);
        if (train[k].data.cols() != train[0].data.cols())
            fail("trainer: every training input needs one column per data point; '", train[k].name, "' has ",
                 train[k].data.cols(), " columns and '", train[0].name, "' ", train[0].data.cols());
        if (options_.limit > 0 && options_.limit < train[k].data.cols()) {
            limited_[k] = train[k].data.leftCols(options_.limit);
            sources_.emplace_back(std::cref(limited_[k]));
        } else {
            sources_.emplace_back(std::cref(train[k].data));
        }
    }
    test_.assign(test.size(), test_input_data{});
    test_names_.clear();
    if (!test.empty()) {
        if (test.size() != train.size()) fail("trainer: the test sets must name the same inputs as the training sets");
        for (std::size_t k = 0; k < test.size(); ++k) {
            if (train[k].name != test[k].name)
                fail("trainer: the test sets must name the same inputs in the same order; input ", k, " is '", train[k].name,
                     "' for training and '", test[k].name, "' for testing");
            if (test[k].data.rows() != train[k].data.rows())
                fail("trainer: test input '", test[k].name, "' has ", test[k].data.rows(), " rows and the training input ",
                     train[k].data.rows(), "; every data point of an input has one size");
            if (test[k].data.cols() != test[0].data.cols())
                fail("trainer: test input '", test[k].name, "' has ", test[k].data.cols(), " columns and '", test[0].name, "' ",
                     test[0].data.cols());
            test_names_.emplace_back(test[k].name);
            test_[k].data = &test[k].data;
        }
        if (test[0].data.cols() == 0) fail("trainer: the test set is empty");
        // the test set changed once, by a stream of its own whatever the run's seed
        random_stream test_stream{options_.transform.test_seed, 7};
        for (std::size_t k = 0; k < test.size(); ++k)
            if (options_.transform.apply && options_.transform.changes(test[k].name)) {
                test_[k].owned = test[k].data;
                options_.transform.apply(test_[k].owned, test_stream);
                test_[k].transformed = true;
            }
    } else if (options_.likelihood_samples > 0) {
        fail("trainer: likelihood_samples needs a test set to score; pass one to run()");
    }
    for (const auto& name : options_.transform.inputs) {
        bool found = false;
        for (const auto& n : names_) found = found || n == name;
        if (!found) fail("trainer: the data transform changes input '", name, "', which the training data does not hold");
    }
    if (is_root() && options_.progress) {
        std::cerr << "data: " << sources_[0].get().cols() << " training"
                  << (test.empty() ? std::string{} : " and " + std::to_string(test[0].data.cols()) + " test") << " "
                  << options_.data_unit
                  << (options_.transform.description.empty() ? "" : ", " + options_.transform.description)
                  << (processes() > 1 ? ", " + std::to_string(processes()) + " processes" : "") << "\n";
    }
}

PPL_INLINE std::vector<epoch_record> training_loop::train_epochs(int epochs, std::ostream& lines,
                                                                 const std::function<void(const epoch_record&)>& after_epoch) {
    std::vector<epoch_record> records;
    const std::int64_t per_epoch = steps_per_epoch();
    if (!resumed_kl_weight_.empty()) {
        const double beta = kl_weight_at(optimiser_.steps(), per_epoch);
        if (resumed_kl_weight_ != bits_of(beta))
            fail("the checkpoint's run weighs the KL term by another value at step ", optimiser_.steps(), " than this run's schedule (",
                 beta, "): resume with the same KL warm-up and the same data");
        resumed_kl_weight_.clear();
    }
    // data sets: epochs to `epochs`; generated data: steps to its last step
    for (int epoch = epochs_done_; generated_ != nullptr ? optimiser_.steps() < generated_->steps : epoch < epochs; ++epoch) {
        const auto start = std::chrono::steady_clock::now();
        const std::int64_t steps = steps_in_epoch();
        if (loader_ != nullptr) loader_->shuffle(shuffle_);
        random_stream transform_stream = keyed_stream(options_.seed, epoch, 5);
        std::optional<progress_bar> bar;
        if (options_.progress && is_root())
            bar.emplace(generated_ != nullptr ? "steps to " + std::to_string(optimiser_.steps() + steps) : "epoch " + std::to_string(epoch + 1),
                        steps, generated_ != nullptr ? "steps" : "batches", traits_.reports_loss ? "loss" : "neg_elbo");
        double total = 0, total_loss = 0, tau = 1;
        for (std::int64_t k = 0; k < steps; ++k) {
            const std::int64_t step = optimiser_.steps();
            tau = temperature_at(step);
            const step_options settings{.tau = tau, .beta = kl_weight_at(step, per_epoch)};
            next_batch(k, transform_stream);
            if (options_.variance.every > 0 && step % options_.variance.every == 0) measure_variance(step, settings, lines);
            const step_result r = take_step(settings);
            total += r.neg_elbo, total_loss += r.loss;
            if (bar) bar->update(k + 1, total / static_cast<double>(k + 1));
        }
        epoch_record record{.epoch = epoch + 1,
                            .steps = optimiser_.steps(),
                            .train_neg_elbo = steps > 0 ? total / static_cast<double>(steps) : 0.0,
                            .train_loss = steps > 0 ? total_loss / static_cast<double>(steps) : 0.0};
        if (processes() > 1) {
            record.train_neg_elbo = options_.processes->mean(record.train_neg_elbo);
            record.train_loss = options_.processes->mean(record.train_loss);
        }
        if (traits_.reads_temperature) record.tau = tau;
        epochs_done_ = epoch + 1;
        evaluate(record, epoch);  // on every process (the same parameters give the same numbers), so every record has them
        if (options_.evaluate && is_root()) options_.evaluate(record);
        if (options_.average_from > 0 && epochs_done_ >= options_.average_from) accumulate_average();
        record.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        if (is_root()) print_line(record, lines);
        if (!options_.checkpoint.empty()) save();
        records.push_back(record);
        if (after_epoch) after_epoch(record);
    }
    if (averaged_ > 0)
        for (std::size_t k = 0; k < params_.size(); ++k)
            params_[k]->value = (average_[k] / static_cast<double>(averaged_)).template cast<float>();
    if (options_.likelihood_samples > 0 && is_root() && !test_.empty()) report_likelihood(lines);
    return records;
}

PPL_INLINE std::int64_t training_loop::steps_per_epoch() const {
    return generated_ != nullptr ? generated_->steps_per_epoch : static_cast<std::int64_t>(loader_->count());
}

// Generated data: an epoch ends at the next multiple of steps_per_epoch, or at the last step, so that
// a run resumed with more steps prints the lines an unbroken run prints.
PPL_INLINE std::int64_t training_loop::steps_in_epoch() const {
    if (generated_ == nullptr) return loader_->count();
    const std::int64_t done = optimiser_.steps(), per = generated_->steps_per_epoch;
    return std::min(per - done % per, generated_->steps - done);
}

PPL_INLINE double training_loop::temperature_at(std::int64_t step) const {
    return options_.temperature ? options_.temperature(step) : 1.0;
}

PPL_INLINE double training_loop::kl_weight_at(std::int64_t step, std::int64_t per_epoch) const {
    if (options_.kl_weight) return options_.kl_weight(step);
    if (options_.kl_warmup_epochs > 0)
        return std::min(1.0, static_cast<double>(step + 1) / (options_.kl_warmup_epochs * static_cast<double>(per_epoch)));
    return 1.0;
}

// The step's global batch into global_ (data sets: batch k of the epoch's order, transformed).
PPL_INLINE void training_loop::next_batch(std::int64_t k, random_stream& transform_stream) {
    if (generated_ != nullptr) {
        generated_->draw(global_, options_.batch, shuffle_);
        for (std::size_t i = 0; i < global_.size(); ++i)
            if (global_[i].cols() != options_.batch * generated_->columns_per_point)
                fail("trainer: the generated input '", names_[i], "' has ", global_[i].cols(), " columns; a batch of ",
                     options_.batch, " points of ", generated_->columns_per_point, " columns each needs ",
                     options_.batch * generated_->columns_per_point);
        return;
    }
    loader_->get(static_cast<Eigen::Index>(k));
    global_.resize(names_.size());
    batch_.resize(names_.size());
    if (!labelled_.empty()) return add_labelled(transform_stream);
    for (std::size_t i = 0; i < names_.size(); ++i) {
        if (options_.transform.apply && options_.transform.changes(names_[i])) {
            global_[i] = loader_->input(i);
            options_.transform.apply(global_[i], transform_stream);
            batch_[i] = &global_[i];
        } else {
            batch_[i] = &loader_->input(i);
        }
    }
}

// The step's batch with labelled points after the loader's (semi-supervised): labelled_batch points
// drawn without replacement by a stream keyed on the step, then the transform over the whole batch.
PPL_INLINE void training_loop::add_labelled(random_stream& transform_stream) {
    const Eigen::Index count = labelled_[0].get().cols(), extra = options_.labelled_batch, points = loader_->input(0).cols();
    random_stream pick = keyed_stream(options_.seed, optimiser_.steps(), 7);
    labelled_order_.resize(static_cast<std::size_t>(count));
    for (Eigen::Index j = 0; j < count; ++j) labelled_order_[static_cast<std::size_t>(j)] = j;
    for (Eigen::Index j = 0; j < extra; ++j)
        std::swap(labelled_order_[static_cast<std::size_t>(j)], labelled_order_[static_cast<std::size_t>(j + static_cast<Eigen::Index>(pick.below(static_cast<std::uint32_t>(count - j))))]);
    for (std::size_t i = 0; i < names_.size(); ++i) {
        const Eigen::MatrixXf& from = labelled_[i].get();
        global_[i].resize(from.rows(), points + extra);
        global_[i].leftCols(points) = loader_->input(i);
        for (Eigen::Index j = 0; j < extra; ++j) global_[i].col(points + j) = from.col(labelled_order_[static_cast<std::size_t>(j)]);
        if (options_.transform.apply && options_.transform.changes(names_[i])) options_.transform.apply(global_[i], transform_stream);
        batch_[i] = &global_[i];
    }
}

// The step's inputs by name: the whole global batch, or this process's columns of it.
PPL_INLINE std::span<const named_input> training_loop::step_inputs(bool whole) {
    const std::size_t n = names_.size();
    if (generated_ != nullptr) {
        batch_.resize(n);
        for (std::size_t i = 0; i < n; ++i) batch_[i] = &global_[i];
    }
    inputs_.clear();
    if (whole || processes() == 1) {
        for (std::size_t i = 0; i < n; ++i) inputs_.push_back({names_[i], *batch_[i]});
        return inputs_;
    }
    columns_.resize(n);
    const Eigen::Index per_point = generated_ != nullptr ? generated_->columns_per_point : 1;
    const Eigen::Index count = options_.batch / processes() * per_point;
    for (std::size_t i = 0; i < n; ++i) {
        columns_[i] = batch_[i]->middleCols(count * rank(), count);
        inputs_.push_back({names_[i], columns_[i]});
    }
    return inputs_;
}

PPL_INLINE step_result training_loop::take_step(const step_options& settings) {
    const auto inputs = step_inputs(false);
    if (processes() > 1) {
        // this process's columns, then the gradients' mean over the processes
        const step_result r = step(inputs, noise_, settings, false);
        options_.processes->average_gradients(params_, estimator_state());
        optimiser_.step();
        return r;
    }
    if (options_.fused_update) return step(inputs, noise_, settings, true);
    const step_result r = step(inputs, noise_, settings, false);
    optimiser_.step();
    return r;
}

// M gradient estimates on the step's whole batch, each from the estimators' state as it is.
PPL_INLINE void training_loop::measure_variance(std::int64_t step_count, const step_options& settings, std::ostream& lines) {
    const std::span<baseline_state> state = estimator_state();
    saved_state_.assign(state.begin(), state.end());
    gradient_spread spread(options_.variance.parameters.empty() ? params_ : options_.variance.parameters);
    random_stream noise = keyed_stream(options_.seed, step_count, 6);
    const auto inputs = step_inputs(true);
    for (int m = 0; m < options_.variance.draws; ++m) {
        step(inputs, noise, settings, false);
        spread.add();
        std::copy(saved_state_.begin(), saved_state_.end(), state.begin());
    }
    if (!is_root()) return;
    lines << "grad_variance step=" << step_count << first_site_label() << " value=" << std::setprecision(6) << spread.mean_variance()
          << std::defaultfloat << std::endl;
}

PPL_INLINE void training_loop::evaluate(epoch_record& record, int epoch) {
    if (test_.empty()) return;
    const double tau = record.tau.value_or(temperature_at(std::max<std::int64_t>(optimiser_.steps() - 1, 0)));
    record.test_neg_elbo = test_value(epoch, {.tau = tau, .hard_samples = true});
    if (traits_.has_soft_sites && options_.relaxed_bound) record.test_neg_elbo_relaxed = test_value(epoch, {.tau = tau});
}

// The test set's value per data point, in chunks, with this epoch's own noise.
PPL_INLINE double training_loop::test_value(int epoch, const step_options& settings) {
    random_stream noise = keyed_stream(options_.seed, epoch, 3);
    const Eigen::Index points = test_[0].get().cols();
    const Eigen::Index chunk = options_.evaluation_batch > 0 ? options_.evaluation_batch : options_.batch;
    double total = 0;
    for (Eigen::Index first = 0; first < points; first += chunk) {
        const Eigen::Index n = std::min(chunk, points - first);
        total += evaluate_chunk(test_columns(first, n), noise, settings).neg_elbo * static_cast<double>(n);
    }
    return total / static_cast<double>(points);
}

PPL_INLINE std::span<const named_input> training_loop::test_columns(Eigen::Index first, Eigen::Index count) {
    test_chunks_.resize(test_.size());
    inputs_.clear();
    for (std::size_t k = 0; k < test_.size(); ++k) {
        test_chunks_[k] = test_[k].get().middleCols(first, count);
        inputs_.push_back({test_names_[k], test_chunks_[k]});
    }
    return inputs_;
}

// -L_K over the test set (the first likelihood_points), in chunks of about likelihood_columns columns.
PPL_INLINE void training_loop::report_likelihood(std::ostream& lines) {
    const Eigen::Index samples = options_.likelihood_samples;
    random_stream noise = keyed_stream(options_.seed, 0, 8);
    const Eigen::Index all = test_[0].get().cols();
    const Eigen::Index points = options_.likelihood_points > 0 ? std::min(options_.likelihood_points, all) : all;
    const Eigen::Index chunk = std::max<Eigen::Index>(1, options_.likelihood_columns / samples);
    const auto start = std::chrono::steady_clock::now();
    std::optional<progress_bar> bar;
    if (options_.progress) bar.emplace("-log p(x), K=" + std::to_string(samples), points, "test " + options_.data_unit, "mean");
    double total = 0;
    for (Eigen::Index first = 0; first < points; first += chunk) {
        const Eigen::Index count = std::min(chunk, points - first);
        total += likelihood_chunk(test_columns(first, count), noise, samples) * static_cast<double>(count);
        if (bar) bar->update(first + count, total / static_cast<double>(first + count));
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    lines << "test_neg_log_likelihood=" << std::fixed << std::setprecision(options_.decimals) << total / static_cast<double>(points)
          << " samples=" << samples << " " << options_.data_unit << "=" << points << " seconds=" << std::setprecision(2) << seconds
          << std::defaultfloat << std::endl;
}

PPL_INLINE void training_loop::print_line(const epoch_record& r, std::ostream& lines) const {
    std::ostringstream line;
    if (generated_ != nullptr) line << "step=" << r.steps;
    else line << "epoch=" << r.epoch;
    if (traits_.reports_loss) {
        line << " train_loss=" << r.train_loss;
        if (!std::isnan(r.test_neg_elbo)) line << " test_loss=" << r.test_neg_elbo;
        if (r.tau) line << " tau=" << std::fixed << std::setprecision(4) << *r.tau << std::defaultfloat;
    } else {
        line << std::fixed << std::setprecision(options_.decimals) << " train_neg_elbo=" << r.train_neg_elbo;
        if (!std::isnan(r.test_neg_elbo)) line << " test_neg_elbo=" << r.test_neg_elbo;
        if (r.test_neg_elbo_relaxed) line << " test_neg_elbo_relaxed=" << *r.test_neg_elbo_relaxed;
        if (r.tau) line << " tau=" << std::setprecision(4) << *r.tau;
        line << std::defaultfloat;
    }
    for (const auto& [name, value] : r.metrics) line << ' ' << name << '=' << value;
    line << " seconds=" << std::fixed << std::setprecision(2) << r.seconds;
    lines << line.str() << std::endl;
}

PPL_INLINE trainer_options training_loop::checked(trainer_options o) {
    if (o.epochs < 0) fail("trainer: epochs is ", o.epochs, "; it must be at least 0");
    if (o.batch < 1) fail("trainer: batch is ", o.batch, "; it must be at least 1");
    if (o.resume && o.checkpoint.empty()) fail("trainer: resume needs the checkpoint file to continue from");
    if (o.average_from < 0) fail("trainer: average_from is ", o.average_from, "; it must be 0 (off) or an epoch >= 1");
    if (o.threads < 0) fail("trainer: threads is ", o.threads, "; it must be at least 1 (or 0 to leave the setting alone)");
    if (o.limit < 0) fail("trainer: limit is ", o.limit, "; it must be 0 (all data) or more");
    if (o.labelled_batch < 0) fail("trainer: labelled_batch is ", o.labelled_batch, "; it must be 0 (no labelled set) or more");
    if (!(o.kl_warmup_epochs >= 0) || !std::isfinite(o.kl_warmup_epochs))
        fail("trainer: kl_warmup_epochs is ", o.kl_warmup_epochs, "; it must be a finite number >= 0");
    if (o.evaluation_batch < 0 || o.likelihood_samples < 0 || o.likelihood_points < 0 || o.likelihood_columns < 1)
        fail("trainer: evaluation_batch, likelihood_samples and likelihood_points must be >= 0 and likelihood_columns >= 1");
    if (o.variance.every < 0 || (o.variance.every > 0 && o.variance.draws < 2))
        fail("trainer: a gradient variance needs every >= 0 and at least 2 draws; got every ", o.variance.every, " and ",
             o.variance.draws, " draws");
    if (o.decimals < 0 || o.decimals > 17) fail("trainer: decimals is ", o.decimals, "; it must lie in [0, 17]");
    if (o.transform.inputs.empty() != !o.transform.apply)
        fail("trainer: a data transform needs both the inputs it changes and its apply function");
    if (o.temperature) static_cast<void>(o.temperature(0));  // a schedule's own checks, before any work
    return o;
}

PPL_INLINE void training_loop::accumulate_average() {
    if (average_.empty())
        for (auto* p : params_) average_.push_back(Eigen::MatrixXd::Zero(p->value.rows(), p->value.cols()));
    for (std::size_t k = 0; k < params_.size(); ++k) average_[k] += params_[k]->value.template cast<double>();
    ++averaged_;
}

PPL_INLINE std::string training_loop::parameter_names() const {
    std::string names;
    for (const auto* p : params_) names.append(names.empty() ? "" : " ").append(p->name);
    return names;
}

PPL_INLINE void training_loop::save() {
    std::ostringstream noise;
    noise << noise_;
    // every process's noise stream continues from the checkpoint; rank 0 writes it
    const std::vector<std::string> noises = processes() > 1 ? options_.processes->gather(noise.str()) : std::vector{noise.str()};
    if (!is_root()) return;
    checkpoint c;
    store_training_state(c, params_, optimiser_);
    store_estimator_state(c, estimator_state());
    std::ostringstream shuffle;
    shuffle << shuffle_;
    c.text["rng.shuffle"] = shuffle.str();
    store_process_streams(c, "rng.noise", noises);
    c.text["epoch"] = std::to_string(epochs_done_);
    c.text["parameters"] = parameter_names();
    // the schedules' values at the next step, so that a resume with other schedules is refused
    const std::int64_t next = optimiser_.steps();
    c.text["schedule.tau"] = bits_of(temperature_at(next));
    c.text["schedule.kl_weight"] = bits_of(kl_weight_at(next, steps_per_epoch()));
    c.text["average.count"] = std::to_string(averaged_);
    c.text["average.from"] = std::to_string(options_.average_from);
    // the running sum, as the bit patterns of its doubles, so that a resumed average is exact
    for (std::size_t k = 0; k < average_.size(); ++k) {
        std::ostringstream sum;
        for (Eigen::Index i = 0; i < average_[k].size(); ++i) sum << std::bit_cast<std::uint64_t>(average_[k](i)) << ' ';
        c.text["average." + params_[k]->name] = sum.str();
    }
    save_checkpoint(options_.checkpoint, c);
}

PPL_INLINE void training_loop::resume() {
    const checkpoint c = load_checkpoint(options_.checkpoint);
    if (c.text.contains("parameters") && c.value("parameters") != parameter_names())
        fail("the checkpoint '", options_.checkpoint, "' holds the parameters {", c.value("parameters"), "} and this model has {",
             parameter_names(), "}: resume a checkpoint of the same model");
    restore_training_state(c, params_, optimiser_);
    restore_estimator_state(c, estimator_state());
    std::istringstream(c.value("rng.shuffle")) >> shuffle_;
    std::istringstream(process_stream(c, "rng.noise", rank(), processes())) >> noise_;
    epochs_done_ = std::stoi(c.value("epoch"));
    if (c.text.contains("schedule.tau")) {
        const std::int64_t next = optimiser_.steps();
        if (c.value("schedule.tau") != bits_of(temperature_at(next)))
            fail("the checkpoint's run anneals the temperature to another value at step ", next, " than this run's schedule (",
                 temperature_at(next), "): resume with the same temperature schedule");
        // (the KL warm-up's value also depends on the steps per epoch, known once the data is)
        resumed_kl_weight_ = c.value("schedule.kl_weight");
    }
    averaged_ = c.text.contains("average.count") ? std::stoi(c.value("average.count")) : 0;
    if (averaged_ > 0 && std::stoi(c.value("average.from")) != options_.average_from) {
        // a window that starts after the checkpoint is recomputed whole; one that started before it cannot be
        if (options_.average_from == 0 || options_.average_from <= epochs_done_)
            fail("the checkpoint averages the iterates from epoch ", c.value("average.from"), ", and this run from epoch ",
                 options_.average_from, ": resume with the same window, or one that starts after epoch ", epochs_done_);
        averaged_ = 0;
    }
    for (std::size_t k = 0; averaged_ > 0 && k < params_.size(); ++k) {
        average_.push_back(Eigen::MatrixXd::Zero(params_[k]->value.rows(), params_[k]->value.cols()));
        std::istringstream sum(c.value("average." + params_[k]->name));
        for (Eigen::Index i = 0; i < average_[k].size(); ++i) {
            std::uint64_t bits = 0;
            sum >> bits;
            average_[k](i) = std::bit_cast<double>(bits);
        }
        if (!sum) fail("the checkpoint's average.", params_[k]->name, " entry is damaged");
    }
    if (is_root()) std::cerr << "resumed from " << options_.checkpoint << " after epoch " << epochs_done_ << "\n";
}

}  // namespace detail
#endif  // PPL_DEFINITIONS

}  // namespace ppl
