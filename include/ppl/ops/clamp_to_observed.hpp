#pragma once
// clamp_to_observed: categorical logits turned into a point mass at the given labels where a mask is set.
#include <Eigen/Core>
#include <string_view>
#include <type_traits>

#include "ppl/core/adjoint.hpp"
#include "ppl/core/error.hpp"
#include "ppl/core/node.hpp"
#include "ppl/core/shape.hpp"

namespace ppl::ops {

/// y = labels * point_mass_logit where mask = 1 (a column of one-hot labels becomes logits whose
/// softmax is exactly that one-hot: exp(-1e4) is 0 in float and double), y = logits where mask = 0.
/// Operands: logits (rows x n), labels (rows x n, one-hot per group), mask (1 x n, 0 or 1).
/// Backward: d logits = dy where mask = 0; an observed column passes nothing to q's logits.
struct clamp_to_observed_op {
    static constexpr std::string_view name = "clamp_to_observed";
    static constexpr double point_mass_logit = 1e4;
    double classification_weight = 0;  // alpha of the objective's alpha * log q(y | x) on observed points
    shape infer(const shape& logits, const shape& labels, const shape& mask) const {
        if (labels != logits)
            fail("a partly observed site's labels must be shaped like its logits (one-hot, one column per data "
                 "point); got ", labels, " for logits ", logits);
        if (mask != shape{1, logits.cols})
            fail("a partly observed site's mask must be 1 x ", logits.cols, " (1 where the label is given, 0 where the "
                 "site is latent); got ", mask);
        return logits;
    }
    void forward(auto& y, const auto& logits, const auto& labels, const auto& mask) const {
        using scalar = typename std::decay_t<decltype(y)>::Scalar;
        for (Eigen::Index j = 0; j < y.cols(); ++j) {
            if (mask(0, j) != 0 && mask(0, j) != 1) fail("a partly observed site's mask holds ", mask(0, j), "; it must be 0 or 1");
            if (mask(0, j) != 0) y.col(j) = labels.col(j) * static_cast<scalar>(point_mass_logit);
            else y.col(j) = logits.col(j);
        }
    }
    void backward(const auto&, const auto& dy, const auto& dlogits, const auto&, const auto&, const auto&, const auto&,
                  const auto& mask) const {
        if constexpr (wants_adjoint<decltype(dlogits)>) {
            dlogits.accumulate_pieces([&](auto& target, bool assign) {
                using scalar = typename std::decay_t<decltype(target)>::Scalar;
                if (assign) target.setZero(dy.rows(), dy.cols());
                for (Eigen::Index j = 0; j < dy.cols(); ++j)
                    if (mask(0, j) == 0) target.col(j) += dy.col(j).template cast<scalar>();
            });
        }
    }
};

}  // namespace ppl::ops
