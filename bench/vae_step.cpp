// One VAE training step (forward ELBO, backward, Adam), fp32: ppl against hand-written Eigen
// (manual) and libtorch, side by side in one binary, on the same weights, data and noise.
//
//   bench_vae_step [--threads=N] [google benchmark flags]
//
// Names: BM_VaeStep/<impl>/<batch>, BM_CatVaeStep/<impl>/<batch>, impl in ppl, manual, libtorch;
// BM_VaeStep/<impl>/128/threads:2 for the thread-scaling ratio; BM_Sgemm/1thread for the
// machine's single-thread sgemm rate, the yardstick of the FLOP-rate efficiency.
#include <benchmark/benchmark.h>
#include <cblas.h>

#include <cstring>
#include <string>
#include <vector>

#include <ppl/ppl.hpp>

#include "manual_vae.hpp"
#ifdef PPL_BENCH_HAVE_TORCH
#include "torch_vae.hpp"
#endif

namespace {

namespace pb = ppl_bench;
int default_threads = 1;

// Matrix-product FLOPs of one step per sample: forward, weight gradients, and input gradients of
// every layer but the first (whose input is data).
constexpr double vae_flops_per_sample = 2.0 * (3 * (784 * 400 + 400 * 20 * 2 + 20 * 400 + 400 * 784) - 784 * 400);
constexpr double cat_flops_per_sample = 2.0 * (3 * (784 * 400 + 400 * 200 + 200 * 400 + 400 * 784) - 784 * 400);

void use_threads(int threads) {
    ppl::set_threads(threads);
#ifdef PPL_BENCH_HAVE_TORCH
    torch::set_num_threads(threads);
#endif
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

void BM_VaeStep_ppl(benchmark::State& state, Eigen::Index batch, int threads) {
    use_threads(threads);
    const pb::vae_weights w = pb::vae_weights::random(1);
    ppl_vae layers;
    copy_layer(layers.enc, w.enc_w, w.enc_b), copy_layer(layers.mu, w.mu_w, w.mu_b), copy_layer(layers.logvar, w.lv_w, w.lv_b);
    copy_layer(layers.dec1, w.d1_w, w.d1_b), copy_layer(layers.dec2, w.d2_w, w.d2_b);
    auto objective = ppl::elbo(layers.model());
    ppl::adam optimiser{objective.parameters(), {.lr = 1e-3}};
    const Eigen::MatrixXf x = random_images(batch);
    ppl::fixed_noise<> noise{{{"z", random_noise(20, batch, ppl::noise_kind::standard_normal)}}};
    for (auto _ : state) {
        benchmark::DoNotOptimize(objective.value_and_grad(x, noise));
        optimiser.step();
    }
    report(state, batch, vae_flops_per_sample);
}

void BM_VaeStep_manual(benchmark::State& state, Eigen::Index batch, int threads) {
    use_threads(threads);
    pb::manual_vae model(pb::vae_weights::random(1));
    const Eigen::MatrixXf x = random_images(batch), eps = random_noise(20, batch, ppl::noise_kind::standard_normal);
    for (auto _ : state) benchmark::DoNotOptimize(model.step(x, eps));
    report(state, batch, vae_flops_per_sample);
}

#ifdef PPL_BENCH_HAVE_TORCH
void BM_VaeStep_libtorch(benchmark::State& state, Eigen::Index batch, int threads) {
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

void BM_CatVaeStep_ppl(benchmark::State& state, Eigen::Index batch, int threads) {
    use_threads(threads);
    const pb::cat_vae_weights w = pb::cat_vae_weights::random(2);
    ppl_cat_vae layers;
    copy_layer(layers.enc1, w.e1_w, w.e1_b), copy_layer(layers.enc2, w.e2_w, w.e2_b);
    copy_layer(layers.dec1, w.d1_w, w.d1_b), copy_layer(layers.dec2, w.d2_w, w.d2_b);
    auto objective = ppl::elbo(layers.model());
    ppl::adam optimiser{objective.parameters(), {.lr = 1e-3}};
    const Eigen::MatrixXf x = random_images(batch);
    ppl::fixed_noise<> noise{{{"c", random_noise(200, batch, ppl::noise_kind::gumbel)}}};
    for (auto _ : state) {
        benchmark::DoNotOptimize(objective.value_and_grad(x, noise, {.tau = 1.0}));
        optimiser.step();
    }
    report(state, batch, cat_flops_per_sample);
}

void BM_CatVaeStep_manual(benchmark::State& state, Eigen::Index batch, int threads) {
    use_threads(threads);
    pb::manual_cat_vae model(pb::cat_vae_weights::random(2));
    const Eigen::MatrixXf x = random_images(batch), g = random_noise(200, batch, ppl::noise_kind::gumbel);
    for (auto _ : state) benchmark::DoNotOptimize(model.step(x, g, 1.0f));
    report(state, batch, cat_flops_per_sample);
}

#ifdef PPL_BENCH_HAVE_TORCH
void BM_CatVaeStep_libtorch(benchmark::State& state, Eigen::Index batch, int threads) {
    use_threads(threads);
    pb::torch_cat_vae model(pb::cat_vae_weights::random(2));
    const Eigen::MatrixXf x = random_images(batch), g = random_noise(200, batch, ppl::noise_kind::gumbel);
    for (auto _ : state) benchmark::DoNotOptimize(model.step(x, g, 1.0f));
    report(state, batch, cat_flops_per_sample);
}
#endif

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

using bench_fn = void (*)(benchmark::State&, Eigen::Index, int);

void add(const std::string& name, bench_fn fn, Eigen::Index batch, int threads) {
    benchmark::RegisterBenchmark(name.c_str(), [fn, batch, threads](benchmark::State& s) { fn(s, batch, threads); })
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
    };
    std::vector<impl> impls{{"ppl", BM_VaeStep_ppl, BM_CatVaeStep_ppl}, {"manual", BM_VaeStep_manual, BM_CatVaeStep_manual}};
#ifdef PPL_BENCH_HAVE_TORCH
    impls.push_back({"libtorch", BM_VaeStep_libtorch, BM_CatVaeStep_libtorch});
#endif
    benchmark::RegisterBenchmark("BM_Sgemm/1thread", BM_Sgemm)->Unit(benchmark::kMicrosecond)->UseRealTime();
    for (Eigen::Index batch : {1, 16, 128})
        for (const auto& i : impls) add("BM_VaeStep/" + std::string(i.name) + "/" + std::to_string(batch), i.vae, batch, default_threads);
    for (Eigen::Index batch : {1, 16, 128})
        for (const auto& i : impls) add("BM_CatVaeStep/" + std::string(i.name) + "/" + std::to_string(batch), i.cat, batch, default_threads);
    for (const auto& i : impls) add("BM_VaeStep/" + std::string(i.name) + "/128/threads:2", i.vae, 128, 2);
    int count = static_cast<int>(args.size());
    benchmark::Initialize(&count, args.data());
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
}
