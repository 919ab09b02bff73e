#pragma once
// observe(p, x): data x is modelled as drawn from p; its negative log-likelihood is a cost term.
#include <utility>

#include "ppl/core/node.hpp"
#include "ppl/dist/family.hpp"

namespace ppl {

/// An observed value and its distribution.
template <class D, class X>
struct observation {
    D dist;
    X data;
};

/// Observes `data` under `dist`: the ELBO's reconstruction term is -log dist(data).
template <distribution_expression D, node X>
[[nodiscard]] constexpr auto observe(D dist, X&& data) {
    return observation<D, std::remove_cvref_t<X>>{std::move(dist), std::forward<X>(data)};
}

}  // namespace ppl
