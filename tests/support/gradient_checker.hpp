#pragma once
// The one gradient checker every op and distribution test uses (in the manner of Stan's expect_ad).
//
// Given a builder that maps parameter nodes to an expression, and operand values in double:
//   1. value: the expression's forward value must match an independent reference;
//   2. gradient: d/d operand of sum(weights .* expression), for fixed random weights, must match
//      central finite differences;
//   3. error paths: operand shapes that must be refused raise ppl::error naming the op.
#include <catch2/catch.hpp>

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include <ppl/ppl.hpp>

namespace ppl::testing {

using dmatrix = Eigen::MatrixXd;
using dparameter = basic_parameter<double>;

struct check_options {
    double value_tolerance = 1e-10;     // relative, against the reference
    double gradient_tolerance = 1e-6;   // relative (absolute below 1)
    double step = 1e-6;                 // finite-difference step
};

namespace detail {

inline double relative_gap(double a, double b) {
    return std::abs(a - b) / std::max(1.0, std::max(std::abs(a), std::abs(b)));
}

// The expression applied to parameter leaves of `params`, wrapped as the weighted-sum loss.
template <class Builder, std::size_t... I>
auto weighted_loss(Builder& build, std::vector<dparameter>& params, std::index_sequence<I...>) {
    return sum(let<"out">(build(param(params[I])...)) * input<"weights">());
}

}  // namespace detail

/// Compares analytic gradients (one matrix per parameter) with central finite differences of
/// `loss()`, a double-precision function of the parameters' values. `entries` > 0 probes that
/// many evenly spaced entries of each parameter instead of all of them.
template <class Loss>
void check_finite_differences(Loss&& loss, const std::vector<dparameter*>& params, const std::vector<dmatrix>& analytic,
                              check_options options = {}, Eigen::Index entries = 0) {
    REQUIRE(params.size() == analytic.size());
    for (std::size_t k = 0; k < params.size(); ++k) {
        dparameter& p = *params[k];
        const Eigen::Index size = p.value.size();
        const Eigen::Index probes = entries > 0 ? std::min(entries, size) : size;
        for (Eigen::Index j = 0; j < probes; ++j) {
            const Eigen::Index i = probes == size ? j : j * size / probes;
            const double saved = p.value(i);
            p.value(i) = saved + options.step;
            const double up = loss();
            p.value(i) = saved - options.step;
            const double down = loss();
            p.value(i) = saved;
            const double numeric = (up - down) / (2 * options.step);
            INFO("d loss / d " << p.name << " entry " << i << ": analytic " << analytic[k](i)
                               << ", finite difference " << numeric);
            CHECK(detail::relative_gap(analytic[k](i), numeric) <= options.gradient_tolerance);
        }
    }
}

/// Checks value and gradient of build(operands...) at the given operand values.
/// `reference` computes the expected value from the operand values, independently of ppl.
template <std::size_t Arity, class Builder, class Reference>
void check_gradient(Builder build, const std::vector<dmatrix>& operands, Reference reference,
                    check_options options = {}) {
    REQUIRE(operands.size() == Arity);
    std::vector<dparameter> params;
    params.reserve(Arity);
    for (std::size_t k = 0; k < Arity; ++k) {
        params.emplace_back("operand" + std::to_string(k), operands[k].rows(), operands[k].cols());
        params.back().value = operands[k];
    }
    graph g{detail::weighted_loss(build, params, std::make_index_sequence<Arity>{})};

    // 1. value against the reference
    const dmatrix expected = reference(operands);
    random_stream rng{12345};
    dmatrix weights(expected.rows(), expected.cols());
    for (Eigen::Index i = 0; i < weights.size(); ++i) weights(i) = rng.uniform() * 2 - 1;
    g.template set<"weights">(weights);
    g.forward();
    const dmatrix& value = g.template value<"out">();
    REQUIRE(value.rows() == expected.rows());
    REQUIRE(value.cols() == expected.cols());
    for (Eigen::Index i = 0; i < value.size(); ++i) {
        INFO("value entry " << i << ": ppl " << value(i) << ", reference " << expected(i));
        CHECK(detail::relative_gap(value(i), expected(i)) <= options.value_tolerance);
    }

    // 2. gradient against central finite differences of the weighted loss
    g.backward();
    std::vector<dmatrix> analytic;
    std::vector<dparameter*> probed;
    for (auto& p : params) analytic.push_back(p.grad), probed.push_back(&p);
    check_finite_differences([&] { return static_cast<double>(g.forward()); }, probed, analytic, options);
}

/// Checks that binding operands of these shapes raises ppl::error whose message names the op.
template <std::size_t Arity, class Builder>
void check_shape_error(Builder build, const std::vector<shape>& shapes, const std::string& op_name) {
    std::vector<dparameter> params;
    params.reserve(Arity);
    for (std::size_t k = 0; k < Arity; ++k)
        params.emplace_back("operand" + std::to_string(k), shapes[k].rows, shapes[k].cols);
    graph g{detail::weighted_loss(build, params, std::make_index_sequence<Arity>{})};
    dmatrix weights = dmatrix::Ones(1, 1);
    g.template set<"weights">(weights);
    CHECK_THROWS_WITH(g.forward(), Catch::Contains(op_name) && Catch::Contains("ppl:"));
}

/// Random operand values in [low, high], with a fixed seed.
inline dmatrix random_matrix(Eigen::Index rows, Eigen::Index cols, double low, double high,
                             std::uint64_t seed) {
    random_stream rng{seed};
    dmatrix m(rows, cols);
    for (Eigen::Index i = 0; i < m.size(); ++i) m(i) = low + (high - low) * rng.uniform();
    return m;
}

/// Applies a scalar function to every entry: the references use plain <cmath>, not Eigen.
template <class F>
inline dmatrix map_entries(const dmatrix& m, F f) {
    dmatrix out(m.rows(), m.cols());
    for (Eigen::Index i = 0; i < m.size(); ++i) out(i) = f(m(i));
    return out;
}

/// The matrix product by the plain triple loop: the reference for the ops that multiply matrices.
inline dmatrix reference_product(const dmatrix& a, const dmatrix& b) {
    dmatrix out = dmatrix::Zero(a.rows(), b.cols());
    for (Eigen::Index i = 0; i < a.rows(); ++i)
        for (Eigen::Index j = 0; j < b.cols(); ++j)
            for (Eigen::Index k = 0; k < a.cols(); ++k) out(i, j) += a(i, k) * b(k, j);
    return out;
}

}  // namespace ppl::testing
