#pragma once
// graph: binds an expression to value/adjoint buffers and runs the forward and backward passes.
#include <Eigen/Core>
#include <algorithm>
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
#include "ppl/core/noise.hpp"
#include "ppl/core/schedule.hpp"
#include "ppl/core/shape.hpp"
#include "ppl/core/slot_rules.hpp"

namespace ppl {

namespace detail {
// What parameters() lists in a graph without parameters: nothing, of this type.
struct no_parameter {
    using scalar = float;
    std::string name;
    Eigen::MatrixXf value, grad;
    bool grad_fresh = false;
};
}  // namespace detail

namespace detail {
// backward()'s callback when no update is fused into the sweep.
struct ignore_parameter {
    void operator()(const auto&) const {}
};

// The node whose buffers hold O's value: a let shares its operand's.
template <class O>
struct storage_node {
    using type = O;
};
template <fixed_string Name, class Operand, class Info>
struct storage_node<let_node<Name, Operand, Info>> : storage_node<Operand> {};

// How a node reads an operand whose buffers are those of node S (parameters as the graph's type P:
// another scalar type has been reported, and the report stays the only error).
template <class S, class P>
using operand_kind_t = operand_kind<
    std::conditional_t<is_expr_v<S> || is_let_reference_v<S>, void,
                       std::conditional_t<is_input_v<S>, any_input, std::conditional_t<is_parameter_leaf_v<S>, parameter_leaf<P>, S>>>,
    node_traits<S>::needs_grad>;

template <class N, class P, class Indices = std::make_index_sequence<node_traits<N>::arity>>
struct op_rules_for;
template <class N, class P, std::size_t... K>
struct op_rules_for<N, P, std::index_sequence<K...>> {
    using type = op_rules<std::remove_cvref_t<decltype(std::declval<N&>().op)>, node_traits<N>::needs_grad,
                          operand_kind_t<typename storage_node<operand_t<N, K>>::type, P>...>;
};

/// A slot's rules: shape inference, forward and backward (null when the slot computes nothing).
template <class Scalar>
struct slot_rule_set {
    using rule_fn = void (*)(pass_buffers<Scalar>&, const std::size_t*);
    rule_fn bind = nullptr, forward = nullptr, backward = nullptr;
    std::string_view name{};  // what an error message calls the slot: its op
};

template <class N, class P, class Scalar>
constexpr slot_rule_set<Scalar> rules_of() {
    slot_rule_set<Scalar> r;
    r.name = node_name<N>();
    if constexpr (is_expr_v<N>) {
        using rules = typename op_rules_for<N, P>::type;
        r.bind = &rules::template bind<Scalar>;
        r.forward = &rules::template forward<Scalar>;
        if constexpr (node_traits<N>::needs_grad) r.backward = &rules::template backward<Scalar>;
    } else if constexpr (is_let_v<N> || is_let_reference_v<N>) {
        r.bind = &leaf_rules<shared_slot>::template bind<Scalar>;
    } else if constexpr (is_input_v<N>) {
        r.bind = &leaf_rules<any_input>::template bind<Scalar>;
    } else {
        r.bind = &leaf_rules<N>::template bind<Scalar>;
    }
    return r;
}

// Writes the rules of T's body, which starts at slot `first`: its operands' bodies, then T.
template <class T, class P, class Scalar, std::size_t Size>
constexpr void write_body_rules(std::array<slot_rule_set<Scalar>, Size>& out, std::size_t first) {
    if constexpr (node_traits<T>::arity > 0) [&]<std::size_t... I>(std::index_sequence<I...>) {
        ([&] {
            if constexpr (!is_let_v<operand_t<T, I>>) write_body_rules<operand_t<T, I>, P>(out, first + body<T>::prefix[I]);
        }(), ...);
    }(std::make_index_sequence<node_traits<T>::arity>{});
    out[first + body<T>::size - 1] = rules_of<T, P, Scalar>();
}

// The first parameter leaf below T, lets included (void if none).
template <class T, class Indices = std::make_index_sequence<node_traits<T>::arity>>
struct first_parameter_leaf {
    using type = std::conditional_t<is_parameter_leaf_v<T>, T, void>;
};
template <class... T>
struct first_of_leaves {
    using type = void;
};
template <class T, class... Rest>
struct first_of_leaves<T, Rest...> {
    using type = std::conditional_t<std::is_void_v<T>, typename first_of_leaves<Rest...>::type, T>;
};
template <class T, std::size_t I0, std::size_t... I>
struct first_parameter_leaf<T, std::index_sequence<I0, I...>> {
    using type = typename first_of_leaves<typename first_parameter_leaf<operand_t<T, I0>>::type,
                                          typename first_parameter_leaf<operand_t<T, I>>::type...>::type;
};

// True when every parameter leaf below T, lets included, is parameter_leaf<P>.
template <class T, class P, class Indices = std::make_index_sequence<node_traits<T>::arity>>
struct parameters_all_of : std::bool_constant<!is_parameter_leaf_v<T> || std::is_same_v<T, parameter_leaf<P>>> {};
template <class T, class P, std::size_t I0, std::size_t... I>
struct parameters_all_of<T, P, std::index_sequence<I0, I...>>
    : std::bool_constant<(parameters_all_of<operand_t<T, I0>, P>::value && ... && parameters_all_of<operand_t<T, I>, P>::value)> {};

// True when the let N carries a recipe (a random site keeps its distributions).
template <class N>
constexpr bool carries_info() {
    if constexpr (is_let_v<N>) return !std::is_same_v<typename N::info_type, no_info>;
    else return false;
}
}  // namespace detail

/// The noise source of graphs without random nodes: asking it for noise is an error.
struct no_noise {
    template <class Matrix>
    void fill(std::string_view site, noise_kind, Matrix&) const {
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
    static_assert(!let_name_clash_v<Root>,
                  "ppl: two let bindings share one name but wrap different expressions; "
                  "give each shared subexpression its own name, e.g. let<\"h1\"> and let<\"h2\">.");
    // after a clash, the rest is built on a stand-in so that the message above is the only error
    static constexpr bool well_formed = !let_name_clash_v<Root>;
    using sched = schedule<std::conditional_t<well_formed, Root, constant_leaf>>;
    static constexpr std::size_t slot_count = sched::size;
    static_assert(sched::references_resolved,
                  "ppl: a let_reference names a let that the expression does not compute before it; a reference "
                  "reads a let that the expression also holds itself, outside the reference's own let.");
    static constexpr const auto& facts = sched::facts;

    // The input read by each slot ("" if none), then the distinct inputs in first-use order.
    static constexpr auto slot_inputs = [] {
        std::array<std::string_view, slot_count> out{};
        for (std::size_t s = 0; s < slot_count; ++s) out[s] = facts[s].input_name;
        return out;
    }();
    static constexpr bool first_use(std::size_t s) {
        if (slot_inputs[s].empty()) return false;
        for (std::size_t t = 0; t < s; ++t)
            if (slot_inputs[t] == slot_inputs[s]) return false;
        return true;
    }
    static constexpr std::size_t input_count = [] {
        std::size_t n = 0;
        for (std::size_t s = 0; s < slot_count; ++s) n += first_use(s) ? 1 : 0;
        return n;
    }();
    static constexpr auto input_names = [] {
        std::array<std::string_view, input_count> out{};
        std::size_t n = 0;
        for (std::size_t s = 0; s < slot_count; ++s)
            if (first_use(s)) out[n++] = slot_inputs[s];
        return out;
    }();
    static constexpr std::size_t find_input(std::string_view name) {
        for (std::size_t k = 0; k < input_count; ++k)
            if (input_names[k] == name) return k;
        return input_count;
    }

    // The parameters' slots; the first gives the graph its parameter and scalar types.
    static constexpr auto parameter_flags = [] {
        std::array<bool, slot_count> out{};
        for (std::size_t s = 0; s < slot_count; ++s) out[s] = facts[s].is_parameter;
        return out;
    }();
    static constexpr std::size_t parameter_count = [] {
        std::size_t n = 0;
        for (bool p : parameter_flags) n += p ? 1 : 0;
        return n;
    }();
    static constexpr auto parameter_slots = true_positions<parameter_count>(parameter_flags);
    template <class P>
    struct parameter_of {
        using type = detail::no_parameter;
        using scalar = float;
    };
    template <class P>
    struct parameter_of<parameter_leaf<P>> {
        using type = P;
        using scalar = typename P::scalar;
    };
    static constexpr auto first_parameter() {
        if constexpr (parameter_count > 0) return std::type_identity<parameter_of<typename detail::first_parameter_leaf<Root>::type>>{};
        else return std::type_identity<parameter_of<void>>{};
    }
    using parameter_type = typename decltype(first_parameter())::type::type;
    static_assert(parameter_count == 0 || detail::parameters_all_of<Root, parameter_type>::value,
                  "ppl: all parameters of one graph must have one scalar type (float by default).");

public:
    using scalar = typename decltype(first_parameter())::type::scalar;
    using matrix = Eigen::Matrix<scalar, Eigen::Dynamic, Eigen::Dynamic>;
    using input_map = Eigen::Map<const matrix, 0, Eigen::OuterStride<>>;

    explicit graph(Root root) : root_(std::move(root)) { link(); }
    // the object table points into root_, so a copy or a move points it at its own root
    graph(const graph& other) : graph(other.root_) { take_state(other); }
    graph(graph&& other) : root_(std::move(other.root_)) {
        link();
        take_state(std::move(other));
    }
    graph& operator=(const graph&) = delete;
    graph& operator=(graph&&) = delete;

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
        if constexpr (std::is_same_v<typename Derived::Scalar, scalar>)  // else reported above
            bindings_[k] = binding{m.data(), m.rows(), m.cols(), m.outerStride()};
    }

    /// Binds the input named at run time (for drivers that bind several inputs by name). A name the
    /// expression does not read is a ppl::error that lists the names it does read.
    template <class Derived>
    void set(std::string_view name, const Eigen::DenseBase<Derived>& batch) {
        static_assert(std::is_same_v<typename Derived::Scalar, scalar>,
                      "ppl: an input's scalar type must match the graph's (float by default).");
        static_assert(bool(Derived::Flags & Eigen::DirectAccessBit) && !bool(Derived::Flags & Eigen::RowMajorBit),
                      "ppl: an input must be a column-major matrix in memory (a Matrix, a Map or a "
                      "block of columns); call .eval() on an expression first.");
        const std::size_t k = find_input(name);
        if (k == input_count) {
            std::string known;
            for (std::string_view n : input_names) known.append(known.empty() ? "" : ", ").append(n);
            fail("the model reads no input named '", name, "'; it reads: ", known.empty() ? "none" : known);
        }
        const auto& m = batch.derived();
        if constexpr (std::is_same_v<typename Derived::Scalar, scalar>)
            bindings_[k] = binding{m.data(), m.rows(), m.cols(), m.outerStride()};
    }

    /// The names of the inputs the expression reads, in first-use order.
    [[nodiscard]] static constexpr const auto& inputs() { return input_names; }

    /// Runs the forward pass and returns the loss. Raises ppl::error if it is not finite.
    /// `noise` fills the buffers of noise nodes: noise.fill(site_name, kind, matrix&).
    template <class Noise = no_noise>
    scalar forward(Noise&& noise = {}) {
        bind_if_needed();
        evaluations_ = 0;
        const auto source = detail::noise_fill<scalar>::of(noise);
        auto b = buffers();
        b.noise = &source;
        for (std::size_t i = 0; i < slot_count; ++i)
            if (rules[i].forward != nullptr) rules[i].forward(b, places[i].data());
        const scalar loss = values_[root_storage](0, 0);
        if (!std::isfinite(loss)) report_non_finite();
        return loss;
    }

    /// Runs the backward pass of the last forward(): writes every parameter's gradient.
    void backward() { backward(detail::ignore_parameter{}); }

    /// The backward pass, calling on_final(p) for each parameter p as soon as its gradient is
    /// final: when the sweep reaches p's first leaf, every node that reads p is done, and p.grad is
    /// still in cache (an optimiser's update fused into the sweep, see elbo::train_step).
    template <class OnFinal>
    void backward(OnFinal&& on_final) {
        fresh_.fill(true);
        for (std::size_t s : parameter_slots) parameter_at(s).grad_fresh = true;
        adjoints_[root_storage].setOnes();
        fresh_[root_storage] = false;
        auto b = buffers();
        for (std::size_t i = slot_count; i-- > 0;) {
            if (rules[i].backward != nullptr) {
                rules[i].backward(b, places[i].data());
            } else if (final_at_[i]) {
                auto& p = parameter_at(i);
                if (p.grad_fresh) p.grad.setZero();  // no path from the loss: its gradient is zero
                p.grad_fresh = false;
                on_final(p);
            }
        }
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
        return values_[sched::storage[slot]];
    }

    /// The shape let Name takes for the inputs bound now. Binds them (shapes and buffers); runs no
    /// pass. An objective reads it to lay out a batch by the shape of a site (enumerate).
    template <fixed_string Name>
    [[nodiscard]] shape bound_shape() {
        bind_if_needed();
        return shapes_[sched::storage[let_slot<Name>()]];
    }

    /// d loss / d (the value of let Name) from the last backward(); zero when the loss does not
    /// depend on it (e.g. a control variate reads how the loss responds to a random site).
    template <fixed_string Name>
    [[nodiscard]] const matrix& adjoint() {
        constexpr std::size_t storage = sched::storage[let_slot<Name>()];
        if (fresh_[storage]) adjoints_[storage].setZero(values_[storage].rows(), values_[storage].cols());
        return adjoints_[storage];
    }

    /// The value of the whole expression (the loss) from the last forward pass.
    [[nodiscard]] const matrix& result() const { return values_[root_storage]; }

    /// Every distinct parameter in the expression, in first-use order.
    [[nodiscard]] std::vector<parameter_type*> parameters() {
        std::vector<parameter_type*> out;
        for (std::size_t s : parameter_slots)
            if (final_at_[s]) out.push_back(&parameter_at(s));  // a parameter's lowest slot is its first use
        return out;
    }

    /// True when the expression reads input Name.
    template <fixed_string Name>
    static constexpr bool has_input() {
        return find_input(Name.view()) < input_count;
    }

    /// True when the expression holds a let node named Name.
    template <fixed_string Name>
    static constexpr bool has_let() {
        return sched::find_let(Name.view()) < sched::unit_count;
    }

    /// The expression this graph evaluates.
    [[nodiscard]] const Root& expression() const { return root_; }

    /// How many nodes the schedule holds (a let counts once however often it is used).
    static constexpr std::size_t size() { return slot_count; }

    /// How many times node values were computed in the last pass (for tests of sharing).
    [[nodiscard]] std::size_t evaluations() const { return evaluations_; }

private:
    using binding = detail::input_binding<scalar>;
    using buffers_type = detail::pass_buffers<scalar>;
    static constexpr std::size_t root_slot = slot_count - 1;
    static constexpr std::size_t root_storage = sched::storage[root_slot];

    template <fixed_string Name>
    static constexpr std::size_t input_index() {
        constexpr std::size_t k = find_input(Name.view());
        static_assert(k < input_count,
                      "ppl: this graph has no input with that name; check the name given to "
                      "input<\"...\">() in the model.");
        return k < input_count ? k : 0;
    }

    template <fixed_string Name>
    static constexpr std::size_t let_slot() {
        constexpr std::size_t unit = sched::find_let(Name.view());
        static_assert(unit < sched::unit_count,
                      "ppl: this graph has no let node with that name; name a subexpression with "
                      "let<\"name\">(...) to read its value.");
        return unit < sched::unit_count ? sched::base[unit + 1] - 1 : 0;
    }

    // ---- the per-slot rules, as tables of function pointers ------------------------------------

    static constexpr std::size_t max_arity = sched::max_arity;
    // Per slot: its own slot, then where each operand lies (a let: the slot it shares; an input:
    // its binding index).
    using place_row = std::array<std::size_t, max_arity + 1>;
    static constexpr auto places = [] {
        std::array<place_row, slot_count> out{};
        for (std::size_t i = 0; i < slot_count; ++i) {
            out[i][0] = i;
            if (facts[i].is_expr) {
                for (std::size_t k = 0; k < facts[i].arity; ++k) {
                    const std::size_t storage = sched::storage[facts[i].operands[k]];
                    out[i][1 + k] = facts[storage].is_input ? find_input(facts[storage].input_name) : storage;
                }
            } else if (facts[i].is_let) {
                out[i][1] = sched::storage[i];
            } else if (facts[i].is_input) {
                out[i][1] = find_input(facts[i].input_name);
            }
        }
        return out;
    }();

    using rules_row = detail::slot_rule_set<scalar>;
    static constexpr auto rules = []<class... H>(type_list<H...>) {
        std::array<rules_row, slot_count> out{};
        std::size_t k = 0;
        ((detail::write_body_rules<H, parameter_type>(out, sched::base[k]), ++k), ...);
        return out;
    }(typename sched::heads{});

    enum class slot_kind : unsigned char { computed, input, parameter, other };
    static constexpr auto slot_kinds = [] {
        std::array<slot_kind, slot_count> out{};
        for (std::size_t i = 0; i < slot_count; ++i)
            out[i] = facts[i].is_expr        ? slot_kind::computed
                     : facts[i].is_input     ? slot_kind::input
                     : facts[i].is_parameter ? slot_kind::parameter
                                             : slot_kind::other;
        return out;
    }();

    // Per slot and operand: true when the operand is a parameter (the layer an error names).
    static constexpr auto parameter_operands = [] {
        std::array<std::array<bool, max_arity>, slot_count> out{};
        for (std::size_t i = 0; i < slot_count; ++i)
            if (facts[i].is_expr)
                for (std::size_t k = 0; k < facts[i].arity; ++k) out[i][k] = facts[sched::storage[facts[i].operands[k]]].is_parameter;
        return out;
    }();

    // Per unit: true when its let carries a recipe (a random site keeps its distributions).
    static constexpr auto unit_is_site = []<class... H>(type_list<H...>) {
        return std::array<bool, sched::unit_count>{detail::carries_info<H>()...};
    }(typename sched::heads{});

    // The user's name for what slot i computes: the layer whose parameters it reads ("dec1" of
    // dec1.weight and dec1.bias), or the one parameter it reads; empty when it reads none.
    std::string layer_of(std::size_t i) {
        std::vector<std::string_view> names;
        for (std::size_t k = 0; k < max_arity; ++k)
            if (parameter_operands[i][k]) names.push_back(parameter_at(places[i][1 + k]).name);
        if (names.empty()) return {};
        if (names.size() == 1) return detail::message("parameter '", names[0], "'");
        const std::string_view layer = names[0].substr(0, names[0].rfind('.'));
        for (std::string_view n : names)
            if (n.rfind('.') == std::string_view::npos || n.substr(0, n.rfind('.')) != layer) return detail::message("parameter '", names[0], "'");
        return detail::message("layer '", layer, "'");
    }

    // Where slot i sits, in the words of the model: the site, the observation's likelihood or the
    // KL term it belongs to, else the let it sits in.
    static std::string place_of(std::size_t i) {
        const std::string_view let = sched::enclosing_let_name(i);
        if (let.empty()) return {};
        if (unit_is_site[sched::unit_of[i]]) return detail::message(" in site '", let, "'");
        if (let.starts_with("elbo:nll") && let.size() > 8) return detail::message(" in the likelihood of observation ", let.substr(8));
        if (let == "elbo:nll") return " in the likelihoods";
        if (let.starts_with("elbo:kl.")) return detail::message(" in the KL term of site '", let.substr(8), "'");
        if (let == "elbo:kl" || let == "elbo:kl_global") return " in the KL terms";
        if (let == "iwae:log_w") return " in the importance weights";
        // a site's shared parameter ("z.loc"): the site's q
        const std::size_t dot = let.rfind('.');
        if (dot != std::string_view::npos && sched::find_let(let.substr(0, dot)) < sched::unit_count &&
            unit_is_site[sched::find_let(let.substr(0, dot))])
            return detail::message(" in parameter '", let.substr(dot + 1), "' of site '", let.substr(0, dot), "'");
        return detail::message(" in let \"", let, "\"");
    }

    std::string describe_slot(std::size_t i) {
        const std::string layer = layer_of(i);
        if (layer.empty()) return detail::message("node '", rules[i].name, "' (", i + 1, " of ", slot_count, ")", place_of(i));
        return detail::message(layer, " (node '", rules[i].name, "', ", i + 1, " of ", slot_count, ")", place_of(i));
    }

    buffers_type buffers() {
        return {values_.data(), adjoints_.data(), shapes_.data(), fresh_.data(), bindings_.data(), objects_.data(), &evaluations_, nullptr};
    }

    parameter_type& parameter_at(std::size_t s) {
        return *static_cast<parameter_leaf<parameter_type>*>(objects_[s])->target;
    }

    void link() {
        if constexpr (well_formed) sched::link(root_, objects_);
        // a parameter's gradient is final at its lowest leaf slot: every reader comes after it
        for (std::size_t k = 0; k < parameter_count; ++k) {
            bool seen = false;
            for (std::size_t j = 0; j < k; ++j) seen = seen || &parameter_at(parameter_slots[j]) == &parameter_at(parameter_slots[k]);
            final_at_[parameter_slots[k]] = !seen;
        }
    }
    template <class Other>
    void take_state(Other&& other) {
        values_ = std::forward<Other>(other).values_, adjoints_ = std::forward<Other>(other).adjoints_;
        shapes_ = other.shapes_, fresh_ = other.fresh_, bindings_ = other.bindings_;
        bound_shapes_ = other.bound_shapes_, bound_ = other.bound_, evaluations_ = other.evaluations_;
    }

    void bind_if_needed() {
        for (std::size_t k = 0; k < input_count; ++k)
            if (bindings_[k].data == nullptr)
                fail("input '", input_names[k], "' was never set; call set<\"", input_names[k], "\">(batch) before forward()");
        bool same = bound_;
        for (std::size_t k = 0; k < input_count; ++k)
            same = same && bound_shapes_[k] == shape{bindings_[k].rows, bindings_[k].cols};
        if (same) return;
        auto b = buffers();
        for (std::size_t i = 0; i < slot_count; ++i) {
            try {
                rules[i].bind(b, places[i].data());
            } catch (const error& e) {
                fail("at ", describe_slot(i), ": ", std::string_view(e.what()).substr(5));
            }
        }
        if (shapes_[root_slot] != shape{1, 1})
            fail("the loss must be a 1x1 value (use sum, mean or batch_mean); the expression is ",
                 shapes_[root_slot]);
        for (std::size_t k = 0; k < input_count; ++k) bound_shapes_[k] = {bindings_[k].rows, bindings_[k].cols};
        bound_ = true;
    }

    [[noreturn]] void report_non_finite() {
        for (std::size_t i = 0; i < slot_count; ++i) {
            if (slot_kinds[i] == slot_kind::computed && !values_[i].allFinite())
                fail("the loss is not finite; the first non-finite value (", first_non_finite(values_[i]),
                     ") appears at ", describe_slot(i));
            if (slot_kinds[i] == slot_kind::input) {
                const binding& in = bindings_[find_input(slot_inputs[i])];
                const input_map v(in.data, in.rows, in.cols, Eigen::OuterStride<>(in.stride));
                if (!v.allFinite())
                    fail("the loss is not finite; the first non-finite value (", first_non_finite(v),
                         ") appears at input '", slot_inputs[i], "'");
            }
            if (slot_kinds[i] == slot_kind::parameter) {
                const auto& p = parameter_at(i);
                if (!p.value.allFinite())
                    fail("the loss is not finite; the first non-finite value (", first_non_finite(p.value),
                         ") appears at parameter '", p.name, "'");
            }
        }
        fail("the loss is not finite");
    }

    template <class M>
    static double first_non_finite(const M& m) {
        for (Eigen::Index j = 0; j < m.cols(); ++j)
            for (Eigen::Index i = 0; i < m.rows(); ++i)
                if (!std::isfinite(m(i, j))) return static_cast<double>(m(i, j));
        return 0;
    }

    Root root_;
    std::array<void*, slot_count> objects_{};
    std::array<matrix, slot_count> values_{};
    std::array<matrix, slot_count> adjoints_{};
    std::array<shape, slot_count> shapes_{};
    std::array<bool, slot_count> fresh_{};
    std::array<bool, slot_count> final_at_{};
    std::array<binding, input_count> bindings_{};
    std::array<shape, input_count> bound_shapes_{};
    bool bound_ = false;
    std::size_t evaluations_ = 0;
};

}  // namespace ppl
