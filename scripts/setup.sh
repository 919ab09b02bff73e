#!/usr/bin/env bash
# Installs every Debian package that ppl's build, tests, examples and benchmarks use. Idempotent.
set -euo pipefail
packages=(
  g++ clang cmake ninja-build            # toolchains and build
  libeigen3-dev libboost-dev             # the library's dependencies
  catch2 libbenchmark-dev                # tests and benchmarks
  libopenblas-dev libopenblas0-pthread   # BLAS behind Eigen's products
  libpcg-cpp-dev libcli11-dev            # random streams, example command lines
  libpng-dev zlib1g-dev                  # image grids, gzipped data
  dataset-fashion-mnist                  # the real data set
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
