// Learning to sort with Gumbel-Sinkhorn (Mena, Belanger, Linderman and Snoek, ICLR 2018).
//   sort_numbers --numbers 5 --steps 500 --batch 10 --samples 5 --lr 0.1 --tau 1 --iterations 20 --out results/sort
//
// A sequence x of N numbers from U(0, 1). One small network, applied to every number alone,
// gives it N scores, one per position: log_alpha(r, i) = f(x_i)_r, a 1-32-N perceptron. The model
// sorts x by the permutation P whose matching of log_alpha is best, and learns f with the
// relaxation: P ~ GumbelSinkhorn(log_alpha, tau, L) and the loss ||P x - sort(x)||^2, averaged
// over `samples` noise draws per sequence. Held-out sequences are sorted by the hard matching of
// log_alpha (no noise) and scored as the paper does: the proportion of sequences with any element
// out of place, and Kendall's tau between the predicted and the true order.
// ppl::trainer trains it on sequences drawn afresh each step (generated_data); a line every
// --report-every steps. Under mpirun -np N every process draws the same sequences and trains on
// B / N of them with noise of its own; the gradients are averaged before each Adam step, and rank 0
// evaluates and prints.
#include <algorithm>
#include <filesystem>
#include <iostream>
#include <numeric>
#include <optional>
#include <ppl/ppl.hpp>

#include "support/example.hpp"

using namespace ppl;

namespace {

struct sort_options {
    std::int64_t numbers = 5, steps = 500, samples = 5, test_sequences = 1000, report_every = 100;
    double tau = 1.0;
    std::int64_t iterations = 20;
};

// A batch of sequences and the inputs the model reads: the numbers (N x B), their sorted copy,
// and each number repeated N times (N^2 x B, entry r + N i = x_i) to form P x.
struct sequences {
    Eigen::MatrixXf x, sorted, spread;
    std::vector<float> values, ordered;

    void draw(Eigen::Index n, Eigen::Index count, Eigen::Index copies, random_stream& rng) { draw(n, count, copies, rng, x, sorted, spread); }

    // `count` new sequences from U(0, 1), each `copies` times; the buffers keep their size from step to step
    void draw(Eigen::Index n, Eigen::Index count, Eigen::Index copies, random_stream& rng, Eigen::MatrixXf& x,
              Eigen::MatrixXf& sorted, Eigen::MatrixXf& spread) {
        x.resize(n, count * copies), sorted.resize(n, count * copies), spread.resize(n * n, count * copies);
        values.resize(static_cast<std::size_t>(n));
        for (Eigen::Index b = 0; b < count; ++b) {
            for (auto& v : values) v = static_cast<float>(rng.uniform());
            ordered = values;
            std::sort(ordered.begin(), ordered.end());
            for (Eigen::Index copy = 0; copy < copies; ++copy)
                for (Eigen::Index i = 0; i < n; ++i) {
                    const Eigen::Index column = b * copies + copy;
                    x(i, column) = values[static_cast<std::size_t>(i)];
                    sorted(i, column) = ordered[static_cast<std::size_t>(i)];
                    spread.col(column).segment(i * n, n).setConstant(values[static_cast<std::size_t>(i)]);
                }
        }
    }
};

struct sorter {
    Eigen::Index n;
    random_stream init;
    dense hidden, scores;
    sorter(Eigen::Index numbers, std::uint64_t seed)
        : n(numbers), init(seed), hidden(1, 32, init, "hidden"), scores(32, numbers, init, "scores") {}

    // log_alpha: the network on every number alone (a 1 x N B row), its N x N B scores read as N^2 x B
    auto log_alpha() { return reshape(scores(relu(hidden(reshape(input<"x">(), 1)))), n * n); }
    // ||P x - sort(x)||^2 per sequence, P the Gumbel-Sinkhorn relaxation, averaged over the batch
    auto loss(sinkhorn_settings s) {
        auto p = gumbel_sinkhorn<"p">(permutation(log_alpha(), n), s);
        return batch_mean(column_sum(square(sum_of_groups(p * input<"spread">(), n) - input<"sorted">())));
    }
    // the hard permutation of held-out sequences: the best matching of log_alpha, no noise
    auto test() { return sum(let<"order">(best_matching(permutation(log_alpha(), n)))); }
};

struct test_scores {
    double any_wrong = 0, wrong = 0, kendall_tau = 0;
};

// The paper's measures over the test sequences, from the permutation matrices (entry r + N i: item i at position r).
test_scores score(const Eigen::MatrixXf& order, const Eigen::MatrixXf& x, Eigen::Index n) {
    test_scores t;
    std::vector<Eigen::Index> position(static_cast<std::size_t>(n)), rank(static_cast<std::size_t>(n));
    for (Eigen::Index b = 0; b < x.cols(); ++b) {
        for (Eigen::Index i = 0; i < n; ++i)
            for (Eigen::Index r = 0; r < n; ++r)
                if (order(r + n * i, b) > 0.5f) position[static_cast<std::size_t>(i)] = r;
        std::iota(rank.begin(), rank.end(), Eigen::Index{0});
        std::sort(rank.begin(), rank.end(), [&](Eigen::Index a, Eigen::Index c) { return x(a, b) < x(c, b); });
        std::vector<Eigen::Index> true_position(static_cast<std::size_t>(n));
        for (Eigen::Index r = 0; r < n; ++r) true_position[static_cast<std::size_t>(rank[static_cast<std::size_t>(r)])] = r;
        double misplaced = 0, concordant = 0;
        for (Eigen::Index i = 0; i < n; ++i) {
            misplaced += position[static_cast<std::size_t>(i)] != true_position[static_cast<std::size_t>(i)] ? 1 : 0;
            for (Eigen::Index k = i + 1; k < n; ++k) {
                const auto predicted = position[static_cast<std::size_t>(i)] < position[static_cast<std::size_t>(k)];
                const auto truth = true_position[static_cast<std::size_t>(i)] < true_position[static_cast<std::size_t>(k)];
                concordant += predicted == truth ? 1 : -1;
            }
        }
        t.any_wrong += misplaced > 0 ? 1 : 0;
        t.wrong += misplaced / double(n);
        t.kendall_tau += n > 1 ? concordant / (double(n) * double(n - 1) / 2) : 1;
    }
    const double count = double(x.cols());
    t.any_wrong /= count, t.wrong /= count, t.kendall_tau /= count;
    return t;
}

int run(const examples::settings& settings, const sort_options& s, process_group* processes) {
    if (s.numbers < 2) fail("--numbers is ", s.numbers, "; sorting needs at least 2");
    if (s.steps < 0 || s.samples < 1 || s.test_sequences < 1 || s.report_every < 1 || s.iterations < 1 || !(s.tau > 0))
        fail("--steps must be >= 0, --samples, --test, --report-every and --iterations >= 1, and --tau > 0");
    const Eigen::Index n = s.numbers;
    sorter model(n, settings.trainer.seed);
    auto objective = minimize(model.loss({.tau = s.tau, .iterations = static_cast<int>(s.iterations)}));
    graph test{model.test()};
    sequences held_out, batch;
    random_stream test_rng{20180430, 3};
    held_out.draw(n, s.test_sequences, 1, test_rng);  // the same for every run
    const auto evaluate = [&] {
        test.set<"x">(held_out.x);
        test.forward();
        return score(test.value<"order">(), held_out.x, n);
    };
    std::optional<test_scores> last;
    trainer_options options = settings.for_trainer(processes);
    options.evaluate = [&](epoch_record& record) {
        last = evaluate();
        record.add("test_prop_any_wrong", last->any_wrong);
        record.add("test_prop_wrong", last->wrong);
        record.add("test_kendall_tau", last->kendall_tau);
    };
    // every step draws --batch new sequences (the same on every process), each with --samples columns
    const generated_data sequence_stream{
        .inputs = {"x", "spread", "sorted"},
        .draw = [&](std::vector<Eigen::MatrixXf>& in, Eigen::Index points, random_stream& rng) {
            batch.draw(n, points, s.samples, rng, in[0], in[2], in[1]);
        },
        .steps = s.steps,
        .steps_per_epoch = s.report_every,
        .columns_per_point = s.samples};
    trainer fit{objective, options};
    fit.run(sequence_stream);
    if (!fit.is_root()) return 0;
    const test_scores t = last ? *last : evaluate();  // the last step's scores (it always reports)
    std::cout << "result numbers=" << n << " test_sequences=" << s.test_sequences << " prop_any_wrong=" << t.any_wrong
              << " prop_wrong=" << t.wrong << " kendall_tau=" << t.kendall_tau << std::endl;
    if (!settings.out.empty()) {
        // the soft permutations of 8 test sequences (noise-free, at tau), items in their true order:
        // row = the item's rank, column = the position P gives it; a perfect sorter draws the diagonal.
        graph soft{sum(let<"p">(exp(log_sinkhorn(model.log_alpha() / s.tau, n, static_cast<int>(s.iterations)))))};
        const Eigen::MatrixXf first = held_out.x.leftCols(8);
        soft.set<"x">(first);
        soft.forward();
        Eigen::MatrixXf pictures(n * n, first.cols());
        std::vector<Eigen::Index> rank(static_cast<std::size_t>(n));
        for (Eigen::Index b = 0; b < first.cols(); ++b) {
            std::iota(rank.begin(), rank.end(), Eigen::Index{0});
            std::sort(rank.begin(), rank.end(), [&](Eigen::Index a, Eigen::Index c) { return first(a, b) < first(c, b); });
            for (Eigen::Index k = 0; k < n; ++k)
                for (Eigen::Index r = 0; r < n; ++r) pictures(k * n + r, b) = soft.value<"p">()(r + n * rank[static_cast<std::size_t>(k)], b);
            pictures.col(b) /= pictures.col(b).maxCoeff();  // each picture at full contrast: black is its largest entry
        }
        const std::string picture = (std::filesystem::path(settings.out) / "permutations.png").string();
        examples::write_image_grid(picture, pictures, static_cast<int>(n), 2, 4, std::max(2, static_cast<int>(120 / n)));
        std::cout << "wrote " << picture << '\n';
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    examples::settings settings;
    settings.trainer.batch = 10, settings.trainer.adam.lr = 0.1;
    sort_options s;
    examples::command_line flags("Learn to sort N numbers from U(0, 1) with the Gumbel-Sinkhorn relaxation; reports the "
                                 "held-out proportion of sequences with any error and Kendall's tau",
                                 settings, examples::step_flags);
    flags.add_option("--numbers", s.numbers, "N, the numbers per sequence");
    flags.add_option("--steps", s.steps, "Adam steps, each on --batch new sequences");
    flags.add_option("--samples", s.samples, "Gumbel-Sinkhorn draws per training sequence");
    flags.add_option("--test", s.test_sequences, "held-out sequences");
    flags.add_option("--report-every", s.report_every, "steps between progress lines");
    flags.add_option("--tau", s.tau, "the relaxation's temperature");
    flags.add_option("--iterations", s.iterations, "L, the Sinkhorn rounds");
    if (const auto status = flags.parse(argc, argv)) return *status;
    return examples::run([&](process_group* processes) { return run(settings, s, processes); });
}
