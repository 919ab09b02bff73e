// Tests include/ppl/data/binarize.hpp.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <ppl/data/binarize.hpp>

using namespace ppl;

TEST_CASE("binarize: exact zeros and ones, with mean equal to the intensity", "[data][binarize]") {
    const Eigen::Index n = 200000;
    Eigen::MatrixXf p(4, n);
    p.row(0).setConstant(0.0f), p.row(1).setConstant(1.0f), p.row(2).setConstant(0.3f), p.row(3).setConstant(0.95f);
    Eigen::MatrixXf x(4, n);
    random_stream rng{3};
    binarize(p, x, rng);
    CHECK((x.array() == 0 || x.array() == 1).all());
    CHECK(x.row(0).sum() == 0);
    CHECK(x.row(1).sum() == n);
    for (int r : {2, 3}) {
        const double q = p(r, 0), mean = x.row(r).cast<double>().mean(), se = std::sqrt(q * (1 - q) / double(n));
        INFO("row " << r << ": mean " << mean << ", intensity " << q << ", SE " << se);
        CHECK(std::abs(mean - q) < 4 * se);
    }
}

TEST_CASE("binarize: the same seed gives the same draw, in place too", "[data][binarize]") {
    Eigen::MatrixXf p = (Eigen::MatrixXf::Random(5, 7).array() + 1) / 2, a(5, 7);
    random_stream r1{9}, r2{9};
    binarize(p, a, r1);
    binarize(p, p, r2);
    CHECK(a == p);
}

TEST_CASE("binarize: intensities outside [0, 1], NaN, or a wrong output shape are refused", "[data][binarize]") {
    Eigen::MatrixXf p = Eigen::MatrixXf::Constant(2, 2, 0.5f), out(2, 2), small(1, 2);
    random_stream rng{1};
    p(1, 0) = 1.5f;
    CHECK_THROWS_WITH(binarize(p, out, rng), Catch::Contains("intensity 1.5 at row 1, column 0"));
    p(1, 0) = std::numeric_limits<float>::quiet_NaN();
    CHECK_THROWS_WITH(binarize(p, out, rng), Catch::Contains("is not in [0, 1]"));
    p(1, 0) = 0.5f;
    CHECK_THROWS_WITH(binarize(p, small, rng), Catch::Contains("output is 1x2"));
}
