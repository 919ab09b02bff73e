#pragma once
// Adam with bias correction.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "ppl/core/parallel.hpp"
#include "ppl/nn/optimizer.hpp"

namespace ppl {

struct adam_options {
    double lr = 1e-3;
    double beta1 = 0.9;
    double beta2 = 0.999;
    double eps = 1e-8;
};

/// Adam: m <- b1 m + (1 - b1) g, v <- b2 v + (1 - b2) g^2,
/// p <- p - lr / (1 - b1^t) * m / (sqrt(v / (1 - b2^t)) + eps).
template <class Scalar = float>
class basic_adam {
public:
    using matrix = typename basic_parameter<Scalar>::matrix;

    basic_adam(std::vector<basic_parameter<Scalar>*> params, adam_options options)
        : params_(std::move(params)), options_(options) {
        check_option("lr", options_.lr, true);
        check_option("eps", options_.eps, true);
        check_option("beta1", options_.beta1, false);
        check_option("beta2", options_.beta2, false);
        if (options_.beta1 < 0 || options_.beta1 >= 1 || options_.beta2 < 0 || options_.beta2 >= 1)
            fail("optimiser options beta1 = ", options_.beta1, " and beta2 = ", options_.beta2,
                 " must lie in [0, 1)");
        for (auto* p : params_) {
            first_.push_back(matrix::Zero(p->value.rows(), p->value.cols()));
            second_.push_back(matrix::Zero(p->value.rows(), p->value.cols()));
        }
    }

    /// One step over every parameter, after a backward pass.
    void step() {
        check_gradients(params_);
        begin_step();
        for (std::size_t k = 0; k < params_.size(); ++k) update_at(k);
    }

    /// A step fused into a backward sweep: begin_step(), then update(p) for each parameter as soon
    /// as its gradient is final (graph::backward(on_final), elbo::train_step). It runs step()'s
    /// arithmetic per parameter, so the result is bit-identical. A non-finite gradient is a
    /// ppl::error before that parameter moves; parameters updated earlier in the sweep keep the step.
    void begin_step() {
        ++steps_;
        const double correction1 = 1 - std::pow(options_.beta1, static_cast<double>(steps_));
        const double correction2 = 1 - std::pow(options_.beta2, static_cast<double>(steps_));
        step_size_ = static_cast<Scalar>(options_.lr / correction1);
        inverse_root_correction2_ = static_cast<Scalar>(1 / std::sqrt(correction2));
    }
    /// Updates p if this optimiser trains it (see begin_step).
    void update(basic_parameter<Scalar>& p) {
        for (std::size_t k = 0; k < params_.size(); ++k) {
            if (params_[k] != &p) continue;
            check_gradient(p);
            update_at(k);
            return;
        }
    }

    [[nodiscard]] std::int64_t steps() const { return steps_; }

    /// Restores moments and step count (from a checkpoint); shapes must match the parameters.
    void restore(std::vector<matrix> first, std::vector<matrix> second, std::int64_t steps) {
        if (first.size() != params_.size() || second.size() != params_.size() || steps < 0)
            fail("adam state holds ", first.size(), " moments for ", params_.size(), " parameters");
        for (std::size_t k = 0; k < params_.size(); ++k)
            if (first[k].rows() != params_[k]->value.rows() || first[k].cols() != params_[k]->value.cols() ||
                second[k].rows() != params_[k]->value.rows() || second[k].cols() != params_[k]->value.cols())
                fail("adam state for '", params_[k]->name, "' does not match its shape");
        first_ = std::move(first);
        second_ = std::move(second);
        steps_ = steps;
    }
    [[nodiscard]] const std::vector<matrix>& first_moments() const { return first_; }
    [[nodiscard]] const std::vector<matrix>& second_moments() const { return second_; }

private:
    // m <- b1 m + (1 - b1) g, v <- b2 v + (1 - b2) g^2, p <- p - step m / (sqrt(v) / sqrt(c2) + eps),
    // in chunks small enough for L1, so the three updates cost one pass over memory
    void update_at(std::size_t k) {
        auto& p = *params_[k];
        const auto b1 = static_cast<Scalar>(options_.beta1), b2 = static_cast<Scalar>(options_.beta2);
        const auto c1 = static_cast<Scalar>(1 - options_.beta1), c2 = static_cast<Scalar>(1 - options_.beta2);
        const auto eps = static_cast<Scalar>(options_.eps);
        constexpr Eigen::Index chunk = 1024;
        const Eigen::Index size = p.value.size(), chunks = (size + chunk - 1) / chunk;
        // the chunks split among ppl's loop threads: each entry's arithmetic is the same on any count
        parallel_pieces(chunks, 16, [&](Eigen::Index first, Eigen::Index count) {
            for (Eigen::Index c = first; c < first + count; ++c) {
                const Eigen::Index start = c * chunk, n = std::min(chunk, size - start);
                using chunk_array = Eigen::Map<Eigen::Array<Scalar, Eigen::Dynamic, 1>>;
                const Eigen::Map<const Eigen::Array<Scalar, Eigen::Dynamic, 1>> g(p.grad.data() + start, n);
                chunk_array m(first_[k].data() + start, n), v(second_[k].data() + start, n), value(p.value.data() + start, n);
                m = b1 * m + c1 * g;
                v = b2 * v + c2 * g.square();
                value -= step_size_ * m / (v.sqrt() * inverse_root_correction2_ + eps);
            }
        });
    }

    std::vector<basic_parameter<Scalar>*> params_;
    adam_options options_;
    std::vector<matrix> first_, second_;
    std::int64_t steps_ = 0;
    Scalar step_size_ = 0, inverse_root_correction2_ = 0;
};

using adam = basic_adam<float>;

}  // namespace ppl
