#pragma once
// The processes of a data-parallel run, as the library's training loop sees them. The interface
// knows nothing of the transport: ppl/parallel/mpi.hpp implements it over MPI.
#include <span>
#include <string>
#include <vector>

#include "ppl/estimators/score_function.hpp"

namespace ppl {

/// Processes that train one model together (trainer_options::processes). Each holds the whole
/// model and takes 1/size of every batch; averaging the gradients, g <- (1/N) sum_r g_r, before
/// the optimiser's step keeps the copies identical, since the mean of N per-process batch means is
/// the global batch mean.
class process_group {
public:
    virtual ~process_group() = default;
    [[nodiscard]] virtual int rank() const = 0;
    [[nodiscard]] virtual int size() const = 0;
    /// Rank 0's parameter values on every process.
    virtual void broadcast_parameters() = 0;
    /// Every parameter's gradient, and every estimator's adaptive state, becomes its mean over the processes.
    virtual void average_gradients(std::span<baseline_state> states) = 0;
    /// The mean over the processes of one number per process, on every process.
    [[nodiscard]] virtual double mean(double value) const = 0;
    /// Every process's text in rank order on rank 0; an empty list elsewhere.
    [[nodiscard]] virtual std::vector<std::string> gather(const std::string& text) const = 0;
};

}  // namespace ppl
