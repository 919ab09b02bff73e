#pragma once
// The random sites of a model, found from its observations at compile time: the sites the
// likelihoods read and those their priors read, in evaluation order. Shared by elbo and iwae.
#include <array>
#include <cstddef>
#include <sstream>
#include <string>
#include <tuple>
#include <type_traits>
#include <vector>

#include <Eigen/Core>

#include "ppl/core/let.hpp"
#include "ppl/core/schedule.hpp"
#include "ppl/core/type_list.hpp"
#include "ppl/infer/cost_terms.hpp"
#include "ppl/infer/sample.hpp"

namespace ppl {

namespace detail {

template <class T>
struct is_site_let : std::bool_constant<is_site_v<T>> {};

template <class S>
struct is_global_site : std::bool_constant<is_global_site_v<S>> {};

template <std::size_t N>
constexpr bool any_of(const std::array<bool, N>& flags) {
    for (bool f : flags)
        if (f) return true;
    return false;
}

// The lets that a site's prior reads (its parameters' closures); priors are not operands of the site.
template <class Prior>
struct prior_lets {
    using type = let_set<type_list<>, false>;  // a prior without expression parameters (uniform_categorical())
};
template <class F, class... P>
struct prior_lets<distribution<F, P...>> {
    using type = typename merge_all<typename closure<P>::type...>::type;
};
template <class Site>
using prior_lets_t = typename prior_lets<std::remove_cvref_t<decltype(std::declval<typename Site::info_type>().prior)>>::type;

// Sites plus the sites their priors read (a hierarchy: z ~ N(m, 1) with m a site of its own), those
// first, until no prior adds one; the depth of the recursion is the depth of the hierarchy.
template <class Sites>
struct with_prior_sites;
template <class... S>
struct with_prior_sites<type_list<S...>> {
    using merged = filter_t<is_site_let, typename merge_all<prior_lets_t<S>..., let_set<type_list<S...>, false>>::type::lets>;
    using type = typename std::conditional_t<merged::size == sizeof...(S), std::type_identity<merged>, with_prior_sites<merged>>::type;
};

// The random sites (let nodes) of the model behind some observations: those the likelihoods read,
// and those their priors read.
template <class... Observations>
using model_sites_t = typename with_prior_sites<filter_t<
    is_site_let,
    lets_of_t<decltype(let<"elbo:nll">(std::apply(sum_all, reconstruction_terms(std::declval<const std::tuple<Observations...>&>()))))>>>::type;

// True when the prior of the site Holder reads the let Let.
template <class Holder, class Let>
constexpr bool prior_reads() {
    return std::is_base_of_v<let_key<Let>, members<typename prior_lets_t<Holder>::lets>>;
}

// The site S: in the likelihoods' expression (indexed once), or else in the prior of a site that reads it.
template <class S, class Root, class... Known>
const S& find_site(const let_index<Root>& root, type_list<Known...> known) {
    if constexpr (depends_on_v<Root, S>) {
        return root.template get<S>();
    } else {
        static constexpr std::array<bool, sizeof...(Known)> reads{prior_reads<Known, S>()...};
        static_assert(any_of(reads), "ppl: internal: a site that neither the likelihoods nor any prior reads.");
        using holder = at_t<true_positions<1>(reads)[0], type_list<Known...>>;
        return std::apply(
            [](const auto&... p) -> const S& {
                const S* found = nullptr;
                ([&] {
                    if constexpr (depends_on_v<std::remove_cvref_t<decltype(p)>, S>)
                        if (found == nullptr) found = &find_let<S>(p);
                }(), ...);
                return *found;
            },
            find_site<holder>(root, known).info.prior.params);
    }
}

// True when predicate.operator()<estimator>() holds for some site of the list.
template <class... S>
constexpr bool any_site(type_list<S...>, [[maybe_unused]] auto predicate) {  // (unused for a model without sites)
    return (false || ... || predicate.template operator()<estimator_of<S>>());
}

// Binds the inputs each site's estimator reads each step (its bind_inputs), from the site's state,
// or from none (states null: the sites draw exact samples, as in iwae).
template <class... S, class Graph, class Matrix, std::size_t N>
void bind_estimator_inputs(type_list<S...>, [[maybe_unused]] Graph& graph, [[maybe_unused]] const baseline_state* states,
                           [[maybe_unused]] Eigen::Index points,
                           [[maybe_unused]] std::array<std::vector<Matrix>, N>& buffers) {  // (unused without such sites)
    ([&] {
        using E = estimator_of<S>;
        constexpr std::size_t i = index_of_v<S, type_list<S...>>;
        if constexpr (requires(Graph& g, const baseline_state* state, std::vector<Matrix>& b) {
                          E::template bind_inputs<let_name_of<S>>(g, state, points, b);
                      })
            E::template bind_inputs<let_name_of<S>>(graph, states != nullptr ? states + i : nullptr, points, buffers[i]);
    }(), ...);
}

// One line per random site: site=<name> dist=<family> estimator=<...> kl=<analytic|monte_carlo>.
template <class... S>
std::string describe_sites(type_list<S...>, bool monte_carlo_only) {
    std::ostringstream out;
    ((out << "site=" << S::name << " dist=" << site_family_t<S>::name << " estimator=" << estimator_of<S>::name
          << " kl=" << (kl_is_analytic<S>() && !monte_carlo_only ? "analytic" : "monte_carlo") << '\n'),
     ...);
    return out.str();
}

}  // namespace detail

}  // namespace ppl
