#pragma once
// Several data inputs of one step, by name: {{"x", X}, {"y", Y}}.
#include <Eigen/Core>
#include <initializer_list>
#include <span>
#include <string_view>
#include <vector>

#include "ppl/core/error.hpp"

namespace ppl {

/// One named input of a step: a matrix with one column per data point, read in place.
template <class Scalar = float>
struct basic_named_input {
    std::string_view name;
    const Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>& data;
};
using named_input = basic_named_input<float>;

namespace detail {

// Inputs the objectives bind themselves: the step's options and the estimators' own (named with ':').
inline bool objective_input(std::string_view name) {
    return name == "tau" || name == "beta" || name == "hard_samples" || name.find(':') != std::string_view::npos;
}

// The objectives' binding of named inputs. Every input the model reads is given once (the graph's
// set() refuses names it does not read), none is one the objective binds itself, and all have one
// column count. With several copies of the batch per step, each input is replicated into its own
// buffer (allocated once). Returns the number of data points.
template <class Graph, class Matrix>
Eigen::Index bind_named_inputs(Graph& graph, std::span<const basic_named_input<typename Graph::scalar>> inputs,
                               Eigen::Index copies, std::vector<Matrix>& buffers) {
    if (inputs.size() == 0) fail("a step needs its data: pass at least the observed input");
    const Eigen::Index points = inputs.begin()->data.cols();
    for (const auto& in : inputs) {
        if (objective_input(in.name))
            fail("input '", in.name, "' is set by the objective itself (from the step's options); leave it out");
        if (in.data.cols() != points)
            fail("every named input needs one column per data point; '", in.name, "' has ", in.data.cols(),
                 " columns and '", inputs.begin()->name, "' ", points);
        for (const auto& other : inputs)
            if (&other != &in && other.name == in.name) fail("input '", in.name, "' is given twice");
    }
    for (std::string_view needed : Graph::inputs()) {
        bool given = objective_input(needed);
        for (const auto& in : inputs) given = given || in.name == needed;
        if (!given) fail("the model reads input '", needed, "'; pass it among the named inputs");
    }
    if (buffers.size() < inputs.size()) buffers.resize(inputs.size());
    std::size_t k = 0;
    for (const auto& in : inputs) {
        if (copies == 1) {
            graph.set(in.name, in.data);
        } else {
            Matrix& buffer = buffers[k];
            if (buffer.rows() != in.data.rows() || buffer.cols() != points * copies) buffer.resize(in.data.rows(), points * copies);
            for (Eigen::Index s = 0; s < copies; ++s) buffer.middleCols(s * points, points) = in.data;
            graph.set(in.name, buffer);
        }
        ++k;
    }
    return points;
}

// A braced list of named inputs as the span the objectives take.
template <class Scalar>
std::span<const basic_named_input<Scalar>> as_span(std::initializer_list<basic_named_input<Scalar>> inputs) {
    return {inputs.begin(), inputs.size()};
}

// K copies of the batch side by side (copy k in columns k n .. k n + n - 1): K samples per data point.
template <class Batch, class Matrix>
const Matrix& replicate_columns(const Batch& batch, Eigen::Index copies, Matrix& buffer) {
    const Eigen::Index points = batch.cols();
    if (buffer.rows() != batch.rows() || buffer.cols() != points * copies) buffer.resize(batch.rows(), points * copies);
    for (Eigen::Index s = 0; s < copies; ++s) buffer.middleCols(s * points, points) = batch;
    return buffer;
}

}  // namespace detail

}  // namespace ppl
