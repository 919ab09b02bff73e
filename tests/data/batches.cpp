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
