#pragma once
// Data-parallel training over the processes of an MPI job (mpirun -np N): every process holds the
// whole model, takes its own columns of each global batch, and the processes average their
// gradients before each holds the same optimiser step. Include it on its own (it is not part of
// ppl.hpp, so that nothing else depends on MPI); link MPI::MPI_CXX (CMake option PPL_WITH_MPI).
#include <mpi.h>

#include <Eigen/Core>
#include <algorithm>
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "ppl/core/error.hpp"
#include "ppl/estimators/score_function.hpp"
#include "ppl/infer/process_group.hpp"
#include "ppl/nn/parameter.hpp"

namespace ppl {

namespace detail {
// MPI's datatype for a scalar type.
template <class Scalar>
inline MPI_Datatype mpi_type() {
    if constexpr (std::is_same_v<Scalar, float>) return MPI_FLOAT;
    else return MPI_DOUBLE;
}
// Raises ppl::error with MPI's own words when a call fails (the world's errors return, not abort).
inline void mpi_check(int code, const char* call) {
    if (code == MPI_SUCCESS) return;
    char text[MPI_MAX_ERROR_STRING];
    int length = 0;
    MPI_Error_string(code, text, &length);
    fail(call, " failed: ", std::string(text, static_cast<std::size_t>(length)));
}
}  // namespace detail

/// The processes of this MPI job. It starts MPI if nobody has, and ends it on destruction if it
/// started it. A program run without mpirun is a job of one process, rank 0.
class mpi_world {
public:
    mpi_world(int& argc, char**& argv) {
        int started = 0;
        MPI_Initialized(&started);
        if (!started) {
            int provided = 0;
            detail::mpi_check(MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided), "MPI_Init_thread");
            owner_ = true;
        }
        MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
        MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
        MPI_Comm_size(MPI_COMM_WORLD, &size_);
    }
    ~mpi_world() {
        int ended = 0;
        MPI_Finalized(&ended);
        if (owner_ && !ended) MPI_Finalize();
    }
    mpi_world(const mpi_world&) = delete;
    mpi_world& operator=(const mpi_world&) = delete;

    [[nodiscard]] int rank() const { return rank_; }
    [[nodiscard]] int size() const { return size_; }
    /// Rank 0 prints, draws pictures and writes checkpoints.
    [[nodiscard]] bool root() const { return rank_ == 0; }

    /// Ends every process of the job with `code`. For an error on one rank: the others would
    /// otherwise wait for it in their next collective forever.
    [[noreturn]] void abort(int code) const {
        MPI_Abort(MPI_COMM_WORLD, code);
        std::exit(code);  // (MPI_Abort does not return; this keeps [[noreturn]] honest)
    }

    /// Prints `error (process r of N): <message>` and ends every process of the job with code 1.
    [[noreturn]] void abort_with_error(std::string_view message) const {
        // One write, so the line cannot interleave with mpirun's own report of the abort.
        const std::string line =
            "error (process " + std::to_string(rank_) + " of " + std::to_string(size_) + "): " + std::string(message) + "\n";
        std::cerr.write(line.data(), static_cast<std::streamsize>(line.size())).flush();
        abort(1);
    }

    /// The sum over the ranks of one value per rank, on every rank.
    [[nodiscard]] double sum(double value) const {
        double total = 0;
        detail::mpi_check(MPI_Allreduce(&value, &total, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD), "MPI_Allreduce");
        return total;
    }

    /// Every rank's text, gathered on rank 0 in rank order (an empty list on the other ranks): how
    /// per-rank state, such as each rank's noise stream, reaches rank 0's checkpoint.
    [[nodiscard]] std::vector<std::string> gather(const std::string& text) const {
        const int length = static_cast<int>(text.size());
        std::vector<int> lengths(root() ? static_cast<std::size_t>(size_) : 0), offsets(lengths.size());
        detail::mpi_check(MPI_Gather(&length, 1, MPI_INT, lengths.data(), 1, MPI_INT, 0, MPI_COMM_WORLD), "MPI_Gather");
        int total = 0;
        for (std::size_t r = 0; r < lengths.size(); ++r) offsets[r] = total, total += lengths[r];
        std::string all(static_cast<std::size_t>(total), '\0');
        detail::mpi_check(MPI_Gatherv(text.data(), length, MPI_CHAR, all.data(), lengths.data(), offsets.data(), MPI_CHAR, 0,
                                      MPI_COMM_WORLD),
                          "MPI_Gatherv");
        std::vector<std::string> out;
        for (std::size_t r = 0; r < lengths.size(); ++r)
            out.push_back(all.substr(static_cast<std::size_t>(offsets[r]), static_cast<std::size_t>(lengths[r])));
        return out;
    }

    /// True when mpirun started this process (OpenMPI's, or a PMI launcher's, variables are set).
    /// A program can then make an mpi_world, and otherwise run as one process without MPI at all.
    [[nodiscard]] static bool launched_by_mpirun() { return ppl::launched_by_mpirun(); }

    /// The columns of a global batch of `global` that this rank takes: [first, first + count).
    /// Every rank takes global / size columns; a batch the ranks cannot share equally is an error,
    /// raised on every rank alike before training starts.
    [[nodiscard]] std::pair<Eigen::Index, Eigen::Index> slice(Eigen::Index global) const {
        if (global % size_ != 0)
            fail("the batch of ", global, " does not split evenly over ", size_, " processes; give a batch that ", size_,
                 " divides (e.g. ", (global / size_ + 1) * size_, ")");
        const Eigen::Index count = global / size_;
        return {count * rank_, count};
    }

private:
    int rank_ = 0, size_ = 1;
    bool owner_ = false;
};

/// Keeps the copies of one model identical across the ranks of an mpi_world.
///
/// Per step: value_and_grad on this rank's columns of the global batch, then average_gradients()
/// (one in-place allreduce over one flat buffer, allocated here once), then the same optimiser
/// step on every rank. The mean over ranks of per-rank batch means is the global batch mean, so
/// N processes with B/N columns each take the step one process takes with B columns.
template <class Scalar = float>
class data_parallel {
public:
    data_parallel(const mpi_world& world, std::vector<basic_parameter<Scalar>*> params)
        : world_(world), params_(std::move(params)) {
        Eigen::Index total = 0;
        for (const auto* p : params_) total += p->value.size();
        buffer_.resize(total);
    }

    /// Rank 0's parameter values on every rank, so that all start identical whatever their seeds.
    void broadcast_parameters() {
        pack([](const basic_parameter<Scalar>& p) { return p.value.data(); });
        detail::mpi_check(MPI_Bcast(buffer_.data(), static_cast<int>(buffer_.size()), detail::mpi_type<Scalar>(), 0,
                                    MPI_COMM_WORLD),
                          "MPI_Bcast");
        unpack([](basic_parameter<Scalar>& p) { return p.value.data(); }, Scalar(1));
    }

    /// Every parameter's gradient becomes its mean over the ranks: one allreduce of one buffer.
    void average_gradients() {
        if (world_.size() == 1) return;
        pack([](const basic_parameter<Scalar>& p) { return p.grad.data(); });
        const auto start = std::chrono::steady_clock::now();
        detail::mpi_check(MPI_Allreduce(MPI_IN_PLACE, buffer_.data(), static_cast<int>(buffer_.size()),
                                        detail::mpi_type<Scalar>(), MPI_SUM, MPI_COMM_WORLD),
                          "MPI_Allreduce");
        reduce_seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        unpack([](basic_parameter<Scalar>& p) { return p.grad.data(); }, Scalar(1) / static_cast<Scalar>(world_.size()));
    }

    /// The estimators' adaptive state (moving-average baselines; rebar's eta and tau; relax's
    /// network) becomes its mean over the ranks, so that it stays one state for one model.
    void average_estimator_state(std::span<baseline_state> states) {
        if (world_.size() == 1 || states.empty()) return;
        state_buffer_.clear();
        for (const auto& s : states) {
            state_buffer_.insert(state_buffer_.end(), {s.value, s.control.eta, s.control.log_tau});
            state_buffer_.insert(state_buffer_.end(), s.control.network.data(), s.control.network.data() + s.control.network.size());
        }
        detail::mpi_check(MPI_Allreduce(MPI_IN_PLACE, state_buffer_.data(), static_cast<int>(state_buffer_.size()), MPI_DOUBLE,
                                        MPI_SUM, MPI_COMM_WORLD),
                          "MPI_Allreduce");
        const double share = 1.0 / world_.size();
        std::size_t at = 0;
        for (auto& s : states) {
            s.value = state_buffer_[at++] * share, s.control.eta = state_buffer_[at++] * share;
            s.control.log_tau = state_buffer_[at++] * share;
            for (Eigen::Index k = 0; k < s.control.network.size(); ++k) s.control.network(k) = state_buffer_[at++] * share;
        }
    }

    /// Seconds spent inside the gradients' allreduce so far (the benchmark's communication share).
    [[nodiscard]] double reduce_seconds() const { return reduce_seconds_; }

private:
    template <class Source>
    void pack(Source source) {
        Eigen::Index at = 0;
        for (const auto* p : params_) {
            const Eigen::Index n = p->value.size();
            buffer_.segment(at, n) = Eigen::Map<const Eigen::Matrix<Scalar, Eigen::Dynamic, 1>>(source(*p), n);
            at += n;
        }
    }
    template <class Target>
    void unpack(Target target, Scalar scale) {
        Eigen::Index at = 0;
        for (auto* p : params_) {
            const Eigen::Index n = p->value.size();
            Eigen::Map<Eigen::Matrix<Scalar, Eigen::Dynamic, 1>>(target(*p), n) = scale * buffer_.segment(at, n);
            at += n;
        }
    }

    const mpi_world& world_;
    std::vector<basic_parameter<Scalar>*> params_;
    Eigen::Matrix<Scalar, Eigen::Dynamic, 1> buffer_;
    std::vector<double> state_buffer_;
    double reduce_seconds_ = 0;
};

/// The processes of an mpi_world as the library's trainer sees them (trainer_options::processes):
///   ppl::mpi_world world{argc, argv};
///   ppl::mpi_process_group processes{world};
///   ppl::trainer fit{objective, {.batch = 128, .processes = &processes}};
/// It keeps one exchange buffer for the parameters it last averaged (allocated once per model).
class mpi_process_group final : public process_group {
public:
    explicit mpi_process_group(const mpi_world& world) : world_(world) {}
    [[nodiscard]] int rank() const override { return world_.rank(); }
    [[nodiscard]] int size() const override { return world_.size(); }
    void broadcast_parameters(std::span<parameter* const> params) override { replicas(params).broadcast_parameters(); }
    void average_gradients(std::span<parameter* const> params, std::span<baseline_state> states) override {
        auto& r = replicas(params);
        r.average_gradients();
        r.average_estimator_state(states);
    }
    [[nodiscard]] double mean(double value) const override { return world_.sum(value) / world_.size(); }
    [[nodiscard]] std::vector<std::string> gather(const std::string& text) const override { return world_.gather(text); }

private:
    // the exchange buffer of these parameters: the last one if the same parameters, of the same
    // sizes, come again (another model could reuse the addresses)
    data_parallel<float>& replicas(std::span<parameter* const> params) {
        bool same = replicas_.has_value() && params.size() == params_.size();
        for (std::size_t k = 0; same && k < params.size(); ++k) same = params[k] == params_[k].first && params[k]->value.size() == params_[k].second;
        if (!same) {
            params_.clear();
            for (parameter* p : params) params_.emplace_back(p, p->value.size());
            replicas_.emplace(world_, std::vector<parameter*>(params.begin(), params.end()));
        }
        return *replicas_;
    }

    const mpi_world& world_;
    std::vector<std::pair<parameter*, Eigen::Index>> params_;
    std::optional<data_parallel<float>> replicas_;
};

/// Runs a program's body as one job of the processes mpirun started: body(processes), with an
/// mpi_process_group when mpirun started N > 1 processes, else body(nullptr) without starting MPI.
/// An error (a ppl::error or another std::exception) on one process prints
/// `error (process r of N): <message>` and ends the whole job
/// (the others would otherwise wait for it at their next collective); alone, it prints
/// `error: <message>` and returns 1.
template <class Body>
int run_with_mpi(Body&& body) {
    if (!launched_by_mpirun()) return run_alone(std::forward<Body>(body));
    int argc = 0;
    char** argv = nullptr;
    mpi_world world{argc, argv};
    mpi_process_group processes{world};
    try {
        return body(world.size() > 1 ? static_cast<process_group*>(&processes) : nullptr);
    } catch (const std::exception& e) {  // ppl::error, and the standard library's (a folder that cannot be made, say)
        if (world.size() == 1) {
            std::cerr << "error: " << e.what() << "\n";
            return 1;
        }
        world.abort_with_error(e.what());
    }
}

}  // namespace ppl
