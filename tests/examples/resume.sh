#!/usr/bin/env bash
# Training 2 epochs straight through and training 1 epoch then resuming for 1 must leave
# bit-identical checkpoints (parameters, Adam state, random streams, baselines).
# Usage: resume.sh <example binary> <work dir> [extra flags...]
set -euo pipefail
binary=$1 work=$2
shift 2
rm -rf "$work" && mkdir -p "$work"
common=(--limit 1000 --batch 100 --seed 3 "$@")
# the final -log p(x) estimate of the VAEs is not what this test is about
# the whole help text first: grep -q would close the pipe early, and a launcher (mpiexec) that then dies of
# SIGPIPE fails the pipeline, which left out --eval-samples 0 and cost minutes of -log p(x) per run
help=$("$binary" --help 2>&1 || true)
[[ $help == *--eval-samples* ]] && common+=(--eval-samples 0)
"$binary" "${common[@]}" --epochs 2 --out "$work/straight" > "$work/straight.log" 2>&1
"$binary" "${common[@]}" --epochs 1 --out "$work/resumed" > "$work/first.log" 2>&1
"$binary" "${common[@]}" --epochs 2 --out "$work/resumed" --resume > "$work/second.log" 2>&1
grep -q "resumed from" "$work/second.log" || { echo "the second run did not resume"; cat "$work/second.log"; exit 1; }
grep -q "^epoch=2 " "$work/second.log" || { echo "the resumed run did not train epoch 2"; exit 1; }
if cmp "$work/straight/checkpoint.ppl" "$work/resumed/checkpoint.ppl"; then
  echo "checkpoints are bit-identical: $(stat -c %s "$work/straight/checkpoint.ppl") bytes"
else
  echo "checkpoints differ"; exit 1
fi
# the epoch-2 lines agree too (the test score uses its own noise stream)
a=$(grep '^epoch=2 ' "$work/straight.log" | sed 's/ seconds=.*//')
b=$(grep '^epoch=2 ' "$work/second.log" | sed 's/ seconds=.*//')
[ "$a" = "$b" ] || { echo "epoch lines differ: '$a' vs '$b'"; exit 1; }
echo "$a"
