#pragma once
// Stochastic gradient descent.
#include <vector>

#include "ppl/nn/optimizer.hpp"

namespace ppl {

struct sgd_options {
    double lr = 1e-2;
};

/// p <- p - lr * grad
template <class Scalar = float>
class basic_sgd {
public:
    basic_sgd(std::vector<basic_parameter<Scalar>*> params, sgd_options options)
        : params_(std::move(params)), options_(options) {
        check_option("lr", options_.lr, true);
    }
    void step() {
        check_gradients(params_);
        for (auto* p : params_) p->value -= static_cast<Scalar>(options_.lr) * p->grad;
    }

    /// The step fused into a backward sweep (see basic_adam::begin_step): nothing to prepare.
    void begin_step() {}
    /// Updates p if this optimiser trains it, as soon as its gradient is final.
    void update(basic_parameter<Scalar>& p) {
        for (auto* q : params_) {
            if (q != &p) continue;
            check_gradient(p);
            p.value -= static_cast<Scalar>(options_.lr) * p.grad;
            return;
        }
    }

private:
    std::vector<basic_parameter<Scalar>*> params_;
    sgd_options options_;
};

using sgd = basic_sgd<float>;

}  // namespace ppl
