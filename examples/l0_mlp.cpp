// L0 regularisation with Hard Concrete gates (Louizos, Welling and Kingma, ICLR 2018): a 784-300-100-10
// classifier on Fashion-MNIST with a gate on every input unit of every layer.
//   l0_mlp --epochs 20 --batch 100 --lr 0.001 --l0 0.1 --gates yes --out results/l0_mlp
//
// Training minimises, per step, the batch's mean cross-entropy plus the expected L0 norm of the weights:
//   loss = mean_i -log softmax(f(x_i; theta * z))_{y_i} + (lambda / N) sum_layers fan_out sum_units P(z_unit != 0)
// where a gate z_unit ~ HardConcrete(log_alpha_unit) multiplies one input unit of a layer, so that
// closing it removes the fan_out weights that read that unit (N = the training set's size). At test
// time the gates are the paper's deterministic rule; a unit whose gate is 0 is removed.
// --gates no trains the same network without gates: the dense baseline.
// Under mpirun -np N each process takes B / N columns of every batch; their gradients are averaged
// before each Adam step, and rank 0 evaluates, prints and writes the checkpoint.
#include <algorithm>
#include <array>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <optional>
#include <sstream>
#include <ppl/ppl.hpp>

#include "support/image_grid.hpp"
#include "support/training.hpp"

using namespace ppl;

namespace {

constexpr std::array<Eigen::Index, 4> widths{784, 300, 100, 10};

// One-hot columns of the labels: the targets of the cross-entropy.
Eigen::MatrixXf one_hot(const std::vector<int>& labels) {
    Eigen::MatrixXf y = Eigen::MatrixXf::Zero(10, static_cast<Eigen::Index>(labels.size()));
    for (std::size_t j = 0; j < labels.size(); ++j) y(labels[j], static_cast<Eigen::Index>(j)) = 1;
    return y;
}

// The network's parameters; the gates' logits start at log(0.8 / 0.2), P(gate open) near 0.8.
struct network {
    random_stream init;
    dense layer1, layer2, layer3;
    parameter gates1{"gates1.log_alpha", widths[0], 1}, gates2{"gates2.log_alpha", widths[1], 1}, gates3{"gates3.log_alpha", widths[2], 1};

    explicit network(std::uint64_t seed)
        : init(seed), layer1(widths[0], widths[1], init, "layer1"), layer2(widths[1], widths[2], init, "layer2"),
          layer3(widths[2], widths[3], init, "layer3") {
        for (parameter* g : {&gates1, &gates2, &gates3}) g->value.setConstant(static_cast<float>(std::log(0.8 / 0.2)));
    }

    // Mean cross-entropy of the logits against the one-hot input "y".
    static auto cross_entropy(auto logits) { return batch_mean(-column_sum(input<"y">() * log_softmax(std::move(logits), 10))); }

    // The training loss: sampled gates, plus (lambda / N) times the expected L0 norm of the weights.
    auto gated_loss(double lambda_over_n) {
        auto h1 = relu(layer1(hard_concrete_sample<"gates1">(param(gates1)) * input<"x">()));
        auto h2 = relu(layer2(hard_concrete_sample<"gates2">(param(gates2)) * h1));
        auto logits = layer3(hard_concrete_sample<"gates3">(param(gates3)) * h2);
        auto expected_l0 = double(widths[1]) * sum(hard_concrete_l0(param(gates1))) +
                           double(widths[2]) * sum(hard_concrete_l0(param(gates2))) +
                           double(widths[3]) * sum(hard_concrete_l0(param(gates3)));
        return cross_entropy(std::move(logits)) + lambda_over_n * expected_l0;
    }
    // The test-time network: deterministic gates; the logits are the let "logits".
    auto gated_test() {
        auto h1 = relu(layer1(hard_concrete_gate(param(gates1)) * input<"x">()));
        auto h2 = relu(layer2(hard_concrete_gate(param(gates2)) * h1));
        return cross_entropy(let<"logits">(layer3(hard_concrete_gate(param(gates3)) * h2)));
    }
    auto dense_loss() { return cross_entropy(layer3(relu(layer2(relu(layer1(input<"x">())))))); }
    auto dense_test() { return cross_entropy(let<"logits">(layer3(relu(layer2(relu(layer1(input<"x">()))))))); }

    // The test-time gates of every layer, the lets "gates1", "gates2" and "gates3".
    auto test_gates() {
        return sum(let<"gates1">(hard_concrete_gate(param(gates1)))) + sum(let<"gates2">(hard_concrete_gate(param(gates2)))) +
               sum(let<"gates3">(hard_concrete_gate(param(gates3))));
    }
};

struct evaluation {
    double cross_entropy = 0, error = 0;
};

// Mean cross-entropy and error rate of the test-time network over the test set, 1000 images at a time.
template <class Graph>
evaluation evaluate(Graph& test, const Eigen::MatrixXf& images, const Eigen::MatrixXf& targets) {
    evaluation e;
    const Eigen::Index chunk = 1000;
    for (Eigen::Index first = 0; first < images.cols(); first += chunk) {
        const Eigen::Index count = std::min(chunk, images.cols() - first);
        const Eigen::MatrixXf x = images.middleCols(first, count), y = targets.middleCols(first, count);
        test.template set<"x">(x);
        test.template set<"y">(y);
        e.cross_entropy += double(test.forward()) * double(count);
        const auto& logits = test.template value<"logits">();
        for (Eigen::Index j = 0; j < count; ++j) {
            Eigen::Index predicted = 0, label = 0;
            logits.col(j).maxCoeff(&predicted);
            y.col(j).maxCoeff(&label);
            e.error += predicted != label ? 1 : 0;
        }
    }
    e.cross_entropy /= double(images.cols()), e.error /= double(images.cols());
    return e;
}

template <bool Gated>
int train(const examples::train_options& options, double lambda) {
    fashion_mnist data = load_fashion_mnist(options.data);
    if (options.limit > 0 && options.limit < data.train_images.cols()) {
        data.train_images = data.train_images.leftCols(options.limit).eval();
        data.train_labels.resize(static_cast<std::size_t>(options.limit));
    }
    const Eigen::MatrixXf train_targets = one_hot(data.train_labels), test_targets = one_hot(data.test_labels);
    const double n = double(data.train_images.cols());
    network net(options.seed);
    auto train_graph = [&] {
        if constexpr (Gated) return graph{net.gated_loss(lambda / n)};
        else return graph{net.dense_loss()};
    }();
    auto test_graph = [&] {
        if constexpr (Gated) return graph{net.gated_test()};
        else return graph{net.dense_test()};
    }();
    graph gate_graph{net.test_gates()};
    // the test-time gates per layer; every unit is kept without gates
    const auto test_gates = [&] {
        std::array<Eigen::VectorXf, 3> gates{Eigen::VectorXf::Ones(widths[0]), Eigen::VectorXf::Ones(widths[1]),
                                             Eigen::VectorXf::Ones(widths[2])};
        if constexpr (Gated) {
            gate_graph.forward();
            gates = {gate_graph.value<"gates1">(), gate_graph.value<"gates2">(), gate_graph.value<"gates3">()};
        }
        return gates;
    };
    const std::vector<parameter*> params = train_graph.parameters();
    adam optimiser{params, {.lr = options.lr}};
    examples::replica_group processes{params};  // every process starts from rank 0's network
    const auto [first_column, columns] = processes.slice(options.batch);
    // one order of the batches for all; each process draws its own gate noise
    random_stream order{options.seed, 1}, noise{options.seed, 2 + 1000ull * std::uint64_t(processes.rank())};
    int first_epoch = 0;
    const std::filesystem::path out = options.out;
    const std::string checkpoint_path = out.empty() ? "" : (out / "checkpoint.ppl").string();
    if (options.resume) {
        if (checkpoint_path.empty()) fail("--resume needs --out, the folder that holds checkpoint.ppl");
        const checkpoint c = load_checkpoint(checkpoint_path);
        if (c.value("model") != (Gated ? "gated" : "dense"))
            fail("checkpoint '", checkpoint_path, "' holds a ", c.value("model"), " network; pass --gates ", Gated ? "no" : "yes");
        restore_training_state(c, params, optimiser);
        first_epoch = std::stoi(c.value("epoch"));
        std::istringstream(c.value("order")) >> order;
        processes.restore_stream(c, "noise", noise);
        if (processes.root()) std::cout << "resumed from " << checkpoint_path << " after epoch " << first_epoch << std::endl;
    }
    batches train_batches({data.train_images, train_targets}, options.batch);
    std::optional<std::pair<evaluation, std::array<Eigen::VectorXf, 3>>> last;  // the last epoch's test scores and gates
    for (int epoch = first_epoch; epoch < options.epochs; ++epoch) {
        const auto start = std::chrono::steady_clock::now();
        train_batches.shuffle(order);
        std::optional<progress_bar> bar;
        if (processes.root()) bar.emplace("epoch " + std::to_string(epoch + 1), train_batches.count(), "batches", "loss");
        double total = 0;
        for (Eigen::Index k = 0; k < train_batches.count(); ++k) {
            // this process's columns of the batch (all of them on one process)
            train_graph.template set<"x">(train_batches.get(k).middleCols(first_column, columns));
            train_graph.template set<"y">(train_batches.input(1).middleCols(first_column, columns));
            total += double(train_graph.value_and_grad(stream_noise{&noise}));
            processes.average_gradients();
            optimiser.step();
            if (bar) bar->update(k + 1, total / double(k + 1));
        }
        // each process's loss is the mean over its columns; the batch's is the mean of those
        total = processes.mean(total);
        checkpoint c;
        processes.store_stream(c, "noise", noise);
        if (!processes.root()) continue;
        const evaluation test = evaluate(test_graph, data.test_images, test_targets);
        const auto gates = test_gates();
        last = {test, gates};
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        std::cout << "epoch=" << epoch + 1 << " train_loss=" << total / double(train_batches.count())
                  << " test_cross_entropy=" << test.cross_entropy << " test_error=" << test.error << " kept="
                  << (gates[0].array() > 0).count() << '-' << (gates[1].array() > 0).count() << '-'
                  << (gates[2].array() > 0).count() << " seconds=" << seconds << std::endl;
        if (!checkpoint_path.empty()) {
            std::filesystem::create_directories(out);
            store_training_state(c, params, optimiser);
            c.text["model"] = Gated ? "gated" : "dense";
            c.text["epoch"] = std::to_string(epoch + 1);
            std::ostringstream order_state;
            order_state << order;
            c.text["order"] = order_state.str();
            save_checkpoint(checkpoint_path, c);
        }
    }
    if (!processes.root()) return 0;
    // the last epoch's scores; a run with no epoch left to train (a finished resume) scores now
    if (!last) last = {evaluate(test_graph, data.test_images, test_targets), test_gates()};
    const auto& [test, gates] = *last;
    const Eigen::Index kept[3] = {(gates[0].array() > 0).count(), (gates[1].array() > 0).count(), (gates[2].array() > 0).count()};
    // weights that read a kept unit: the network's size at test time
    const Eigen::Index weights = kept[0] * widths[1] + kept[1] * widths[2] + kept[2] * widths[3];
    const Eigen::Index all_weights = widths[0] * widths[1] + widths[1] * widths[2] + widths[2] * widths[3];
    std::cout << "result model=" << (Gated ? "gated" : "dense") << " kept_units=" << kept[0] << '-' << kept[1] << '-' << kept[2]
              << " kept_weights=" << weights << '/' << all_weights << " test_error=" << test.error << std::endl;
    if (!out.empty()) {
        std::filesystem::create_directories(out);
        // which pixels the first layer still reads: dark = kept
        const std::string picture = (out / "input_gates.png").string();
        examples::write_image_grid(picture, Eigen::MatrixXf(gates[0]), 28, 1, 1, 8);
        std::cout << "wrote " << picture << '\n';
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    examples::train_options options;
    options.epochs = 20, options.batch = 100, options.lr = 1e-3;
    double lambda = 0.1;
    std::string gates = "yes";
    examples::command_line flags("A 784-300-100-10 classifier on Fashion-MNIST with Hard Concrete gates on every input unit "
                                 "of every layer, trained with cross-entropy plus an expected-L0 penalty",
                                 options);
    flags.add_option("--l0", lambda, "lambda: the penalty is (lambda / N) times the expected number of nonzero weights");
    flags.add_option("--gates", gates, "yes: gated units; no: the dense baseline, trained the same way", {"yes", "no"});
    if (const auto status = flags.parse(argc, argv)) return *status;
    return examples::guarded_main([&] {
        if (options.describe || options.binarize || options.variance_every != 0 || options.kl_warmup != 0)
            fail("--describe, --binarize, --variance-every and --kl-warmup do not apply to l0_mlp, which is a classifier");
        if (!(lambda >= 0)) fail("--l0 is ", lambda, "; it must be 0 or more");
        set_threads(options.threads);
        return gates == "yes" ? train<true>(options, lambda) : train<false>(options, lambda);
    });
}
