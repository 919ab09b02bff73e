// Tests include/ppl/estimators/policy.hpp: the default for every family and the legal overrides.
#include <catch2/catch.hpp>

#include <ppl/ppl.hpp>

using namespace ppl;

// Defaults, one per family (the policy table of docs/estimators.md).
static_assert(std::is_same_v<estimator_for<normal_family>, pathwise>);
static_assert(std::is_same_v<estimator_for<logistic_family>, pathwise>);
static_assert(std::is_same_v<estimator_for<laplace_family>, pathwise>);
static_assert(std::is_same_v<estimator_for<exponential_family>, pathwise>);
static_assert(std::is_same_v<estimator_for<gumbel_family>, pathwise>);
static_assert(std::is_same_v<estimator_for<uniform_family>, pathwise>);
static_assert(std::is_same_v<estimator_for<log_normal_family>, pathwise>);
static_assert(std::is_same_v<estimator_for<categorical_family>, gumbel_softmax>);
static_assert(std::is_same_v<estimator_for<bernoulli_family>, gumbel_softmax>);
static_assert(std::is_same_v<estimator_for<poisson_family>, score_function<moving_average>>);
static_assert(std::is_same_v<estimator_for<geometric_family>, score_function<moving_average>>);
static_assert(std::is_same_v<estimator_for<binomial_family>, score_function<moving_average>>);

// Legal overrides.
static_assert(std::is_same_v<estimator_for<normal_family, score_function<none>>, score_function<none>>);
static_assert(std::is_same_v<estimator_for<categorical_family, straight_through>, straight_through>);
static_assert(std::is_same_v<estimator_for<bernoulli_family, straight_through>, straight_through>);
static_assert(std::is_same_v<estimator_for<categorical_family, score_function<leave_one_out>>, score_function<leave_one_out>>);
static_assert(std::is_same_v<estimator_for<poisson_family, score_function<none>>, score_function<none>>);
static_assert(std::is_same_v<estimator_for<categorical_family, vimco>, vimco>);
static_assert(std::is_same_v<estimator_for<bernoulli_family, vimco>, vimco>);
static_assert(std::is_same_v<estimator_for<poisson_family, vimco>, vimco>);
static_assert(std::is_same_v<estimator_for<bernoulli_family, disarm>, disarm>);

TEST_CASE("policy: a site's type carries its estimator", "[estimators][policy]") {
    auto x = input<"x">();
    auto z = sample<"z">(normal(x, exp(x)), std_normal());
    auto c = sample<"c">(categorical(x, 2), uniform_categorical());
    auto s = sample<"s", straight_through>(categorical(x, 2), uniform_categorical());
    auto n = sample<"n">(poisson(exp(x)), poisson(1.0));
    static_assert(std::is_same_v<estimator_of<decltype(z)>, pathwise>);
    static_assert(std::is_same_v<estimator_of<decltype(c)>, gumbel_softmax>);
    static_assert(std::is_same_v<estimator_of<decltype(s)>, straight_through>);
    static_assert(std::is_same_v<estimator_of<decltype(n)>, score_function<moving_average>>);
    CHECK(decltype(z)::name == "z");
}
