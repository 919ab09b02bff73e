#pragma once
// Antithetic pairs of samples: the second sample of each data point mirrors the first, as the
// antithetic Bernoulli estimators (DisARM, ARM) draw them.
#include <Eigen/Core>
#include <string_view>
#include <type_traits>

#include "ppl/core/error.hpp"
#include "ppl/core/shape.hpp"

namespace ppl {

namespace ops {

/// y = a on the first half of the columns and -a of the matching column on the second half: for a
/// batch of two samples per data point (sample k of point i in column k n + i), an antithetic pair.
struct antithetic_op {
    static constexpr std::string_view name = "antithetic";
    static constexpr bool blocks_gradient = true;
    shape infer(const shape& a) const {
        if (a.cols % 2 != 0)
            fail("antithetic noise pairs two samples per data point, so it needs an even number of columns; got ", a,
                 ". Build the objective with elbo(elbo_settings{.samples = 2}, ...)");
        return a;
    }
    void forward(auto& y, const auto& a) const {
        const Eigen::Index half = a.cols() / 2;
        y.leftCols(half) = a.leftCols(half);
        y.rightCols(half) = -a.leftCols(half);
    }
};

/// Adds g(i, r) to the logits' adjoint at row r of both columns of point i's pair (i and n + i),
/// which read the same data: for the surrogates of antithetic estimators.
inline void add_to_pairs(const auto& dlogits, Eigen::Index points, Eigen::Index rows, auto&& g) {
    dlogits.accumulate_pieces([&](auto& target, bool assign) {
        using scalar = typename std::decay_t<decltype(target)>::Scalar;
        for (Eigen::Index i = 0; i < points; ++i)
            for (Eigen::Index r = 0; r < rows; ++r) {
                const double value = g(i, r);
                for (const Eigen::Index column : {i, points + i}) {
                    auto& entry = target(r, column);
                    entry = static_cast<scalar>(assign ? value : static_cast<double>(entry) + value);
                }
            }
    });
}

}  // namespace ops

}  // namespace ppl
