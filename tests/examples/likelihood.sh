#!/usr/bin/env bash
# --eval-samples K prints the test set's -log p(x) by the importance weighted bound, which can only be
# tighter than the -ELBO of the same model: test_neg_log_likelihood < test_neg_elbo of the last epoch.
# --eval-images 500 limits it to the first 500 test images, and the line says so.
# Usage: likelihood.sh <example binary> <work dir> [extra flags...]
set -euo pipefail
binary=$1 work=$2
shift 2
rm -rf "$work" && mkdir -p "$work"
"$binary" --limit 1000 --batch 100 --seed 4 --epochs 1 --eval-samples 20 --eval-images 500 "$@" > "$work/run.log" 2> "$work/progress.log"
cat "$work/run.log"
line=$(grep '^test_neg_log_likelihood=' "$work/run.log") || { echo "no test_neg_log_likelihood line"; exit 1; }
[[ "$line" =~ ^test_neg_log_likelihood=([0-9.]+)\ samples=20\ images=500\ seconds=[0-9.]+$ ]] || { echo "malformed: $line"; exit 1; }
nll=${BASH_REMATCH[1]}
elbo=$(grep '^epoch=1 ' "$work/run.log" | sed 's/.* test_neg_elbo=\([0-9.]*\).*/\1/')
awk -v nll="$nll" -v elbo="$elbo" 'BEGIN {
  if (!(nll > 0 && nll < elbo)) { print "expected 0 < -log p(x) estimate " nll " < test -ELBO " elbo; exit 1 }
  print "-log p(x) <= " nll " < -ELBO " elbo ": the K-sample bound is tighter" }'
grep -q 'log p(x), K=20' "$work/progress.log" || { echo "no progress output for the estimate"; exit 1; }
