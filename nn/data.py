"""Small classification data sets, as plain lists: ``X`` (points) and ``y`` (labels).

The 2-D generators use only the standard library and are reproducible with
`seed`. Labels are class indices 0, 1, ...; for a hinge loss on a single score
use `signed_labels` (0 → −1, 1 → +1). `load_digits` reads the 8×8 digits that
scikit-learn ships inside its wheel (no network).
"""

from __future__ import annotations

import math
import numbers
import random
from collections.abc import Sequence
from typing import Any

__all__ = ["load_digits", "make_blobs", "make_moons", "make_spirals", "make_xor",
           "signed_labels", "train_test_split"]

Dataset = tuple[list[list[float]], list[int]]


def make_moons(n_samples: int = 100, noise: float = 0.1, seed: int | None = 0) -> Dataset:
    """Two interleaving half circles (the data of micrograd's demo).

    Class 0: (cos t, sin t); class 1: (1 − cos t, 0.5 − sin t), for t evenly
    spaced in [0, π]; then Gaussian noise of standard deviation `noise` is added
    to each coordinate and the points are shuffled.
    """
    _check_count(n_samples, minimum=2)
    noise = _check_non_negative("noise", noise)
    rng = random.Random(seed)
    n_upper = n_samples // 2
    n_lower = n_samples - n_upper
    points: list[tuple[list[float], int]] = []
    for count, label in ((n_upper, 0), (n_lower, 1)):
        for i in range(count):
            t = math.pi * i / (count - 1) if count > 1 else 0.0
            if label == 0:
                x, y = math.cos(t), math.sin(t)
            else:
                x, y = 1.0 - math.cos(t), 0.5 - math.sin(t)
            points.append(([x + rng.gauss(0, noise), y + rng.gauss(0, noise)], label))
    return _shuffled(points, rng)


def make_spirals(n_samples: int = 300, n_classes: int = 3, noise: float = 0.2,
                 seed: int | None = 0) -> Dataset:
    """`n_classes` spiral arms around the origin (CS231n's classic).

    Arm k: radius r from 0 to 1, angle θ = 4k + 4r + noise·N(0, 1) (radians);
    the point is (r sin θ, r cos θ). Samples are split as evenly as possible.
    """
    _check_count(n_samples, minimum=n_classes)
    _check_count(n_classes, minimum=2, what="n_classes")
    noise = _check_non_negative("noise", noise)
    rng = random.Random(seed)
    points: list[tuple[list[float], int]] = []
    for k in range(n_classes):
        count = n_samples // n_classes + (1 if k < n_samples % n_classes else 0)
        for i in range(count):
            r = i / (count - 1) if count > 1 else 0.0
            theta = 4.0 * k + 4.0 * r + rng.gauss(0, noise)
            points.append(([r * math.sin(theta), r * math.cos(theta)], k))
    return _shuffled(points, rng)


def make_xor(n_samples: int = 200, noise: float = 0.0, seed: int | None = 0) -> Dataset:
    """Points uniform in the square [−1, 1]²; label 1 when x1·x2 < 0 (the XOR of the signs).

    Points closer than 0.1 to an axis are redrawn, so the classes are separated;
    then Gaussian `noise` is added.
    """
    _check_count(n_samples, minimum=1)
    noise = _check_non_negative("noise", noise)
    rng = random.Random(seed)
    points: list[tuple[list[float], int]] = []
    while len(points) < n_samples:
        x1, x2 = rng.uniform(-1, 1), rng.uniform(-1, 1)
        if abs(x1) < 0.1 or abs(x2) < 0.1:
            continue
        label = 1 if x1 * x2 < 0 else 0
        points.append(([x1 + rng.gauss(0, noise), x2 + rng.gauss(0, noise)], label))
    return _shuffled(points, rng)


def make_blobs(n_samples: int = 150, n_classes: int = 3, std: float = 0.5,
               seed: int | None = 0) -> Dataset:
    """Gaussian clouds of standard deviation `std` around `n_classes` centres.

    Centre k sits on the circle of radius 2 at angle 2πk/n_classes.
    """
    _check_count(n_samples, minimum=n_classes)
    _check_count(n_classes, minimum=2, what="n_classes")
    std = _check_non_negative("std", std)
    rng = random.Random(seed)
    points: list[tuple[list[float], int]] = []
    for i in range(n_samples):
        k = i % n_classes
        angle = 2 * math.pi * k / n_classes
        cx, cy = 2 * math.cos(angle), 2 * math.sin(angle)
        points.append(([cx + rng.gauss(0, std), cy + rng.gauss(0, std)], k))
    return _shuffled(points, rng)


def load_digits() -> Dataset:
    """The 8×8 handwritten digits: 1797 images of 64 pixels scaled to [0, 1], labels 0-9.

    Read from the copy bundled with scikit-learn (no download). Needs the
    ``digits`` extra: ``pip install "backprop-lab[digits]"``.
    """
    try:
        from sklearn.datasets import load_digits as sklearn_load_digits
    except ImportError:
        raise ImportError(
            'load_digits needs scikit-learn: pip install "backprop-lab[digits]"'
        ) from None
    bunch = sklearn_load_digits()
    X = [[float(pixel) / 16.0 for pixel in row] for row in bunch.data]
    y = [int(label) for label in bunch.target]
    return X, y


def signed_labels(y: Sequence[int]) -> list[int]:
    """Map binary labels 0/1 to −1/+1 (what `nn.losses.binary_hinge` wants)."""
    out = []
    for label in y:
        if label not in (0, 1) or isinstance(label, bool):
            raise ValueError(f"signed_labels needs labels 0 or 1, got {label!r}")
        out.append(2 * int(label) - 1)
    return out


def train_test_split(X: Sequence[Any], y: Sequence[Any], test_fraction: float = 0.2,
                     seed: int | None = 0) -> tuple[list[Any], list[Any], list[Any], list[Any]]:
    """Shuffle with `seed`, then hold out round(n·test_fraction) samples.

    Returns ``X_train, X_test, y_train, y_test`` (scikit-learn's order).
    """
    if len(X) != len(y):
        raise ValueError(f"train_test_split: {len(X)} samples but {len(y)} labels")
    if isinstance(test_fraction, bool) or not isinstance(test_fraction, numbers.Real):
        raise TypeError(f"test_fraction must be a number, got {type(test_fraction).__name__}")
    if not 0 < test_fraction < 1:
        raise ValueError(f"test_fraction must be between 0 and 1, got {test_fraction}")
    n_test = round(len(X) * test_fraction)
    if n_test == 0 or n_test == len(X):
        raise ValueError(f"test_fraction {test_fraction} of {len(X)} samples leaves "
                         "an empty train or test set")
    order = list(range(len(X)))
    random.Random(seed).shuffle(order)
    test, train = order[:n_test], order[n_test:]
    return ([X[i] for i in train], [X[i] for i in test],
            [y[i] for i in train], [y[i] for i in test])


def _shuffled(points: list[tuple[list[float], int]], rng: random.Random) -> Dataset:
    rng.shuffle(points)
    return [p for p, _ in points], [label for _, label in points]


def _check_count(n: Any, minimum: int, what: str = "n_samples") -> None:
    if isinstance(n, bool) or not isinstance(n, numbers.Integral):
        raise TypeError(f"{what} must be an int, got {type(n).__name__} {n!r}")
    if n < minimum:
        raise ValueError(f"{what} must be at least {minimum}, got {n}")


def _check_non_negative(what: str, x: Any) -> float:
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(f"{what} must be a number, got {type(x).__name__} {x!r}")
    if not x >= 0:
        raise ValueError(f"{what} must be >= 0, got {x}")
    return float(x)
