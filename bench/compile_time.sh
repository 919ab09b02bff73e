#!/usr/bin/env bash
# Compile-time benchmark (issue 8, SPEC section 7): wall time and peak memory of compiling
#  - generated models with 1, 2, 4, 8 and 16 random sites (bench/compile/generate_model.py), and
#  - examples/vae.cpp,
# each alone in one translation unit, with g++ -O2 (the flags CMake gives ppl's own programs) and clang++ -O2.
# Usage: bench/compile_time.sh [--sites "1 2 4 8 16"] [--compilers "g++ clang++"] [--limit SECONDS]
#                              [--csv FILE] [--label NAME]
# Appends one CSV row per compile: label,compiler,model,sites,seconds,peak_mib,status.
set -euo pipefail
cd "$(dirname "$0")/.."
sites="1 2 4 8 16"; compilers="g++ clang++"; limit=900
csv=docs/benchmarks/compile_time.csv; label=current
while [ $# -gt 0 ]; do
  case "$1" in
    --sites) sites="$2"; shift 2 ;;
    --compilers) compilers="$2"; shift 2 ;;
    --limit) limit="$2"; shift 2 ;;
    --csv) csv="$2"; shift 2 ;;
    --label) label="$2"; shift 2 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done
command -v /usr/bin/time > /dev/null || { echo "needs /usr/bin/time (Debian package 'time')" >&2; exit 1; }
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
[ -s "$csv" ] || echo "label,compiler,model,sites,seconds,peak_mib,status" > "$csv"
flags=(-std=c++20 -O2 -march=native -mno-avx512f -DEIGEN_USE_BLAS -DPPL_HAVE_OPENBLAS
       -Iinclude -Iexamples -isystem /usr/include/eigen3 -c)

# compile COMPILER MODEL SITES SOURCE: one measured compile, one CSV row, one line of progress
compile() {
  local compiler=$1 model=$2 n=$3 source=$4 status=ok
  /usr/bin/time -f "%e %M" -o "$work/time" timeout "$limit" "$compiler" "${flags[@]}" "$source" -o "$work/out.o" \
    2> "$work/errors" || status=failed
  [ "$status" = ok ] || { grep -q . "$work/time" && tail -1 "$work/time" | grep -q '^[0-9]' || echo "$limit 0" > "$work/time"; }
  grep -q 'Command exited with non-zero status 124' "$work/time" && status=timeout
  read -r seconds kib < <(tail -1 "$work/time")
  [ "$status" = failed ] && head -5 "$work/errors" >&2
  local peak=$(( kib / 1024 ))
  [ "$status" = ok ] || peak=""  # a stopped compile's peak is not known (time measures timeout itself)
  echo "$label,$compiler,$model,$n,$seconds,$peak,$status" | tee -a "$csv"
}

for compiler in $compilers; do
  for n in $sites; do
    python3 bench/compile/generate_model.py "$n" --main > "$work/sites_$n.cpp"
    compile "$compiler" "sites_$n" "$n" "$work/sites_$n.cpp"
  done
  compile "$compiler" examples/vae.cpp 1 examples/vae.cpp
done
