#pragma once
// Checks shared by the distribution tests: sampler moments against closed forms, and log_prob
// values and gradients through the generic gradient checker.
#include <cmath>
#include <functional>

#include "support/gradient_checker.hpp"

namespace ppl::testing {

/// Draws `count` samples by evaluating `make_sample(parameter nodes...)` in a graph with a seeded
/// noise stream (the same path training uses), then checks the sample mean and variance against
/// the closed forms within 4 standard errors (the variance's from the sample fourth moment).
template <std::size_t Arity, class MakeSample>
void check_moments(MakeSample make_sample, const std::array<double, Arity>& values, double mean, double variance,
                   Eigen::Index count = 20000, std::uint64_t seed = 99) {
    std::vector<dparameter> params;
    params.reserve(Arity);
    for (std::size_t k = 0; k < Arity; ++k) {
        params.emplace_back("parameter" + std::to_string(k), 1, count);
        params.back().value.setConstant(values[k]);
    }
    auto build = [&]<std::size_t... I>(std::index_sequence<I...>) {
        return sum(let<"draws">(make_sample(param(params[I])...)));
    };
    graph g{build(std::make_index_sequence<Arity>{})};
    random_stream rng{seed};
    g.forward(stream_noise{&rng});
    const dmatrix& draws = g.template value<"draws">();
    const double n = static_cast<double>(draws.size());
    const double m = draws.mean();
    const double v = (draws.array() - m).square().sum() / (n - 1);
    const double m4 = (draws.array() - m).pow(4).mean();
    INFO("sample mean " << m << " vs " << mean << "; sample variance " << v << " vs " << variance);
    CHECK(std::abs(m - mean) <= 4 * std::sqrt(variance / n));
    CHECK(std::abs(v - variance) <= 4 * std::sqrt(std::max(m4 - v * v, 1e-300) / n));
}

/// Checks that the mean of `estimates`, independent draws of a gradient estimator, lies within 4
/// standard errors of the exact value: the estimator's unbiasedness, as far as n draws can tell.
inline void check_unbiased(const Eigen::ArrayXd& estimates, double exact) {
    const double n = static_cast<double>(estimates.size());
    const double error = std::sqrt((estimates - estimates.mean()).square().sum() / (n - 1) / n);
    INFO("mean " << estimates.mean() << " (standard error " << error << "), exact " << exact);
    CHECK(std::abs(estimates.mean() - exact) <= 4 * error);
}

/// A reference for check_gradient that applies f(operand0(i), operand1(i), ...) entry by entry.
template <std::size_t Arity, class F>
auto entrywise(F f) {
    return [f](const std::vector<dmatrix>& in) {
        dmatrix out(in.back().rows(), in.back().cols());
        for (Eigen::Index i = 0; i < out.size(); ++i)
            out(i) = [&]<std::size_t... K>(std::index_sequence<K...>) { return f(in[K](i)...); }(std::make_index_sequence<Arity>{});
        return out;
    };
}

}  // namespace ppl::testing
