// Tests include/ppl/estimators/with_estimator.hpp: an estimator named at run time, out of a list
// fixed at compile time.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include <ppl/ppl.hpp>

using namespace ppl;

namespace {
using offered_estimators = estimator_choices<gumbel_softmax, straight_through, score_function<moving_average>,
                                             named<"leave_one_out", score_function<leave_one_out>>, rebar>;
}  // namespace

TEST_CASE("with_estimator: the name picks the instantiation", "[estimators][with_estimator]") {
    const auto chosen = [](std::string_view name) {
        return offered_estimators::call(name, []<class E>() { return std::string(E::name); });
    };
    CHECK(chosen("gumbel_softmax") == "gumbel_softmax");
    CHECK(chosen("rebar") == "rebar");
    // named<> offers an estimator under another name and passes the estimator itself
    const bool loo = offered_estimators::call("leave_one_out", []<class E>() { return std::is_same_v<E, score_function<leave_one_out>>; });
    CHECK(loo);
    const bool average = offered_estimators::call("score_function", []<class E>() { return std::is_same_v<E, score_function<moving_average>>; });
    CHECK(average);
    CHECK(offered_estimators::names() ==
          std::vector<std::string>{"gumbel_softmax", "straight_through", "score_function", "leave_one_out", "rebar"});
    // the free function, and a function that returns nothing
    int calls = 0;
    with_estimator<pathwise, score_function<none>>("pathwise", [&]<class E>() { calls += std::is_same_v<E, pathwise> ? 1 : 100; });
    CHECK(calls == 1);
}

TEST_CASE("with_estimator: an unknown name is an error that lists the choices", "[estimators][with_estimator]") {
    CHECK_THROWS_WITH(offered_estimators::call("gumbel", []<class E>() { return 0; }),
                      Catch::Contains("unknown estimator 'gumbel'") &&
                          Catch::Contains("choose one of: gumbel_softmax, straight_through, score_function, leave_one_out, rebar"));
    CHECK_THROWS_AS(with_estimator<pathwise>("", []<class E>() {}), ppl::error);
}

TEST_CASE("with_estimator: builds an objective for the chosen estimator", "[estimators][with_estimator]") {
    basic_parameter<float> logits("logits", 3, 1);
    const auto described = [&](std::string_view name) {
        return with_estimator<gumbel_softmax, straight_through, score_function<none>>(name, [&]<class E>() {
            auto c = sample<"c", E>(categorical(param(logits), 1), uniform_categorical());
            return describe(elbo(observe(normal(column_sum(c), 1.0), data<"x">())));
        });
    };
    CHECK(described("straight_through") == "site=c dist=categorical estimator=straight_through kl=analytic\n");
    CHECK(described("score_function") == "site=c dist=categorical estimator=score_function kl=analytic\n");
}
