#!/usr/bin/env bash
# Data-parallel scaling of the VAE step: bench/mpi_step with 1 and with 2 processes, 1
# thread each, alternating three times per global batch; prints each run and, per batch, the ratio
# of the median samples/s and the median share of the np=2 step spent in the allreduce.
# Usage: bench/mpi_scaling.sh [batch ...] [--csv FILE]   (default batch 128; after cmake --build --preset release)
# Each run trains on about 38,400 samples (300 steps of 128, 38 of 1024).
set -euo pipefail
cd "$(dirname "$0")/.."
batches=() csv=""
while [ $# -gt 0 ]; do
  case $1 in
    --csv) csv=$2; shift 2 ;;
    *) batches+=("$1"); shift ;;
  esac
done
[ ${#batches[@]} -gt 0 ] || batches=(128)
[ -x build/release/bench/mpi_step ] || { echo "build/release/bench/mpi_step is missing: cmake --build --preset release first" >&2; exit 1; }
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
# root on this machine, and 2 processes on 2 cores: OpenMPI's variables allow both
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
out=$(mktemp)
trap 'rm -f "$out"' EXIT
for batch in "${batches[@]}"; do
  steps=$(( (38400 + batch - 1) / batch ))
  for _ in 1 2 3; do
    for np in 1 2; do mpirun -np "$np" build/release/bench/mpi_step "$batch" "$steps" | tee -a "$out"; done
  done
done
/usr/bin/python3 - "$out" "$csv" <<'PY'
import re, statistics, sys
runs = {}
for line in open(sys.argv[1]):
    m = dict(re.findall(r"(\w+)=([0-9.e+-]+)", line))
    runs.setdefault((int(m["batch"]), int(m["processes"])), []).append((float(m["samples_per_second"]), float(m["allreduce_share"])))
rows = []
for batch in sorted({b for b, _ in runs}):
    one, two = (statistics.median(s for s, _ in runs[(batch, n)]) for n in (1, 2))
    share = statistics.median(a for _, a in runs[(batch, 2)])
    rows.append((batch, one, two, two / one, share))
    print(f"mpi_scaling batch={batch} np1_samples_per_second={one:.0f} np2_samples_per_second={two:.0f} "
          f"speedup={two / one:.2f} np2_allreduce_share={share:.3f}")
if sys.argv[2]:
    with open(sys.argv[2], "w") as f:
        f.write("batch,np1_samples_per_second,np2_samples_per_second,speedup,np2_allreduce_share\n")
        for r in rows:
            f.write(f"{r[0]},{r[1]:.0f},{r[2]:.0f},{r[3]:.3f},{r[4]:.4f}\n")
PY
