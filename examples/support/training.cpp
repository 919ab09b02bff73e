// The model-independent half of the training driver (see training.hpp), compiled once.
#include "support/training.hpp"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <iomanip>
#include <sstream>

#include "support/image_grid.hpp"
#ifdef PPL_EXAMPLES_WITH_MPI
#include <ppl/parallel/mpi.hpp>
#endif

namespace ppl::examples {

// ---- command line ----------------------------------------------------------------------------

command_line::command_line(const std::string& description, train_options& o) : app_(std::make_unique<CLI::App>(description)) {
    CLI::App& app = *app_;
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
    app.add_option("--variance-every", o.variance_every,
                   "Every N steps, print the mean variance of M gradient estimates of the encoder (0: off)")
        ->check(CLI::NonNegativeNumber);
    app.add_option("--variance-draws", o.variance_draws, "M, the gradient estimates per --variance-every measurement")
        ->check(CLI::Range(2, 100000));
    app.add_option("--eval-samples", o.eval_samples,
                   "K: after training, the test set's -log p(x) by the importance weighted bound with K samples (0: skip)")
        ->check(CLI::NonNegativeNumber);
    app.add_option("--eval-images", o.eval_images,
                   "N: the --eval-samples estimate over the first N test images only (0: all 10000)")
        ->check(CLI::NonNegativeNumber);
    app.add_flag("--binarize,!--no-binarize", o.binarize,
                 "Dynamically binarized data: each pixel ~ Bernoulli(intensity), redrawn each epoch; the test set "
                 "binarized once with a fixed seed");
}

command_line::~command_line() = default;

void command_line::add_option(const std::string& flag, std::string& value, const std::string& help,
                              const std::vector<std::string>& choices) {
    CLI::Option* option = app_->add_option(flag, value, help);
    if (!choices.empty()) option->check(CLI::IsMember(choices));
}
void command_line::add_option(const std::string& flag, double& value, const std::string& help) {
    app_->add_option(flag, value, help);
}
void command_line::add_option(const std::string& flag, std::int64_t& value, const std::string& help) {
    app_->add_option(flag, value, help);
}

void command_line::add_temperature_options(exponential_temperature& schedule) {
    app_->add_option("--tau0", schedule.initial, "Initial temperature");
    app_->add_option("--tau-min", schedule.minimum, "Smallest temperature");
    app_->add_option("--anneal-rate", schedule.rate, "r in tau = max(tau_min, tau0 exp(-r step))");
    app_->add_option("--anneal-every", schedule.every, "Steps between temperature updates");
}

std::optional<int> command_line::parse(int argc, char** argv) {
    try {
        app_->parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app_->exit(e);
    }
    return std::nullopt;
}

// ---- helpers ---------------------------------------------------------------------------------

namespace {

// A stream of its own for each (purpose, epoch or step): what one draws never shifts another's
// numbers, and a resumed run recreates the same stream from the key alone.
random_stream keyed_stream(std::uint64_t seed, std::int64_t key, std::uint64_t purpose) {
    return random_stream{seed + 1000003ull * std::uint64_t(key + 1), purpose};
}

// The processes of this run: set by guarded_main when mpirun started the program.
#ifdef PPL_EXAMPLES_WITH_MPI
mpi_world* world = nullptr;
#endif
int process_rank() {
#ifdef PPL_EXAMPLES_WITH_MPI
    if (world != nullptr) return world->rank();
#endif
    return 0;
}
int process_count() {
#ifdef PPL_EXAMPLES_WITH_MPI
    if (world != nullptr) return world->size();
#endif
    return 1;
}
// Only rank 0 prints, draws pictures and writes the checkpoint.
bool root() { return process_rank() == 0; }

// A --batch the processes cannot share equally is an error on every process, before training.
void check_batch_splits(Eigen::Index batch) {
    const int n = process_count();
    if (batch % n != 0)
        fail("--batch ", batch, " does not split evenly over ", n, " processes; give a batch that ", n, " divides (e.g. ",
             (batch / n + 1) * n, ")");
}

// The options no flag parser can check alone; before anything is built from them.
const train_options& checked(const train_options& o) {
    if (o.batch < 1) fail("--batch ", o.batch, " must be at least 1");
    check_batch_splits(o.batch);
    if (!std::isfinite(o.lr) || o.lr <= 0) fail("learning rate --lr is ", o.lr, "; it must be a positive finite number");
    return o;
}

}  // namespace

// ---- gradient variance -----------------------------------------------------------------------

gradient_spread::gradient_spread(std::vector<parameter*> params) : params_(std::move(params)) {
    for (const parameter* p : params_) {
        mean_.push_back(Eigen::ArrayXXd::Zero(p->grad.rows(), p->grad.cols()));
        squares_.push_back(mean_.back());
    }
}

void gradient_spread::add() {
    ++count_;
    for (std::size_t k = 0; k < params_.size(); ++k) {
        const Eigen::ArrayXXd g = params_[k]->grad.cast<double>().array();
        const Eigen::ArrayXXd before = g - mean_[k];
        mean_[k] += before / double(count_);
        squares_[k] += before * (g - mean_[k]);
    }
}

double gradient_spread::mean_variance() const {
    if (count_ < 2) fail("a gradient variance needs at least 2 draws; got ", count_);
    double total = 0;
    Eigen::Index entries = 0;
    for (const auto& s : squares_) total += s.sum(), entries += s.size();
    return entries > 0 ? total / double(count_ - 1) / double(entries) : 0.0;
}

// ---- the session -----------------------------------------------------------------------------

struct training_session::state {
    state(const train_options& o, std::vector<parameter*> p, std::span<baseline_state> b)
        : options(checked(o)), params(std::move(p)), baselines(b), optimiser(params, {.lr = o.lr}), shuffle_rng(o.seed, 1) {}

    train_options options;
    std::vector<parameter*> params;
    std::span<baseline_state> baselines;
    adam optimiser;
    random_stream shuffle_rng;
    fashion_mnist data;
    std::optional<batches> train_batches;
    random_stream binarize_rng;  // this epoch's binarization of the training batches
    Eigen::MatrixXf binary_batch;
    std::string checkpoint_path;
    Eigen::Index test_batch = 0, test_count = 0;
#ifdef PPL_EXAMPLES_WITH_MPI
    std::optional<data_parallel<float>> replicas;  // with several processes
#endif
    // the running epoch
    std::chrono::steady_clock::time_point start;
    std::optional<progress_bar> bar;
    double total = 0;
    Eigen::Index done = 0;
};

training_session::training_session(const train_options& o, std::vector<parameter*> params,
                                   std::span<baseline_state> baselines)
    // each process draws its own noise: stream 2 for rank 0 (a single process's), 2 + 1000 r for rank r
    : state_(std::make_unique<state>(o, std::move(params), baselines)), noise_rng_(o.seed, 2 + 1000ull * std::uint64_t(process_rank())) {
    state& s = *state_;
    set_threads(o.threads);
    if (!o.out.empty()) std::filesystem::create_directories(o.out);
    s.checkpoint_path = o.out.empty() ? "" : (std::filesystem::path(o.out) / "checkpoint.ppl").string();

    s.data = load_fashion_mnist(o.data);
    if (o.limit > 0 && o.limit < s.data.train_images.cols()) s.data.train_images = s.data.train_images.leftCols(o.limit).eval();
    if (root())
        std::cerr << "data: " << s.data.train_images.cols() << " training and " << s.data.test_images.cols()
                  << " test images from " << o.data << (o.binarize ? ", binarized" : "")
                  << (process_count() > 1 ? ", " + std::to_string(process_count()) + " processes" : "") << "\n";
    if (o.binarize) {
        // one fixed draw, whatever --seed, so that every run is scored on the same binary test set
        random_stream test_rng{20261127, 7};
        binarize(s.data.test_images, s.data.test_images, test_rng);
    }

    if (o.resume) {
        if (s.checkpoint_path.empty()) fail("--resume needs --out, the folder that holds checkpoint.ppl");
        const checkpoint c = load_checkpoint(s.checkpoint_path);
        restore_training_state(c, s.params, s.optimiser);
        std::istringstream(c.value("rng.shuffle")) >> s.shuffle_rng;
        std::istringstream(process_stream(c, "rng.noise", process_rank(), process_count())) >> noise_rng_;
        restore_estimator_state(c, s.baselines);
        first_epoch_ = std::stoi(c.value("epoch"));
        if (root()) std::cerr << "resumed from " << s.checkpoint_path << " after epoch " << first_epoch_ << "\n";
    }
#ifdef PPL_EXAMPLES_WITH_MPI
    if (process_count() > 1) {
        s.replicas.emplace(*world, s.params);
        s.replicas->broadcast_parameters();  // every process starts from rank 0's parameters
    }
#endif
    s.train_batches.emplace(s.data.train_images, o.batch);
    s.test_batch = std::min<Eigen::Index>(500, s.data.test_images.cols());
    s.test_count = s.test_batch > 0 ? s.data.test_images.cols() / s.test_batch : 0;
}

training_session::~training_session() = default;

Eigen::Index training_session::steps_per_epoch() const { return state_->train_batches->count(); }
std::int64_t training_session::steps() const { return state_->optimiser.steps(); }

void training_session::begin_epoch(int epoch) {
    state& s = *state_;
    s.start = std::chrono::steady_clock::now();
    s.train_batches->shuffle(s.shuffle_rng);
    // a stream per epoch, so that a resumed run draws the same binary images
    s.binarize_rng = keyed_stream(s.options.seed, epoch, 5);
    if (root()) s.bar.emplace("epoch " + std::to_string(epoch + 1), steps_per_epoch(), "batches", "neg_elbo");
    s.total = 0;
    s.done = 0;
}

const Eigen::MatrixXf& training_session::train_batch(Eigen::Index k) {
    state& s = *state_;
    const Eigen::MatrixXf& intensities = s.train_batches->get(k);
    if (!s.options.binarize) return intensities;
    s.binary_batch.resize(intensities.rows(), intensities.cols());
    binarize(intensities, s.binary_batch, s.binarize_rng);
    return s.binary_batch;
}

step_options training_session::settings(double tau) const {
    const state& s = *state_;
    const double warm = s.options.kl_warmup > 0
                            ? double(s.optimiser.steps() + 1) / (s.options.kl_warmup * double(steps_per_epoch()))
                            : 1.0;
    return {.tau = tau, .beta = std::min(1.0, warm)};
}

adam& training_session::optimiser() { return state_->optimiser; }

int training_session::processes() const { return process_count(); }

Eigen::Map<const Eigen::MatrixXf> training_session::process_columns(const Eigen::MatrixXf& batch) const {
    const Eigen::Index count = batch.cols() / process_count();
    return {batch.data() + process_rank() * count * batch.rows(), batch.rows(), count};
}

void training_session::average_and_step() {
    state& s = *state_;
#ifdef PPL_EXAMPLES_WITH_MPI
    if (s.replicas) {
        s.replicas->average_gradients();
        s.replicas->average_estimator_state(s.baselines);
    }
#endif
    s.optimiser.step();
}

void training_session::finish_step(double neg_elbo) {
    state& s = *state_;
    s.total += neg_elbo;
    ++s.done;
    if (s.bar) s.bar->update(s.done, s.total / double(s.done));
}

Eigen::Index training_session::test_batch_count() const { return state_->test_count; }

Eigen::Map<const Eigen::MatrixXf> training_session::test_batch(Eigen::Index k) const {
    const state& s = *state_;
    return {s.data.test_images.data() + k * s.test_batch * s.data.test_images.rows(), s.data.test_images.rows(), s.test_batch};
}

random_stream training_session::evaluation_stream(int epoch) const {
    return keyed_stream(state_->options.seed, epoch, 3);
}

random_stream training_session::variance_stream() const {
    return keyed_stream(state_->options.seed, steps(), 6);
}

void training_session::report_variance(std::string_view site, std::string_view estimator, double value) const {
    if (!root()) return;
    std::cout << "grad_variance step=" << steps() << " site=" << site << " estimator=" << estimator
              << " value=" << std::setprecision(6) << value << std::defaultfloat << std::endl;
}

Eigen::Index training_session::likelihood_image_count() const {
    const Eigen::Index all = state_->data.test_images.cols();
    return state_->options.eval_images > 0 ? std::min(state_->options.eval_images, all) : all;
}

Eigen::Map<const Eigen::MatrixXf> training_session::test_images(Eigen::Index first, Eigen::Index count) const {
    const auto& images = state_->data.test_images;
    return {images.data() + first * images.rows(), images.rows(), count};
}

random_stream training_session::likelihood_stream() const { return keyed_stream(state_->options.seed, 0, 8); }

void training_session::likelihood_progress(Eigen::Index done, double running) {
    state& s = *state_;
    if (done == 0) {
        s.start = std::chrono::steady_clock::now();
        s.bar.reset();
        if (root())
            s.bar.emplace("-log p(x), K=" + std::to_string(s.options.eval_samples), likelihood_image_count(), "test images",
                      "mean");
        return;
    }
    if (s.bar) s.bar->update(done, running);
}

void training_session::report_likelihood(double value) {
    const state& s = *state_;
    if (!root()) return;
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - s.start).count();
    std::cout << "test_neg_log_likelihood=" << std::fixed << std::setprecision(3) << value
              << " samples=" << s.options.eval_samples << " images=" << likelihood_image_count()
              << " seconds=" << std::setprecision(2) << seconds << std::defaultfloat
              << std::endl;
}

void training_session::end_epoch(int epoch, const epoch_evaluation& evaluation) {
    state& s = *state_;
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - s.start).count();
    // every process trained on its own columns: the epoch's mean is the mean of the processes' means
    double train_neg_elbo = s.total / double(std::max<Eigen::Index>(s.done, 1));
    std::ostringstream noise;
    noise << noise_rng_;
    std::vector<std::string> noises{noise.str()};
#ifdef PPL_EXAMPLES_WITH_MPI
    if (world != nullptr) {
        train_neg_elbo = world->sum(train_neg_elbo) / world->size();
        noises = world->gather(noise.str());
    }
#endif
    if (!root()) return;
    std::cout << "epoch=" << epoch + 1 << " train_neg_elbo=" << std::fixed << std::setprecision(3) << train_neg_elbo
              << " test_neg_elbo=" << evaluation.test_neg_elbo;
    if (evaluation.test_neg_elbo_relaxed) std::cout << " test_neg_elbo_relaxed=" << *evaluation.test_neg_elbo_relaxed;
    if (evaluation.tau) std::cout << " tau=" << std::setprecision(4) << *evaluation.tau;
    std::cout << " seconds=" << std::setprecision(2) << seconds << std::defaultfloat << std::endl;
    if (s.checkpoint_path.empty()) return;
    checkpoint c;
    store_training_state(c, s.params, s.optimiser);
    std::ostringstream shuffle;
    shuffle << s.shuffle_rng;
    c.text["rng.shuffle"] = shuffle.str();
    store_process_streams(c, "rng.noise", noises);
    store_estimator_state(c, s.baselines);
    c.text["epoch"] = std::to_string(epoch + 1);
    save_checkpoint(s.checkpoint_path, c);
}

bool training_session::wants_pictures() const { return !state_->options.out.empty() && root(); }

Eigen::MatrixXf training_session::picture_originals() const {
    const auto& images = state_->data.test_images;
    return images.leftCols(std::min<Eigen::Index>(32, images.cols()));
}

random_stream training_session::picture_stream() const { return random_stream{state_->options.seed, 4}; }

void training_session::write_pictures(const Eigen::MatrixXf& originals, const Eigen::MatrixXf& reconstructions,
                                      const Eigen::MatrixXf& samples) const {
    const Eigen::Index shown = originals.cols();
    // rows of the grid alternate: eight originals, then their reconstructions
    Eigen::MatrixXf pairs = Eigen::MatrixXf::Zero(originals.rows(), 16 * ((shown + 7) / 8));
    for (Eigen::Index k = 0; k < shown; ++k) {
        pairs.col((k / 8) * 16 + k % 8) = originals.col(k);
        pairs.col((k / 8) * 16 + 8 + k % 8) = reconstructions.col(k);
    }
    const auto dir = std::filesystem::path(state_->options.out);
    write_image_grid((dir / "reconstructions.png").string(), pairs, 28, static_cast<int>(2 * ((shown + 7) / 8)), 8);
    write_image_grid((dir / "samples.png").string(), samples, 28, 8, 8);
    std::cerr << "pictures: " << (dir / "reconstructions.png").string() << " (odd rows: test images, even rows: "
              << "reconstructions) and " << (dir / "samples.png").string() << " (decoded prior samples)\n"
              << "checkpoint: " << state_->checkpoint_path << "\n";
}

std::unique_ptr<process_group> trainer_processes(std::vector<parameter*> params) {
#ifdef PPL_EXAMPLES_WITH_MPI
    if (process_count() > 1) return std::make_unique<mpi_process_group>(*world, std::move(params));
#endif
    static_cast<void>(params);
    return nullptr;
}

// ---- processes of an example's own loop --------------------------------------------------------

struct replica_group::state {
    std::vector<parameter*> params;
#ifdef PPL_EXAMPLES_WITH_MPI
    std::optional<data_parallel<float>> replicas;
#endif
};

replica_group::replica_group(std::vector<parameter*> params) : state_(std::make_unique<state>()) {
    state_->params = std::move(params);
#ifdef PPL_EXAMPLES_WITH_MPI
    if (process_count() > 1) {
        state_->replicas.emplace(*world, state_->params);
        state_->replicas->broadcast_parameters();
    }
#endif
}

replica_group::~replica_group() = default;

int replica_group::rank() const { return process_rank(); }
int replica_group::size() const { return process_count(); }

std::pair<Eigen::Index, Eigen::Index> replica_group::slice(Eigen::Index global) const {
    check_batch_splits(global);
    const Eigen::Index share = global / process_count();
    return {share * process_rank(), share};
}

void replica_group::average_gradients() {
#ifdef PPL_EXAMPLES_WITH_MPI
    if (state_->replicas) state_->replicas->average_gradients();
#endif
}

double replica_group::mean(double value) const {
#ifdef PPL_EXAMPLES_WITH_MPI
    if (world != nullptr) return world->sum(value) / world->size();
#endif
    return value;
}

void replica_group::store_stream(checkpoint& c, const std::string& key, const random_stream& stream) const {
    std::ostringstream text;
    text << stream;
    std::vector<std::string> all{text.str()};
#ifdef PPL_EXAMPLES_WITH_MPI
    if (world != nullptr) all = world->gather(text.str());
#endif
    if (root()) store_process_streams(c, key, all);
}

void replica_group::restore_stream(const checkpoint& c, const std::string& key, random_stream& stream) const {
    std::istringstream(process_stream(c, key, process_rank(), process_count())) >> stream;
}

// ---- main ------------------------------------------------------------------------------------

int run_processes() { return process_count(); }
int run_rank() { return process_rank(); }

int guarded_main(int (*body)(void*), void* context) {
#ifdef PPL_EXAMPLES_WITH_MPI
    // under mpirun, one job of several processes; without it, one process and no MPI at all
    std::optional<mpi_world> processes;
    if (mpi_world::launched_by_mpirun()) {
        int argc = 0;
        char** argv = nullptr;
        processes.emplace(argc, argv);
        world = &*processes;
    }
#else
    // N copies of one run, each writing the same --out, would race: say so instead of starting
    if (std::getenv("OMPI_COMM_WORLD_SIZE") != nullptr || std::getenv("PMI_SIZE") != nullptr) {
        std::cerr << "error: this build has no MPI (CMake option PPL_WITH_MPI needs libopenmpi-dev); run the "
                     "program without mpirun, or rebuild with MPI\n";
        return 1;
    }
#endif
    try {
        return body(context);
    } catch (const ppl::error& e) {
        if (process_count() == 1) {
            std::cerr << "error: " << e.what() << "\n";
            return 1;
        }
        std::cerr << "error (process " << process_rank() << " of " << process_count() << "): " << e.what() << "\n";
#ifdef PPL_EXAMPLES_WITH_MPI
        world->abort(1);  // the other processes would wait for this one forever
#endif
    }
    return 1;
}

}  // namespace ppl::examples
