#pragma once
// Runtime shapes (rows x cols, features x batch), checked once at bind time.
#include <Eigen/Core>
#include <ostream>

namespace ppl {

/// A matrix shape. Values are laid out features x batch: one column per sample.
struct shape {
    Eigen::Index rows = 0;
    Eigen::Index cols = 0;
    friend constexpr bool operator==(const shape&, const shape&) = default;
    friend std::ostream& operator<<(std::ostream& out, const shape& s) {
        return out << s.rows << 'x' << s.cols;
    }
};

/// The shape of an Eigen matrix or map.
template <class Matrix>
[[nodiscard]] inline shape shape_of(const Matrix& m) {
    return {m.rows(), m.cols()};
}

}  // namespace ppl
