// Tests include/ppl/infer/elbo.hpp and core/schedule.hpp on the largest model of the compile-time
// benchmark: 16 sites of five kinds (bench/compile/generate_model.py 16, generated at build time).
#include <catch2/catch.hpp>

#include <sstream>
#include <string>

#include "generated/model_16.hpp"
#include "support/gradient_checker.hpp"

using namespace ppl;
using ppl_generated::site_count;
using ppl_generated::site_kinds;

namespace {

using model_type = ppl_generated::model<double>;
constexpr Eigen::Index batch_size = 5;

Eigen::MatrixXd batch() {
    return testing::random_matrix(ppl_generated::features, batch_size, -1, 1, 99);
}

// Noise for every site, shaped as each kind needs it, from a fixed seed.
fixed_noise<Eigen::MatrixXd> site_noise() {
    fixed_noise<Eigen::MatrixXd> noise;
    random_stream rng{2024};
    for (std::size_t i = 0; i < site_count; ++i) {
        const std::string_view kind = site_kinds[i];
        const Eigen::Index rows = kind == "normal" ? 4 : kind == "poisson" ? 1 : 6;
        Eigen::MatrixXd e(rows, batch_size);
        for (Eigen::Index k = 0; k < e.size(); ++k)
            e(k) = kind == "normal" ? rng.normal() : kind == "poisson" ? rng.uniform() : draw_noise(noise_kind::gumbel, rng);
        std::ostringstream name;  // (g++ 12 -O3 false-flags "z" + std::to_string(i) with -Wrestrict)
        name << 'z' << i;
        noise.by_site.emplace_back(name.str(), e);
    }
    return noise;
}

// The layer names whose gradient is the exact derivative of the fixed-noise loss: decoders,
// Normal sites and Gumbel-softmax sites. Straight-through and score-function gradients are
// estimators by design (not derivatives of the value), and the shared encoder feeds them.
bool exact(const std::string& name) {
    const std::string layer = name.substr(0, name.find('.'));
    if (layer == "enc") return false;
    const std::size_t site = std::stoul(layer.substr(1));
    const std::string_view kind = site_kinds[site];
    return layer[0] == 'd' || kind == "normal" || kind == "gumbel_softmax";
}

}  // namespace

TEST_CASE("many sites: describe() prints one line per site, with the chosen estimator", "[infer][many_sites]") {
    model_type m;
    std::istringstream lines(describe(m.objective));
    std::string line;
    std::size_t count = 0;
    for (; std::getline(lines, line); ++count) {
        REQUIRE(count < site_count);
        const std::string_view kind = site_kinds[count];
        const std::string dist = kind == "normal" ? "normal" : kind == "poisson" ? "poisson" : "categorical";
        const std::string estimator = kind == "normal" ? "pathwise" : kind == "poisson" ? "score_function" : std::string(kind);
        const std::string kl = kind == "poisson" ? "monte_carlo" : "analytic";
        std::ostringstream expected;
        expected << "site=z" << count << " dist=" << dist << " estimator=" << estimator << " kl=" << kl;
        CHECK(line == expected.str());
    }
    CHECK(count == site_count);
}

TEST_CASE("many sites: gradients with fixed noise match central finite differences", "[infer][many_sites]") {
    model_type m;
    const Eigen::MatrixXd x = batch();
    const auto noise = site_noise();
    const step_options options{.tau = 0.7};
    m.objective.value_and_grad(x, noise, options);
    std::vector<testing::dparameter*> probed;
    std::vector<Eigen::MatrixXd> analytic;
    for (auto* p : m.objective.parameters())
        if (exact(p->name)) probed.push_back(p), analytic.push_back(p->grad);
    std::size_t exact_layers = 0;  // Normal: m, s, d; Gumbel-softmax: c, d; the others: d
    for (std::string_view kind : site_kinds) exact_layers += kind == "normal" ? 3 : kind == "gumbel_softmax" ? 2 : 1;
    CHECK(probed.size() == 2 * exact_layers);  // a weight and a bias each
    testing::check_options tolerance;
    tolerance.gradient_tolerance = 1e-5;
    testing::check_finite_differences([&] { return m.objective.forward(x, noise, options).loss; }, probed, analytic,
                                      tolerance, 6);
}

TEST_CASE("many sites: 50 Adam steps lower the -ELBO and stay finite", "[infer][many_sites]") {
    model_type m;
    basic_adam<double> opt{m.objective.parameters(), {.lr = 1e-2}};
    random_stream rng{5};
    const Eigen::MatrixXd x = batch();
    double first = 0, last = 0;
    for (int step = 0; step < 50; ++step) {
        const step_result r = m.objective.value_and_grad(x, rng, {.tau = 0.7});
        REQUIRE(std::isfinite(r.neg_elbo));
        opt.step();
        if (step < 10) first += r.neg_elbo / 10;
        if (step >= 40) last += r.neg_elbo / 10;
    }
    INFO("mean -ELBO over steps 1-10: " << first << ", over steps 41-50: " << last);
    CHECK(last < first);
}
