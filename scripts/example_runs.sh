#!/usr/bin/env bash
# Short runs of every example with fixed seeds, for checking that a change to the library or the
# examples leaves their numbers alone: run it before and after, then diff the two folders.
#   scripts/example_runs.sh DIR [BUILD]      (BUILD: the build folder, build/release by default)
#   diff -r before/ after/
# Each run writes DIR/<name>.log: its standard output without the seconds= fields (wall time is not
# a result) and without lines naming files; pictures are recorded by their checksums. About 6 minutes
# on 2 cores. The numbers depend on the machine's BLAS kernels: compare runs from one machine only.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:?usage: scripts/example_runs.sh DIR [BUILD]}
build=${2:-build/release}
bin="$build/examples"
mkdir -p "$out"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1 OPENBLAS_NUM_THREADS=1

# record NAME COMMAND...: the command's output, timings and file names removed, as DIR/NAME.log
record() {
  local name=$1
  shift
  local start=$SECONDS
  if ! "$@" > "$work/$name.raw" 2> "$work/$name.err"; then
    echo "$name: failed" >&2; tail -5 "$work/$name.err" >&2; cp "$work/$name.err" "$out/$name.log"; return 0
  fi
  sed -E 's/ ?seconds=[0-9.]+//g' "$work/$name.raw" | grep -v -E '^(wrote|pictures|checkpoint:)' > "$out/$name.log" || true
  echo "$name: $(wc -l < "$out/$name.log") lines, $(( SECONDS - start )) s"
}
# pictures NAME DIR: the checksums of the PNG files a run wrote
pictures() { (cd "$2" && sha256sum ./*.png) > "$out/$1.pictures"; }

vae_flags=(--epochs 2 --limit 1000 --batch 100)
score=(--eval-samples 5 --eval-images 100)
record vae "$bin/vae" "${vae_flags[@]}" "${score[@]}" --seed 3 --out "$work/vae"
pictures vae "$work/vae"
record vae_warmup_binarized "$bin/vae" "${vae_flags[@]}" --eval-samples 0 --seed 4 --kl-warmup 1 --binarize
record vae_variance "$bin/vae" "${vae_flags[@]}" --eval-samples 0 --seed 5 --variance-every 7 --variance-draws 3
record vae_describe "$bin/vae" --describe
anneal=(--tau0 1 --tau-min 0.5 --anneal-rate 0.003 --anneal-every 5)
for estimator in gumbel_softmax straight_through score_function leave_one_out vimco rebar relax; do
  record "cat_vae_$estimator" "$bin/cat_vae" "${vae_flags[@]}" "${score[@]}" --seed 6 --estimator "$estimator" --samples 3 "${anneal[@]}"
  record "cat_vae_${estimator}_describe" "$bin/cat_vae" --describe --estimator "$estimator"
done
record cat_vae_pictures "$bin/cat_vae" --epochs 1 --limit 500 --eval-samples 0 --seed 7 --out "$work/cat_vae"
pictures cat_vae "$work/cat_vae"
record cat_vae_variance "$bin/cat_vae" "${vae_flags[@]}" --eval-samples 0 --seed 8 --variance-every 5 --variance-draws 3 --kl-warmup 2
for estimator in gumbel_softmax straight_through score_function leave_one_out disarm arm rebar relax; do
  record "bernoulli_vae_$estimator" "$bin/bernoulli_vae" "${vae_flags[@]}" "${score[@]}" --seed 9 --estimator "$estimator" "${anneal[@]}"
  record "bernoulli_vae_${estimator}_describe" "$bin/bernoulli_vae" --describe --estimator "$estimator"
done
record bernoulli_vae_nonlinear "$bin/bernoulli_vae" "${vae_flags[@]}" "${score[@]}" --seed 10 --layers nonlinear --estimator disarm \
  --variance-every 6 --variance-draws 3
record bernoulli_vae_intensities "$bin/bernoulli_vae" "${vae_flags[@]}" --eval-samples 0 --seed 11 --no-binarize
for estimator in pathwise score_function; do
  record "dirichlet_vae_$estimator" "$bin/dirichlet_vae" "${vae_flags[@]}" "${score[@]}" --seed 12 --estimator "$estimator"
  record "dirichlet_vae_${estimator}_describe" "$bin/dirichlet_vae" --describe --estimator "$estimator"
done
record l0_mlp "$bin/l0_mlp" --epochs 2 --limit 2000 --seed 13 --out "$work/l0_mlp"
pictures l0_mlp "$work/l0_mlp"
record l0_mlp_dense "$bin/l0_mlp" --epochs 2 --limit 2000 --seed 13 --gates no
record sort_numbers "$bin/sort_numbers" --numbers 5 --steps 200 --report-every 50 --seed 14 --out "$work/sort"
pictures sort_numbers "$work/sort"
record sort_numbers_10 "$bin/sort_numbers" --numbers 10 --steps 60 --report-every 20 --seed 15 --samples 2
record bayesian_regression "$bin/bayesian_regression" --epochs 300 --seed 16
record bayesian_regression_describe "$bin/bayesian_regression" --describe
if command -v mpirun > /dev/null; then
  record vae_np2 mpirun -np 2 "$bin/vae" "${vae_flags[@]}" "${score[@]}" --seed 17
  record cat_vae_np2 mpirun -np 2 "$bin/cat_vae" "${vae_flags[@]}" --eval-samples 0 --seed 18 --estimator straight_through "${anneal[@]}"
  record bernoulli_vae_np2 mpirun -np 2 "$bin/bernoulli_vae" "${vae_flags[@]}" --eval-samples 0 --seed 19 --estimator rebar --kl-warmup 1
  record l0_mlp_np2 mpirun -np 2 "$bin/l0_mlp" --epochs 2 --limit 2000 --seed 20
  record sort_numbers_np2 mpirun -np 2 "$bin/sort_numbers" --numbers 5 --steps 100 --report-every 50 --seed 21
  record bayesian_regression_np2 mpirun -np 2 "$bin/bayesian_regression" --epochs 300 --seed 22
fi
echo "recorded in $out"
