// Run by tests/parallel/expect_abort.sh under mpirun: rank 1 fails (as a rank whose data folder is
// missing would) while rank 0 waits in a collective. The job must end, not hang.
#include <iostream>
#include <ppl/parallel/mpi.hpp>

int main(int argc, char** argv) {
    ppl::mpi_world world{argc, argv};
    try {
        if (world.rank() == 1) ppl::fail("no Fashion-MNIST files in /missing on rank 1");
        MPI_Barrier(MPI_COMM_WORLD);  // rank 0 would wait here forever without the abort
        return 0;
    } catch (const ppl::error& e) {
        std::cerr << "rank " << world.rank() << ": " << e.what() << "\n";
        world.abort(1);
    }
}
