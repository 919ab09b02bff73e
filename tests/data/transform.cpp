// Tests include/ppl/data/transform.hpp: dynamic binarization as a data transform.
#include <catch2/catch.hpp>

#include <ppl/ppl.hpp>

using namespace ppl;

TEST_CASE("dynamic_binarization: x ~ Bernoulli(intensity) in place, by the given stream", "[data][transform]") {
    const data_transform t = dynamic_binarization("pixels");
    CHECK(t.changes("pixels"));
    CHECK(!t.changes("x"));
    CHECK(t.description == "binarized");
    Eigen::MatrixXf a = Eigen::MatrixXf::Constant(50, 200, 0.25f);
    a.col(0).setZero(), a.col(1).setOnes();
    Eigen::MatrixXf b = a;
    random_stream r1{9, 5}, r2{9, 5};
    t.apply(a, r1);
    binarize(b, b, r2);
    CHECK(a == b);  // the library's binarize, in place
    CHECK((a.array() == 0 || a.array() == 1).all());
    CHECK(a.col(0).isZero());
    CHECK(a.col(1).isOnes());
    const double ones = a.rightCols(198).mean();
    CHECK(std::abs(ones - 0.25) < 4 * std::sqrt(0.25 * 0.75 / (50 * 198)));  // within 4 standard errors
}
