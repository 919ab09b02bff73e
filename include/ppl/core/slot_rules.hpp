#pragma once
// What one slot of a graph does in each pass: shape inference, forward, backward.
//
// A slot's rules are a class template of its op tag, its slot number and how it reads each
// operand, never of the whole model's type. The graph calls them through tables of function
// pointers, one entry per slot: each rule is a small function of its own, so the compiler's work
// and the symbols it emits grow with the number of slots, not with the model's type.
#include <Eigen/Core>
#include <cstddef>
#include <type_traits>

#include "ppl/core/adjoint.hpp"
#include "ppl/core/node.hpp"
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
};

/// How a rule reads an operand: the slot that stores its value, the leaf type there (void for a
/// computed value), whether the loss's gradient must reach it, and the input's binding index.
template <std::size_t Storage, class Leaf, bool NeedsGrad, std::size_t Input = 0>
struct operand_ref {};

template <class Ref>
struct operand_access;
template <std::size_t Storage, class Leaf, bool NeedsGrad, std::size_t Input>
struct operand_access<operand_ref<Storage, Leaf, NeedsGrad, Input>> {
    template <class Scalar>
    static decltype(auto) value(const pass_buffers<Scalar>& b) {
        using matrix = typename pass_buffers<Scalar>::matrix;
        if constexpr (std::is_void_v<Leaf>) {
            return static_cast<const matrix&>(b.values[Storage]);
        } else if constexpr (is_input_v<Leaf>) {
            const input_binding<Scalar>& in = b.bindings[Input];
            return Eigen::Map<const matrix, 0, Eigen::OuterStride<>>(in.data, in.rows, in.cols, Eigen::OuterStride<>(in.stride));
        } else if constexpr (is_parameter_leaf_v<Leaf>) {
            return static_cast<const matrix&>(static_cast<const Leaf*>(b.objects[Storage])->target->value);
        } else if constexpr (is_state_leaf_v<Leaf>) {
            return static_cast<const Leaf*>(b.objects[Storage])->target;
        } else {
            return static_cast<Scalar>(static_cast<const Leaf*>(b.objects[Storage])->value);
        }
    }
    template <class Scalar>
    static auto sink(const pass_buffers<Scalar>& b) {
        using matrix = typename pass_buffers<Scalar>::matrix;
        if constexpr (!NeedsGrad) {
            return no_adjoint{};
        } else if constexpr (is_parameter_leaf_v<Leaf>) {
            auto* p = static_cast<const Leaf*>(b.objects[Storage])->target;
            return adjoint_sink<matrix>{&p->grad, &p->grad_fresh};
        } else {
            return adjoint_sink<matrix>{&b.adjoints[Storage], &b.fresh[Storage]};
        }
    }
    template <class Scalar>
    static auto inferred_shape(const pass_buffers<Scalar>& b) {
        if constexpr (std::is_same_v<Leaf, constant_leaf>) return scalar_shape{};
        else if constexpr (is_state_leaf_v<Leaf>) return state_shape{};
        else return b.shapes[Storage];
    }
};

/// The rules of an op node in slot Self: `Op` is its tag, `Refs` say how it reads its operands.
template <class Op, std::size_t Self, bool NeedsGrad, class... Refs>
struct op_rules {
    template <class Scalar>
    static void bind(pass_buffers<Scalar>& b) {
        const Op& op = *static_cast<const Op*>(b.objects[Self]);
        const shape s = op.infer(operand_access<Refs>::inferred_shape(b)...);
        b.shapes[Self] = s;
        b.values[Self].resize(s.rows, s.cols);
        if constexpr (NeedsGrad) b.adjoints[Self].resize(s.rows, s.cols);
    }
    template <class Scalar, class Noise>
    static void forward(pass_buffers<Scalar>& b, const Noise& noise) {
        const Op& op = *static_cast<const Op*>(b.objects[Self]);
        if constexpr (requires { op.draws_noise; }) noise.fill(op.site_name(), op.kind, b.values[Self]);
        op.forward(b.values[Self], operand_access<Refs>::value(b)...);
        ++*b.evaluations;
    }
    template <class Scalar>
    static void backward(pass_buffers<Scalar>& b) {
        if (b.fresh[Self]) return;  // nothing downstream reached the loss
        const Op& op = *static_cast<const Op*>(b.objects[Self]);
        op.backward(static_cast<const typename pass_buffers<Scalar>::matrix&>(b.values[Self]),
                    static_cast<const typename pass_buffers<Scalar>::matrix&>(b.adjoints[Self]),
                    operand_access<Refs>::sink(b)..., operand_access<Refs>::value(b)...);
    }
};

/// Stands for a let in leaf_rules: the slot shares another slot's buffers.
struct shared_slot {};

/// Shape inference for the slots that compute nothing: leaves, and lets (which share a slot's
/// buffers). `Storage` is the slot a let shares, `Input` an input's binding index.
template <class Leaf, std::size_t Self, std::size_t Storage, std::size_t Input>
struct leaf_rules {
    template <class Scalar>
    static void bind(pass_buffers<Scalar>& b) {
        if constexpr (is_input_v<Leaf>) {
            b.shapes[Self] = {b.bindings[Input].rows, b.bindings[Input].cols};
        } else if constexpr (is_parameter_leaf_v<Leaf>) {
            b.shapes[Self] = shape_of(static_cast<const Leaf*>(b.objects[Self])->target->value);
        } else if constexpr (std::is_same_v<Leaf, shared_slot>) {
            b.shapes[Self] = b.shapes[Storage];
        } else {
            b.shapes[Self] = {1, 1};
        }
    }
};

}  // namespace ppl::detail
