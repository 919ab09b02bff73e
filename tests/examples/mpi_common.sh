# Shared by the example tests that run jobs of 2 processes (sourced, with $work set).

# make_launcher <mpiexec> <binary> <file>: a program that runs <binary> as a job of 2 processes,
# for scripts that take one program to run (resume.sh).
make_launcher() {
  printf '#!/bin/sh\nexec "%s" -np 2 "%s" "$@"\n' "$1" "$2" > "$3"
  chmod +x "$3"
}

# expect_failure <name> <expected message> <command...>: non-zero within 30 s, with the message
# (its output stays in $work/<name>.log).
expect_failure() {
  local name=$1 message=$2
  shift 2
  local start code
  start=$(date +%s)
  set +e
  timeout 30 "$@" > "$work/$name.log" 2>&1
  code=$?
  set -e
  if [ "$code" -eq 0 ] || [ "$code" -eq 124 ]; then echo "$name: exit code $code (0: no error; 124: a hang)"; cat "$work/$name.log"; exit 1; fi
  grep -q "$message" "$work/$name.log" || { echo "$name: no '$message' in the output"; cat "$work/$name.log"; exit 1; }
  echo "$name: exit code $code after $(( $(date +%s) - start )) s, with: $(grep -m1 "$message" "$work/$name.log")"
}
