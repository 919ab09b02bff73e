#!/usr/bin/python3
"""Reads the logs of bench/estimator_table.sh (<model>_<estimator>_<seed>.log, each holding the
example's epoch=, grad_variance= and test_neg_log_likelihood= lines) and writes docs/estimator_benchmark.md with its table
and two plots: test -ELBO of the discrete model against steps, and gradient variance against steps.
Usage: plot_estimator_table.py LOG_DIR DOCS_DIR "command that produced the logs" [SECONDS_IT_TOOK [RUNS_IT_TRAINED]]"""
import glob
import os
import platform
import re
import statistics
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

log_dir, docs_dir, command = sys.argv[1], sys.argv[2], sys.argv[3]
minutes = float(sys.argv[4]) / 60 if len(sys.argv) > 4 else None
executed = int(sys.argv[5]) if len(sys.argv) > 5 else None  # runs this invocation trained (the rest were kept)
STEPS_PER_EPOCH = 60000 // 128
MODELS = ["bernoulli_vae_linear", "bernoulli_vae_nonlinear", "cat_vae"]
ESTIMATORS = ["gumbel_softmax", "straight_through", "score_function", "leave_one_out", "disarm", "arm", "rebar", "relax"]
PEERS = ["gumbel_softmax", "straight_through", "leave_one_out", "disarm"]  # bench/peers/torch_bernoulli_vae.py
ROWS = [name for e in ESTIMATORS for name in [e] + (["torch_" + e] if e in PEERS else [])]  # each peer after ppl's row
PUBLISHED = ESTIMATORS[:3]  # the Gumbel-softmax paper's ordering: GS < ST < SF
TITLES = {
    "bernoulli_vae_linear": "bernoulli_vae --layers linear",
    "bernoulli_vae_nonlinear": "bernoulli_vae --layers nonlinear",
    "cat_vae": "cat_vae --binarize",
}


def fields(line):
    return dict(kv.split("=", 1) for kv in line.split()[1:] if "=" in kv) | (
        {"epoch": line.split()[0].split("=")[1]} if line.startswith("epoch=") else {})


runs = {}  # (model, estimator) -> list of {"epochs": [...], "variance": [...]}
for path in sorted(glob.glob(os.path.join(log_dir, "*.log"))):
    name = os.path.basename(path)[:-4]
    match = re.match(r"(.+?)_(" + "|".join(sorted(ROWS, key=len, reverse=True)) + r")_(\d+)$", name)
    if not match:
        continue
    model, estimator, seed = match.groups()
    epochs, variance, likelihood = [], [], None
    for line in open(path):
        if line.startswith("epoch="):
            epochs.append(fields(line))
        elif line.startswith("grad_variance "):
            variance.append(fields(line))
        elif line.startswith("test_neg_log_likelihood="):
            likelihood = dict(kv.split("=", 1) for kv in line.split())
    if epochs:
        runs.setdefault((model, estimator), []).append(
            {"seed": int(seed), "epochs": epochs, "variance": variance, "likelihood": likelihood})
if not runs:
    sys.exit(f"no logs in {log_dir}")


def mean_sd(values):
    if not values:
        return "n/a"
    if len(values) == 1:
        return f"{values[0]:.2f}"
    return f"{statistics.mean(values):.2f} ± {statistics.stdev(values):.2f}"


def final(run, key):
    value = run["epochs"][-1].get(key)
    return float(value) if value is not None else None


rows = []
summary = {}  # (model, estimator) -> mean final test -ELBO
spread = {}  # (model, estimator) -> the final test -ELBO of each seed
relaxed_summary = {}  # model -> mean final relaxed test -ELBO of gumbel_softmax
variance = {}  # (model, estimator) -> mean gradient variance after step 0
likelihood_summary = {}  # (model, estimator) -> mean test -log p(x) estimate
likelihood_samples = sorted({int(r["likelihood"]["samples"]) for g in runs.values() for r in g if r["likelihood"]})
likelihood_images = sorted({int(r["likelihood"].get("images", 10000)) for g in runs.values() for r in g if r["likelihood"]})
variance_steps = sorted({int(v["step"]) for g in runs.values() for r in g for v in r["variance"]})
variance_every = variance_steps[1] - variance_steps[0] if len(variance_steps) > 1 else None
budgets = sorted({len(r["epochs"]) * STEPS_PER_EPOCH for g in runs.values() for r in g})
def label(estimator):
    return f"`{estimator[6:]}`, PyTorch peer" if estimator.startswith("torch_") else f"`{estimator}`"


for model in MODELS:
    for estimator in ROWS:
        group = runs.get((model, estimator))
        if not group:
            continue
        train = [final(r, "train_neg_elbo") for r in group]
        test = [final(r, "test_neg_elbo") for r in group]
        relaxed = [v for v in (final(r, "test_neg_elbo_relaxed") for r in group) if v is not None]
        later = [float(v["value"]) for r in group for v in r["variance"] if int(v["step"]) > 0]
        per_step = [1e3 * float(e["seconds"]) / STEPS_PER_EPOCH for r in group for e in r["epochs"]]
        nll = [float(r["likelihood"]["test_neg_log_likelihood"]) for r in group if r["likelihood"]]
        if nll:
            likelihood_summary[(model, estimator)] = statistics.mean(nll)
        summary[(model, estimator)] = statistics.mean(test)
        spread[(model, estimator)] = test
        if relaxed:
            relaxed_summary[model] = statistics.mean(relaxed)
        variance_text = f"{statistics.mean(later):.3g}" if later else "n/a"
        if later:
            variance[(model, estimator)] = statistics.mean(later)
        rows.append(f"| {TITLES[model]} | {label(estimator)} | {len(group)} | {len(group[0]['epochs']) * STEPS_PER_EPOCH} | "
                    f"{mean_sd(train)} | **{mean_sd(test)}** | {mean_sd(relaxed) if relaxed else ''} | {mean_sd(nll)} | "
                    f"{variance_text} | {statistics.median(per_step):.2f} |")

os.makedirs(os.path.join(docs_dir, "benchmarks"), exist_ok=True)
# the plots: one panel per model, one curve per estimator (mean over seeds)
colours = {"gumbel_softmax": "tab:blue", "straight_through": "tab:orange", "score_function": "tab:green",
           "leave_one_out": "tab:olive", "disarm": "tab:red", "arm": "tab:brown", "rebar": "tab:purple", "relax": "tab:pink"}
present = [m for m in MODELS if any((m, e) in runs for e in ESTIMATORS)]
for kind in ("test_neg_elbo", "grad_variance"):
    figure, axes = plt.subplots(1, len(present), figsize=(5 * len(present), 4), squeeze=False)
    for axis, model in zip(axes[0], present):
        for estimator in ROWS:
            group = runs.get((model, estimator))
            if not group or (kind == "grad_variance" and not all(r["variance"] for r in group)):
                continue  # the peers draw no variance
            if kind == "test_neg_elbo":
                count = min(len(r["epochs"]) for r in group)
                steps = [(k + 1) * STEPS_PER_EPOCH for k in range(count)]
                values = [statistics.mean(float(r["epochs"][k]["test_neg_elbo"]) for r in group) for k in range(count)]
            else:
                count = min(len(r["variance"]) for r in group)
                steps = [int(group[0]["variance"][k]["step"]) for k in range(count)]
                values = [statistics.mean(float(r["variance"][k]["value"]) for r in group) for k in range(count)]
            peer = estimator.startswith("torch_")
            axis.plot(steps, values, marker="x" if peer else "o", linestyle="--" if peer else "-",
                      color=colours[estimator.removeprefix("torch_")],
                      label=f"{estimator[6:]} (PyTorch)" if peer else estimator)
        axis.set_title(TITLES[model])
        axis.set_xlabel("training steps")
        if kind == "test_neg_elbo":
            axis.set_ylabel("test -ELBO of the discrete model (nats)")
        else:
            axis.set_ylabel("mean per-parameter gradient variance (encoder)")
            axis.set_yscale("log")
        axis.grid(alpha=0.3)
        axis.legend()
    figure.tight_layout()
    figure.savefig(os.path.join(docs_dir, "benchmarks", f"estimator_{kind}.png"), dpi=90)


def ordering(values):
    return "holds" if all(a < b for a, b in zip(values, values[1:])) else "does not hold"


def ordering_rows():
    """Per model: the discrete test -ELBO of each estimator, and the ordering with gumbel_softmax
    scored by its discrete bound and by its relaxed one."""
    lines = []
    for m in present:
        if any((m, e) not in summary for e in PUBLISHED):
            continue
        discrete = [summary[(m, e)] for e in PUBLISHED]
        relaxed = [relaxed_summary.get(m, discrete[0])] + discrete[1:]
        nll = [likelihood_summary.get((m, e)) for e in PUBLISHED]
        nll_text = (f"{', '.join(f'{v:.1f}' for v in nll)} | {ordering(nll)}" if all(v is not None for v in nll)
                    else "n/a | n/a")
        lines.append(f"| {TITLES[m]} | {', '.join(f'{v:.1f}' for v in discrete)} | {ordering(discrete)} | "
                     f"{relaxed[0]:.1f} | {ordering(relaxed)} | {nll_text} |")
    return "\n".join(lines)


def below_score_function(estimator, description):
    """How much less gradient variance an unbiased estimator has than the score function, and both scores."""
    models = [m for m in present if (m, estimator) in variance and (m, "score_function") in variance]
    if not models:
        return None
    spread = [variance[(m, "score_function")] / variance[(m, estimator)] for m in models]
    scores = ", ".join(f"{summary[(m, estimator)]:.1f} against {summary[(m, 'score_function')]:.1f} on {TITLES[m]}"
                       for m in models)
    return (f"- {estimator}, {description}, has {min(spread):.0f} to {max(spread):.0f} times less gradient variance "
            f"than the score function with a moving average; test -ELBO {scores}.")


LONG_NAMES = {"relax": "RELAX", "rebar": "REBAR", "leave_one_out": "REINFORCE with the leave-one-out baseline",
              "score_function": "the score function with a moving-average baseline"}


def pair_ordering(first, rival):
    """first against rival, by test -ELBO and -log p(x), on the models where both ran."""
    models = [m for m in present if (m, first) in summary and (m, rival) in summary]
    if not models:
        return ""
    parts = []
    for m in models:
        nll = ""
        if (m, first) in likelihood_summary and (m, rival) in likelihood_summary:
            nll = f", -log p(x) {likelihood_summary[(m, first)]:.1f} against {likelihood_summary[(m, rival)]:.1f}"
        parts.append(f"{TITLES[m]}: test -ELBO {summary[(m, first)]:.1f} against {summary[(m, rival)]:.1f}{nll}")
    by_elbo = sum(summary[(m, first)] < summary[(m, rival)] for m in models)
    scored = [m for m in models if (m, first) in likelihood_summary and (m, rival) in likelihood_summary]
    by_nll = sum(likelihood_summary[(m, first)] < likelihood_summary[(m, rival)] for m in scored)
    return (f"{LONG_NAMES[first]} against {LONG_NAMES[rival]}: {LONG_NAMES[first]} is ahead on {by_elbo} of "
            f"{len(models)} models by test -ELBO and on {by_nll} of {len(scored)} by test -log p(x) "
            f"({'; '.join(parts)}).")


def relax_rebar_ordering():
    """The papers' RELAX > REBAR > REINFORCE-LOO (or, without LOO runs, the moving average), pair by pair."""
    rival = "leave_one_out" if any((m, "leave_one_out") in summary for m in present) else "score_function"
    parts = [p for p in (pair_ordering("relax", "rebar"), pair_ordering("rebar", rival)) if p]
    if not parts:
        return "Neither RELAX nor REBAR has run here."
    return (" ".join(parts) + " Compare the gaps with the seed-to-seed spread in the results table: where a row "
            "has one seed, none is known.")


def peer_comparison():
    """ppl against each PyTorch peer: the gap in mean test -ELBO and its standard error from the seeds."""
    lines = []
    for m in present:
        for e in PEERS:
            ours, theirs = spread.get((m, e)), spread.get((m, "torch_" + e))
            if not ours or not theirs:
                continue
            gap = statistics.mean(ours) - statistics.mean(theirs)
            if len(ours) < 2 or len(theirs) < 2:
                verdict, error_text = "no seed spread to compare with (one seed)", "n/a"
            else:
                error = (statistics.variance(ours) / len(ours) + statistics.variance(theirs) / len(theirs)) ** 0.5
                verdict = "within seed noise" if abs(gap) <= 2 * error else "outside seed noise"
                error_text = f"{error:.2f}"
            nll = ""
            if (m, e) in likelihood_summary and (m, "torch_" + e) in likelihood_summary:
                nll = f"{likelihood_summary[(m, e)]:.2f} / {likelihood_summary[(m, 'torch_' + e)]:.2f}"
            lines.append(f"| {TITLES[m]} | `{e}` | {statistics.mean(ours):.2f} / {statistics.mean(theirs):.2f} | "
                         f"{gap:+.2f} | {error_text} | {verdict} | {nll} |")
    if not lines:
        return "The PyTorch peers of `bernoulli_vae` have not run into these logs."
    return ("| model | estimator | test -ELBO, ppl / PyTorch | gap | SE of the gap | verdict (gap within 2 SE) | "
            "test -log p(x), ppl / PyTorch |\n|---|---|---|---|---|---|---|\n" + "\n".join(lines))


def findings():
    """What the numbers say, computed from them so that the text stays true when they change."""
    out = []
    ratios = [variance[(m, "score_function")] / variance[(m, e)] for m in present for e in PUBLISHED[:2]
              if (m, e) in variance and (m, "score_function") in variance]
    if ratios:
        out.append(f"- The score function (moving-average baseline) has {min(ratios):.0f} to {max(ratios):.0f} times "
                   "the gradient variance of the two relaxations.")
    lowest = [m for m in present if m in relaxed_summary
              and relaxed_summary[m] < min(summary[(m, e)] for e in ESTIMATORS if (m, e) in summary)]
    if lowest:
        out.append("- Gumbel-softmax's relaxed bound is the lowest number of its model in "
                   f"{len(lowest)} of {len(present)} models, below every discrete score, its own included.")
    behind = [TITLES[m] for m in present if (m, "straight_through") in summary and (m, "gumbel_softmax") in summary
              and summary[(m, "straight_through")] < summary[(m, "gumbel_softmax")]]
    if behind:
        out.append("- Scored as the discrete model it trains, gumbel_softmax is behind straight_through on "
                   + ", ".join(behind) + ".")
    for estimator, description in (("disarm", "the unbiased antithetic estimator"),
                                   ("rebar", "unbiased with the relaxation as a learned control variate"),
                                   ("relax", "rebar with a learned control network (relax_mlp<32>)")):
        line = below_score_function(estimator, description)
        if line:
            out.append(line)
    refined = [m for m in present if (m, "arm") in variance and (m, "disarm") in variance]
    if refined:
        spread = [variance[(m, "arm")] / variance[(m, "disarm")] for m in refined]
        out.append(f"- arm, the antithetic estimator without DisARM's Rao-Blackwellization, has {min(spread):.1f} to "
                   f"{max(spread):.1f} times the gradient variance of disarm at the same cost.")
    return "\n".join(out)


def run_time_text():
    """How long the invocation that wrote this page took, and how many of the runs it trained itself."""
    if minutes is None:
        return ""
    total = sum(len(g) for g in runs.values())
    if executed is None or executed == total:
        return f"The runs took {minutes:.0f} minutes in all."
    return (f"This invocation trained {executed} of the {total} runs, in {minutes:.0f} minutes; the other logs were "
            "already in the log folder from an earlier invocation of the same command, and were kept.")


cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.machine())
orderings = ordering_rows()
findings_text = findings()
seeds = sorted({r['seed'] for group in runs.values() for r in group})
likelihood_text = ", ".join(map(str, likelihood_samples)) or "n/a"
images_text = ", ".join(map(str, likelihood_images)) or "n/a"
budget_text = " or ".join(f"{b} steps ({b // STEPS_PER_EPOCH} epochs)" for b in budgets)
variance_schedule = (f"every {variance_every} steps (`--variance-every {variance_every}`)" if variance_every
                 else "at step 0 only")
page = f"""# The estimator benchmark

Every estimator that ppl offers for binary and categorical latents, on the standard workload of the
Gumbel-softmax, REBAR, RELAX and DisARM papers: VAEs with discrete latents on dynamically binarized
images (Fashion-MNIST here). Each pixel is redrawn ~ Bernoulli(intensity) every epoch, and the test
set is binarized once with a fixed seed, so that every run is scored on the same images.

- `bernoulli_vae --layers linear`: 784 -> 200 Bernoulli latents -> 784, uniform Bernoulli(1/2) prior.
- `bernoulli_vae --layers nonlinear`: two tanh layers of 200 units on each side.
- `cat_vae --binarize`: the seed's categorical VAE, 10 groups of 20 classes, uniform prior.

All runs have the same budget, {budget_text} of batch 128, and Adam at 1e-3. Relaxed estimators use the examples'
temperature schedule (tau = max(0.5, exp(-1e-5 step)), updated every 1000 steps).

**Every -ELBO on this page is the bound of the discrete model**: relaxed sites are evaluated with
exact one-hot samples, and the KL is the closed form of the discrete q. The relaxed bound that
`gumbel_softmax` trains on is shown only as a diagnostic, in its own column.

Produced by one command, which runs the examples and then `bench/plot_estimator_table.py`:

```text
{command}
```

Machine: {cpu}, {os.cpu_count()} cores, one OpenBLAS thread per run. Seeds: {', '.join(map(str, seeds))}.
{run_time_text()}

A longer run, 20 epochs with K = 100 over the whole test set, assembled from several invocations of
this script in an earlier session, is kept in [estimator_benchmark_20_epochs.md](estimator_benchmark_20_epochs.md):
it has more points per curve, and its orderings can be set beside the ones below.

## Results

Mean ± standard deviation over seeds, after the last epoch. The gradient variance is that of the
encoder's parameters: 100 independent gradient estimates on one training batch, {variance_schedule},
averaged over the entries and over the measurements after step 0. The
time per step is the epoch's wall time over its 468 steps, so it also holds the evaluation and the
variance draws; compare it between rows, not with bench_vae_step. `disarm` evaluates two
antithetic samples per image (so does `arm`, its unrefined form), so its steps cost about twice
those of the score function; `rebar`
evaluates five column blocks per image (the exact sample, two relaxed points and two probes for its
temperature) and learns its own tau, so the temperature schedule does not apply to it; `relax`
does the same and also learns a control network (`relax_mlp<32>`). The test
-log p(x) is the importance weighted bound of the discrete model with K samples per test image
(`--eval-samples K`), the estimator papers' test metric; they use K = 1000, which is the default of
the examples and of this script. Here it covers the first {images_text} test images
(`--eval-images`), the same images for every run, so that the rows compare with each other even
where the whole test set would give a slightly different mean.

| model | estimator | seeds | steps | train -ELBO | test -ELBO (discrete) | test -ELBO (relaxed, diagnostic) | test -log p(x), K = {likelihood_text}, {images_text} images | gradient variance | ms per step |
|---|---|---|---|---|---|---|---|---|---|
{chr(10).join(rows)}

![test -ELBO against steps](benchmarks/estimator_test_neg_elbo.png)

![gradient variance against steps](benchmarks/estimator_grad_variance.png)

## The published orderings

The Gumbel-softmax paper (Jang, Gu and Poole 2017, Table 1) reports, on binarized MNIST, test -ELBO
Gumbel-softmax < ST Gumbel-softmax < score function. Here are the mean test -ELBOs of
gumbel_softmax, straight_through and score_function. The ordering is checked twice: once with
gumbel_softmax scored as the discrete model it trains, and once with its relaxed bound, the number
an evaluation with soft samples would report.

| model | test -ELBO, discrete (GS, ST, SF) | GS < ST < SF | GS relaxed | GS relaxed < ST < SF | test -log p(x) (GS, ST, SF) | GS < ST < SF |
|---|---|---|---|---|---|---|
{orderings}

Compare each difference with its seed-to-seed standard deviation in the results table.
{findings_text}

The RELAX and REBAR papers (Grathwohl et al. 2018; Tucker et al. 2017) report RELAX > REBAR >
REINFORCE with a leave-one-out baseline. {relax_rebar_ordering()}

## PyTorch peers

`bench/peers/torch_bernoulli_vae.py` trains the same `bernoulli_vae` in PyTorch (float32, one thread)
with gumbel_softmax, straight_through, leave_one_out (two samples) and disarm, each written there
from its paper, with the same layers, initialisation rule, batch, optimiser, temperature schedule,
dynamic binarization and evaluation, and its own random numbers for training. Its test set is ppl's,
bit for bit: the peer reproduces ppl's PCG32 stream and binarization rule, so both frameworks score
the same binary images (and, with `--eval-images`, the same first images). Its rows sit
next to ppl's in the results table and as dashed curves in the first plot (they draw no gradient
variance, so their ms per step hold no variance draws, and they shared the cores with other runs:
speed is measured by bench_vae_step, not here). The standard error of the
gap comes from the seed-to-seed spread of both: sqrt(sd_ppl^2 / n_ppl + sd_torch^2 / n_torch).

{peer_comparison()}
"""
with open(os.path.join(docs_dir, "estimator_benchmark.md"), "w") as out:
    out.write(page)
print(f"wrote {os.path.join(docs_dir, 'estimator_benchmark.md')} from {sum(len(g) for g in runs.values())} runs")
