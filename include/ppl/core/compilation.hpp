#pragma once
// How ppl's model-independent functions are compiled. ppl is header-only: by default every
// function is inline and compiled where it is used. The functions that do not depend on a model's
// type (checkpoint and data files, the training loop's bookkeeping) may instead be compiled once
// for a whole program, which saves each translation unit that trains a model several seconds:
//   - define PPL_SEPARATE_COMPILATION in every translation unit of the program (a compile
//     definition of the target), and
//   - include <ppl/separate_compilation.hpp> in exactly one .cpp file, before any other ppl header.
// Such a function is declared PPL_INLINE near the top of its header, and defined below, under
// #if PPL_DEFINITIONS.
#ifdef PPL_SEPARATE_COMPILATION
#define PPL_INLINE
#ifdef PPL_COMPILING_DEFINITIONS
#define PPL_DEFINITIONS 1
#else
#define PPL_DEFINITIONS 0
#endif
#else
#define PPL_INLINE inline
#define PPL_DEFINITIONS 1
#endif
