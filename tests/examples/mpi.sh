#!/usr/bin/env bash
# The VAE example as a job of 2 processes: a resume under mpirun is bit-identical, and
# every failure ends the whole job with a clear error instead of a hang; bayesian_regression trains
# as a job of 2 through the library's trainer.
# Usage: mpi.sh <mpiexec> <vae binary> <bayesian_regression binary> <work dir>. OpenMPI's variables
# (root, oversubscription) come from the test's environment.
set -euo pipefail
mpiexec=$1 binary=$2 regression=$3 work=$4
here=$(cd "$(dirname "$0")" && pwd)
source "$here/mpi_common.sh"
rm -rf "$work" && mkdir -p "$work"
launcher="$work/vae_np2"
make_launcher "$mpiexec" "$binary" "$launcher"

echo "== resume under mpirun -np 2: 2 epochs straight = 1 epoch, then --resume for 1"
"$here/resume.sh" "$launcher" "$work/resume"
grep -aq 'rng.noise.rank1' "$work/resume/straight/checkpoint.ppl" || { echo "the checkpoint holds no noise stream for rank 1"; exit 1; }

echo "== a process whose data folder is missing ends the job"
expect_failure missing_data "error (process 1 of 2)" \
  "$mpiexec" -np 1 "$binary" --epochs 1 --limit 500 --eval-samples 0 : -np 1 "$binary" --epochs 1 --limit 500 --eval-samples 0 --data "$work/no_such_folder"

echo "== a batch the processes cannot share is refused before training"
expect_failure odd_batch "does not split evenly over 2 processes" "$launcher" --epochs 1 --limit 500 --batch 99 --eval-samples 0

echo "== bayesian_regression (the library's trainer) as a job of 2: the posterior check passes, rank 0 alone reports"
"$mpiexec" -np 2 "$regression" --check yes > "$work/regression.log" 2>&1 || { cat "$work/regression.log"; exit 1; }
[ "$(grep -c '^posterior_check ' "$work/regression.log")" = 1 ] || { echo "expected one posterior_check line"; cat "$work/regression.log"; exit 1; }
[ "$(grep -c '^epoch=3000 ' "$work/regression.log")" = 1 ] || { echo "expected one line for epoch 3000"; exit 1; }
grep '^posterior_check ' "$work/regression.log"

echo "== a process killed mid-epoch: the job ends, the last checkpoint is intact, and --resume continues"
common=(--limit 20000 --batch 100 --seed 5 --eval-samples 0 --out "$work/killed")
"$launcher" "${common[@]}" --epochs 4 > "$work/killed.log" 2>&1 &
job=$!
for _ in $(seq 1 600); do [ -f "$work/killed/checkpoint.ppl" ] && break; sleep 0.1; done
[ -f "$work/killed/checkpoint.ppl" ] || { echo "no checkpoint after 60 s"; cat "$work/killed.log"; exit 1; }
sleep 0.3
victim=$(pgrep -P "$job" -f -- "$binary" | tail -1)  # the launcher execs mpirun; its children are the processes
[ -n "$victim" ] || { echo "no process of the job to kill"; exit 1; }
kill -9 "$victim"
# the job must end by itself; if it is still there after 60 s, show what is left rather than hang
for _ in $(seq 1 600); do kill -0 "$job" 2> /dev/null || break; sleep 0.1; done
if kill -0 "$job" 2> /dev/null; then
  echo "the job did not end within 60 s of losing process $victim; what is left of it:"
  ps -o pid,stat,etime,wchan:20,args --ppid "$job" || true
  cat "$work/killed.log"
  pkill -9 -P "$job" || true; kill -9 "$job" || true
  exit 1
fi
set +e
wait "$job"
code=$?
set -e
[ "$code" -ne 0 ] || { echo "the job exited 0 after a process was killed"; exit 1; }
echo "killed process $victim mid-epoch; the job exited with $code"
"$launcher" "${common[@]}" --epochs 4 --resume > "$work/resumed.log" 2>&1
# (the epoch it resumes from is whichever checkpoint was last complete when the process died)
resumed=$(grep -o 'after epoch [1-3]$' "$work/resumed.log") || { echo "no resume"; cat "$work/resumed.log"; exit 1; }
grep -q '^epoch=4 ' "$work/resumed.log" || { echo "the resumed job did not finish epoch 4"; cat "$work/resumed.log"; exit 1; }
echo "resumed $resumed and finished: $(grep '^epoch=4 ' "$work/resumed.log")"
