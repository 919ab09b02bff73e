#!/usr/bin/env bash
# bayesian_regression through the library's trainer: 40 epochs straight through, and 20 then a
# resume to 40, must leave bit-identical checkpoints and posterior tables.
# Usage: regression_resume.sh <bayesian_regression binary> <work dir>
set -euo pipefail
binary=$1 work=$2
rm -rf "$work" && mkdir -p "$work"
"$binary" --epochs 40 --seed 4 --out "$work/straight" > "$work/straight.log" 2>&1
"$binary" --epochs 20 --seed 4 --out "$work/resumed" > "$work/first.log" 2>&1
"$binary" --epochs 40 --seed 4 --out "$work/resumed" --resume > "$work/second.log" 2>&1
grep -q "resumed from" "$work/second.log" || { echo "the second run did not resume"; cat "$work/second.log"; exit 1; }
grep -q "^epoch=21 " "$work/second.log" || { echo "the resumed run did not start at epoch 21"; exit 1; }
cmp "$work/straight/checkpoint.ppl" "$work/resumed/checkpoint.ppl" || { echo "checkpoints differ"; exit 1; }
cmp "$work/straight/posterior.csv" "$work/resumed/posterior.csv" || { echo "posterior tables differ"; exit 1; }
echo "bit-identical: $(stat -c %s "$work/straight/checkpoint.ppl")-byte checkpoints and the posterior table"
