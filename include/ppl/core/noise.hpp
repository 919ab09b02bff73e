#pragma once
// Noise sources: what fills a random site's noise buffer on each forward pass.
#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ppl/core/error.hpp"
#include "ppl/core/random.hpp"

namespace ppl {

/// The parameter-free base distribution a site draws its noise from.
enum class noise_kind {
    uniform,          // u ~ U(0, 1), clamped into [eps, 1 - eps]
    standard_normal,  // e ~ N(0, 1)
    gumbel,           // g = -log(-log u) ~ Gumbel(0, 1), u clamped as above
    logistic,         // l = log u - log(1 - u) ~ Logistic(0, 1)
    laplace,          // w = u - 1/2, l = -sign(w) log(1 - 2|w|) ~ Laplace(0, 1)
    exponential,      // e = -log u ~ Exp(1)
};

/// The clamp for uniforms feeding log transforms: u in [eps, 1 - eps], so log u and log(1 - u)
/// stay finite in float as well as in double.
inline constexpr double uniform_clamp = 1e-7;

/// Draws one noise value of the given kind.
inline double draw_noise(noise_kind kind, random_stream& rng) {
    switch (kind) {
        case noise_kind::standard_normal:
            return rng.normal();
        case noise_kind::gumbel:
            return -std::log(-std::log(std::clamp(rng.uniform(), uniform_clamp, 1 - uniform_clamp)));
        case noise_kind::logistic: {
            const double u = std::clamp(rng.uniform(), uniform_clamp, 1 - uniform_clamp);
            return std::log(u) - std::log1p(-u);
        }
        case noise_kind::laplace: {
            const double w = std::clamp(rng.uniform(), uniform_clamp, 1 - uniform_clamp) - 0.5;
            return (w < 0 ? 1.0 : -1.0) * std::log1p(-2 * std::abs(w));
        }
        case noise_kind::exponential:
            return -std::log(std::clamp(rng.uniform(), uniform_clamp, 1 - uniform_clamp));
        case noise_kind::uniform:
        default:
            return std::clamp(rng.uniform(), uniform_clamp, 1 - uniform_clamp);
    }
}

/// Fills noise buffers from a seeded stream, in the graph's evaluation order.
struct stream_noise {
    random_stream* rng;
    template <class Matrix>
    void fill(std::string_view, noise_kind kind, Matrix& m) const {
        using scalar = typename Matrix::Scalar;
        for (Eigen::Index i = 0; i < m.size(); ++i) m(i) = static_cast<scalar>(draw_noise(kind, *rng));
    }
};

/// Noise given in advance, per site name: for tests, and for reproducing another framework's run.
/// Each site's matrix must have the shape of that site's noise.
template <class Matrix = Eigen::MatrixXf>
struct fixed_noise {
    std::vector<std::pair<std::string, Matrix>> by_site;

    template <class Target>
    void fill(std::string_view site, noise_kind, Target& m) const {
        for (const auto& [name, value] : by_site)
            if (name == site) {
                if (value.rows() != m.rows() || value.cols() != m.cols())
                    fail("fixed noise for site '", site, "' is ", value.rows(), "x", value.cols(), " but the site needs ",
                         m.rows(), "x", m.cols());
                m = value.template cast<typename Target::Scalar>();
                return;
            }
        fail("no fixed noise was given for site '", site, "'");
    }
};

namespace detail {

/// Any noise source behind one function pointer: the graph's rules are compiled once, whatever
/// source a caller passes to forward().
template <class Scalar>
struct noise_fill {
    using matrix = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>;
    const void* source = nullptr;
    void (*fill_from)(const void*, std::string_view, noise_kind, matrix&) = nullptr;

    template <class Source>
    [[nodiscard]] static noise_fill of(const Source& s) {
        return {&s, [](const void* p, std::string_view site, noise_kind kind, matrix& out) {
                    static_cast<const Source*>(p)->fill(site, kind, out);
                }};
    }
    void fill(std::string_view site, noise_kind kind, matrix& out) const { fill_from(source, site, kind, out); }
};

}  // namespace detail

}  // namespace ppl
