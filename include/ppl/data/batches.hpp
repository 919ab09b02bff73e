#pragma once
// Shuffled mini-batches of columns, copied into reused buffers; several inputs share one order.
#include <Eigen/Core>
#include <algorithm>
#include <cstddef>
#include <functional>
#include <initializer_list>
#include <numeric>
#include <vector>

#include "ppl/core/error.hpp"
#include "ppl/core/random.hpp"

namespace ppl {

/// Iterates over a data set's columns in a seeded random order, `batch` at a time. The last,
/// partial batch is dropped so every step has the same shape (and allocates nothing).
/// With several inputs (say covariates X and targets Y, column j of each for data point j), one
/// permutation orders them all, so each batch keeps its columns together.
class batches {
public:
    batches(const Eigen::MatrixXf& data, Eigen::Index batch) : batches({std::cref(data)}, batch) {}

    /// Several inputs with the same columns: batches({X, Y}, 128); input(k) is input k's batch.
    batches(std::initializer_list<std::reference_wrapper<const Eigen::MatrixXf>> inputs, Eigen::Index batch)
        : batches(std::vector(inputs), batch) {}

    /// Several inputs, listed at run time.
    batches(const std::vector<std::reference_wrapper<const Eigen::MatrixXf>>& inputs, Eigen::Index batch) : batch_(batch) {
        if (inputs.size() == 0) fail("batches needs at least one input");
        for (const Eigen::MatrixXf& in : inputs) {
            data_.push_back(&in);
            if (in.cols() != data_.front()->cols())
                fail("every input of batches needs one column per data point; input ", data_.size() - 1, " has ", in.cols(),
                     " columns and input 0 has ", data_.front()->cols());
            buffers_.emplace_back(in.rows(), batch > 0 ? batch : 0);
        }
        if (batch <= 0 || batch > data_.front()->cols())
            fail("batch size ", batch, " must be between 1 and the data set's ", data_.front()->cols(), " samples");
        order_.resize(static_cast<std::size_t>(data_.front()->cols()));
        std::iota(order_.begin(), order_.end(), Eigen::Index{0});
    }

    /// Starts an epoch: a Fisher-Yates shuffle driven by `rng`.
    void shuffle(random_stream& rng) {
        std::iota(order_.begin(), order_.end(), Eigen::Index{0});
        for (std::size_t i = order_.size(); i > 1; --i)
            std::swap(order_[i - 1], order_[rng.below(static_cast<std::uint32_t>(i))]);
    }

    /// Number of full batches per epoch.
    [[nodiscard]] Eigen::Index count() const { return data_.front()->cols() / batch_; }

    /// Batch k of the current order (0 <= k < count()), for every input; returns input 0's.
    const Eigen::MatrixXf& get(Eigen::Index k) {
        if (k < 0 || k >= count()) fail("batch ", k, " does not exist; an epoch has batches 0 to ", count() - 1);
        for (std::size_t i = 0; i < data_.size(); ++i)
            for (Eigen::Index j = 0; j < batch_; ++j)
                buffers_[i].col(j) = data_[i]->col(order_[static_cast<std::size_t>(k * batch_ + j)]);
        return buffers_.front();
    }

    /// Input k's columns of the batch that the last get() drew.
    [[nodiscard]] const Eigen::MatrixXf& input(std::size_t k) const {
        if (k >= buffers_.size()) fail("input ", k, " does not exist; batches holds ", buffers_.size(), " inputs");
        return buffers_[k];
    }

private:
    std::vector<const Eigen::MatrixXf*> data_;
    Eigen::Index batch_;
    std::vector<Eigen::Index> order_;
    std::vector<Eigen::MatrixXf> buffers_;
};

}  // namespace ppl
