#!/usr/bin/env bash
# Usage: expect_abort.sh MPIEXEC PROBE. Runs PROBE as 2 processes, one of which fails: the job must
# exit non-zero within 30 seconds (timeout's 124 would mean a hang), and say why.
set -uo pipefail
start=$(date +%s)
output=$(timeout 30 "$1" -np 2 "$2" 2>&1)
code=$?
echo "$output"
echo "exit code $code after $(( $(date +%s) - start )) s"
[ "$code" -ne 0 ] && [ "$code" -ne 124 ] && grep -q "no Fashion-MNIST files" <<<"$output"
