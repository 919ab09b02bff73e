#pragma once
// ppl's own loops (elementwise ops, grouped softmax, Adam) on a fixed team of threads: OpenMP's,
// whose threads live for the whole program, when compiled with it (CMake option PPL_OPENMP);
// otherwise, or with one loop thread, every loop runs on the calling thread.
#include <Eigen/Core>
#include <algorithm>
#include <utility>

#include "ppl/core/error.hpp"

#ifdef _OPENMP
#include <omp.h>
#endif

namespace ppl {

namespace detail {
inline int& loop_thread_setting() {
    static int threads = 1;
    return threads;
}
}  // namespace detail

/// Sets the threads of ppl's own loops, leaving the matrix products' threads alone (set_threads
/// sets both). Without OpenMP the loops stay on one thread whatever this says.
inline void set_loop_threads(int threads) {
    if (threads < 1) fail("loop thread count ", threads, " must be at least 1");
    detail::loop_thread_setting() = threads;
}

/// The threads ppl's own loops use now (1 without OpenMP).
inline int loop_threads() {
#ifdef _OPENMP
    return detail::loop_thread_setting();
#else
    return 1;
#endif
}

/// Calls f(begin, count) on contiguous pieces covering [0, n), one per loop thread, each at least
/// `min_piece` long (below that a fork costs more than it saves). The pieces are disjoint, so an
/// elementwise f gives the same bits on any number of threads. f must not throw.
template <class F>
inline void parallel_pieces(Eigen::Index n, [[maybe_unused]] Eigen::Index min_piece, F&& f) {
#ifdef _OPENMP
    const Eigen::Index most = n / std::max<Eigen::Index>(min_piece, 1);
    const int threads = static_cast<int>(std::min<Eigen::Index>(loop_threads(), most));
    if (threads > 1 && !omp_in_parallel()) {
#pragma omp parallel num_threads(threads)
        {
            const Eigen::Index t = omp_get_thread_num(), count = omp_get_num_threads();
            const Eigen::Index begin = n * t / count, end = n * (t + 1) / count;
            if (end > begin) f(begin, end - begin);
        }
        return;
    }
#endif
    if (n > 0) f(Eigen::Index{0}, n);
}

/// parallel_pieces over the columns of a rows x cols matrix, pieces of at least `min_entries`
/// entries (about 16k floats by default: below that one thread is faster).
template <class F>
inline void parallel_columns(Eigen::Index rows, Eigen::Index cols, F&& f, Eigen::Index min_entries = 16384) {
    parallel_pieces(cols, (min_entries + std::max<Eigen::Index>(rows, 1) - 1) / std::max<Eigen::Index>(rows, 1),
                    std::forward<F>(f));
}

}  // namespace ppl
