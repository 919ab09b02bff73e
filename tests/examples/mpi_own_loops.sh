#!/usr/bin/env bash
# The examples with a training loop of their own (l0_mlp, sort_numbers) as jobs of 2 processes
# (issue 13): a resume under mpirun is bit-identical, a batch the processes cannot share is refused,
# and only rank 0 reports. Usage: mpi_own_loops.sh <mpiexec> <l0_mlp> <sort_numbers> <work dir>.
# OpenMPI's variables (root, oversubscription) come from the test's environment.
set -euo pipefail
mpiexec=$1 l0_mlp=$2 sort_numbers=$3 work=$4
here=$(cd "$(dirname "$0")" && pwd)
rm -rf "$work" && mkdir -p "$work"
launcher="$work/l0_mlp_np2"
printf '#!/bin/sh\nexec "%s" -np 2 "%s" "$@"\n' "$mpiexec" "$l0_mlp" > "$launcher"
chmod +x "$launcher"

echo "== l0_mlp: resume under mpirun -np 2 is bit-identical"
"$here/resume.sh" "$launcher" "$work/resume"
grep -aq 'noise.rank1' "$work/resume/straight/checkpoint.ppl" || { echo "the checkpoint holds no noise stream for rank 1"; exit 1; }
[ "$(grep -c '^epoch=2 ' "$work/resume/straight.log")" = 1 ] || { echo "more than one process printed epoch lines"; exit 1; }

echo "== l0_mlp: a checkpoint of 2 processes does not resume on 1"
set +e
"$l0_mlp" --limit 1000 --batch 100 --seed 3 --epochs 3 --out "$work/resume/straight" --resume > "$work/one.log" 2>&1
code=$?
set -e
[ "$code" -ne 0 ] && grep -q "written by a run of 2 processes" "$work/one.log" || { echo "exit $code:"; cat "$work/one.log"; exit 1; }

echo "== l0_mlp: a batch the processes cannot share is refused before training"
set +e
timeout 30 "$launcher" --limit 1000 --batch 99 --epochs 1 > "$work/odd.log" 2>&1
code=$?
set -e
[ "$code" -ne 0 ] && [ "$code" -ne 124 ] && grep -q "does not split evenly over 2 processes" "$work/odd.log" || { echo "exit $code:"; cat "$work/odd.log"; exit 1; }
! grep -q '^epoch=' "$work/odd.log" || { echo "it trained before refusing"; exit 1; }

echo "== sort_numbers: 2 processes with 5 sequences each learn to sort five numbers"
"$mpiexec" -np 2 "$sort_numbers" --numbers 5 --steps 200 --test 200 > "$work/sort.log" 2>&1 || { cat "$work/sort.log"; exit 1; }
[ "$(grep -c '^result ' "$work/sort.log")" = 1 ] || { echo "expected one result line (rank 0's)"; cat "$work/sort.log"; exit 1; }
grep '^result ' "$work/sort.log" | grep -q 'prop_any_wrong=0 ' || { echo "not sorted:"; grep '^result ' "$work/sort.log"; exit 1; }
grep '^result ' "$work/sort.log"
