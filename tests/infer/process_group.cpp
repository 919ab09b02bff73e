// Tests include/ppl/infer/process_group.hpp: the noise streams of several processes in a checkpoint,
// and trainer's data-parallel path with a stand-in group (no MPI; tests/parallel/mpi.cpp runs the real one).
#include <catch2/catch.hpp>

#include <filesystem>
#include <ppl/ppl.hpp>
#include <sstream>

using namespace ppl;

namespace {

// Rank 0 of a pretend job of two whose other process computes exactly what this one does: the
// averages are identities and the gather repeats this process's text.
struct mirrored_pair final : process_group {
    int broadcasts = 0, averages = 0;
    [[nodiscard]] int rank() const override { return 0; }
    [[nodiscard]] int size() const override { return 2; }
    void broadcast_parameters(std::span<parameter* const>) override { ++broadcasts; }
    void average_gradients(std::span<parameter* const>, std::span<baseline_state>) override { ++averages; }
    [[nodiscard]] double mean(double value) const override { return value; }
    [[nodiscard]] std::vector<std::string> gather(const std::string& text) const override { return {text, text}; }
};

struct autoencoder {
    random_stream init{9};
    dense layer{5, 5, init, "layer"};
    auto objective() {
        auto x = data<"x">();
        auto z = sample<"z">(normal(layer(x), 0.5), std_normal());
        return elbo(observe(bernoulli_logits(z), x));
    }
};

Eigen::MatrixXf binary(Eigen::Index n) {
    random_stream rng{10};
    Eigen::MatrixXf x(5, n);
    for (Eigen::Index i = 0; i < x.size(); ++i) x(i) = rng.uniform() < 0.4 ? 1.0f : 0.0f;
    return x;
}

}  // namespace

TEST_CASE("store_process_streams and process_stream: one stream per process, and the job's size checked", "[infer][processes]") {
    checkpoint c;
    store_process_streams(c, "rng.noise", {"zero", "one", "two"});
    CHECK(c.value("rng.noise") == "zero");
    CHECK(c.value("rng.noise.rank2") == "two");
    CHECK(c.value("processes") == "3");
    CHECK(process_stream(c, "rng.noise", 1, 3) == "one");
    CHECK_THROWS_WITH(process_stream(c, "rng.noise", 0, 2),
                      Catch::Contains("written by a run of 3 processes and this run has 2") && Catch::Contains("mpirun -np 3"));

    checkpoint single;
    store_process_streams(single, "rng.noise", {"only"});
    CHECK(!single.text.contains("processes"));
    CHECK(process_stream(single, "rng.noise", 0, 1) == "only");
    CHECK_THROWS_WITH(process_stream(single, "rng.noise", 0, 2), Catch::Contains("written by a run of 1 processes"));
}

TEST_CASE("run_alone: the body's status, an error's message and status 1, and a refusal under mpirun", "[infer][processes]") {
    CHECK(run_alone([](process_group* processes) { return processes == nullptr ? 7 : 0; }) == 7);
    CHECK(run_alone([](process_group*) -> int { fail("bad input"); }) == 1);
    CHECK(run_alone([](process_group*) -> int { throw std::runtime_error("no such folder"); }) == 1);
    ::setenv("OMPI_COMM_WORLD_SIZE", "2", 1);
    CHECK(run_alone([](process_group*) { return 0; }) == 1);
    ::unsetenv("OMPI_COMM_WORLD_SIZE");
}

TEST_CASE("trainer with a process group: broadcasts once, averages every step, checkpoints every stream", "[infer][processes]") {
    const Eigen::MatrixXf x = binary(40), x_test = binary(10);
    const auto dir = std::filesystem::temp_directory_path() / "ppl_process_group_test";
    std::filesystem::create_directories(dir);
    const std::string file = (dir / "checkpoint.ppl").string();
    std::filesystem::remove(file);

    autoencoder model;
    auto objective = model.objective();
    mirrored_pair pair;
    std::ostringstream lines;
    trainer fit{objective, {.epochs = 2, .batch = 10, .seed = 3, .checkpoint = file, .progress = false, .processes = &pair}};
    const auto records = fit.run({{"x", x}}, {{"x", x_test}}, lines);
    CHECK(pair.broadcasts == 1);
    CHECK(pair.averages == 8);  // 4 batches of 10 in each of 2 epochs
    REQUIRE(records.size() == 2);
    CHECK(std::isfinite(records[1].train_neg_elbo));
    CHECK(lines.str().find("epoch=2 ") != std::string::npos);  // rank 0 prints
    const checkpoint saved = load_checkpoint(file);
    CHECK(saved.value("processes") == "2");
    CHECK(saved.value("rng.noise.rank1") == saved.value("rng.noise"));

    // a single process cannot continue it, and a batch the pair cannot share is refused before training
    autoencoder other;
    auto alone = other.objective();
    CHECK_THROWS_WITH((trainer{alone, {.epochs = 3, .batch = 10, .checkpoint = file, .resume = true, .progress = false}}),
                      Catch::Contains("written by a run of 2 processes"));
    CHECK_THROWS_WITH((trainer{alone, {.batch = 9, .processes = &pair}}), Catch::Contains("does not split evenly over 2 processes"));
}
