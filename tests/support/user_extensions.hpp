#pragma once
// A family and an estimator written as a user would: outside namespace ppl, from ppl's public
// protocol and ops, without editing ppl. Used by tests/estimators/protocol.cpp and compile-fail tests.
#include <string_view>
#include <tuple>
#include <utility>

#include <ppl/ppl.hpp>

namespace user_code {

// A family of the user's: Kumaraswamy(a, b) on (0, 1), F(x) = 1 - (1 - x^a)^b, sampled by its
// inverse CDF x = (1 - (1 - u)^(1/b))^(1/a), which is differentiable in a and b.
struct kumaraswamy_family {
    static constexpr std::string_view name = "kumaraswamy";
    static constexpr bool reparameterizable = true;
    static constexpr bool relaxable = false;
    static constexpr ppl::value_support support = ppl::value_support::unit_interval;
    static constexpr auto param_names = std::tuple{ppl::fixed_string{"a"}, ppl::fixed_string{"b"}};
    using settings = ppl::no_settings;

    // log p(x) = log a + log b + (a - 1) log x + (b - 1) log(1 - x^a)
    static auto log_prob(ppl::no_settings, const auto& a, const auto& b, auto&& x) {
        auto log_x = log(x);
        return log(a) + log(b) + (a - 1.0) * log_x + (b - 1.0) * log(1.0 - exp(a * log_x));
    }
    template <ppl::fixed_string Site>
    static auto rsample(ppl::no_settings, const auto& a, const auto& b) {
        auto u = ppl::noise_like<Site>(ppl::noise_kind::uniform, a, b);
        return exp(log(1.0 - exp(log(1.0 - u) / b)) / a);
    }
    template <ppl::fixed_string Site>
    static auto draw(ppl::no_settings, const auto& a, const auto& b) {
        return ppl::stop_gradient(rsample<Site>(ppl::no_settings{}, a, b));
    }
};

template <class A, class B>
auto kumaraswamy(A&& a, B&& b) {
    auto na = ppl::as_node(std::forward<A>(a));
    auto nb = ppl::as_node(std::forward<B>(b));
    return ppl::distribution<kumaraswamy_family, decltype(na), decltype(nb)>{{na, nb}};
}

// An estimator of the user's: the score function with a control variate the user supplies, a
// fixed baseline c, grad E[f(z)] = E[(f(z) - c) grad log q(z)]. Built from ppl's public ops only.
template <int Baseline>
struct score_with_fixed_baseline {
    static constexpr std::string_view name = "score_with_fixed_baseline";
    template <class Family>
    static constexpr bool accepts = !Family::reparameterizable;
    static constexpr bool global_sites = true;

    template <class Family>
    static consteval void refuse() {
        static_assert(ppl::detail::always_false<Family>,
                      "user_code: score_with_fixed_baseline is for discrete sites; a reparameterizable family trains "
                      "better pathwise: drop the override.");
    }

    template <ppl::fixed_string Site, class D, class Tau>
    static auto value(const D& d, const Tau&) {
        return std::apply([&](const auto&... p) { return ppl::family_of<D>::template draw<Site>(d.settings, p...); }, d.params);
    }

    // value 0, gradient mean_j (f_j - c) grad log q(z_j)
    template <class Site, class Cost>
    static auto elbo_surrogate(const Site& site, const Cost& cost, ppl::baseline_state*) {
        auto weighted = ppl::let<ppl::concat(ppl::fixed_string{"user:score."}, ppl::let_name_of<Site>)>(
            ppl::batch_mean(ppl::stop_gradient(cost() - double(Baseline)) * ppl::column_sum(ppl::log_prob(site.info.q, site))));
        return weighted - ppl::stop_gradient(weighted);
    }
};

}  // namespace user_code
