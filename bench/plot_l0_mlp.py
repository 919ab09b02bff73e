#!/usr/bin/env python3
"""Plots l0_mlp's epoch lines: kept units per layer and test error, gated against dense.

Usage: plot_l0_mlp.py GATED_LOG DENSE_LOG OUT_PNG
"""
import re
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt


def epochs(path):
    rows = []
    pattern = re.compile(r"^epoch=(\d+) .*test_error=([0-9.e-]+) kept=(\d+)-(\d+)-(\d+)")
    with open(path) as log:
        for line in log:
            m = pattern.match(line)
            if m:
                rows.append((int(m[1]), float(m[2]), int(m[3]), int(m[4]), int(m[5])))
    if not rows:
        sys.exit(f"{path} holds no epoch lines")
    return rows


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    gated, dense = epochs(sys.argv[1]), epochs(sys.argv[2])
    fig, (units, error) = plt.subplots(1, 2, figsize=(11, 4))
    for k, (name, width) in enumerate([("input (784)", 784), ("hidden 1 (300)", 300), ("hidden 2 (100)", 100)]):
        units.plot([r[0] for r in gated], [r[2 + k] / width for r in gated], label=name)
    units.set_xlabel("epoch")
    units.set_ylabel("share of units kept (test-time gate > 0)")
    units.set_ylim(0, 1.05)
    units.legend()
    units.set_title("Hard Concrete gates, lambda = 0.1")
    error.plot([r[0] for r in gated], [100 * r[1] for r in gated], label="gated (L0)")
    error.plot([r[0] for r in dense], [100 * r[1] for r in dense], label="dense baseline")
    error.set_xlabel("epoch")
    error.set_ylabel("test error (%)")
    error.set_ylim(9, 16)
    error.legend()
    error.set_title("Fashion-MNIST test error")
    fig.tight_layout()
    fig.savefig(sys.argv[3], dpi=110)


if __name__ == "__main__":
    main()
