// What bit-identical products across thread counts would cost at one thread: each matrix product
// of the continuous VAE's step at B = 128 as one BLAS call (what ppl makes at one thread) against
// column blocks of a fixed width, one call each (what every thread count would then make).
//   bench_product_blocks --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
// Also reports, per shape, how many entries of the blocked result differ from the one call's.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <vector>

#include <ppl/core/random.hpp>
#include <ppl/core/threads.hpp>

#ifdef EIGEN_USE_BLAS
namespace {

struct product_shape {
    const char* name;
    char transpose_a, transpose_b;
    int m, n, k;
};

// The step's products: forward (W^T x), the inputs' adjoints (W dy) and the weights' gradients (x dy^T).
constexpr product_shape shapes[] = {
    {"forward_400x784", 'T', 'N', 400, 128, 784},         {"forward_20x400", 'T', 'N', 20, 128, 400},
    {"forward_400x20", 'T', 'N', 400, 128, 20},           {"forward_784x400", 'T', 'N', 784, 128, 400},
    {"input_adjoint_400x784", 'N', 'N', 400, 128, 784},   {"weight_gradient_784x400", 'N', 'T', 784, 400, 128},
    {"weight_gradient_400x784", 'N', 'T', 400, 784, 128}, {"weight_gradient_400x20", 'N', 'T', 400, 20, 128},
};

struct operands {
    std::vector<float> a, b, c;
    int lda, ldb;
    explicit operands(const product_shape& s) {
        const int a_rows = s.transpose_a == 'N' ? s.m : s.k, a_cols = s.transpose_a == 'N' ? s.k : s.m;
        const int b_rows = s.transpose_b == 'N' ? s.k : s.n, b_cols = s.transpose_b == 'N' ? s.n : s.k;
        ppl::random_stream rng{1};
        a.resize(std::size_t(a_rows) * a_cols), b.resize(std::size_t(b_rows) * b_cols), c.resize(std::size_t(s.m) * s.n);
        for (float& v : a) v = static_cast<float>(rng.normal());
        for (float& v : b) v = static_cast<float>(rng.normal());
        lda = a_rows, ldb = b_rows;
    }
    // C = op(A) op(B) in calls of at most `width` columns of C
    void multiply(const product_shape& s, int width) {
        const float one = 1, zero = 0;
        for (int first = 0; first < s.n; first += width) {
            const int count = std::min(width, s.n - first);
            const float* b_first = b.data() + (s.transpose_b == 'T' ? first : std::size_t(first) * ldb);
            sgemm_(&s.transpose_a, &s.transpose_b, &s.m, &count, &s.k, &one, a.data(), &lda, b_first, &ldb, &zero,
                   c.data() + std::size_t(first) * s.m, &s.m);
        }
    }
};

void BM_Product(benchmark::State& state) {
    const product_shape& s = shapes[state.range(0)];
    const int width = state.range(1) == 0 ? s.n : static_cast<int>(state.range(1));
    ppl::set_threads(1);
    operands o(s);
    o.multiply(s, s.n);
    const std::vector<float> whole = o.c;
    o.multiply(s, width);
    state.counters["entries_differing"] =
        static_cast<double>(std::count_if(whole.begin(), whole.end(), [&, i = std::size_t{0}](float v) mutable { return v != o.c[i++]; }));
    for (auto _ : state) {
        o.multiply(s, width);
        benchmark::DoNotOptimize(o.c.data());
    }
    state.SetLabel(std::string(s.name) + (width == s.n ? " one_call" : " blocks_of_" + std::to_string(width)));
}

void shapes_and_widths(benchmark::internal::Benchmark* b) {
    for (int shape = 0; shape < int(std::size(shapes)); ++shape)
        for (int width : {0, 64}) b->Args({shape, width});
}
BENCHMARK(BM_Product)->Apply(shapes_and_widths)->Unit(benchmark::kMicrosecond);

}  // namespace
#endif

BENCHMARK_MAIN();
