"""Small classification data sets, as plain lists: ``X`` (points) and ``y`` (labels).

The 2-D generators use only the standard library and are reproducible with
`seed`. Labels are class indices 0, 1, ...; for a hinge loss on a single score
use `signed_labels` (0 → −1, 1 → +1). `load_digits` reads the 8×8 digits that
scikit-learn ships inside its wheel (no network).
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from typing import Any

from autograd import validate

__all__ = ["load_digits", "make_blobs", "make_moons", "make_spirals", "make_xor",
           "signed_labels", "train_test_split"]

Dataset = tuple[list[list[float]], list[int]]


def make_moons(n_samples: int = 100, noise: float = 0.1, seed: int | None = 0) -> Dataset:
    """Two interleaving half circles (the data of micrograd's demo).

    Class 0: (cos t, sin t); class 1: (1 − cos t, 0.5 − sin t), for t evenly
    spaced in [0, π]; then Gaussian noise of standard deviation `noise` is added
    to each coordinate and the points are shuffled.
    """
    validate.integer(n_samples, "n_samples", minimum=2)
    noise = validate.non_negative(noise, "noise")
    rng = _rng(seed)
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
    validate.integer(n_classes, "n_classes", minimum=2)
    validate.integer(n_samples, "n_samples", minimum=n_classes)
    noise = validate.non_negative(noise, "noise")
    rng = _rng(seed)
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
    validate.integer(n_samples, "n_samples", minimum=1)
    noise = validate.non_negative(noise, "noise")
    rng = _rng(seed)
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
    validate.integer(n_classes, "n_classes", minimum=2)
    validate.integer(n_samples, "n_samples", minimum=n_classes)
    std = validate.non_negative(std, "std")
    rng = _rng(seed)
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
    ``digits`` extra, i.e. scikit-learn: in a clone of backprop-lab,
    ``pip install -e ".[digits]"`` (``make test`` and ``make demo`` install it).
    backprop-lab is not published on PyPI, so ``pip install "backprop-lab[digits]"``
    does not work; where backprop-lab was installed from a wheel, install the
    extra's one package, ``pip install "scikit-learn>=1.3"``.
    """
    try:
        from sklearn.datasets import load_digits as sklearn_load_digits
    except ImportError:
        raise ImportError(
            'load_digits needs scikit-learn (the "digits" extra): in a clone of '
            'backprop-lab run pip install -e ".[digits]"; elsewhere run '
            'pip install "scikit-learn>=1.3"'
        ) from None
    bunch = sklearn_load_digits()
    X = [[float(pixel) / 16.0 for pixel in row] for row in bunch.data]
    y = [int(label) for label in bunch.target]
    return X, y


def signed_labels(y: Sequence[int]) -> list[int]:
    """Map binary labels 0/1 to −1/+1 (what `nn.losses.binary_hinge` wants)."""
    out = []
    for label in y:
        if not validate.is_real(label) or label not in (0, 1):
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
    validate.in_interval(test_fraction, "test_fraction", 0, 1,
                         include_low=False, include_high=False)
    n_test = round(len(X) * test_fraction)
    if n_test == 0 or n_test == len(X):
        raise ValueError(f"test_fraction {test_fraction} of {len(X)} samples leaves "
                         "an empty train or test set")
    order = list(range(len(X)))
    _rng(seed).shuffle(order)
    test, train = order[:n_test], order[n_test:]
    return ([X[i] for i in train], [X[i] for i in test],
            [y[i] for i in train], [y[i] for i in test])


def _rng(seed: object) -> random.Random:
    """``random.Random(seed)`` for an int seed or None (fresh randomness). A float or str
    is refused: Random would hash it silently, and seed=1.5 is almost surely a mistake."""
    return random.Random(None if seed is None else validate.integer(seed, "seed"))


def _shuffled(points: list[tuple[list[float], int]], rng: random.Random) -> Dataset:
    rng.shuffle(points)
    return [p for p, _ in points], [label for _, label in points]

