// Tests include/ppl/core/parallel.hpp: the pieces cover the range once; ppl's own loops give the
// same bits on one loop thread and on two; the matrix products, whose column blocks are separate
// BLAS calls, agree across thread counts up to float rounding; and at a fixed thread count every
// run gives the same bits.
#include <catch2/catch.hpp>

#include <ppl/ppl.hpp>
#include <vector>

using namespace ppl;

namespace {
struct loop_threads_guard {
    explicit loop_threads_guard(int n) { set_loop_threads(n); }
    ~loop_threads_guard() { set_loop_threads(1); }
};

Eigen::MatrixXf binary_batch(Eigen::Index rows, Eigen::Index cols, std::uint64_t seed) {
    random_stream data_stream{seed};
    Eigen::MatrixXf batch(rows, cols);
    for (Eigen::Index i = 0; i < batch.size(); ++i) batch(i) = data_stream.uniform() < 0.3 ? 1.0f : 0.0f;
    return batch;
}

// Loops only, no matrix product: per-sample logits (a parameter) -> relaxed categorical over 80
// groups of 10 -> relu -> Bernoulli likelihood, and Adam. 800 x 128 entries, so that every loop
// splits on two threads. Returns the three losses, then the logits' value and gradient.
std::vector<Eigen::MatrixXf> train_loops_only(int loop_threads) {
    loop_threads_guard guard{loop_threads};
    parameter logits{"logits", 800, 128};
    random_stream init{3};
    for (Eigen::Index i = 0; i < logits.value.size(); ++i) logits.value(i) = static_cast<float>(init.normal());
    auto x = data<"x">();
    auto c = sample<"c">(categorical(param(logits), 80), uniform_categorical());
    auto objective = elbo(observe(bernoulli_logits(relu(c)), x));
    adam opt{objective.parameters(), {.lr = 1e-2}};
    const Eigen::MatrixXf batch = binary_batch(800, 128, 4);
    random_stream noise{5};
    std::vector<Eigen::MatrixXf> out;
    for (int step = 0; step < 3; ++step)
        out.push_back(Eigen::MatrixXf::Constant(1, 1, float(objective.train_step(batch, noise, opt, {.tau = 0.7}).loss)));
    out.push_back(logits.value), out.push_back(logits.grad);
    return out;
}

// A smooth categorical VAE (no relu kink: relu reads the relaxed sample, which is positive), so
// that float rounding in the products moves the results only by rounding.
struct smooth_cat_vae {
    random_stream init{5};
    dense enc{784, 200, init, "enc"}, dec{200, 784, init, "dec"};
    auto objective() {
        auto x = data<"x">();
        auto c = sample<"c">(categorical(enc(x), 10), uniform_categorical());
        return elbo(observe(bernoulli_logits(dec(relu(c))), x));
    }
};

// One gradient of the VAE: the loss, then every parameter's gradient.
std::vector<Eigen::MatrixXf> one_gradient(int loop_threads) {
    loop_threads_guard guard{loop_threads};
    smooth_cat_vae model;
    auto objective = model.objective();
    random_stream noise{7};
    std::vector<Eigen::MatrixXf> out{Eigen::MatrixXf::Constant(1, 1, float(objective.value_and_grad(binary_batch(784, 128, 6), noise, {.tau = 0.7}).loss))};
    for (auto* p : objective.parameters()) out.push_back(p->grad);
    return out;
}

// Three Adam steps of the VAE: the losses, then every parameter's value and gradient.
std::vector<Eigen::MatrixXf> train_three_steps(int loop_threads) {
    loop_threads_guard guard{loop_threads};
    smooth_cat_vae model;
    auto objective = model.objective();
    adam opt{objective.parameters(), {.lr = 1e-3}};
    const Eigen::MatrixXf batch = binary_batch(784, 128, 6);
    random_stream noise{7};
    std::vector<Eigen::MatrixXf> out;
    for (int step = 0; step < 3; ++step)
        out.push_back(Eigen::MatrixXf::Constant(1, 1, float(objective.train_step(batch, noise, opt, {.tau = 0.7}).loss)));
    for (auto* p : objective.parameters()) out.push_back(p->value), out.push_back(p->grad);
    return out;
}
}  // namespace

TEST_CASE("parallel_pieces: disjoint pieces that cover the range, each at least the minimum", "[core][parallel]") {
    for (int threads : {1, 2, 3}) {
        loop_threads_guard guard{threads};
        for (Eigen::Index n : {0, 1, 7, 100, 1000}) {
            std::vector<int> hits(static_cast<std::size_t>(n), 0);
            std::vector<Eigen::Index> sizes(4, 0);
            parallel_pieces(n, 10, [&](Eigen::Index begin, Eigen::Index count) {
                for (Eigen::Index i = begin; i < begin + count; ++i) ++hits[static_cast<std::size_t>(i)];
#ifdef _OPENMP
                sizes[static_cast<std::size_t>(omp_get_thread_num())] = count;
#else
                sizes[0] = count;
#endif
            });
            for (int h : hits) CHECK(h == 1);
            Eigen::Index pieces = 0;
            for (Eigen::Index s : sizes) {
                if (s == 0) continue;
                ++pieces;
                if (n >= 10) CHECK(s >= 10);
            }
            CHECK(pieces <= threads);
        }
    }
    CHECK_THROWS_WITH(set_loop_threads(0), Catch::Contains("at least 1"));
}

TEST_CASE("parallel loops: elementwise, grouped and per-column loops and Adam give the same bits on one loop thread and on two",
          "[core][parallel]") {
    set_threads(1);
    const auto one = train_loops_only(1);
    const auto two = train_loops_only(2);
    REQUIRE(one.size() == two.size());
    for (std::size_t k = 0; k < one.size(); ++k) CHECK(one[k] == two[k]);
#ifdef _OPENMP
    CHECK(loop_threads() == 1);  // the guard restored it
#endif
}

TEST_CASE("parallel products: one loop thread and two agree up to float rounding", "[core][parallel]") {
    // A product's column blocks are separate BLAS calls, and a BLAS kernel may sum a call's last
    // columns in another order than its others (OpenBLAS's Haswell sgemm does), so the bits may
    // differ with the thread count. Reordering a sum of k <= 784 float terms moves it by at most
    // k * 2^-24 of the sum of their magnitudes (4.7e-5); a wrong or missing block moves it by O(1).
    set_threads(1);
    const auto one = one_gradient(1);
    const auto two = one_gradient(2);
    REQUIRE(one.size() == two.size());
    for (std::size_t k = 0; k < one.size(); ++k) {
        INFO("array " << k);
        const float scale = one[k].cwiseAbs().maxCoeff();
        REQUIRE(scale > 0);
        CHECK((one[k] - two[k]).cwiseAbs().maxCoeff() <= 1e-4f * scale);
    }
}

TEST_CASE("parallel products: at a fixed thread count, training gives the same bits on every run", "[core][parallel]") {
    set_threads(1);
    for (int threads : {1, 2}) {
        INFO(threads << " loop threads");
        const auto first = train_three_steps(threads);
        const auto second = train_three_steps(threads);
        REQUIRE(first.size() == second.size());
        for (std::size_t k = 0; k < first.size(); ++k) CHECK(first[k] == second[k]);
    }
}
