// Tests include/ppl/infer/progress.hpp: off a terminal the bar writes one line per quarter.
#include <catch2/catch.hpp>

#include <ppl/ppl.hpp>
#include <algorithm>
#include <sstream>

using namespace ppl;

TEST_CASE("progress: a log gets a line at every quarter and at the end", "[infer][progress]") {
    std::ostringstream captured;  // not a terminal
    const progress_bar bar("epoch 1", 10, "batches", "neg_elbo", captured);
    for (Eigen::Index done = 1; done <= 10; ++done) bar.update(done, 100.0 / double(done));
    const std::string text = captured.str();
    // quarters of 10 are every 2 batches: 2, 4, 6, 8, 10
    CHECK(std::count(text.begin(), text.end(), '\n') == 5);
    CHECK(text.find("epoch 1 [######") != std::string::npos);
    CHECK(text.find("10/10 batches, neg_elbo 10.00") != std::string::npos);
}
