"""The HTML of a training replay (`nn.replay`), and the parts the live widget shares.

The page holds two blocks of JSON data and one picture of the network:

- ``static``: what every epoch shares (`nn.replay.View.static`): the points (x, label,
  set), the neurons (their drawn id, rows ``a``/``h`` and where their numbers are, the
  weights and the inputs of each), the edges and the weights they carry, the colours, the
  plane's bounds; and the replay's own: the curves, the snapshots' epochs;
- ``frames``: one per snapshot: its epoch, every weight, for every point the
  loss and each drawn value's data and gradient (``points[i]`` is
  ``[L, data_0, grad_0, data_1, grad_1, ...]`` in the order of ``static.tracked``,
  then, with many inputs, the largest |dL/dx|), the class each point is
  predicted, and the decision boundary (2-D data) or each class's accuracy.

Its style and script are files in ``nn/static/``, put inline so that the page is one file
that works offline: ``replay.css`` (scoped to the page's element) and, in one function of
their own, ``autograd/views/static/graph.js`` (numbers as the drawings print them, lookups
inside the page's element), then ``replay.js`` (the drawing: charts, boundary, network,
the chosen neuron; and the slider). Where no `dot` program can lay the network out
(browser Python: Pyodide), the page carries its DOT source and viz.js (Graphviz in
WebAssembly, packed) instead of the SVG, and ``layout.js`` lays it out in the page, gives
its ids the page's prefix, and then starts the page as with a ready SVG (as
`autograd.views.player` does). The script shows a frame: it writes numbers into the
SVG's texts, colours and widens its edges, draws the boundary in a canvas and the curves
with a marker at the epoch shown. Until it runs, the page shows its title, what the run
was, and a line saying that it needs JavaScript: the rest is hidden, since the picture is
laid out with the widest number of each field, which would look like real numbers.

The live training widget (`nn.live`) is made of the same parts: `stylesheet`,
`drawing_script`, `data_view`, `point_view`, `network_legend`, `network_picture` (and,
without `dot`, `in_page_layout`, `LAYOUT_JS`), `charts`.
"""

from __future__ import annotations

import functools
import hashlib
import html
import json
import pathlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from autograd.views.drawing import NEGATIVE, POSITIVE, DotNotFoundError, Picture, render, visible
from autograd.views.front_end import STATIC as VIEWS_STATIC
from autograd.views.front_end import code_of, packed_renderer
from autograd.views.player import json_in_html
from autograd.views.stepper import number
from nn.train import CLASS_COLOURS, NO_CLASS_COLOUR

#: The front-end files of the replay and of the live widget.
STATIC = pathlib.Path(__file__).parent / "static"
#: graph.js, shared with autograd's views (nn reads autograd's files, never the reverse).
GRAPH_JS = VIEWS_STATIC / "graph.js"  # the views' shared front-end code
NO_CLASS = NO_CLASS_COLOUR  # the grey of a point whose label is no class index ("cat", 1.5)
NEEDS_JAVASCRIPT = ("This replay needs JavaScript, which is off here (or the notebook is not "
                    "trusted): turn it on to see the boundary, the curves and the network "
                    "move with the epochs.")
WIDEST_NUMBER = "-0.0001234"  # as wide as a number printed with 4 significant digits gets
#: Lays the network out in the page where no `dot` program could (inlined only then).
LAYOUT_JS = STATIC / "layout.js"
#: Where the network goes until the page has laid it out (no `dot`).
LAYING_OUT = '<p class="laying-out">laying out the network…</p>'


@dataclass
class Recording:
    """Everything the page shows, computed by the engine: `static` once, `frames` per
    snapshot (see this module's docstring for how the page reads them), and the picture."""

    picture: Picture
    static: dict[str, Any]
    frames: list[dict[str, Any]]


@functools.cache
def static_text(path: pathlib.Path) -> str:
    """The text of a front-end file (read once)."""
    return path.read_text(encoding="utf-8")


def stylesheet(selector: str) -> str:
    """replay.css with every rule scoped to `selector` (a page's ``#id``, a widget's class)."""
    return static_text(STATIC / "replay.css").replace("REPLAY", selector)


def drawing_script() -> str:
    """graph.js and replay.js: the functions that draw a moment of training."""
    return code_of(static_text(GRAPH_JS)) + "\n" + code_of(static_text(STATIC / "replay.js"))


def page(recording: Recording, title: str) -> str:
    """The whole page: a document that works offline and inside a Jupyter output."""
    static, frames = recording.static, recording.frames
    data = json.dumps(static, separators=(",", ":"))
    frame_data = json.dumps(frames, separators=(",", ":"))
    digest = hashlib.sha1((data + frame_data).encode()).hexdigest()[:10]
    replay_id = f"training-replay-{digest}"
    prefix = f"{replay_id}-"
    svg, dot = _picture(recording, prefix)
    title = html.escape(visible(title))
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{title}</title>",
        "</head><body>",
        f'<div class="training-replay" id="{replay_id}" tabindex="0" '
        f'data-frames="{len(frames)}">',
        f"<style>{stylesheet('#' + replay_id)}</style>",
        f"<h2>{title}</h2>",
        f'<p class="run">{html.escape(_run_text(static))}</p>',
        f'<p class="needs-js">{NEEDS_JAVASCRIPT}</p>',
        _controls(len(frames)),  # these three are hidden until the script shows a frame
        '<div class="top" hidden>',
        data_view(static),
        charts(),
        point_view(static),
        "</div>",
        '<div class="bottom" hidden>',
        '<section class="network-view">',
        f'<p class="legend">{network_legend(static)}</p>',
        f'<div class="picture">{svg or LAYING_OUT}</div>',
        "</section>",
        NEURON_VIEW,
        "</div>",
        f'<script type="application/json" class="replay-static">{json_in_html(static)}'
        "</script>",
        f'<script type="application/json" class="frames">{json_in_html(frames)}</script>',
    ]
    if dot:  # no dot program: the page lays the network out with viz.js (layout.js)
        parts.append(in_page_layout(dot))
    parts += [f"<script>{_script(replay_id, prefix, laid_out=not dot)}</script>",
              "</div></body></html>"]
    return "\n".join(parts)


def _script(replay_id: str, prefix: str, laid_out: bool = True) -> str:
    """The page's one script: graph.js and replay.js in a function of their own (nothing
    global: two replays on one page do not clash), starting the replay `replay_id`; where
    the network is not `laid_out` yet, layout.js too, which lays it out first."""
    if laid_out:
        return "\n".join(["(function () {", drawing_script(),
                          f'replayPage(document.getElementById("{replay_id}"), "{prefix}");',
                          "})();"])
    return "\n".join(["(function () {", drawing_script(), code_of(static_text(LAYOUT_JS)),
                      f'replayLaidOut(document.getElementById("{replay_id}"), "{prefix}");',
                      "})();"])


def _run_text(static: dict[str, Any]) -> str:
    steps = static["steps_per_epoch"]
    per_epoch = ("" if steps is None else " of one full-batch step" if steps == 1
                 else f" of {steps} steps")
    data = f"{static['train_count']} training"
    if static["test_count"]:
        data += f" and {static['test_count']} test"
    return (f"{static['model']} on {data} points · loss {static['loss']} · "
            f"{static['epochs']} epochs{per_epoch} · {static['snapshots']} snapshots "
            f"(epochs {static['snapshot_epochs']}) · {len(static['points'])} points to click")


def _controls(count: int) -> str:
    return ('<div class="controls" hidden>'
            '<button type="button" class="play" title="play / pause (space)">&#9654; Play'
            "</button>"
            '<button type="button" class="previous" title="previous snapshot (left arrow)">'
            "&#9664;</button>"
            f'<input type="range" class="slider" min="0" max="{count - 1}" value="0" '
            'aria-label="epoch">'
            '<button type="button" class="next" title="next snapshot (right arrow)">&#9654;'
            "</button>"
            '<span class="position"></span></div>')


# ---------------------------------------------------------------------------
# The parts the replay and the live widget share
# ---------------------------------------------------------------------------

#: Where the chosen neuron's weights and their gradients are written.
NEURON_VIEW = ('<section class="neuron-view"><h4 class="neuron-title"></h4>'
               '<p class="neuron-text"></p><div class="weights"></div></section>')


def charts() -> str:
    """The loss and accuracy charts (drawn by the script) and the line of numbers below."""
    return ('<figure class="curves">'
            '<svg class="chart loss" role="img" aria-label="loss"></svg>'
            '<svg class="chart accuracy" role="img" aria-label="accuracy (%)"></svg>'
            '<figcaption class="numbers"></figcaption></figure>')


def data_view(static: dict[str, Any], moment: str = "epoch") -> str:
    """The plane with the boundary (2-D data), or the sample images and the accuracy of
    each class; `moment` is what the page steps through (an epoch, a step)."""
    classes = static["classes"]
    swatches = "".join(f'<span class="swatch" style="background:{CLASS_COLOURS[k % 10]}">'
                       f"</span>class {k} " for k in range(classes))
    if any(point["y"] is None for point in static["points"]):
        swatches += (f'<span class="swatch" style="background:{NO_CLASS}"></span>a label '
                     "that is no class index (never predicted) ")
    if static["two_d"]:
        (x_min, x_max), (y_min, y_max) = static["bounds"]
        width = 360
        height = max(200, min(480, round(width * (y_max - y_min) / (x_max - x_min))))
        test = " &#9651; test point" if static["has_test"] else ""
        return (f'<figure class="data-view"><canvas class="boundary" width="{width}" '
                f'height="{height}"></canvas><figcaption>{swatches}&#9675; training point'
                f"{test}; outlined in red: misclassified at this {moment}; the shade: how "
                f"sure the model is (pale: unsure). The axes: x0 from {x_min:.3g} to "
                f"{x_max:.3g} (left to right), x1 from {y_min:.3g} to {y_max:.3g} (bottom to "
                "top). Click a point to see its backward pass.</figcaption></figure>")
    return ('<figure class="data-view"><div class="samples"></div><figcaption>Sample '
            f"images of the {static['class_set']} set: true class, then the class "
            f"predicted at this {moment} (red when wrong). Click one to see its backward "
            f'pass.</figcaption><table class="per-class"></table></figure>')


def point_view(static: dict[str, Any]) -> str:
    """The list of the points to click, and the chosen point's numbers in words."""
    options = []
    for k, point in enumerate(static["points"]):
        where = ", ".join(_short(v) for v in point["x"]) if static["two_d"] else ""
        options.append(f'<option value="{k}">{point["split"]} #{point["index"]}, class '
                       f'{html.escape(point["label"])}{f" at ({where})" if where else ""}'
                       "</option>")
    return ('<section class="point-view"><label>Point <select class="point-list">'
            + "".join(options) + '</select></label><p class="point-text"></p></section>')


def _short(x: float) -> str:
    text = f"{x:.3g}"
    return "0" if text == "-0" else text


def network_legend(static: dict[str, Any], moment: str = "epoch",
                   widest: str = "the largest |w| of the run") -> str:
    """What the network's colours, widths and numbers mean."""
    mixed = (" An edge that carries many weights (from the summary of the inputs) is grey, "
             "as wide as their root mean square.") if static["summary"] else ""
    return (f"<b>The network at this {moment}, on the chosen point.</b> Each edge is a "
            f'weight: <span style="color:{POSITIVE}">blue</span> positive, '
            f'<span style="color:{NEGATIVE}">orange</span> negative, the wider the '
            f"larger |w| (the widest: {widest}).{mixed} Each neuron shows "
            "a = b + w·x and h = g(a) for the chosen point (data) and the gradient of that "
            "point's loss L with respect to each (grad): dL/da, dL/dh. "
            "<b>Click a neuron</b> for the gradient on each of its weights.")


@dataclass(frozen=True)
class Widest:
    """The widest texts the network's fields show, to lay it out once with room for them:
    `data` and `grads` for each tracked value (`static["tracked"]`), `longest` for a
    point's loss and the summary of many inputs."""

    data: list[str]
    grads: list[str]
    longest: str

    @classmethod
    def of_any(cls, count: int) -> Widest:
        """Room for any number (a view whose numbers are not known yet: the live one)."""
        return cls([WIDEST_NUMBER] * count, [WIDEST_NUMBER] * count, WIDEST_NUMBER)


def network_picture(picture: Picture, static: dict[str, Any], widest: Widest,
                    weights: Sequence[float], prefix: str,
                    in_page: bool = True) -> tuple[str, str]:
    """The network drawn once, laid out with the widest text each field shows (as
    `autograd.views.player` does), so numbers change in place; edges first coloured by
    `weights` (in the order of ``static["parameters"]``); every id starts with `prefix`.

    ``(svg, "")``; or, where no `dot` program can lay it out (browser Python) and the page
    can (`in_page`; else the error is raised), ``("", its DOT source)``: the page lays it
    out with viz.js and prefixes its ids (``layout.js``; see `in_page_layout`)."""
    data, grads, longest = widest.data, widest.grads, widest.longest
    texts = picture.texts({})
    fields_of: dict[str, list[str]] = {}
    for track in static["inputs"]:
        k = track["track"]
        fields_of[track["id"]] = [texts[track["id"]][0], f"data {data[k]}", f"grad {grads[k]}"]
    largest = max((len(t) for t in grads), default=1)
    for neuron in static["neurons"]:
        fields = texts[neuron["id"]]
        cells = fields[:3]
        for role, k in neuron["rows"]:
            cells += [role, data[k], grads[k]]
        fields_of[neuron["id"]] = [*cells, fields[-1].split(",")[0] + ", max |grad| "
                                   + WIDEST_NUMBER[:max(largest, 1)]]
    fields_of[static["root"]] = ["loss", f"data {longest}", "grad 1"]
    if static["summary"]:
        fields_of["inputs"] = [texts["inputs"][0], f"data {longest} .. {longest}",
                               f"largest |grad| {longest}"]
    flows = {edge["id"]: sum(weights[k] for k in edge["weights"])
             for edge in static["edges"] if edge["weights"]}
    digraph = picture.digraph(widest=fields_of, flows=flows)
    # the legend is the page's own (weights, not gradient flow); closer layers leave more
    # room on the screen for the neurons' numbers
    digraph.attr(label="", ranksep="0.9")
    try:
        svg = render(digraph, "svg").decode("utf-8")
    except (DotNotFoundError, OSError):  # no dot program here (browser Python)
        if not in_page:
            raise
        return "", digraph.source
    svg = svg[svg.index("<svg"):]
    return svg.replace(' id="', f' id="{prefix}'), ""


def in_page_layout(dot: str) -> str:
    """What a page without `dot` lays its network out from (``layout.js``): the DOT source
    and viz.js packed (0.6 MB; graph.js's graphUnpack unpacks it)."""
    return (f'<script type="application/json" class="dot">{json_in_html(dot)}</script>\n'
            f'<script type="text/plain" class="renderer">{packed_renderer()}</script>')


def _picture(recording: Recording, prefix: str) -> tuple[str, str]:
    """The replay's network (`network_picture`): room for the widest text of each field in
    any frame and for any point; edges first coloured by the last snapshot's weights."""
    return network_picture(recording.picture, recording.static, _widest_numbers(recording),
                           recording.frames[-1]["w"], prefix)


def _widest_numbers(recording: Recording) -> Widest:
    """For each tracked value, its longest data text and longest grad text over all frames
    and points; and the longest loss or largest |dL/dx| of any."""
    count = len(recording.static["tracked"])
    data, grads = [""] * count, [""] * count
    for frame in recording.frames:
        for row in frame["points"]:
            for k in range(count):
                text = number(row[1 + 2 * k])
                if len(text) > len(data[k]):
                    data[k] = text
                text = number(row[2 + 2 * k])
                if len(text) > len(grads[k]):
                    grads[k] = text
    every = [text for frame in recording.frames for row in frame["points"] for text in
             (number(row[0]), number(row[-1]))]
    return Widest(data, grads, max(every, key=len))
