// Data-parallel throughput of the continuous VAE's training step (784-400-20, fp32): run under
// mpirun -np N, each process takes B/N columns of every global batch of B, the gradients are
// averaged by one allreduce, and every process takes the same Adam step. Rank 0 prints
//   mpi_step processes=<N> batch=<B> steps=<S> samples_per_second=<v> allreduce_share=<f>
// where allreduce_share is the part of the step's wall time spent inside the allreduce (waiting
// for the slower process included). bench/mpi_scaling.sh runs it with np=1 and np=2.
//
//   mpirun -np 2 build/release/bench/mpi_step [batch=128] [steps=200] [skip_allreduce=0]
//
// skip_allreduce=1 leaves the allreduce out (the copies then drift apart): the scaling that the
// computation alone would reach, to tell communication from contention for the machine.
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <string>

#include <ppl/parallel/mpi.hpp>
#include <ppl/ppl.hpp>

int main(int argc, char** argv) {
    ppl::mpi_world world{argc, argv};
    try {
        const Eigen::Index batch = argc > 1 ? std::stol(argv[1]) : 128;
        const int steps = argc > 2 ? std::stoi(argv[2]) : 200;
        const bool skip_allreduce = argc > 3 && std::string(argv[3]) == "1";
        const auto [first, count] = world.slice(batch);
        ppl::set_threads(1);

        ppl::random_stream init{0};
        ppl::dense enc{784, 400, init, "enc"}, mu{400, 20, init, "mu"}, logvar{400, 20, init, "logvar"};
        ppl::dense dec1{20, 400, init, "dec1"}, dec2{400, 784, init, "dec2"};
        auto x = ppl::data<"x">();
        auto h = ppl::let<"h">(ppl::relu(enc(x)));
        auto z = ppl::sample<"z">(ppl::normal(mu(h), ppl::exp(0.5 * logvar(h))), ppl::std_normal());
        auto objective = ppl::elbo(ppl::observe(ppl::bernoulli_logits(dec2(ppl::relu(dec1(z)))), x));
        ppl::adam optimiser{objective.parameters(), {.lr = 1e-3}};
        ppl::data_parallel<float> replicas{world, objective.parameters()};
        replicas.broadcast_parameters();

        // the same global batch on every process (pixels of a fixed random image set); each takes its columns
        ppl::random_stream data_stream{11}, noise{12 + 1000ull * std::uint64_t(world.rank())};
        Eigen::MatrixXf images(784, batch);
        for (Eigen::Index i = 0; i < images.size(); ++i) images(i) = static_cast<float>(data_stream.uniform());
        const Eigen::MatrixXf mine = images.middleCols(first, count);

        const auto step = [&] {
            objective.value_and_grad(mine, noise);
            if (!skip_allreduce) replicas.average_gradients();
            optimiser.step();
        };
        for (int k = 0; k < 20; ++k) step();  // warm-up: buffers sized, caches and the network settled
        MPI_Barrier(MPI_COMM_WORLD);
        const double reduce_before = replicas.reduce_seconds();
        const auto start = std::chrono::steady_clock::now();
        for (int k = 0; k < steps; ++k) step();
        MPI_Barrier(MPI_COMM_WORLD);
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        const double reduce = world.sum(replicas.reduce_seconds() - reduce_before) / world.size();
        if (world.root())
            std::cout << "mpi_step processes=" << world.size() << " batch=" << batch << " steps=" << steps
                      << " samples_per_second=" << double(batch) * steps / seconds << " allreduce_share=" << reduce / seconds
                      << " step_us=" << 1e6 * seconds / steps << (skip_allreduce ? " skip_allreduce=1" : "") << std::endl;
        return 0;
    } catch (const ppl::error& e) {
        world.abort_with_error(e.what());
    }
}
