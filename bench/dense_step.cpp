// Dense layer forward + backward: ppl against hand-written Eigen doing the same math, one binary.
//   loss = mean(square(relu(W x + b))),  W: 400 x 784, x: 784 x batch
#include <benchmark/benchmark.h>

#include <ppl/ppl.hpp>

namespace {

constexpr Eigen::Index in = 784, out = 400;

Eigen::MatrixXf make_batch(Eigen::Index batch) {
    ppl::random_stream rng{1};
    Eigen::MatrixXf x(in, batch);
    for (Eigen::Index i = 0; i < x.size(); ++i) x(i) = static_cast<float>(rng.uniform());
    return x;
}

void set_counters(benchmark::State& state, Eigen::Index batch) {
    const double flops = 2.0 * (2.0 * in * out * batch);  // W x and dy x^T; no dx, since x is data
    state.counters["samples/s"] = benchmark::Counter(static_cast<double>(batch), benchmark::Counter::kIsIterationInvariantRate);
    state.counters["GFLOP/s"] = benchmark::Counter(flops / 1e9, benchmark::Counter::kIsIterationInvariantRate);
}

void BM_Dense_ppl(benchmark::State& state) {
    ppl::set_threads(1);
    const Eigen::Index batch = state.range(0);
    ppl::random_stream init{0};
    ppl::dense layer{in, out, init};
    ppl::graph g{ppl::mean(ppl::square(ppl::relu(layer(ppl::input<"x">()))))};
    const Eigen::MatrixXf x = make_batch(batch);
    g.set<"x">(x);
    for (auto _ : state) {
        benchmark::DoNotOptimize(g.value_and_grad());
        benchmark::ClobberMemory();
    }
    set_counters(state, batch);
}

void BM_Dense_manual(benchmark::State& state) {
    ppl::set_threads(1);
    const Eigen::Index batch = state.range(0);
    ppl::random_stream init{0};
    ppl::dense layer{in, out, init};
    const Eigen::MatrixXf x = make_batch(batch);
    Eigen::MatrixXf y(out, batch), r(out, batch), dy(out, batch), dW(out, in);
    Eigen::VectorXf db(out);
    const auto& W = layer.weight.value;
    const auto b = layer.bias.value.col(0);
    for (auto _ : state) {
        y.noalias() = W * x;
        y.colwise() += b;
        r.array() = y.array().max(0.0f);
        const float n = static_cast<float>(r.size());
        float loss = r.squaredNorm() / n;
        dy.array() = (y.array() > 0).select(2.0f * r.array() / n, 0.0f);
        dW.noalias() = dy * x.transpose();
        db.noalias() = dy.rowwise().sum();
        benchmark::DoNotOptimize(loss);
        benchmark::ClobberMemory();
    }
    set_counters(state, batch);
}

}  // namespace

BENCHMARK(BM_Dense_ppl)->Name("BM_DenseStep/ppl")->Arg(1)->Arg(16)->Arg(128);
BENCHMARK(BM_Dense_manual)->Name("BM_DenseStep/manual")->Arg(1)->Arg(16)->Arg(128);
BENCHMARK_MAIN();
