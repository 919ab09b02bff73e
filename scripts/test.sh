#!/usr/bin/env bash
# The test command: set-up, then configure, build and run the whole test suite (g++, warnings as errors).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cmake --preset release
cmake --build --preset release
ctest --preset release
