#pragma once
// What the example programs share beyond the library: their command line, their pictures, and
// main's frame. Training itself is ppl::trainer's. Compiled once, into ppl_example_support.
#include <Eigen/Core>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <ppl/ppl.hpp>

namespace CLI {
class App;
}

namespace ppl::examples {

/// Groups of flags; an example offers only the groups it honours, so --help lists only those.
enum flag_group : unsigned {
    epochs_flag = 1,        // --epochs
    step_flags = 64,        // --batch --seed --threads --lr --out --resume
    run_flags = epochs_flag | step_flags,
    data_flags = 2,         // --data --limit (Fashion-MNIST)
    describe_flag = 4,      // --describe
    elbo_flags = 8,         // --kl-warmup --variance-every --variance-draws --eval-samples --eval-images
    binarize_flag = 16,     // --binarize / --no-binarize
    temperature_flags = 32, // --tau0 --tau-min --anneal-rate --anneal-every
    vae_flags = run_flags | data_flags | describe_flag | elbo_flags | binarize_flag,
};

/// What the flags set.
struct settings {
    unsigned groups = 0;  // the flag groups the example offers (set by command_line)
    trainer_options trainer{.adam = {.lr = 1e-3}};
    std::string data = fashion_mnist_default_dir, out;
    bool describe = false, binarize = false;
    exponential_temperature temperature{};
    double kl_warmup = 0;
    std::int64_t variance_every = 0;
    int variance_draws = 100;
    Eigen::Index eval_samples = 1000, eval_images = 0;

    /// The trainer's options from the offered groups' flags: the checkpoint in --out, and for a VAE
    /// the schedules, binarization, the final -log p(x) and the gradient variance of `watched` (say,
    /// the encoder's parameters).
    [[nodiscard]] trainer_options for_trainer(process_group* processes, std::vector<parameter*> watched = {}) const;
};

/// An example's command line: the groups it honours, plus its own options.
class command_line {
public:
    command_line(const std::string& description, settings& s, unsigned groups);
    ~command_line();
    command_line(const command_line&) = delete;
    command_line& operator=(const command_line&) = delete;

    /// An option with a value; `choices`, if given, lists the values it accepts.
    void add_option(const std::string& flag, std::string& value, const std::string& help, const std::vector<std::string>& choices = {});
    void add_option(const std::string& flag, double& value, const std::string& help);
    void add_option(const std::string& flag, std::int64_t& value, const std::string& help);

    /// Parses the arguments. Returns the exit status when the program should stop here (after
    /// --help, or with a message for a bad flag), nothing when it should go on.
    [[nodiscard]] std::optional<int> parse(int argc, char** argv);

private:
    std::unique_ptr<CLI::App> app_;
};

/// main's frame: body(processes) under mpirun as one job of N processes (when built with MPI),
/// else alone; a ppl::error becomes a message and exit status 1 (and ends the whole job).
int run(const std::function<int(process_group*)>& body);

/// Tiles the first rows*cols columns of `images` (each side x side, drawn at `zoom` x) into one
/// PNG with gaps, dark ink on white, written atomically.
void write_image_grid(const std::string& path, const Eigen::MatrixXf& images, int side, int rows, int cols, int zoom = 3);

/// --out's pictures of a VAE: test images above their reconstructions, and decoded prior samples.
void write_vae_pictures(const std::string& out, const Eigen::MatrixXf& originals, const Eigen::MatrixXf& reconstructions,
                        const Eigen::MatrixXf& samples);

/// Trains a VAE on Fashion-MNIST as the settings say. The model provides train and test
/// objectives (sharing parameters), encoder_parameters(), reconstruct(images, rng) and
/// sample_images(count, rng).
template <class Model>
int train_vae(Model& model, const settings& s, process_group* processes) {
    if (s.describe) {
        std::cout << model.train.describe();
        return 0;
    }
    const fashion_mnist data = load_fashion_mnist(s.data);
    trainer fit{model.train, model.test, s.for_trainer(processes, model.encoder_parameters())};
    fit.run({{"x", data.train_images}}, {{"x", data.test_images}});
    if (s.out.empty() || !fit.is_root()) return 0;
    const auto& test = fit.test_input("x");
    const Eigen::MatrixXf originals = test.leftCols(std::min<Eigen::Index>(32, test.cols()));
    random_stream pictures{s.trainer.seed, 4};
    const Eigen::MatrixXf reconstructions = model.reconstruct(originals, pictures);
    write_vae_pictures(s.out, originals, reconstructions, model.sample_images(64, pictures));
    return 0;
}

}  // namespace ppl::examples
