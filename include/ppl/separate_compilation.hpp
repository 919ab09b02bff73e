#pragma once
// Compiles ppl's model-independent functions once for a program built with PPL_SEPARATE_COMPILATION
// (see ppl/core/compilation.hpp): include this header in exactly one .cpp file of the program,
// before any other ppl header.
#ifndef PPL_SEPARATE_COMPILATION
#error "ppl/separate_compilation.hpp is for programs built with PPL_SEPARATE_COMPILATION defined in every translation unit"
#endif
#ifdef PPL_DEFINITIONS
#error "include ppl/separate_compilation.hpp before any other ppl header, so that it sees their definitions"
#endif
#define PPL_COMPILING_DEFINITIONS
#include "ppl/ppl.hpp"
