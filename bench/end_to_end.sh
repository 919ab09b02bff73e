#!/usr/bin/env bash
# What a user waits for: 10 epochs of the continuous VAE on Fashion-MNIST (B=128, Adam lr 1e-3,
# seed 0, test -ELBO after every epoch), ppl's example against the PyTorch peer with the same
# settings, one thread each, one after the other in one run (ppl skips its -log p(x) estimate,
# which the peer does not make). Prints both times and their ratio.
# Usage: bench/end_to_end.sh [epochs]   (after cmake --build --preset release)
set -euo pipefail
cd "$(dirname "$0")/.."
epochs=${1:-10}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1
now() { date +%s.%N; }

echo "== ppl: build/release/examples/vae --epochs $epochs --batch 128 --seed 0 --threads 1 --eval-samples 0"
start=$(now)
build/release/examples/vae --epochs "$epochs" --batch 128 --seed 0 --threads 1 --eval-samples 0 --out "$work/ppl" 2>/dev/null | tee "$work/ppl.txt"
ppl=$(awk -v a="$(now)" -v b="$start" 'BEGIN { print a - b }')

echo "== PyTorch: bench/peers/torch_vae_train.py --model vae --epochs $epochs --threads 1"
start=$(now)
/usr/bin/python3 bench/peers/torch_vae_train.py --model vae --epochs "$epochs" --batch 128 --seed 0 --threads 1 | tee "$work/torch.txt"
torch=$(awk -v a="$(now)" -v b="$start" 'BEGIN { print a - b }')

printf 'end_to_end epochs=%s ppl_seconds=%.1f torch_seconds=%.1f torch_over_ppl=%.2f\n' \
  "$epochs" "$ppl" "$torch" "$(awk -v a="$torch" -v b="$ppl" 'BEGIN { print a / b }')"
