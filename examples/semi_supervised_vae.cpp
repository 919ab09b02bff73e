// The semi-supervised VAE of Kingma et al. (2014), M2, on dynamically binarized Fashion-MNIST, with a
// few labelled images and the rest unlabelled:
//   x -> q(y | x), 10 classes;  x, y -> q(z | x, y), 50 normal latents;  p(x | y, z) bernoulli.
// The class is a partly observed site: the label where one is given, a latent elsewhere, summed out
// (enumerate) or estimated (gumbel_softmax, straight_through, score_function). Every step trains on
// --batch unlabelled and --labelled-batch labelled images; the labelled images add -alpha log q(y | x).
//   semi_supervised_vae --labels 100|600|1000|3000 --estimator enumerate|gumbel_softmax|straight_through|score_function
// Each epoch line ends with test_accuracy, argmax q(y | x) against the test labels. With --out, the
// labelled images' columns are written to labelled.txt (one per line), for bench/peers/torch_semi_supervised_vae.py.
#include <ppl/ppl.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <vector>

#include "support/example.hpp"

using namespace ppl;

namespace {

constexpr Eigen::Index pixels = 784, hidden = 256, classes = 10, latents = 50;

struct m2_layers {
    random_stream init;
    dense enc_h{pixels, hidden, init, "enc_h"}, enc_y{hidden, classes, init, "enc_y"};
    dense enc_loc{hidden + classes, latents, init, "enc_loc"}, enc_scale{hidden + classes, latents, init, "enc_scale"};
    dense dec_h{latents + classes, hidden, init, "dec_h"}, dec_out{hidden, pixels, init, "dec_out"};

    explicit m2_layers(std::uint64_t seed) : init(seed) {}

    template <class Estimator>
    auto model(double alpha) {
        auto x = data<"x">();
        auto h = let<"h">(relu(enc_h(x)));
        auto y = sample<"y", Estimator>(partly_observed<"y">(categorical(enc_y(h), 1), alpha), uniform_categorical());
        auto hy = let<"hy">(concat(h, y));
        auto z = sample<"z">(normal(enc_loc(hy), softplus(enc_scale(hy)) + 1e-4), std_normal());
        return observe(bernoulli_logits(dec_out(relu(dec_h(concat(z, y))))), x);
    }
    // argmax q(y | x): the classifier alone
    auto classifier() { return sum(let<"logits">(enc_y(relu(enc_h(input<"x">()))))); }
};

// `count` images with their one-hot labels, balanced over the classes (count / 10 each), drawn by a
// stream of `seed`; the labels the others keep are hidden (zero columns, mask 0).
struct split {
    Eigen::MatrixXf labelled_x, labelled_y, labelled_mask, unlabelled_x, unlabelled_y, unlabelled_mask;
    std::vector<Eigen::Index> labelled;  // the labelled images' columns in the training set
};
split split_labels(const Eigen::MatrixXf& images, const std::vector<int>& labels, Eigen::Index count, std::uint64_t seed) {
    if (count < classes || count % classes != 0 || count > images.cols())
        fail("--labels is ", count, "; it must be a multiple of ", classes, " (balanced over the classes), at least ", classes,
             " and at most the ", images.cols(), " training images");
    std::vector<Eigen::Index> order(static_cast<std::size_t>(images.cols()));
    for (std::size_t j = 0; j < order.size(); ++j) order[j] = static_cast<Eigen::Index>(j);
    random_stream rng{seed, 11};
    for (std::size_t j = order.size() - 1; j > 0; --j) std::swap(order[j], order[rng.below(static_cast<std::uint32_t>(j + 1))]);
    std::vector<Eigen::Index> taken, rest;
    std::vector<Eigen::Index> per_class(classes, 0);
    for (const Eigen::Index j : order) {
        const int c = labels[static_cast<std::size_t>(j)];
        if (per_class[static_cast<std::size_t>(c)] < count / classes) ++per_class[static_cast<std::size_t>(c)], taken.push_back(j);
        else rest.push_back(j);
    }
    const auto gather = [&](const std::vector<Eigen::Index>& columns, bool observed, Eigen::MatrixXf& x, Eigen::MatrixXf& y,
                            Eigen::MatrixXf& mask) {
        const auto n = static_cast<Eigen::Index>(columns.size());
        x.resize(pixels, n), y = Eigen::MatrixXf::Zero(classes, n), mask = Eigen::MatrixXf::Constant(1, n, observed ? 1.0f : 0.0f);
        for (Eigen::Index k = 0; k < n; ++k) {
            x.col(k) = images.col(columns[static_cast<std::size_t>(k)]);
            if (observed) y(labels[static_cast<std::size_t>(columns[static_cast<std::size_t>(k)])], k) = 1;
        }
    };
    split s;
    s.labelled = taken;
    gather(taken, true, s.labelled_x, s.labelled_y, s.labelled_mask);
    gather(rest, false, s.unlabelled_x, s.unlabelled_y, s.unlabelled_mask);
    return s;
}

template <class Estimator>
int run(const examples::settings& s, std::int64_t labels, std::int64_t labelled_batch, double alpha) {
    if (labelled_batch < 1 || labelled_batch > labels)
        fail("--labelled-batch is ", labelled_batch, "; it must lie between 1 and --labels (", labels, ")");
    m2_layers layers(s.trainer.seed);
    auto objective = elbo(layers.model<Estimator>(alpha));
    if (s.describe) {
        std::cout << objective.describe();
        return 0;
    }
    const fashion_mnist data = load_fashion_mnist(s.data);
    const split sets = split_labels(data.train_images, data.train_labels, labels, s.trainer.seed);
    const Eigen::Index test_count = data.test_images.cols();
    const Eigen::MatrixXf test_y = Eigen::MatrixXf::Zero(classes, test_count), test_mask = Eigen::MatrixXf::Zero(1, test_count);
    trainer_options options = s.for_trainer(nullptr, {&layers.enc_y.weight, &layers.enc_y.bias});
    if (!s.out.empty()) {  // the labelled images, for a peer that trains on the same ones
        const std::filesystem::path path = std::filesystem::path(s.out) / "labelled.txt";
        std::ofstream file(path.string() + ".tmp");
        for (const Eigen::Index j : sets.labelled) file << j << "\n";
        file.close();
        if (!file) fail("cannot write ", path.string());
        std::filesystem::rename(path.string() + ".tmp", path);
    }
    options.labelled_batch = labelled_batch;
    graph classify{layers.classifier()};
    std::function<const Eigen::MatrixXf&()> test_images;  // the trainer's test images, binarized as it scores them
    options.evaluate = [&](epoch_record& record) {
        classify.set<"x">(test_images());
        classify.forward();
        const Eigen::MatrixXf& logits = classify.value<"logits">();
        Eigen::Index correct = 0;
        for (Eigen::Index j = 0; j < logits.cols(); ++j) {
            Eigen::Index best = 0;
            logits.col(j).maxCoeff(&best);
            correct += best == data.test_labels[static_cast<std::size_t>(j)];
        }
        record.add("test_accuracy", static_cast<double>(correct) / static_cast<double>(logits.cols()));
    };
    trainer fit{objective, options};
    test_images = [&fit]() -> const Eigen::MatrixXf& { return fit.test_input("x"); };
    std::cout << "labelled=" << sets.labelled_x.cols() << " unlabelled=" << sets.unlabelled_x.cols()
              << " labelled_batch=" << labelled_batch << " alpha=" << alpha << "\n";
    fit.run({{"x", sets.unlabelled_x}, {"y", sets.unlabelled_y}, {"y_observed", sets.unlabelled_mask}},
            {{"x", sets.labelled_x}, {"y", sets.labelled_y}, {"y_observed", sets.labelled_mask}},
            {{"x", data.test_images}, {"y", test_y}, {"y_observed", test_mask}});
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    examples::settings s;
    s.binarize = true;
    s.trainer.batch = 100;
    examples::command_line flags("Semi-supervised VAE (Kingma et al.'s M2: 10 classes, 50 normal latents) on Fashion-MNIST "
                                 "with a few labels, trained with ppl",
                                 s, examples::vae_flags | examples::temperature_flags);
    using estimators = estimator_choices<enumerate, gumbel_softmax, straight_through, score_function<moving_average>>;
    std::string estimator = "enumerate";
    std::int64_t labels = 1000, labelled_batch = 100;
    double alpha = 50;
    flags.add_option("--estimator", estimator,
                     "how the class of an unlabelled image is handled: enumerate (summed over the 10 classes), gumbel_softmax, "
                     "straight_through or score_function (moving-average baseline)",
                     estimators::names());
    flags.add_option("--labels", labels, "labelled training images, balanced over the classes and drawn with --seed (100, 600, 1000, 3000)");
    flags.add_option("--labelled-batch", labelled_batch, "labelled images in every step, beside --batch unlabelled ones");
    flags.add_option("--alpha", alpha, "alpha, the weight of -log q(y | x) on a labelled image");
    if (const auto status = flags.parse(argc, argv)) return *status;
    return examples::run([&](process_group* processes) {
        if (processes != nullptr && processes->size() > 1) fail("semi_supervised_vae trains in one process");
        return estimators::call(estimator, [&]<class E>() { return run<E>(s, labels, labelled_batch, alpha); });
    });
}
