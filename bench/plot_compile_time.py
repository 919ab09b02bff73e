#!/usr/bin/python3
"""Draws compile time and peak memory against the number of random sites from the CSV that
bench/compile_time.sh writes (label,compiler,model,sites,seconds,peak_mib,status), one line per
(label, compiler), with the least-squares slope in the legend, and prints the markdown table that
docs/benchmarks.md shows (before and after, per compiler). Usage:
plot_compile_time.py out.png results.csv [more.csv ...]"""
import csv
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

all_rows = [r for path in sys.argv[2:] for r in csv.DictReader(open(path))]
rows = [r for r in all_rows if r["model"].startswith("sites_")]
series = {}
for r in rows:
    series.setdefault((r["label"], r["compiler"]), []).append(r)


def slope(points):
    """Least-squares slope of y over x."""
    n = len(points)
    if n < 2:
        return float("nan")
    mx = sum(p[0] for p in points) / n
    my = sum(p[1] for p in points) / n
    sxx = sum((p[0] - mx) ** 2 for p in points)
    return sum((p[0] - mx) * (p[1] - my) for p in points) / sxx if sxx else float("nan")


fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.3))
for (label, compiler), rs in series.items():  # in the order the CSV lists them
    done = sorted((int(r["sites"]), float(r["seconds"]), float(r["peak_mib"]) / 1024) for r in rs if r["status"] == "ok")
    cut = sorted((int(r["sites"]), float(r["seconds"])) for r in rs if r["status"] != "ok")
    style = "-o" if label != "before" else "--s"
    if done:
        s = slope([(d[0], d[1]) for d in done])
        left.plot([d[0] for d in done], [d[1] for d in done], style, label=f"{label}, {compiler} ({s:.1f} s/site)")
        right.plot([d[0] for d in done], [d[2] for d in done], style, label=f"{label}, {compiler}")
    for x, y in cut:
        left.annotate(f"stopped at {y:.0f} s", (x, y), textcoords="offset points", xytext=(-30, 6), fontsize=8)
        left.plot([x], [y], "x", color="black")
for ax, title, unit in [(left, "compile time, -O2, one translation unit", "seconds"),
                        (right, "peak memory of the compiler", "GiB")]:
    ax.set_xticks(sorted({int(r["sites"]) for r in rows}))
    ax.set_xlabel("random sites in the model")
    ax.set_ylabel(unit)
    ax.set_title(title)
    ax.grid(alpha=0.3)
# the targets: <= 60 s up to 32 sites, <= 150 s at 64
time_targets = {n: t for n, t in {16: 60, 32: 60, 64: 150}.items() if n in {int(r["sites"]) for r in rows}}
left.plot(list(time_targets), list(time_targets.values()), "v", color="grey", label="target")
right.axhline(2.5, color="grey", lw=0.8, ls=":")
left.legend(fontsize=8, loc="upper left")
right.text(16, 2.45, "target 2.5 GB", ha="right", va="top", fontsize=8, color="grey")
fig.tight_layout()
fig.savefig(sys.argv[1], dpi=110)


def cell(label, compiler, model):
    for r in all_rows:
        if (r["label"], r["compiler"], r["model"]) == (label, compiler, model):
            if r["status"] != "ok":
                return f"stopped at {float(r['seconds']):.0f} s"
            return f"{float(r['seconds']):.1f} s, {int(r['peak_mib']) / 1024:.2f} GiB"
    return "not run"


labels = list(dict.fromkeys(r["label"] for r in all_rows))  # in the order the CSV lists them
compilers = sorted({r["compiler"] for r in all_rows}, reverse=True)
columns = [(c, l) for c in compilers for l in labels]
print("| model | " + " | ".join(f"{c} {l}" for c, l in columns) + " |")
print("|---" * (len(columns) + 1) + "|")
models = sorted({r["model"] for r in all_rows}, key=lambda m: (not m.startswith("sites_"), int(m[6:]) if m.startswith("sites_") else 0))
for m in models:
    name = f"{m[6:]} sites" if m.startswith("sites_") else f"`{m}`"
    print(f"| {name} | " + " | ".join(cell(l, c, m) for c, l in columns) + " |")
