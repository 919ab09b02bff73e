#pragma once
// Checks on distribution parameters, made on every forward pass: the value passes through
// unchanged (and so does its gradient), or the pass stops with a ppl::error that gives the value.
#include <cmath>
#include <string_view>
#include <utility>

#include "ppl/core/node.hpp"
#include "ppl/core/parallel.hpp"
#include "ppl/ops/elementwise.hpp"

namespace ppl::ops {

/// What a checked parameter must satisfy.
enum class requirement { finite, positive, unit_interval };

/// y = a, after checking every entry of a against the requirement.
struct check_op : same_shape {
    static constexpr std::string_view name = "check";
    requirement rule;
    std::string_view what;  // e.g. "normal scale"; names the parameter in the error
    void forward(auto& y, const auto& a) const {
        if (!satisfied(a)) report(a);
        parallel_columns(a.rows(), a.cols(), [&](Eigen::Index j, Eigen::Index n) { y.middleCols(j, n) = a.middleCols(j, n); });
    }
    // da = dy
    void backward(const auto&, const auto& dy, const auto& da, const auto&) const {
        if constexpr (wants_adjoint<decltype(da)>) da.accumulate(dy);
    }

private:
    // one vectorised pass; the entry-by-entry search runs only to name a failing entry
    bool satisfied(const auto& a) const {
        switch (rule) {
            case requirement::finite: return a.allFinite();
            case requirement::positive: return a.allFinite() && (a.array() > 0).all();
            case requirement::unit_interval: return (a.array() >= 0 && a.array() <= 1).all();
        }
        return false;
    }
    void report(const auto& a) const {
        for (Eigen::Index j = 0; j < a.cols(); ++j)
            for (Eigen::Index i = 0; i < a.rows(); ++i) {
                const double v = static_cast<double>(a(i, j));
                if (!std::isfinite(v)) fail(what, " is ", v, " at row ", i, ", column ", j, "; it must be finite");
                if (rule == requirement::positive && !(v > 0))
                    fail(what, " is ", v, " at row ", i, ", column ", j, "; it must be positive");
                if (rule == requirement::unit_interval && !(v >= 0 && v <= 1))
                    fail(what, " is ", v, " at row ", i, ", column ", j, "; it must lie in [0, 1]");
            }
    }
};

/// y = a, after checking when the graph is bound that a has a single column; `what` is the error.
struct one_column_op {
    static constexpr std::string_view name = "one_column";
    std::string_view what;  // says what the single column stands for and how to fix it
    [[nodiscard]] shape infer(const shape& a) const {
        if (a.cols != 1) fail(what, " (it has ", a.cols, " columns)");
        return a;
    }
    void forward(auto& y, const auto& a) const { y = a; }
    // da = dy
    void backward(const auto&, const auto& dy, const auto& da, const auto&) const {
        if constexpr (wants_adjoint<decltype(da)>) da.accumulate(dy);
    }
};

}  // namespace ppl::ops

namespace ppl {

/// a, checked once per batch shape: it must have one column (else a ppl::error says `what`).
template <node A>
[[nodiscard]] constexpr auto require_one_column(A&& a, std::string_view what) {
    return make_expr(ops::one_column_op{what}, std::forward<A>(a));
}

/// a, checked on every pass: its entries must be finite (else a ppl::error names `what`).
template <node A>
[[nodiscard]] constexpr auto require_finite(A&& a, std::string_view what) {
    return make_expr(ops::check_op{{}, ops::requirement::finite, what}, std::forward<A>(a));
}
/// a, checked on every pass: its entries must be positive.
template <node A>
[[nodiscard]] constexpr auto require_positive(A&& a, std::string_view what) {
    return make_expr(ops::check_op{{}, ops::requirement::positive, what}, std::forward<A>(a));
}
/// a, checked on every pass: its entries must lie in [0, 1].
template <node A>
[[nodiscard]] constexpr auto require_unit_interval(A&& a, std::string_view what) {
    return make_expr(ops::check_op{{}, ops::requirement::unit_interval, what}, std::forward<A>(a));
}

}  // namespace ppl
