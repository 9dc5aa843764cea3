"""A live graph in a notebook: `widget(root)` returns a `GraphWidget` (an anywidget).

It shows the same drawing as `autograd.draw_graph` (collapse/expand included), with:

- a number box per labelled leaf: change one in the page, or call ``w.set(x=0.3)``, and
  the kernel sets the leaf's ``.data``, runs `autograd.recompute` and a fresh backward
  pass, and every number in the picture follows, without laying the graph out again;
  the user's `Value` objects hold the new data and gradients afterwards;
- the backward pass step by step (previous / next, slider, arrow keys), the step's node,
  parents and edges highlighted, as in the player;
- pan (drag) and zoom (wheel, +/−, fit); the view follows the highlighted step;
- a click on a node: its chain rule with the numbers plugged in; a click on a collapsed
  group opens it (and a click on its box closes it again).

Every number is computed here, in Python, by the engine; the page only shows them. The
picture is laid out by the `dot` program (`autograd.views.drawing.render`) when there is
one; where there is none (browser Python: JupyterLite, Pyodide) the page lays out the
DOT source itself with Graphviz compiled to WebAssembly (viz.js, shipped in
`static/`). Saved in a notebook, the output also holds a PNG of the graph, which
JupyterLab shows where the widget cannot run (a notebook not yet run, or untrusted).

Needs the `anywidget` package (``pip install anywidget``), imported with this module.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import anywidget
import traitlets

from autograd.backprop import recompute, zero_grad
from autograd.core import Constant, Value, as_float
from autograd.views.drawing import Picture, cluster_name, display_png, render, visible
from autograd.views.formulas import shown_formulas
from autograd.views.front_end import STATIC, packed_renderer
from autograd.views.network import cluster_path, natural
from autograd.views.player import (
    ROOMY_LABELS,
    Frame,
    edge_labels,
    player_frames,
)
from autograd.views.trace import Trace, record

MAX_FRAMES = 400  # steps a widget plays; a bigger graph is shown collapsed (collapse=2)
RUN_TO_INTERACT = "a picture of the widget: run the cell to make it interactive"

__all__ = ["GraphWidget", "widget"]


def widget(root: Value, *, collapse: int | None = None, expand: Sequence[str] = (),
           digits: int = 4, rankdir: str = "auto") -> GraphWidget:
    """A live view of root's graph and its backward pass (see the module docstring).

    `rankdir` "auto" (the default) draws a long thin graph top to bottom and any other
    left to right (`autograd.views.drawing.auto_rankdir`); "LR", "TB", ... as asked.

    >>> import autograd
    >>> x = autograd.Value(0.5, label="x"); w = autograd.Value(-1.5, label="w")
    >>> view = autograd.widget((x * w).tanh())
    >>> view.set(x=0.3)   # recomputes, runs backward: x.grad = (1 - tanh²(-0.45))·w
    >>> round(x.grad, 4)
    -1.233
    """
    return GraphWidget(root, collapse=collapse, expand=expand, digits=digits,
                       rankdir=rankdir)


class GraphWidget(anywidget.AnyWidget):
    """The live graph of `widget`. State shared with the page (all set by Python, but
    `frame`, `asked` and `toggle`, which the page sets)."""

    _esm = (STATIC / "graph.js").read_text(encoding="utf-8") + "\n" + \
        (STATIC / "widget.js").read_text(encoding="utf-8")
    _css = (STATIC / "graph.css").read_text(encoding="utf-8") + "\n" + \
        (STATIC / "widget.css").read_text(encoding="utf-8")

    svg = traitlets.Unicode("").tag(sync=True)  # the laid-out picture ("" if no dot)
    dot = traitlets.Unicode("").tag(sync=True)  # its DOT source, for the page to lay out
    renderer = traitlets.Unicode("").tag(sync=True)  # viz.js, packed; only when svg is ""
    anchors = traitlets.Dict().tag(sync=True)  # node id -> how its texts are aligned
    # per step of the pass: every node's texts, the highlights, the caption
    frames: traitlets.List[dict[str, Any]] = traitlets.List().tag(sync=True)
    labels = traitlets.Dict().tag(sync=True)  # edge id -> "local × upstream = contribution"
    frame = traitlets.Int(0).tag(sync=True)  # the step shown
    # [{name, value}] of the labelled leaves: the page's number boxes
    inputs: traitlets.List[dict[str, Any]] = traitlets.List().tag(sync=True)
    asked = traitlets.Dict().tag(sync=True)  # name -> number the page asks a leaf to take
    explain = traitlets.Dict().tag(sync=True)  # node id -> its chain rule, as text
    # ids of the collapsed groups (a click opens one)
    groups: traitlets.List[str] = traitlets.List().tag(sync=True)
    # the box (cluster) of each opened group, by its title in the SVG -> the group's name
    closable = traitlets.Dict().tag(sync=True)
    toggle = traitlets.Unicode("").tag(sync=True)  # a group the page asks to open or close
    error = traitlets.Unicode("").tag(sync=True)  # why the last change was refused

    #: The state above, by name (what the page reads).
    STATE = ("svg", "dot", "renderer", "anchors", "frames", "labels", "frame", "inputs",
             "asked", "explain", "groups", "closable", "toggle", "error")

    def __init__(self, root: Value, *, collapse: int | None = None,
                 expand: Sequence[str] = (), digits: int = 4, rankdir: str = "auto") -> None:
        if not isinstance(root, Value):
            raise TypeError(f"widget needs a Value, got {type(root).__name__}")
        super().__init__()
        self.root = root
        self.options: dict[str, Any] = {"collapse": collapse, "digits": digits,
                                        "rankdir": rankdir}
        self.expanded = list(expand)
        self.picture = self._picture()  # checks the options
        self.leaves = _labelled_leaves(root)
        self._lay_out()
        self.observe(self._on_asked, names="asked")
        self.observe(self._on_toggle, names="toggle")

    def __repr__(self) -> str:
        return (f"<GraphWidget of {self.picture.names[self.root]!r}: "
                f"{len(self.picture.order)} values>")

    # -- from Python ---------------------------------------------------------------

    def set(self, **values: float) -> None:
        """Give labelled leaves new data, run the graph again (`autograd.recompute`) and
        a fresh backward pass; every number of the view follows.

        ``w.set(x=0.3, b=1)``. Afterwards the leaves hold the new data and every node
        the new gradient (``.grad`` is reset first: one backward pass at the new point).
        An unknown name, a value that is not a finite number, or a point where the graph
        cannot be computed (``log`` of a negative number) raises and changes nothing.
        """
        unknown = [name for name in values if name not in self.leaves]
        if unknown:
            known = ", ".join(sorted(self.leaves)) or "none"
            raise KeyError(f"no labelled leaf named {unknown[0]!r} in this graph "
                           f"(its labelled leaves: {known})")
        numbers = {name: as_float(value, f"the value of {name}")
                   for name, value in values.items()}
        before = {name: self.leaves[name].data for name in numbers}
        for name, number in numbers.items():
            self.leaves[name].data = number
        try:
            recompute(self.root)
            trace = record(self.root, from_zero=True)  # raises, changing nothing, if it fails
        except BaseException:
            for name, data in before.items():
                self.leaves[name].data = data
            recompute(self.root)
            raise
        zero_grad(self.root)
        self.root.backward()
        self._show(trace)

    # -- from the page -----------------------------------------------------------

    def _on_asked(self, change: dict[str, Any]) -> None:
        asked = {name: value for name, value in change["new"].items()
                 if name in self.leaves and value != self.leaves[name].data}
        if not asked:
            return
        try:
            self.set(**asked)
        except (ArithmeticError, ValueError, TypeError) as error:  # shown, not raised
            self.error = f"{', '.join(f'{k} = {v:g}' for k, v in asked.items())}: {error}"
            self.inputs = self._inputs()  # the boxes show the numbers kept
        else:
            self.error = ""

    def _on_toggle(self, change: dict[str, Any]) -> None:
        """The page asks to open a collapsed group (its id) or to close an opened one
        (``close:`` and its name)."""
        asked = change["new"]
        if not asked:
            return
        self.toggle = ""
        names = {self.picture.group_ids[key]: group.name
                 for key, group in self.picture.groups.items()}
        if asked in names:
            self.expanded.append(names[asked])
        elif asked.startswith("close:") and asked[len("close:"):] in self.expanded:
            self.expanded.remove(asked[len("close:"):])
        else:
            return
        self.picture = self._picture()
        self._lay_out()

    # -- building what the page shows ----------------------------------------------

    def _picture(self) -> Picture:
        return Picture(self.root, expand=self.expanded, **self.options)

    def _lay_out(self) -> None:
        """Lay the picture out once (the widest texts any number could need), then show
        the current numbers."""
        trace = record(self.root, from_zero=True)
        frames = self._frames()
        labels = edge_labels(self.picture, frames)
        widest = {node_id: [_widest(text, self.picture.digits) for text in fields]
                  for node_id, fields in self.picture.texts({}).items()}
        digraph = self.picture.digraph(
            {}, widest=widest, label_all=True, as_xlabels=len(self.picture.links) > ROOMY_LABELS,
            edge_labels={edge: _widest(text, self.picture.digits)
                         for edge, text in labels.items()})
        self.anchors = self.picture.anchors()
        self.groups = sorted(self.picture.group_id_set)
        self.closable = {cluster_name(tuple(name.split("."))): name for name in self.expanded}
        self.dot = digraph.source
        try:
            svg = render(digraph, "svg").decode("utf-8")
            self.svg = svg[svg.index("<svg"):]
            self.renderer = ""
        except (OSError, RuntimeError):  # no dot program here (browser Python)
            self.svg = ""
            self.renderer = packed_renderer()  # viz.js, packed (graph.js: graphUnpack)
        self._show(trace, frames)

    def _frames(self) -> list[Frame]:
        frames = player_frames(self.root, self.picture)
        if len(frames) > MAX_FRAMES:
            raise ValueError(f"the backward pass needs {len(frames)} steps, more than a widget "
                             f"plays ({MAX_FRAMES}); show it collapsed: widget(root, collapse=2)")
        return frames

    def _show(self, trace: Trace, frames: list[Frame] | None = None) -> None:
        frames = frames if frames is not None else self._frames()
        picture = self.picture
        self._grads = frames[-1].grads  # the picture of the finished pass (a saved PNG)
        self.labels = edge_labels(picture, frames)
        self.frames = [{"texts": picture.texts(frame.grads), "caption": frame.caption,
                        "current": frame.current,
                        "receiving": sorted(set(frame.receiving) - set(frame.current)),
                        "active": frame.active, "silent": frame.silent} for frame in frames]
        self.frame = min(self.frame, len(frames) - 1)
        self.explain = chain_rules(picture, trace)
        self.inputs = self._inputs()

    def _inputs(self) -> list[dict[str, Any]]:
        return [{"name": name, "value": leaf.data} for name, leaf in self.leaves.items()]

    # -- display -----------------------------------------------------------------------

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        """The widget, plus a PNG of the graph for where the widget cannot run (a saved
        notebook opened before it runs, or untrusted: JupyterLab shows untrusted PNG)."""
        bundle = super()._repr_mimebundle_(**kwargs)
        if bundle is None:  # the widget has been closed
            return None
        data: dict[str, Any] = bundle[0] if isinstance(bundle, tuple) else bundle
        data["text/plain"] = f"{self!r} ({RUN_TO_INTERACT})"
        try:
            picture = self.picture.digraph(self._grads)
            picture.attr(label=RUN_TO_INTERACT, labelloc="b", fontsize="11",
                         fontcolor="#64748b")
            data["image/png"] = display_png(picture)
        except (OSError, RuntimeError):
            pass  # no dot: the widget alone
        return bundle


def _labelled_leaves(root: Value) -> dict[str, Value]:
    """The leaves a learner can change, by label (not constants): the inputs first, then
    the parameters in their modules' boxes (``layer1.neuron0.w0``), box by box in order
    (layer2 before layer10), each box's as the graph meets them."""
    leaves: dict[str, Value] = {}
    for node in Picture(root, max_nodes=10**9, compact=True).order:
        if node.operation is None and type(node) is not Constant and node.label:
            leaves.setdefault(node.label, node)
    boxes = {label: cluster_path(label) for label in leaves}
    return dict(sorted(leaves.items(), key=lambda item: (bool(boxes[item[0]]),
                                                         natural(boxes[item[0]]))))


_NUMBER = re.compile(r"-?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?")


def _widest(text: str, digits: int) -> str:
    """`text` with each number as wide as any number could be (``-8.888e-88`` with 4
    digits), so the layout has room for whatever the leaves are set to later."""
    widest = "-8." + "8" * (digits - 1) + "e-88"
    return _NUMBER.sub(widest, text)


def chain_rules(picture: Picture, trace: Trace) -> dict[str, str]:
    """For each drawn Value, its gradient as the chain rule adds it up, numbers plugged in:
    ``d out/d x = Σ over the nodes x feeds: local × upstream`` and each term."""
    n = picture.number
    terms: dict[Value, list[str]] = {}
    for step in trace.steps:
        formulas = shown_formulas(step.node, step.parent_names,
                                  [item.formula for item in step.contributions])
        for item, formula in zip(step.contributions, formulas):
            terms.setdefault(item.parent, []).append(
                f"  {visible(step.name)} ({visible(formula)}): "
                f"{n(item.local)} × {n(step.upstream)} = {n(item.contribution)}")
    texts = {}
    for node in picture.scalars:
        name = picture.names[node]
        gradient = n(trace.gradients.get(node, 0.0))
        if node is trace.root:
            text = f"d out/d {name} = {n(trace.grad)}: the pass starts here (the seed)."
        elif type(node) is Constant:
            text = f"{name} is a number of the expression: it gets no gradient."
        elif node in terms:
            lines = terms[node]
            text = "\n".join([f"d out/d {name} = Σ over the nodes {name} feeds of "
                              "local derivative × upstream gradient:", *lines,
                              f"  = {gradient}"])
        else:
            text = f"d out/d {name} = 0: no path leads from {name} to the output."
        texts[picture.ids[node]] = text
    for key, group in picture.groups.items():
        rows = [f"  {role} = {n(node.data)}, d out/d {role} = "
                f"{n(trace.gradients.get(node, 0.0))}" for role, node in group.shown]
        texts[picture.group_ids[key]] = "\n".join(
            [f"{visible(group.name)} (click again to see it value by value):", *rows])
    return texts
