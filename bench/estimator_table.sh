#!/usr/bin/env bash
# The estimator benchmark: every estimator legal for each discrete VAE, on dynamically binarized
# Fashion-MNIST, with one fixed budget of steps and several seeds; scored by the discrete model's
# test -ELBO. Writes the logs, docs/estimator_benchmark.md and its two plots.
# After training, each run estimates the test -log p(x) with the importance weighted bound (K samples
# per image) over the first --eval-images test images.
#
# Usage: bench/estimator_table.sh [--epochs 2] [--seeds "0 1 2"] [--jobs 2] [--eval-samples 1000]
#          [--eval-images 1000] [--variance-every 312]
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
# The default budget fits about 45 minutes on 2 cores: 90 runs (66 of ppl, 24 of the peers) of
# 2 epochs (936 steps of 128 images) each, 3 seeds, and K = 1000 over the first 1000 test images,
# the costliest runs first. Measured on one core: training costs 5-10 ms per step for the
# relaxations and the plain score function, 10-40 for disarm, arm and leave_one_out, 55-100 for
# rebar and relax (about 200 for relax on cat_vae); K = 1000 costs 16 (linear), 20 (nonlinear) and
# 29 (cat_vae) ms per test image. --epochs 20 (the budget of the papers' shorter runs) costs about
# 8.5 hours of one core before the evaluation.
set -euo pipefail
cd "$(dirname "$0")/.."
epochs=2 seeds="0 1 2" jobs=2 eval_samples=1000 eval_images=1000 variance_every=312 build=build/release logs=build/estimator_benchmark docs=docs
estimators="gumbel_softmax straight_through score_function leave_one_out disarm arm rebar relax"
peers="gumbel_softmax straight_through leave_one_out disarm"
while [ $# -gt 0 ]; do
  case "$1" in
    --epochs) epochs="$2"; shift 2 ;;
    --seeds) seeds="$2"; shift 2 ;;
    --jobs) jobs="$2"; shift 2 ;;
    --eval-samples) eval_samples="$2"; shift 2 ;;
    --eval-images) eval_images="$2"; shift 2 ;;
    --variance-every) variance_every="$2"; shift 2 ;;
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
# disarm and arm are for Bernoulli sites only. Each run carries its rough cost (ms per step, one core),
# so that the queue starts the longest runs first and two jobs finish together.
cost() {  # model estimator
  local c
  case "$2" in
    relax|rebar) c=70 ;; arm|leave_one_out|torch_disarm) c=30 ;; torch_*) c=20 ;; disarm) c=12 ;; *) c=6 ;;
  esac
  [ "$1" = cat_vae ] && c=$(( c * 2 ))
  echo "$c"
}
runs=()
for seed in $seeds; do
  for estimator in $estimators; do
    extra=""
    [ "$estimator" = leave_one_out ] && extra="--samples 2"
    runs+=("$(cost bernoulli_vae_linear "$estimator") bernoulli_vae_linear $estimator $seed bernoulli_vae --layers linear $extra")
    runs+=("$(cost bernoulli_vae_nonlinear "$estimator") bernoulli_vae_nonlinear $estimator $seed bernoulli_vae --layers nonlinear $extra")
    case "$estimator" in
      disarm|arm) ;;
      *) runs+=("$(cost cat_vae "$estimator") cat_vae $estimator $seed cat_vae --binarize $extra") ;;
    esac
  done
  for estimator in $peers; do
    runs+=("$(cost bernoulli_vae_linear "torch_$estimator") bernoulli_vae_linear torch_$estimator $seed torch_bernoulli_vae --layers linear")
    runs+=("$(cost bernoulli_vae_nonlinear "torch_$estimator") bernoulli_vae_nonlinear torch_$estimator $seed torch_bernoulli_vae --layers nonlinear")
  done
done
kept=0
for run in "${runs[@]}"; do
  set -- $run
  [ -e "$logs/${2}_${3}_${4}.log" ] && kept=$((kept + 1))
done
echo "${#runs[@]} runs of $epochs epochs ($kept already in $logs and kept), $jobs at a time, the costliest first" >&2
start=$(date +%s)
run_one() {  # model estimator seed program flags...
  local model=$1 estimator=$2 seed=$3 program=$4
  shift 4
  local log="$logs/${model}_${estimator}_${seed}.log"
  if [ -e "$log" ]; then echo "kept: $log (delete it to run again)" >&2; return; fi
  local status=0
  if [ "$program" = torch_bernoulli_vae ]; then  # the PyTorch peer: no variance draws
    /usr/bin/python3 bench/peers/torch_bernoulli_vae.py "$@" --estimator "${estimator#torch_}" --seed "$seed" \
      --epochs "$epochs" --eval-samples "$eval_samples" --eval-images "$eval_images" --threads 1 > "$log.tmp" 2> /dev/null || status=$?
  else
    OPENBLAS_NUM_THREADS=1 "$build/examples/$program" "$@" --estimator "$estimator" --seed "$seed" --epochs "$epochs" \
      --variance-every "$variance_every" --eval-samples "$eval_samples" --eval-images "$eval_images" > "$log.tmp" 2> /dev/null || status=$?
  fi
  if [ "$status" != 0 ]; then  # a failed or stopped run leaves no log, so the page never shows half a run
    rm -f "$log.tmp"
    echo "FAILED (exit $status): $model $estimator seed $seed" >&2
    return 0
  fi
  mv "$log.tmp" "$log"
  echo "done: $model $estimator seed $seed ($(grep -c '^epoch=' "$log") epochs, $(( $(date +%s) - start )) s since the start)" >&2
}
export -f run_one
export build logs epochs variance_every eval_samples eval_images start
printf '%s\n' "${runs[@]}" | sort -s -k1,1 -rn | cut -d' ' -f2- | xargs -P "$jobs" -I{} bash -c 'run_one {}'
/usr/bin/python3 bench/plot_estimator_table.py "$logs" "$docs" \
  "${PPL_BENCHMARK_COMMAND:-bench/estimator_table.sh --epochs $epochs --seeds \"$seeds\" --jobs $jobs --eval-samples $eval_samples --eval-images $eval_images --variance-every $variance_every --estimators \"$estimators\" --peers \"$peers\"}" \
  "$(( $(date +%s) - start ))" "$(( ${#runs[@]} - kept ))"
