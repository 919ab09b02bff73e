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
// ppl::trainer trains it (minimize(loss)); the test metrics come from its evaluation callback.
// Under mpirun -np N each process takes B / N columns of every batch; their gradients are averaged
// before each Adam step, and rank 0 evaluates, prints and writes the checkpoint.
#include <algorithm>
#include <array>
#include <filesystem>
#include <iostream>
#include <optional>
#include <ppl/ppl.hpp>

#include "support/example.hpp"

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

// The units a layer keeps at test time, "784-300-100" over the three layers.
std::string kept_units(const std::array<Eigen::VectorXf, 3>& gates) {
    return std::to_string((gates[0].array() > 0).count()) + '-' + std::to_string((gates[1].array() > 0).count()) + '-' +
           std::to_string((gates[2].array() > 0).count());
}

template <bool Gated>
int train(const examples::settings& s, double lambda, process_group* processes) {
    const fashion_mnist data = load_fashion_mnist(s.data);
    const Eigen::MatrixXf train_targets = one_hot(data.train_labels), test_targets = one_hot(data.test_labels);
    const Eigen::Index limit = s.trainer.limit;
    const double n = double(limit > 0 ? std::min(limit, data.train_images.cols()) : data.train_images.cols());
    network net(s.trainer.seed);
    auto objective = [&] {
        if constexpr (Gated) return minimize(net.gated_loss(lambda / n));
        else return minimize(net.dense_loss());
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
    std::optional<std::pair<evaluation, std::array<Eigen::VectorXf, 3>>> last;  // the last epoch's test scores and gates
    trainer_options options = s.for_trainer(processes);
    options.evaluate = [&](epoch_record& record) {
        last = {evaluate(test_graph, data.test_images, test_targets), test_gates()};
        record.add("test_cross_entropy", last->first.cross_entropy);
        record.add("test_error", last->first.error);
        record.add("kept", kept_units(last->second));
    };
    trainer fit{objective, options};
    fit.run({{"x", data.train_images}, {"y", train_targets}});
    if (!fit.is_root()) return 0;
    // a run with no epoch left to train (a finished resume) scores now
    if (!last) last = {evaluate(test_graph, data.test_images, test_targets), test_gates()};
    const auto& [test, gates] = *last;
    const Eigen::Index kept[3] = {(gates[0].array() > 0).count(), (gates[1].array() > 0).count(), (gates[2].array() > 0).count()};
    // weights that read a kept unit: the network's size at test time
    const Eigen::Index weights = kept[0] * widths[1] + kept[1] * widths[2] + kept[2] * widths[3];
    const Eigen::Index all_weights = widths[0] * widths[1] + widths[1] * widths[2] + widths[2] * widths[3];
    std::cout << "result model=" << (Gated ? "gated" : "dense") << " kept_units=" << kept_units(gates) << " kept_weights=" << weights
              << '/' << all_weights << " test_error=" << test.error << std::endl;
    if (!s.out.empty()) {
        // which pixels the first layer still reads: dark = kept
        const std::string picture = (std::filesystem::path(s.out) / "input_gates.png").string();
        examples::write_image_grid(picture, Eigen::MatrixXf(gates[0]), 28, 1, 1, 8);
        std::cout << "wrote " << picture << '\n';
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    examples::settings s;
    s.trainer.epochs = 20, s.trainer.batch = 100;
    double lambda = 0.1;
    std::string gates = "yes";
    examples::command_line flags("A 784-300-100-10 classifier on Fashion-MNIST with Hard Concrete gates on every input unit "
                                 "of every layer, trained with cross-entropy plus an expected-L0 penalty",
                                 s, examples::run_flags | examples::data_flags);
    flags.add_option("--l0", lambda, "lambda: the penalty is (lambda / N) times the expected number of nonzero weights");
    flags.add_option("--gates", gates, "yes: gated units; no: the dense baseline, trained the same way", {"yes", "no"});
    if (const auto status = flags.parse(argc, argv)) return *status;
    return examples::run([&](process_group* processes) {
        if (!(lambda >= 0)) fail("--l0 is ", lambda, "; it must be 0 or more");
        return gates == "yes" ? train<true>(s, lambda, processes) : train<false>(s, lambda, processes);
    });
}
