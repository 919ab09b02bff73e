#pragma once
// graph: binds an expression to value/adjoint buffers and runs the forward and backward passes.
#include <Eigen/Core>
#include <array>
#include <cmath>
#include <cstddef>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "ppl/core/adjoint.hpp"
#include "ppl/core/error.hpp"
#include "ppl/core/node.hpp"
#include "ppl/core/schedule.hpp"
#include "ppl/core/shape.hpp"

namespace ppl {

namespace detail {

template <class Sched, std::size_t... I>
constexpr auto scalar_of(std::index_sequence<I...>) {
    constexpr auto params = hana::filter(
        hana::make_tuple(hana::type_c<typename Sched::template node_type<I>>...),
        [](auto t) { return hana::bool_c<is_parameter_leaf_v<typename decltype(t)::type>>; });
    if constexpr (hana::length(params) == hana::size_c<0>) {
        return hana::type_c<float>;
    } else {
        using First = typename decltype(+hana::front(params))::type;
        return hana::type_c<typename std::remove_pointer_t<decltype(First::target)>::scalar>;
    }
}

template <class Sched, std::size_t... I>
constexpr auto distinct_inputs(std::index_sequence<I...>) {
    auto inputs = hana::filter(
        hana::make_tuple(hana::type_c<typename Sched::template node_type<I>>...),
        [](auto t) { return hana::bool_c<is_input_v<typename decltype(t)::type>>; });
    return hana::to_tuple(hana::to_set(inputs));
}

}  // namespace detail

/// The noise source of graphs without random nodes: asking it for noise is an error.
struct no_noise {
    template <class Matrix, class Kind>
    void fill(std::string_view site, Kind, Matrix&) const {
        fail("site '", site, "' needs noise; pass a noise source to forward(), or train through an objective");
    }
};

/// A model expression bound to its evaluation buffers.
///
/// `forward()` computes the loss (the root, which must be 1x1); `backward()` then writes
/// d loss / d p into `p.grad` for every parameter p in the expression. Buffers are sized at the
/// first pass and whenever an input's shape changes; after that a step allocates nothing.
template <class Root>
class graph {
    using sched = schedule<Root>;
    static constexpr std::size_t slot_count = sched::size;
    using slots = std::make_index_sequence<slot_count>;
    static constexpr auto inputs = detail::distinct_inputs<sched>(slots{});
    static constexpr std::size_t input_count = decltype(hana::length(inputs))::value;
    static_assert(sched::operands_resolve());
    static constexpr auto input_names = hana::unpack(inputs, [](auto... t) {
        return std::array<std::string_view, sizeof...(t)>{decltype(t)::type::name...};
    });
    template <std::size_t I>
    using node_type = typename sched::template node_type<I>;
    template <class P>
    struct parameter_of {
        using type = void;
    };
    template <class P>
    struct parameter_of<parameter_leaf<P>> {
        using type = P;
    };
    static constexpr auto first_parameter_type() {
        return []<std::size_t... I>(std::index_sequence<I...>) {
            constexpr auto params = hana::filter(
                hana::make_tuple(hana::type_c<node_type<I>>...),
                [](auto t) { return hana::bool_c<is_parameter_leaf_v<typename decltype(t)::type>>; });
            if constexpr (hana::length(params) == hana::size_c<0>) return hana::type_c<void>;
            else return hana::type_c<typename parameter_of<typename decltype(+hana::front(params))::type>::type>;
        }(slots{});
    }
    using parameter_type = typename decltype(first_parameter_type())::type;

public:
    using scalar = typename decltype(detail::scalar_of<sched>(slots{}))::type;
    using matrix = Eigen::Matrix<scalar, Eigen::Dynamic, Eigen::Dynamic>;
    using input_map = Eigen::Map<const matrix, 0, Eigen::OuterStride<>>;

    explicit graph(Root root) : root_(std::move(root)) {}

    /// Binds input Name to a matrix (one column per sample). The matrix must outlive the pass.
    template <fixed_string Name, class Derived>
    void set(const Eigen::DenseBase<Derived>& batch) {
        static_assert(std::is_same_v<typename Derived::Scalar, scalar>,
                      "ppl: an input's scalar type must match the graph's (float by default).");
        static_assert(bool(Derived::Flags & Eigen::DirectAccessBit) &&
                          !bool(Derived::Flags & Eigen::RowMajorBit),
                      "ppl: an input must be a column-major matrix in memory (a Matrix, a Map or a "
                      "block of columns); call .eval() on an expression first.");
        constexpr std::size_t k = input_index<Name>();
        const auto& m = batch.derived();
        bindings_[k] = binding{m.data(), m.rows(), m.cols(), m.outerStride()};
    }

    /// Runs the forward pass and returns the loss. Raises ppl::error if it is not finite.
    /// `noise` fills the buffers of noise nodes: noise.fill(site_name, kind, matrix&).
    template <class Noise = no_noise>
    scalar forward(Noise&& noise = {}) {
        bind_if_needed();
        evaluations_ = 0;
        [&]<std::size_t... I>(std::index_sequence<I...>) { (forward_at<I>(noise), ...); }(slots{});
        const scalar loss = values_[root_slot](0, 0);
        if (!std::isfinite(loss)) report_non_finite();
        return loss;
    }

    /// Runs the backward pass of the last forward(): writes every parameter's gradient.
    void backward() {
        fresh_.fill(true);
        for_each_parameter([](auto& p) { p.grad_fresh = true; });
        adjoints_[root_slot].setOnes();
        fresh_[root_slot] = false;
        [&]<std::size_t... I>(std::index_sequence<I...>) {
            (backward_at<slot_count - 1 - I>(), ...);
        }(slots{});
        for_each_parameter([](auto& p) {
            if (p.grad_fresh) p.grad.setZero();  // no path from the loss: its gradient is zero
            p.grad_fresh = false;
        });
    }

    /// forward() then backward(); returns the loss.
    template <class Noise = no_noise>
    scalar value_and_grad(Noise&& noise = {}) {
        const scalar loss = forward(noise);
        backward();
        return loss;
    }

    /// The value of the let node Name from the last forward pass.
    template <fixed_string Name>
    [[nodiscard]] const matrix& value() const {
        constexpr std::size_t slot = let_slot<Name>();
        return values_[sched::template storage_of<slot>()];
    }

    /// The value of the whole expression (the loss) from the last forward pass.
    [[nodiscard]] const matrix& result() const { return values_[root_slot]; }

    /// Every distinct parameter in the expression, in first-use order.
    [[nodiscard]] std::vector<parameter_type*> parameters() {
        std::vector<parameter_type*> out;
        for_each_parameter([&](auto& p) {
            for (auto* seen : out)
                if (seen == &p) return;
            out.push_back(&p);
        });
        return out;
    }

    /// True when the expression reads input Name.
    template <fixed_string Name>
    static constexpr bool has_input() {
        return !hana::is_nothing(hana::index_if(inputs, hana::equal.to(hana::type_c<input_leaf<Name>>)));
    }

    /// True when the expression holds a let node named Name.
    template <fixed_string Name>
    static constexpr bool has_let() {
        return !hana::is_nothing(hana::index_if(sched::paths, [](auto p) {
            using N = node_at_t<Root, typename decltype(p)::type>;
            if constexpr (is_let_v<N>) return hana::bool_c<N::name == Name.view()>;
            else return hana::false_c;
        }));
    }

    /// The expression this graph evaluates.
    [[nodiscard]] const Root& expression() const { return root_; }

    /// How many nodes the schedule holds (a let counts once however often it is used).
    static constexpr std::size_t size() { return slot_count; }

    /// How many times node values were computed in the last pass (for tests of sharing).
    [[nodiscard]] std::size_t evaluations() const { return evaluations_; }

private:
    static constexpr std::size_t root_slot = slot_count - 1;

    struct binding {
        const scalar* data = nullptr;
        Eigen::Index rows = 0, cols = 0, stride = 0;
    };


    template <fixed_string Name>
    static constexpr std::size_t input_index() {
        constexpr auto found = hana::index_if(inputs, hana::equal.to(hana::type_c<input_leaf<Name>>));
        static_assert(!hana::is_nothing(found),
                      "ppl: this graph has no input with that name; check the name given to "
                      "input<\"...\">() in the model.");
        if constexpr (!hana::is_nothing(found)) return std::decay_t<decltype(*found)>::value;
        else return 0;
    }

    template <fixed_string Name>
    static constexpr std::size_t let_slot() {
        constexpr auto found = hana::index_if(sched::paths, [](auto p) {
            using N = node_at_t<Root, typename decltype(p)::type>;
            if constexpr (is_let_v<N>) return hana::bool_c<N::name == Name.view()>;
            else return hana::false_c;
        });
        static_assert(!hana::is_nothing(found),
                      "ppl: this graph has no let node with that name; name a subexpression with "
                      "let<\"name\">(...) to read its value.");
        if constexpr (!hana::is_nothing(found)) return std::decay_t<decltype(*found)>::value;
        else return 0;
    }

    template <std::size_t I>
    auto& node_object() {
        return get_node(root_, typename sched::template path_at<I>{});
    }

    // The value of slot I as its consumers see it.
    template <std::size_t I>
    decltype(auto) value_at() {
        constexpr std::size_t s = sched::template storage_of<I>();
        using N = node_type<s>;
        if constexpr (is_expr_v<N>) {
            return static_cast<const matrix&>(values_[s]);
        } else if constexpr (is_input_v<N>) {
            const binding& b = bindings_[input_index_of<N>()];
            return input_map(b.data, b.rows, b.cols, Eigen::OuterStride<>(b.stride));
        } else if constexpr (is_parameter_leaf_v<N>) {
            return static_cast<const matrix&>(node_object<s>().target->value);
        } else if constexpr (is_state_leaf_v<N>) {
            return node_object<s>().target;
        } else {
            return static_cast<scalar>(node_object<s>().value);
        }
    }

    template <class N>
    static constexpr std::size_t input_index_of() {
        return std::decay_t<decltype(*hana::index_if(inputs, hana::equal.to(hana::type_c<N>)))>::value;
    }

    template <std::size_t I>
    auto sink_at() {
        constexpr std::size_t s = sched::template storage_of<I>();
        using N = node_type<s>;
        if constexpr (!node_traits<N>::needs_grad) {
            return no_adjoint{};
        } else if constexpr (is_parameter_leaf_v<N>) {
            auto* p = node_object<s>().target;
            return adjoint_sink<matrix>{&p->grad, &p->grad_fresh};
        } else {
            return adjoint_sink<matrix>{&adjoints_[s], &fresh_[s]};
        }
    }

    template <std::size_t I>
    shape shape_at() const {
        constexpr std::size_t s = sched::template storage_of<I>();
        return shapes_[s];
    }

    template <std::size_t I>
    auto inferred_shape_of_operand() const {
        using N = node_type<sched::template storage_of<I>()>;
        if constexpr (std::is_same_v<N, constant_leaf>) return scalar_shape{};
        else if constexpr (is_state_leaf_v<N>) return state_shape{};
        else return shape_at<I>();
    }

    template <std::size_t I, class Noise>
    void forward_at(Noise& noise) {
        using N = node_type<I>;
        if constexpr (is_expr_v<N>) {
            auto& n = node_object<I>();
            if constexpr (requires { n.op.draws_noise; }) noise.fill(n.op.site_name(), n.op.kind, values_[I]);
            [&]<std::size_t... K>(std::index_sequence<K...>) {
                n.op.forward(values_[I], value_at<sched::template operand_slot<I, K>()>()...);
            }(std::make_index_sequence<node_traits<N>::arity>{});
            ++evaluations_;
        }
    }

    template <std::size_t I>
    void backward_at() {
        using N = node_type<I>;
        if constexpr (is_expr_v<N> && node_traits<N>::needs_grad) {
            if (fresh_[I]) return;  // nothing downstream reached the loss
            auto& n = node_object<I>();
            [&]<std::size_t... K>(std::index_sequence<K...>) {
                n.op.backward(static_cast<const matrix&>(values_[I]),
                              static_cast<const matrix&>(adjoints_[I]),
                              sink_at<sched::template operand_slot<I, K>()>()...,
                              value_at<sched::template operand_slot<I, K>()>()...);
            }(std::make_index_sequence<node_traits<N>::arity>{});
        }
    }

    template <class F>
    void for_each_parameter(F&& f) {
        [&]<std::size_t... I>(std::index_sequence<I...>) {
            (
                [&] {
                    if constexpr (is_parameter_leaf_v<node_type<I>>) f(*node_object<I>().target);
                }(),
                ...);
        }(slots{});
    }

    // What an error message calls slot I: its op, and the let it sits in.
    template <std::size_t I>
    static std::string describe_slot() {
        constexpr std::string_view let_name =
            enclosing_let_name<Root, typename sched::template path_at<I>>();
        return detail::message("'", node_name<node_type<I>>(), "'",
                               let_name.empty() ? "" : " in let \"", let_name, let_name.empty() ? "" : "\"",
                               " (node ", I + 1, " of ", slot_count, ")");
    }

    void bind_if_needed() {
        for (std::size_t k = 0; k < input_count; ++k)
            if (bindings_[k].data == nullptr)
                fail("input '", input_names[k], "' was never set; call set<\"", input_names[k], "\">(batch) before forward()");
        bool same = bound_;
        for (std::size_t k = 0; k < input_count; ++k)
            same = same && bound_shapes_[k] == shape{bindings_[k].rows, bindings_[k].cols};
        if (same) return;
        [&]<std::size_t... I>(std::index_sequence<I...>) { (bind_at<I>(), ...); }(slots{});
        if (shapes_[root_slot] != shape{1, 1})
            fail("the loss must be a 1x1 value (use sum, mean or batch_mean); the expression is ",
                 shapes_[root_slot]);
        for (std::size_t k = 0; k < input_count; ++k) bound_shapes_[k] = {bindings_[k].rows, bindings_[k].cols};
        bound_ = true;
    }

    template <std::size_t I>
    void bind_at() {
        using N = node_type<I>;
        if constexpr (is_expr_v<N>) {
            auto& n = node_object<I>();
            try {
                shapes_[I] = [&]<std::size_t... K>(std::index_sequence<K...>) {
                    return n.op.infer(inferred_shape_of_operand<sched::template operand_slot<I, K>()>()...);
                }(std::make_index_sequence<node_traits<N>::arity>{});
            } catch (const error& e) {
                fail("at node ", describe_slot<I>(), ": ", std::string_view(e.what()).substr(5));
            }
            values_[I].resize(shapes_[I].rows, shapes_[I].cols);
            if constexpr (node_traits<N>::needs_grad) adjoints_[I].resize(shapes_[I].rows, shapes_[I].cols);
        } else if constexpr (is_input_v<N>) {
            const binding& b = bindings_[input_index_of<N>()];
            shapes_[I] = {b.rows, b.cols};
        } else if constexpr (is_parameter_leaf_v<N>) {
            shapes_[I] = shape_of(node_object<I>().target->value);
        } else if constexpr (is_let_v<N>) {
            shapes_[I] = shapes_[sched::template storage_of<I>()];
        } else {
            shapes_[I] = {1, 1};
        }
    }

    [[noreturn]] void report_non_finite() {
        std::string where;
        double bad = 0;
        [&]<std::size_t... I>(std::index_sequence<I...>) {
            (
                [&] {
                    if (!where.empty()) return;
                    using N = node_type<I>;
                    if constexpr (is_expr_v<N>) {
                        if (!values_[I].allFinite()) where = detail::message("node ", describe_slot<I>()), bad = first_non_finite(values_[I]);
                    } else if constexpr (is_input_v<N>) {
                        auto v = value_at<I>();
                        if (!v.allFinite()) where = detail::message("input '", N::name, "'"), bad = first_non_finite(v);
                    } else if constexpr (is_parameter_leaf_v<N>) {
                        const auto& p = *node_object<I>().target;
                        if (!p.value.allFinite()) where = detail::message("parameter '", p.name, "'"), bad = first_non_finite(p.value);
                    }
                }(),
                ...);
        }(slots{});
        fail("the loss is not finite; the first non-finite value (", bad, ") appears at ", where);
    }

    template <class M>
    static double first_non_finite(const M& m) {
        for (Eigen::Index j = 0; j < m.cols(); ++j)
            for (Eigen::Index i = 0; i < m.rows(); ++i)
                if (!std::isfinite(m(i, j))) return static_cast<double>(m(i, j));
        return 0;
    }

    Root root_;
    std::array<matrix, slot_count> values_{};
    std::array<matrix, slot_count> adjoints_{};
    std::array<shape, slot_count> shapes_{};
    std::array<bool, slot_count> fresh_{};
    std::array<binding, input_count> bindings_{};
    std::array<shape, input_count> bound_shapes_{};
    bool bound_ = false;
    std::size_t evaluations_ = 0;
};

}  // namespace ppl
