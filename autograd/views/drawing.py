"""Draw a computation graph with Graphviz: `draw_graph`, `save`, `render`.

Every Value becomes a small table ``name | data | grad``; every operation a
round node showing its symbol (``+``, ``×``, ``tanh``, ``^2``) with the edges
``parent -> op -> result``. A parent used twice (``x * x``) gets two edges, and
an op with three or more inputs has one socket per input, in argument order.
Colours:

- light blue: inputs (labelled leaves such as ``x``);
- light yellow: parameters (leaves whose label has a dot, ``layer1.neuron0.w0``);
- grey: constants (unlabelled leaves), drawn as small plain boxes;
- pink: the output;
- red: the node of the highlighted backward step and the edges along which
  it sends its contributions (labelled ``local × upstream = contribution``).

Labels are shown as text, whatever they hold (`visible`): markup stays text, a
control character shows as its escape (``\x00``, ``\n``) and a lone surrogate as
U+FFFD, so any label draws, and a saved SVG is valid XML.

Nodes labelled ``layer1.neuron0.*`` are boxed together, nested layer1 > neuron0,
and unlabelled nodes computed from a neuron's parameters join that box, so an
MLP reads as layers of neurons. A whole network is drawn with ``collapse=2``:
one node per neuron, showing what it computes (``a``, ``h``) and a summary of
its parameters' gradients, with edges coloured by the sign of the gradient that
flows back along them (blue +, orange −, grey 0) and as wide as its size.
Above 120 Values the drawing turns compact (the op symbol inside the value's
node, no op nodes).

Rendering needs a Graphviz ``dot`` program: the system one if it is on PATH,
otherwise the one shipped by the ``graphviz-pure`` wheel (installed with this
project), so ``pip install`` alone is enough. ``.dot`` files need no program.
"""

from __future__ import annotations

import html
import io
import os
import pathlib
import re
import shutil
import subprocess
import sys
import sysconfig
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import graphviz
import graphviz.backend.dot_command

from autograd import validate
from autograd.backprop import local_derivatives
from autograd.core import Constant, Value, topological_order
from autograd.files import write_atomically
from autograd.views.formulas import input_letters
from autograd.views.front_end import in_page_drawing
from autograd.views.network import Group, groups_of, natural, paths_of
from autograd.views.stepper import number
from autograd.views.trace import Step, node_names, record

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
Grads = Mapping[Value, Any] | None  # gradients to show; None: each node's own .grad
COMPACT_ABOVE = 120  # draw_graph's default: compact mode above this many Values


class DotNotFoundError(RuntimeError):
    """No Graphviz `dot` program to render with (a .dot file still works)."""


class GraphDrawing(graphviz.Digraph):
    """A `graphviz.Digraph` that displays itself in Jupyter with the `dot` this
    module finds (the system's, or graphviz-pure's), without its warnings.

    As SVG, and as PNG too: a notebook opened from disk is untrusted, and JupyterLab
    shows untrusted PNG but not untrusted SVG (it would show the text ``<GraphDrawing
    at 0x...>`` instead)."""

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None,
                          **kwargs: Any) -> dict[str, str | bytes]:
        try:
            return {"image/svg+xml": display_svg(self), "image/png": display_png(self)}
        except (DotNotFoundError, OSError):  # no dot program here (browser Python)
            return {"text/html": in_page_drawing(self.source),
                    "text/plain": "<a drawing: it is laid out in the page, with viz.js>"}


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


DISPLAY_WIDTH = 12.5  # inches: at 96 dots per inch, about the width of a notebook's output
DISPLAY_PIXELS = 800  # a notebook's output with its file browser open, in CSS pixels


LONG_THIN = (8, 2)  # more values deep than this, and at most this many wide: top to bottom


def auto_rankdir(order: Sequence[Value]) -> str:
    """``"TB"`` for a long thin graph, else ``"LR"``: the rule of ``rankdir="auto"``.

    A chain of operations laid left to right is a strip far wider than a page, whose
    text must shrink to fit or scroll sideways; top to bottom it scrolls the way pages
    and notebooks do. So: top to bottom when the graph is more than 8 values deep (the
    longest path from a leaf to the output, counting values, not ops or constants) and
    no depth holds more than 2 values; left to right otherwise (a neuron is 4 deep, a
    hand-built 2-2-1 net 7).
    """
    depth: dict[Value, int] = {}
    for node in order:  # parents first
        if type(node) is Constant:
            continue
        depth[node] = 1 + max((depth[p] for p in node.parents if p in depth), default=0)
    counts: dict[int, int] = {}
    for d in depth.values():
        counts[d] = counts.get(d, 0) + 1
    deep, wide = LONG_THIN
    return "TB" if counts and max(counts) > deep and max(counts.values()) <= wide else "LR"


def display_svg(digraph: graphviz.Digraph, pixels: float = DISPLAY_PIXELS) -> str:
    """The SVG of `digraph` to show in a notebook: drawn at most `pixels` wide (its
    ``width``/``height`` scaled, its ``viewBox`` kept), since JupyterLab shows an SVG at
    its own size and a wider one would hide its right end, the output node, behind a
    sideways scrollbar. (A big network is better seen in ``autograd.widget``, which pans
    and zooms.)"""
    svg = render(digraph, "svg").decode("utf-8")
    size = re.search(r'<svg width="([\d.]+)pt" height="([\d.]+)pt"', svg)
    if size is None:
        return svg
    width, height = float(size[1]), float(size[2])
    scale = pixels / (width * 4 / 3)  # 1 pt = 4/3 CSS pixels
    if scale >= 1:
        return svg
    return svg.replace(size[0], f'<svg width="{width * scale:.2f}pt" '
                                f'height="{height * scale:.2f}pt"', 1)


def display_png(digraph: graphviz.Digraph, width: float = DISPLAY_WIDTH) -> bytes:
    """A PNG of `digraph` to show in a notebook where SVG is not shown (an untrusted one):
    scaled down to `width` inches if wider (Graphviz's ``size``), and in 256 colours when
    Pillow is there (matplotlib brings it), so a network's picture stays small."""
    limited = digraph.copy()
    limited.attr(size=f"{width:g},{10 * width:g}")
    png = render(limited, "png")
    try:
        from PIL import Image
    except ImportError:  # the picture in full colour
        return png
    with Image.open(io.BytesIO(png)) as image:
        out = io.BytesIO()
        image.convert("RGB").quantize(256).save(out, format="PNG", optimize=True)
    return out.getvalue()


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
# What a drawing shows
# ---------------------------------------------------------------------------

POSITIVE, NEGATIVE, NO_FLOW = "#2563eb", "#ea580c", "#94a3b8"  # edge colours: blue, orange, grey
MANY_INPUTS = 16  # collapse=: more network inputs than this are drawn as one summary node
PORTS_FROM = 3  # an op with this many inputs or more gets one port (socket) per input
# Where edges meet nodes, by rankdir: the side an edge leaves a value from, the side it
# enters an op's socket from, and the corners of a binary op that its first and second
# input enter. So the inputs keep the order they are written in: w0 above w1, x0 above x1.
SIDES = {"LR": ("e", "w", ("nw", "sw")), "RL": ("w", "e", ("ne", "se")),
         "TB": ("s", "n", ("nw", "ne")), "BT": ("n", "s", ("sw", "se"))}


@dataclass(frozen=True)
class Link:
    """One edge of a drawing and the parent links (node, input position) it carries.

    ``source``/``target`` are Graphviz node ids (a target may name a port:
    ``v8_op:i3``). A scalar drawing has one link per edge; in a collapsed view
    an edge between two units carries every link between them.
    """

    id: str
    source: str
    target: str
    links: tuple[tuple[Value, int], ...]


class Picture:
    """The drawing of one graph: its units (records, op nodes, groups), their texts,
    and its edges, ready to become a Graphviz digraph for any set of gradients.

    `draw_graph` draws the gradients the nodes hold now; the player draws the
    picture once and changes its texts frame by frame (`texts`), so every
    text that changes is a field of its own, found by its position in its node.
    """

    def __init__(self, root: Value, *, rankdir: str = "LR", show_grad: bool = True,
                 digits: int = 4, cluster: bool = True, max_nodes: int = 1000,
                 compact: bool | None = None, collapse: int | None = None,
                 expand: Sequence[str] = ()) -> None:
        if not isinstance(root, Value):
            raise TypeError(f"draw_graph needs a Value, got {type(root).__name__}")
        validate.choice(rankdir, "rankdir", ("LR", "TB", "RL", "BT", "auto"))
        validate.integer(digits, "digits", minimum=1, maximum=17)
        if collapse is not None:
            validate.integer(collapse, "collapse", minimum=1)
        if isinstance(expand, str) or not all(isinstance(e, str) for e in expand):
            raise TypeError(f"expand must be a list of group names such as "
                            f"['layer2.neuron5'], got {expand!r}")
        self.order = topological_order(root)
        if rankdir == "auto":
            rankdir = auto_rankdir(self.order)
        self.root, self.rankdir, self.show_grad, self.digits = root, rankdir, show_grad, digits
        self.names = {node: visible(name) for node, name in node_names(self.order).items()}
        self.ids = {node: f"v{k}" for k, node in enumerate(self.order)}
        self.ids_set = set(self.ids.values())
        paths = paths_of(self.order)
        self.groups: dict[tuple[str, ...], Group] = {}
        self.group_ids: dict[tuple[str, ...], str] = {}
        self.unit: dict[Value, str] = {}  # node -> the id of what draws it
        if collapse is not None:
            self.groups = groups_of(self.order, root, collapse, paths)
            known = {group.name for group in self.groups.values()}
            unknown = [name for name in expand if name not in known]
            if unknown:
                raise ValueError(f"expand: no group named {unknown[0]!r} at collapse={collapse}; "
                                 f"groups: {_some(sorted(known))}")
            self.groups = {key: g for key, g in self.groups.items() if g.name not in expand}
            self.group_ids = {key: f"g{j}" for j, key in enumerate(self.groups)}
            for key, group in self.groups.items():
                for node in group.nodes:
                    self.unit[node] = self.group_ids[key]
        self.group_id_set = set(self.group_ids.values())
        drawn = [node for node in self.order if node not in self.unit]
        self.summarised = self._network_inputs(drawn) if collapse is not None else []
        for node in self.summarised:
            self.unit[node] = "inputs"
        self.scalars = [node for node in self.order if node not in self.unit]
        if len(self.scalars) > max_nodes:
            hint = "" if collapse is not None else ", or draw it collapsed (collapse=2)"
            raise ValueError(f"the graph has {len(self.scalars)} Values to draw, more than "
                             f"max_nodes={max_nodes}; draw a smaller part of it{hint}")
        for node in self.scalars:
            self.unit[node] = self.ids[node]
        if compact is None:  # a collapsed view keeps its few scalar nodes small, too
            compact = len(self.scalars) > COMPACT_ABOVE or (collapse is not None and not expand)
        self.compact = compact
        self.boxes = ({node: paths[node] for node in self.scalars} if cluster
                      else {node: () for node in self.scalars})
        self.links = self._links()

    # -- units -----------------------------------------------------------------

    def _network_inputs(self, drawn: list[Value]) -> list[Value]:
        """Leaves that feed groups, if there are more than MANY_INPUTS of them."""
        candidates = set(drawn)  # a set: an MLP on 784 inputs asks once per weight
        feeding = {p for g in self.groups.values() for n in g.nodes for p in n.parents
                   if p in candidates and p.operation is None and type(p) is not Constant}
        ordered = [node for node in drawn if node in feeding]
        return ordered if len(ordered) > MANY_INPUTS else []

    def target_of(self, node: Value, position: int) -> str:
        """Where the edge from the node's `position`-th input ends."""
        unit = self.unit[node]
        if unit != self.ids[node]:
            return unit  # a group node
        if self.compact:
            return unit
        leaving, entering, corners = SIDES[self.rankdir]
        if len(node.parents) >= PORTS_FROM:
            return f"{unit}_op:i{position}:{entering}"
        if len(node.parents) == 2:
            return f"{unit}_op:{corners[position]}"
        return f"{unit}_op"

    def _links(self) -> list[Link]:
        edges: dict[tuple[str, str], list[tuple[Value, int]]] = {}
        scalar_edges: list[Link] = []
        for node in self.order:
            for position, parent in enumerate(node.parents):
                source, target = self.unit[parent], self.target_of(node, position)
                if source == target:
                    continue  # inside one group
                if self.unit[node] == self.ids[node] and source == self.ids[parent]:
                    scalar_edges.append(Link(f"e{self.ids[node][1:]}_{position}", source, target,
                                             ((node, position),)))
                else:
                    edges.setdefault((source, target), []).append((node, position))
        grouped = [Link(f"a{k}", source, target, tuple(carried))
                   for k, ((source, target), carried) in enumerate(edges.items())]
        return scalar_edges + grouped

    # -- texts -------------------------------------------------------------------

    def number(self, x: Any) -> str:
        return number(x, self.digits)

    def record_fields(self, node: Value, grads: Grads) -> list[str]:
        """The fields of a node's record: its name, data and (unless hidden) grad."""
        if type(node) is Constant:
            return [self.number(node.data)]
        title = self.names[node]
        if self.compact and node.operation is not None:
            symbol = _symbol(node)
            title = symbol if not node.label else f"{title} = {symbol}"
        if self.boxes.get(node) and node.label:  # inside box layer1 > neuron0, "w0" says enough
            label = visible(node.label)
            title = title.replace(label, label.split(".")[-1], 1)
        fields = [title, f"data {self.number(node.data)}"]
        if self.show_grad:
            fields.append(f"grad {self.number(_grad(node, grads))}")
        return fields

    def group_fields(self, group: Group, grads: Grads) -> list[str]:
        """The texts of a group's node: its name (and activation), a header, a row per
        value shown (role, data, grad), a summary of its parameters."""
        fields = [visible(group.name), "data"]
        if self.show_grad:
            fields.append("grad")
        for role, node in group.shown:
            fields += [role, self.number(node.data)]
            if self.show_grad:
                fields.append(self.number(_grad(node, grads)))
        summary = f"{group.activation} · " if group.activation else ""
        summary += f"{len(group.parameters)} params"
        if self.show_grad and group.parameters:
            largest = max(abs(_float(_grad(p, grads))) for p in group.parameters)
            summary += f", max |grad| {self.number(largest)}"
        return [*fields, summary]

    def inputs_fields(self, grads: Grads) -> list[str]:
        values = [node.data for node in self.summarised]
        fields = [f"{len(values)} inputs",
                  f"data {self.number(min(values))} .. {self.number(max(values))}"]
        if self.show_grad:
            magnitude = max(abs(_float(_grad(n, grads))) for n in self.summarised)
            fields.append(f"largest |grad| {self.number(magnitude)}")
        return fields

    def texts(self, grads: Grads) -> dict[str, list[str]]:
        """Every drawn node's texts, in the order the picture draws them, showing the
        gradients `grads` (None: the ``.grad`` each node holds)."""
        texts = {self.ids[node]: self.record_fields(node, grads) for node in self.scalars}
        for key, group in self.groups.items():
            texts[self.group_ids[key]] = self.group_fields(group, grads)
        if self.summarised:
            texts["inputs"] = self.inputs_fields(grads)
        return {node_id: [visible(text) for text in fields] for node_id, fields in texts.items()}

    def anchors(self) -> dict[str, str]:
        """For each drawn node, how each of its texts is aligned in its cell: ``m``
        centred (a Value's fields), ``e`` right (a group's numbers), ``s`` left; a
        player that changes a text keeps it where its cell wants it."""
        anchors = {self.ids[node]: "m" * len(self.record_fields(node, {}))
                   for node in self.scalars}
        for key, group in self.groups.items():
            row = "see" if self.show_grad else "se"
            anchors[self.group_ids[key]] = "s" + row[1:] + row * len(group.shown) + "s"
        if self.summarised:
            anchors["inputs"] = "m" * len(self.inputs_fields({}))
        return anchors

    def flows(self, grads: Grads) -> dict[str, float]:
        """The gradient flowing back along each edge between groups (ids ``a{k}``):
        Σ ∂node/∂parent · node's grad over the links the edge carries."""
        locals_: dict[Value, list[Any]] = {}  # each node's derivatives, computed once:
        flows = {}  # a dot node over 784 inputs feeds 784 links
        for link in self.links:
            if not link.id.startswith("a"):
                continue
            total = 0.0
            for node, position in link.links:
                if node not in locals_:
                    locals_[node] = local_derivatives(node)
                local = locals_[node][position]
                if local is not None:
                    total += local * _float(_grad(node, grads))
            flows[link.id] = total
        return flows

    # -- the digraph ---------------------------------------------------------------

    def digraph(self, grads: Grads = None, *, step: Step | None = None,
                edge_labels: Mapping[str, str] | None = None, label_all: bool = False,
                flows: Mapping[str, float] | None = None,
                widest: Mapping[str, list[str]] | None = None,
                as_xlabels: bool = False) -> GraphDrawing:
        """The Graphviz digraph of this picture.

        grads:   the gradient to show for each node, 0 for a node it leaves out
                 (default None: the ``.grad`` each node holds).
        step:    highlight a backward step: its node red, its parents orange, the
                 edges to them red and labelled with `edge_labels`.
        edge_labels: edge id -> label; drawn on the step's edges, or on every
                 edge with `label_all` (the player hides them but for one step).
        flows:   edge id -> the gradient flowing back along it (colour, width).
        widest:  node id -> texts to lay the node out with (the widest it shows
                 in any frame), so a player's numbers can change in place.
        as_xlabels: put edge labels beside the edges without making room for
                 them (the player shows one step's at a time; layout stays fast).
        """
        edge_labels = edge_labels or {}
        try:  # so that graphviz's own render()/pipe()/view() work on the result too
            use_found_dot()
        except DotNotFoundError:
            pass  # drawing needs no program; rendering will say how to get one
        # SVG, not graphviz's default PDF, which graphviz-pure's dot cannot write
        graph = GraphDrawing(name="computation_graph", format="svg")
        graph.attr(rankdir=self.rankdir, nodesep="0.15", ranksep="0.3")
        if self.groups:  # a network: each layer's neurons in order, top to bottom, and
            # room between two layers for the edges from every neuron to every neuron
            graph.attr(ordering="out", nodesep="0.08", ranksep="1.1")
        graph.attr("node", fontname="Helvetica", fontsize="11" if self.compact else "12")
        graph.attr("edge", fontname="Helvetica", fontsize="10", arrowsize="0.6")
        texts = dict(self.texts(grads))
        if widest:
            texts.update(widest)
        receivers = {item.parent for item in step.contributions} if step else set()
        members: dict[tuple[str, ...], list[tuple[str, dict[str, str]]]] = {}
        for node in self.scalars:
            box = members.setdefault(self.boxes[node], [])
            box.extend(self._scalar_units(node, texts[self.ids[node]], step, receivers))
        _add_boxes(graph, members, (), self.rankdir)
        self._add_groups(graph, texts, step)
        if self.summarised:
            graph.node("inputs", id="inputs", shape="plain", label=_value_label(
                texts["inputs"], COLOURS["input"], "#000000", False, "#000000"))
        self._add_edges(graph, step, edge_labels, label_all, flows or {},
                        "xlabel" if as_xlabels else "label")
        if self.groups:
            graph.attr(label=_LEGEND, labelloc="b", labeljust="l", fontname="Helvetica",
                       fontsize="10")
        return graph

    def _scalar_units(self, node: Value, fields: list[str], step: Step | None,
                      receivers: set[Value]) -> list[tuple[str, dict[str, str]]]:
        node_id = self.ids[node]
        current = step is not None and node is step.node
        border = HIGHLIGHT if current else RECEIVER if node in receivers else "#000000"
        if type(node) is Constant:  # a number of the expression: small, no grad
            attributes = {"shape": "box", "style": "rounded,filled", "fillcolor": "#eeeeee",
                          "fontsize": "10", "height": "0.25", "width": "0.3", "margin": "0.04",
                          "label": _html_text(fields[0])}
            if border != "#000000":
                attributes.update(color=border, penwidth="2.5")
        else:
            attributes = {"shape": "plain", "label": _value_label(
                fields, COLOURS[_kind(node, self.root)], border, thick=border != "#000000",
                text_colour=HIGHLIGHT if current else "#000000")}
        units = [(node_id, {"id": node_id, **attributes})]
        if node.operation is not None and not self.compact:
            units.append((f"{node_id}_op", self._op_attributes(node, current)))
        return units

    def _op_attributes(self, node: Value, current: bool) -> dict[str, str]:
        assert node.operation is not None
        symbol = _symbol(node)
        count = len(node.parents)
        attributes = {"id": f"{self.ids[node]}_op", "fontsize": "11", "margin": "0.02"}
        colour = HIGHLIGHT if current else "#000000"
        if count >= PORTS_FROM:  # one socket per input, in argument order: no edges meet
            letters = {position: letter for letter, position in input_letters(node).items()}
            inputs = [letters.get(i, f"x{i}") for i in range(count)]
            attributes.update(shape="plain", label=_sockets_label(
                inputs, symbol, across=self.rankdir in ("TB", "BT"), colour=colour))
        else:
            attributes.update(shape="circle" if len(symbol) <= 2 else "ellipse",
                              label=_html_text(symbol), width="0.3", height="0.3")
            if current:
                attributes.update(color=HIGHLIGHT, penwidth="2.5", fontcolor=HIGHLIGHT)
        return attributes

    def _add_groups(self, graph: graphviz.Digraph, texts: Mapping[str, list[str]],
                    step: Step | None) -> None:
        """One node per group, in natural order (the layout keeps it: ``ordering=out``)."""
        for key, group in self.groups.items():
            current = step is not None and step.node in group.nodes
            node_id = self.group_ids[key]
            graph.node(node_id, id=node_id, shape="box", style="rounded,filled",
                       fillcolor="#ffffff", margin="0.07,0.03", fontsize="10",
                       color=HIGHLIGHT if current else "#64748b",
                       penwidth="3" if current else "1",
                       label=_group_label(texts[node_id], self.show_grad))

    def _add_edges(self, graph: graphviz.Digraph, step: Step | None,
                   edge_labels: Mapping[str, str], label_all: bool,
                   flows: Mapping[str, float], key: str) -> None:
        in_step = {(step.node, item.position) for item in step.contributions} if step else set()
        largest = max((abs(flow) for flow in flows.values()), default=0.0) or 1.0
        for link in self.links:
            attributes: dict[str, str] = {"id": link.id}
            if link.id in flows:
                flow = flows[link.id]
                colour = POSITIVE if flow > 0 else NEGATIVE if flow < 0 else NO_FLOW
                attributes.update(color=colour, penwidth=f"{0.5 + 3 * abs(flow) / largest:.2f}",
                                  arrowsize="0.4")
            if any(item in in_step for item in link.links):
                attributes.update(color=HIGHLIGHT, penwidth="2.5", fontcolor=HIGHLIGHT)
                if link.id in edge_labels:
                    attributes[key] = _html_text(edge_labels[link.id])
            elif label_all and link.id in edge_labels:
                attributes[key] = _html_text(edge_labels[link.id])
            source = link.source  # from a value's side, so that edges never start on its top
            if source in self.ids_set:
                source += ":" + SIDES[self.rankdir][0]
            graph.edge(source, link.target, **attributes)
        for node in self.scalars:  # op node -> its result, labelled with the upstream gradient
            if node.operation is None or self.compact:
                continue
            node_id = self.ids[node]
            attributes = {"id": f"u{node_id[1:]}"}
            if step is not None and node is step.node:
                attributes.update(color=HIGHLIGHT, penwidth="2.5", fontcolor=HIGHLIGHT)
                if attributes["id"] in edge_labels:
                    attributes[key] = _html_text(edge_labels[attributes["id"]])
            elif label_all and attributes["id"] in edge_labels:
                attributes[key] = _html_text(edge_labels[attributes["id"]])
            graph.edge(f"{node_id}_op", node_id, **attributes)


_LEGEND = ("Edges: the gradient flowing back along each one. "
           "Blue: positive, orange: negative; the wider, the larger.")


def _grad(node: Value, grads: Grads) -> Any:
    """The gradient to show for `node`: from `grads` (0 if it has none yet), or,
    when `grads` is None, the ``.grad`` the node holds (None counts as 0, as in
    ``backward()``)."""
    grad = node.grad if grads is None else grads.get(node, 0.0)
    return 0.0 if grad is None else grad


def _float(x: Any) -> float:
    return x.data if isinstance(x, Value) else float(x)


# What a drawing cannot show as it is: control characters (C0, DEL, C1), the two
# non-characters U+FFFE and U+FFFF (none of them may appear in an SVG file), and lone
# surrogates (which no file can hold: encoding them to UTF-8 fails).
_INVISIBLE = re.compile("[\x00-\x1f\x7f-\x9f\ufffe\uffff\ud800-\udfff]")


def visible(text: str) -> str:
    """`text` as drawings and pages show it: a control character as its Python escape
    (``\\x00``, ``\\n``, ``\\x1b``), a lone surrogate as U+FFFD (the replacement
    character), anything else as it is. Labels are user input: this way any label draws,
    reads as what it holds, and a saved SVG or page is valid (XML, UTF-8)."""
    if _INVISIBLE.search(text) is None:
        return text
    return _INVISIBLE.sub(
        lambda found: "\ufffd" if "\ud800" <= found[0] <= "\udfff" else repr(found[0])[1:-1],
        text)


def _symbol(node: Value) -> str:
    """The text of a node's op in drawings (``×``, ``^2``), or a ValueError naming the op
    when its symbol asks for settings it does not have (``{0}`` without settings)."""
    op = node.operation
    assert op is not None
    try:
        return op.display(node.settings)
    except (IndexError, KeyError, ValueError, TypeError) as error:
        raise ValueError(
            f"op {op.name!r}: its symbol {op.symbol!r} cannot be shown with "
            f"{len(node.settings)} setting(s) ({type(error).__name__}: {error}); a symbol "
            "uses {0}, {1}, ... only for the op's settings (num_settings), and writes a "
            "brace as {{ or }}") from None


def _some(names: list[str], limit: int = 6) -> str:
    return ", ".join(names[:limit]) + (", ..." if len(names) > limit else "")


def _kind(node: Value, root: Value) -> str:
    if node is root:
        return "output"
    if node.operation is not None:
        return "intermediate"
    if not node.label:
        return "constant"
    return "parameter" if "." in node.label else "input"


def _value_label(fields: Sequence[str], fill: str, border: str, thick: bool,
                 text_colour: str) -> str:
    """A Value as a one-row table ``name | data | grad`` (one text per cell)."""
    cells = "".join(f'<TD>{_coloured(cell, text_colour)}</TD>' for cell in fields)
    return (f'<<TABLE BORDER="{2 if thick else 0}" CELLBORDER="1" CELLSPACING="0" '
            f'CELLPADDING="4" BGCOLOR="{fill}" COLOR="{border}"><TR>{cells}</TR></TABLE>>')


def _sockets_label(inputs: Sequence[str], symbol: str, across: bool, colour: str) -> str:
    """An op on many inputs: one small socket (a port) per input, in argument order,
    beside the op's symbol; down the side in a left-right drawing, across in top-down."""
    sockets = [f'<TD PORT="i{i}"><FONT POINT-SIZE="8">{_coloured(name, colour)}</FONT></TD>'
               for i, name in enumerate(inputs)]
    head = f'<TD {"COLSPAN" if across else "ROWSPAN"}="{len(inputs)}">' \
           f"{_coloured(symbol, colour)}</TD>"
    table = f'<<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="1" COLOR="{colour}">'
    if across:
        rows = f"<TR>{''.join(sockets)}</TR><TR>{head}</TR>"
    else:
        rows = f"<TR>{sockets[0]}{head}</TR>" + "".join(f"<TR>{s}</TR>" for s in sockets[1:])
    return table + rows + "</TABLE>>"


def _escaped(text: str) -> str:
    """`text` for an HTML-like label: shown as it is (`visible`), never read as markup."""
    return html.escape(visible(text))


def _coloured(text: str, colour: str) -> str:
    escaped = _escaped(text)
    return escaped if colour == "#000000" else f'<FONT COLOR="{colour}">{escaped}</FONT>'


def _html_text(text: str) -> str:
    """`text` as an HTML-like label: Graphviz shows it as it is, whatever it holds."""
    return f"<{_escaped(text)}>"


def _group_label(fields: Sequence[str], show_grad: bool) -> str:
    """A group node as a small table: ``name | data | grad``, then a row per value it
    shows (``a | 0.28 | -1.1``, ``h | ...``), then a summary; one text per cell."""
    *values, summary = fields
    width = 3 if show_grad else 2
    rows = []
    for start in range(0, len(values), width):
        cells = []
        for k, cell in enumerate(values[start:start + width]):
            text = _escaped(cell)
            if start == 0:
                text = f"<B>{text}</B>" if k == 0 else f'<FONT COLOR="#64748b">{text}</FONT>'
            elif k == 0:
                text = f'<FONT COLOR="#64748b">{text}</FONT>'
            size = "" if k == 0 else ' WIDTH="46"'  # room for any 4-digit number
            cells.append(f'<TD ALIGN="{"LEFT" if k == 0 else "RIGHT"}"{size}>{text}</TD>')
        rows.append("<TR>" + "".join(cells) + "</TR>")
    rows.append(f'<TR><TD ALIGN="LEFT" COLSPAN="{width}"><FONT POINT-SIZE="8" COLOR="#475569">'
                f"{_escaped(summary)}</FONT></TD></TR>")
    return ('<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="1" CELLPADDING="0">'
            + "".join(rows) + "</TABLE>>")


def cluster_name(path: tuple[str, ...]) -> str:
    """A Graphviz cluster id that no two paths share (net-1 and net_1 stay apart)."""
    return "cluster_" + "_".join(part.encode("utf-8", "surrogatepass").hex() for part in path)


def _add_boxes(graph: graphviz.Digraph,
               members: dict[tuple[str, ...], list[tuple[str, dict[str, str]]]],
               path: tuple[str, ...], rankdir: str) -> None:
    """Add box `path` to `graph`: its child boxes (nested clusters) first, then its own
    nodes. Declared in this order, with one socket per input on ops of many inputs,
    Graphviz keeps the leaves in argument order: w0 above w1 in a neuron's box, and
    x0 above x1 below it."""
    children = sorted({box[: len(path) + 1] for box in members
                       if len(box) > len(path) and box[: len(path)] == path}, key=natural)
    if rankdir in ("LR", "RL"):  # dot stacks the first box lowest: so neuron0 goes on top
        children.reverse()
    for child in children:
        with graph.subgraph(name=cluster_name(child)) as box:
            box.attr(label=_html_text(child[-1]), style="rounded,filled", color="#94a3b8",
                     fillcolor=CLUSTER_COLOURS[(len(child) - 1) % len(CLUSTER_COLOURS)],
                     fontname="Helvetica", fontsize="11")
            _add_boxes(box, members, child, rankdir)
    for node_id, attributes in members.get(path, []):
        graph.node(node_id, **attributes)


# ---------------------------------------------------------------------------
# draw_graph
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
    collapse: int | None = None,
    expand: Sequence[str] = (),
) -> GraphDrawing:
    """The computation graph of `root` as a `graphviz.Digraph`.

    Args:
        root:      the output Value.
        rankdir:   "LR" (inputs on the left) or "TB", "RL", "BT"; "auto": "TB" for a
                   long thin graph, else "LR" (`auto_rankdir`).
        show_grad: show each node's ``.grad``.
        digits:    significant digits of the numbers shown.
        step:      highlight one backward step: a `Step` from
                   `autograd.backward_steps(root)`, drawn with its own numbers
                   (its pass's seed), or an index (0 = the first) into a pass
                   from `root` seeded with 1.
                   The step's node is red with its upstream gradient on the edge
                   from its op; the edges to its parents are red and labelled
                   ``local × upstream = contribution``; the parents are orange.
        cluster:   box nodes by label prefix (``layer1.neuron0.w0`` -> layer1 > neuron0).
        max_nodes: refuse (ValueError) to draw more Values than this.
        compact:   one node per Value with the op symbol inside it, no op
                   nodes; smaller. Default: on above 120 Values.
        collapse:  draw each group of this depth as ONE node (``collapse=2``: a
                   node per neuron ``layer1.neuron3``, showing its ``a`` and ``h``
                   and a summary); edges between them carry the values passed
                   along, coloured by the sign and sized by the gradient flowing
                   back. Other nodes (inputs, the loss) stay records; more than
                   16 network inputs become one summary node.
        expand:    groups to draw in full inside a collapsed picture, e.g.
                   ``["layer2.neuron5"]``.

    In Jupyter the result displays itself; save it with `save(graph, "g.svg")`.
    """
    picture = Picture(root, rankdir=rankdir, show_grad=show_grad, digits=digits,
                      cluster=cluster, max_nodes=max_nodes, compact=compact,
                      collapse=collapse, expand=expand)
    highlighted = None
    labels: dict[str, str] = {}
    if step is not None:
        highlighted = _resolve_step(picture, step)
        labels = step_labels(picture, highlighted)
    flows = picture.flows(None) if picture.groups and show_grad else {}
    return picture.digraph(step=highlighted, edge_labels=labels, flows=flows)


def step_labels(picture: Picture, step: Step) -> dict[str, str]:
    """Edge id -> text for a step's edges: ``local × upstream = contribution`` on the
    edges to its parents and ``upstream g`` on the edge from its op to the node."""
    n = picture.number
    labels = {}
    node_id = picture.ids[step.node]
    for item in step.contributions:
        labels[f"e{node_id[1:]}_{item.position}"] = (
            f"{n(item.local)} × {n(step.upstream)} = {n(item.contribution)}")
    labels[f"u{node_id[1:]}"] = f"upstream {n(step.upstream)}"
    return labels


def _resolve_step(picture: Picture, step: Step | int) -> Step:
    """The step to highlight: a `Step` as given (its node must be in the picture); an
    index into a backward pass from the picture's root, seeded with 1."""
    if isinstance(step, Step):
        if step.node not in picture.ids:
            raise ValueError("that step belongs to another graph: its node is not in this one")
        return step
    validate.integer(step, "step")
    steps = record(picture.root).steps
    if not steps:
        raise ValueError(f"step {step}: the output is a leaf: it has no backward steps "
                         "to highlight; draw it without step=")
    if not 0 <= step < len(steps):
        raise ValueError(f"step {step} is out of range: this graph has {len(steps)} backward "
                         f"step(s), indices 0 to {len(steps) - 1}")
    return steps[step]
