#!/usr/bin/env bash
# Installs every Debian package that ppl's build, tests, examples and benchmarks use. Idempotent.
set -euo pipefail
packages=(
  g++ clang libclang-rt-14-dev cmake ninja-build   # toolchains (and libFuzzer), build
  libeigen3-dev libboost-dev             # the library's dependencies
  catch2 libbenchmark-dev                # tests and benchmarks
  libopenblas-dev libopenblas0-pthread   # BLAS behind Eigen's products
  libpcg-cpp-dev libcli11-dev            # random streams, example command lines
  libpng-dev zlib1g-dev                  # image grids, gzipped data
  dataset-fashion-mnist                  # the real data set
  libtorch-dev python3-torch             # the benchmarks' peers (libtorch in C++, PyTorch in Python)
  libopenmpi-dev openmpi-bin             # data-parallel training over processes (mpirun)
  python3 python3-matplotlib             # the generated test model; the benchmarks' plots
  gzip time                              # bad-input tests damage data copies; compile-time benchmark
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "setup: all packages present"
fi
