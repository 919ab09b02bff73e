// Tests include/ppl/infer/cost_terms.hpp: one cost term per observation, and which terms a site's
// score multiplies (the terms whose expressions contain the site, but not its own closed-form KL).
#include <catch2/catch.hpp>

#include <ppl/ppl.hpp>

using namespace ppl;

TEST_CASE("cost_terms: one term per observation, named by its index", "[infer][cost_terms]") {
    random_stream init{6};
    dense dec_x{2, 3, init, "dec_x"}, dec_y{2, 4, init, "dec_y"};
    auto x = data<"x">();
    auto y = data<"y">();
    auto z = sample<"z">(normal(input<"h">(), 1.0), std_normal());
    auto terms = detail::reconstruction_terms(std::tuple{observe(bernoulli_logits(dec_x(z)), x), observe(bernoulli_logits(dec_y(z)), y)});
    using first = std::tuple_element_t<0, decltype(terms)>;
    using second = std::tuple_element_t<1, decltype(terms)>;
    STATIC_REQUIRE(first::name == "elbo:nll0");
    STATIC_REQUIRE(second::name == "elbo:nll1");
    STATIC_REQUIRE(detail::is_cost_term<first>::value);
    STATIC_REQUIRE(!detail::is_cost_term<decltype(z)>::value);
    STATIC_REQUIRE(detail::contains_node<first, decltype(z)>());
}

TEST_CASE("cost_terms: a site's score multiplies the terms downstream of it, not its own closed-form KL",
          "[infer][cost_terms]") {
    random_stream init{7};
    dense enc_a{4, 6, init, "enc_a"}, enc_d{6, 2, init, "enc_d"}, dec{2, 4, init, "dec"};
    auto x = data<"x">();
    auto a = sample<"a", score_function<none>>(categorical(enc_a(x), 2), uniform_categorical());
    auto d = sample<"d">(laplace(enc_d(a), 1.0), std_normal());  // no closed-form KL: Monte Carlo
    auto nll = std::get<0>(detail::reconstruction_terms(std::tuple{observe(bernoulli_logits(dec(d)), x)}));
    auto kl_a = let<"elbo:kl.a">(column_sum(kl_terms(a.info.q, a.info.prior)));
    auto kl_d = let<"elbo:kl.d">(column_sum(log_prob(d.info.q, d) - log_prob(d.info.prior, d)));
    using A = decltype(a);
    using D = decltype(d);
    STATIC_REQUIRE(detail::kl_is_analytic<A>());
    STATIC_REQUIRE(!detail::kl_is_analytic<D>());
    STATIC_REQUIRE(detail::multiplies_score<decltype(nll), A>());
    STATIC_REQUIRE(detail::multiplies_score<decltype(kl_d), A>());   // d's q reads a
    STATIC_REQUIRE(!detail::multiplies_score<decltype(kl_a), A>());  // a's own closed form: its gradient is direct
    STATIC_REQUIRE(detail::multiplies_score<decltype(kl_d), D>());   // d's own Monte Carlo KL reads d
}
