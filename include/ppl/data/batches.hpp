#pragma once
// Shuffled mini-batches of columns, copied into one reused buffer.
#include <Eigen/Core>
#include <algorithm>
#include <numeric>
#include <vector>

#include "ppl/core/error.hpp"
#include "ppl/core/random.hpp"

namespace ppl {

/// Iterates over a data set's columns in a seeded random order, `batch` at a time. The last,
/// partial batch is dropped so every step has the same shape (and allocates nothing).
class batches {
public:
    batches(const Eigen::MatrixXf& data, Eigen::Index batch) : data_(&data), batch_(batch), order_(data.cols()) {
        if (batch <= 0 || batch > data.cols())
            fail("batch size ", batch, " must be between 1 and the data set's ", data.cols(), " samples");
        std::iota(order_.begin(), order_.end(), Eigen::Index{0});
        buffer_.resize(data.rows(), batch);
    }

    /// Starts an epoch: a Fisher-Yates shuffle driven by `rng`.
    void shuffle(random_stream& rng) {
        std::iota(order_.begin(), order_.end(), Eigen::Index{0});
        for (std::size_t i = order_.size(); i > 1; --i)
            std::swap(order_[i - 1], order_[rng.below(static_cast<std::uint32_t>(i))]);
    }

    /// Number of full batches per epoch.
    [[nodiscard]] Eigen::Index count() const { return data_->cols() / batch_; }

    /// Batch k of the current order (0 <= k < count()).
    const Eigen::MatrixXf& get(Eigen::Index k) {
        for (Eigen::Index j = 0; j < batch_; ++j) buffer_.col(j) = data_->col(order_[static_cast<std::size_t>(k * batch_ + j)]);
        return buffer_;
    }

private:
    const Eigen::MatrixXf* data_;
    Eigen::Index batch_;
    std::vector<Eigen::Index> order_;
    Eigen::MatrixXf buffer_;
};

}  // namespace ppl
