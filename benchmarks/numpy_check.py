"""How long a sampled `check_numpy_gradient` of a CIFAR-sized linear classifier takes.

    OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/numpy_check.py [--samples 5,10,20]

W is 3073×10 (CIFAR-10's 3072 pixels and a bias row, 10 classes), 30,730 entries; the
data is random (N samples of 3073 numbers, random labels). Each row checks 10 sampled
entries of W (``sample=10``) of the homework's vectorized SVM and softmax losses, written
as students write them (loss and dW in one function), and gives the best wall-clock time
of a few checks.

Where the time goes: the 20 calls for central differences run on floats and take
milliseconds; the engine's run takes the rest. Only the 10 sampled entries of W are
Values, but every score column holding one is built from Values, and the student's own
dW code runs on them too: the softmax's ``X.T.dot(dscores)`` multiplies all N×10 Values
of dscores by X (about 3073·10·N multiply-adds recorded), the SVM's dW uses a float
mask and costs little. So the time grows with N: check with a few samples.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys

import numpy as np
from timing import best_wall_time

import autograd

D, C = 3073, 10


def svm_loss_vectorized(W, X, y, reg):
    num_train = X.shape[0]
    scores = X.dot(W)
    correct_class_scores = scores[np.arange(num_train), y].reshape(-1, 1)
    margins = np.maximum(0, scores - correct_class_scores + 1)
    margins[np.arange(num_train), y] = 0
    loss = np.sum(margins) / num_train + reg * np.sum(W * W)
    counts = (margins > 0).astype(float)
    counts[np.arange(num_train), y] = -np.sum(counts, axis=1)
    dW = X.T.dot(counts) / num_train
    dW += 2 * reg * W
    return loss, dW


def softmax_loss_vectorized(W, X, y, reg):
    num_train = X.shape[0]
    scores = X.dot(W)
    scores -= np.max(scores, axis=1, keepdims=True)
    exp_scores = np.exp(scores)
    probs = exp_scores / np.sum(exp_scores, axis=1, keepdims=True)
    loss = -np.sum(np.log(probs[np.arange(num_train), y])) / num_train
    loss += reg * np.sum(W * W)
    dscores = probs.copy()
    dscores[np.arange(num_train), y] -= 1
    dW = X.T.dot(dscores) / num_train + 2 * reg * W
    return loss, dW


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", default="5,10,20",
                        help="numbers of data samples N, comma-separated (default 5,10,20)")
    parser.add_argument("--sample", type=int, default=10, help="entries of W checked")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    W = 1e-3 * rng.standard_normal((D, C))
    print(f"Python {platform.python_version()}, numpy {np.__version__} on {platform.machine()}, "
          f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}; "
          f"best wall-clock time of {args.repeats}\n")
    print("| loss | W | N samples | entries checked | time | verdict |")
    print("|---|---|---:|---:|---:|---|")
    for n in (int(s) for s in args.samples.split(",")):
        X = rng.standard_normal((n, D))
        y = rng.integers(0, C, n)
        for loss in (svm_loss_vectorized, softmax_loss_vectorized):
            seconds, report = best_wall_time(
                lambda loss=loss, X=X, y=y: autograd.check_numpy_gradient(
                    lambda W: loss(W, X, y, 2.5e4), W, sample=args.sample),
                repeats=args.repeats)
            result = report.input("W")
            print(f"| {loss.__name__} | {D}×{C} | {n} | {result.checked} of {result.size} "
                  f"| {seconds:.2f} s | {'passed' if report else 'FAILED'} |")
            sys.stdout.flush()


if __name__ == "__main__":
    main()
