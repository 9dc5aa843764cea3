"""What the lecture notebooks (10 to 15) need that is not the lecture's mathematics.

- Comparisons that say *where* two results differ when a check fails:
  `max_abs_difference` and `differences` (the message of an ``assert``).
- Pictures: the regions a classifier predicts (`plot_regions`), a grid of numbers
  (`show_grid`), and the flow of the recursion C_i of notebook 13b (`recursion_diagram`).
- The work counters of notebook 14: `times`, `plus`, `minus`, `rectify` are ops of our
  own that count their forward and derivative evaluations in `TALLY`; `counted_error`
  builds the notes' network from them; `graph_size` and `links_from` predict from a
  graph what a pass must evaluate, and `tally` measures what it did.

The notebooks import it from this folder (``from lecture_helpers import ...``). It needs
numpy; matplotlib and graphviz are imported when a picture is drawn, and the counted ops
are declared (`autograd.define_op`) on first use, so importing this module changes nothing.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

import autograd
from autograd import Value

# --------------------------------------------------------------------------- comparisons


def max_abs_difference(a: Any, b: Any) -> float:
    """The largest |a - b| over all entries; the shapes must be the same.

    >>> max_abs_difference([[1.0, 2.0]], [[1.0, 2.5]])
    0.5
    """
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    assert a.shape == b.shape, f"shapes differ: {a.shape} vs {b.shape}"
    return float(np.max(np.abs(a - b)))


def differences(a: Any, b: Any, first: str = "hand", second: str = "engine", show: int = 5) -> str:
    """Where `a` and `b` differ most, as text: the message of a failed comparison.

    >>> print(differences([[1.0, 2.0], [3.0, 4.0]], [[1.0, 2.0], [3.5, 4.0]]))
    hand vs engine, shape (2, 2): max |difference| 0.5 at [1, 0]
    entry   hand  engine  |difference|
    [1, 0]     3     3.5           0.5
    >>> print(differences([1.0, 2.0], [[1.0], [2.0]], "Wᵀ δ", "engine"))
    Wᵀ δ vs engine: the shapes differ, (2,) and (2, 1)
    """
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape:
        return f"{first} vs {second}: the shapes differ, {a.shape} and {b.shape}"
    gap = np.abs(a - b)
    gap = np.where(np.isnan(gap), np.inf, gap)          # a nan is as wrong as it gets
    order = np.argsort(-gap, axis=None, kind="stable")[:show]
    where = [np.unravel_index(i, a.shape) for i in order if gap.flat[i] > 0]
    shape = a.shape if a.shape else "()"
    if not where:
        return f"{first} vs {second}, shape {shape}: equal"
    name = [f"[{', '.join(str(int(i)) for i in index)}]" for index in where]
    head = f"{first} vs {second}, shape {shape}: max |difference| {_g(gap[where[0]])} at {name[0]}"
    rows = [["entry", first, second, "|difference|"]]
    rows += [[n, _g(a[i]), _g(b[i]), _g(gap[i])] for n, i in zip(name, where)]
    widths = [max(len(row[c]) for row in rows) for c in range(4)]
    lines = ["  ".join([row[0].ljust(widths[0])]
                       + [cell.rjust(width) for cell, width in zip(row[1:], widths[1:])])
             for row in rows]
    return "\n".join([head, *lines])


def _g(x: Any) -> str:
    return f"{float(x):.6g}"


# --------------------------------------------------------------------------- pictures


def plot_regions(ax: Any, decide: Callable[[np.ndarray, np.ndarray], np.ndarray],
                 points: Sequence[Sequence[float]], labels: Sequence[int], title: str,
                 extent: float = 4.0,
                 colors: Sequence[str] = ("tab:red", "tab:blue", "tab:green")) -> None:
    """Shade the class `decide(x1, x2)` predicts over [-extent, extent]², the points on top
    (class k in ``colors[k]``, regions and points alike)."""
    axis = np.linspace(-extent, extent, 200)
    grid_x, grid_y = np.meshgrid(axis, axis)
    regions = np.asarray(decide(grid_x, grid_y), dtype=float)
    levels = [k - 0.5 for k in range(len(colors) + 1)]
    ax.contourf(grid_x, grid_y, regions, levels=levels, colors=list(colors), alpha=0.25)
    P = np.asarray(points, dtype=float)
    ax.scatter(P[:, 0], P[:, 1], c=[colors[k] for k in labels], edgecolors="black",
               linewidths=0.5, s=20)
    ax.set_title(title)
    ax.set_xlabel("x1")
    ax.set_ylabel("x2")
    ax.set_aspect("equal")


def show_grid(ax: Any, numbers: Any, title: str,
              labels: Sequence[Sequence[str]] | None = None,
              vmin: float = 0.0, vmax: float = 9.0) -> None:
    """A small grid as an image with its numbers (or `labels`) written in the cells."""
    numbers = np.asarray(numbers, dtype=float)
    ax.imshow(numbers, cmap="viridis", vmin=vmin, vmax=vmax)
    middle = (vmin + vmax) / 2
    for (r, c), v in np.ndenumerate(numbers):
        text = labels[r][c] if labels is not None else f"{v:g}"
        ax.text(c, r, text, ha="center", va="center", fontsize=11,
                color="white" if v < middle else "black")
    ax.set_xticks(range(numbers.shape[1]))
    ax.set_yticks(range(numbers.shape[0]))
    ax.set_title(title, fontsize=10)


def show_heatmaps(panels: Sequence[tuple[Any, str]], columns: int = 2, digits: int = 2) -> Any:
    """Signed grids side by side on one colour scale (blue > 0, red < 0), numbers written in;
    returns the figure."""
    import matplotlib.pyplot as plt

    rows = -(-len(panels) // columns)
    figure, axes = plt.subplots(rows, columns, figsize=(3.4 * columns, 3.2 * rows), squeeze=False)
    limit = max(float(np.abs(np.asarray(numbers)).max()) for numbers, _ in panels)
    for ax, (numbers, title) in zip(axes.ravel(), panels):
        ax.imshow(numbers, cmap="RdBu", vmin=-limit, vmax=limit)
        for (r, c), v in np.ndenumerate(np.asarray(numbers)):
            ax.text(c, r, f"{v:.{digits}f}", ha="center", va="center", fontsize=8,
                    color="white" if abs(v) > 0.6 * limit else "black")
        ax.set_title(title, fontsize=10)
        ax.set_xticks([])
        ax.set_yticks([])
    for ax in axes.ravel()[len(panels):]:
        ax.axis("off")
    figure.tight_layout()
    return figure


def recursion_diagram(widths: Sequence[int], m: int, activations: Sequence[str],
                      agreement: dict[int, float] | None = None) -> Any:
    """The network Z_1 → … → Z_{L+1} → softmax → Loss of `seeds/003` ④–⑤ (forward, top to
    bottom) beside its recursion C_{L+1} → … → C_1 (backward, bottom to top), each
    dLoss/dW_i branching off C_{i+1}; in numpy's notation (``*`` elementwise, ``@`` the matrix
    product). `widths` are n_1 … n_{L+1}, `m` the samples; `agreement` (i -> max |C_i - engine|)
    is written in each C_i. A graphviz drawing that displays itself in a notebook."""
    from autograd.views.drawing import GraphDrawing

    L = len(widths) - 1
    red = {"color": "#c0504d", "fontcolor": "#c0504d"}
    drawing = GraphDrawing(
        graph_attr={"rankdir": "TB", "nodesep": "0.5", "ranksep": "0.35"},
        node_attr={"fontname": "Helvetica", "fontsize": "11", "shape": "box",
                   "style": "rounded,filled", "fillcolor": "#eef3fb", "margin": "0.08,0.04"},
        edge_attr={"fontname": "Helvetica", "fontsize": "10"})
    for i in range(1, L + 2):
        note = f"\nmax |C{i} − engine| {agreement[i]:.0e}" if agreement and i in agreement else ""
        with drawing.subgraph() as row:              # Z_i, C_i and dLoss/dW_{i-1} side by side
            row.attr(rank="same")
            row.node(f"Z{i}", f"Z{i}  ({m}×{widths[i - 1]})")
            row.node(f"C{i}", f"C{i} = dLoss/dZ{i}  ({m}×{widths[i - 1]}){note}",
                     fillcolor="#fde8d7")
            if i > 1:
                row.node(f"dW{i - 1}", f"dLoss/dW{i - 1}  ({widths[i - 2]}×{widths[i - 1]})",
                         fillcolor="#fff6cc")
    drawing.node("loss", "Loss = (1/m) Σ −log S[y]", fillcolor="#f6d5e8")
    for i in range(1, L + 1):
        drawing.edge(f"Z{i}", f"Z{i + 1}", label=f" {activations[i - 1]}(Z{i} @ W{i})")
        drawing.edge(f"C{i}", f"C{i + 1}", label=f" (C{i + 1} * G{i}′) @ W{i}ᵀ", dir="back",
                     **red)
        drawing.edge(f"C{i + 1}", f"dW{i}", label=f"Z{i}ᵀ @ (C{i + 1} * G{i}′)", style="dashed",
                     **red)
        drawing.edge(f"Z{i}", f"C{i}", style="invis")      # keep the columns in order
    drawing.edge(f"Z{L + 1}", "loss", label=" S = softmax")
    drawing.edge(f"C{L + 1}", "loss", label=" (S − I_y)/m", dir="back", **red)
    return drawing


# --------------------------------------------------------------------------- notebook 14: counting

TALLY = {"forward": 0, "derivative": 0}
"""How many times the counted ops' forward functions and derivative rules have run."""

_COUNTED: dict[str, Any] = {}


def _counted_op(name: str, forward: Callable[..., float],
                derivatives: Sequence[Callable[..., float]], formulas: Sequence[str]) -> Any:
    """An op whose forward function and derivative rules add to `TALLY` each time they run."""
    def counted_forward(*args: float) -> float:
        TALLY["forward"] += 1
        return forward(*args)

    def counted(rule: Callable[..., float]) -> Callable[..., float]:
        def evaluate(*args: Any) -> Any:
            TALLY["derivative"] += 1
            return rule(*args)
        return evaluate

    rules = [counted(rule) for rule in derivatives]
    return autograd.define_op(name, forward=counted_forward, derivatives=rules, formulas=formulas)


def _op(name: str) -> Any:
    if not _COUNTED:                                # declared on first use, not on import
        _COUNTED["times"] = _counted_op("times", lambda a, b: a * b,
                                        [lambda a, b, out: b, lambda a, b, out: a],
                                        ["d(a·b)/da = b", "d(a·b)/db = a"])
        _COUNTED["plus"] = _counted_op("plus", lambda a, b: a + b,
                                       [lambda a, b, out: 1.0, lambda a, b, out: 1.0],
                                       ["d(a+b)/da = 1", "d(a+b)/db = 1"])
        _COUNTED["minus"] = _counted_op("minus", lambda a, b: a - b,
                                        [lambda a, b, out: 1.0, lambda a, b, out: -1.0],
                                        ["d(a-b)/da = 1", "d(a-b)/db = -1"])
        _COUNTED["rectify"] = _counted_op("rectify", lambda a: max(0.0, a),
                                          [lambda a, out: 1.0 if a > 0 else 0.0],
                                          ["d max(0,a)/da = 1{a > 0}"])
    return _COUNTED[name]


def times(a: Any, b: Any) -> Value:
    """a·b, counted."""
    return _op("times")(a, b)


def plus(a: Any, b: Any) -> Value:
    """a + b, counted."""
    return _op("plus")(a, b)


def minus(a: Any, b: Any) -> Value:
    """a - b, counted."""
    return _op("minus")(a, b)


def rectify(a: Any) -> Value:
    """max(0, a), counted."""
    return _op("rectify")(a)


def weighted_sum(weights: Sequence[Any], inputs: Sequence[Any]) -> Value:
    """Σ w_i x_i written with binary counted ops, as a learner writes it."""
    total = times(weights[0], inputs[0])
    for w, v in zip(weights[1:], inputs[1:]):
        total = plus(total, times(w, v))
    return total


def counted_error(weights: Sequence[Any], x_values: Sequence[Any], t_values: Sequence[Any],
                  n_hidden: int) -> Value:
    """The notes' e = |W2 max(0, W1 x) - t|² from counted ops; `weights` flat: W1 row by row,
    then W2."""
    n_in = len(x_values)
    W1 = [weights[k * n_in:(k + 1) * n_in] for k in range(n_hidden)]
    W2 = [weights[n_hidden * n_in + j * n_hidden:n_hidden * n_in + (j + 1) * n_hidden]
          for j in range(len(t_values))]
    a = [rectify(weighted_sum(row, x_values)) for row in W1]
    residuals = [minus(weighted_sum(row, a), t_j) for row, t_j in zip(W2, t_values)]
    squares = [times(r, r) for r in residuals]
    total = squares[0]
    for s in squares[1:]:
        total = plus(total, s)
    return total


def graph_size(root: Value) -> tuple[int, int]:
    """(op nodes, parent links) of root's graph: the work of one evaluation, and of a full pass."""
    operations = [node for node in autograd.topological_order(root) if node.op]
    return len(operations), sum(len(node.parents) for node in operations)


def links_from(roots: Value | list[Value], inputs: Sequence[Value]) -> int:
    """The parent links of the roots' graphs whose parent is one of `inputs` or depends on
    one: the only local derivatives a pass from those inputs (or back to them) needs."""
    roots = roots if isinstance(roots, list) else [roots]
    order, seen = [], set()
    for node in itertools.chain.from_iterable(autograd.topological_order(root) for root in roots):
        if node not in seen:
            seen.add(node)
            order.append(node)
    reached = set(inputs)
    for node in order:                              # parents come first
        if any(parent in reached for parent in node.parents):
            reached.add(node)
    return sum(1 for node in order if node.op for parent in node.parents if parent in reached)


def tally(action: Callable[[], Any]) -> tuple[Any, int, int]:
    """Run ``action()``; return its result and the forward and derivative evaluations it caused."""
    before = dict(TALLY)
    result = action()
    return result, TALLY["forward"] - before["forward"], TALLY["derivative"] - before["derivative"]
