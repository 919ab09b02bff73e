#pragma once
// How many threads the matrix products use.
#include <Eigen/Core>

#include "ppl/core/error.hpp"

#ifdef PPL_HAVE_OPENBLAS
extern "C" void openblas_set_num_threads(int);
extern "C" int openblas_get_num_threads(void);
#endif

namespace ppl {

/// Sets the threads used by matrix products (OpenBLAS when ppl routes products to it, else Eigen).
inline void set_threads(int threads) {
    if (threads < 1) fail("thread count ", threads, " must be at least 1");
#ifdef PPL_HAVE_OPENBLAS
    openblas_set_num_threads(threads);
#endif
    Eigen::setNbThreads(threads);
}

/// The threads matrix products use now.
inline int threads() {
#ifdef PPL_HAVE_OPENBLAS
    return openblas_get_num_threads();
#else
    return Eigen::nbThreads();
#endif
}

}  // namespace ppl
