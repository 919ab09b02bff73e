// Tests include/ppl/parallel/mpi.hpp as a job of two processes (mpirun -np 2, see CMakeLists.txt):
// N processes with B/N columns each train like one process with B columns.
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <iostream>
#include <ppl/parallel/mpi.hpp>
#include <ppl/ppl.hpp>

using namespace ppl;

namespace {

mpi_world& world() {
    static int argc = 0;
    static char** argv = nullptr;
    static mpi_world w{argc, argv};
    return w;
}

// A small VAE with a pathwise site and a score-function site (its baseline is averaged too).
struct small_vae {
    random_stream init;
    dense enc, enc_b, dec;
    explicit small_vae(std::uint64_t seed)
        : init(seed), enc{10, 3, init, "enc"}, enc_b{10, 2, init, "enc_b"}, dec{5, 10, init, "dec"} {}
    auto objective() {
        auto x = data<"x">();
        auto z = sample<"z">(normal(enc(x), 0.5), std_normal());
        auto b = sample<"b", score_function<moving_average>>(bernoulli_logits(enc_b(x)), uniform_bernoulli());
        return elbo(observe(bernoulli_logits(dec(concat(z, b))), x));
    }
};

// No random site, so no noise: 2 processes with half of each batch must train exactly like one
// process with the whole batch, up to the order of the float sums.
struct autoencoder {
    random_stream init;
    dense layer;
    explicit autoencoder(std::uint64_t seed) : init(seed), layer{6, 6, init, "layer"} {}
    auto objective() {
        auto x = data<"x">();
        return elbo(observe(bernoulli_logits(layer(x)), x));
    }
};

Eigen::MatrixXf binary_columns(Eigen::Index n, std::uint64_t seed) {
    random_stream rng{seed};
    Eigen::MatrixXf x(6, n);
    for (Eigen::Index i = 0; i < x.size(); ++i) x(i) = rng.uniform() < 0.3 ? 1.0f : 0.0f;
    return x;
}

double largest_relative_difference(const std::vector<parameter*>& a, const std::vector<parameter*>& b) {
    double largest = 0;
    for (std::size_t k = 0; k < a.size(); ++k) {
        const Eigen::ArrayXXf u = a[k]->value.array(), v = b[k]->value.array();
        largest = std::max(largest, double(((u - v).abs() / u.abs().max(1e-3f)).maxCoeff()));
    }
    return largest;
}

}  // namespace

TEST_CASE("trainer with an mpi_process_group: 2 processes train like one process with the whole batch", "[parallel][mpi]") {
    REQUIRE(world().size() == 2);
    const Eigen::MatrixXf x = binary_columns(64, 30), x_test = binary_columns(16, 31);
    autoencoder alone_model{40}, shared_model{40 + static_cast<std::uint64_t>(world().rank())};
    auto alone = alone_model.objective();
    auto shared = shared_model.objective();
    mpi_process_group processes{world()};
    std::ostringstream alone_lines, shared_lines;
    trainer alone_fit{alone, {.epochs = 3, .batch = 16, .seed = 4, .adam = {.lr = 1e-2}, .progress = false}};
    trainer shared_fit{shared, {.epochs = 3, .batch = 16, .seed = 4, .adam = {.lr = 1e-2}, .progress = false, .processes = &processes}};
    const auto alone_records = alone_fit.run({{"x", x}}, {{"x", x_test}}, alone_lines);
    const auto shared_records = shared_fit.run({{"x", x}}, {{"x", x_test}}, shared_lines);
    const double largest = largest_relative_difference(alone.parameters(), shared.parameters());
    if (world().root()) std::cout << "trainer: max relative difference after 3 epochs, 2 processes vs 1: " << largest << "\n";
    CHECK(largest < 1e-5);
    REQUIRE(shared_records.size() == 3);
    CHECK(std::abs(shared_records[2].train_neg_elbo - alone_records[2].train_neg_elbo) < 1e-5 * std::abs(alone_records[2].train_neg_elbo));
    CHECK(std::abs(shared_records[2].test_neg_elbo - alone_records[2].test_neg_elbo) < 1e-5 * std::abs(alone_records[2].test_neg_elbo));
    // rank 0 alone prints the epoch lines
    CHECK((shared_lines.str().find("epoch=3 ") != std::string::npos) == world().root());
    CHECK((shared_lines.str().empty()) == !world().root());
}

TEST_CASE("trainer with an mpi_process_group: a resume on 2 processes is bit-identical, and refuses another count", "[parallel][mpi]") {
    const Eigen::MatrixXf x = binary_columns(64, 32), x_test = binary_columns(16, 33);
    const std::filesystem::path dir = std::filesystem::temp_directory_path() / "ppl_mpi_trainer_test";
    const std::string straight = (dir / "straight.ppl").string(), resumed = (dir / "resumed.ppl").string();
    if (world().root()) {
        std::filesystem::remove_all(dir);
        std::filesystem::create_directories(dir);
    }
    MPI_Barrier(MPI_COMM_WORLD);
    const auto train = [&](const std::string& file, int epochs, bool resume) {
        autoencoder model{50};
        auto objective = model.objective();
        mpi_process_group processes{world()};
        std::ostringstream lines;
        trainer fit{objective, {.epochs = epochs, .batch = 16, .seed = 6, .checkpoint = file, .resume = resume, .progress = false,
                                .processes = &processes}};
        fit.run({{"x", x}}, {{"x", x_test}}, lines);
        MPI_Barrier(MPI_COMM_WORLD);  // rank 0 has written the checkpoint before anyone reads it
    };
    train(straight, 2, false);
    train(resumed, 1, false);
    train(resumed, 2, true);
    if (world().root()) {
        std::ifstream a(straight, std::ios::binary), b(resumed, std::ios::binary);
        const std::string bytes_a{std::istreambuf_iterator<char>(a), {}}, bytes_b{std::istreambuf_iterator<char>(b), {}};
        CHECK(!bytes_a.empty());
        CHECK(bytes_a == bytes_b);
        CHECK(bytes_a.find("rng.noise.rank1") != std::string::npos);
    }
    // one process cannot continue a checkpoint of two: each process's noise stream continues from it
    autoencoder model{50};
    auto objective = model.objective();
    CHECK_THROWS_WITH((trainer{objective, {.epochs = 3, .batch = 16, .seed = 6, .checkpoint = straight, .resume = true, .progress = false}}),
                      Catch::Contains("written by a run of 2 processes"));
}

TEST_CASE("trainer with an mpi_process_group: a batch the processes cannot share is an error before training", "[parallel][mpi]") {
    autoencoder model{60};
    auto objective = model.objective();
    mpi_process_group processes{world()};
    CHECK_THROWS_WITH((trainer{objective, {.batch = 15, .processes = &processes}}),
                      Catch::Contains("does not split evenly over 2 processes") && Catch::Contains("e.g. 16"));
}

TEST_CASE("data_parallel: 20 steps on 2 processes equal 20 steps of one process with the whole batch", "[parallel][mpi]") {
    REQUIRE(world().size() == 2);
    constexpr Eigen::Index batch = 16;
    const auto [first, count] = world().slice(batch);

    small_vae reference{100};  // one process (rank 0's seed), the whole batch: every rank computes it alone
    small_vae spread{static_cast<std::uint64_t>(100 + world().rank())};  // different seeds: the broadcast must fix them
    auto whole = reference.objective();
    auto part = spread.objective();
    data_parallel<float> replicas{world(), part.parameters()};
    replicas.broadcast_parameters();
    const auto p_whole = whole.parameters(), p_part = part.parameters();
    for (std::size_t k = 0; k < p_whole.size(); ++k) REQUIRE(p_whole[k]->value == p_part[k]->value);

    adam opt_whole{p_whole, {.lr = 1e-2}}, opt_part{p_part, {.lr = 1e-2}};
    random_stream data_stream{7}, noise_stream{8};
    for (int step = 0; step < 20; ++step) {
        // the same global batch and noise on every rank; each rank takes its columns
        Eigen::MatrixXf x(10, batch), eps(3, batch), logistic(2, batch);
        for (Eigen::Index i = 0; i < x.size(); ++i) x(i) = data_stream.uniform() < 0.4 ? 1.0f : 0.0f;
        for (Eigen::Index i = 0; i < eps.size(); ++i) eps(i) = static_cast<float>(noise_stream.normal());
        for (Eigen::Index i = 0; i < logistic.size(); ++i) logistic(i) = static_cast<float>(draw_noise(noise_kind::logistic, noise_stream));
        fixed_noise<> all{{{"z", eps}, {"b", logistic}}};
        fixed_noise<> mine{{{"z", eps.middleCols(first, count)}, {"b", logistic.middleCols(first, count)}}};
        whole.value_and_grad(x, all);
        opt_whole.step();
        const Eigen::MatrixXf x_mine = x.middleCols(first, count);
        part.value_and_grad(x_mine, mine);
        replicas.average_gradients();
        replicas.average_estimator_state(part.baselines());
        opt_part.step();
    }
    double largest = 0;
    for (std::size_t k = 0; k < p_whole.size(); ++k) {
        const Eigen::ArrayXXf a = p_whole[k]->value.array(), b = p_part[k]->value.array();
        largest = std::max(largest, double(((a - b).abs() / a.abs().max(1e-3f)).maxCoeff()));
    }
    if (world().root()) std::cout << "max relative difference after 20 steps, 2 processes vs 1: " << largest << "\n";
    CHECK(largest < 1e-5);
    CHECK(std::abs(whole.baselines()[0].value + whole.baselines()[1].value - part.baselines()[0].value -
                   part.baselines()[1].value) < 1e-4);
    // the replicas agree bit for bit: every rank took the same averaged step
    for (auto* p : p_part) {
        Eigen::MatrixXf root = p->value;
        MPI_Bcast(root.data(), static_cast<int>(root.size()), MPI_FLOAT, 0, MPI_COMM_WORLD);
        CHECK(root == p->value);
    }
    CHECK(replicas.reduce_seconds() > 0);
}

TEST_CASE("mpi_world: a batch the processes cannot share equally is an error on every rank", "[parallel][mpi]") {
    CHECK_THROWS_WITH(world().slice(7), Catch::Contains("does not split evenly over 2 processes") && Catch::Contains("e.g. 8"));
    const auto [first, count] = world().slice(8);
    CHECK(count == 4);
    CHECK(first == 4 * world().rank());
    CHECK(world().sum(1.0) == 2.0);
}
