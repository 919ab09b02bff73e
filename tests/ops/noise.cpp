// Tests include/ppl/ops/noise.hpp and core/noise.hpp: noise fills a buffer of its source's shape.
#include <catch2/catch.hpp>

#include <cmath>
#include <ppl/ppl.hpp>

using namespace ppl;

TEST_CASE("noise: shaped like its source, drawn from the given kind, no gradient", "[ops][noise]") {
    basic_parameter<double> mu("mu", 3, 4);
    mu.value.setOnes();
    auto eps = let<"eps">(noise_like<"z">(noise_kind::standard_normal, param(mu)));
    graph g{sum(param(mu) + eps)};
    random_stream rng{3}, same{3};
    g.value_and_grad(stream_noise{&rng});
    CHECK(g.value<"eps">().rows() == 3);
    CHECK(g.value<"eps">()(0, 0) == same.normal());
    CHECK(mu.grad.isOnes());  // only the direct path; noise passes nothing back
}

TEST_CASE("noise: Gumbel and uniform draws are finite and clamped", "[ops][noise]") {
    random_stream rng{4};
    double smallest = 1, largest = 0, gumbel_mean = 0;
    const int n = 100000;
    for (int i = 0; i < n; ++i) {
        const double u = draw_noise(noise_kind::uniform, rng);
        smallest = std::min(smallest, u), largest = std::max(largest, u);
        gumbel_mean += draw_noise(noise_kind::gumbel, rng) / n;
    }
    CHECK(smallest >= uniform_clamp);
    CHECK(largest <= 1 - uniform_clamp);
    const double euler_gamma = 0.5772156649015329, sd = 1.2825498301618641;  // pi / sqrt(6)
    CHECK(std::abs(gumbel_mean - euler_gamma) < 4 * sd / std::sqrt(double(n)));
}

TEST_CASE("noise: a graph with noise refuses to run without a source", "[ops][noise]") {
    basic_parameter<double> mu("mu", 2, 2);
    graph g{sum(param(mu) * noise_like<"z">(noise_kind::uniform, param(mu)))};
    CHECK_THROWS_WITH(g.forward(), Catch::Contains("site 'z' needs noise"));
}
