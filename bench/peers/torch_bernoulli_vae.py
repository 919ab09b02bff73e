#!/usr/bin/python3
"""PyTorch peer of examples/bernoulli_vae.cpp: the binary-latent VAE of the REBAR, RELAX and DisARM papers
on dynamically binarized Fashion-MNIST, trained with one of four estimators written here from the papers.

  --layers linear     784 -> 200 logits, 200 -> 784 logits
  --layers nonlinear  784-200-200 (tanh) -> 200 logits, 200-200-200 (tanh) -> 784 logits
  200 Bernoulli latents, uniform Bernoulli(1/2) prior, KL of q to the prior in closed form.

  gumbel_softmax    b = sigmoid((theta + L) / tau), L logistic noise (the binary Concrete)
  straight_through  b = [theta + L > 0] forward, the Concrete's gradient backward
  leave_one_out     K exact samples per image; sample k's score is weighted by f_k - mean of the other f_j
  disarm            u and 1 - u per unit; g_theta = 1/2 (f(b) - f(b~)) (b - b~) sigmoid(|theta|)

Same settings as the ppl example: batch 128, Adam 1e-3, tau = max(0.5, exp(-1e-5 s)) held for 1000
steps, every pixel redrawn ~ Bernoulli(intensity) each epoch, and the test set binarized once with ppl's
own draw (PCG32 stream {20261127, 7}, 24 bits per pixel), so both frameworks score the same binary images.
After the last epoch, the importance weighted bound with K samples per test image (--eval-samples K),
over the first N test images (--eval-images N, 0: all).

usage: /usr/bin/python3 bench/peers/torch_bernoulli_vae.py --layers linear --estimator disarm [--epochs 20]
           [--seed 0] [--samples 2] [--eval-samples 100] [--eval-images 0] [--threads 1] [--limit N] [--data DIR]
prints, as bernoulli_vae does:
  epoch=<n> train_neg_elbo=<x> test_neg_elbo=<x> [test_neg_elbo_relaxed=<x>] [tau=<t>] seconds=<s>
  test_neg_log_likelihood=<v> samples=<K> images=<N>
(test_neg_elbo scores the discrete model: exact samples of q, closed-form KL)
"""
import argparse
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_vae_train import add_training_options, load_images, temperature  # noqa: E402  (shared with the VAE peer)

PIXELS, HIDDEN, LATENTS, TEST_BATCH = 784, 200, 200, 500
LOG_HALF = math.log(0.5)


PCG_MULTIPLIER, MASK64 = 6364136223846793005, (1 << 64) - 1


def pcg32_bits(seed, stream, count):
    """The first `count` outputs of ppl's random_stream{seed, stream}.bits(): PCG32 (64-bit LCG state,
    XSH-RR output of the state before each step). Vectorised by advancing blocks of states with the
    LCG's affine map of `block` steps."""
    inc = ((stream << 1) | 1) & MASK64
    state = ((seed + inc) * PCG_MULTIPLIER + inc) & MASK64
    block = 4096
    first = np.empty(block, dtype=np.uint64)
    for k in range(block):
        first[k] = state
        state = (state * PCG_MULTIPLIER + inc) & MASK64
    jump_mult, jump_add = 1, 0
    for _ in range(block):
        jump_mult, jump_add = (jump_mult * PCG_MULTIPLIER) & MASK64, (jump_add * PCG_MULTIPLIER + inc) & MASK64
    blocks = -(-count // block)
    states = np.empty(blocks * block, dtype=np.uint64)
    states[:block] = first
    with np.errstate(over="ignore"):  # uint64 arithmetic wraps, as the LCG needs
        for b in range(1, blocks):
            states[b * block:(b + 1) * block] = states[(b - 1) * block:b * block] * np.uint64(jump_mult) + np.uint64(jump_add)
        states = states[:count]
        shifted = (((states >> np.uint64(18)) ^ states) >> np.uint64(27)) & np.uint64(0xFFFFFFFF)
        rotation = states >> np.uint64(59)
        out = ((shifted >> rotation) | (shifted << ((np.uint64(32) - rotation) & np.uint64(31)))) & np.uint64(0xFFFFFFFF)
    return out


def ppl_binarized(images):
    """ppl's binarization of the test set (dynamic_binarization in include/ppl/data/transform.hpp,
    applied once by the trainer): pixel by pixel, image after image, u = (bits >> 8 + 1/2) 2^-24
    from random_stream{20261127, 7}, and the pixel is 1 when u < intensity."""
    bits = pcg32_bits(20261127, 7, images.numel())
    u = ((bits >> np.uint64(8)).astype(np.float64) + 0.5) * 2.0 ** -24
    return torch.from_numpy((u < images.numpy().astype(np.float64).reshape(-1)).reshape(images.shape).astype(np.float32))


def logistic_like(t):
    u = torch.rand_like(t).clamp(1e-7, 1 - 1e-7)
    return torch.log(u) - torch.log1p(-u)


class BernoulliVAE(nn.Module):
    def __init__(self, layers, estimator, samples):
        super().__init__()
        if layers == "linear":
            self.enc = nn.Linear(PIXELS, LATENTS)
            self.dec = nn.Linear(LATENTS, PIXELS)
        else:
            self.enc = nn.Sequential(nn.Linear(PIXELS, HIDDEN), nn.Tanh(), nn.Linear(HIDDEN, HIDDEN), nn.Tanh(),
                                     nn.Linear(HIDDEN, LATENTS))
            self.dec = nn.Sequential(nn.Linear(LATENTS, HIDDEN), nn.Tanh(), nn.Linear(HIDDEN, HIDDEN), nn.Tanh(),
                                     nn.Linear(HIDDEN, PIXELS))
        self.estimator, self.samples = estimator, samples

    def nll(self, codes, x):
        """-log p(x | b) per image."""
        return F.binary_cross_entropy_with_logits(self.dec(codes), x, reduction="none").sum(dim=1)

    @staticmethod
    def kl(theta):
        """KL(Bernoulli(sigmoid(theta)) || Bernoulli(1/2)) per image, in closed form."""
        log_p, log_not_p = F.logsigmoid(theta), F.logsigmoid(-theta)
        return (log_p.exp() * log_p + log_not_p.exp() * log_not_p - LOG_HALF).sum(dim=1)

    def forward(self, x, tau, hard=False):
        """Returns (loss to differentiate, its -ELBO value per image)."""
        theta = self.enc(x)
        kl = self.kl(theta)
        if hard:  # the discrete model: an exact draw of q
            neg_elbo = (self.nll((theta + logistic_like(theta) > 0).to(theta.dtype), x) + kl).mean()
            return neg_elbo, neg_elbo.detach()
        if self.estimator in ("gumbel_softmax", "straight_through"):
            soft = torch.sigmoid((theta + logistic_like(theta)) / tau)
            codes = soft
            if self.estimator == "straight_through":
                codes = (soft > 0.5).to(soft.dtype) - soft.detach() + soft
            neg_elbo = (self.nll(codes, x) + kl).mean()
            return neg_elbo, neg_elbo.detach()
        if self.estimator == "disarm":
            noise = logistic_like(theta)
            b, b_anti = (theta + noise > 0).to(theta.dtype), (theta - noise > 0).to(theta.dtype)
            f, f_anti = self.nll(b, x), self.nll(b_anti, x)
            neg_elbo = 0.5 * (f + f_anti).mean() + kl.mean()
            g = 0.5 * (f - f_anti).detach().unsqueeze(1) * (b - b_anti) * torch.sigmoid(theta.abs()).detach()
            return neg_elbo + (g * theta).sum() / x.shape[0], neg_elbo.detach()
        # leave_one_out: K exact samples per image
        k = self.samples
        thetas = theta.repeat(k, 1)  # [K B, latents], sample-major
        b = (thetas + logistic_like(thetas) > 0).to(theta.dtype)
        f = self.nll(b, x.repeat(k, 1)).view(k, -1)  # [K, B]
        log_q = -F.binary_cross_entropy_with_logits(thetas, b, reduction="none").sum(dim=1).view(k, -1)
        others = (f.sum(dim=0, keepdim=True) - f) / (k - 1)
        neg_elbo = f.mean() + kl.mean()
        surrogate = ((f - others).detach() * log_q).mean()
        return neg_elbo + surrogate - surrogate.detach(), neg_elbo.detach()

    @torch.no_grad()
    def log_likelihood(self, x, samples):
        """The importance weighted bound log 1/K sum_k p(x, b_k) / q(b_k | x), b_k ~ q, per image."""
        theta = self.enc(x)
        thetas = theta.repeat(samples, 1)
        b = (thetas + logistic_like(thetas) > 0).to(theta.dtype)
        log_q = -F.binary_cross_entropy_with_logits(thetas, b, reduction="none").sum(dim=1)
        log_w = (-self.nll(b, x.repeat(samples, 1)) + LATENTS * LOG_HALF - log_q).view(samples, -1)
        return torch.logsumexp(log_w, dim=0) - math.log(samples)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--layers", choices=["linear", "nonlinear"], default="linear")
    ap.add_argument("--estimator", choices=["gumbel_softmax", "straight_through", "leave_one_out", "disarm"],
                    default="gumbel_softmax")
    ap.add_argument("--samples", type=int, default=2, help="K of leave_one_out (>= 2)")
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--eval-samples", type=int, default=1000, help="K of the final test -log p(x) (0: skip)")
    ap.add_argument("--eval-images", type=int, default=0, help="the -log p(x) over the first N test images (0: all)")
    add_training_options(ap)
    a = ap.parse_args()
    if a.batch < 1 or a.anneal_every < 1 or a.lr <= 0 or a.samples < 2 or a.eval_samples < 0 or a.eval_images < 0:
        sys.exit("--batch and --anneal-every must be >= 1, --lr > 0, --samples >= 2 and --eval-samples, --eval-images >= 0")

    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    train = load_images(os.path.join(a.data, "train-images-idx3-ubyte.gz"))
    test = load_images(os.path.join(a.data, "t10k-images-idx3-ubyte.gz"))
    if 0 < a.limit < train.shape[0]:
        train = train[:a.limit].contiguous()
    test = ppl_binarized(test)  # the binary test set of ppl's examples, bit for bit
    print(f"# torch {torch.__version__}, threads {torch.get_num_threads()}, layers {a.layers}, estimator {a.estimator}, "
          f"{train.shape[0]} training and {test.shape[0]} test images", file=sys.stderr)

    model = BernoulliVAE(a.layers, a.estimator, a.samples)
    opt = torch.optim.Adam(model.parameters(), lr=a.lr, betas=(0.9, 0.999), eps=1e-8)
    data_rng = torch.Generator().manual_seed(a.seed)
    relaxed = a.estimator in ("gumbel_softmax", "straight_through")
    steps_per_epoch = train.shape[0] // a.batch
    if steps_per_epoch == 0:
        sys.exit(f"--batch {a.batch} is larger than the {train.shape[0]} training images")
    test_count = test.shape[0] // TEST_BATCH
    step, tau = 0, 1.0
    for epoch in range(a.epochs):
        start = time.perf_counter()
        binary = torch.bernoulli(train, generator=data_rng)  # redrawn every epoch
        perm = torch.randperm(train.shape[0], generator=data_rng)
        total = 0.0
        for k in range(steps_per_epoch):
            tau = temperature(step, a)
            x = binary[perm[k * a.batch:(k + 1) * a.batch]]
            opt.zero_grad(set_to_none=True)
            loss, value = model(x, tau)
            loss.backward()
            opt.step()
            step += 1
            total += float(value)
        test_total, relaxed_total = 0.0, 0.0
        with torch.no_grad():
            for k in range(test_count):
                images = test[k * TEST_BATCH:(k + 1) * TEST_BATCH]
                test_total += float(model(images, tau, hard=True)[1])
                if a.estimator == "gumbel_softmax":
                    relaxed_total += float(model(images, tau)[1])
        seconds = time.perf_counter() - start
        print(f"epoch={epoch + 1} train_neg_elbo={total / steps_per_epoch:.3f} test_neg_elbo={test_total / test_count:.3f}"
              + (f" test_neg_elbo_relaxed={relaxed_total / test_count:.3f}" if a.estimator == "gumbel_softmax" else "")
              + (f" tau={tau:.4f}" if relaxed else "") + f" seconds={seconds:.2f}", flush=True)
    if a.eval_samples > 0:
        chunk = max(1, 20000 // a.eval_samples)  # images per pass: about 20000 decoder rows
        images = min(a.eval_images, test.shape[0]) if a.eval_images > 0 else test.shape[0]
        total = 0.0
        for k in range(0, images, chunk):
            total += float(model.log_likelihood(test[k:min(k + chunk, images)], a.eval_samples).sum())
        print(f"test_neg_log_likelihood={-total / images:.3f} samples={a.eval_samples} images={images}", flush=True)


if __name__ == "__main__":
    main()
