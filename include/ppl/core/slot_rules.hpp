#pragma once
// What one slot of a graph does in each pass: shape inference, forward, backward.
//
// A slot's rules are a class template of its op tag and of the kinds of its operands, never of
// the whole model's type nor of the slot's position: slots with the same op reading the same
// kinds of operands share one compiled rule, told at run time which slots to read. The graph
// calls the rules through tables of function pointers, one entry per slot, so the compiler's
// work grows with the number of distinct ops in a model, and the symbols it emits stay short.
#include <Eigen/Core>
#include <cstddef>
#include <type_traits>

#include "ppl/core/adjoint.hpp"
#include "ppl/core/matrix_view.hpp"
#include "ppl/core/node.hpp"
#include "ppl/core/noise.hpp"
#include "ppl/core/shape.hpp"

namespace ppl::detail {

/// A bound input: a column-major block of memory, one column per sample.
template <class Scalar>
struct input_binding {
    const Scalar* data = nullptr;
    Eigen::Index rows = 0, cols = 0, stride = 0;
};

/// The graph's buffers, as the slot rules see them.
template <class Scalar>
struct pass_buffers {
    using matrix = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>;
    matrix* values;
    matrix* adjoints;
    shape* shapes;
    bool* fresh;
    const input_binding<Scalar>* bindings;
    void* const* objects;  // per slot: the op tag of an op node, the leaf itself, or nothing (let)
    std::size_t* evaluations;
    const noise_fill<Scalar>* noise;  // set for a forward pass
};

/// Stands for any input in an operand's description: inputs differ only in where they are bound.
struct any_input {};

/// How a rule reads an operand: the kind of leaf that holds its value (void for a computed
/// value, any_input, a parameter, state or constant leaf) and whether the loss's gradient must
/// reach it. Where it lies is a runtime number (a slot, or an input's binding index), so that
/// every slot with the same op and the same kinds of operands shares one compiled rule.
template <class Leaf, bool NeedsGrad>
struct operand_kind {};

template <class Kind>
struct operand_access;
template <class Leaf, bool NeedsGrad>
struct operand_access<operand_kind<Leaf, NeedsGrad>> {
    template <class Scalar>
    static decltype(auto) value(const pass_buffers<Scalar>& b, std::size_t where) {
        if constexpr (std::is_void_v<Leaf>) {
            return view_of(b.values[where]);
        } else if constexpr (std::is_same_v<Leaf, any_input>) {
            const input_binding<Scalar>& in = b.bindings[where];
            return matrix_view<Scalar>(in.data, in.rows, in.cols, Eigen::OuterStride<>(in.stride));
        } else if constexpr (is_parameter_leaf_v<Leaf>) {
            return view_of(static_cast<const Leaf*>(b.objects[where])->target->value);
        } else if constexpr (is_state_leaf_v<Leaf>) {
            return static_cast<const Leaf*>(b.objects[where])->target;
        } else {
            return static_cast<Scalar>(static_cast<const Leaf*>(b.objects[where])->value);
        }
    }
    template <class Scalar>
    static auto sink(const pass_buffers<Scalar>& b, std::size_t where) {
        using matrix = typename pass_buffers<Scalar>::matrix;
        if constexpr (!NeedsGrad) {
            return no_adjoint{};
        } else if constexpr (is_parameter_leaf_v<Leaf>) {
            auto* p = static_cast<const Leaf*>(b.objects[where])->target;
            return adjoint_sink<matrix>{&p->grad, &p->grad_fresh};
        } else {
            return adjoint_sink<matrix>{&b.adjoints[where], &b.fresh[where]};
        }
    }
    template <class Scalar>
    static auto inferred_shape(const pass_buffers<Scalar>& b, std::size_t where) {
        if constexpr (std::is_same_v<Leaf, constant_leaf>) return scalar_shape{};
        else if constexpr (is_state_leaf_v<Leaf>) return state_shape{};
        else if constexpr (std::is_same_v<Leaf, any_input>) return shape{b.bindings[where].rows, b.bindings[where].cols};
        else return b.shapes[where];
    }
};

// The op's own rules, called out of line: they see only matrix views, scalars, state and sinks,
// so rules that differ only in where their operands lie share one compiled body.
template <class Op, class Y, class... Operands>
[[gnu::noinline]] void run_forward(const Op& op, Y& y, const Operands&... operands) {
    op.forward(y, operands...);
}
template <class Op, class Y, class... SinksAndOperands>
[[gnu::noinline]] void run_backward(const Op& op, const Y& y, const Y& dy, const SinksAndOperands&... rest) {
    op.backward(y, dy, rest...);
}

/// The rules of an op node: `Op` is its tag, `Kinds` say how it reads its operands. `at[0]` is the
/// node's slot and `at[1 + k]` where operand k lies.
template <class Op, bool NeedsGrad, class... Kinds>
struct op_rules {
    using operands = std::index_sequence_for<Kinds...>;

    template <class Scalar>
    static void bind(pass_buffers<Scalar>& b, const std::size_t* at) {
        [&]<std::size_t... K>(std::index_sequence<K...>) {
            const Op& op = *static_cast<const Op*>(b.objects[at[0]]);
            const shape s = op.infer(operand_access<Kinds>::inferred_shape(b, at[1 + K])...);
            b.shapes[at[0]] = s;
            b.values[at[0]].resize(s.rows, s.cols);
            if constexpr (NeedsGrad) b.adjoints[at[0]].resize(s.rows, s.cols);
        }(operands{});
    }
    template <class Scalar>
    static void forward(pass_buffers<Scalar>& b, const std::size_t* at) {
        [&]<std::size_t... K>(std::index_sequence<K...>) {
            const Op& op = *static_cast<const Op*>(b.objects[at[0]]);
            if constexpr (requires { op.draws_noise; }) b.noise->fill(op.site, op.kind, b.values[at[0]]);
            run_forward(op, b.values[at[0]], operand_access<Kinds>::value(b, at[1 + K])...);
            ++*b.evaluations;
        }(operands{});
    }
    template <class Scalar>
    static void backward(pass_buffers<Scalar>& b, const std::size_t* at) {
        if (b.fresh[at[0]]) return;  // nothing downstream reached the loss
        [&]<std::size_t... K>(std::index_sequence<K...>) {
            const Op& op = *static_cast<const Op*>(b.objects[at[0]]);
            run_backward(op, static_cast<const typename pass_buffers<Scalar>::matrix&>(b.values[at[0]]),
                         static_cast<const typename pass_buffers<Scalar>::matrix&>(b.adjoints[at[0]]),
                         operand_access<Kinds>::sink(b, at[1 + K])..., operand_access<Kinds>::value(b, at[1 + K])...);
        }(operands{});
    }
};

/// Stands for a let in leaf_rules: the slot shares another slot's buffers.
struct shared_slot {};

/// Shape inference for the slots that compute nothing: leaves, and lets (which share the slot
/// at[1]). For an input, at[1] is its binding index.
template <class Leaf>
struct leaf_rules {
    template <class Scalar>
    static void bind(pass_buffers<Scalar>& b, const std::size_t* at) {
        if constexpr (std::is_same_v<Leaf, any_input>) {
            b.shapes[at[0]] = {b.bindings[at[1]].rows, b.bindings[at[1]].cols};
        } else if constexpr (is_parameter_leaf_v<Leaf>) {
            b.shapes[at[0]] = shape_of(static_cast<const Leaf*>(b.objects[at[0]])->target->value);
        } else if constexpr (std::is_same_v<Leaf, shared_slot>) {
            b.shapes[at[0]] = b.shapes[at[1]];
        } else {
            b.shapes[at[0]] = {1, 1};
        }
    }
};

}  // namespace ppl::detail
