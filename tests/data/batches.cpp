// Tests include/ppl/data/batches.hpp.
#include <catch2/catch.hpp>

#include <set>
#include <ppl/ppl.hpp>

using namespace ppl;

TEST_CASE("batches: a seeded shuffle visits every column once per epoch", "[data][batches]") {
    Eigen::MatrixXf data(1, 10);
    for (int j = 0; j < 10; ++j) data(0, j) = static_cast<float>(j);
    batches a(data, 3), b(data, 3);
    CHECK(a.count() == 3);  // the partial last batch is dropped
    random_stream r1{5}, r2{5};
    a.shuffle(r1);
    b.shuffle(r2);
    std::set<float> seen;
    for (Eigen::Index k = 0; k < a.count(); ++k) {
        const Eigen::MatrixXf first = a.get(k);
        CHECK(first == b.get(k));  // same seed, same order
        for (int j = 0; j < 3; ++j) seen.insert(first(0, j));
    }
    CHECK(seen.size() == 9);
    CHECK_THROWS_WITH(batches(data, 0), Catch::Contains("batch size 0"));
    CHECK_THROWS_WITH(batches(data, 11), Catch::Contains("batch size 11"));
}

TEST_CASE("batches: several inputs are shuffled with one permutation", "[data][batches]") {
    Eigen::MatrixXf x(2, 12), y(1, 12);
    for (int j = 0; j < 12; ++j) x(0, j) = float(j), x(1, j) = float(100 + j), y(0, j) = float(-j);
    batches both({x, y}, 4), alone(x, 4);
    random_stream r1{9}, r2{9};
    both.shuffle(r1);
    alone.shuffle(r2);
    std::set<float> seen;
    for (Eigen::Index k = 0; k < both.count(); ++k) {
        const Eigen::MatrixXf xs = both.get(k);
        const Eigen::MatrixXf& ys = both.input(1);
        CHECK(xs == both.input(0));
        CHECK(xs == alone.get(k));  // the same order as one input with the same seed
        for (int j = 0; j < 4; ++j) {
            CHECK(ys(0, j) == -xs(0, j));  // column j of y still belongs to column j of x
            CHECK(xs(1, j) == xs(0, j) + 100);
            seen.insert(xs(0, j));
        }
    }
    CHECK(seen.size() == 12);
    CHECK_THROWS_WITH(both.input(2), Catch::Contains("input 2 does not exist"));
    CHECK_THROWS_WITH(both.get(3), Catch::Contains("batch 3 does not exist"));
    const Eigen::MatrixXf short_y(1, 11);
    CHECK_THROWS_WITH(batches({x, short_y}, 4), Catch::Contains("input 1 has 11 columns"));
}
