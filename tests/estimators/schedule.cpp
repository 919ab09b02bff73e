// Tests include/ppl/estimators/schedule.hpp.
#include <catch2/catch.hpp>

#include <cmath>
#include <ppl/ppl.hpp>

using namespace ppl;

TEST_CASE("exponential_temperature: max(minimum, initial exp(-rate s)), held for `every` steps", "[estimators][schedule]") {
    const exponential_temperature schedule{.initial = 2.0, .minimum = 0.5, .rate = 1e-3, .every = 100};
    CHECK(schedule(0) == 2.0);
    CHECK(schedule(99) == 2.0);
    CHECK(schedule(100) == Approx(2.0 * std::exp(-0.1)));
    CHECK(schedule(250) == Approx(2.0 * std::exp(-0.2)));
    CHECK(schedule(1000000) == 0.5);
    CHECK(constant_temperature{0.7}(12345) == 0.7);
    const exponential_temperature seed_defaults{};
    CHECK(seed_defaults.initial == 1.0);
    CHECK(seed_defaults.minimum == 0.5);
    CHECK(seed_defaults.rate == 1e-5);
    CHECK(seed_defaults.every == 1000);
    CHECK_THROWS_WITH((exponential_temperature{.initial = 0.0}(1)), Catch::Contains("initial > 0"));
}
