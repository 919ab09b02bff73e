// Tests include/ppl/ops/matching.hpp: the Hungarian method against every permutation, the
// permutation matrix it writes, and its straight-through backward.
#include <algorithm>
#include <numeric>

#include "support/gradient_checker.hpp"

using namespace ppl;
using namespace ppl::testing;

TEST_CASE("matching: the Hungarian method finds the best of all n! assignments", "[ops][matching]") {
    ops::assignment_scratch scratch;
    for (Eigen::Index n = 1; n <= 7; ++n)
        for (std::uint64_t seed = 0; seed < 30; ++seed) {
            const dmatrix score = random_matrix(n, n, -5, 5, 100 * static_cast<std::uint64_t>(n) + seed);
            ops::best_assignment(n, [&](Eigen::Index r, Eigen::Index c) { return score(r, c); }, scratch);
            double found = 0;
            std::vector<Eigen::Index> used = scratch.column_of;
            for (Eigen::Index r = 0; r < n; ++r) found += score(r, scratch.column_of[static_cast<std::size_t>(r)]);
            std::sort(used.begin(), used.end());
            for (Eigen::Index c = 0; c < n; ++c) CHECK(used[static_cast<std::size_t>(c)] == c);  // a permutation
            std::vector<Eigen::Index> pi(static_cast<std::size_t>(n));
            std::iota(pi.begin(), pi.end(), Eigen::Index{0});
            double best = -1e300;
            do {
                double total = 0;
                for (Eigen::Index r = 0; r < n; ++r) total += score(r, pi[static_cast<std::size_t>(r)]);
                best = std::max(best, total);
            } while (std::next_permutation(pi.begin(), pi.end()));
            INFO("n " << n << ", seed " << seed);
            CHECK(found == Approx(best).epsilon(1e-12));
        }
}

TEST_CASE("matching: a permutation matrix forward, dy * exp(a) backward", "[ops][matching]") {
    const Eigen::Index n = 4;
    dparameter a("a", n * n, 2);
    a.value = random_matrix(n * n, 2, -1, 1, 6);
    dmatrix weights = random_matrix(n * n, 2, -1, 1, 7);
    graph g{sum(let<"p">(matching(param(a), n)) * input<"w">())};
    g.set<"w">(weights);
    g.forward();
    g.backward();
    for (Eigen::Index j = 0; j < 2; ++j) {
        const dmatrix p = Eigen::Map<const dmatrix>(g.value<"p">().col(j).data(), n, n);
        CHECK((p.rowwise().sum().array() == 1).all());
        CHECK((p.colwise().sum().array() == 1).all());
    }
    CHECK((a.grad - dmatrix(weights.array() * a.value.array().exp())).cwiseAbs().maxCoeff() < 1e-14);
    check_shape_error<1>([](auto x) { return matching(x, 3); }, {shape{10, 1}}, "matching");
    a.value(5, 1) = std::numeric_limits<double>::infinity();  // no best assignment: an error, not a hang
    CHECK_THROWS_WITH(g.forward(), Catch::Contains("matching: a score is not finite"));
}
