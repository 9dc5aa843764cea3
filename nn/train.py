"""Training: `fit` (the gradient-descent loop), `accuracy`, and plots saved as PNG.

One step of `fit` is the lecture's loop: forward every sample of the batch,
average the per-sample losses (plus an optional L2 term), set the gradients to
zero, ``loss.backward()``, then ``optimizer.step()``.

Labels and outputs:

- a model with ONE output is a binary classifier: labels are 0/1 or −1/+1, the
  positive class is y = 1, and a score > 0 predicts it. ``"hinge"`` trains it
  with max(0, 1 − y·s) and ``"mse"`` with (s − y)², both with y mapped to ±1;
- a model with K ≥ 2 outputs is a K-class classifier: labels are 0..K−1, the
  prediction is the largest output. ``"hinge"`` is the multiclass SVM loss,
  ``"cross_entropy"`` the softmax loss, ``"mse"`` the squared error to the
  one-hot vector.

`loss` may also be your own function ``loss(output, label) -> Value``.
matplotlib and tqdm are imported only when a plot or a progress bar is made.
"""

from __future__ import annotations

import math
import os
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from autograd import Value, no_grad
from nn import losses
from nn.module import Module
from nn.optim import SGD, Optimizer

__all__ = ["History", "LOSSES", "accuracy", "fit", "plot_decision_boundary", "plot_history",
           "predict"]

LossFunction = Callable[[Any, Any], Any]


def _binary_target(label: Any) -> float:
    if label == 1:
        return 1.0
    if label in (0, -1) and not isinstance(label, bool):
        return -1.0
    raise ValueError(f"a one-output model needs labels 0/1 or -1/+1, got {label!r}")


def _hinge(output: Any, label: Any) -> Any:
    if isinstance(output, list):
        return losses.multiclass_hinge(output, label)
    return losses.binary_hinge(output, _binary_target(label))


def _cross_entropy(output: Any, label: Any) -> Any:
    if not isinstance(output, list):
        raise ValueError("cross_entropy needs a model with at least 2 outputs (one per class); "
                         "use hinge or mse for a single output")
    return losses.cross_entropy(output, label)


def _mse(output: Any, label: Any) -> Any:
    if not isinstance(output, list):
        return losses.mse(output, _binary_target(label))
    if not 0 <= label < len(output):
        raise ValueError(f"label {label} is out of range for {len(output)} outputs")
    onehot = [1.0 if k == label else 0.0 for k in range(len(output))]
    return losses.mse(output, onehot)


#: The named losses `fit` accepts, each ``loss(model_output, label) -> Value``.
LOSSES: dict[str, LossFunction] = {
    "hinge": _hinge, "cross_entropy": _cross_entropy, "mse": _mse,
}


@dataclass
class History:
    """What `fit` recorded, one entry per epoch.

    ``losses``: mean training loss (L2 term included); ``accuracies``: the
    fraction of training samples the model classified correctly in that
    epoch's forward passes (before each update); ``lrs``: the learning rate
    used; ``seconds``: wall-clock time of the epoch.
    """

    losses: list[float] = field(default_factory=list)
    accuracies: list[float] = field(default_factory=list)
    lrs: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.losses)


def predict(output: Any) -> int:
    """The class a model output stands for: 1 if a single score is > 0 (else 0);
    the index of the largest output for a list."""
    if isinstance(output, list):
        scores = [float(s) for s in output]
        return max(range(len(scores)), key=scores.__getitem__)
    return 1 if float(output) > 0 else 0


def _is_correct(output: Any, label: Any) -> bool:
    if isinstance(output, list):
        return predict(output) == label
    return (float(output) > 0) == (label == 1)


def accuracy(model: Module, X: Sequence[Sequence[float]], y: Sequence[Any]) -> float:
    """Fraction of samples classified correctly (see the module docstring), no graph built."""
    _check_data(X, y)
    with no_grad():
        correct = sum(_is_correct(model(x), label) for x, label in zip(X, y))
    return correct / len(X)


def fit(
    model: Module,
    X: Sequence[Sequence[float]],
    y: Sequence[Any],
    loss: str | LossFunction = "hinge",
    optimizer: Optimizer | None = None,
    epochs: int = 100,
    batch_size: int | None = None,
    l2: float = 0.0,
    lr_schedule: Callable[[int], float] | None = None,
    seed: int | None = 0,
    progress: bool = True,
    callback: Callable[[int, History], None] | None = None,
) -> History:
    """Train `model` on (X, y) by gradient descent; return the per-epoch History.

    Each step minimises ``(1/B) Σ_{i in batch} L(model(x_i), y_i) + l2 · Σ_k w_k²``.

    Args:
        loss:        ``"hinge"``, ``"cross_entropy"``, ``"mse"`` or ``f(output, label)``.
        optimizer:   defaults to ``SGD(model.parameters(), lr=0.1)``.
        epochs:      passes over the data.
        batch_size:  None for full batch (one step per epoch); else the data is
                     shuffled each epoch (with `seed`) and cut into batches.
        l2:          λ of the L2 penalty added to the loss (0 for none).
        lr_schedule: ``epoch -> lr``, called before each epoch (e.g. `nn.LinearDecay`).
        progress:    show a tqdm bar with the loss and accuracy.
        callback:    called as ``callback(epoch, history)`` after each epoch.
    """
    _check_data(X, y)
    loss_fn = _loss_function(loss)
    _check_positive_int("epochs", epochs)
    if batch_size is not None:
        _check_positive_int("batch_size", batch_size)
    if isinstance(l2, bool) or not isinstance(l2, (int, float)):
        raise TypeError(f"l2 must be a number, got {type(l2).__name__} {l2!r}")
    if not l2 >= 0:
        raise ValueError(f"l2 must be >= 0, got {l2}")
    params = model.parameters()
    if optimizer is None:
        optimizer = SGD(params, lr=0.1)
    size = len(X) if batch_size is None else min(batch_size, len(X))
    rng = random.Random(seed)
    order = list(range(len(X)))
    history = History()
    bar = _progress_bar(epochs) if progress else None
    try:
        for epoch in range(epochs):
            if lr_schedule is not None:
                optimizer.lr = lr_schedule(epoch)
            if batch_size is not None:
                rng.shuffle(order)
            start = time.perf_counter()
            total_loss, correct = 0.0, 0
            for first in range(0, len(order), size):
                batch = order[first:first + size]
                outputs = [model(X[i]) for i in batch]
                correct += sum(_is_correct(out, y[i]) for out, i in zip(outputs, batch))
                per_sample = [loss_fn(out, y[i]) for out, i in zip(outputs, batch)]
                batch_loss = losses.mean_loss(per_sample)
                if l2:
                    batch_loss = batch_loss + losses.l2(params, l2)
                if not isinstance(batch_loss, Value):
                    raise TypeError("the loss does not depend on the model's parameters")
                if not math.isfinite(batch_loss.data):
                    raise FloatingPointError(
                        f"the loss became {batch_loss.data} at epoch {epoch}; lower the learning "
                        "rate"
                    )
                optimizer.zero_grad()
                batch_loss.backward()
                optimizer.step()
                total_loss += batch_loss.data * len(batch)
            history.losses.append(total_loss / len(X))
            history.accuracies.append(correct / len(X))
            history.lrs.append(optimizer.lr)
            history.seconds.append(time.perf_counter() - start)
            if bar is not None:
                bar.set_postfix(loss=f"{history.losses[-1]:.4f}",
                                acc=f"{100 * history.accuracies[-1]:.1f}%")
                bar.update(1)
            if callback is not None:
                callback(epoch, history)
    finally:
        if bar is not None:
            bar.close()
    return history


# ---------------------------------------------------------------------------
# Plots (PNG files, drawn with matplotlib without opening a window)
# ---------------------------------------------------------------------------


def plot_decision_boundary(model: Module, X: Sequence[Sequence[float]], y: Sequence[Any],
                           path: str | os.PathLike[str], resolution: int = 80,
                           title: str | None = None) -> None:
    """Save a PNG of the classes the model predicts over the plane, with the data on top.

    Needs 2-D inputs. The model is evaluated on a `resolution`² grid covering
    the data plus a margin, under ``no_grad``.
    """
    _check_data(X, y)
    if any(len(x) != 2 for x in X):
        raise ValueError("plot_decision_boundary needs 2-D points")
    xs = [p[0] for p in X]
    ys = [p[1] for p in X]
    x_min, x_max = min(xs) - 0.5, max(xs) + 0.5
    y_min, y_max = min(ys) - 0.5, max(ys) + 0.5
    gx = [x_min + (x_max - x_min) * i / (resolution - 1) for i in range(resolution)]
    gy = [y_min + (y_max - y_min) * j / (resolution - 1) for j in range(resolution)]
    with no_grad():
        grid = [[predict(model([a, b])) for a in gx] for b in gy]
    figure = _figure(figsize=(5, 5))
    axes = figure.subplots()
    axes.contourf(gx, gy, grid, cmap="Spectral", alpha=0.7)
    axes.scatter(xs, ys, c=[_class_index(label) for label in y], s=25, cmap="Spectral",
                 edgecolors="black", linewidths=0.5)
    axes.set_xlim(x_min, x_max)
    axes.set_ylim(y_min, y_max)
    axes.set_title(title or "decision boundary")
    figure.tight_layout()
    figure.savefig(path, dpi=100)


def _class_index(label: Any) -> int:
    """A label as the class index plots use (−1 becomes 0, like a one-output prediction)."""
    return 0 if label == -1 else int(label)


def plot_history(history: History, path: str | os.PathLike[str]) -> None:
    """Save a PNG with the loss (left) and accuracy (right) per epoch."""
    if not history.losses:
        raise ValueError("plot_history: the history is empty (train for at least one epoch)")
    epochs = range(1, len(history.losses) + 1)
    figure = _figure(figsize=(9, 3.5))
    left, right = figure.subplots(1, 2)
    left.plot(epochs, history.losses)
    left.set_xlabel("epoch")
    left.set_ylabel("training loss")
    left.set_yscale("log" if min(history.losses) > 0 else "linear")
    right.plot(epochs, [100 * a for a in history.accuracies])
    right.set_xlabel("epoch")
    right.set_ylabel("training accuracy (%)")
    right.set_ylim(0, 101)
    figure.tight_layout()
    figure.savefig(path, dpi=100)


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------


def _figure(**options: Any) -> Any:
    """A matplotlib Figure not tied to any window: saving it uses Agg, and it
    leaves pyplot's backend (e.g. a notebook's inline one) alone."""
    from matplotlib.figure import Figure

    return Figure(**options)


def _progress_bar(epochs: int) -> Any:
    from tqdm.auto import tqdm

    return tqdm(total=epochs, desc="training", unit="epoch")


def _loss_function(loss: str | LossFunction) -> LossFunction:
    if isinstance(loss, str):
        if loss not in LOSSES:
            raise ValueError(f"unknown loss {loss!r}; choose one of {', '.join(LOSSES)}")
        return LOSSES[loss]
    if not callable(loss):
        raise TypeError(f"loss must be a name or a function, got {type(loss).__name__}")
    return loss


def _check_data(X: Sequence[Any], y: Sequence[Any]) -> None:
    if len(X) != len(y):
        raise ValueError(f"{len(X)} samples but {len(y)} labels")
    if len(X) == 0:
        raise ValueError("no samples")


def _check_positive_int(name: str, n: Any) -> None:
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"{name} must be an int, got {type(n).__name__} {n!r}")
    if n < 1:
        raise ValueError(f"{name} must be >= 1, got {n}")
