#!/usr/bin/env bash
# Compile-time benchmark (targets in docs/benchmarks.md): wall time and peak memory of compiling
#  - generated models with 1, 2, 4, 8 and 16 random sites (bench/compile/generate_model.py), and
#  - examples/vae.cpp, as the examples build it (PPL_SEPARATE_COMPILATION: ppl's model-independent
#    functions compiled once, in the examples' support library) and header-only,
# each alone in one translation unit, with g++ -O2 (the flags CMake gives ppl's own programs) and clang++ -O2.
# Usage: bench/compile_time.sh [--sites "1 2 4 8 16"] [--compilers "g++ clang++"] [--limit SECONDS]
#                              [--repeat N] [--csv FILE] [--label NAME]
# Each file is compiled N times (default 3) one after the other; this shared machine's speed drifts
# by a fifth from minute to minute, so the row keeps the fastest time (the least disturbed) and
# lists every run. Appends one CSV row per file: label,compiler,model,sites,seconds,peak_mib,status,runs.
set -euo pipefail
cd "$(dirname "$0")/.."
sites="1 2 4 8 16"; compilers="g++ clang++"; limit=900; repeat=3
csv=docs/benchmarks/compile_time.csv; label=current
while [ $# -gt 0 ]; do
  case "$1" in
    --sites) sites="$2"; shift 2 ;;
    --compilers) compilers="$2"; shift 2 ;;
    --limit) limit="$2"; shift 2 ;;
    --repeat) repeat="$2"; shift 2 ;;
    --csv) csv="$2"; shift 2 ;;
    --label) label="$2"; shift 2 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done
command -v /usr/bin/time > /dev/null || { echo "needs /usr/bin/time (Debian package 'time')" >&2; exit 1; }
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
[ -s "$csv" ] || echo "label,compiler,model,sites,seconds,peak_mib,status,runs" > "$csv"
flags=(-std=c++20 -O2 -march=native -mno-avx512f -DEIGEN_USE_BLAS -DPPL_HAVE_OPENBLAS
       -Iinclude -Iexamples -isystem /usr/include/eigen3 -c)

# compile_once COMPILER SOURCE: one measured compile; prints "seconds peak_kib status"
compile_once() {
  local compiler=$1 source=$2 status=ok
  /usr/bin/time -f "%e %M" -o "$work/time" timeout "$limit" "$compiler" "${flags[@]}" "$source" -o "$work/out.o" \
    2> "$work/errors" || status=failed
  [ "$status" = ok ] || { grep -q . "$work/time" && tail -1 "$work/time" | grep -q '^[0-9]' || echo "$limit 0" > "$work/time"; }
  grep -q 'Command exited with non-zero status 124' "$work/time" && status=timeout
  [ "$status" = failed ] && head -5 "$work/errors" >&2
  echo "$(tail -1 "$work/time") $status"
}

# compile COMPILER MODEL SITES SOURCE: $repeat compiles, one CSV row, one line of progress
compile() {
  local compiler=$1 model=$2 n=$3 source=$4 status=ok best="" peak=0 runs=""
  for _ in $(seq "$repeat"); do
    read -r seconds kib run_status < <(compile_once "$compiler" "$source")
    runs="${runs:+$runs;}$seconds"
    if [ "$run_status" != ok ]; then status=$run_status; best=$seconds; break; fi
    best=$(python3 -c "print(min(float('$seconds'), float('${best:-inf}')))")
    [ "$kib" -gt "$peak" ] && peak=$kib
  done
  local peak_mib=$(( peak / 1024 ))
  [ "$status" = ok ] || peak_mib=""  # a stopped compile's peak is not known (time measures timeout itself)
  echo "$label,$compiler,$model,$n,$best,$peak_mib,$status,$runs" | tee -a "$csv"
}

for compiler in $compilers; do
  for n in $sites; do
    python3 bench/compile/generate_model.py "$n" --main > "$work/sites_$n.cpp"
    compile "$compiler" "sites_$n" "$n" "$work/sites_$n.cpp"
  done
  # as the examples are built: ppl's model-independent functions compiled once, in the support library
  flags+=(-DPPL_SEPARATE_COMPILATION)
  compile "$compiler" examples/vae.cpp 1 examples/vae.cpp
  unset 'flags[${#flags[@]}-1]'
  # as a program that includes ppl header-only would compile it
  compile "$compiler" "examples/vae.cpp header-only" 1 examples/vae.cpp
done
