#!/usr/bin/env bash
# The examples whose objective is not an ELBO (l0_mlp, sort_numbers) as jobs of 2 processes: a
# resume under mpirun is bit-identical, a batch the processes cannot share is refused, and only
# rank 0 reports. Usage: mpi_losses.sh <mpiexec> <l0_mlp> <sort_numbers> <work dir>.
# OpenMPI's variables (root, oversubscription) come from the test's environment.
set -euo pipefail
mpiexec=$1 l0_mlp=$2 sort_numbers=$3 work=$4
here=$(cd "$(dirname "$0")" && pwd)
source "$here/mpi_common.sh"
rm -rf "$work" && mkdir -p "$work"
launcher="$work/l0_mlp_np2"
make_launcher "$mpiexec" "$l0_mlp" "$launcher"

echo "== l0_mlp: resume under mpirun -np 2 is bit-identical"
"$here/resume.sh" "$launcher" "$work/resume"
grep -aq 'noise.rank1' "$work/resume/straight/checkpoint.ppl" || { echo "the checkpoint holds no noise stream for rank 1"; exit 1; }
[ "$(grep -c '^epoch=2 ' "$work/resume/straight.log")" = 1 ] || { echo "more than one process printed epoch lines"; exit 1; }

echo "== l0_mlp: a checkpoint of 2 processes does not resume on 1"
expect_failure one "written by a run of 2 processes" \
  "$l0_mlp" --limit 1000 --batch 100 --seed 3 --epochs 3 --out "$work/resume/straight" --resume

echo "== l0_mlp: a batch the processes cannot share is refused before training"
expect_failure odd "does not split evenly over 2 processes" "$launcher" --limit 1000 --batch 99 --epochs 1
! grep -q '^epoch=' "$work/odd.log" || { echo "it trained before refusing"; exit 1; }

echo "== sort_numbers: 2 processes with 5 sequences each learn to sort five numbers"
"$mpiexec" -np 2 "$sort_numbers" --numbers 5 --steps 200 --test 200 > "$work/sort.log" 2>&1 || { cat "$work/sort.log"; exit 1; }
[ "$(grep -c '^result ' "$work/sort.log")" = 1 ] || { echo "expected one result line (rank 0's)"; cat "$work/sort.log"; exit 1; }
grep '^result ' "$work/sort.log" | grep -q 'prop_any_wrong=0 ' || { echo "not sorted:"; grep '^result ' "$work/sort.log"; exit 1; }
grep '^result ' "$work/sort.log"
