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
    if r["estimator"] == "vimco":
        label = "vimco (of d E[L_n], not d E[r^T z])"
    series.setdefault(label, []).append((r["samples"], r["variance"]))

fig, ax = plt.subplots(figsize=(7.5, 5))
for label, points in series.items():
    points.sort()
    style = "--" if label.startswith("reinforce") else ":" if label.startswith("vimco") else "-"
    extra = {"disarm": "black", "arm": "gold", "vimco": "navy"}.get(label.split(" ")[0])  # beyond the 10-colour cycle
    ax.loglog([n for n, _ in points], [v for _, v in points], style, marker="s" if extra else "o", label=label,
              **({"color": extra} if extra else {}))
ax.set_xlabel("samples per gradient estimate (n)")
ax.set_ylabel("variance of the estimate of d/d logits[0] E[r^T z]")
if results.get("problem", "categorical") == "bernoulli":
    ax.set_title(f'{len(results["rewards"])} independent Bernoulli units, {results["trials"]} trials per point')
else:
    ax.set_title(f'{len(results["rewards"])} classes, {results["trials"]} trials per point')
ax.grid(True, which="both", alpha=0.3)
ax.legend(fontsize=8)
fig.tight_layout()
fig.savefig(sys.argv[2], dpi=110)
print("wrote", sys.argv[2])
