#!/usr/bin/python3
"""The semi-supervised VAE's table: examples/semi_supervised_vae with every estimator of its class site
and several seeds, on Fashion-MNIST with --labels labelled images. Writes the logs, a markdown table
(final test accuracy, test -ELBO and -log p(x), mean and spread over the seeds) and a plot of the
test accuracy per epoch. With --peer (the default), the PyTorch peer with the class marginalized
(bench/peers/torch_semi_supervised_vae.py) runs on the labelled images of each seed's ppl run.

A run whose log is already in --logs is kept, not run again, so an interrupted table resumes; a log
appears only when its run has finished.

Usage: bench/semi_supervised_table.py [--labels 1000] [--epochs 10] [--seeds 0 1 2] [--jobs 2]
         [--estimators enumerate gumbel_softmax straight_through score_function]
         [--eval-samples 100] [--eval-images 1000] [--build build/release]
         [--logs build/semi_supervised] [--docs docs] [--no-peer]
"""
import argparse
import concurrent.futures
import os
import re
import statistics
import subprocess
import sys
import time

EPOCH = re.compile(r"^epoch=(\d+) train_neg_elbo=([0-9.]+) test_neg_elbo=([0-9.]+)(?: .*)? test_accuracy=([0-9.]+)")
LIKELIHOOD = re.compile(r"^test_neg_log_likelihood=([0-9.]+)")
SECONDS = re.compile(r"seconds=([0-9.]+)")


def run(command, log):
    if os.path.exists(log):
        return log, 0.0
    start = time.time()
    result = subprocess.run(command, capture_output=True, text=True,
                            env={**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"})
    if result.returncode != 0:
        sys.exit(f"{' '.join(command)} failed:\n{result.stdout}{result.stderr}")
    with open(log + ".tmp", "w") as f:
        f.write(result.stdout)
    os.replace(log + ".tmp", log)
    return log, time.time() - start


def parse(log):
    epochs, likelihood, seconds = [], None, 0.0
    with open(log) as f:
        for line in f:
            m = EPOCH.match(line)
            if m:
                epochs.append((int(m[1]), float(m[3]), float(m[4])))
                s = SECONDS.search(line)
                seconds += float(s[1]) if s else 0.0
            m = LIKELIHOOD.match(line)
            if m:
                likelihood = float(m[1])
    return epochs, likelihood, seconds


def spread(values):
    if not values:
        return "-"
    if len(values) == 1:
        return f"{values[0]:.3f}"
    return f"{statistics.mean(values):.3f} ± {statistics.stdev(values):.3f}"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--labels", type=int, default=1000)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--estimators", nargs="+", default=["enumerate", "gumbel_softmax", "straight_through", "score_function"])
    parser.add_argument("--eval-samples", type=int, default=100)
    parser.add_argument("--eval-images", type=int, default=1000)
    parser.add_argument("--build", default="build/release")
    parser.add_argument("--logs", default="build/semi_supervised")
    parser.add_argument("--docs", default="docs")
    parser.add_argument("--no-peer", dest="peer", action="store_false", help="leave out the PyTorch peer")
    a = parser.parse_args()
    binary = os.path.join(a.build, "examples", "semi_supervised_vae")
    if not os.access(binary, os.X_OK):
        sys.exit(f"{binary} is missing: cmake --build --preset release --target semi_supervised_vae")
    os.makedirs(a.logs, exist_ok=True)
    os.makedirs(os.path.join(a.docs, "benchmarks"), exist_ok=True)
    runs = []
    # the costliest first, so that two jobs finish together
    for estimator in a.estimators:
        for seed in a.seeds:
            log = os.path.join(a.logs, f"labels{a.labels}_epochs{a.epochs}_{estimator}_{seed}.log")
            out = log[:-len(".log")]  # the run's checkpoint and labelled.txt
            command = [binary, "--labels", str(a.labels), "--epochs", str(a.epochs), "--seed", str(seed), "--estimator",
                       estimator, "--eval-samples", str(a.eval_samples), "--eval-images", str(a.eval_images), "--out", out]
            runs.append((estimator, seed, log, command))

    def run_all(batch):
        with concurrent.futures.ThreadPoolExecutor(max_workers=a.jobs) as pool:
            for done in concurrent.futures.as_completed([pool.submit(run, command, log) for _, _, log, command in batch]):
                log, took = done.result()
                print(f"{os.path.basename(log)}: {'kept' if took == 0 else f'{took:.0f} s'}", flush=True)

    run_all(runs)
    peer = "torch_marginalization"
    if a.peer:
        peer_runs = []
        for seed in a.seeds:
            first = next(log for estimator, s, log, _ in runs if s == seed)
            log = os.path.join(a.logs, f"labels{a.labels}_epochs{a.epochs}_{peer}_{seed}.log")
            command = ["/usr/bin/python3", os.path.join(os.path.dirname(os.path.abspath(__file__)), "peers",
                                                         "torch_semi_supervised_vae.py"),
                       "--labelled", os.path.join(first[:-len(".log")], "labelled.txt"), "--epochs", str(a.epochs),
                       "--seed", str(seed), "--eval-samples", str(a.eval_samples), "--eval-images", str(a.eval_images)]
            peer_runs.append((peer, seed, log, command))
        run_all(peer_runs)
        runs += peer_runs
        a.estimators = a.estimators + [peer]

    rows, curves = [], {}
    for estimator in a.estimators:
        accuracy, neg_elbo, likelihood, seconds = [], [], [], []
        for _, seed, log, _ in [r for r in runs if r[0] == estimator]:
            epochs, nll, took = parse(log)
            if len(epochs) != a.epochs:
                sys.exit(f"{log}: {len(epochs)} epoch lines, expected {a.epochs}")
            accuracy.append(epochs[-1][2])
            neg_elbo.append(epochs[-1][1])
            if nll is not None:
                likelihood.append(nll)
            seconds.append(took)
            curves.setdefault(estimator, []).append([e[2] for e in epochs])
        name = "PyTorch, marginalized (peer)" if estimator == peer else f"`{estimator}`"
        rows.append(f"| {name} | {spread(accuracy)} | {spread(neg_elbo)} | {spread(likelihood)} | "
                    f"{statistics.mean(seconds) / a.epochs:.0f} |")
    header = (f"| estimator of y | test accuracy | test -ELBO | test -log p(x), K={a.eval_samples}, first {a.eval_images} images "
              f"| seconds per epoch |\n|---|---|---|---|---|")
    table = header + "\n" + "\n".join(rows) + "\n"
    page = os.path.join(a.docs, "benchmarks", f"semi_supervised_{a.labels}.md")
    with open(page, "w") as f:
        f.write(f"<!-- written by bench/semi_supervised_table.py --labels {a.labels} --epochs {a.epochs} "
                f"--seeds {' '.join(map(str, a.seeds))} -->\n"
                f"{a.labels} labels, {a.epochs} epochs, seeds {', '.join(map(str, a.seeds))} (mean ± standard deviation)\n\n"
                + table)
    print(table)

    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, axis = plt.subplots(figsize=(6, 4))
    for estimator, runs_of in curves.items():
        mean = [statistics.mean(v) for v in zip(*runs_of)]
        axis.plot(range(1, len(mean) + 1), mean, "o-", label=estimator)
    axis.set_xlabel("epoch")
    axis.set_ylabel(f"test accuracy (mean of {len(a.seeds)} seeds)")
    axis.set_title(f"semi-supervised VAE, Fashion-MNIST, {a.labels} labels")
    axis.legend()
    fig.tight_layout()
    fig.savefig(os.path.join(a.docs, "benchmarks", f"semi_supervised_{a.labels}.png"), dpi=110)


if __name__ == "__main__":
    main()
