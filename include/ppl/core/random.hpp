#pragma once
// A seeded random stream with the same sequence on every platform (PCG32 plus our own transforms).
#include <bit>
#include <cmath>
#include <cstdint>
#include <istream>
#include <numbers>
#include <ostream>
#include <pcg_random.hpp>

namespace ppl {

/// Seeded PCG32 stream. Draws are defined by this header alone, not by the standard library's
/// distributions, so a seed gives the same numbers with any compiler.
class random_stream {
public:
    explicit random_stream(std::uint64_t seed = 0, std::uint64_t stream = 0) : engine_(seed, stream) {}

    /// 32 random bits.
    std::uint32_t bits() { return engine_(); }

    /// Uniform on the open interval (0, 1): never exactly 0 or 1, so log(u) is always finite.
    double uniform() {
        const std::uint64_t high = engine_(), low = engine_();
        const std::uint64_t mantissa = ((high << 32) | low) >> 11;  // 53 bits
        return (static_cast<double>(mantissa) + 0.5) * 0x1.0p-53;
    }

    /// Standard normal by the Box-Muller transform: z = sqrt(-2 log u1) cos(2 pi u2).
    double normal() {
        if (has_spare_) {
            has_spare_ = false;
            return spare_;
        }
        const double radius = std::sqrt(-2.0 * std::log(uniform()));
        const double angle = 2.0 * std::numbers::pi * uniform();
        spare_ = radius * std::sin(angle);
        has_spare_ = true;
        return radius * std::cos(angle);
    }

    /// A uniform integer in [0, n).
    std::uint32_t below(std::uint32_t n) { return engine_(n); }

    // The spare normal is saved as its bit pattern, so a restored stream continues exactly.
    friend std::ostream& operator<<(std::ostream& out, const random_stream& r) {
        return out << r.engine_ << ' ' << r.has_spare_ << ' ' << std::bit_cast<std::uint64_t>(r.spare_);
    }
    friend std::istream& operator>>(std::istream& in, random_stream& r) {
        std::uint64_t spare_bits = 0;
        in >> r.engine_ >> r.has_spare_ >> spare_bits;
        r.spare_ = std::bit_cast<double>(spare_bits);
        return in;
    }
    friend bool operator==(const random_stream&, const random_stream&) = default;

private:
    pcg32 engine_;
    bool has_spare_ = false;
    double spare_ = 0;
};

}  // namespace ppl
