#pragma once
// The spread of repeated gradient estimates: how noisy an estimator is at the current parameters.
#include <Eigen/Core>
#include <utility>
#include <vector>

#include "ppl/core/error.hpp"
#include "ppl/nn/parameter.hpp"

namespace ppl {

/// The spread of M gradient estimates of some parameters: per entry, Welford's running mean and
/// sum of squared deviations, then the unbiased variance averaged over every entry,
///   (1 / entries) sum_entries sum_m (g_m - mean)^2 / (M - 1).
class gradient_spread {
public:
    explicit gradient_spread(std::vector<parameter*> params) : params_(std::move(params)) {
        for (const parameter* p : params_) {
            mean_.push_back(Eigen::ArrayXXd::Zero(p->grad.rows(), p->grad.cols()));
            squares_.push_back(mean_.back());
        }
    }

    /// Records the parameters' current gradients as one estimate.
    void add() {
        ++count_;
        for (std::size_t k = 0; k < params_.size(); ++k) {
            const Eigen::ArrayXXd g = params_[k]->grad.cast<double>().array();
            const Eigen::ArrayXXd before = g - mean_[k];
            mean_[k] += before / double(count_);
            squares_[k] += before * (g - mean_[k]);
        }
    }

    /// The mean over entries of the unbiased variance of the estimates (at least 2 of them).
    [[nodiscard]] double mean_variance() const {
        if (count_ < 2) fail("a gradient variance needs at least 2 draws; got ", count_);
        double total = 0;
        Eigen::Index entries = 0;
        for (const auto& s : squares_) total += s.sum(), entries += s.size();
        return entries > 0 ? total / double(count_ - 1) / double(entries) : 0.0;
    }

private:
    std::vector<parameter*> params_;
    std::vector<Eigen::ArrayXXd> mean_, squares_;
    int count_ = 0;
};

}  // namespace ppl
