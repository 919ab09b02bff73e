// Tests include/ppl/infer/model_sites.hpp: the random sites behind a model's observations, those
// its priors read included, found at compile time.
#include <catch2/catch.hpp>

#include <ppl/ppl.hpp>

using namespace ppl;

TEST_CASE("model_sites: the likelihoods' sites and the sites their priors read, those first", "[infer][model_sites]") {
    random_stream init{4};
    dense enc{3, 2, init, "enc"}, dec{2, 3, init, "dec"};
    parameter loc{"m.loc", 2, 1}, raw{"m.raw", 2, 1};
    auto x = data<"x">();
    auto m = sample<"m", global>(normal(param(loc), softplus(param(raw))), std_normal());
    auto z = sample<"z">(normal(enc(x), 1.0), normal(m, 1.0));  // the prior of z reads m; no likelihood does
    auto observed = observe(bernoulli_logits(dec(z)), x);
    using sites = detail::model_sites_t<decltype(observed)>;
    STATIC_REQUIRE(sites::size == 2);
    STATIC_REQUIRE(std::is_same_v<at_t<0, sites>, decltype(m)>);
    STATIC_REQUIRE(std::is_same_v<at_t<1, sites>, decltype(z)>);
    // m is found inside z's prior, not in the likelihood, and it is the site the user wrote
    auto nll = let<"elbo:nll">(std::apply(detail::sum_all, detail::reconstruction_terms(std::tuple{observed})));
    STATIC_REQUIRE(!depends_on_v<decltype(nll), decltype(m)>);
    const let_index<decltype(nll)> lets(nll);
    const auto& found = detail::find_site<decltype(m)>(lets, sites{});
    CHECK(std::remove_cvref_t<decltype(found)>::name == std::string_view{"m"});
    // z is in the likelihood: the index hands out its copy there
    CHECK(&detail::find_site<decltype(z)>(lets, sites{}) == &lets.get<decltype(z)>());
    CHECK(detail::describe_sites(sites{}, false) ==
          "site=m dist=normal estimator=pathwise kl=analytic\nsite=z dist=normal estimator=pathwise kl=analytic\n");
    CHECK(detail::describe_sites(sites{}, true) ==
          "site=m dist=normal estimator=pathwise kl=monte_carlo\nsite=z dist=normal estimator=pathwise kl=monte_carlo\n");
    CHECK(detail::any_site(sites{}, []<class E>() { return std::is_same_v<E, pathwise>; }));
    CHECK(!detail::any_site(sites{}, []<class E>() { return estimator_traits<E>::reads_temperature; }));
}

TEST_CASE("model_sites: a model without random sites has none", "[infer][model_sites]") {
    random_stream init{5};
    dense layer{3, 3, init, "layer"};
    auto x = data<"x">();
    using sites = detail::model_sites_t<decltype(observe(bernoulli_logits(layer(x)), x))>;
    STATIC_REQUIRE(sites::size == 0);
    CHECK(detail::describe_sites(sites{}, false).empty());
}
