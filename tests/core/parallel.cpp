// Tests include/ppl/core/parallel.hpp: the pieces cover the range once, and a training step gives
// the same bits on one loop thread and on two.
#include <catch2/catch.hpp>

#include <ppl/ppl.hpp>
#include <vector>

using namespace ppl;

namespace {
struct loop_threads_guard {
    explicit loop_threads_guard(int n) { set_loop_threads(n); }
    ~loop_threads_guard() { set_loop_threads(1); }
};

// A categorical VAE step (relu, bias, bce, grouped softmax, column sums, Adam): every loop the
// pool runs. Returns the loss, then every parameter's value and gradient.
std::vector<Eigen::MatrixXf> train_three_steps(int loop_threads) {
    loop_threads_guard guard{loop_threads};
    random_stream init{5};
    dense enc{784, 200, init, "enc"}, dec{200, 784, init, "dec"};
    auto x = data<"x">();
    auto c = sample<"c">(categorical(enc(x), 10), uniform_categorical());
    auto objective = elbo(observe(bernoulli_logits(dec(relu(c))), x));
    adam opt{objective.parameters(), {.lr = 1e-3}};
    random_stream data_stream{6}, noise{7};
    Eigen::MatrixXf batch(784, 128);
    for (Eigen::Index i = 0; i < batch.size(); ++i) batch(i) = data_stream.uniform() < 0.3 ? 1.0f : 0.0f;
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

TEST_CASE("parallel loops: a categorical VAE trains to the same bits on one loop thread and on two", "[core][parallel]") {
    set_threads(1);
    const auto one = train_three_steps(1);
    const auto two = train_three_steps(2);
    REQUIRE(one.size() == two.size());
    for (std::size_t k = 0; k < one.size(); ++k) CHECK(one[k] == two[k]);
#ifdef _OPENMP
    CHECK(loop_threads() == 1);  // the guard restored it
#endif
}
