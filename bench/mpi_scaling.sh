#!/usr/bin/env bash
# Data-parallel scaling of the VAE step (issue 13): bench/mpi_step with 1 and with 2 processes, 1
# thread each, global batch 128, alternating three times; prints each run and the ratio of the
# median samples/s. Usage: bench/mpi_scaling.sh [batch] [steps]   (after cmake --build --preset release)
set -euo pipefail
cd "$(dirname "$0")/.."
batch=${1:-128} steps=${2:-300}
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
# root on this machine, and 2 processes on 2 cores: OpenMPI's variables allow both
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
out=$(mktemp)
trap 'rm -f "$out"' EXIT
for _ in 1 2 3; do
  for np in 1 2; do mpirun -np "$np" build/release/bench/mpi_step "$batch" "$steps" | tee -a "$out"; done
done
/usr/bin/python3 - "$out" <<'PY'
import re, statistics, sys
runs = {}
for line in open(sys.argv[1]):
    m = dict(re.findall(r"(\w+)=([0-9.e+-]+)", line))
    runs.setdefault(int(m["processes"]), []).append((float(m["samples_per_second"]), float(m["allreduce_share"])))
one, two = (statistics.median(s for s, _ in runs[n]) for n in (1, 2))
share = statistics.median(a for _, a in runs[2])
print(f"mpi_scaling np1_samples_per_second={one:.0f} np2_samples_per_second={two:.0f} "
      f"speedup={two / one:.2f} np2_allreduce_share={share:.3f}")
PY
