#!/usr/bin/env bash
# The estimator benchmark: every estimator legal for each discrete VAE, on dynamically binarized
# Fashion-MNIST, with one fixed budget of steps and several seeds; scored by the discrete model's
# test -ELBO. Writes the logs, docs/estimator_benchmark.md and its two plots.
# After training, each run estimates the test -log p(x) with the importance weighted bound (K samples).
#
# Usage: bench/estimator_table.sh [--epochs 20] [--seeds "0 1 2"] [--jobs 2] [--eval-samples 1000]
#          [--estimators "gumbel_softmax straight_through score_function leave_one_out disarm arm rebar relax"]
#          [--peers "gumbel_softmax straight_through leave_one_out disarm"]
#          [--build build/release] [--logs build/estimator_benchmark] [--docs docs]
#
# leave_one_out is the score function with the leave-one-out baseline over two samples per image.
# --peers runs the PyTorch peer of bernoulli_vae (bench/peers/torch_bernoulli_vae.py, python3-torch) with
# those estimators on both layer sets; their logs are named <model>_torch_<estimator>_<seed>.log.
# A run whose log is already in --logs is kept, not run again, so an interrupted benchmark resumes and
# seeds or estimators can be added later; each log appears only when its run has finished. The page is
# drawn from every log in --logs.
#
# Cost (measured, one run on one core, 20 epochs, training only): 1-2 minutes for gumbel_softmax,
# straight_through and score_function, 2-3 for disarm, 3-8 for arm and leave_one_out, 9-18 for rebar
# and relax on bernoulli_vae and about 30 on cat_vae (five blocks per image). The whole default set
# is about 8.5 hours of one core (4.3 hours with --jobs 2) before the evaluation. The final -log p(x)
# took 15 to 90 seconds per run with K = 100, so expect 3 to 15 minutes per run with K = 1000.
# --estimators and --seeds choose a subset.
set -euo pipefail
cd "$(dirname "$0")/.."
epochs=20 seeds="0 1 2" jobs=2 eval_samples=1000 build=build/release logs=build/estimator_benchmark docs=docs
estimators="gumbel_softmax straight_through score_function leave_one_out disarm arm rebar relax"
peers="gumbel_softmax straight_through leave_one_out disarm"
while [ $# -gt 0 ]; do
  case "$1" in
    --epochs) epochs="$2"; shift 2 ;;
    --seeds) seeds="$2"; shift 2 ;;
    --jobs) jobs="$2"; shift 2 ;;
    --eval-samples) eval_samples="$2"; shift 2 ;;
    --estimators) estimators="$2"; shift 2 ;;
    --peers) peers="$2"; shift 2 ;;
    --build) build="$2"; shift 2 ;;
    --logs) logs="$2"; shift 2 ;;
    --docs) docs="$2"; shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
for program in bernoulli_vae cat_vae; do
  [ -x "$build/examples/$program" ] || { echo "missing $build/examples/$program: build the examples first" >&2; exit 1; }
done
mkdir -p "$logs"
# 60000 / 128 = 468 steps per epoch; the gradient variance every 2 epochs, from 100 draws
variance_every=936
# disarm and arm are for Bernoulli sites only
runs=()
for seed in $seeds; do
  for estimator in $estimators; do
    extra=""
    [ "$estimator" = leave_one_out ] && extra="--samples 2"
    runs+=("bernoulli_vae_linear $estimator $seed bernoulli_vae --layers linear $extra")
    runs+=("bernoulli_vae_nonlinear $estimator $seed bernoulli_vae --layers nonlinear $extra")
    case "$estimator" in disarm|arm) ;; *) runs+=("cat_vae $estimator $seed cat_vae --binarize $extra") ;; esac
  done
  for estimator in $peers; do
    runs+=("bernoulli_vae_linear torch_$estimator $seed torch_bernoulli_vae --layers linear")
    runs+=("bernoulli_vae_nonlinear torch_$estimator $seed torch_bernoulli_vae --layers nonlinear")
  done
done
echo "${#runs[@]} runs of $epochs epochs, $jobs at a time; logs in $logs" >&2
start=$(date +%s)
run_one() {  # model estimator seed program flags...
  local model=$1 estimator=$2 seed=$3 program=$4
  shift 4
  local log="$logs/${model}_${estimator}_${seed}.log"
  if [ -e "$log" ]; then echo "kept: $log (delete it to run again)" >&2; return; fi
  local status=0
  if [ "$program" = torch_bernoulli_vae ]; then  # the PyTorch peer: no variance draws
    /usr/bin/python3 bench/peers/torch_bernoulli_vae.py "$@" --estimator "${estimator#torch_}" --seed "$seed" \
      --epochs "$epochs" --eval-samples "$eval_samples" --threads 1 > "$log.tmp" 2> /dev/null || status=$?
  else
    OPENBLAS_NUM_THREADS=1 "$build/examples/$program" "$@" --estimator "$estimator" --seed "$seed" --epochs "$epochs" \
      --variance-every "$variance_every" --eval-samples "$eval_samples" > "$log.tmp" 2> /dev/null || status=$?
  fi
  if [ "$status" != 0 ]; then  # a failed or stopped run leaves no log, so the page never shows half a run
    rm -f "$log.tmp"
    echo "FAILED (exit $status): $model $estimator seed $seed" >&2
    return 0
  fi
  mv "$log.tmp" "$log"
  echo "done: $model $estimator seed $seed ($(grep -c '^epoch=' "$log") epochs)" >&2
}
export -f run_one
export build logs epochs variance_every eval_samples
printf '%s\n' "${runs[@]}" | xargs -P "$jobs" -I{} bash -c 'run_one {}'
/usr/bin/python3 bench/plot_estimator_table.py "$logs" "$docs" \
  "${PPL_BENCHMARK_COMMAND:-bench/estimator_table.sh --epochs $epochs --seeds \"$seeds\" --jobs $jobs --eval-samples $eval_samples --estimators \"$estimators\" --peers \"$peers\"}" \
  "$(( $(date +%s) - start ))"
