"""Watch a network learn: a replay of your own training run as one HTML page.

    history = nn.fit(model, X, y, epochs=100, record_every=5)
    nn.save_training_player(model, history, X, y, "training.html")

The page replays the snapshots `fit` kept with ``record_every=k``: a slider
over the recorded epochs (play/pause, arrow keys, ``#epoch=N`` in the URL);
the loss and accuracy curves with a marker at the epoch shown; for 2-D inputs
the decision boundary with the training points (circles) and test points
(triangles), for other inputs a grid of sample images with their true and
predicted labels and the accuracy of each class; and the network, one node per
neuron (`autograd.views.drawing.Picture` with ``collapse=2``), each edge coloured by
the sign and sized by the magnitude of its weight at that epoch. Clicking a
data point (or choosing it from the list) shows that point's forward values
and backward pass at that epoch: each neuron's ``a = b + w·x``, ``h = g(a)``
and their gradients in the network, and for the neuron you click, the
gradient on each of its weights, ``dL/dw_j = x_j · dL/da`` (the chain rule:
``∂a/∂w_j`` is the input ``x_j``).

A label is shown as it is (``3``, ``1.5``, ``"cat"``: any label `fit` takes), and a
point is right or wrong as `fit`'s accuracy counts it: a one-output model predicts
class 1 for a score > 0 and its label is class 1 when it equals 1 (class 0 otherwise);
a model with K outputs predicts the index of the largest, and a label is class k when it
equals k. A label that is no class index (``"cat"``, ``1.5`` for K outputs) is drawn in
grey and never counted right, as `fit` counts it.

Everything shown is computed here by the engine: for each snapshot, the model
is loaded with the snapshot's weights; for each point its loss graph is built
and `autograd.backprop.gradients` gives the gradient of every node. A point's
loss is the loss `fit` trained with (``history.loss``) on that one point,
without the L2 term (the same for every point). The page multiplies an input
by dL/da to show a weight's gradient as that product, and does no other math.

The network is laid out once, and each epoch is data (numbers rounded to the
4 significant digits the drawings show) that the page's script (``nn/static/replay.js``)
puts into the one SVG, as in `autograd.views.player`. The model is left with the weights
it had, and no ``.grad`` is touched. `View` computes what a page shows of a model at one
moment; the live view of a running `fit` (`nn.live`) uses it too.
"""

from __future__ import annotations

import base64
import io
import math
import os
import pathlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from autograd import Value, no_grad, topological_order, validate
from autograd import sum as value_sum
from autograd.backprop import gradients
from autograd.files import write_atomically
from autograd.views.drawing import NEGATIVE, NO_FLOW, POSITIVE, Picture, visible
from autograd.views.player import with_fresh_ids
from nn import replay_page, train
from nn.module import Module
from nn.replay_page import Recording
from nn.train import (
    CLASS_COLOURS,
    NO_CLASS_COLOUR,
    History,
    LossFunction,
    loss_function,
    measure,
    plane_bounds,
    predict,
)

__all__ = ["TrainingPlayer", "View", "save_training_player", "training_player_html"]

DIGITS = 4  # significant digits of the numbers stored and shown
MAX_POINTS = 200  # 2-D data: points whose backward pass the page holds (evenly chosen)
MAX_SAMPLES = 40  # other data: sample images shown (and clickable), spread over the classes
RESOLUTION = 40  # the decision boundary: the model's prediction on a 40 × 40 grid
MAX_RESOLUTION = 200  # points per side of that grid, at most
MAX_SNAPSHOTS = 500
STILL_DPI = 72  # the still picture of a notebook's copy: 403 × 360 px, some 25 KB


class TrainingPlayer(str):
    """The replay's HTML (a str) that Jupyter displays as the page itself.

    Shown in a notebook (`_repr_html_`), it also works where scripts do not run: a notebook
    opened from disk is untrusted, and JupyterLab then shows the HTML sanitized, without
    scripts or inline SVG but with the SVG's texts as a paragraph of run-together words.
    (``hidden`` is dropped too, so the controls, the captions and an empty canvas showed).
    So the notebook's copy carries a still picture (a PNG of the decision boundary at the
    last snapshot, or of the curves for other data; the script removes it) and keeps the
    parts the script shows (controls, charts, the network's SVG) inside a script element,
    dropped whole, whose HTML the script puts back before it starts.
    """

    still: Callable[[], bytes] | None = None  # makes that PNG (set by training_player_html)

    def _repr_html_(self) -> str:
        page = with_fresh_ids(self, "training-replay")
        # the parts the script shows: the controls, the charts and the network
        start = page.find('<div class="controls"')
        end = page.find('<script type="application/json" class="replay-static">')
        if start < 0 or end < start or self.still is None:
            return page
        png = base64.b64encode(self.still()).decode("ascii")
        shown = (f'<img class="still" alt="the run at its last snapshot" '
                 f'src="data:image/png;base64,{png}">\n'
                 '<script type="text/html" class="page-source">'
                 f"{page[start:end].rstrip()}</script>\n")
        return page[:start] + shown + page[end:]

    def __repr__(self) -> str:
        return f"<training replay: {len(self):,} characters>"


@dataclass(frozen=True)
class Point:
    """A data point the page can show the backward pass of."""

    x: list[float]
    label: Any
    split: str  # "train" or "test"
    index: int  # its index in X (or X_test)


def training_player_html(model: Module[Any], history: History,
                         X: Sequence[Sequence[float]], y: Sequence[Any],
                         X_test: Sequence[Sequence[float]] | None = None,
                         y_test: Sequence[Any] | None = None, *,
                         title: str = "Watch the network learn",
                         max_points: int | None = None,
                         resolution: int = RESOLUTION) -> TrainingPlayer:
    """The replay page of a run of `fit` with ``record_every=k`` (see the module docstring).

    Args:
        model:      the model that was trained (its architecture; its weights
                    are put back as they were).
        history:    what `fit` returned; needs ``history.snapshots``.
        X, y:       the training data given to `fit`.
        X_test, y_test: the held-out set given to `fit`, if any.
        max_points: how many points the page holds the backward pass of:
                    default 200 for 2-D data (all of a small set, else an even
                    spread), 40 sample images for other data.
        resolution: the decision boundary's grid, points per side (2-D data; 2
                    to 200).

    The page size grows with snapshots × points × neurons; the demo's run
    (100 points, 21 snapshots, 33 neurons) makes about 1.9 MB; 2.4 MB where no `dot`
    program runs (browser Python): the page then carries viz.js and lays the network out.
    """
    if not isinstance(model, Module):
        raise TypeError(f"model must be an nn.Module, got {type(model).__name__}")
    if not isinstance(history, History):
        raise TypeError(f"history must be the History fit returned, got "
                        f"{type(history).__name__}")
    if not history.snapshots:
        raise ValueError("the history has no snapshots: train with "
                         "fit(..., record_every=k) to keep the weights every k epochs")
    if len(history.snapshots) > MAX_SNAPSHOTS:
        raise ValueError(f"the history has {len(history.snapshots)} snapshots, more than "
                         f"{MAX_SNAPSHOTS}; train with a larger record_every")
    if len(X) != len(y) or len(X) == 0:  # len: a numpy array has no truth value
        raise ValueError(f"X and y must be the training data: {len(X)} samples, {len(y)} labels")
    if (X_test is None) != (y_test is None):
        raise ValueError("give both X_test and y_test, or neither")
    if X_test is not None and y_test is not None and (len(X_test) != len(y_test)
                                                      or len(X_test) == 0):
        raise ValueError(f"X_test and y_test: {len(X_test)} samples, {len(y_test)} labels")
    resolution = validate.integer(resolution, "resolution", minimum=2, maximum=MAX_RESOLUTION)
    loss_fn = loss_function(history.loss, "history.loss")
    limit = None if max_points is None else validate.integer(max_points, "max_points",
                                                             minimum=1)
    original = model.state_dict()
    try:
        recording = _record(model, history, X, y, X_test, y_test, loss_fn, limit, resolution)
    finally:
        model.load_state_dict(original)
    player = TrainingPlayer(replay_page.page(recording, title))
    player.still = _still(model, history, X, y, X_test, y_test, recording.static["two_d"],
                          resolution)
    return player


def save_training_player(model: Module[Any], history: History,
                         X: Sequence[Sequence[float]], y: Sequence[Any],
                         path: str | os.PathLike[str],
                         X_test: Sequence[Sequence[float]] | None = None,
                         y_test: Sequence[Any] | None = None, **options: Any) -> pathlib.Path:
    """Write `training_player_html(...)` to `path` (.html or .htm), atomically; return the path."""
    path = pathlib.Path(path)
    if path.suffix.lower() not in (".html", ".htm"):
        raise ValueError(f"the replay is an HTML file: {str(path)!r} should end in .html")
    page = training_player_html(model, history, X, y, X_test, y_test, **options)
    return write_atomically(path, str(page).encode("utf-8"))


def _still(model: Module[Any], history: History, X: Sequence[Sequence[float]],
           y: Sequence[Any], X_test: Sequence[Sequence[float]] | None,
           y_test: Sequence[Any] | None, two_d: bool,
           resolution: int) -> Callable[[], bytes]:
    """What makes the still PNG of a notebook's copy: for 2-D data, the decision boundary of
    the model at the last snapshot (`nn.train.plot_decision_boundary`'s picture, small;
    the model is left as it was), else the loss and accuracy curves."""
    if not two_d:
        return lambda: train.history_png(history)
    epoch, last = history.snapshots[-1]

    def boundary_png() -> bytes:
        original = model.state_dict()
        try:
            model.load_state_dict(last)
            figure = train._boundary_figure(model, X, y, resolution,
                                            f"decision boundary after epoch {epoch}",
                                            X_test, y_test)
        finally:
            model.load_state_dict(original)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=STILL_DPI)
        return buffer.getvalue()

    return boundary_png


# ---------------------------------------------------------------------------
# What the page holds
# ---------------------------------------------------------------------------


def _point_graph(model: Module[Any], point: Point,
                 loss_fn: LossFunction) -> tuple[Value, Value]:
    """(the drawing's root, the point's loss). The root sums the model's outputs into
    one node the page labels "loss": every output feeds the loss, and this graph has
    the same shape for every label (a multiclass loss's own graph does not)."""
    inputs = [Value(v, label=f"x{j}") for j, v in enumerate(point.x)]
    output = model(inputs)
    root = value_sum(output if isinstance(output, list) else [output])
    root.label = "loss"
    loss = loss_fn(output, point.label)
    if not isinstance(loss, Value):
        raise TypeError("the loss does not depend on the model's parameters")
    return root, loss


def _record(model: Module[Any], history: History, X: Sequence[Sequence[float]],
            y: Sequence[Any], X_test: Sequence[Sequence[float]] | None,
            y_test: Sequence[Any] | None, loss_fn: LossFunction, limit: int | None,
            resolution: int) -> Recording:
    first_epoch, first_state = history.snapshots[0]
    model.load_state_dict(first_state)
    view = View(model, X, y, X_test, y_test, loss_fn, loss_text(history.loss, history.l2),
                limit=limit, resolution=resolution)
    static: dict[str, Any] = {
        **view.static,
        "snapshots": len(history.snapshots),
        "snapshot_epochs": _epochs_text([epoch for epoch, _ in history.snapshots]),
        "epochs": len(history.losses),
        "steps_per_epoch": history.steps_per_epoch,
        "curves": _curves(model, history, X, y, X_test, y_test, loss_fn, first_epoch,
                          first_state),
    }
    frames = []
    for epoch, state in history.snapshots:
        model.load_state_dict(state)
        frames.append({"epoch": epoch, **view.frame(model)})
    last = frames[-1]["points"]
    static["start_point"] = max(range(len(last)), key=lambda i: last[i][0])  # worst at the end
    return Recording(view.drawing.picture, static, frames)


class View:
    """What a training page shows of one model and its data, whatever its weights: the
    points whose forward and backward pass it can show (`points`: all 2-D points, or an
    even spread; sample images of each class otherwise), the network drawn once
    (`drawing`), and `static`, the data every moment shares (see `nn.replay_page`).
    `frame` computes the numbers of one moment: the model's weights as they are.

    The replay makes one frame per snapshot; the live widget (`nn.live`) one per record of
    a running `fit`. `loss_label` is how the page names the loss (``hinge + 0.0001·Σw²``).
    """

    def __init__(self, model: Module[Any], X: Sequence[Sequence[float]], y: Sequence[Any],
                 X_test: Sequence[Sequence[float]] | None, y_test: Sequence[Any] | None,
                 loss_fn: LossFunction, loss_label: str, *, limit: int | None = None,
                 resolution: int = RESOLUTION) -> None:
        self.loss_fn = loss_fn
        self.two_d = two_d = all(len(x) == 2 for x in X)
        if limit is None:
            limit = MAX_POINTS if two_d else MAX_SAMPLES
        outputs = output_count(model, X[0])
        self.classes = max(outputs, 2)

        def class_of(label: Any) -> int | None:
            return train.class_of(label, outputs)

        self.class_of = class_of
        self.points = points = chosen_points(X, y, X_test, y_test, limit, two_d, class_of)
        self.drawing = drawing = Drawing(model, points[0], loss_fn)
        static: dict[str, Any] = {
            "model": str(model),
            "train_count": len(X),
            "test_count": 0 if X_test is None else len(X_test),
            "parameters": [visible(name) for name, _ in drawing.named],
            "points": [{"x": rounded(p.x), "y": class_of(p.label), "label": label_text(p.label),
                        "split": p.split, "index": p.index} for p in points],
            "two_d": two_d,
            "classes": self.classes,
            **drawing.static(),
            "loss": loss_label,
            "has_test": X_test is not None,
            "colours": {"positive": POSITIVE, "negative": NEGATIVE, "mixed": NO_FLOW,
                        "classes": list(CLASS_COLOURS), "no_class": NO_CLASS_COLOUR},
            "anchors": drawing.picture.anchors(),
        }
        X_every = [*X, *(X_test if X_test is not None else [])]
        self.bounds = bounds = plane_bounds(X_every) if two_d else None
        self.resolution = resolution
        self.others: list[Point] = []  # 2-D points drawn without a backward pass
        if bounds is not None:
            chosen = {(p.split, p.index) for p in points}
            self.others = [p for p in chosen_points(X, y, X_test, y_test, len(X_every), True,
                                                    class_of)
                           if (p.split, p.index) not in chosen]
            static.update(bounds=bounds, resolution=resolution,
                          others=[{"x": rounded(p.x), "y": class_of(p.label), "split": p.split}
                                  for p in self.others])
        else:
            static.update(class_set="test" if X_test is not None else "training",
                          pixels=pixel_range(points))
        self.class_data = (X_test, y_test) if X_test is not None and y_test is not None \
            else (X, y)
        self.static = static

    def frame(self, model: Module[Any], numbers_of: Sequence[int] | None = None, *,
              exact: bool = False, class_accuracy: bool = True) -> dict[str, Any]:
        """The numbers of one moment, with the weights `model` has now: ``w`` (every
        weight, in the order of ``static["parameters"]``), ``points`` (for each point,
        its loss and each drawn value's data and gradient: a list for every point, or with
        `numbers_of`, a dict ``{"i": numbers}`` for those points only), ``predicted`` (the
        class of every point), then the boundary and the predictions of the other points
        (2-D data) or, if `class_accuracy`, each class's accuracy. Numbers are rounded to
        the 4 significant digits the page shows, unless `exact`.
        """
        round_ = (lambda numbers: [float(v) for v in numbers]) if exact else rounded
        frame: dict[str, Any] = {"w": round_(p.data for _, p in model.named_parameters())}
        if numbers_of is None:
            numbers = [self.drawing.numbers(model, point, self.loss_fn) for point in self.points]
            frame["points"] = [round_(row) for row, _ in numbers]
            frame["predicted"] = [predicted for _, predicted in numbers]
        else:
            frame["points"] = {str(i): round_(self.drawing.numbers(model, self.points[i],
                                                                   self.loss_fn)[0])
                               for i in numbers_of}
            with no_grad():
                frame["predicted"] = [predict(model(p.x)) for p in self.points]
        if self.bounds is not None:
            frame["boundary"] = boundary(model, self.bounds, self.resolution)
            with no_grad():
                frame["others_predicted"] = [predict(model(p.x)) for p in self.others]
        elif class_accuracy:
            X_classes, y_classes = self.class_data
            frame["class_accuracy"] = per_class_accuracy(model, X_classes, y_classes,
                                                         self.classes, self.class_of)
        return frame


class Drawing:
    """The network drawn once (from one point's graph), and which of its values the page
    shows: the inputs drawn on their own, and each neuron's rows (``a``, ``h``).

    Every point's graph has the same shape, so a value is found in another point's graph
    by its position in the topological order.
    """

    def __init__(self, model: Module[Any], point: Point, loss_fn: LossFunction) -> None:
        self.root, _ = _point_graph(model, point, loss_fn)
        self.picture = picture = Picture(self.root, collapse=2)
        self.size = len(order := topological_order(self.root))
        self.position = {node: k for k, node in enumerate(order)}
        self.named = model.named_parameters()
        self.parameter_index = {id(p): k for k, (_, p) in enumerate(self.named)}
        # the inputs drawn as records (x0, x1), then each neuron's rows
        self.tracked = [node for node in picture.scalars if node is not self.root
                        and node.label and node.operation is None]
        self.neurons = []
        for key, group in picture.groups.items():
            rows = []
            for role, node in group.shown:
                rows.append([role, len(self.tracked)])
                self.tracked.append(node)
            self.neurons.append({
                "id": picture.group_ids[key], "name": visible(group.name),
                "activation": group.activation, "rows": rows,
                "output": any(node in group.nodes for node in self.root.parents),
                **_weighted_inputs(group.nodes, group.shown, self.parameter_index, picture,
                                   self.tracked)})
        self.summarised = [self.position[node] for node in picture.summarised]
        if not self.neurons:
            raise ValueError("the replay and the live view draw the network one node per "
                             "neuron, found by parameter labels such as layer1.neuron0.w0 (as "
                             "nn.MLP's); this model's parameters have none")

    def static(self) -> dict[str, Any]:
        picture = self.picture
        return {
            "tracked": [picture.unit[node] for node in self.tracked],
            "neurons": self.neurons,
            "inputs": [{"id": picture.ids[node], "track": k, "name": visible(node.label)}
                       for k, node in enumerate(self.tracked)
                       if node in picture.ids and picture.unit[node] == picture.ids[node]],
            "root": picture.ids[self.root],
            "summary": "inputs" if self.summarised else None,
            "edges": _edge_weights(picture, self.parameter_index),
        }

    def numbers(self, model: Module[Any], point: Point,
                loss_fn: LossFunction) -> tuple[list[float], int]:
        """([L, data and dL/d· of each tracked value (, the largest |dL/dx|)], the class
        predicted) for one point, with the weights the model has now."""
        root, loss = _point_graph(model, point, loss_fn)
        nodes = topological_order(root)
        if len(nodes) != self.size:
            raise ValueError("the model builds graphs of different shapes for different "
                             "points; the replay needs one shape to draw")
        grads = gradients(loss)
        numbers = [loss.data]
        for node in self.tracked:
            same = nodes[self.position[node]]
            numbers += [same.data, _float(grads.get(same, 0.0))]
        if self.summarised:
            numbers.append(max(abs(_float(grads.get(nodes[k], 0.0))) for k in self.summarised))
        outputs = list(root.parents)
        return numbers, predict(outputs if len(outputs) > 1 else outputs[0])


def _weighted_inputs(nodes: list[Value], shown: list[tuple[str, Value]],
                     parameter_index: dict[int, int], picture: Picture,
                     tracked: list[Value]) -> dict[str, Any]:
    """For a neuron ``a = w·x + b`` (one dot node plus its bias): each weight's index and
    where the page finds its input x_j, and the bias; {} for another kind of group."""
    if not shown or shown[0][0] != "a":
        return {}
    a = shown[0][1]
    dots = [n for n in nodes if n.op == "dot"]
    if a.op != "add" or len(dots) != 1 or len(a.parents) != 2 or a.parents[0] is not dots[0]:
        return {}
    dot, bias = dots[0], a.parents[1]
    half = len(dot.parents) // 2
    weights, inputs = dot.parents[:half], dot.parents[half:]
    if id(bias) not in parameter_index or not all(id(w) in parameter_index for w in weights):
        return {}
    sources = []
    for node in inputs:
        if node in tracked:  # a drawn input (x0) or a neuron's h
            sources.append(["t", tracked.index(node)])
        elif node in picture.summarised:  # one of many inputs: the point's x_j
            sources.append(["x", int(node.label[1:])])
        else:
            return {}
    return {"weights": [parameter_index[id(w)] for w in weights], "sources": sources,
            "bias": parameter_index[id(bias)]}


def _edge_weights(picture: Picture, parameter_index: dict[int, int]) -> list[dict[str, Any]]:
    """Each edge between units and the weights it carries: the weight on input i of a
    neuron's dot node (``w·x``: weights first, then inputs) is its i-th parent."""
    edges = []
    for link in picture.links:
        weights = []
        for node, position in link.links:
            half = len(node.parents) // 2
            if node.op == "dot" and position >= half:
                weight = node.parents[position - half]
                if id(weight) in parameter_index:
                    weights.append(parameter_index[id(weight)])
        edges.append({"id": link.id, "weights": weights})
    return edges


def chosen_points(X: Sequence[Sequence[float]], y: Sequence[Any],
                   X_test: Sequence[Sequence[float]] | None, y_test: Sequence[Any] | None,
                   limit: int, two_d: bool,
                   class_of: Callable[[Any], int | None]) -> list[Point]:
    """2-D data: every point (training, then test), or an even spread of `limit` of them.
    Other data: up to `limit` samples of the test set (else the training set), the first
    of each class in turn (each label that is no class index counts as a class of its
    own), so that every class is shown."""
    train = [Point(list(map(float, x)), label, "train", i) for i, (x, label) in
             enumerate(zip(X, y))]
    test = [Point(list(map(float, x)), label, "test", i) for i, (x, label) in
            enumerate(zip(X_test if X_test is not None else [],
                          y_test if y_test is not None else []))]
    if two_d:
        if len(train) + len(test) <= limit:
            return train + test
        share = round(limit * len(train) / (len(train) + len(test)))
        share = min(max(share, 1), limit - (1 if test else 0))
        return _spread(train, share) + _spread(test, limit - share)
    pool = test or train
    by_class: dict[tuple[int, int, str], list[Point]] = {}
    for point in pool:
        k = class_of(point.label)
        key = (0, k, "") if k is not None else (1, 0, label_text(point.label))
        by_class.setdefault(key, []).append(point)
    chosen: list[Point] = []
    queues = [by_class[k] for k in sorted(by_class)]
    depth = 0
    while len(chosen) < min(limit, len(pool)):
        for queue in queues:
            if depth < len(queue) and len(chosen) < limit:
                chosen.append(queue[depth])
        depth += 1
    return chosen


def _spread(points: list[Point], count: int) -> list[Point]:
    if count <= 0:
        return []
    return [points[math.floor(k * len(points) / count)] for k in range(count)]


def output_count(model: Module[Any], x: Sequence[float]) -> int:
    """How many outputs the model has: 1 for a single score."""
    with no_grad():
        output = model(list(map(float, x)))
    return len(output) if isinstance(output, list) else 1


def _epochs_text(epochs: list[int]) -> str:
    """``0, 5, 10, ..., 100`` (or all of them, if few)."""
    if len(epochs) <= 6:
        return ", ".join(map(str, epochs))
    return f"{epochs[0]}, {epochs[1]}, {epochs[2]}, ..., {epochs[-1]}"


def boundary(model: Module[Any], bounds: tuple[tuple[float, float], tuple[float, float]],
              resolution: int) -> str:
    """The model's prediction on a grid over the plane, row by row from the top (largest
    x1), left to right: one byte per cell, 16 × class + how sure (0-15: the margin
    between the two largest outputs, or |score| for one output, up to 1), base64."""
    cells = bytearray()
    with no_grad():
        for point in _grid_points(bounds, resolution):
            output = model(point)
            cells.append(16 * predict(output) + round(15 * min(1.0, _margin(output))))
    return base64.b64encode(bytes(cells)).decode("ascii")


def _margin(output: Any) -> float:
    if not isinstance(output, list):
        return abs(float(output))
    first, second = sorted((float(v) for v in output), reverse=True)[:2]
    return first - second


def _grid_points(bounds: tuple[tuple[float, float], tuple[float, float]],
                 resolution: int) -> list[list[float]]:
    """The points [x0, x1] of the boundary grid in the order the page stores them: row by
    row from the top (largest x1), each row left to right."""
    (x_min, x_max), (y_min, y_max) = bounds
    return [[x_min + (x_max - x_min) * column / (resolution - 1),
             y_max - (y_max - y_min) * row / (resolution - 1)]
            for row in range(resolution) for column in range(resolution)]


def per_class_accuracy(model: Module[Any], X: Sequence[Sequence[float]], y: Sequence[Any],
                    classes: int, class_of: Callable[[Any], int | None]) -> list[float | None]:
    """The share of each class's samples predicted right (None for a class without any);
    a label that is no class index is in no class."""
    right, seen = [0] * classes, [0] * classes
    with no_grad():
        for x, label in zip(X, y):
            k = class_of(label)
            if k is None:
                continue
            seen[k] += 1
            right[k] += predict(model(x)) == k
    return [None if n == 0 else round(r / n, 4) for r, n in zip(right, seen)]


def _curves(model: Module[Any], history: History, X: Sequence[Sequence[float]],
            y: Sequence[Any], X_test: Sequence[Sequence[float]] | None,
            y_test: Sequence[Any] | None, loss_fn: LossFunction,
            first_epoch: int, first_state: dict[str, float]) -> dict[str, list[float]]:
    """The curves, one entry per epoch from 0: the history's numbers (measured after each
    epoch), after the numbers of the weights before training (the first snapshot). The
    held-out curves only when the page has the held-out set (and the history its numbers)."""
    tested = X_test is not None and bool(history.test_losses)
    curves: dict[str, list[float]] = {
        "loss": list(history.losses), "accuracy": list(history.accuracies),
        "test_loss": list(history.test_losses) if tested else [],
        "test_accuracy": list(history.test_accuracies) if tested else []}
    if first_epoch == 0:
        model.load_state_dict(first_state)
        params = model.parameters()
        loss, accuracy = measure(model, X, y, loss_fn, history.l2, params)
        curves["loss"].insert(0, loss)
        curves["accuracy"].insert(0, accuracy)
        if X_test is not None and y_test is not None and curves["test_loss"]:
            test_loss, test_accuracy = measure(model, X_test, y_test, loss_fn, 0.0, params)
            curves["test_loss"].insert(0, test_loss)
            curves["test_accuracy"].insert(0, test_accuracy)
    curves["first"] = [0 if first_epoch == 0 else 1]
    return curves


def loss_text(loss: str | LossFunction, l2: float) -> str:
    """How a page names the loss a run minimised: ``hinge + 0.0001·Σw²``."""
    name = loss if isinstance(loss, str) else getattr(loss, "__name__", "your loss")
    return name + (f" + {l2:g}·Σw²" if l2 else "")


def label_text(label: Any) -> str:
    """A label as the page shows it: ``1`` for 1 and 1.0, anything else as str() writes it
    (``1.5``, ``cat``), its control characters escaped (`visible`)."""
    if isinstance(label, (int, float)) and float(label).is_integer():
        return str(int(label))
    return visible(str(label))


def pixel_range(points: list[Point]) -> list[float]:
    """[smallest, largest] input of the sample images: white to black on the page."""
    values = [v for p in points for v in p.x]
    return [min(values), max(values)]


def _float(x: Any) -> float:
    return x.data if isinstance(x, Value) else float(x)


def rounded(numbers: Any) -> list[float]:
    """Numbers rounded to the `DIGITS` significant digits the page shows."""
    return [float(f"{v:.{DIGITS}g}") for v in numbers]
