#!/usr/bin/env bash
# Bad input gives a clear ppl::error, exit status 1, and never loses the earlier checkpoint.
# Usage: bad_input.sh <vae binary> <cat_vae binary> <work dir>
set -euo pipefail
vae=$1 cat_vae=$2 work=$3
data=/usr/share/datasets/fashion-mnist
rm -rf "$work" && mkdir -p "$work"
"$vae" --epochs 1 --limit 300 --batch 100 --eval-samples 0 --out "$work/run" > /dev/null 2>&1
cp "$work/run/checkpoint.ppl" "$work/good.ppl"

# data folders with one damaged file each
for kind in truncated magic; do
  mkdir -p "$work/$kind"
  cp "$data"/*.gz "$work/$kind/"
done
head -c 100000 "$data/train-images-idx3-ubyte.gz" > "$work/truncated/train-images-idx3-ubyte.gz"
printf '\x00\x00\x09\x03\x00\x00\x00\x01' | gzip > "$work/magic/train-images-idx3-ubyte.gz"

failures=0
expect_error() {  # name, expected message, command...
  local name=$1 message=$2
  shift 2
  local status=0
  "$@" > "$work/$name.out" 2> "$work/$name.err" || status=$?
  if [ "$status" -ne 1 ]; then
    echo "FAIL $name: exit status $status, expected 1"; failures=$((failures + 1)); return
  fi
  if ! grep -q "error: ppl: .*$message" "$work/$name.err"; then
    echo "FAIL $name: stderr lacks '$message':"; cat "$work/$name.err"; failures=$((failures + 1)); return
  fi
  if ! cmp -s "$work/run/checkpoint.ppl" "$work/good.ppl"; then
    echo "FAIL $name: the earlier checkpoint changed"; failures=$((failures + 1)); return
  fi
  echo "ok   $name: $(grep 'error:' "$work/$name.err")"
}

expect_error missing_data "data directory '$work/nowhere' does not exist" \
  "$vae" --epochs 2 --data "$work/nowhere" --out "$work/run"
expect_error truncated_gz "train-images-idx3-ubyte.gz' is \(truncated\|corrupt\)" \
  "$vae" --epochs 2 --data "$work/truncated" --out "$work/run"
expect_error wrong_magic "is not an IDX file" \
  "$vae" --epochs 2 --data "$work/magic" --out "$work/run"
expect_error tau_zero "initial > 0" \
  "$cat_vae" --epochs 2 --tau0 0 --out "$work/run"
expect_error nan_learning_rate "learning rate --lr is nan" \
  "$vae" --epochs 2 --lr nan --out "$work/run"
cp "$work/run/checkpoint.ppl" "$work/corrupt.ppl"
printf '\xff' | dd of="$work/run/checkpoint.ppl" bs=1 seek=200 conv=notrunc status=none
cp "$work/run/checkpoint.ppl" "$work/good.ppl"  # the damaged file must itself be left as it is
expect_error corrupt_checkpoint "checksum mismatch" \
  "$vae" --epochs 2 --limit 300 --batch 100 --eval-samples 0 --resume --out "$work/run"
[ "$failures" -eq 0 ] || { echo "$failures bad-input case(s) failed"; exit 1; }
echo "all bad-input cases give a clear error and keep the checkpoint"
