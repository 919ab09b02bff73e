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

private:
    std::vector<basic_parameter<Scalar>*> params_;
    sgd_options options_;
};

using sgd = basic_sgd<float>;

}  // namespace ppl
