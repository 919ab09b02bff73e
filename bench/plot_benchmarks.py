#!/usr/bin/python3
"""Draws step time per implementation and batch size from bench_vae_step's JSON output
(--benchmark_out=FILE --benchmark_out_format=json). Usage: plot_benchmarks.py results.json out.png"""
import json
import re
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

runs = json.load(open(sys.argv[1]))["benchmarks"]
times = {}
for b in runs:
    # one run per benchmark, or the median of --benchmark_repetitions (named .../real_time_median)
    m = re.match(r"BM_(VaeStep|CatVaeStep)/(\w+)/(\d+)(/real_time)?(_median)?$", b["name"])
    if not m:
        continue
    if b.get("run_type", "iteration") == "aggregate" and b.get("aggregate_name") != "median":
        continue
    times[(m.group(1), m.group(2), int(m.group(3)))] = b["real_time"]  # microseconds
if not times:
    sys.exit("plot_benchmarks: no BM_VaeStep or BM_CatVaeStep results in " + sys.argv[1])

fig, axes = plt.subplots(1, 2, figsize=(10, 4.2))
for ax, model in zip(axes, ["VaeStep", "CatVaeStep"]):
    batches = sorted({k[2] for k in times if k[0] == model})
    impls = [i for i in ["floor", "ppl_fused", "ppl", "manual", "libtorch"] if any(k[1] == i for k in times)]
    width = 0.8 / max(len(impls), 1)
    for j, impl in enumerate(impls):
        values = [times.get((model, impl, b), 0) for b in batches]
        ax.bar([i + j * width for i in range(len(batches))], values, width, label=impl)
    ax.set_xticks([i + width * (len(impls) - 1) / 2 for i in range(len(batches))])
    ax.set_xticklabels([f"B={b}" for b in batches])
    ax.set_yscale("log")
    ax.set_ylabel("time per training step (us, log scale)")
    ax.set_title({"VaeStep": "continuous VAE 784-400-20", "CatVaeStep": "categorical VAE 10x20"}[model])
    ax.legend()
    ax.grid(True, axis="y", which="both", alpha=0.3)
fig.tight_layout()
fig.savefig(sys.argv[2], dpi=110)
print("wrote", sys.argv[2])
