// The examples' command line, pictures and main's frame (see example.hpp), compiled once, and
// ppl's model-independent functions for every example (the examples build with
// PPL_SEPARATE_COMPILATION, see ppl/core/compilation.hpp).
#include <ppl/separate_compilation.hpp>

#include "support/example.hpp"

#include <png.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>

#ifdef PPL_EXAMPLES_WITH_MPI
#include <ppl/parallel/mpi.hpp>
#endif

namespace ppl::examples {

command_line::command_line(const std::string& description, settings& s, unsigned groups)
    : app_(std::make_unique<CLI::App>(description)) {
    s.groups = groups;
    CLI::App& app = *app_;
    trainer_options& t = s.trainer;
    if (groups & epochs_flag) app.add_option("--epochs", t.epochs, "Training epochs")->check(CLI::NonNegativeNumber);
    if (groups & step_flags) {
        app.add_option("--batch", t.batch, "Data points per step");
        app.add_option("--seed", t.seed, "Seed for initialisation, shuffling and noise");
        app.add_option("--threads", t.threads, "Threads of the matrix products and loops")->check(CLI::PositiveNumber);
        app.add_option("--lr", t.adam.lr, "Adam learning rate");
        app.add_option("--out", s.out, "Folder for the program's outputs (pictures, tables) and the checkpoint");
        app.add_flag("--resume", t.resume, "Continue from the checkpoint in --out");
    }
    if (groups & data_flags) {
        app.add_option("--data", s.data, "Folder with the four Fashion-MNIST .gz files");
        app.add_option("--limit", t.limit, "Train on the first N images only (0: all)")->check(CLI::NonNegativeNumber);
    }
    if (groups & describe_flag) app.add_flag("--describe", s.describe, "Print one line per random site and exit");
    if (groups & elbo_flags) {
        app.add_option("--kl-warmup", s.kl_warmup, "Epochs over which the KL weight rises from 0 to 1")->check(CLI::NonNegativeNumber);
        app.add_option("--variance-every", s.variance_every,
                       "Every N steps, print the mean variance of M gradient estimates of the encoder (0: off)")
            ->check(CLI::NonNegativeNumber);
        app.add_option("--variance-draws", s.variance_draws, "M, the gradient estimates per --variance-every measurement")
            ->check(CLI::Range(2, 100000));
        app.add_option("--eval-samples", s.eval_samples,
                       "K: after training, the test set's -log p(x) by the importance weighted bound with K samples (0: skip)")
            ->check(CLI::NonNegativeNumber);
        app.add_option("--eval-images", s.eval_images, "N: the --eval-samples estimate over the first N test images only (0: all)")
            ->check(CLI::NonNegativeNumber);
    }
    if (groups & binarize_flag)
        app.add_flag("--binarize,!--no-binarize", s.binarize,
                     "Dynamically binarized data: each pixel ~ Bernoulli(intensity), redrawn each epoch for training, "
                     "the test set binarized once with a fixed seed");
    if (groups & temperature_flags) {
        // (rebar and relax learn their own temperature; the others read none)
        app.add_option("--tau0", s.temperature.initial, "Initial temperature of gumbel_softmax and straight_through");
        app.add_option("--tau-min", s.temperature.minimum, "Smallest temperature of gumbel_softmax and straight_through");
        app.add_option("--anneal-rate", s.temperature.rate, "r in tau = max(tau_min, tau0 exp(-r step))");
        app.add_option("--anneal-every", s.temperature.every, "Steps between temperature updates");
    }
}

command_line::~command_line() = default;

void command_line::add_option(const std::string& flag, std::string& value, const std::string& help, const std::vector<std::string>& choices) {
    CLI::Option* option = app_->add_option(flag, value, help);
    if (!choices.empty()) option->check(CLI::IsMember(choices));
}
void command_line::add_option(const std::string& flag, double& value, const std::string& help) { app_->add_option(flag, value, help); }
void command_line::add_option(const std::string& flag, std::int64_t& value, const std::string& help) { app_->add_option(flag, value, help); }

std::optional<int> command_line::parse(int argc, char** argv) {
    try {
        app_->parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app_->exit(e);
    }
    return std::nullopt;
}

trainer_options settings::for_trainer(process_group* processes, std::vector<parameter*> watched) const {
    trainer_options t = trainer;
    if (!std::isfinite(t.adam.lr) || t.adam.lr <= 0) fail("learning rate --lr is ", t.adam.lr, "; it must be a positive finite number");
    if (t.resume && out.empty()) fail("--resume needs --out, the folder that holds checkpoint.ppl");
    if (!out.empty()) {
        std::filesystem::create_directories(out);
        t.checkpoint = (std::filesystem::path(out) / "checkpoint.ppl").string();
    }
    t.processes = processes;
    if (t.threads == 0) t.threads = 1;
    if (groups & data_flags) t.evaluation_batch = 500, t.data_unit = "images";
    if (groups & temperature_flags) t.temperature = temperature;
    if (groups & binarize_flag && binarize) t.transform = dynamic_binarization("x");
    if (groups & elbo_flags) {
        t.kl_warmup_epochs = kl_warmup;
        t.likelihood_samples = eval_samples, t.likelihood_points = eval_images;
        t.variance = {.every = variance_every, .draws = variance_draws, .parameters = std::move(watched)};
    }
    return t;
}

int run(const std::function<int(process_group*)>& body) {
#ifdef PPL_EXAMPLES_WITH_MPI
    return run_with_mpi(body);
#else
    return run_alone(body);
#endif
}

void write_image_grid(const std::string& path, const Eigen::MatrixXf& images, int side, int rows, int cols, int zoom) {
    const int gap = 2 * zoom, cell = side * zoom, width = cols * (cell + gap) + gap, height = rows * (cell + gap) + gap;
    std::vector<png_byte> pixels(static_cast<std::size_t>(width) * height, 255);
    for (int k = 0; k < rows * cols && k < images.cols(); ++k) {
        const int top = gap + (k / cols) * (cell + gap), left = gap + (k % cols) * (cell + gap);
        for (int r = 0; r < cell; ++r)
            for (int c = 0; c < cell; ++c) {
                const float v = std::clamp(images((r / zoom) * side + c / zoom, k), 0.0f, 1.0f);
                pixels[static_cast<std::size_t>(top + r) * width + left + c] = static_cast<png_byte>(255.0f * (1.0f - v) + 0.5f);
            }
    }
    const std::string temporary = path + ".tmp";
    std::FILE* file = std::fopen(temporary.c_str(), "wb");
    if (!file) fail("cannot write image '", temporary, "'");
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
    png_infop info = png ? png_create_info_struct(png) : nullptr;
    if (!png || !info || setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        std::fclose(file);
        fail("libpng failed while writing '", temporary, "'");
    }
    png_init_io(png, file);
    png_set_IHDR(png, info, static_cast<png_uint_32>(width), static_cast<png_uint_32>(height), 8, PNG_COLOR_TYPE_GRAY,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    for (int r = 0; r < height; ++r) png_write_row(png, &pixels[static_cast<std::size_t>(r) * width]);
    png_write_end(png, nullptr);
    png_destroy_write_struct(&png, &info);
    if (std::fclose(file) != 0) fail("cannot finish writing image '", temporary, "'");
    std::filesystem::rename(temporary, path);
}

void write_vae_pictures(const std::string& out, const Eigen::MatrixXf& originals, const Eigen::MatrixXf& reconstructions,
                        const Eigen::MatrixXf& samples) {
    const Eigen::Index shown = originals.cols();
    // rows of the grid alternate: eight originals, then their reconstructions
    Eigen::MatrixXf pairs = Eigen::MatrixXf::Zero(originals.rows(), 16 * ((shown + 7) / 8));
    for (Eigen::Index k = 0; k < shown; ++k) {
        pairs.col((k / 8) * 16 + k % 8) = originals.col(k);
        pairs.col((k / 8) * 16 + 8 + k % 8) = reconstructions.col(k);
    }
    const auto dir = std::filesystem::path(out);
    write_image_grid((dir / "reconstructions.png").string(), pairs, 28, static_cast<int>(2 * ((shown + 7) / 8)), 8);
    write_image_grid((dir / "samples.png").string(), samples, 28, 8, 8);
    std::cerr << "pictures: " << (dir / "reconstructions.png").string() << " (odd rows: test images, even rows: "
              << "reconstructions) and " << (dir / "samples.png").string() << " (decoded prior samples)\n"
              << "checkpoint: " << (dir / "checkpoint.ppl").string() << "\n";
}

}  // namespace ppl::examples
