#pragma once
// enumerate: a discrete site summed over its support instead of sampled. The gradient is exact.
#include <Eigen/Core>
#include <cmath>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <vector>

#include "ppl/core/error.hpp"
#include "ppl/core/node.hpp"
#include "ppl/dist/family.hpp"
#include "ppl/estimators/protocol.hpp"
#include "ppl/estimators/score_function.hpp"
#include "ppl/ops/arithmetic.hpp"
#include "ppl/ops/exp.hpp"
#include "ppl/ops/reduce.hpp"
#include "ppl/ops/softmax.hpp"
#include "ppl/ops/stop_gradient.hpp"

namespace ppl {

namespace ops {

/// An enumerated site's value. Operands: an exact draw (rows x columns) and the count input, the
/// number V of joint values. The columns hold V blocks of n = columns / V data points; every column
/// of block j holds joint value j: in group g of a categorical with K classes, class (j / K^g) mod K;
/// in unit r of a bernoulli, bit r of j. With V = 0 (no objective counted it: iwae scoring), the
/// value is the exact draw. The value passes no gradient: q enters through the blocks' weights.
template <class Settings>
struct enumerated_value_op {
    static constexpr std::string_view name = "enumerated_value";
    Settings settings;
    shape infer(const shape& draw, const shape& count) const {
        if (count != shape{1, 1}) fail("an enumerated site's count must be 1 x 1; got ", count);
        return draw;
    }
    void forward(auto& y, const auto& draw, const auto& count) const {
        const auto values = static_cast<Eigen::Index>(count(0, 0));
        if (values == 0) {
            y = draw;
            return;
        }
        if (y.cols() % values != 0)
            fail("an enumerated site lays out ", values, " blocks, but its value has ", y.cols(), " columns");
        const Eigen::Index n = y.cols() / values, rows = y.rows();
        y.setZero();
        for (Eigen::Index j = 0; j < values; ++j) {
            if constexpr (std::is_same_v<Settings, group_layout>) {
                const Eigen::Index classes = settings.classes_for(rows);
                Eigen::Index rest = j;
                for (Eigen::Index g = 0; g < rows; g += classes, rest /= classes)
                    y.block(g + rest % classes, j * n, 1, n).setOnes();
            } else {
                for (Eigen::Index r = 0; r < rows; ++r)
                    if ((j >> r) & 1) y.block(r, j * n, 1, n).setOnes();
            }
        }
    }
    void backward(const auto&, const auto&, const auto&, const auto&, const auto&, const auto&) const {}
};

}  // namespace ops

/// Exact enumeration of a categorical or bernoulli site: E_q[f(y)] = sum_y q(y) f(y), with gradient
///   d/d theta sum_y q(y) f(y) = sum_y (f(y) d q(y) + q(y) d f(y)),
/// exact and without variance. The objective lays the batch out in V blocks, one per joint value y
/// of the site (V = K^G for G groups of K classes, 2^D for D bernoulli units), and weighs block y's
/// likelihood and KL terms by V q(y), so that the mean over all columns is the sum over y. V is
/// counted when the batch is bound; past elbo_settings::max_enumerated it is a ppl::error.
/// This is the cost Gumbel-softmax avoids: a step evaluates the model V times.
struct enumerate {
    static constexpr std::string_view name = "enumerate";
    template <class Family>
    static constexpr bool accepts = (support_of_v<Family> == value_support::one_hot ||
                                     support_of_v<Family> == value_support::binary) &&
                                    !Family::reparameterizable;
    /// The objective counts the joint values when it binds a batch (count_values).
    static constexpr bool counts_blocks = true;

    template <class Family>
    static consteval void refuse() {
        static_assert(detail::always_false<Family>,
                      "ppl: enumerate sums over the values of a categorical or bernoulli site; this family's support "
                      "is not finite and small (or it is continuous): use its default estimator, drop the override.");
    }
    template <class Self = enumerate>
    static consteval void refuse_in_iwae() {
        static_assert(detail::always_false<Self>,
                      "ppl: iwae(K, ...) samples its sites; an enumerated site sums over its values in elbo(...): train "
                      "with elbo and score with iwae(K, ...).forward, which draws the site exactly.");
    }

    /// The input that holds a site's count V (0 when the site is drawn rather than enumerated).
    template <fixed_string Site>
    static constexpr auto count_name = concat(fixed_string{"enumerate:count."}, Site);

    template <fixed_string Site, class D, class Tau>
    static auto value(const D& d, const Tau&) {
        using family = family_of<D>;
        auto draw = std::apply([&](const auto&... p) { return family::template draw<Site>(d.settings, p...); }, d.params);
        return make_expr(ops::enumerated_value_op<std::remove_cvref_t<decltype(d.settings)>>{d.settings}, std::move(draw),
                         input<count_name<Site>>());
    }

    /// The weight of each column: V q(y) for the joint value y of its block, a node of q's parameters.
    template <class Site>
    static auto block_weight(const Site& site) {
        return input<count_name<let_name_of<Site>>>() * exp(column_sum(log_prob(site.info.q, site)));
    }

    /// V for a site whose value has the given shape: K^G or 2^D; past `limit` a ppl::error that gives it.
    template <class Site>
    static Eigen::Index count_values(const Site& site, shape value, Eigen::Index limit) {
        constexpr bool categorical = support_of_v<typename Site::info_type::family> == value_support::one_hot;
        Eigen::Index base = 2, digits = value.rows;
        if constexpr (categorical) {
            digits = site.info.q.settings.groups > 0 ? site.info.q.settings.groups : 1;
            base = site.info.q.settings.classes_for(value.rows);
        }
        const double joint = std::pow(static_cast<double>(base), static_cast<double>(digits));
        if (joint > static_cast<double>(limit)) {
            const std::string count = joint < 1e18 ? detail::message(static_cast<long long>(joint)) : detail::message(base, "^", digits);
            fail("site ", let_name_of<Site>.view(), " has ",
                 categorical ? detail::message(digits, digits == 1 ? " group of " : " groups of ", base, " classes")
                             : detail::message(digits, digits == 1 ? " bernoulli unit" : " bernoulli units"),
                 ", so enumerating it evaluates the model for ", count, " joint values, past the limit of ", limit,
                 ": raise elbo_settings::max_enumerated, or choose a sampling estimator for the site");
        }
        Eigen::Index count = 1;
        for (Eigen::Index g = 0; g < digits; ++g) count *= base;  // at most the limit: no overflow
        return count;
    }

    /// Binds the count V from the site's state (0 without one: the site is drawn).
    template <fixed_string Site, class Graph, class Matrix>
    static void bind_inputs(Graph& graph, const baseline_state* state, Eigen::Index, std::vector<Matrix>& buffers) {
        using scalar = typename Matrix::Scalar;
        buffers.resize(1);
        buffers[0] = Matrix::Constant(1, 1, static_cast<scalar>(state != nullptr ? state->enumerated : 0));
        graph.template set<count_name<Site>>(buffers[0]);
    }
};

}  // namespace ppl
