#pragma once
// A progress bar on standard error for long loops, e.g. "epoch 3 [####....] 120/468 batches, neg_elbo 101.23".
#include <unistd.h>

#include <Eigen/Core>
#include <algorithm>
#include <iomanip>
#include <iostream>
#include <string>
#include <string_view>
#include <utility>

namespace ppl {

/// Redrawn in place on a terminal; on a pipe or file, one line at every quarter, so that logs stay short.
class progress_bar {
public:
    /// Draws on `out`, standard error unless given.
    progress_bar(std::string label, Eigen::Index total, std::string unit, std::string value_name, std::ostream& out = std::cerr)
        : label_(std::move(label)), unit_(std::move(unit)), value_name_(std::move(value_name)), out_(&out),
          total_(std::max<Eigen::Index>(total, 1)), terminal_(&out == &std::cerr && isatty(STDERR_FILENO) != 0) {}

    /// Shows `done` of the total and the running value of the loop.
    void update(Eigen::Index done, double running_value) const {
        const Eigen::Index quarter = std::max<Eigen::Index>(total_ / 4, 1);
        if (!terminal_ && done % quarter != 0 && done != total_) return;
        // the bar's characters from constant buffers: an update allocates nothing
        static constexpr std::string_view hashes = "##############################", dots = "..............................";
        constexpr int width = static_cast<int>(hashes.size());
        const int filled = static_cast<int>(width * std::min(done, total_) / total_);
        *out_ << (terminal_ ? "\r" : "") << "  " << label_ << " [" << hashes.substr(0, static_cast<std::size_t>(filled))
                  << dots.substr(0, static_cast<std::size_t>(width - filled)) << "] " << done << "/" << total_ << " "
                  << unit_ << ", " << value_name_ << " " << std::fixed << std::setprecision(2) << running_value
                  << std::defaultfloat << (terminal_ ? "" : "\n") << std::flush;
        static constexpr std::string_view blank =
            "                                                                                                    ";
        if (terminal_ && done == total_) *out_ << "\r" << blank << "\r" << std::flush;
    }

private:
    std::string label_, unit_, value_name_;
    std::ostream* out_;
    Eigen::Index total_;
    bool terminal_;
};

}  // namespace ppl
