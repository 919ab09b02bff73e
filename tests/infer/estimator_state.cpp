// Tests include/ppl/infer/estimator_state.hpp: the estimators' state survives a checkpoint bit
// for bit, and a damaged entry is a ppl::error.
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <ppl/ppl.hpp>

using namespace ppl;

namespace {
baseline_state example_state(double seed) {
    baseline_state s;
    s.value = seed / 3, s.started = true;
    s.control.eta = -seed / 7, s.control.log_tau = std::log(seed), s.control.steps = 12;
    s.control.first_moment = {seed * 1e-3, -1e-300}, s.control.second_moment = {std::nextafter(seed, 0.0), 0.5};
    s.control.network = Eigen::VectorXd::LinSpaced(5, -seed, seed);
    s.control.network_first_moment = s.control.network / 9, s.control.network_second_moment = s.control.network.cwiseAbs2();
    s.control.network_steps = 40;
    return s;
}
}  // namespace

TEST_CASE("estimator state: baselines, control variates and networks round-trip exactly", "[infer][estimator_state]") {
    const std::array<baseline_state, 2> saved{example_state(1.1), example_state(2.9)};
    checkpoint c;
    store_estimator_state(c, saved);
    const auto file = std::filesystem::temp_directory_path() / "ppl_estimator_state.ppl";
    save_checkpoint(file.string(), c);
    std::array<baseline_state, 2> restored{};
    restore_estimator_state(load_checkpoint(file.string()), restored);
    for (std::size_t k = 0; k < 2; ++k) {
        CHECK(restored[k].value == saved[k].value);
        CHECK(restored[k].started);
        CHECK(restored[k].control.eta == saved[k].control.eta);
        CHECK(restored[k].control.log_tau == saved[k].control.log_tau);
        CHECK(restored[k].control.first_moment == saved[k].control.first_moment);
        CHECK(restored[k].control.second_moment == saved[k].control.second_moment);
        CHECK(restored[k].control.steps == 12);
        CHECK(restored[k].control.network == saved[k].control.network);
        CHECK(restored[k].control.network_first_moment == saved[k].control.network_first_moment);
        CHECK(restored[k].control.network_second_moment == saved[k].control.network_second_moment);
        CHECK(restored[k].control.network_steps == 40);
    }
}

TEST_CASE("estimator state: a missing or damaged entry is a ppl::error that names it", "[infer][estimator_state]") {
    std::array<baseline_state, 1> states{};
    checkpoint empty;
    CHECK_THROWS_WITH(restore_estimator_state(empty, states), Catch::Contains("no value 'baselines'"));
    checkpoint damaged;
    store_estimator_state(damaged, std::array<baseline_state, 1>{example_state(1.5)});
    damaged.text["control_networks"] = "5 40 1 2";
    CHECK_THROWS_WITH(restore_estimator_state(damaged, states), Catch::Contains("control_networks entry is damaged"));
    damaged.text.erase("baselines");
    damaged.text.emplace("baselines", std::string(1, 'x'));  // (operator= of a literal trips g++ 12's -Wrestrict)
    CHECK_THROWS_WITH(restore_estimator_state(damaged, states), Catch::Contains("baselines entry is damaged"));
}
