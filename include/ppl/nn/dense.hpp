#pragma once
// A fully connected layer: y = W x + b.
#include <string>

#include "ppl/core/random.hpp"
#include "ppl/nn/init.hpp"
#include "ppl/nn/parameter.hpp"
#include "ppl/ops/affine.hpp"

namespace ppl {

/// A dense layer from `in` features to `out` features: y = W x + b, W out x in, b out x 1.
/// Initialised from a seeded stream with U(-1/sqrt(in), 1/sqrt(in)).
template <class Scalar = float>
struct basic_dense {
    basic_parameter<Scalar> weight;
    basic_parameter<Scalar> bias;

    basic_dense(Eigen::Index in, Eigen::Index out, random_stream& init, const std::string& name = "dense")
        : weight(std::string(name).append(".weight"), out, in), bias(std::string(name).append(".bias"), out, 1) {
        init_fan_in_uniform(weight, in, init);
        init_fan_in_uniform(bias, in, init);
    }
    basic_dense(const basic_dense&) = delete;  // expressions point at the parameters
    basic_dense& operator=(const basic_dense&) = delete;

    /// The layer applied to a node: one fused affine node.
    template <node X>
    [[nodiscard]] auto operator()(X&& x) {
        return affine(param(weight), param(bias), std::forward<X>(x));
    }
};

using dense = basic_dense<float>;

}  // namespace ppl
