#!/usr/bin/python3
"""Measures the step-time targets (docs/benchmarks.md, "Performance targets and measurements") with bench_vae_step and prints them as a markdown table.

Each target compares a few benchmarks side by side: one run of bench_vae_step per target, with only
those benchmarks, their repetitions interleaved at random (so that the machine's slow spells hit
all of them alike), and the ratio taken of their medians.

Usage: bench/speed_targets.py [--binary build/release/bench/bench_vae_step] [--repetitions 15] [--json FILE]
"""
import argparse
import json
import statistics
import subprocess
import sys
import tempfile

# (measure, benchmarks, how the ratio is formed, target, True when the ratio must stay at or below it)
TARGETS = [
    ("VAE, B=128, 1 thread, ppl / manual", ["BM_VaeStep/ppl_fused/128", "BM_VaeStep/manual/128"], "a/b", 1.00, True),
    ("cat-VAE, B=128, 1 thread, ppl / manual", ["BM_CatVaeStep/ppl_fused/128", "BM_CatVaeStep/manual/128"], "a/b", 1.00, True),
    ("VAE, B=128, 1 thread, ppl / floor", ["BM_VaeStep/ppl_fused/128", "BM_VaeStep/floor/128"], "a/b", 1.10, True),
    ("VAE, B=1, libtorch / ppl", ["BM_VaeStep/libtorch/1", "BM_VaeStep/ppl_fused/1"], "a/b", 5.0, False),
    ("VAE, B=1, ppl / manual", ["BM_VaeStep/ppl_fused/1", "BM_VaeStep/manual/1"], "a/b", 0.85, True),
    ("VAE, B=128, samples/s, 2 threads / 1 thread", ["BM_VaeStep/ppl_fused/128", "BM_VaeStep/ppl_fused/128/threads:2"], "a/b", 1.8, False),
    # context for the table, without a target of their own
    ("VAE, B=1, ppl fused / ppl unfused", ["BM_VaeStep/ppl_fused/1", "BM_VaeStep/ppl/1"], "a/b", None, True),
    ("VAE, B=128, ppl fused / ppl unfused", ["BM_VaeStep/ppl_fused/128", "BM_VaeStep/ppl/128"], "a/b", None, True),
    ("VAE, B=128, manual / floor", ["BM_VaeStep/manual/128", "BM_VaeStep/floor/128"], "a/b", None, True),
    ("VAE, B=128, manual, 2 threads / 1 thread", ["BM_VaeStep/manual/128", "BM_VaeStep/manual/128/threads:2"], "a/b", None, False),
    ("VAE, B=128, 2 threads, OpenBLAS's threads / ppl's team", ["BM_VaeStep/ppl_fused/128/threads:2/openblas_threads",
                                                                 "BM_VaeStep/ppl_fused/128/threads:2"], "a/b", None, False),
    ("VAE, B=128, 2 threads, both pools / ppl's team", ["BM_VaeStep/ppl_fused/128/threads:2/both_pools",
                                                         "BM_VaeStep/ppl_fused/128/threads:2"], "a/b", None, False),
]


def run(binary, names, repetitions):
    pattern = "^(" + "|".join(n.replace("/", "/") + "/real_time$" for n in names) + ")"
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        subprocess.run([binary, f"--benchmark_filter={pattern}", f"--benchmark_repetitions={repetitions}",
                        "--benchmark_enable_random_interleaving=true", "--benchmark_min_time=0.2",
                        f"--benchmark_out={out.name}", "--benchmark_out_format=json"],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        runs = json.load(open(out.name))["benchmarks"]
    times = {n: [] for n in names}
    for r in runs:
        if r.get("run_type") == "iteration":
            name = r["name"].removesuffix("/real_time")
            if name in times:
                times[name].append(r["real_time"])
    for n, t in times.items():
        if not t:
            sys.exit(f"speed_targets: {binary} ran no benchmark named {n}")
    return {n: statistics.median(t) for n, t in times.items()}, times


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--binary", default="build/release/bench/bench_vae_step")
    ap.add_argument("--repetitions", type=int, default=15)
    ap.add_argument("--json", help="also write every measured time here")
    args = ap.parse_args()
    print("| measure | target | medians (us) | ratio | verdict |")
    print("|---|---|---|---|---|")
    record = []
    for measure, names, _, target, at_most in TARGETS:
        medians, times = run(args.binary, names, args.repetitions)
        a, b = medians[names[0]], medians[names[1]]
        ratio = a / b
        if target is None:
            verdict, target_text = "(context)", "-"
        else:
            met = ratio <= target if at_most else ratio >= target
            verdict = "met" if met else "**missed**"
            target_text = ("<= " if at_most else ">= ") + f"{target:.2f}"
        shown = " / ".join(f"{medians[n]:.0f}" for n in names)
        print(f"| {measure} | {target_text} | {shown} | {ratio:.2f} | {verdict} |", flush=True)
        record.append({"measure": measure, "benchmarks": names, "times_us": times, "ratio": ratio, "target": target})
    if args.json:
        json.dump(record, open(args.json, "w"), indent=1)


if __name__ == "__main__":
    main()
