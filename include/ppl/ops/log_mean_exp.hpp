#pragma once
// log_mean_exp(a, K): the log of the mean of K exponentiated samples per data point, stably.
#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <string_view>
#include <utility>

#include "ppl/core/error.hpp"
#include "ppl/core/node.hpp"
#include "ppl/ops/elementwise.hpp"

namespace ppl::ops {

/// For a 1 x (K n) row holding K samples of n data points (sample k of point i in column k n + i):
///   y_i = log (1/K) sum_k exp(a_{k n + i})      (the largest a is subtracted first, so no overflow)
///   da_{k n + i} = dy_i w_ki,  w_ki = exp(a_{k n + i} - y_i) / K   (the normalised importance weights)
struct log_mean_exp_op {
    static constexpr std::string_view name = "log_mean_exp";
    Eigen::Index samples;
    shape infer(const shape& a) const {
        if (samples < 1) fail("log_mean_exp needs at least 1 sample per data point; got ", samples);
        if (a.rows != 1 || a.cols % samples != 0)
            fail("log_mean_exp needs a 1 x (samples * points) row with ", samples, " samples per point; got ", a);
        return {1, a.cols / samples};
    }
    void forward(auto& y, const auto& a) const {
        using scalar = typename std::decay_t<decltype(y)>::Scalar;
        const Eigen::Index points = y.cols();
        for (Eigen::Index i = 0; i < points; ++i) {
            double top = -INFINITY;
            for (Eigen::Index k = 0; k < samples; ++k) top = std::max(top, static_cast<double>(a(0, k * points + i)));
            if (!std::isfinite(top)) {  // every weight is 0 (or one is +inf): the log-mean is top itself
                y(0, i) = static_cast<scalar>(top);
                continue;
            }
            double total = 0;
            for (Eigen::Index k = 0; k < samples; ++k) total += std::exp(static_cast<double>(a(0, k * points + i)) - top);
            y(0, i) = static_cast<scalar>(top + std::log(total / static_cast<double>(samples)));
        }
    }
    void backward(const auto& y, const auto& dy, const auto& da, const auto& a) const {
        if constexpr (wants_adjoint<decltype(da)>) {
            const Eigen::Index points = y.cols();
            da.accumulate_pieces([&](auto& target, bool assign) {
                using scalar = typename std::decay_t<decltype(target)>::Scalar;
                for (Eigen::Index k = 0; k < samples; ++k)
                    for (Eigen::Index i = 0; i < points; ++i) {
                        const double w = std::exp(static_cast<double>(a(0, k * points + i)) - static_cast<double>(y(0, i))) /
                                         static_cast<double>(samples);
                        const auto g = static_cast<scalar>(static_cast<double>(dy(0, i)) * (std::isfinite(w) ? w : 0.0));
                        auto& entry = target(0, k * points + i);
                        entry = assign ? g : entry + g;
                    }
            });
        }
    }
};

}  // namespace ppl::ops

namespace ppl {

/// log (1/K) sum_k exp(a_k) per data point, for a row of K samples of each point laid out in K
/// blocks of n columns (sample k of point i in column k n + i). The gradient is the normalised
/// weights exp(a_k) / sum_j exp(a_j), so an importance-weighted bound trains through it.
template <node A>
[[nodiscard]] constexpr auto log_mean_exp(A&& a, Eigen::Index samples) {
    return make_expr(ops::log_mean_exp_op{samples}, std::forward<A>(a));
}

}  // namespace ppl
