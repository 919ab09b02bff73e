#!/usr/bin/env bash
# Compile-time benchmark: wall time and peak memory of compiling examples/vae.cpp with g++ -O2
# (the flags CMake uses for ppl's own programs, at -O2). Usage: bench/compile_time.sh [runs]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
command -v /usr/bin/time > /dev/null || { echo "needs /usr/bin/time (Debian package 'time')"; exit 1; }
flags=(-std=c++20 -O2 -march=native -mno-avx512f -DEIGEN_USE_BLAS -DPPL_HAVE_OPENBLAS
       -Iinclude -Iexamples -isystem /usr/include/eigen3 -c examples/vae.cpp -o /tmp/ppl_compile_time_vae.o)
for i in $(seq "$runs"); do
  /usr/bin/time -f "run $i: %e s wall, %M KiB peak resident" g++ "${flags[@]}"
done 2>&1 | grep '^run'
