#pragma once
// + - * / between nodes, with broadcast columns (bias) and scalar constants.
#include <type_traits>
#include <utility>

#include "ppl/core/node.hpp"
#include "ppl/ops/elementwise.hpp"

namespace ppl::ops {

/// y = a + b
struct add_op {
    static constexpr std::string_view name = "add";
    shape infer(const auto& a, const auto& b) const { return broadcast_shape(a, b); }
    void forward(auto& y, const auto& a, const auto& b) const {
        with_expanded(a, y.rows(), y.cols(), [&](const auto& A) {
            with_expanded(b, y.rows(), y.cols(), [&](const auto& B) { y.array() = A + B; });
        });
    }
    // da = dy, db = dy
    void backward(const auto&, const auto& dy, const auto& da, const auto& db, const auto& a,
                  const auto& b) const {
        if constexpr (wants_adjoint<decltype(da)>) accumulate_broadcast(da, a, dy.array());
        if constexpr (wants_adjoint<decltype(db)>) accumulate_broadcast(db, b, dy.array());
    }
};

/// y = a - b
struct subtract_op {
    static constexpr std::string_view name = "subtract";
    shape infer(const auto& a, const auto& b) const { return broadcast_shape(a, b); }
    void forward(auto& y, const auto& a, const auto& b) const {
        with_expanded(a, y.rows(), y.cols(), [&](const auto& A) {
            with_expanded(b, y.rows(), y.cols(), [&](const auto& B) { y.array() = A - B; });
        });
    }
    // da = dy, db = -dy
    void backward(const auto&, const auto& dy, const auto& da, const auto& db, const auto& a,
                  const auto& b) const {
        if constexpr (wants_adjoint<decltype(da)>) accumulate_broadcast(da, a, dy.array());
        if constexpr (wants_adjoint<decltype(db)>) accumulate_broadcast(db, b, -dy.array());
    }
};

/// y = a * b (elementwise)
struct multiply_op {
    static constexpr std::string_view name = "multiply";
    shape infer(const auto& a, const auto& b) const { return broadcast_shape(a, b); }
    void forward(auto& y, const auto& a, const auto& b) const {
        with_expanded(a, y.rows(), y.cols(), [&](const auto& A) {
            with_expanded(b, y.rows(), y.cols(), [&](const auto& B) { y.array() = A * B; });
        });
    }
    // da = dy * b, db = dy * a
    void backward(const auto&, const auto& dy, const auto& da, const auto& db, const auto& a,
                  const auto& b) const {
        if constexpr (wants_adjoint<decltype(da)>)
            with_expanded(b, dy.rows(), dy.cols(), [&](const auto& B) { accumulate_broadcast(da, a, dy.array() * B); });
        if constexpr (wants_adjoint<decltype(db)>)
            with_expanded(a, dy.rows(), dy.cols(), [&](const auto& A) { accumulate_broadcast(db, b, dy.array() * A); });
    }
};

/// y = a / b (elementwise)
struct divide_op {
    static constexpr std::string_view name = "divide";
    shape infer(const auto& a, const auto& b) const { return broadcast_shape(a, b); }
    void forward(auto& y, const auto& a, const auto& b) const {
        with_expanded(a, y.rows(), y.cols(), [&](const auto& A) {
            with_expanded(b, y.rows(), y.cols(), [&](const auto& B) { y.array() = A / B; });
        });
    }
    // da = dy / b, db = -dy * y / b
    void backward(const auto& y, const auto& dy, const auto& da, const auto& db, const auto& a,
                  const auto& b) const {
        with_expanded(b, dy.rows(), dy.cols(), [&](const auto& B) {
            if constexpr (wants_adjoint<decltype(da)>) accumulate_broadcast(da, a, dy.array() / B);
            if constexpr (wants_adjoint<decltype(db)>)
                accumulate_broadcast(db, b, -dy.array() * y.array() / B);
        });
    }
};

}  // namespace ppl::ops

namespace ppl {

/// At least one side is a node, so `2.0 + 3.0` stays plain arithmetic. The other side is checked
/// by as_node, whose static_assert says what to write instead.
template <class A, class B>
concept arithmetic_operands = node<A> || node<B>;

/// Constants and numbers: an op between two of them is folded into one constant.
template <class T>
concept foldable = std::is_same_v<std::remove_cvref_t<T>, constant_leaf> || std::is_arithmetic_v<std::remove_cvref_t<T>>;

template <foldable T>
constexpr double constant_value(const T& t) {
    if constexpr (std::is_arithmetic_v<T>) return static_cast<double>(t);
    else return t.value;
}

/// Elementwise sum; a single column broadcasts across the batch, a number across everything.
template <class A, class B>
    requires arithmetic_operands<A, B>
[[nodiscard]] constexpr auto operator+(A&& a, B&& b) {
    if constexpr (foldable<A> && foldable<B>) return constant_leaf{constant_value(a) + constant_value(b)};
    else return make_expr(ops::add_op{}, std::forward<A>(a), std::forward<B>(b));
}
/// Elementwise difference, broadcasting as `+` does.
template <class A, class B>
    requires arithmetic_operands<A, B>
[[nodiscard]] constexpr auto operator-(A&& a, B&& b) {
    if constexpr (foldable<A> && foldable<B>) return constant_leaf{constant_value(a) - constant_value(b)};
    else return make_expr(ops::subtract_op{}, std::forward<A>(a), std::forward<B>(b));
}
/// Elementwise product, broadcasting as `+` does.
template <class A, class B>
    requires arithmetic_operands<A, B>
[[nodiscard]] constexpr auto operator*(A&& a, B&& b) {
    if constexpr (foldable<A> && foldable<B>) return constant_leaf{constant_value(a) * constant_value(b)};
    else return make_expr(ops::multiply_op{}, std::forward<A>(a), std::forward<B>(b));
}
/// Elementwise quotient, broadcasting as `+` does.
template <class A, class B>
    requires arithmetic_operands<A, B>
[[nodiscard]] constexpr auto operator/(A&& a, B&& b) {
    if constexpr (foldable<A> && foldable<B>) return constant_leaf{constant_value(a) / constant_value(b)};
    else return make_expr(ops::divide_op{}, std::forward<A>(a), std::forward<B>(b));
}
/// Negation, written as 0 - a.
template <node A>
[[nodiscard]] constexpr auto operator-(A&& a) {
    return 0.0 - std::forward<A>(a);
}

}  // namespace ppl
