#!/usr/bin/env bash
# Runs every benchmark and writes the results that docs/benchmarks.md reports into docs/benchmarks/:
# the VAE step (floor, ppl fused and unfused, manual Eigen, libtorch; 1 and 2 threads), the step-time
# targets, 10 epochs end to end against PyTorch, data-parallel scaling over MPI processes, the
# variance study with its
# independent PyTorch check, the compile-time benchmark, and the PyTorch-from-Python step times.
# Usage: bench/run_all.sh   (after cmake --preset release && cmake --build --preset release)
set -euo pipefail
cd "$(dirname "$0")/.."
out=docs/benchmarks
mkdir -p "$out"
bin=build/release/bench
{ echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"; echo "cpu: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores"
  echo "compiler: $(g++ --version | head -1)"; } > "$out/machine.txt"
"$bin/bench_vae_step" --benchmark_repetitions=9 --benchmark_enable_random_interleaving=true \
  --benchmark_report_aggregates_only=true \
  --benchmark_out="$out/vae_step.json" --benchmark_out_format=json | tee "$out/vae_step.txt"
/usr/bin/python3 bench/plot_benchmarks.py "$out/vae_step.json" "$out/vae_step.png"
# the step-time targets, twice: this machine's noise is part of the result
for run in 1 2; do
  /usr/bin/python3 bench/speed_targets.py --json "$out/speed_targets_run$run.json" | tee "$out/speed_targets_run$run.md"
done
bench/end_to_end.sh 10 | tee "$out/end_to_end.txt"
bench/mpi_scaling.sh 128 256 512 1024 --csv "$out/mpi_scaling.csv" | tee "$out/mpi_scaling.txt"
/usr/bin/python3 bench/plot_mpi_scaling.py "$out/mpi_scaling.csv" "$out/mpi_scaling.png"
"$bin/variance_study" --logits 1.0,0.5,0.2,0.0,-0.2,-0.5,-1.0,-1.5 --rewards 1,2,3,4,5,6,7,8 --trials 200 \
  --samples 1,10,100,1000 --json "$out/variance_study.json" --table "$out/variance_study.md" --png "$out/variance_study.png"
/usr/bin/python3 bench/peers/variance_check.py "$out/variance_study.json" | tee "$out/variance_check.txt"
"$bin/variance_study" --problem bernoulli --logits 1.0,0.5,0.2,0.0,-0.2,-0.5,-1.0,-1.5 --rewards 1,2,3,4,5,6,7,8 \
  --trials 200 --samples 1,2,10,100,1000 --json "$out/variance_study_bernoulli.json" \
  --table "$out/variance_study_bernoulli.md" --png "$out/variance_study_bernoulli.png"
/usr/bin/python3 bench/peers/variance_check.py "$out/variance_study_bernoulli.json" | tee "$out/variance_check_bernoulli.txt"
rm -f "$out/compile_time.csv"
bench/compile_time.sh --csv "$out/compile_time.csv"
# compile_time_before.csv: the same script run on commit 5324fe1, before the linear-graph redesign
/usr/bin/python3 bench/plot_compile_time.py "$out/compile_time.png" "$out/compile_time.csv" "$out/compile_time_before.csv" \
  | tee "$out/compile_time.md"
/usr/bin/python3 bench/peers/torch_vae.py | tee "$out/torch_python.txt"
