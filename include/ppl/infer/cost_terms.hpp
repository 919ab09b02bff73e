#pragma once
// The cost terms of a model's ELBO: one per observation, -log p(x_k | ...) ("elbo:nll<k>"), and one
// per site, its KL term ("elbo:kl.<site>"); which of them a site's score multiplies (the terms whose
// expressions contain the site, found at compile time); and their sums. Shared by elbo and iwae.
#include <array>
#include <cstddef>
#include <tuple>
#include <type_traits>
#include <utility>

#include "ppl/core/fixed_string.hpp"
#include "ppl/core/let.hpp"
#include "ppl/core/schedule.hpp"
#include "ppl/core/type_list.hpp"
#include "ppl/dist/kl.hpp"
#include "ppl/infer/sample.hpp"
#include "ppl/ops/arithmetic.hpp"
#include "ppl/ops/reduce.hpp"

namespace ppl {

namespace detail {

template <std::size_t I>
constexpr auto index_name() {
    static_assert(I < 10, "ppl: elbo takes at most 10 observations.");
    fixed_string<2> digit;
    digit.text[0] = static_cast<char>('0' + I);
    return digit;
}

// True when the expression Term reads the site Site (found in Term's let closure, no search).
template <class Term, class Site>
constexpr bool contains_node() {
    return depends_on_v<Term, Site>;
}

// a + b + ... over one or more terms.
inline constexpr auto sum_all = [](const auto& first, const auto&... rest) { return (first + ... + rest); };

// A sum built left to right from optional terms (a std::tuple of none or one), without tuple_cat:
// (summing<no_terms>{} | std::tuple{a} | std::tuple{} | std::tuple{b}).value is a + b.
struct no_terms {};
template <class T>
struct summing {
    T value;
};
template <class T>
summing<T> operator|(summing<T> sum, std::tuple<>) {
    return sum;
}
template <class X>
summing<X> operator|(summing<no_terms>, std::tuple<X> term) {
    return {std::get<0>(std::move(term))};
}
template <class T, class X>
auto operator|(summing<T> sum, std::tuple<X> term) {
    return summing<decltype(sum.value + std::get<0>(term))>{sum.value + std::get<0>(term)};
}

// Flags over a tuple of terms, one per term, as a type (a value array as a template argument of a
// lambda's local trips g++ 12, which conflates such arrays across instantiations).
template <bool... Flags>
using term_flags = std::integer_sequence<bool, Flags...>;

// The sum of the terms whose flag is set (at least one).
template <bool... Keep, class Terms>
auto sum_kept(term_flags<Keep...>, const Terms& terms) {
    static constexpr std::array<bool, sizeof...(Keep)> keep{Keep...};
    static constexpr std::size_t count = (std::size_t{0} + ... + std::size_t{Keep});
    static_assert(count > 0, "ppl: internal: a sum of no terms.");
    static constexpr auto positions = true_positions<count>(keep);
    return [&]<std::size_t... J>(std::index_sequence<J...>) {
        return sum_all(std::get<positions[J]>(terms)...);
    }(std::make_index_sequence<count>{});
}

// Count false flags, then Flags: the flags of R reconstruction terms followed by the sites' KL terms.
template <std::size_t... I, bool... Flags>
auto after_false(std::index_sequence<I...>, term_flags<Flags...>) -> term_flags<((void)I, false)..., Flags...>;

// The per-dataset weight 1/N of the global sites' KL terms, bound by the objective each step.
inline constexpr input_leaf<"elbo:global_weight"> global_weight_input{};

// The ELBO's cost terms: one per observation ("elbo:nll<k>") and one per site ("elbo:kl.<site>").
template <class Let>
struct is_cost_term : std::bool_constant<!is_site_v<Let> && ((Let::name.starts_with("elbo:nll") && Let::name.size() > 8) ||
                                                              Let::name.starts_with("elbo:kl."))> {};

template <class Site>
constexpr bool kl_is_analytic() {
    using info = typename Site::info_type;
    return has_analytic_kl<std::remove_cvref_t<decltype(std::declval<info>().q)>,
                           std::remove_cvref_t<decltype(std::declval<info>().prior)>>;
}

// A cost term's surrogate weight includes a site when the term's expression contains the site,
// except the site's own closed-form KL term, whose gradient flows to q directly.
template <class Term, class Site>
constexpr bool multiplies_score() {
    constexpr bool own_kl = Term::name == concat(fixed_string{"elbo:kl."}, let_name_of<Site>).view();
    return contains_node<Term, Site>() && !(own_kl && kl_is_analytic<Site>());
}

// The cost that a site's surrogate weight multiplies: the terms whose expressions contain the site,
// chosen by type at compile time. Global flags the per-dataset terms (global sites' KLs). A local
// site's weight holds one column per data point; a global site's is one number, the per-data-point
// cost mean_batch(local terms) + (1/N) (global terms).
template <class Site, bool... Global, class... Terms>
auto downstream_cost(term_flags<Global...>, const std::tuple<Terms...>&) {
    static_assert(sizeof...(Global) == sizeof...(Terms), "ppl: internal: one scope flag per cost term.");
    constexpr bool any_local = (false || ... || (multiplies_score<Terms, Site>() && !Global));
    constexpr bool any_global = (false || ... || (multiplies_score<Terms, Site>() && Global));
    static_assert(any_local || any_global, "ppl: internal: a score-function site with no cost term downstream of it.");
    using local_terms = term_flags<(multiplies_score<Terms, Site>() && !Global)...>;
    using global_terms = term_flags<(multiplies_score<Terms, Site>() && Global)...>;
    // the terms by name: the loss holds them, and a surrogate's type stays the size of its site
    const std::tuple<decltype(reference_to(std::declval<const Terms&>()))...> named{};
    if constexpr (!is_global_site_v<Site>) {
        static_assert(!any_global, "ppl: a global site's q or prior reads a local site; a value drawn once per "
                                   "dataset cannot depend on one data point's draw: make both sites global.");
        return sum_kept(local_terms{}, named);
    } else if constexpr (!any_global) {
        return batch_mean(sum_kept(local_terms{}, named));
    } else if constexpr (!any_local) {
        return global_weight_input * sum_kept(global_terms{}, named);
    } else {
        return batch_mean(sum_kept(local_terms{}, named)) + global_weight_input * sum_kept(global_terms{}, named);
    }
}

// One term per observation: -log p(x_k | ...) per data point.
template <class... Observations>
auto reconstruction_terms(const std::tuple<Observations...>& observed) {
    return [&]<std::size_t... I>(std::index_sequence<I...>) {
        return std::tuple{let<concat(fixed_string{"elbo:nll"}, index_name<I>())>(
            column_sum(-log_prob(std::get<I>(observed).dist, std::get<I>(observed).data)))...};
    }(std::index_sequence_for<Observations...>{});
}

}  // namespace detail

}  // namespace ppl
