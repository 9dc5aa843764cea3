"""Training: `fit` (the gradient-descent loop), `accuracy`, and plots saved as PNG.

One step of `fit` is the lecture's loop: forward every sample of the batch,
average the per-sample losses (plus an optional L2 term), set the gradients to
zero, ``loss.backward()``, then ``optimizer.step()``. After each epoch `fit`
measures the loss and the accuracy on the whole training set (and on a
held-out set, if given) with the weights the epoch ended with, and records them
in a `History`: the numbers its progress bar prints and `plot_history` draws.

Labels and outputs:

- a model with ONE output is a binary classifier: labels are 0/1 or −1/+1, the
  positive class is y = 1, and a score > 0 predicts it. ``"hinge"`` trains it
  with max(0, 1 − y·s) and ``"mse"`` with (s − y)², both with y mapped to ±1;
- a model with K ≥ 2 outputs is a K-class classifier: labels are the ints
  0..K−1, the prediction is the largest output. ``"hinge"`` is the multiclass
  SVM loss, ``"cross_entropy"`` the softmax loss, ``"mse"`` the squared error
  to the one-hot vector.

`fit` checks every input and every label before the first update, and names
the first bad one (``X[30][0] must be finite, got nan``, ``y[7]: ...``). `loss`
may also be your own function ``loss(output, label) -> Value`` (its labels are
not checked).

Epochs are counted from 1, as the progress bar counts them: "epoch k" is the
state after k passes over the data, and ``history.losses[k - 1]`` its loss.
With ``record_every=k`` `fit` also keeps snapshots of the weights (epoch 0, the
weights before training, then every k epochs and after the last), which
`nn.save_training_player` replays.

With ``live=True``, in a Jupyter notebook, `fit` shows the run as it goes in a
`nn.TrainingWidget` (curves, boundary or samples, the network; Pause, Resume, Step;
see `nn.live`), updated every `record_every` epochs, else a few times per epoch.
`nn.live` imports this module, so this module never imports it: the `nn` package
sets `make_live_view` to a function that does (on first use).
matplotlib and tqdm are imported only when a plot or a progress bar is made; without
tqdm (browser Python does not install it) the progress is one line on stderr.
"""

from __future__ import annotations

import io
import math
import os
import random
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from autograd import Value, no_grad, validate
from autograd.errors import NanError
from autograd.files import write_atomically
from nn import losses
from nn.module import Module
from nn.optim import SGD, Optimizer

__all__ = ["History", "LOSSES", "accuracy", "fit", "plot_decision_boundary", "plot_history",
           "predict"]

LossFunction = Callable[[Any, Any], Any]


def _binary_target(label: Any) -> float:
    """A one-output model's label as ±1: 1 -> +1; 0 and −1 -> −1."""
    if validate.is_real(label) and label in (1, 0, -1):
        return 1.0 if label == 1 else -1.0
    raise ValueError("a one-output model needs labels 0/1 or -1/+1, got "
                     f"{type(label).__name__} {validate.shown(label)}")


def _hinge(output: Any, label: Any) -> Any:
    if isinstance(output, list):
        return losses.multiclass_hinge(output, label)
    return losses.binary_hinge(output, _binary_target(label))


_ONE_OUTPUT_CROSS_ENTROPY = ("cross_entropy needs a model with at least 2 outputs (one per "
                             "class); use hinge or mse for a single output")


def _cross_entropy(output: Any, label: Any) -> Any:
    if not isinstance(output, list):
        raise ValueError(_ONE_OUTPUT_CROSS_ENTROPY)
    return losses.cross_entropy(output, label)


def _mse(output: Any, label: Any) -> Any:
    if not isinstance(output, list):
        return losses.mse(output, _binary_target(label))
    target = losses.checked_class(label, len(output), "mse")
    onehot = [1.0 if k == target else 0.0 for k in range(len(output))]
    return losses.mse(output, onehot)


#: The named losses `fit` accepts, each ``loss(model_output, label) -> Value``.
LOSSES: dict[str, LossFunction] = {
    "hinge": _hinge, "cross_entropy": _cross_entropy, "mse": _mse,
}


@dataclass
class History:
    """What `fit` recorded: one entry per epoch in each list.

    Every number is measured after the epoch's last update, with the weights
    the model has at that moment (so ``history.accuracies[-1]`` equals
    ``accuracy(model, X, y)`` after `fit`):

    - ``losses``: the mean loss over all training samples, L2 term included;
    - ``accuracies``: the fraction of training samples classified correctly;
    - ``test_losses``, ``test_accuracies``: the same on the held-out set given
      to `fit` as ``X_test, y_test`` (empty lists without one; no L2 term);
    - ``lrs``: the learning rate the epoch used;
    - ``seconds``: wall-clock time of the epoch, its measurements included.

    Entry ``i`` of each list belongs to epoch ``i + 1`` (epochs count from 1).
    With ``fit(..., record_every=k)``:

    - ``snapshots``: ``(epoch, state_dict)`` pairs: ``(0, the weights before
      training)``, then the weights after every k-th epoch and after the last.
      The numbers of epoch e ≥ 1 above were measured with exactly the weights
      of its snapshot.

    What the run used, so that a replay can recompute any point's loss:
    ``loss`` (a name of `LOSSES` or your function), ``l2``, and
    ``steps_per_epoch`` (optimizer steps in one epoch: 1 for full batch; None in a
    History made by hand).
    """

    losses: list[float] = field(default_factory=list)
    accuracies: list[float] = field(default_factory=list)
    test_losses: list[float] = field(default_factory=list)
    test_accuracies: list[float] = field(default_factory=list)
    lrs: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    snapshots: list[tuple[int, dict[str, float]]] = field(default_factory=list)
    loss: str | LossFunction = "hinge"
    l2: float = 0.0
    steps_per_epoch: int | None = None  # None: not known (a History made by hand)

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


def accuracy(model: Module[Any], X: Sequence[Sequence[float]], y: Sequence[Any]) -> float:
    """Fraction of samples classified correctly (see the module docstring), no graph built."""
    _check_data(X, y)
    with no_grad():
        outputs = [model(x) for x in X]
    for i, (output, label) in enumerate(zip(outputs, y)):
        _check_label_of(output, label, f"y[{i}]")
    return sum(map(_is_correct, outputs, y)) / len(X)


def _check_label_of(output: Any, label: Any, name: str) -> None:
    """A label the model's output can be right about: a class index 0..k-1 for k
    outputs, and 1 (or 0 or -1) for one output, else an error naming it."""
    if isinstance(output, list):
        losses.checked_class(label, len(output), name)
    elif not validate.is_integer(label) or int(label) not in (1, 0, -1):
        raise ValueError(f"{name}: a label of a one-output model is 1 (or 0 or -1), got "
                         f"{label!r}")


def fit(
    model: Module[Any],
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
    X_test: Sequence[Sequence[float]] | None = None,
    y_test: Sequence[Any] | None = None,
    record_every: int | None = None,
    live: bool | LiveView = False,
) -> History:
    """Train `model` on (X, y) by gradient descent; return the per-epoch History.

    Each step minimises ``(1/B) Σ_{i in batch} L(model(x_i), y_i) + l2 · Σ_k w_k²``.

    Args:
        loss:        ``"hinge"``, ``"cross_entropy"``, ``"mse"`` or ``f(output, label)``.
        optimizer:   defaults to ``SGD(model, lr=0.1)``.
        epochs:      passes over the data.
        batch_size:  None for full batch (one step per epoch); else the data is
                     shuffled each epoch (with `seed`) and cut into batches.
        l2:          λ of the L2 penalty added to the loss (0 for none).
        lr_schedule: ``epoch -> lr``, called before each epoch (e.g. `nn.LinearDecay`).
        progress:    show a tqdm bar with the loss and accuracy after each epoch.
        callback:    called as ``callback(epoch, history)`` after each epoch, with
                     the epoch's 0-based index (``epoch + 1`` epochs are done).
        X_test, y_test: a held-out set, measured after each epoch (never trained on).
        record_every: keep ``history.snapshots``: the weights before training
                     (epoch 0), after every `record_every`-th epoch, and after the last.
        live:        True: in a Jupyter notebook, show a `nn.TrainingWidget` that follows
                     the run (every `record_every` epochs, else a few times per epoch)
                     instead of the progress bar; elsewhere, say why on stderr (one
                     line) and train as with False. A TrainingWidget of your own
                     (``live=view``) is updated and not displayed (show it yourself).

    After each epoch the loss and accuracy are measured with the epoch's final
    weights (see `History`); this costs one forward pass over the data, without
    a graph. Bad arguments, inputs (a row of X or X_test that is not `nin`
    finite numbers) or labels raise before the first update, naming the row or
    the label (``X[30][0] must be finite, got nan``). If training diverges (a
    number of the forward or backward pass overflows, or the loss or a parameter
    would stop being finite), FloatingPointError names the epoch (and the
    parameter); the model keeps its last finite weights.
    """
    _check_data(X, y)
    if (X_test is None) != (y_test is None):
        raise ValueError("give both X_test and y_test, or neither")
    _check_inputs(model, X)
    if X_test is not None and y_test is not None:
        _check_data(X_test, y_test, "X_test")
        _check_inputs(model, X_test, "X_test")
    loss_fn = loss_function(loss)
    validate.integer(epochs, "epochs", minimum=1)
    if record_every is not None:
        validate.integer(record_every, "record_every", minimum=1)
    if batch_size is not None:
        validate.integer(batch_size, "batch_size", minimum=1)
    l2 = validate.non_negative(l2, "l2")
    if isinstance(loss, str):
        _check_labels(model, loss_fn, X, y)
        if X_test is not None and y_test is not None:
            _check_labels(model, loss_fn, X_test, y_test, "y_test")
    named = model.named_parameters()
    params = [p for _, p in named]
    if optimizer is None:
        optimizer = SGD(model, lr=0.1)
    elif not set(getattr(optimizer, "params", params)) & set(params):  # none kept: trusted
        raise ValueError("the optimizer holds none of the model's parameters (made for "
                         "another model?): make it with the model you train, e.g. "
                         "SGD(model, lr=0.1)")
    size = len(X) if batch_size is None else min(batch_size, len(X))
    rng = random.Random(seed)
    order = list(range(len(X)))
    steps_per_epoch = math.ceil(len(X) / size)
    history = History(loss=loss, l2=l2, steps_per_epoch=steps_per_epoch)
    if record_every is not None:
        history.snapshots.append((0, model.state_dict()))
    view = _live_view(live, progress)
    if view is not None:
        view.start(model, X, y, X_test, y_test, loss=loss, loss_fn=loss_fn, l2=l2,
                   epochs=epochs, steps_per_epoch=steps_per_epoch,
                   record_every=record_every)
    bar = _progress_bar(epochs) if progress and view is None else None
    completed = False
    try:
        for epoch in range(epochs):
            if lr_schedule is not None:
                optimizer.lr = lr_schedule(epoch)
            if batch_size is not None:
                rng.shuffle(order)
            start = time.perf_counter()
            try:
                for step, first in enumerate(range(0, len(order), size)):
                    if view is not None:
                        view.before_step()  # waits while the learner has paused the run
                    batch_loss = _train_batch(model, X, y, order[first:first + size], loss_fn,
                                              l2, named, optimizer, epoch)
                    if view is not None:
                        view.after_step(step + 1, batch_loss)
                train = measure(model, X, y, loss_fn, l2, params)
                test = (measure(model, X_test, y_test, loss_fn, 0.0, params)
                        if X_test is not None and y_test is not None else None)
            except (OverflowError, NanError) as error:  # a pass left the floats (nan:
                # inf - inf or 0·inf of numbers that grew out of range)
                raise FloatingPointError(
                    f"training diverged in epoch {epoch + 1}: {error}; lower the learning "
                    f"rate (lr={optimizer.lr:g})") from None
            history.losses.append(train[0])
            history.accuracies.append(train[1])
            if test is not None:
                history.test_losses.append(test[0])
                history.test_accuracies.append(test[1])
            history.lrs.append(optimizer.lr)
            history.seconds.append(time.perf_counter() - start)
            done = epoch + 1
            if record_every is not None and (done % record_every == 0 or done == epochs):
                history.snapshots.append((done, model.state_dict()))
            if view is not None:
                view.after_epoch(history)
            if bar is not None:
                bar.set_postfix(_progress_numbers(history))
                bar.update(1)
            if callback is not None:
                callback(epoch, history)
        completed = True
    finally:
        if bar is not None:
            bar.close()
        if view is not None:
            view.finish(completed)
    return history


class LiveView(Protocol):
    """What `fit` tells the live view of a run (`nn.TrainingWidget`) as it trains."""

    def start(self, model: Module[Any], X: Sequence[Sequence[float]], y: Sequence[Any],
              X_test: Sequence[Sequence[float]] | None, y_test: Sequence[Any] | None, *,
              loss: str | LossFunction, loss_fn: LossFunction, l2: float, epochs: int,
              steps_per_epoch: int, record_every: int | None) -> None:
        """Before the first step, with the weights before training."""

    def before_step(self) -> None:
        """Before each optimizer step; returns only once the learner lets training go on."""

    def after_step(self, step: int, loss: float) -> None:
        """After step `step` (1, 2, ... within the epoch), whose batch loss was `loss`."""

    def after_epoch(self, history: History) -> None:
        """After each epoch, once `history` holds its numbers."""

    def finish(self, completed: bool) -> None:
        """When `fit` returns (`completed`) or raises (an error, an interrupt)."""


#: Makes the live view of ``fit(live=...)`` from `live` (True: a new widget, shown;
#: a TrainingWidget: that one). Set by the `nn` package (see the module docstring).
make_live_view: Callable[[bool | LiveView], LiveView] | None = None


def _live_view(live: bool | LiveView, progress: bool) -> LiveView | None:
    """The live view `fit` updates, or None: for live=False; for live=True outside a
    Jupyter kernel, after one line on stderr that says why."""
    if live is False or live is None:
        return None
    if live is True and not _in_a_kernel():
        instead = "showing the progress bar instead" if progress else "training without it"
        print(f"fit(live=True): no Jupyter kernel here, and the live view is a notebook "
              f"widget; {instead}", file=sys.stderr)
        return None
    if make_live_view is None:  # only when nn.train is loaded without the nn package
        raise RuntimeError("fit(live=...) needs the nn package: import nn")
    return make_live_view(live)


def _in_a_kernel() -> bool:
    """Whether this Python runs in a Jupyter kernel (IPython with a kernel attached)."""
    ipython = sys.modules.get("IPython")  # never imported here: a kernel has it already
    shell = ipython.get_ipython() if ipython is not None else None
    return getattr(shell, "kernel", None) is not None


def _train_batch(model: Module[Any], X: Sequence[Sequence[float]], y: Sequence[Any],
                 batch: list[int], loss_fn: LossFunction, l2: float,
                 named: list[tuple[str, Value]], optimizer: Optimizer, epoch: int) -> float:
    """One step of `fit` on the samples `batch` (indices into X, y): forward, mean loss
    (+ L2 term), zero_grad, backward, optimizer.step; returns that loss (computed before
    the update). A step that makes a parameter nan or inf raises FloatingPointError
    naming the epoch, and changes nothing."""
    params = [p for _, p in named]
    per_sample = [loss_fn(model(X[i]), y[i]) for i in batch]
    batch_loss = losses.mean_loss(per_sample)
    if l2:
        batch_loss = batch_loss + losses.l2(params, l2)
    if not isinstance(batch_loss, Value):
        raise TypeError("the loss does not depend on the model's parameters")
    if not math.isfinite(batch_loss.data):
        raise FloatingPointError(
            f"the loss became {batch_loss.data} in epoch {epoch + 1}; lower the "
            "learning rate"
        )
    optimizer.zero_grad()
    batch_loss.backward()
    before = [p.data for p in params]
    try:
        optimizer.step()  # ours refuse an update that is not finite
    except FloatingPointError as error:
        raise FloatingPointError(
            f"training diverged in epoch {epoch + 1}: {error}") from None
    _check_finite_after_step(named, before, epoch)  # optimizers of one's own
    return batch_loss.data


def measure(model: Module[Any], X: Sequence[Sequence[float]], y: Sequence[Any],
             loss_fn: LossFunction, l2: float, params: list[Value]) -> tuple[float, float]:
    """(mean loss + L2 term, accuracy) of `model` on (X, y) as it is now, no graph built."""
    total, correct = 0.0, 0
    with no_grad():
        for x, label in zip(X, y):
            output = model(x)
            total += float(loss_fn(output, label))
            correct += _is_correct(output, label)
        penalty = float(losses.l2(params, l2)) if l2 else 0.0
    return total / len(X) + penalty, correct / len(X)


def _check_finite_after_step(named: list[tuple[str, Value]], before: list[float],
                             epoch: int) -> None:
    """Raise FloatingPointError if the step made a parameter nan or infinite,
    after putting every parameter back to its value before the step."""
    for name, p in named:
        if not math.isfinite(p.data):
            value = p.data
            for (_, q), old in zip(named, before):
                q.data = old
            raise FloatingPointError(
                f"training diverged in epoch {epoch + 1}: the update made parameter {name} "
                f"{value}; lower the learning rate (the model keeps its weights from before "
                "that step)"
            )


def _progress_numbers(history: History) -> dict[str, str]:
    numbers = {"loss": f"{history.losses[-1]:.4f}", "acc": f"{100 * history.accuracies[-1]:.1f}%"}
    if history.test_accuracies:
        numbers["test_acc"] = f"{100 * history.test_accuracies[-1]:.1f}%"
    return numbers


# ---------------------------------------------------------------------------
# Plots (image files, drawn with matplotlib without opening a window)
# ---------------------------------------------------------------------------

#: The file types the plots can be saved as, chosen by the path's suffix.
PLOT_FORMATS = {".png": "png", ".svg": "svg", ".pdf": "pdf"}
MAX_RESOLUTION = 1000  # a 1000 × 1000 grid is a million forward passes


def plot_decision_boundary(model: Module[Any], X: Sequence[Sequence[float]], y: Sequence[Any],
                           path: str | os.PathLike[str], resolution: int = 80,
                           title: str | None = None,
                           X_test: Sequence[Sequence[float]] | None = None,
                           y_test: Sequence[Any] | None = None) -> None:
    """Save a PNG of the classes the model predicts over the plane, with the data on top.

    Needs 2-D inputs (axes x0, x1). The model is evaluated on a `resolution`²
    grid (2 to 1000 points a side) covering the data plus a margin, under
    ``no_grad``. Training points are circles, held-out points (`X_test`,
    `y_test`) triangles, each filled with its class's colour; a legend names
    both. The suffix of `path` picks the type (.png, .svg or .pdf); the file is
    written atomically (see `autograd.files.write_atomically`).
    """
    image_format = _plot_format(path)
    figure = _boundary_figure(model, X, y, resolution, title, X_test, y_test)
    _save_figure(figure, path, image_format)


def _boundary_figure(model: Module[Any], X: Sequence[Sequence[float]], y: Sequence[Any],
                     resolution: int, title: str | None,
                     X_test: Sequence[Sequence[float]] | None,
                     y_test: Sequence[Any] | None) -> Any:
    _check_data(X, y)
    if (X_test is None) != (y_test is None):
        raise ValueError("give both X_test and y_test, or neither")
    tests: tuple[Sequence[Sequence[float]], Sequence[Any]] = ([], [])
    if X_test is not None and y_test is not None:
        _check_data(X_test, y_test, "X_test")
        tests = (X_test, y_test)
    if any(len(x) != 2 for x in [*X, *tests[0]]):
        raise ValueError("plot_decision_boundary needs 2-D points")
    resolution = validate.integer(resolution, "resolution", minimum=2, maximum=MAX_RESOLUTION)
    (x_min, x_max), (y_min, y_max) = plane_bounds([*X, *tests[0]])
    gx = [x_min + (x_max - x_min) * i / (resolution - 1) for i in range(resolution)]
    gy = [y_min + (y_max - y_min) * j / (resolution - 1) for j in range(resolution)]
    with no_grad():
        grid = [[predict(model([a, b])) for a in gx] for b in gy]
        first = model([gx[0], gy[0]])
    outputs = len(first) if isinstance(first, list) else 1
    classes = max(2, outputs, 1 + max(map(max, grid)))
    colours = [class_colour(k) for k in range(classes)]

    def colour(label: Any) -> str:  # a label no prediction equals ("cat", 1.5): grey
        k = class_of(label, outputs)
        return NO_CLASS_COLOUR if k is None else colours[k]

    figure = _figure(figsize=(5.6, 5))
    axes = figure.subplots()
    axes.contourf(gx, gy, grid, levels=[k - 0.5 for k in range(classes + 1)], colors=colours,
                  alpha=0.25)
    for points, labels, marker, size in ((X, y, "o", 28), (*tests, "^", 44)):
        if len(points) > 0:  # a numpy array has no truth value
            axes.scatter([p[0] for p in points], [p[1] for p in points], marker=marker, s=size,
                         c=[colour(label) for label in labels],
                         edgecolors="black", linewidths=0.6)
    axes.set_xlim(x_min, x_max)
    axes.set_ylim(y_min, y_max)
    axes.set_xlabel("x0")
    axes.set_ylabel("x1")
    axes.set_title(title or "decision boundary")
    axes.legend(handles=_boundary_legend(colours, len(tests[0]) > 0), loc="upper left",
                bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    figure.tight_layout()
    return figure


#: Colours of the classes in plots and replays (purple, green, amber, ...); the blue and
#: orange of drawings mean the sign of a weight or gradient, so classes use neither.
CLASS_COLOURS = ("#7c3aed", "#16a34a", "#d97706", "#db2777", "#0891b2", "#65a30d",
                 "#a16207", "#4f46e5", "#be123c", "#0f766e")


def class_colour(k: int) -> str:
    return CLASS_COLOURS[k % len(CLASS_COLOURS)]


def plane_bounds(points: Sequence[Sequence[float]],
                 margin: float = 0.5) -> tuple[tuple[float, float], tuple[float, float]]:
    """((x0 min, x0 max), (x1 min, x1 max)) of 2-D points, each widened by `margin`."""
    xs = [p[0] for p in points]
    ys = [p[1] for p in points]
    return (min(xs) - margin, max(xs) + margin), (min(ys) - margin, max(ys) + margin)


def _boundary_legend(colours: list[str], with_test: bool) -> list[Any]:
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles: list[Any] = [Patch(facecolor=c, edgecolor=c, alpha=0.6, label=f"class {k}")
                          for k, c in enumerate(colours)]
    handles.append(Line2D([], [], marker="o", linestyle="", color="white",
                          markeredgecolor="black", label="training point"))
    if with_test:
        handles.append(Line2D([], [], marker="^", linestyle="", color="white",
                              markeredgecolor="black", markersize=7, label="test point"))
    return handles


NO_CLASS_COLOUR = "#94a3b8"  # grey: a label that is no class index (always counted wrong)


def class_of(label: Any, outputs: int) -> int | None:
    """The class `fit`'s accuracy compares a prediction with: for one output, 1 if the label
    equals 1, else 0 (as labels 0/1 and -1/+1 are counted); for K outputs, the k in 0..K-1
    the label equals, else None (a label such as "cat" or 1.5 that no prediction equals)."""
    if outputs == 1:
        return 1 if label == 1 else 0
    return next((k for k in range(outputs) if label == k), None)


def epoch_axis_label(history: History) -> str:
    """What one unit of a curve's x-axis is: an epoch, and how many steps it holds."""
    steps = history.steps_per_epoch
    if steps is None:
        return "epoch"
    return "epoch (one full-batch step each)" if steps == 1 else f"epoch ({steps} steps each)"


def plot_history(history: History, path: str | os.PathLike[str]) -> None:
    """Save a PNG with the loss (left) and accuracy (right) after each epoch.

    Epoch k is drawn at x = k (the numbers after k epochs, as `fit` prints
    them); the x-axis says how many optimizer steps an epoch is. Training
    curves are solid; the held-out set's, if `fit` had one, dashed. The suffix
    of `path` picks the type (.png, .svg or .pdf); the file is written atomically.
    """
    image_format = _plot_format(path)
    _save_figure(_history_figure(history), path, image_format)


def history_png(history: History) -> bytes:
    """The loss and accuracy curves of `plot_history` as PNG bytes, small (for a notebook:
    the picture `fit(live=True)` leaves where its widget cannot run)."""
    buffer = io.BytesIO()
    _history_figure(history).savefig(buffer, format="png", dpi=72)
    return buffer.getvalue()


def _history_figure(history: History) -> Any:
    if not history.losses:
        raise ValueError("plot_history: the history is empty (train for at least one epoch)")
    epochs = range(1, len(history.losses) + 1)
    figure = _figure(figsize=(9, 3.5))
    left, right = figure.subplots(1, 2)
    dot = {"marker": "o"} if len(history.losses) == 1 else {}  # a line of one point is none
    left.plot(epochs, history.losses, label="train", **dot)
    right.plot(epochs, [100 * a for a in history.accuracies], label="train", **dot)
    if history.test_losses:
        left.plot(epochs, history.test_losses, "--", label="test", **dot)
        right.plot(epochs, [100 * a for a in history.test_accuracies], "--", label="test", **dot)
        left.legend()
        right.legend(loc="lower right")  # accuracy curves end near the top
    all_losses = history.losses + history.test_losses
    left.set_xlabel(epoch_axis_label(history))
    left.set_ylabel("loss")
    left.set_yscale("log" if min(all_losses) > 0 else "linear")
    right.set_xlabel(epoch_axis_label(history))
    right.set_ylabel("accuracy (%)")
    right.set_ylim(0, 101)
    figure.tight_layout()
    return figure


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------


def _figure(**options: Any) -> Any:
    """A matplotlib Figure not tied to any window: saving it uses Agg, and it
    leaves pyplot's backend (e.g. a notebook's inline one) alone."""
    from matplotlib.figure import Figure

    return Figure(**options)


def _plot_format(path: str | os.PathLike[str]) -> str:
    suffix = Path(path).suffix.lower()
    if suffix not in PLOT_FORMATS:
        raise ValueError(f"unknown file type {suffix or '(none)'!r} in {str(path)!r}: "
                         f"use one of {', '.join(PLOT_FORMATS)}")
    return PLOT_FORMATS[suffix]


def _save_figure(figure: Any, path: str | os.PathLike[str], image_format: str) -> None:
    """Render `figure` in memory, then write it atomically (never through a symlink)."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format=image_format, dpi=100)
    write_atomically(path, buffer.getvalue())


def _progress_bar(epochs: int) -> Any:
    try:
        from tqdm.auto import tqdm
    except ImportError:  # not installed (as in browser Python): one line instead
        return _ProgressLine(epochs)
    return tqdm(total=epochs, desc="training", unit="epoch")


class _ProgressLine:
    """The progress `fit` shows without tqdm: one line on stderr, rewritten after each
    epoch (``training: 12/100 epochs, loss=0.3120, acc=85.0%``), ended when `fit` ends."""

    def __init__(self, epochs: int) -> None:
        self.epochs = epochs
        self.done = 0
        self.numbers: dict[str, str] = {}

    def set_postfix(self, numbers: dict[str, str]) -> None:
        self.numbers = numbers

    def update(self, epochs: int) -> None:
        self.done += epochs
        numbers = "".join(f", {name}={value}" for name, value in self.numbers.items())
        print(f"\rtraining: {self.done}/{self.epochs} epochs{numbers}", end="", file=sys.stderr,
              flush=True)

    def close(self) -> None:
        if self.done:
            print(file=sys.stderr, flush=True)


def loss_function(loss: str | LossFunction, name: str = "loss") -> LossFunction:
    """The function `loss` stands for: a name of `LOSSES`, or your own function.
    `name` is what messages call the argument (`nn.replay` says ``history.loss``)."""
    if isinstance(loss, str):
        return LOSSES[validate.choice(loss, name, LOSSES)]
    if not callable(loss):
        raise TypeError(f"{name} must be a name or a function, got {type(loss).__name__}")
    return loss


def _check_data(X: Sequence[Any], y: Sequence[Any], name: str = "X") -> None:
    if len(X) != len(y):
        raise ValueError(f"{len(X)} samples but {len(y)} labels" +
                         (f" in {name}" if name != "X" else ""))
    if len(X) == 0:
        raise ValueError("no samples" + (f" in {name}" if name != "X" else ""))


def _check_inputs(model: Module[Any], X: Sequence[Any], name: str = "X") -> None:
    """Refuse, naming the first bad row, inputs `model` cannot be trained on: a row
    that is not a sequence, has not the model's `nin` entries (when it has a `nin`),
    or holds anything but finite real numbers (and Values)."""
    nin = getattr(model, "nin", None)
    for i, row in enumerate(X):
        _check_row(row, nin if validate.is_integer(nin) else None, f"{name}[{i}]")


def _check_row(row: Any, nin: int | None, name: str) -> None:
    """Refuse one row of inputs (`name` is ``X[30]``); `nin` None: any length."""
    try:
        size = len(row)
    except TypeError:
        wanted = "numbers" if nin is None else f"{nin} numbers"
        raise TypeError(f"{name} must be a sequence of {wanted}, got {type(row).__name__} "
                        f"{validate.shown(row)}") from None
    if nin is not None and size != nin:
        raise ValueError(f"{name} has {size} number{'' if size == 1 else 's'}, "
                         f"the model reads {nin}")
    if _plain_and_finite(row):  # the usual row, checked in one pass
        return
    for j, v in enumerate(row):
        if not isinstance(v, Value):  # a Value is always finite
            validate.finite(v, f"{name}[{j}]")


def _plain_and_finite(row: Any) -> bool:
    """True for a row of floats (numpy's too) and ints whose sum as floats is finite;
    then each one is finite (a nan or an inf makes the sum nan or inf) and fits a float."""
    if not all(isinstance(v, float) or type(v) is int for v in row):  # not a bool
        return False
    try:
        return math.isfinite(sum(map(float, row)))
    except OverflowError:  # an int too large for a float
        return False


def _check_labels(model: Module[Any], loss_fn: LossFunction, X: Sequence[Sequence[float]],
                  y: Sequence[Any], name: str = "y") -> None:
    """Run a named loss on a zero output of the model's shape for every label, so a
    bad label (1.5 for a 3-class model) is refused before any update, named by its
    index: ``y[7]: ...``."""
    with no_grad():
        output = model(X[0])
    if loss_fn is _cross_entropy and not isinstance(output, list):
        raise ValueError(_ONE_OUTPUT_CROSS_ENTROPY)  # the model's fault, not a label's
    zeros: Any = [0.0] * len(output) if isinstance(output, list) else 0.0
    for i, label in enumerate(y):
        try:
            loss_fn(zeros, label)
        except (TypeError, ValueError) as error:
            kind = TypeError if isinstance(error, TypeError) else ValueError
            raise kind(f"{name}[{i}]: {error}") from None
