#pragma once
// Dirichlet over groups: each column holds G independent Dirichlets of K components, given by
// their concentrations (grouped like categorical).
#include <Eigen/Core>
#include <cmath>
#include <tuple>
#include <utility>

#include "ppl/dist/family.hpp"
#include "ppl/ops/arithmetic.hpp"
#include "ppl/ops/dirichlet_sample.hpp"
#include "ppl/ops/group_total.hpp"
#include "ppl/ops/lgamma.hpp"
#include "ppl/ops/log.hpp"
#include "ppl/ops/noise.hpp"
#include "ppl/ops/softmax.hpp"

namespace ppl {

/// Dirichlet(alpha) in each group: log p(z) = sum_k (alpha_k - 1) log z_k - sum_k log Gamma(alpha_k)
/// + log Gamma(alpha_0), alpha_0 = sum_k alpha_k. Pathwise by implicit reparameterization through
/// Gamma draws, z = X / sum X, with each marginal's Beta gradient (ops/dirichlet_sample.hpp).
struct dirichlet_family {
    static constexpr std::string_view name = "dirichlet";
    static constexpr bool reparameterizable = true;
    static constexpr bool relaxable = false;
    static constexpr value_support support = value_support::interval;
    static constexpr auto param_names = std::tuple{fixed_string{"concentration"}};
    using settings = ops::group_layout;

    static auto log_prob(ops::group_layout layout, const auto& concentration, auto&& z) {
        return (concentration - 1.0) * log(z) - lgamma(concentration) +
               first_of_group(lgamma(group_total(concentration, layout)), layout);
    }
    template <fixed_string Site>
    static auto rsample(ops::group_layout layout, const auto& concentration) {
        return make_expr(ops::dirichlet_sample_op{layout}, concentration, noise_like<Site>(noise_kind::uniform, concentration));
    }
};

/// G = `groups` independent Dirichlets per column, from concentrations of G*K rows (K consecutive
/// rows per group); the concentrations are checked to be positive on every pass.
template <node Concentration>
[[nodiscard]] constexpr auto dirichlet(Concentration&& concentration, Eigen::Index groups) {
    if (groups <= 0) fail("dirichlet needs a positive number of groups; got ", groups);
    auto c = detail::checked<ops::requirement::positive>(std::forward<Concentration>(concentration), "dirichlet concentration");
    return distribution<dirichlet_family, decltype(c)>{{std::move(c)}, ops::group_layout{groups, 0}};
}

/// The symmetric Dirichlet prior, concentration c in every component (K and the groups taken from
/// the posterior): the usual prior of Dirichlet VAEs, sparse for c < 1.
struct symmetric_dirichlet_prior {
    using family = dirichlet_family;
    std::tuple<constant_leaf> params;
    ops::group_layout settings{};
};

/// Dirichlet(c, ..., c) in each group of the site's posterior; c is checked to be positive.
[[nodiscard]] inline symmetric_dirichlet_prior symmetric_dirichlet(double concentration) {
    if (!(concentration > 0) || !std::isfinite(concentration))
        fail("symmetric_dirichlet concentration is ", concentration, "; it must be positive and finite");
    return {{constant_leaf{concentration}}};
}

}  // namespace ppl
