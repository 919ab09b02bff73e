#!/usr/bin/python3
"""Plots the step-time ratio enumerate / gumbel_softmax against the class count, beside the speed-ups
Jang et al. (2017, section 4.3) published for their semi-supervised model (2x at 10 classes, 9.9x at 100).

Usage: bench/plot_enumerate_speedup.py CSV PNG
"""
import csv
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

PUBLISHED = {10: 2.0, 100: 9.9}


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    with open(sys.argv[1]) as f:
        rows = list(csv.DictReader(f))
    if not rows:
        sys.exit(f"{sys.argv[1]}: no rows")
    classes = [int(r["classes"]) for r in rows]
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    left.plot(classes, [float(r["enumerate_ms"]) for r in rows], "o-", label="enumerate")
    left.plot(classes, [float(r["gumbel_softmax_ms"]) for r in rows], "s-", label="gumbel_softmax")
    left.set_xlabel("classes")
    left.set_ylabel("ms per training step (batch %s, 1 thread)" % rows[0]["batch"])
    left.set_yscale("log")
    left.legend()
    left.set_title("step time")
    right.plot(classes, [float(r["speedup"]) for r in rows], "o-", label="ppl (this machine)")
    right.plot(list(PUBLISHED), list(PUBLISHED.values()), "k^--", label="Jang et al. 2017 (GPU)")
    right.set_xlabel("classes")
    right.set_ylabel("enumerate / gumbel_softmax")
    right.set_yscale("log")
    right.legend()
    right.set_title("speed-up of Gumbel-softmax")
    fig.tight_layout()
    fig.savefig(sys.argv[2], dpi=110)


if __name__ == "__main__":
    main()
