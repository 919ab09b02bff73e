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
        std::size_t entries = 0;
        for (const parameter* p : params_) entries += static_cast<std::size_t>(p->grad.size());
        mean_.assign(entries, 0.0), squares_.assign(entries, 0.0);
    }

    /// Records the parameters' current gradients as one estimate.
    void add() {
        ++count_;
        std::size_t at = 0;
        for (const parameter* p : params_) {
            if (at + static_cast<std::size_t>(p->grad.size()) > mean_.size())
                fail("gradient_spread: parameter '", p->name, "' grew between estimates");
            // plain loops rather than Eigen expressions: far less for the compiler to build
            const float* g = p->grad.data();
            for (Eigen::Index i = 0; i < p->grad.size(); ++i, ++at) {
                const double value = static_cast<double>(g[i]), before = value - mean_[at];
                mean_[at] += before / double(count_);
                squares_[at] += before * (value - mean_[at]);
            }
        }
        if (at != mean_.size()) fail("gradient_spread: the parameters shrank between estimates");
    }

    /// The mean over entries of the unbiased variance of the estimates (at least 2 of them).
    [[nodiscard]] double mean_variance() const {
        if (count_ < 2) fail("a gradient variance needs at least 2 draws; got ", count_);
        double total = 0;
        for (const double s : squares_) total += s;
        return squares_.empty() ? 0.0 : total / double(count_ - 1) / double(squares_.size());
    }

private:
    std::vector<parameter*> params_;
    std::vector<double> mean_, squares_;  // per entry, every parameter's in turn
    int count_ = 0;
};

}  // namespace ppl
