#pragma once
// The estimators' state between steps (baselines, rebar's learned eta and tau, relax's network)
// in a checkpoint, as bit patterns, so that a resumed run continues exactly.
#include <Eigen/Core>
#include <bit>
#include <cstdint>
#include <span>
#include <sstream>
#include <string>

#include "ppl/core/compilation.hpp"
#include "ppl/core/error.hpp"
#include "ppl/estimators/score_function.hpp"
#include "ppl/nn/checkpoint.hpp"

namespace ppl {


/// Stores every site's estimator state under "baselines", "control_variates" and "control_networks".
PPL_INLINE void store_estimator_state(checkpoint& c, std::span<const baseline_state> states);

/// Restores what store_estimator_state saved (checkpoints without the control entries restore the
/// baselines only); a damaged entry is a ppl::error that names it.
PPL_INLINE void restore_estimator_state(const checkpoint& c, std::span<baseline_state> states);

#if PPL_DEFINITIONS
namespace detail {
inline void put_bits(std::ostream& out, double v) { out << std::bit_cast<std::uint64_t>(v) << ' '; }
inline void get_bits(std::istream& in, double& v) {
    std::uint64_t bits = 0;
    in >> bits;
    v = std::bit_cast<double>(bits);
}
}  // namespace detail

PPL_INLINE void store_estimator_state(checkpoint& c, std::span<const baseline_state> states) {
    std::ostringstream baselines, controls, networks;
    for (const auto& s : states) {
        detail::put_bits(baselines, s.value);
        baselines << s.started << ' ';
        const auto& cv = s.control;
        for (const double v : {cv.eta, cv.log_tau, cv.first_moment[0], cv.first_moment[1], cv.second_moment[0], cv.second_moment[1]})
            detail::put_bits(controls, v);
        controls << cv.steps << ' ';
        networks << cv.network.size() << ' ' << cv.network_steps << ' ';
        for (const Eigen::VectorXd* v : {&cv.network, &cv.network_first_moment, &cv.network_second_moment})
            for (Eigen::Index k = 0; k < cv.network.size(); ++k) detail::put_bits(networks, (*v)(k));
    }
    c.text["baselines"] = baselines.str();
    c.text["control_variates"] = controls.str();
    c.text["control_networks"] = networks.str();
}

PPL_INLINE void restore_estimator_state(const checkpoint& c, std::span<baseline_state> states) {
    std::istringstream baselines(c.value("baselines"));
    for (auto& s : states) {
        detail::get_bits(baselines, s.value);
        baselines >> s.started;
    }
    if (!baselines) fail("the checkpoint's baselines entry is damaged");
    if (c.text.contains("control_variates")) {
        std::istringstream in(c.value("control_variates"));
        for (auto& s : states) {
            auto& cv = s.control;
            for (double* v : {&cv.eta, &cv.log_tau, &cv.first_moment[0], &cv.first_moment[1], &cv.second_moment[0], &cv.second_moment[1]})
                detail::get_bits(in, *v);
            in >> cv.steps;
        }
        if (!in) fail("the checkpoint's control_variates entry is damaged");
    }
    if (c.text.contains("control_networks")) {
        std::istringstream in(c.value("control_networks"));
        for (auto& s : states) {
            auto& cv = s.control;
            Eigen::Index size = -1;
            in >> size >> cv.network_steps;
            if (!in || size < 0 || size > (Eigen::Index{1} << 30)) fail("the checkpoint's control_networks entry is damaged");
            for (Eigen::VectorXd* v : {&cv.network, &cv.network_first_moment, &cv.network_second_moment}) {
                v->resize(size);
                for (Eigen::Index k = 0; k < size; ++k) detail::get_bits(in, (*v)(k));
            }
        }
        if (!in) fail("the checkpoint's control_networks entry is damaged");
    }
}
#endif  // PPL_DEFINITIONS

}  // namespace ppl
