"""Data sets: shapes, labels, reproducibility, the split, and digits."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest

from nn.data import (
    load_digits,
    make_blobs,
    make_moons,
    make_spirals,
    make_xor,
    signed_labels,
    train_test_split,
)

GENERATORS = [
    (make_moons, 2), (make_spirals, 3), (make_xor, 2), (make_blobs, 3),
]


@pytest.mark.parametrize("make, n_classes", GENERATORS)
def test_shapes_labels_and_seeds(make, n_classes) -> None:
    X, y = make(n_samples=60, seed=3)
    assert len(X) == len(y) == 60
    assert all(len(x) == 2 and all(isinstance(v, float) for v in x) for x in X)
    assert sorted(set(y)) == list(range(n_classes))
    assert make(n_samples=60, seed=3) == (X, y)
    assert make(n_samples=60, seed=4) != (X, y)


def test_moons_without_noise_lie_on_the_half_circles() -> None:
    X, y = make_moons(50, noise=0.0, seed=0)
    for (a, b), label in zip(X, y):
        if label == 0:
            assert math.hypot(a, b) == pytest.approx(1.0) and b >= -1e-12
        else:
            assert math.hypot(a - 1.0, b - 0.5) == pytest.approx(1.0) and b <= 0.5 + 1e-12
    assert y.count(0) == y.count(1) == 25


def test_xor_labels_are_the_sign_xor() -> None:
    X, y = make_xor(100, seed=1)
    assert all(label == (1 if a * b < 0 else 0) for (a, b), label in zip(X, y))


def test_signed_labels() -> None:
    assert signed_labels([0, 1, 1, 0]) == [-1, 1, 1, -1]
    with pytest.raises(ValueError, match="0 or 1"):
        signed_labels([0, 2])


def test_train_test_split_partitions_the_data() -> None:
    X = [[float(i)] for i in range(50)]
    y = list(range(50))
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_fraction=0.2, seed=1)
    assert len(X_test) == 10 and len(X_train) == 40
    assert sorted(y_train + y_test) == y
    assert all(x == [float(label)] for x, label in zip(X_train + X_test, y_train + y_test))
    assert train_test_split(X, y, 0.2, seed=1) == (X_train, X_test, y_train, y_test)


@pytest.mark.parametrize("kwargs, error", [
    ({"test_fraction": 0.0}, ValueError), ({"test_fraction": 1.5}, ValueError),
    ({"test_fraction": "0.2"}, TypeError), ({"test_fraction": 0.001}, ValueError),
])
def test_train_test_split_checks(kwargs, error) -> None:
    with pytest.raises(error, match="test_fraction"):
        train_test_split([[1.0]] * 10, [0] * 10, **kwargs)
    with pytest.raises(ValueError, match="10 samples but 9 labels"):
        train_test_split([[1.0]] * 10, [0] * 9)


def test_generator_arguments_are_checked() -> None:
    with pytest.raises(ValueError, match="noise"):
        make_moons(10, noise=-1.0)
    with pytest.raises(TypeError, match="n_samples"):
        make_moons(10.5)
    with pytest.raises(ValueError, match="n_classes"):
        make_blobs(10, n_classes=1)


@pytest.mark.parametrize("seed", [1.5, 2.0, "1", True])
@pytest.mark.parametrize("make, n_classes", GENERATORS)
def test_a_seed_that_is_not_an_int_is_refused_naming_it(make, n_classes, seed) -> None:
    # random.Random hashes a float or a str silently: seed=1.5 gave some data set
    message = re.escape(f"seed must be an int, got {type(seed).__name__} {seed!r}")
    with pytest.raises(TypeError, match=message):
        make(n_samples=12, seed=seed)
    with pytest.raises(TypeError, match=message):
        train_test_split([[1.0]] * 10, [0] * 10, seed=seed)
    assert make(n_samples=12, seed=None)[1]  # None: a fresh random data set, as before


def test_load_digits() -> None:
    X, y = load_digits()
    assert len(X) == len(y) == 1797
    assert all(len(x) == 64 for x in X)
    assert sorted(set(y)) == list(range(10))
    pixels = [p for x in X for p in x]
    assert min(pixels) == 0.0 and max(pixels) == 1.0


def test_load_digits_without_sklearn_names_the_extra(monkeypatch) -> None:
    import builtins

    real_import = builtins.__import__

    def no_sklearn(name, *args, **kwargs):
        if name.startswith("sklearn"):
            raise ImportError("no sklearn here")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_sklearn)
    with pytest.raises(ImportError) as caught:
        load_digits()
    message = str(caught.value)
    # backprop-lab is not on PyPI: from a clone the extra is installed with -e ".[digits]"
    assert 'pip install -e ".[digits]"' in message
    assert "backprop-lab[digits]" not in message
    # elsewhere, the extra's own requirement, exactly as pyproject.toml declares it
    pyproject = (Path(__file__).parent.parent / "pyproject.toml").read_text()
    (requirement,) = re.findall(r'^digits = \["([^"]+)"\]', pyproject, re.MULTILINE)
    assert f'pip install "{requirement}"' in message
