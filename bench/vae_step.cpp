// One VAE training step (forward ELBO, backward, Adam), fp32: ppl against hand-written Eigen
// (manual) and libtorch, side by side in one binary, on the same weights, data and noise.
//
//   bench_vae_step [--threads=N] [google benchmark flags]
//
// Names: BM_VaeStep/<impl>/<batch>, BM_CatVaeStep/<impl>/<batch>, impl in ppl, manual, libtorch and
// floor (the step's matrix products alone: the machine's limit for this step);
// ppl_fused is ppl with Adam fused into the backward sweep (train_step). BM_VaeStep/<impl>/128/threads:2
// for the thread-scaling ratio (ppl: its OpenMP team; /openblas_threads and /both_pools measure the
// other two arrangements of ppl's threads); BM_Sgemm/1thread for the
// machine's single-thread sgemm rate, the yardstick of the FLOP-rate efficiency.
#include <benchmark/benchmark.h>
#include <cblas.h>

#include <cstring>
#include <string>
#include <vector>

#include <ppl/ppl.hpp>

#include "floor_step.hpp"
#include "manual_vae.hpp"
#ifdef PPL_BENCH_HAVE_TORCH
#include "torch_vae.hpp"
#endif

namespace {

namespace pb = ppl_bench;
int default_threads = 1;

// How ppl uses several threads: its OpenMP team for loops and products (set_threads, OpenBLAS on one
// thread inside), OpenBLAS's own threads only, or both pools at once.
enum class arrangement { team, openblas_threads, both_pools };

// One benchmark's settings: the batch, the threads, whether ppl fuses Adam into the backward sweep
// (train_step) or steps after it (value_and_grad + step), and ppl's arrangement of its threads.
struct config {
    Eigen::Index batch;
    int threads;
    bool fused;
    arrangement threads_as = arrangement::team;
};

// Matrix-product FLOPs of one step per sample: forward, weight gradients, and input gradients of
// every layer but the first (whose input is data).
constexpr double vae_flops_per_sample = 2.0 * (3 * (784 * 400 + 400 * 20 * 2 + 20 * 400 + 400 * 784) - 784 * 400);
constexpr double cat_flops_per_sample = 2.0 * (3 * (784 * 400 + 400 * 200 + 200 * 400 + 400 * 784) - 784 * 400);

// The peers (manual, floor, libtorch) on OpenBLAS's (and libtorch's) own threads.
void use_threads(int threads) {
    ppl::set_loop_threads(1);
    openblas_set_num_threads(threads);
    Eigen::setNbThreads(threads);
#ifdef PPL_BENCH_HAVE_TORCH
    torch::set_num_threads(threads);
#endif
}

// ppl: set_threads(n), then OpenBLAS's own threads as the arrangement asks.
void use_ppl_threads(const config& c) {
    ppl::set_threads(c.threads);
    if (c.threads_as == arrangement::openblas_threads) ppl::set_loop_threads(1);
    if (c.threads_as != arrangement::team) openblas_set_num_threads(c.threads);
}

Eigen::MatrixXf random_images(Eigen::Index batch) {
    ppl::random_stream rng{11};
    Eigen::MatrixXf x(784, batch);
    for (Eigen::Index i = 0; i < x.size(); ++i) x(i) = static_cast<float>(rng.uniform());
    return x;
}
Eigen::MatrixXf random_noise(Eigen::Index rows, Eigen::Index batch, ppl::noise_kind kind) {
    ppl::random_stream rng{12};
    Eigen::MatrixXf e(rows, batch);
    for (Eigen::Index i = 0; i < e.size(); ++i) e(i) = static_cast<float>(ppl::draw_noise(kind, rng));
    return e;
}

void report(benchmark::State& state, Eigen::Index batch, double flops_per_sample) {
    state.counters["samples/s"] = benchmark::Counter(double(batch), benchmark::Counter::kIsIterationInvariantRate);
    state.counters["GFLOP/s"] = benchmark::Counter(flops_per_sample * double(batch) / 1e9, benchmark::Counter::kIsIterationInvariantRate);
}

void copy_layer(ppl::dense& layer, const Eigen::MatrixXf& w, const Eigen::MatrixXf& b) {
    layer.weight.value = w;
    layer.bias.value = b;
}

// ---- the continuous VAE ------------------------------------------------------------------

struct ppl_vae {
    ppl::random_stream init{0};
    ppl::dense enc{784, 400, init, "enc"}, mu{400, 20, init, "mu"}, logvar{400, 20, init, "logvar"};
    ppl::dense dec1{20, 400, init, "dec1"}, dec2{400, 784, init, "dec2"};
    auto model() {
        using namespace ppl;
        auto x = data<"x">();
        auto h = let<"h">(relu(enc(x)));
        auto z = sample<"z">(normal(mu(h), exp(0.5 * logvar(h))), std_normal());
        return observe(bernoulli_logits(dec2(relu(dec1(z)))), x);
    }
};

void BM_VaeStep_ppl(benchmark::State& state, const config& c) {
    const Eigen::Index batch = c.batch;
    use_ppl_threads(c);
    const pb::vae_weights w = pb::vae_weights::random(1);
    ppl_vae layers;
    copy_layer(layers.enc, w.enc_w, w.enc_b), copy_layer(layers.mu, w.mu_w, w.mu_b), copy_layer(layers.logvar, w.lv_w, w.lv_b);
    copy_layer(layers.dec1, w.d1_w, w.d1_b), copy_layer(layers.dec2, w.d2_w, w.d2_b);
    auto objective = ppl::elbo(layers.model());
    ppl::adam optimiser{objective.parameters(), {.lr = 1e-3}};
    const Eigen::MatrixXf x = random_images(batch);
    ppl::fixed_noise<> noise{{{"z", random_noise(20, batch, ppl::noise_kind::standard_normal)}}};
    for (auto _ : state) {
        if (c.fused) {
            benchmark::DoNotOptimize(objective.train_step(x, noise, optimiser));
        } else {
            benchmark::DoNotOptimize(objective.value_and_grad(x, noise));
            optimiser.step();
        }
    }
    report(state, batch, vae_flops_per_sample);
}

void BM_VaeStep_manual(benchmark::State& state, const config& c) {
    const Eigen::Index batch = c.batch;
    const int threads = c.threads;
    use_threads(threads);
    pb::manual_vae model(pb::vae_weights::random(1));
    const Eigen::MatrixXf x = random_images(batch), eps = random_noise(20, batch, ppl::noise_kind::standard_normal);
    for (auto _ : state) benchmark::DoNotOptimize(model.step(x, eps));
    report(state, batch, vae_flops_per_sample);
}

#ifdef PPL_BENCH_HAVE_TORCH
void BM_VaeStep_libtorch(benchmark::State& state, const config& c) {
    const Eigen::Index batch = c.batch;
    const int threads = c.threads;
    use_threads(threads);
    pb::torch_vae model(pb::vae_weights::random(1));
    const Eigen::MatrixXf x = random_images(batch), eps = random_noise(20, batch, ppl::noise_kind::standard_normal);
    for (auto _ : state) benchmark::DoNotOptimize(model.step(x, eps));
    report(state, batch, vae_flops_per_sample);
}
#endif

// ---- the categorical VAE (Gumbel-softmax, tau = 1) ------------------------------------------

struct ppl_cat_vae {
    ppl::random_stream init{0};
    ppl::dense enc1{784, 400, init, "enc1"}, enc2{400, 200, init, "enc2"}, dec1{200, 400, init, "dec1"}, dec2{400, 784, init, "dec2"};
    auto model() {
        using namespace ppl;
        auto x = data<"x">();
        auto c = sample<"c">(categorical(enc2(relu(enc1(x))), 10), uniform_categorical());
        return observe(bernoulli_logits(dec2(relu(dec1(c)))), x);
    }
};

void BM_CatVaeStep_ppl(benchmark::State& state, const config& c) {
    const Eigen::Index batch = c.batch;
    use_ppl_threads(c);
    const pb::cat_vae_weights w = pb::cat_vae_weights::random(2);
    ppl_cat_vae layers;
    copy_layer(layers.enc1, w.e1_w, w.e1_b), copy_layer(layers.enc2, w.e2_w, w.e2_b);
    copy_layer(layers.dec1, w.d1_w, w.d1_b), copy_layer(layers.dec2, w.d2_w, w.d2_b);
    auto objective = ppl::elbo(layers.model());
    ppl::adam optimiser{objective.parameters(), {.lr = 1e-3}};
    const Eigen::MatrixXf x = random_images(batch);
    ppl::fixed_noise<> noise{{{"c", random_noise(200, batch, ppl::noise_kind::gumbel)}}};
    for (auto _ : state) {
        if (c.fused) {
            benchmark::DoNotOptimize(objective.train_step(x, noise, optimiser, {.tau = 1.0}));
        } else {
            benchmark::DoNotOptimize(objective.value_and_grad(x, noise, {.tau = 1.0}));
            optimiser.step();
        }
    }
    report(state, batch, cat_flops_per_sample);
}

void BM_CatVaeStep_manual(benchmark::State& state, const config& c) {
    const Eigen::Index batch = c.batch;
    const int threads = c.threads;
    use_threads(threads);
    pb::manual_cat_vae model(pb::cat_vae_weights::random(2));
    const Eigen::MatrixXf x = random_images(batch), g = random_noise(200, batch, ppl::noise_kind::gumbel);
    for (auto _ : state) benchmark::DoNotOptimize(model.step(x, g, 1.0f));
    report(state, batch, cat_flops_per_sample);
}

#ifdef PPL_BENCH_HAVE_TORCH
void BM_CatVaeStep_libtorch(benchmark::State& state, const config& c) {
    const Eigen::Index batch = c.batch;
    const int threads = c.threads;
    use_threads(threads);
    pb::torch_cat_vae model(pb::cat_vae_weights::random(2));
    const Eigen::MatrixXf x = random_images(batch), g = random_noise(200, batch, ppl::noise_kind::gumbel);
    for (auto _ : state) benchmark::DoNotOptimize(model.step(x, g, 1.0f));
    report(state, batch, cat_flops_per_sample);
}
#endif

// ---- the floor: the step's products and nothing else ---------------------------------------

void run_floor(benchmark::State& state, std::vector<pb::floor_layer> layers, Eigen::Index batch, int threads,
               double flops_per_sample) {
    use_threads(threads);
    pb::floor_step floor{std::move(layers), batch};
    for (auto _ : state) benchmark::DoNotOptimize(floor.run());
    report(state, batch, flops_per_sample);
}
void BM_VaeStep_floor(benchmark::State& state, const config& c) {
    const Eigen::Index batch = c.batch;
    const int threads = c.threads;
    run_floor(state, pb::vae_floor_layers(), batch, threads, vae_flops_per_sample);
}
void BM_CatVaeStep_floor(benchmark::State& state, const config& c) {
    const Eigen::Index batch = c.batch;
    const int threads = c.threads;
    run_floor(state, pb::cat_vae_floor_layers(), batch, threads, cat_flops_per_sample);
}

// ---- the machine's single-thread sgemm rate, the largest product of the step -----------------

void BM_Sgemm(benchmark::State& state) {
    use_threads(1);
    const int m = 400, k = 784, n = 128;
    Eigen::MatrixXf a = Eigen::MatrixXf::Random(m, k), b = Eigen::MatrixXf::Random(k, n), c(m, n);
    for (auto _ : state) {
        cblas_sgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1.0f, a.data(), m, b.data(), k, 0.0f, c.data(), m);
        benchmark::DoNotOptimize(c.data());
    }
    state.counters["GFLOP/s"] = benchmark::Counter(2.0 * m * n * k / 1e9, benchmark::Counter::kIsIterationInvariantRate);
}

using bench_fn = void (*)(benchmark::State&, const config&);

void add(const std::string& name, bench_fn fn, config c) {
    benchmark::RegisterBenchmark(name.c_str(), [fn, c](benchmark::State& s) { fn(s, c); })
        ->Unit(benchmark::kMicrosecond)
        ->UseRealTime();  // wall time: with 2 threads, the main thread's CPU time would undercount
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<char*> args;
    for (int i = 0; i < argc; ++i) {
        if (std::strncmp(argv[i], "--threads=", 10) == 0) default_threads = std::stoi(argv[i] + 10);
        else args.push_back(argv[i]);
    }
    struct impl {
        const char* name;
        bench_fn vae, cat;
        bool fused;
    };
    std::vector<impl> impls{{"ppl", BM_VaeStep_ppl, BM_CatVaeStep_ppl, false},
                            {"ppl_fused", BM_VaeStep_ppl, BM_CatVaeStep_ppl, true},
                            {"manual", BM_VaeStep_manual, BM_CatVaeStep_manual, false},
                            {"floor", BM_VaeStep_floor, BM_CatVaeStep_floor, false}};
#ifdef PPL_BENCH_HAVE_TORCH
    impls.push_back({"libtorch", BM_VaeStep_libtorch, BM_CatVaeStep_libtorch, false});
#endif
    const int t = default_threads;
    benchmark::RegisterBenchmark("BM_Sgemm/1thread", BM_Sgemm)->Unit(benchmark::kMicrosecond)->UseRealTime();
    for (Eigen::Index batch : {1, 16, 128})
        for (const auto& i : impls)
            add("BM_VaeStep/" + std::string(i.name) + "/" + std::to_string(batch), i.vae, {batch, t, i.fused});
    for (Eigen::Index batch : {1, 16, 128})
        for (const auto& i : impls)
            add("BM_CatVaeStep/" + std::string(i.name) + "/" + std::to_string(batch), i.cat, {batch, t, i.fused});
    // both cores. ppl: its thread team (OpenBLAS on 1 thread inside it); the peers: OpenBLAS's threads
    for (const auto& i : impls) add("BM_VaeStep/" + std::string(i.name) + "/128/threads:2", i.vae, {128, 2, i.fused});
    for (const auto& i : impls) add("BM_CatVaeStep/" + std::string(i.name) + "/128/threads:2", i.cat, {128, 2, i.fused});
    // ppl's other two arrangements: OpenBLAS's threads only; both pools at once (last: they fight)
    add("BM_VaeStep/ppl_fused/128/threads:2/openblas_threads", BM_VaeStep_ppl, {128, 2, true, arrangement::openblas_threads});
    add("BM_VaeStep/ppl_fused/128/threads:2/both_pools", BM_VaeStep_ppl, {128, 2, true, arrangement::both_pools});
    int count = static_cast<int>(args.size());
    benchmark::Initialize(&count, args.data());
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
}
