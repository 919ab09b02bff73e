// Tests include/ppl/dist/categorical.hpp, including Gumbel-max sampling.
#include <boost/math/distributions/chi_squared.hpp>

#include "support/distribution_checks.hpp"

using namespace ppl;
using namespace ppl::testing;

TEST_CASE("categorical: grouped log_prob value and gradient", "[dist][categorical]") {
    const dmatrix logits = random_matrix(6, 2, -2, 2, 1);
    dmatrix x = dmatrix::Zero(6, 2);
    x(1, 0) = x(3, 0) = x(2, 1) = x(5, 1) = 1;  // one class in each of 2 groups of 3
    check_gradient<2>([](auto l, auto v) { return log_prob(categorical(l, 2), v); }, {logits, x}, [](const auto& in) {
        dmatrix out(6, 2);
        for (Eigen::Index j = 0; j < 2; ++j)
            for (Eigen::Index g = 0; g < 6; g += 3) {
                double norm = 0;
                for (Eigen::Index k = g; k < g + 3; ++k) norm += std::exp(in[0](k, j));
                for (Eigen::Index k = g; k < g + 3; ++k) out(k, j) = in[1](k, j) * (in[0](k, j) - std::log(norm));
            }
        return out;
    });
}

TEST_CASE("categorical: Gumbel-max draws match softmax(logits) by a chi-square test", "[dist][categorical]") {
    const Eigen::Index draws = 20000, classes = 5;
    dparameter logits("logits", classes, draws);
    const double values[classes] = {1.0, -0.5, 0.3, 2.0, -1.5};
    for (Eigen::Index k = 0; k < classes; ++k) logits.value.row(k).setConstant(values[k]);
    graph g{sum(let<"c">(categorical_family::draw<"c">({1, 0}, param(logits))))};
    random_stream rng{2024};
    g.forward(stream_noise{&rng});
    const dmatrix counts = g.value<"c">().rowwise().sum();
    CHECK(counts.sum() == draws);  // exactly one class per draw
    double norm = 0;
    for (double v : values) norm += std::exp(v);
    double chi_square = 0;
    for (Eigen::Index k = 0; k < classes; ++k) {
        const double expected = draws * std::exp(values[k]) / norm;
        chi_square += (counts(k) - expected) * (counts(k) - expected) / expected;
    }
    const double critical = boost::math::quantile(boost::math::chi_squared(classes - 1), 0.999);
    INFO("chi-square " << chi_square << " against the 0.999 quantile " << critical);
    CHECK(chi_square < critical);
}

TEST_CASE("categorical: NaN logits and bad groupings are refused", "[dist][categorical]") {
    dparameter logits("logits", 6, 1);
    logits.value(4, 0) = std::nan("");
    graph g{sum(log_prob(categorical(param(logits), 2), param(logits)))};
    CHECK_THROWS_WITH(g.forward(), Catch::Contains("categorical logits is nan"));
    CHECK_THROWS_WITH(categorical(param(logits), 0), Catch::Contains("positive number of groups"));
    dparameter odd("odd", 7, 1);
    graph bad{sum(log_prob(categorical(param(odd), 2), param(odd)))};
    CHECK_THROWS_WITH(bad.forward(), Catch::Contains("log_softmax") && Catch::Contains("2 groups"));
}
