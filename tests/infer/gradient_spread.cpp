// Tests include/ppl/infer/gradient_spread.hpp: the mean unbiased variance of recorded gradients.
#include <catch2/catch.hpp>

#include <ppl/ppl.hpp>

using namespace ppl;

TEST_CASE("gradient_spread: the unbiased variance of each entry, averaged over the entries", "[infer][gradient_spread]") {
    parameter a{"a", 1, 2}, b{"b", 1, 1};
    gradient_spread spread({&a, &b});
    // entry values over three draws: a0 = 1, 2, 3 (variance 1); a1 = 0, 0, 0 (0); b = 2, 4, 9 (13)
    const float draws[3][3] = {{1, 0, 2}, {2, 0, 4}, {3, 0, 9}};
    CHECK_THROWS_WITH(spread.mean_variance(), Catch::Contains("at least 2 draws"));
    for (const auto& d : draws) {
        a.grad << d[0], d[1];
        b.grad << d[2];
        spread.add();
    }
    CHECK(spread.mean_variance() == Approx((1.0 + 0.0 + 13.0) / 3));
}
