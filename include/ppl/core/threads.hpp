#pragma once
// How many threads the matrix products and ppl's own loops use.
#include <Eigen/Core>

#include "ppl/core/error.hpp"
#include "ppl/core/parallel.hpp"

#ifdef PPL_HAVE_OPENBLAS
extern "C" void openblas_set_num_threads(int);
extern "C" int openblas_get_num_threads(void);
#endif

namespace ppl {

/// Sets the threads of training: the matrix products' and ppl's own loops'. With OpenMP (CMake
/// option PPL_OPENMP) ppl's thread team runs both, each product's columns split among the team and
/// OpenBLAS single-threaded inside it: two pools of spinning threads on the same cores would fight.
/// Without OpenMP, OpenBLAS (or Eigen) runs the products on its own threads.
inline void set_threads(int threads) {
    if (threads < 1) fail("thread count ", threads, " must be at least 1");
    set_loop_threads(threads);
#ifdef _OPENMP
    const int product_threads = 1;
#else
    const int product_threads = threads;
#endif
#ifdef PPL_HAVE_OPENBLAS
    openblas_set_num_threads(product_threads);
#endif
    Eigen::setNbThreads(product_threads);
}

/// The threads training uses now.
inline int threads() {
#ifdef _OPENMP
    return loop_threads();
#elif defined(PPL_HAVE_OPENBLAS)
    return openblas_get_num_threads();
#else
    return Eigen::nbThreads();
#endif
}

}  // namespace ppl
