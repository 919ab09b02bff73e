#!/usr/bin/python3
"""PyTorch peer of bench/torch_vae.hpp: one VAE training step (forward ELBO, backward, Adam), fp32.

Same models as the C++ baselines:
  continuous VAE 784-400-20, Gaussian encoder, z = mu + sigma * eps, Bernoulli decoder;
  categorical VAE 784-400-(10x20), Gumbel-softmax relaxation (tau 0.5), uniform prior.
Noise is drawn once per batch size and passed in, as the C++ steps take it as an input.
Prints the mean time per step for each model and batch size, single-threaded.

usage: /usr/bin/python3 bench/peers/torch_vae.py [--batches 1 16 128] [--seconds 1.5]
"""
import argparse
import math
import statistics
import time

import torch
import torch.nn.functional as F
from torch import nn

X_DIM, HIDDEN, LATENT, GROUPS, CLASSES = 784, 400, 20, 10, 20


class VAE(nn.Module):
    def __init__(self):
        super().__init__()
        self.enc = nn.Linear(X_DIM, HIDDEN)
        self.mu = nn.Linear(HIDDEN, LATENT)
        self.lv = nn.Linear(HIDDEN, LATENT)
        self.d1 = nn.Linear(LATENT, HIDDEN)
        self.d2 = nn.Linear(HIDDEN, X_DIM)

    def forward(self, x, eps):  # x [B, 784], eps [B, 20]; returns the negative ELBO per sample
        h = F.relu(self.enc(x))
        mu, logvar = self.mu(h), self.lv(h)
        z = mu + torch.exp(0.5 * logvar) * eps
        logits = self.d2(F.relu(self.d1(z)))
        bce = F.binary_cross_entropy_with_logits(logits, x, reduction="sum")
        kl = 0.5 * (mu.square() + logvar.exp() - 1.0 - logvar).sum()
        return (bce + kl) / x.shape[0]


class CatVAE(nn.Module):
    def __init__(self, tau=0.5):
        super().__init__()
        self.tau = tau
        self.e1 = nn.Linear(X_DIM, HIDDEN)
        self.e2 = nn.Linear(HIDDEN, GROUPS * CLASSES)
        self.d1 = nn.Linear(GROUPS * CLASSES, HIDDEN)
        self.d2 = nn.Linear(HIDDEN, X_DIM)

    def forward(self, x, gumbel):  # x [B, 784], gumbel [B, 200]
        b = x.shape[0]
        logits_q = self.e2(F.relu(self.e1(x))).view(b, GROUPS, CLASSES)
        y = torch.softmax((logits_q + gumbel.view(b, GROUPS, CLASSES)) / self.tau, dim=-1).view(b, -1)
        logits = self.d2(F.relu(self.d1(y)))
        bce = F.binary_cross_entropy_with_logits(logits, x, reduction="sum")
        log_q = torch.log_softmax(logits_q, dim=-1)
        kl = (log_q.exp() * (log_q + math.log(CLASSES))).sum()
        return (bce + kl) / b


def make_step(model):
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-8)

    def step(x, noise):
        opt.zero_grad()
        loss = model(x, noise)
        loss.backward()
        opt.step()
        return loss

    return step


def time_step(step, x, noise, seconds, rounds=5):
    """Mean seconds per step: median over rounds, each round about seconds / rounds long."""
    for _ in range(5):  # warm up
        step(x, noise)
    t0 = time.perf_counter()
    n = 0
    while time.perf_counter() - t0 < 0.1:
        step(x, noise)
        n += 1
    per_round = max(1, int(n * (seconds / rounds) / (time.perf_counter() - t0)))
    means = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        for _ in range(per_round):
            step(x, noise)
        means.append((time.perf_counter() - t0) / per_round)
    return statistics.median(means), per_round * rounds


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--batches", type=int, nargs="+", default=[1, 16, 128])
    ap.add_argument("--seconds", type=float, default=1.5, help="timed seconds per model and batch size")
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    blas = [l.strip() for l in torch.__config__.show().splitlines() if "BLAS" in l]
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}")
    for line in blas:
        print("  " + line[:200])
    print(f"{'model':<12}{'batch':>6}{'us/step':>12}{'samples/s':>12}{'steps':>8}")
    for name, make, noise_dim in (("vae", VAE, LATENT), ("cat_vae", CatVAE, GROUPS * CLASSES)):
        for b in args.batches:
            model = make()
            x = torch.rand(b, X_DIM)
            noise = torch.randn(b, noise_dim) if name == "vae" else -torch.log(-torch.log(torch.rand(b, noise_dim).clamp_min(1e-20)))
            sec, steps = time_step(make_step(model), x, noise, args.seconds)
            print(f"{name:<12}{b:>6}{sec * 1e6:>12.1f}{b / sec:>12.0f}{steps:>8}")


if __name__ == "__main__":
    main()
