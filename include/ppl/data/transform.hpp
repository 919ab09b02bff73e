#pragma once
// Changes to the data as a trainer reads it, such as dynamic binarization: each training batch is
// changed with the epoch's own random stream, and the test set once, with a fixed stream.
#include <Eigen/Core>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "ppl/core/random.hpp"
#include "ppl/data/binarize.hpp"

namespace ppl {

/// A change applied in place to some inputs' columns (trainer_options::transform). Training batches
/// are changed with a stream keyed by (seed, epoch), so that every epoch draws afresh and a resumed
/// run draws what the unbroken run drew; the test set is changed once, with a stream of
/// `test_seed` whatever the run's seed, so that every run is scored on the same test data.
struct data_transform {
    std::vector<std::string> inputs{};                                  // the inputs it changes (none: off)
    std::function<void(Eigen::MatrixXf& columns, random_stream& rng)> apply{};
    std::uint64_t test_seed = 20261127;
    std::string description{};                                         // for the run's data line, e.g. "binarized"

    [[nodiscard]] bool changes(std::string_view input) const {
        for (const auto& name : inputs)
            if (name == input) return true;
        return false;
    }
};

/// Dynamic binarization of `input` (intensities in [0, 1]): each pixel becomes 1 with probability
/// equal to its intensity, x ~ Bernoulli(p), redrawn every epoch; the binarized-data workload of
/// the discrete-estimator papers.
[[nodiscard]] inline data_transform dynamic_binarization(std::string input = "x") {
    return {.inputs = {std::move(input)},
            .apply = [](Eigen::MatrixXf& columns, random_stream& rng) { binarize(columns, columns, rng); },
            .description = "binarized"};
}

}  // namespace ppl
