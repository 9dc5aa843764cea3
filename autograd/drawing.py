"""Draw a computation graph with Graphviz: `draw_graph`, `save`, `render`.

Every Value becomes a record ``name | data | grad``; every operation becomes a
small round node showing its symbol (``+``, ``×``, ``tanh``, ``^2``) with the
edges ``parent -> op -> result``. A parent used twice (``x * x``) gets two
edges. Colours:

- light blue: inputs (labelled leaves such as ``x``);
- light yellow: parameters (leaves whose label has a dot, ``layer1.neuron0.w0``);
- grey: constants (unlabelled leaves);
- pink: the output;
- red: the node of the highlighted backward step and the edges along which
  it sends its contributions (labelled ``local × upstream = contribution``).

Nodes labelled ``layer1.neuron0.*`` are boxed together, nested layer1 > neuron0,
and unlabelled nodes computed from a neuron's parameters join that box, so an
MLP reads as layers of neurons.

Rendering needs a Graphviz ``dot`` program: the system one if it is on PATH,
otherwise the one shipped by the ``graphviz-pure`` wheel (installed with this
project), so ``pip install`` alone is enough. ``.dot`` files need no program.
"""

from __future__ import annotations

import os
import pathlib
import re
import shutil
import subprocess
import sys
import sysconfig
from collections.abc import Mapping, Sequence
from typing import Any

import graphviz
import graphviz.backend.dot_command

from autograd import validate
from autograd.backprop import topological_order
from autograd.core import Value
from autograd.files import write_atomically
from autograd.stepper import Step, node_names, number, plan_steps

COLOURS = {
    "input": "#dbeafe",  # light blue
    "parameter": "#fef3c7",  # light yellow
    "constant": "#eeeeee",  # grey
    "output": "#fbcfe8",  # pink
    "intermediate": "#ffffff",
}
HIGHLIGHT = "#d62728"  # red
RECEIVER = "#ff7f0e"  # orange: the parents that receive in the highlighted step
CLUSTER_COLOURS = ("#f8fafc", "#eef2ff", "#f0fdf4", "#fff7ed")  # by nesting depth
FORMATS = {".svg": "svg", ".png": "png", ".dot": "dot", ".gv": "dot"}
COMPACT_ABOVE = 120  # draw_graph's default: compact mode above this many Values


class DotNotFoundError(RuntimeError):
    """No Graphviz `dot` program to render with (a .dot file still works)."""


class GraphDrawing(graphviz.Digraph):
    """A `graphviz.Digraph` that displays itself in Jupyter with the `dot` this
    module finds (the system's, or graphviz-pure's), without its warnings."""

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None,
                          **kwargs: Any) -> dict[str, str]:
        return {"image/svg+xml": render(self, "svg").decode("utf-8")}


# ---------------------------------------------------------------------------
# Finding a dot program
# ---------------------------------------------------------------------------


def find_dot() -> str:
    """The path of a Graphviz `dot` program, or raise `DotNotFoundError`.

    Looks for ``dot`` on PATH first, then for ``graphviz-pure`` (a dot-compatible
    program from the graphviz-pure wheel) in this Python's scripts directory,
    next to ``sys.executable``, and on PATH. An unactivated virtualenv's
    ``bin/`` is not on PATH, which is why the scripts directory is checked.
    """
    system_dot = shutil.which("dot")
    if system_dot:
        return system_dot
    folders = [sysconfig.get_path("scripts"), os.path.dirname(sys.executable)]
    for folder in folders:
        for name in ("graphviz-pure", "graphviz-pure.exe"):
            candidate = os.path.join(folder, name)
            if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
                return candidate
    on_path = shutil.which("graphviz-pure")
    if on_path:
        return on_path
    raise DotNotFoundError(
        "cannot render: no Graphviz 'dot' program found. Install one with "
        "'pip install graphviz-pure' (into this Python) or your system's package "
        "(e.g. 'apt-get install graphviz'); a .dot file needs no program"
    )


def use_found_dot() -> str:
    """Point the `graphviz` package at `find_dot()` and return that path.

    After this, graphviz's own ``Digraph.render``/``pipe``/``view`` work even
    without a system Graphviz. A binary chosen by the user (a changed
    ``graphviz.backend.dot_command.DOT_BINARY``) is left alone.
    """
    binary = find_dot()
    current = graphviz.backend.dot_command.DOT_BINARY
    if str(current) == "dot" and os.path.basename(binary) != "dot":
        graphviz.backend.dot_command.DOT_BINARY = pathlib.Path(binary)
    return binary


def render(digraph: graphviz.Digraph, format: str = "svg") -> bytes:  # noqa: A002
    """Lay out and draw `digraph` as ``"svg"`` or ``"png"`` bytes (``"dot"``: the source;
    ``"plain"``: Graphviz's plain-text layout, node positions and sizes).

    Runs ``dot -T<format>`` on ``digraph.source``; its warnings are dropped
    unless it fails, in which case a RuntimeError shows them.
    """
    if format == "dot":
        return digraph.source.encode("utf-8")
    if format not in ("svg", "png", "plain"):
        raise ValueError(f"unknown format {format!r}: use 'svg', 'png', 'plain' or 'dot'")
    binary = find_dot()
    result = subprocess.run(
        [binary, f"-T{format}"], input=digraph.source.encode("utf-8"),
        capture_output=True, check=False,
    )
    if result.returncode != 0 or not result.stdout:
        message = result.stderr.decode("utf-8", "replace").strip().splitlines()
        raise RuntimeError(f"{binary} failed to render: {' '.join(message[-3:])}")
    return result.stdout


def save(digraph: graphviz.Digraph, path: str | os.PathLike[str]) -> pathlib.Path:
    """Write `digraph` to `path` as .svg, .png or .dot (.gv), chosen by the suffix.

    The picture is rendered in memory first and then written atomically
    (`autograd.files.write_atomically`), so an error leaves no half-written
    file. Returns the path.
    """
    path = pathlib.Path(path)
    format_ = FORMATS.get(path.suffix.lower())
    if format_ is None:
        raise ValueError(
            f"unknown file type {path.suffix or '(none)'!r} in {str(path)!r}: "
            f"use one of {', '.join(sorted(FORMATS))}"
        )
    return write_atomically(path, render(digraph, format_))


# ---------------------------------------------------------------------------
# Drawing
# ---------------------------------------------------------------------------


def draw_graph(
    root: Value,
    *,
    rankdir: str = "LR",
    show_grad: bool = True,
    digits: int = 4,
    step: Step | int | None = None,
    cluster: bool = True,
    max_nodes: int = 1000,
    compact: bool | None = None,
) -> GraphDrawing:
    """The computation graph of `root` as a `graphviz.Digraph`.

    Args:
        root:      the output Value.
        rankdir:   "LR" (inputs on the left) or "TB", "RL", "BT".
        show_grad: show each node's ``.grad``.
        digits:    significant digits of the numbers shown.
        step:      highlight one backward step: a `Step` from
                   `autograd.backward_steps(root)` or its index (0 = the first).
                   The step's node is red with its upstream gradient on the edge
                   from its op; the edges to its parents are red and labelled
                   ``local × upstream = contribution``; the parents are orange.
        cluster:   box nodes by label prefix (``layer1.neuron0.w0`` -> layer1 > neuron0).
        max_nodes: refuse (ValueError) graphs with more Values than this.
        compact:   one node per Value with the op symbol inside it, no op
                   nodes; smaller. Default: on above 120 Values.

    In Jupyter the result displays itself; save it with `save(graph, "g.svg")`.
    """
    return draw_frame(root, rankdir=rankdir, show_grad=show_grad, digits=digits, step=step,
                      cluster=cluster, max_nodes=max_nodes, compact=compact)


def draw_frame(
    root: Value,
    *,
    rankdir: str = "LR",
    show_grad: bool = True,
    digits: int = 4,
    step: Step | int | None = None,
    cluster: bool = True,
    max_nodes: int = 1000,
    compact: bool | None = None,
    reserve_step_labels: bool = False,
    node_sizes: Mapping[str, tuple[float, float]] | None = None,
) -> GraphDrawing:
    """`draw_graph` with two extras that keep the layout still in an animation.

    reserve_step_labels: every edge carries the label of its backward step,
        invisible except for the highlighted step, so the labels take the same
        room in every frame.
    node_sizes: ``{node id: (width, height)}`` in inches, the least size of each
        node (see `layout_sizes`), so nodes keep one size while their text changes.
    """
    if not isinstance(root, Value):
        raise TypeError(f"draw_graph needs a Value, got {type(root).__name__}")
    try:  # so that graphviz's own render()/pipe()/view() work on the result too
        use_found_dot()
    except DotNotFoundError:
        pass  # drawing needs no program; rendering will say how to get one
    if rankdir not in ("LR", "TB", "RL", "BT"):
        raise ValueError(f"rankdir must be 'LR', 'TB', 'RL' or 'BT', got {rankdir!r}")
    validate.integer(digits, "digits", minimum=1, maximum=17)
    order = topological_order(root)
    if len(order) > max_nodes:
        raise ValueError(
            f"the graph has {len(order)} Values, more than max_nodes={max_nodes}; "
            "draw a smaller part of it or pass a larger max_nodes"
        )
    if compact is None:
        compact = len(order) > COMPACT_ABOVE
    highlighted = _resolve_step(root, step)
    names = node_names(root)
    ids = {node: f"v{k}" for k, node in enumerate(order)}
    n = lambda x: number(x, digits)

    graph = GraphDrawing(name="computation_graph")
    graph.attr(rankdir=rankdir, nodesep="0.15", ranksep="0.3")
    graph.attr("node", fontname="Helvetica", fontsize="11" if compact else "12")
    graph.attr("edge", fontname="Helvetica", fontsize="10", arrowsize="0.6")

    receivers = set(highlighted.node.parents) if highlighted else set()
    boxes = _clusters(order) if cluster else {node: () for node in order}
    members: dict[tuple[str, ...], list[tuple[str, dict[str, str]]]] = {}  # box -> nodes
    for node in order:
        title = _record_title(node, names[node], compact)
        if boxes[node] and node.label:  # inside box layer1 > neuron0, "w0" says enough
            title = title.replace(node.label, node.label.split(".")[-1], 1)
        fields = [title, f"data {n(node.data)}"]
        if show_grad:
            fields.append(f"grad {n(node.grad)}")
        label = " | ".join(_escape(field) for field in fields)
        # In a left-right layout a record's fields stack vertically unless braced.
        attributes = {
            "shape": "record", "style": "filled", "fillcolor": COLOURS[_kind(node, root)],
            "label": "{" + label + "}" if rankdir in ("LR", "RL") else label,
        }
        if highlighted is not None and node is highlighted.node:
            attributes.update(color=HIGHLIGHT, penwidth="3", fontcolor=HIGHLIGHT)
        elif node in receivers:
            attributes.update(color=RECEIVER, penwidth="2.5")
        _fix_size(attributes, ids[node], node_sizes)
        box = members.setdefault(boxes[node], [])
        box.append((ids[node], attributes))
        if node.operation is not None and not compact:
            symbol = _op_text(node)
            op_attributes = {
                "shape": "circle" if len(symbol) <= 2 else "ellipse", "label": symbol,
                "margin": "0.02", "width": "0.3", "height": "0.3", "fontsize": "11",
            }
            if highlighted is not None and node is highlighted.node:
                op_attributes.update(color=HIGHLIGHT, penwidth="2.5", fontcolor=HIGHLIGHT)
            _fix_size(op_attributes, f"{ids[node]}_op", node_sizes)
            box.append((f"{ids[node]}_op", op_attributes))
    _add_boxes(graph, members, (), rankdir)

    planned = {s.node: s for s in plan_steps(root)} if reserve_step_labels else {}
    for node in order:
        if node.operation is None:
            continue
        is_step = highlighted is not None and node is highlighted.node
        labelled = highlighted if is_step else planned.get(node)
        style = _EDGE_HIGHLIGHT if is_step else _EDGE_INVISIBLE_LABEL
        target = f"{ids[node]}_op" if not compact else ids[node]
        received = {item.position: item for item in labelled.contributions} if labelled else {}
        for k, parent in enumerate(node.parents):
            edge: dict[str, str] = {}
            item = received.get(k)
            if item is not None and labelled is not None:
                edge = {**style, "label": f"{n(item.local)} × {n(labelled.upstream)}"
                                          f" = {n(item.contribution)}"}
            graph.edge(ids[parent], target, **edge)
        if not compact:
            edge = {}
            if labelled is not None:
                edge = {**style, "label": f"upstream {n(labelled.upstream)}"}
            graph.edge(f"{ids[node]}_op", ids[node], **edge)
    return graph


_EDGE_HIGHLIGHT = {"color": HIGHLIGHT, "penwidth": "2.5", "fontcolor": HIGHLIGHT}
_EDGE_INVISIBLE_LABEL = {"fontcolor": "#ffffff00"}  # transparent: it only keeps its room


def _fix_size(attributes: dict[str, str], node_id: str,
              node_sizes: Mapping[str, tuple[float, float]] | None) -> None:
    if node_sizes is not None and node_id in node_sizes:
        width, height = node_sizes[node_id]
        attributes.update(width=f"{width:.4f}", height=f"{height:.4f}")


def layout_sizes(digraph: graphviz.Digraph) -> dict[str, tuple[float, float]]:
    """``{node id: (width, height)}`` in inches, as Graphviz lays `digraph` out."""
    sizes: dict[str, tuple[float, float]] = {}
    for line in render(digraph, "plain").decode("utf-8").splitlines():
        parts = line.split()
        if parts and parts[0] == "node":  # node NAME x y width height label ...
            sizes[parts[1].strip('"')] = (float(parts[4]), float(parts[5]))
    return sizes


def _resolve_step(root: Value, step: Step | int | None) -> Step | None:
    if step is None:
        return None
    if isinstance(step, Step):
        if step.node not in set(topological_order(root)):
            raise ValueError("that step belongs to another graph: its node is not in this one")
        return step
    if not validate.is_integer(step):
        raise TypeError(f"step must be a Step or an int index, got {type(step).__name__}")
    index = validate.integer(step, "step")
    steps = plan_steps(root)
    if not 0 <= index < len(steps):
        raise ValueError(
            f"step {index} is out of range: this graph has {len(steps)} backward step(s), "
            f"indices 0 to {len(steps) - 1}"
        )
    return steps[index]


def _kind(node: Value, root: Value) -> str:
    if node is root:
        return "output"
    if node.operation is not None:
        return "intermediate"
    if not node.label:
        return "constant"
    return "parameter" if "." in node.label else "input"


def _op_text(node: Value) -> str:
    return node.operation.display(node.settings)  # type: ignore[union-attr]


def _record_title(node: Value, name: str, compact: bool) -> str:
    """The first field: the name; in compact mode an op's symbol is added."""
    if compact and node.operation is not None:
        symbol = _op_text(node)
        return symbol if not node.label else f"{name} = {symbol}"
    return name


def _escape(text: str) -> str:
    """Escape the characters that have a meaning inside a record label."""
    for special in ("\\", "{", "}", "|", "<", ">", '"'):
        text = text.replace(special, "\\" + special)
    return text


def cluster_path(label: str) -> tuple[str, ...]:
    """``"layer1.neuron0.w0"`` -> ``("layer1", "neuron0")``; no dot -> ``()``."""
    return tuple(label.split(".")[:-1])


def _clusters(order: Sequence[Value]) -> dict[Value, tuple[str, ...]]:
    """The box (a cluster path) of every node, parents before children.

    A labelled node goes where its label says. An unlabelled computed node
    goes to the deepest box among its parameter parents (``w·x`` of neuron 0
    joins neuron 0); with none, to the deepest box all its parents share.
    """
    boxes: dict[Value, tuple[str, ...]] = {}
    for node in order:
        if node.label or node.operation is None:
            boxes[node] = cluster_path(node.label)
            continue
        from_parameters = [boxes[p] for p in node.parents if p.operation is None and boxes[p]]
        if from_parameters:
            boxes[node] = max(from_parameters, key=len)
        else:
            boxes[node] = _common_prefix([boxes[p] for p in node.parents])
    return boxes


def _common_prefix(paths: Sequence[tuple[str, ...]]) -> tuple[str, ...]:
    prefix: list[str] = []
    for parts in zip(*paths):
        if any(part != parts[0] for part in parts):
            break
        prefix.append(parts[0])
    return tuple(prefix)


def _natural(path: tuple[str, ...]) -> list[tuple[str, int]]:
    """Sort key: neuron2 before neuron10 (digit runs compare as numbers)."""
    return [(text, int(digits) if digits else -1)
            for part in path for text, digits in re.findall(r"(\D*)(\d*)", part)]


def _add_boxes(graph: graphviz.Digraph,
               members: dict[tuple[str, ...], list[tuple[str, dict[str, str]]]],
               path: tuple[str, ...], rankdir: str) -> None:
    """Add the nodes of box `path` to `graph`, then each child box as a nested cluster."""
    for node_id, attributes in members.get(path, []):
        graph.node(node_id, **attributes)
    children = sorted({box[: len(path) + 1] for box in members
                       if len(box) > len(path) and box[: len(path)] == path}, key=_natural)
    if rankdir in ("LR", "RL"):  # dot stacks the first box lowest: so neuron0 goes on top
        children.reverse()
    for child in children:
        name = "cluster_" + "_".join(
            "".join(ch if ch.isalnum() else "_" for ch in part) for part in child)
        with graph.subgraph(name=name) as box:
            box.attr(label=child[-1], style="rounded,filled", color="#94a3b8",
                     fillcolor=CLUSTER_COLOURS[(len(child) - 1) % len(CLUSTER_COLOURS)],
                     fontname="Helvetica", fontsize="11")
            _add_boxes(box, members, child, rankdir)
