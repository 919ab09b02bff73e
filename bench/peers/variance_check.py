#!/usr/bin/python3
"""Independent PyTorch check of ppl's variance study (bench_variance_study's JSON).

Target: d/d logits[0] of E[r^T z]. The JSON's "problem" says which z (categorical if absent):
  categorical  z ~ Cat(softmax(logits)) one-hot; closed form p0 (r0 - p.r);
  bernoulli    z_i ~ Bernoulli(sigmoid(logits_i)), independent units; closed form p0 (1 - p0) r0.
For every row (estimator, tau, n) of the JSON this recomputes `trials` per-trial estimates, each the
average of n per-sample estimates, with its own random numbers, then compares
  variance: |v_ppl - v_torch| <= SIGMAS * sqrt(se_ppl^2 + se_torch^2), where the standard error of a
            sample variance from T trials is v * rel, rel = sqrt(2/(T-1) + excess_kurtosis/T) with the excess
            kurtosis of the per-trial estimates pooled over --runs (20) independent runs of T trials of this
            script's own (floored at -2), or, if larger, the relative spread of those runs' variances (the
            moving average's trials are not independent, so the kurtosis formula understates its error);
  mean:     |m_ppl - m_torch| <= SIGMAS * sqrt(v_ppl/T + v_torch/T).
Prints a table and exits 1 if any row disagrees (2 on bad input).

Estimators (per-sample estimate of the derivative, then averaged over the n samples of a trial):
  reinforce                 (r^T z) (z_0 - p_0)
  reinforce_moving_average  (r^T z - b) (z_0 - p_0), b = 0 for trial 1, then the mean reward of trial 1,
                            then b <- 0.9 b + 0.1 (mean reward of the trial), updated after each trial's estimate
  reinforce_leave_one_out   (r^T z_j - mean of the other n-1 rewards) (z_j0 - p_0)      (n >= 2)
  gumbel_softmax            d(r^T y)/d logits[0] by autograd, y = softmax((logits + g)/tau), g ~ Gumbel(0, 1)
  straight_through          forward one-hot(argmax y), backward through y (autograd)
                            (bernoulli: y = sigmoid((logits + L)/tau), L logistic; straight_through: [y > 1/2])
  disarm, arm (bernoulli)   n/2 antithetic pairs b = [logits + L > 0], b~ = [logits - L > 0], per pair
                            disarm 1/2 (f(b) - f(b~)) (b_0 - b~_0) sigmoid(|logits_0|), arm (f(b) - f(b~)) (sigmoid(L_0) - 1/2)
  vimco (categorical)       the gradient of E[L_n], L_n = log mean_k exp(r_z_k), not of E[r^T z]:
                            sum_k (L_n - L_-k) (z_k0 - p_0), L_-k with r_z_k replaced by the mean of the others
  rebar, relax               only the mean is checked, against the closed form (|m - truth| <= SIGMAS sqrt(v/T)):
                            the variance depends on the eta, tau, network and baseline that ppl adapted first. The
                            PyTorch REBAR that agrees with ppl's on fixed noise is tests/infer/torch_agreement.cpp.

usage: /usr/bin/python3 bench/peers/variance_check.py RESULTS.json [--seed 12345] [--sigmas 4]
       /usr/bin/python3 bench/peers/variance_check.py --emit FAKE.json [--seed S] [--trials 200] [--samples 1,10,100,1000]
           (writes a JSON in ppl's format from this script's own computation, for testing the check itself)
"""
import argparse
import json
import math
import sys
import time

import torch

DEFAULT_LOGITS = [1.0, 0.5, 0.2, 0.0, -0.2, -0.5, -1.0, -1.5]
DEFAULT_REWARDS = [1, 2, 3, 4, 5, 6, 7, 8]
KNOWN = ("reinforce", "reinforce_moving_average", "reinforce_leave_one_out", "gumbel_softmax", "straight_through")
KNOWN_BY_PROBLEM = {"categorical": KNOWN + ("vimco",), "bernoulli": KNOWN + ("disarm", "arm")}


class Problem:
    def __init__(self, logits, rewards, gen, kind="categorical"):
        self.logits = torch.tensor(logits, dtype=torch.float64)
        self.r = torch.tensor(rewards, dtype=torch.float64)
        self.kind = kind
        if kind == "bernoulli":
            self.p = torch.sigmoid(self.logits)
            self.truth = float(self.p[0] * (1 - self.p[0]) * self.r[0])
        else:
            self.p = torch.softmax(self.logits, dim=0)
            self.truth = float(self.p[0] * (self.r[0] - self.p @ self.r))
        self.gen = gen

    def logistic(self, shape):
        u = torch.rand(shape, dtype=torch.float64, generator=self.gen).clamp(1e-12, 1 - 1e-12)
        return torch.log(u) - torch.log1p(-u)

    def bernoulli_estimates(self, estimator, tau, trials, n):
        """The bernoulli problem's per-trial estimates [T]."""
        if estimator in ("disarm", "arm"):
            if n % 2:
                raise ValueError("antithetic pairs need an even n")
            L = self.logistic((trials, n // 2, self.logits.numel()))
            b, b_anti = (self.logits + L > 0).to(torch.float64), (self.logits - L > 0).to(torch.float64)
            difference = b @ self.r - b_anti @ self.r  # [T, n/2]
            if estimator == "disarm":
                per_pair = 0.5 * difference * (b[..., 0] - b_anti[..., 0]) * torch.sigmoid(self.logits[0].abs())
            else:
                per_pair = difference * (torch.sigmoid(L[..., 0]) - 0.5)
            return per_pair.mean(1)
        if estimator.startswith("reinforce"):
            b = (torch.rand(trials, n, self.logits.numel(), dtype=torch.float64, generator=self.gen) < self.p).to(torch.float64)
            return self.score_estimates(estimator, b @ self.r, b[..., 0] - self.p[0], trials, n)
        leaf = self.logits.expand(trials, n, self.logits.numel()).clone().requires_grad_(True)
        y = torch.sigmoid((leaf + self.logistic(leaf.shape)) / tau)
        if estimator == "straight_through":
            y = (y > 0.5).to(y.dtype) - y.detach() + y
        (y @ self.r).sum().backward()
        return leaf.grad[..., 0].mean(1)

    def score_estimates(self, estimator, reward, score0, trials, n):
        """REINFORCE with no baseline, leave-one-out or the moving average, from rewards and scores [T, n]."""
        if estimator == "reinforce":
            return (reward * score0).mean(1)
        if estimator == "reinforce_leave_one_out":
            if n < 2:
                raise ValueError("leave-one-out needs n >= 2")
            others = (reward.sum(1, keepdim=True) - reward) / (n - 1)
            return ((reward - others) * score0).mean(1)
        # moving average of the per-trial mean reward, carried across trials in order
        a, s, mean_reward = (reward * score0).mean(1), score0.mean(1), reward.mean(1)
        out = torch.empty(trials, dtype=torch.float64)
        b, started = 0.0, False
        for t in range(trials):
            out[t] = a[t] - b * s[t]
            m = float(mean_reward[t])
            b, started = (0.9 * b + 0.1 * m, True) if started else (m, True)
        return out

    def gumbel(self, shape):
        u = torch.rand(shape, dtype=torch.float64, generator=self.gen).clamp_min(torch.finfo(torch.float64).tiny)
        return -torch.log(-torch.log(u))

    def categorical(self, trials, n):
        """Indices [T, n] drawn from softmax(logits) by inverting the CDF."""
        u = torch.rand(trials, n, 1, dtype=torch.float64, generator=self.gen)
        cdf = torch.cumsum(self.p, 0)
        return (u > cdf[:-1]).sum(-1)  # number of CDF steps below u

    def estimates(self, estimator, tau, trials, n):
        """Per-trial estimates [T]: the mean over n per-sample estimates."""
        if self.kind == "bernoulli":
            return self.bernoulli_estimates(estimator, tau, trials, n)
        if estimator == "vimco":
            if n < 2:
                raise ValueError("vimco needs n >= 2")
            k = self.categorical(trials, n)
            log_w = self.r[k]  # [T, n]
            bound = torch.logsumexp(log_w, 1, keepdim=True) - math.log(n)
            stand_in = (log_w.sum(1, keepdim=True) - log_w) / (n - 1)
            # L_-k: log mean of the weights with w_k replaced by the geometric mean of the others
            others = torch.empty(trials, n, dtype=torch.float64)
            for j in range(n):
                replaced = log_w.clone()
                replaced[:, j] = stand_in[:, j]
                others[:, j] = torch.logsumexp(replaced, 1) - math.log(n)
            return ((bound - others) * ((k == 0).to(torch.float64) - self.p[0])).sum(1)
        if estimator.startswith("reinforce"):
            k = self.categorical(trials, n)
            score0 = (k == 0).to(torch.float64) - self.p[0]  # d log q(z) / d logits[0]
            return self.score_estimates(estimator, self.r[k], score0, trials, n)
        # relaxed: per-sample gradients by autograd through a [T, n, K] copy of the logits
        K = self.logits.numel()
        leaf = self.logits.expand(trials, n, K).clone().requires_grad_(True)
        y = torch.softmax((leaf + self.gumbel((trials, n, K))) / tau, dim=-1)
        if estimator == "straight_through":
            hard = torch.nn.functional.one_hot(y.argmax(-1), K).to(y.dtype)
            y = hard - y.detach() + y
        (y @ self.r).sum().backward()
        per_sample = leaf.grad[..., 0]  # samples are independent, so each entry is that sample's derivative
        return per_sample.mean(1)


def stats(e):
    T = e.numel()
    m = float(e.mean())
    v = float(e.var(unbiased=True))
    c = e - m
    m2 = float((c ** 2).mean())
    excess = float((c ** 4).mean()) / (m2 * m2) - 3.0 if m2 > 0 else 0.0
    return m, v, max(excess, -2.0), T


def variance_se(v, excess, T):
    return abs(v) * math.sqrt(max(2.0 / (T - 1) + excess / T, 0.0))


def rows_for(samples, kind="categorical"):
    out = []
    for n in samples:
        out.append(("reinforce", None, n))
        out.append(("reinforce_moving_average", None, n))
        if n >= 2:
            out.append(("reinforce_leave_one_out", None, n))
        for tau in (0.1, 0.5, 1.0, 2.0):
            out.append(("gumbel_softmax", tau, n))
        out.append(("straight_through", 0.5, n))
        if kind == "bernoulli" and n % 2 == 0:
            out += [("disarm", None, n), ("arm", None, n)]
        if kind == "categorical" and n >= 2:
            out.append(("vimco", None, n))
    return out


def emit(a):
    gen = torch.Generator().manual_seed(a.seed)
    logits = [float(x) for x in a.logits.split(",")]
    rewards = [float(x) for x in a.rewards.split(",")]
    prob = Problem(logits, rewards, gen, a.problem)
    results = []
    for est, tau, n in rows_for([int(x) for x in a.samples.split(",")], a.problem):
        m, v, _, _ = stats(prob.estimates(est, tau if tau is not None else 1.0, a.trials, n))
        results.append({"estimator": est, "tau": tau, "samples": n, "mean": m, "variance": v, "bias": m - prob.truth})
    doc = {"problem": a.problem, "logits": logits, "rewards": rewards, "trials": a.trials, "seed": a.seed, "true_gradient": prob.truth,
           "results": results}
    with open(a.emit, "w") as f:
        json.dump(doc, f, indent=2)
    print(f"wrote {a.emit}: {len(results)} rows from this script's own estimates (seed {a.seed})")
    return 0


def check(a):
    try:
        with open(a.json) as f:
            doc = json.load(f)
        logits, rewards, T, rows = doc["logits"], doc["rewards"], int(doc["trials"]), doc["results"]
    except (OSError, ValueError, KeyError, TypeError) as e:
        print(f"error: cannot read {a.json}: {e}", file=sys.stderr)
        return 2
    if len(logits) != len(rewards) or len(logits) < 2 or T < 2:
        print(f"error: {a.json}: need logits and rewards of one length >= 2 and trials >= 2", file=sys.stderr)
        return 2
    kind = doc.get("problem", "categorical")
    if kind not in KNOWN_BY_PROBLEM:
        print(f"error: {a.json}: problem '{kind}' is neither categorical nor bernoulli", file=sys.stderr)
        return 2
    gen = torch.Generator().manual_seed(a.seed)
    prob = Problem(logits, rewards, gen, kind)
    status = 0
    truth_json = doc.get("true_gradient")
    truth_ok = truth_json is not None and abs(truth_json - prob.truth) <= 1e-9 * max(1.0, abs(prob.truth))
    print(f"{a.json}: problem {kind}, trials {T}, ppl seed {doc.get('seed')}, torch seed {a.seed}, {len(rows)} rows, {a.sigmas:g} sigma")
    print(f"true gradient: ppl {truth_json}, torch {prob.truth:.10g} -> {'agree' if truth_ok else 'DISAGREE'}")
    if not truth_ok:
        status = 1
    header = (f"{'estimator':<25}{'tau':>5}{'n':>6}{'var ppl':>12}{'var torch':>12}{'ratio':>7}{'var z':>7}"
              f"{'mean ppl':>11}{'mean torch':>11}{'mean z':>7}  agree?")
    print(header)
    print("-" * len(header))
    start = time.perf_counter()
    bad = 0
    for row in rows:
        est, tau, n = row.get("estimator"), row.get("tau"), row.get("samples")
        if est in ("rebar", "relax") and isinstance(n, int) and n >= 1:
            m_p, v_p = float(row["mean"]), float(row["variance"])
            se_m = math.sqrt(max(v_p, 0.0) / T)
            z_mean = (m_p - prob.truth) / se_m if se_m > 0 else math.inf
            ok = abs(z_mean) <= a.sigmas and v_p >= 0
            bad += not ok
            print(f"{est:<25}{tau:>5.2g}{n:>6}{v_p:>12.4g}{'-':>12}{'-':>7}{'-':>7}{m_p:>11.5f}{prob.truth:>11.5f}"
                  f"{z_mean:>7.2f}  {'yes' if ok else 'NO  <- mean'} (against the closed form)")
            continue
        if est not in KNOWN_BY_PROBLEM[kind] or not isinstance(n, int) or n < 1 \
                or (est in ("reinforce_leave_one_out", "vimco") and n < 2) or (est in ("disarm", "arm") and n % 2) \
                or (est in ("gumbel_softmax", "straight_through") and not (isinstance(tau, (int, float)) and tau > 0)):
            print(f"error: row {row} is not one this check knows", file=sys.stderr)
            return 2
        t = float(tau) if tau is not None else 1.0
        runs = [prob.estimates(est, t, T, n) for _ in range(a.runs)]
        m_t, v_t, _, _ = stats(runs[0])  # the comparison uses one run of T trials, like ppl's row
        # The relative standard error of a variance from T trials: from the kurtosis (which 200 trials
        # estimate poorly, so pooled over all runs), or, if larger, the spread of the runs' variances
        # (needed for the moving average, whose trials are not independent: b carries over).
        excess = stats(torch.cat(runs))[2]
        run_vars = torch.tensor([float(r.var(unbiased=True)) for r in runs], dtype=torch.float64)
        empirical = float(run_vars.std(unbiased=True) / run_vars.mean()) if a.runs >= 3 and run_vars.mean() > 0 else 0.0
        rel = max(variance_se(1.0, excess, T), empirical)
        m_p, v_p = float(row["mean"]), float(row["variance"])
        se = rel * math.sqrt(v_p * v_p + v_t * v_t)
        z_var = (v_p - v_t) / se if se > 0 else (0.0 if v_p == v_t else math.inf)
        se_m = math.sqrt(max(v_p, 0.0) / T + v_t / T)
        z_mean = (m_p - m_t) / se_m if se_m > 0 else (0.0 if m_p == m_t else math.inf)
        ok = abs(z_var) <= a.sigmas and abs(z_mean) <= a.sigmas and v_p >= 0 and math.isfinite(m_p)
        why = "" if ok else ("  <- variance" if abs(z_var) > a.sigmas else "") + ("  <- mean" if abs(z_mean) > a.sigmas else "")
        bad += not ok
        tau_text = "-" if tau is None else f"{tau:g}"
        print(f"{est:<25}{tau_text:>5}{n:>6}{v_p:>12.4g}{v_t:>12.4g}{v_p / v_t if v_t > 0 else math.inf:>7.3f}{z_var:>7.2f}"
              f"{m_p:>11.5f}{m_t:>11.5f}{z_mean:>7.2f}  {'yes' if ok else 'NO'}{why}")
    print(f"{len(rows) - bad} of {len(rows)} rows agree ({time.perf_counter() - start:.1f} s)")
    return 1 if bad or status else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("json", nargs="?", help="bench_variance_study's JSON output")
    ap.add_argument("--seed", type=int, default=12345, help="seed of this script's random numbers")
    ap.add_argument("--sigmas", type=float, default=4.0, help="disagreement threshold in combined standard errors")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--runs", type=int, default=20,
                    help="independent runs of `trials` trials behind the variance's standard error (the first is compared)")
    ap.add_argument("--emit", help="instead of checking, write a JSON in ppl's format from this script's own estimates")
    ap.add_argument("--logits", default=",".join(map(str, DEFAULT_LOGITS)), help="for --emit")
    ap.add_argument("--rewards", default=",".join(map(str, DEFAULT_REWARDS)), help="for --emit")
    ap.add_argument("--trials", type=int, default=200, help="for --emit")
    ap.add_argument("--samples", default="1,10,100,1000", help="for --emit")
    ap.add_argument("--problem", default="categorical", choices=sorted(KNOWN_BY_PROBLEM), help="for --emit")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    if a.runs < 1:
        ap.error("--runs must be at least 1")
    if a.emit:
        return emit(a)
    if not a.json:
        ap.error("give the JSON to check (or --emit FILE)")
    return check(a)


if __name__ == "__main__":
    sys.exit(main())
