#!/usr/bin/env bash
# The speed-up of Gumbel-softmax over exact enumeration: the step time of the semi-supervised VAE's
# unlabelled half with its class enumerated and relaxed, at 10, 20, 50 and 100 classes (one thread,
# batch 100, the two steps alternating; medians). Writes docs/benchmarks/enumerate_speedup.csv and
# .png, and prints the table docs/benchmarks.md shows.
#
# Usage: bench/enumerate_speedup.sh [--classes "10 20 50 100"] [--repeats 15] [--build build/release] [--docs docs]
set -euo pipefail
cd "$(dirname "$0")/.."
classes="10 20 50 100" repeats=15 build=build/release docs=docs
while [ $# -gt 0 ]; do
  case "$1" in
    --classes) classes="$2"; shift 2 ;;
    --repeats) repeats="$2"; shift 2 ;;
    --build) build="$2"; shift 2 ;;
    --docs) docs="$2"; shift 2 ;;
    *) echo "enumerate_speedup.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
binary="$build/bench/enumerate_speedup"
if [ ! -x "$binary" ]; then
  echo "enumerate_speedup.sh: $binary is missing: cmake --build --preset release --target enumerate_speedup" >&2
  exit 1
fi
mkdir -p "$docs/benchmarks"
OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 "$binary" --classes "$classes" --repeats "$repeats" --csv "$docs/benchmarks/enumerate_speedup.csv"
/usr/bin/python3 bench/plot_enumerate_speedup.py "$docs/benchmarks/enumerate_speedup.csv" "$docs/benchmarks/enumerate_speedup.png"
