#pragma once
// Site scope: a local site draws one value per data point, a global site one value per dataset.
#include <string_view>
#include <type_traits>

#include "ppl/estimators/policy.hpp"
#include "ppl/estimators/protocol.hpp"

namespace ppl {

/// One draw per data point (the default): its KL term enters once per column of the batch.
struct local {
    static constexpr std::string_view name = "local";
};

/// One draw per dataset, shared by every column of the batch (weights, prior scales). Its KL term
/// enters the per-data-point -ELBO once per dataset: KL / N, with N = elbo_settings::dataset_size.
struct global {
    static constexpr std::string_view name = "global";
};

template <class T>
inline constexpr bool is_scope_v = std::is_same_v<T, local> || std::is_same_v<T, global>;

namespace detail {
// sample<Name, A, B>: A and B name the estimator and the scope in either order, each optional.
template <class A, class B>
struct site_request {
    static_assert(!(is_scope_v<A> && is_scope_v<B>), "ppl: a site has one scope: write sample<\"w\", global>(...) or "
                                                     "sample<\"z\", local>(...), not both.");
    static_assert(is_scope_v<A> || is_scope_v<B> || std::is_same_v<B, use_default>,
                  "ppl: sample<Name, A, B> takes an estimator and a scope (global or local), e.g. "
                  "sample<\"w\", global, score_function<>>(...); neither of A and B is a scope.");
    using scope = std::conditional_t<is_scope_v<A>, A, std::conditional_t<is_scope_v<B>, B, local>>;
    using estimator = std::conditional_t<is_scope_v<A>, B, A>;
};

}  // namespace detail

}  // namespace ppl
