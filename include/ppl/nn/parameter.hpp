#pragma once
// A trainable matrix with its gradient buffer.
#include <Eigen/Core>
#include <string>
#include <utility>

#include "ppl/core/node.hpp"

namespace ppl {

/// A named trainable matrix. `grad` receives d loss / d value from graph::backward().
template <class Scalar>
struct basic_parameter {
    using scalar = Scalar;
    using matrix = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>;

    basic_parameter(std::string parameter_name, Eigen::Index rows, Eigen::Index cols)
        : name(std::move(parameter_name)), value(matrix::Zero(rows, cols)), grad(matrix::Zero(rows, cols)) {}

    std::string name;
    matrix value;
    matrix grad;
    bool grad_fresh = true;  // set by backward(): the next contribution assigns instead of adding
};

using parameter = basic_parameter<float>;

/// Puts a parameter into an expression (by reference: the graph reads and trains it in place).
template <class Scalar>
[[nodiscard]] constexpr parameter_leaf<basic_parameter<Scalar>> param(basic_parameter<Scalar>& p) {
    return {&p};
}

}  // namespace ppl
