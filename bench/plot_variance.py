#!/usr/bin/python3
"""Draws the variance study's log-log plot (variance of the gradient estimate against n samples),
like the seed's figure. Usage: plot_variance.py results.json out.png"""
import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

results = json.load(open(sys.argv[1]))
series = {}
for r in results["results"]:
    label = r["estimator"] if r["tau"] is None else f'{r["estimator"]} (tau={r["tau"]:g})'
    series.setdefault(label, []).append((r["samples"], r["variance"]))

fig, ax = plt.subplots(figsize=(7.5, 5))
for label, points in series.items():
    points.sort()
    style = "--" if label.startswith("reinforce") else "-"
    ax.loglog([n for n, _ in points], [v for _, v in points], style, marker="o", label=label)
ax.set_xlabel("samples per gradient estimate (n)")
ax.set_ylabel("variance of the estimate of d/d logits[0] E[r^T z]")
ax.set_title(f'{len(results["rewards"])} classes, {results["trials"]} trials per point')
ax.grid(True, which="both", alpha=0.3)
ax.legend(fontsize=8)
fig.tight_layout()
fig.savefig(sys.argv[2], dpi=110)
print("wrote", sys.argv[2])
