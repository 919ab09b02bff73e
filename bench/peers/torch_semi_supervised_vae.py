#!/usr/bin/python3
"""PyTorch peer of examples/semi_supervised_vae.cpp, with the class marginalized: Kingma et al.'s M2 on
dynamically binarized Fashion-MNIST with a few labelled images.

  h = relu(784 -> 256);  q(y | x) = softmax(256 -> 10);  q(z | x, y) = N(266 -> 50, softplus(266 -> 50) + 1e-4)
  p(x | y, z) = bernoulli(256 -> 784 of relu(60 -> 256));  p(y) uniform, p(z) standard normal.

An unlabelled image costs sum_y q(y | x) [-log p(x | y, z_y) + KL(q(z | x, y) || p(z))] + KL(q(y | x) || p(y)),
the sum over the 10 classes computed for all of them at once (marginalization); a labelled one
-log p(x | y, z) + KL(q(z | x, y) || p(z)) - log p(y) - alpha log q(y | x). The loss is their mean over
the step's --batch unlabelled and --labelled-batch labelled images, as in ppl.

Same settings as the ppl example: Adam 1e-3, batch 100 unlabelled plus 100 labelled images per step,
alpha 50, every training pixel redrawn ~ Bernoulli(intensity) each epoch, the test set binarized once
with ppl's own draw, and the labelled images read from the file ppl's example writes (--labelled,
from semi_supervised_vae --out DIR: DIR/labelled.txt), so both train on the same labels.

usage: /usr/bin/python3 bench/peers/torch_semi_supervised_vae.py --labelled DIR/labelled.txt [--epochs 10]
           [--seed 0] [--alpha 50] [--eval-samples 100] [--eval-images 1000] [--threads 1] [--data DIR]
prints, as semi_supervised_vae does:
  epoch=<n> train_neg_elbo=<x> test_neg_elbo=<x> test_accuracy=<a> seconds=<s>
  test_neg_log_likelihood=<v> samples=<K> images=<N> seconds=<s>
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

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_bernoulli_vae import ppl_binarized  # noqa: E402  (ppl's binarization of the test set)
from torch_vae_train import load_images  # noqa: E402

PIXELS, HIDDEN, CLASSES, LATENTS, TEST_BATCH = 784, 256, 10, 50, 500
LOG_CLASSES = math.log(CLASSES)


def load_labels(path):
    """An IDX1 label file (gzipped): 8-byte header, then one uint8 per image."""
    with gzip.open(path, "rb") as f:
        raw = f.read()
    magic, count = (int.from_bytes(raw[4 * k:4 * k + 4], "big") for k in range(2))
    if magic != 2049 or len(raw) != 8 + count:
        sys.exit(f"{path}: not an IDX1 label file (magic {magic}, {count} labels, {len(raw)} bytes)")
    return torch.from_numpy(np.frombuffer(raw, dtype=np.uint8, offset=8).astype(np.int64))


class M2(nn.Module):
    def __init__(self):
        super().__init__()
        self.enc_h = nn.Linear(PIXELS, HIDDEN)
        self.enc_y = nn.Linear(HIDDEN, CLASSES)
        self.enc_loc = nn.Linear(HIDDEN + CLASSES, LATENTS)
        self.enc_scale = nn.Linear(HIDDEN + CLASSES, LATENTS)
        self.dec_h = nn.Linear(LATENTS + CLASSES, HIDDEN)
        self.dec_out = nn.Linear(HIDDEN, PIXELS)

    def labelled_terms(self, h, x, y):
        """-log p(x | y, z) + KL(q(z | x, y) || p(z)) per image, one z sample, y one-hot."""
        hy = torch.cat([h, y], dim=1)
        loc, scale = self.enc_loc(hy), F.softplus(self.enc_scale(hy)) + 1e-4
        z = loc + scale * torch.randn_like(loc)
        nll = F.binary_cross_entropy_with_logits(self.dec_out(F.relu(self.dec_h(torch.cat([z, y], dim=1)))), x,
                                                 reduction="none").sum(dim=1)
        kl = (0.5 * (loc.square() + scale.square() - 1) - torch.log(scale)).sum(dim=1)
        return nll + kl

    def unlabelled(self, x):
        """sum_y q(y | x) (-log p(x | y, z) + KL_z) + KL(q(y | x) || uniform) per image, and the logits."""
        h = F.relu(self.enc_h(x))
        logits = self.enc_y(h)
        log_q = F.log_softmax(logits, dim=1)
        n = x.shape[0]
        eye = torch.eye(CLASSES)
        y = eye.repeat_interleave(n, dim=0)  # class k for images k n .. k n + n - 1
        terms = self.labelled_terms(h.repeat(CLASSES, 1), x.repeat(CLASSES, 1), y).view(CLASSES, n).t()
        q = log_q.exp()
        return (q * terms).sum(dim=1) + (q * (log_q + LOG_CLASSES)).sum(dim=1), logits

    def labelled(self, x, y, alpha):
        """(-ELBO, loss) per labelled image: the loss adds -alpha log q(y | x)."""
        h = F.relu(self.enc_h(x))
        neg_elbo = self.labelled_terms(h, x, y) + LOG_CLASSES
        log_q = (F.log_softmax(self.enc_y(h), dim=1) * y).sum(dim=1)
        return neg_elbo, neg_elbo - alpha * log_q

    @torch.no_grad()
    def log_weights(self, x, samples):
        """log p(x, y, z) - log q(y, z | x) for `samples` draws of (y, z) per image: [samples, n]."""
        n = x.shape[0]
        h = F.relu(self.enc_h(x)).repeat(samples, 1)
        xs = x.repeat(samples, 1)
        log_q_y = F.log_softmax(self.enc_y(h), dim=1)
        y = F.one_hot(torch.distributions.Categorical(logits=log_q_y).sample(), CLASSES).float()
        hy = torch.cat([h, y], dim=1)
        loc, scale = self.enc_loc(hy), F.softplus(self.enc_scale(hy)) + 1e-4
        z = loc + scale * torch.randn_like(loc)
        log_px = -F.binary_cross_entropy_with_logits(self.dec_out(F.relu(self.dec_h(torch.cat([z, y], dim=1)))), xs,
                                                     reduction="none").sum(dim=1)
        log_pz = (-0.5 * z.square() - 0.5 * math.log(2 * math.pi)).sum(dim=1)
        log_qz = (-0.5 * ((z - loc) / scale).square() - torch.log(scale) - 0.5 * math.log(2 * math.pi)).sum(dim=1)
        log_qy = (log_q_y * y).sum(dim=1)
        return (log_px + log_pz - LOG_CLASSES - log_qz - log_qy).view(samples, n)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--labelled", required=True, help="the labelled images' columns, one per line (semi_supervised_vae --out)")
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--batch", type=int, default=100)
    ap.add_argument("--labelled-batch", type=int, default=100)
    ap.add_argument("--alpha", type=float, default=50.0)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--eval-samples", type=int, default=100)
    ap.add_argument("--eval-images", type=int, default=1000)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    a = ap.parse_args()
    torch.manual_seed(a.seed)
    torch.set_num_threads(a.threads)
    train_x = load_images(os.path.join(a.data, "train-images-idx3-ubyte.gz"))
    train_labels = load_labels(os.path.join(a.data, "train-labels-idx1-ubyte.gz"))
    test_x = ppl_binarized(load_images(os.path.join(a.data, "t10k-images-idx3-ubyte.gz")))
    test_labels = load_labels(os.path.join(a.data, "t10k-labels-idx1-ubyte.gz"))
    with open(a.labelled) as f:
        labelled = torch.tensor([int(line) for line in f if line.strip()], dtype=torch.int64)
    if len(labelled) < a.labelled_batch:
        sys.exit(f"{a.labelled}: {len(labelled)} labelled images, fewer than --labelled-batch {a.labelled_batch}")
    mask = torch.ones(train_x.shape[0], dtype=torch.bool)
    mask[labelled] = False
    unlabelled = torch.nonzero(mask).squeeze(1)
    labelled_x, labelled_y = train_x[labelled], F.one_hot(train_labels[labelled], CLASSES).float()
    model = M2()
    optimiser = torch.optim.Adam(model.parameters(), lr=a.lr)
    steps = len(unlabelled) // a.batch
    for epoch in range(1, a.epochs + 1):
        start = time.time()
        order = unlabelled[torch.randperm(len(unlabelled))]
        total = 0.0
        for step in range(steps):
            x_u = torch.bernoulli(train_x[order[step * a.batch:(step + 1) * a.batch]])
            pick = torch.randperm(len(labelled))[:a.labelled_batch]
            x_l = torch.bernoulli(labelled_x[pick])
            u, _ = model.unlabelled(x_u)
            neg_elbo_l, loss_l = model.labelled(x_l, labelled_y[pick], a.alpha)
            loss = (u.sum() + loss_l.sum()) / (len(u) + len(loss_l))
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            total += float((u.sum() + neg_elbo_l.sum()) / (len(u) + len(loss_l)))
        with torch.no_grad():
            test_neg_elbo, correct = 0.0, 0
            for first in range(0, test_x.shape[0], TEST_BATCH):
                u, logits = model.unlabelled(test_x[first:first + TEST_BATCH])
                test_neg_elbo += float(u.sum())
                correct += int((logits.argmax(dim=1) == test_labels[first:first + TEST_BATCH]).sum())
        print(f"epoch={epoch} train_neg_elbo={total / steps:.3f} test_neg_elbo={test_neg_elbo / test_x.shape[0]:.3f} "
              f"test_accuracy={correct / test_x.shape[0]:g} seconds={time.time() - start:.2f}", flush=True)
    if a.eval_samples > 0:
        start = time.time()
        images = test_x if a.eval_images == 0 else test_x[:a.eval_images]
        total = 0.0
        for first in range(0, images.shape[0], 50):
            log_w = model.log_weights(images[first:first + 50], a.eval_samples)
            total += float(-(torch.logsumexp(log_w, dim=0) - math.log(a.eval_samples)).sum())
        print(f"test_neg_log_likelihood={total / images.shape[0]:.3f} samples={a.eval_samples} images={images.shape[0]} "
              f"seconds={time.time() - start:.2f}", flush=True)


if __name__ == "__main__":
    main()
