#pragma once
// The processes of a data-parallel run, as the library's training loop sees them. The interface
// knows nothing of the transport: ppl/parallel/mpi.hpp implements it over MPI.
#include <cstdlib>
#include <exception>
#include <iostream>
#include <span>
#include <string>
#include <vector>

#include "ppl/core/error.hpp"
#include "ppl/estimators/score_function.hpp"
#include "ppl/nn/checkpoint.hpp"
#include "ppl/nn/parameter.hpp"

namespace ppl {

/// Processes that train one model together (trainer_options::processes). Each holds the whole
/// model and takes 1/size of every batch; averaging the gradients, g <- (1/N) sum_r g_r, before
/// the optimiser's step keeps the copies identical, since the mean of N per-process batch means is
/// the global batch mean. A group is the job's processes, not one model's: every call names the
/// parameters it acts on.
class process_group {
public:
    virtual ~process_group() = default;
    [[nodiscard]] virtual int rank() const = 0;
    [[nodiscard]] virtual int size() const = 0;
    /// Rank 0's values of `params` on every process.
    virtual void broadcast_parameters(std::span<parameter* const> params) = 0;
    /// Every parameter's gradient, and every estimator's adaptive state, becomes its mean over the processes.
    virtual void average_gradients(std::span<parameter* const> params, std::span<baseline_state> states) = 0;
    /// The mean over the processes of one number per process, on every process.
    [[nodiscard]] virtual double mean(double value) const = 0;
    /// Every process's text in rank order on rank 0; an empty list elsewhere.
    [[nodiscard]] virtual std::vector<std::string> gather(const std::string& text) const = 0;
};

/// Every process's noise stream in rank 0's checkpoint, as process_group::gather returns them:
/// `key` holds rank 0's (a single process's), `key.rank<r>` rank r's, and `processes` their count
/// when there are several.
inline void store_process_streams(checkpoint& c, const std::string& key, const std::vector<std::string>& streams) {
    if (streams.empty()) return;
    c.text[key] = streams[0];
    for (std::size_t r = 1; r < streams.size(); ++r) c.text[key + ".rank" + std::to_string(r)] = streams[r];
    if (streams.size() > 1) c.text["processes"] = std::to_string(streams.size());
}

/// Process `rank`'s stream from store_process_streams. Resuming with another number of processes
/// is an error: each process's stream continues from the checkpoint.
[[nodiscard]] inline std::string process_stream(const checkpoint& c, const std::string& key, int rank, int size) {
    const std::string written_by = c.text.contains("processes") ? c.value("processes") : "1";
    if (written_by != std::to_string(size))
        fail("the checkpoint was written by a run of ", written_by, " processes and this run has ", size,
             "; resume it with as many (mpirun -np ", written_by, "), since each process's noise stream continues from it");
    return c.value(rank == 0 ? key : key + ".rank" + std::to_string(rank));
}

/// True when mpirun (OpenMPI's, or a PMI launcher) started this process.
[[nodiscard]] inline bool launched_by_mpirun() {
    return std::getenv("OMPI_COMM_WORLD_SIZE") != nullptr || std::getenv("PMI_SIZE") != nullptr ||
           std::getenv("PMIX_RANK") != nullptr;
}

/// Runs a program's body as one process: body(nullptr), the process group a trainer takes when it
/// trains alone. An error (a ppl::error or another std::exception) becomes `error: <message>` on
/// standard error and exit status 1.
/// Under mpirun it refuses to start, since N copies of one run would write the same files: a
/// program built with MPI calls run_with_mpi (ppl/parallel/mpi.hpp) instead.
template <class Body>
int run_alone(Body&& body) {
    if (launched_by_mpirun()) {
        std::cerr << "error: this program was built without MPI (CMake option PPL_WITH_MPI needs libopenmpi-dev); run it "
                     "without mpirun, or rebuild it with MPI\n";
        return 1;
    }
    try {
        return body(static_cast<process_group*>(nullptr));
    } catch (const std::exception& e) {  // ppl::error, and the standard library's (a folder that cannot be made, say)
        std::cerr << "error: " << e.what() << "\n";
    }
    return 1;
}

}  // namespace ppl
