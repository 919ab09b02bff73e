#!/usr/bin/env python3
"""Plots bench/mpi_scaling.sh's CSV: the speedup of 2 processes over 1 and the share of the
2-process step inside the allreduce, against the global batch, with the targets of docs/benchmarks.md.

Usage: plot_mpi_scaling.py SCALING_CSV OUT_PNG
"""
import csv
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    with open(sys.argv[1]) as f:
        rows = list(csv.DictReader(f))
    if not rows:
        sys.exit(f"{sys.argv[1]} holds no rows")
    batch = [int(r["batch"]) for r in rows]
    speedup = [float(r["speedup"]) for r in rows]
    share = [100 * float(r["np2_allreduce_share"]) for r in rows]
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.6))
    left.plot(batch, speedup, "o-", label="np=2 / np=1 samples/s")
    left.axhline(1.7, color="grey", linestyle="--", label="target 1.7x")
    left.axhline(2.0, color="grey", linestyle=":", label="perfect 2x")
    left.set_ylim(1.0, 2.1)
    left.set_ylabel("speedup of 2 processes")
    right.plot(batch, share, "o-", color="tab:red", label="np=2 step inside the allreduce")
    right.axhline(5, color="grey", linestyle="--", label="target 5%")
    right.set_ylim(0, max(share + [6]) * 1.15)
    right.set_ylabel("% of the step")
    for ax in (left, right):
        ax.set_xscale("log", base=2)
        ax.set_xticks(batch, [str(b) for b in batch])
        ax.set_xlabel("global batch (each process B / 2)")
        ax.legend(fontsize=8)
        ax.grid(alpha=0.3)
    fig.suptitle("Continuous VAE step, 1 thread per process, 2-core machine", fontsize=10)
    fig.tight_layout()
    fig.savefig(sys.argv[2], dpi=110)


if __name__ == "__main__":
    main()
