#!/usr/bin/env bash
# --variance-every prints one grad_variance line per N steps, and measuring never changes training:
# the epoch lines with and without it agree.
# Usage: variance.sh <example binary> <work dir> [extra flags...]
set -euo pipefail
binary=$1 work=$2
shift 2
rm -rf "$work" && mkdir -p "$work"
common=(--limit 1000 --batch 100 --seed 5 --epochs 1 --eval-samples 0 "$@")
"$binary" "${common[@]}" > "$work/plain.log" 2> /dev/null
"$binary" "${common[@]}" --variance-every 4 --variance-draws 10 > "$work/measured.log" 2> /dev/null
# 10 steps: measured before steps 0, 4 and 8
lines=$(grep -c '^grad_variance ' "$work/measured.log" || true)
[ "$lines" -eq 3 ] || { echo "expected 3 grad_variance lines, got $lines"; cat "$work/measured.log"; exit 1; }
grep '^grad_variance ' "$work/measured.log"
grep '^grad_variance ' "$work/measured.log" | awk '{
  split($5, v, "="); if (!(v[2] > 0) || v[2] == "inf" || v[2] == "nan") { print "not a positive finite variance: " $0; bad = 1 }
} END { exit bad }'
a=$(grep '^epoch=1 ' "$work/plain.log" | sed 's/ seconds=.*//')
b=$(grep '^epoch=1 ' "$work/measured.log" | sed 's/ seconds=.*//')
[ -n "$a" ] && [ "$a" = "$b" ] || { echo "training changed: '$a' vs '$b'"; exit 1; }
echo "$a"
