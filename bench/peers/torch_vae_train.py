#!/usr/bin/python3
"""PyTorch reference training runs of the seed's two VAEs and the Dirichlet VAE on Fashion-MNIST (peer of examples/vae.cpp, cat_vae.cpp and dirichlet_vae.cpp).

Same models, optimiser, batching, temperature schedule and epoch lines as ppl's training programs, so
their test negative ELBO after N epochs can be compared (acceptance: ppl within 1% of this script).

  continuous VAE  784-400-20, Gaussian encoder, z = mu + exp(logvar / 2) * eps, Bernoulli decoder, N(0, I) prior;
  categorical VAE 784-400-(10 x 20), uniform prior, estimator gumbel_softmax | straight_through | score_function,
                  tau = max(tau_min, tau0 * exp(-rate * s)), s = optimizer steps rounded down to a multiple of anneal_every;
  Dirichlet VAE   784-400-20, alpha = softplus + 1e-3, z ~ Dirichlet(alpha) (torch's rsample: implicit
                  reparameterization) or the score function (--estimator score_function, moving average),
                  Dirichlet(0.3) prior, closed-form KL, 20-400-784 Bernoulli decoder.

usage: /usr/bin/python3 bench/peers/torch_vae_train.py --model vae|cat_vae|dirichlet_vae [--estimator gumbel_softmax]
           [--epochs 10] [--batch 128] [--seed 0] [--lr 1e-3] [--threads 1] [--limit N]
           [--tau0 1.0] [--tau-min 0.5] [--anneal-rate 1e-5] [--anneal-every 1000] [--data DIR]
prints per epoch:  epoch=<n> train_neg_elbo=<x> test_neg_elbo=<x> [test_neg_elbo_relaxed=<x>] [tau=<t>] seconds=<s>
(test_neg_elbo scores the discrete model: hard one-hot samples; gumbel_softmax also prints the relaxed bound)
"""
import argparse
import gzip
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

X_DIM, HIDDEN, LATENT, GROUPS, CLASSES = 784, 400, 20, 10, 20
TEST_BATCH = 500


def load_images(path):
    """An IDX3 image file (gzipped): 16-byte header, then uint8 pixels; returns float32 [N, 784] in [0, 1]."""
    with gzip.open(path, "rb") as f:
        raw = f.read()
    magic, count, rows, cols = (int.from_bytes(raw[4 * k:4 * k + 4], "big") for k in range(4))
    if magic != 2051 or rows * cols != X_DIM or len(raw) != 16 + count * X_DIM:
        sys.exit(f"{path}: not an IDX3 file of 28 x 28 images (magic {magic}, {count} x {rows} x {cols}, {len(raw)} bytes)")
    pixels = np.frombuffer(raw, dtype=np.uint8, offset=16).reshape(count, X_DIM)
    return torch.from_numpy(pixels.astype(np.float32) / 255.0)


class VAE(nn.Module):
    def __init__(self):
        super().__init__()
        self.enc = nn.Linear(X_DIM, HIDDEN)
        self.fc_mu = nn.Linear(HIDDEN, LATENT)
        self.fc_lv = nn.Linear(HIDDEN, LATENT)
        self.dec = nn.Sequential(nn.Linear(LATENT, HIDDEN), nn.ReLU(), nn.Linear(HIDDEN, X_DIM))

    def forward(self, x, tau=None):
        """Returns (loss to differentiate, per-sample negative ELBO averaged over the batch)."""
        h = F.relu(self.enc(x))
        mu, lv = self.fc_mu(h), self.fc_lv(h)
        z = mu + torch.exp(0.5 * lv) * torch.randn_like(mu)
        logits = self.dec(z)
        bce = F.binary_cross_entropy_with_logits(logits, x, reduction="sum")
        kl = -0.5 * torch.sum(1.0 + lv - mu.square() - lv.exp())
        loss = (bce + kl) / x.shape[0]
        return loss, loss.detach()


class MovingAverageBaseline:
    """ppl's score_function<moving_average>: b starts at the first batch's mean cost, then b <- 0.9 b + 0.1 mean."""

    def __init__(self):
        self.value, self.started = 0.0, False

    def reinforce(self, cost, log_q_z):
        """The score-function term with the current baseline, as a zero-valued surrogate (it adds the
        gradient, not value); then the baseline moves towards this batch's mean cost."""
        surrogate = ((cost - self.value) * log_q_z).mean()
        mean = float(cost.mean())
        self.value, self.started = (0.9 * self.value + 0.1 * mean if self.started else mean), True
        return surrogate - surrogate.detach()


def gumbel_like(t):
    u = torch.rand_like(t).clamp_min(torch.finfo(t.dtype).tiny)
    return -torch.log(-torch.log(u))


class CatVAE(nn.Module):
    def __init__(self, estimator):
        super().__init__()
        self.estimator = estimator
        self.enc = nn.Sequential(nn.Linear(X_DIM, HIDDEN), nn.ReLU(), nn.Linear(HIDDEN, GROUPS * CLASSES))
        self.dec = nn.Sequential(nn.Linear(GROUPS * CLASSES, HIDDEN), nn.ReLU(), nn.Linear(HIDDEN, X_DIM))
        self.baseline = MovingAverageBaseline()

    def forward(self, x, tau, hard=False):
        b = x.shape[0]
        logits_q = self.enc(x).view(b, GROUPS, CLASSES)
        log_q = torch.log_softmax(logits_q, dim=-1)
        perturbed = logits_q + gumbel_like(logits_q)
        log_q_z = None
        if hard:  # evaluation of the discrete model: the Gumbel-max draw, an exact sample of q
            z = F.one_hot(perturbed.argmax(dim=-1), CLASSES).to(logits_q.dtype)
        elif self.estimator == "gumbel_softmax":
            z = torch.softmax(perturbed / tau, dim=-1)
        elif self.estimator == "straight_through":
            soft = torch.softmax(perturbed / tau, dim=-1)
            hard = F.one_hot(soft.argmax(dim=-1), CLASSES).to(soft.dtype)
            z = hard - soft.detach() + soft
        else:  # score_function: Gumbel-max sample, no gradient through z
            index = perturbed.detach().argmax(dim=-1)
            z = F.one_hot(index, CLASSES).to(logits_q.dtype)
            log_q_z = log_q.gather(-1, index.unsqueeze(-1)).squeeze(-1).sum(dim=-1)  # [B]
        logits = self.dec(z.reshape(b, GROUPS * CLASSES))
        nll = F.binary_cross_entropy_with_logits(logits, x, reduction="none").sum(dim=1)  # [B]
        kl = (log_q.exp() * (log_q + math.log(CLASSES))).sum(dim=(1, 2))  # [B], KL to the uniform prior
        neg_elbo = (nll + kl).mean()
        loss = neg_elbo
        if log_q_z is not None and torch.is_grad_enabled():
            loss = loss + self.baseline.reinforce(nll.detach(), log_q_z)
        return loss, neg_elbo.detach()


class DirichletVAE(nn.Module):
    def __init__(self, estimator, prior=0.3):
        super().__init__()
        self.estimator = estimator
        self.enc = nn.Sequential(nn.Linear(X_DIM, HIDDEN), nn.ReLU(), nn.Linear(HIDDEN, LATENT))
        self.dec = nn.Sequential(nn.Linear(LATENT, HIDDEN), nn.ReLU(), nn.Linear(HIDDEN, X_DIM))
        self.prior = torch.distributions.Dirichlet(torch.full((LATENT,), prior))
        self.baseline = MovingAverageBaseline()

    def forward(self, x, tau=None):
        q = torch.distributions.Dirichlet(F.softplus(self.enc(x)) + 1e-3)
        score = self.estimator == "score_function" and torch.is_grad_enabled()
        z = q.sample() if score else q.rsample()
        nll = F.binary_cross_entropy_with_logits(self.dec(z), x, reduction="none").sum(dim=1)  # [B]
        neg_elbo = (nll + torch.distributions.kl_divergence(q, self.prior)).mean()
        loss = neg_elbo
        if score:
            loss = loss + self.baseline.reinforce(nll.detach(), q.log_prob(z))
        return loss, neg_elbo.detach()


def temperature(step, a):
    held = (max(step, 0) // a.anneal_every) * a.anneal_every
    return max(a.tau_min, a.tau0 * math.exp(-a.anneal_rate * held))


def add_training_options(ap):
    """The options every PyTorch training peer shares with ppl's examples: batching, Adam, the
    temperature schedule and the data folder."""
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--limit", type=int, default=0, help="train on the first N images only (0: all)")
    ap.add_argument("--tau0", type=float, default=1.0)
    ap.add_argument("--tau-min", type=float, default=0.5)
    ap.add_argument("--anneal-rate", type=float, default=1e-5)
    ap.add_argument("--anneal-every", type=int, default=1000)
    ap.add_argument("--data", default="/usr/share/datasets/fashion-mnist")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", choices=["vae", "cat_vae", "dirichlet_vae"], required=True)
    ap.add_argument("--estimator", choices=["gumbel_softmax", "straight_through", "score_function", "pathwise"],
                    default=None, help="cat_vae: gumbel_softmax (default), straight_through, score_function; "
                    "dirichlet_vae: pathwise (default), score_function")
    ap.add_argument("--epochs", type=int, default=10)
    add_training_options(ap)
    a = ap.parse_args()
    if a.batch < 1 or a.anneal_every < 1 or a.lr <= 0:
        sys.exit("--batch and --anneal-every must be >= 1 and --lr > 0")
    if a.estimator is None:
        a.estimator = "pathwise" if a.model == "dirichlet_vae" else "gumbel_softmax"
    if (a.model == "dirichlet_vae") != (a.estimator == "pathwise") and a.estimator != "score_function":
        sys.exit(f"--estimator {a.estimator} does not apply to --model {a.model}")

    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    train = load_images(os.path.join(a.data, "train-images-idx3-ubyte.gz"))
    test = load_images(os.path.join(a.data, "t10k-images-idx3-ubyte.gz"))
    if 0 < a.limit < train.shape[0]:
        train = train[:a.limit].contiguous()
    print(f"# torch {torch.__version__}, threads {torch.get_num_threads()}, model {a.model}"
          + (f", estimator {a.estimator}" if a.model != "vae" else "")
          + f", {train.shape[0]} training and {test.shape[0]} test images", file=sys.stderr)

    model = VAE() if a.model == "vae" else CatVAE(a.estimator) if a.model == "cat_vae" else DirichletVAE(a.estimator)
    opt = torch.optim.Adam(model.parameters(), lr=a.lr, betas=(0.9, 0.999), eps=1e-8)
    shuffle = torch.Generator().manual_seed(a.seed)
    uses_tau = a.model == "cat_vae" and a.estimator != "score_function"
    steps_per_epoch = train.shape[0] // a.batch
    if steps_per_epoch == 0:
        sys.exit(f"--batch {a.batch} is larger than the {train.shape[0]} training images")
    test_count = test.shape[0] // TEST_BATCH
    step = 0
    for epoch in range(a.epochs):
        start = time.perf_counter()
        perm = torch.randperm(train.shape[0], generator=shuffle)
        model.train()
        total, tau = 0.0, 1.0
        for k in range(steps_per_epoch):
            tau = temperature(step, a)
            x = train[perm[k * a.batch:(k + 1) * a.batch]]
            opt.zero_grad(set_to_none=True)
            loss, value = model(x, tau)
            loss.backward()
            opt.step()
            step += 1
            total += float(value)
        model.eval()
        # the discrete model's bound (hard samples); for gumbel_softmax also the relaxed one, as ppl prints
        relaxed = a.model == "cat_vae" and a.estimator == "gumbel_softmax"
        test_total, relaxed_total = 0.0, 0.0
        with torch.no_grad():
            for k in range(test_count):
                images = test[k * TEST_BATCH:(k + 1) * TEST_BATCH]
                test_total += float(model(images, tau, hard=True)[1] if a.model == "cat_vae" else model(images)[1])
                if relaxed:
                    relaxed_total += float(model(images, tau)[1])
        seconds = time.perf_counter() - start
        print(f"epoch={epoch + 1} train_neg_elbo={total / steps_per_epoch:.3f} test_neg_elbo={test_total / test_count:.3f}"
              + (f" test_neg_elbo_relaxed={relaxed_total / test_count:.3f}" if relaxed else "")
              + (f" tau={tau:.4f}" if uses_tau else "") + f" seconds={seconds:.2f}", flush=True)


if __name__ == "__main__":
    main()
