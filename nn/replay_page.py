"""The HTML of a training replay (`nn.replay`): layout, curves, styles and script.

The page holds two blocks of JSON data and one picture of the network:

- ``static``: what every epoch shares: the points (x, label, set), the
  neurons (their drawn id, rows ``a``/``h`` and where their numbers are, the
  weights and the inputs of each), the edges and the weights they carry, the
  curves, the plane's bounds;
- ``frames``: one per snapshot: its epoch, every weight, for every point the
  loss and each drawn value's data and gradient (``points[i]`` is
  ``[L, data_0, grad_0, data_1, grad_1, ...]`` in the order of ``static.tracked``,
  then, with many inputs, the largest |dL/dx|), the class each point is
  predicted, and the decision boundary (2-D data) or each class's accuracy.

The script shows a frame: it writes numbers into the SVG's texts, colours and
widens its edges, draws the boundary in a canvas and moves the curves' marker.
Until it runs, the page shows its title, what the run was, and a line saying that
it needs JavaScript: the rest is hidden, since the picture is laid out with the
widest number of each field, which would look like real numbers.
"""

from __future__ import annotations

import hashlib
import html
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from autograd.views.drawing import NEGATIVE, NO_FLOW, POSITIVE, Picture, render, visible
from autograd.views.player import json_in_html
from autograd.views.stepper import number
from nn.train import CLASS_COLOURS, NO_CLASS_COLOUR

CHART_WIDTH, CHART_HEIGHT = 330, 150
CHART_MARGIN = {"left": 46, "right": 10, "top": 12, "bottom": 30}
NO_CLASS = NO_CLASS_COLOUR  # the grey of a point whose label is no class index ("cat", 1.5)
NEEDS_JAVASCRIPT = ("This replay needs JavaScript, which is off here (or the notebook is not "
                    "trusted): turn it on to see the boundary, the curves and the network "
                    "move with the epochs.")



@dataclass
class Recording:
    """Everything the page shows, computed by the engine: `static` once, `frames` per
    snapshot (see this module's docstring for how the page reads them), and the picture."""

    picture: Picture
    static: dict[str, Any]
    frames: list[dict[str, Any]]

def page(recording: Recording, title: str) -> str:
    """The whole page: a document that works offline and inside a Jupyter output."""
    static, frames = recording.static, recording.frames
    data = json.dumps(static, separators=(",", ":"))
    frame_data = json.dumps(frames, separators=(",", ":"))
    digest = hashlib.sha1((data + frame_data).encode()).hexdigest()[:10]
    replay_id = f"training-replay-{digest}"
    prefix = f"{replay_id}-"
    charts, markers = _charts(static, [frame["epoch"] for frame in frames])
    static["markers"] = markers
    static["colours"] = {"positive": POSITIVE, "negative": NEGATIVE, "mixed": NO_FLOW,
                         "classes": list(CLASS_COLOURS), "no_class": NO_CLASS}
    static["anchors"] = recording.picture.anchors()
    title = html.escape(visible(title))
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{title}</title>",
        "</head><body>",
        f'<div class="training-replay" id="{replay_id}" tabindex="0" '
        f'data-frames="{len(frames)}">',
        f"<style>{_CSS.replace('REPLAY', '#' + replay_id)}</style>",
        f"<h2>{title}</h2>",
        f'<p class="run">{html.escape(_run_text(static))}</p>',
        f'<p class="needs-js">{NEEDS_JAVASCRIPT}</p>',
        _controls(len(frames)),  # these three are hidden until the script shows a frame
        '<div class="top" hidden>',
        _data_view(static),
        f'<figure class="curves">{charts}<figcaption class="numbers"></figcaption></figure>',
        _point_view(static),
        "</div>",
        '<div class="bottom" hidden>',
        '<section class="network-view">',
        f'<p class="legend">{_network_legend(static)}</p>',
        f'<div class="picture">{_svg(recording, prefix)}</div>',
        "</section>",
        '<section class="neuron-view"><h4 class="neuron-title"></h4>'
        '<p class="neuron-text"></p><div class="weights"></div></section>',
        "</div>",
        f'<script type="application/json" class="replay-static">{json_in_html(static)}'
        "</script>",
        f'<script type="application/json" class="frames">{json_in_html(frames)}</script>',
        f"<script>{_SCRIPT.replace('REPLAY_ID', replay_id).replace('PREFIX', prefix)}</script>",
        "</div></body></html>",
    ]
    return "\n".join(parts)


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


def _data_view(static: dict[str, Any]) -> str:
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
                f"{test}; outlined in red: misclassified at this epoch; the shade: how sure "
                f"the model is (pale: unsure). The axes: x0 from {x_min:.3g} to "
                f"{x_max:.3g} (left to right), x1 from {y_min:.3g} to {y_max:.3g} (bottom to "
                "top). Click a point to see its backward pass.</figcaption></figure>")
    return ('<figure class="data-view"><div class="samples"></div><figcaption>Sample '
            f"images of the {static['class_set']} set: true class, then the class "
            "predicted at this epoch (red when wrong). Click one to see its backward pass."
            f'</figcaption><table class="per-class"></table></figure>')


def _point_view(static: dict[str, Any]) -> str:
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


def _network_legend(static: dict[str, Any]) -> str:
    mixed = (" An edge that carries many weights (from the summary of the inputs) is grey, "
             "as wide as their root mean square.") if static["summary"] else ""
    return ("<b>The network at this epoch, on the chosen point.</b> Each edge is a weight: "
            f'<span style="color:{POSITIVE}">blue</span> positive, '
            f'<span style="color:{NEGATIVE}">orange</span> negative, the wider the '
            f"larger |w| (the widest: the largest |w| of the run).{mixed} Each neuron shows "
            "a = b + w·x and h = g(a) for the chosen point (data) and the gradient of that "
            "point's loss L with respect to each (grad): dL/da, dL/dh. "
            "<b>Click a neuron</b> for the gradient on each of its weights.")


def _svg(recording: Recording, prefix: str) -> str:
    """The network drawn once, laid out with the widest text each field shows in any
    frame and for any point (as `autograd.views.player` does), so numbers change in place."""
    picture, static = recording.picture, recording.static
    data, grads = _widest_numbers(recording)
    texts = picture.texts({})
    widest: dict[str, list[str]] = {}
    for track in static["inputs"]:
        k = track["track"]
        widest[track["id"]] = [texts[track["id"]][0], f"data {data[k]}", f"grad {grads[k]}"]
    for neuron in static["neurons"]:
        fields = texts[neuron["id"]]
        cells = fields[:3]
        for role, k in neuron["rows"]:
            cells += [role, data[k], grads[k]]
        largest = max((len(t) for t in grads), default=1)
        widest[neuron["id"]] = [*cells, fields[-1].split(",")[0] + ", max |grad| "
                                + "-0.0001234"[:max(largest, 1)]]
    every = [text for frame in recording.frames for row in frame["points"] for text in
             (number(row[0]), number(row[-1]))]
    longest = max(every, key=len)
    widest[static["root"]] = ["loss", f"data {longest}", "grad 1"]
    if static["summary"]:
        widest["inputs"] = [texts["inputs"][0], f"data {longest} .. {longest}",
                            f"largest |grad| {longest}"]
    last = recording.frames[-1]["w"]
    flows = {edge["id"]: sum(last[k] for k in edge["weights"])
             for edge in static["edges"] if edge["weights"]}
    digraph = picture.digraph(widest=widest, flows=flows)
    # the legend is the page's own (weights, not gradient flow); closer layers leave more
    # room on the screen for the neurons' numbers
    digraph.attr(label="", ranksep="0.9")
    svg = render(digraph, "svg").decode("utf-8")
    svg = svg[svg.index("<svg"):]
    return svg.replace(' id="', f' id="{prefix}')


def _widest_numbers(recording: Recording) -> tuple[list[str], list[str]]:
    """For each tracked value, its longest data text and longest grad text over all frames
    and points."""
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
    return data, grads


# ---------------------------------------------------------------------------
# Curves: drawn once as SVG; the script moves a marker to the epoch shown
# ---------------------------------------------------------------------------


def _charts(static: dict[str, Any], epochs: Sequence[int]) -> tuple[str, list[Any]]:
    curves = static["curves"]
    first = curves["first"][0]
    loss_values = [v for v in curves["loss"] + curves["test_loss"]]
    log = min(loss_values) > 0
    charts, markers = [], []
    for name, train, test, label in (("loss", "loss", "test_loss", "loss"),
                                     ("accuracy", "accuracy", "test_accuracy",
                                      "accuracy (%)")):
        scale = 100.0 if name == "accuracy" else 1.0
        series = [[scale * v for v in curves[train]]]
        if curves[test]:
            series.append([scale * v for v in curves[test]])
        low, high = ((0.0, 100.0) if name == "accuracy" else
                     (min(loss_values), max(loss_values)))
        svg, x_of, y_of = _chart(name, series, first, static["epochs"], low, high,
                                 log and name == "loss", label, static)
        charts.append(svg)
        markers.append([[round(x_of(e), 1), [round(y_of(s[e - first]), 1) if 0 <= e - first
                                             < len(s) else None for s in series]]
                        for e in epochs])
    return "".join(charts), markers


def _chart(name: str, series: list[list[float]], first: int, last: int, low: float,
           high: float, log: bool, y_label: str,
           static: dict[str, Any]) -> tuple[str, Any, Any]:
    m = CHART_MARGIN
    width, height = CHART_WIDTH - m["left"] - m["right"], CHART_HEIGHT - m["top"] - m["bottom"]
    if log:
        low, high = math.log10(low), math.log10(high)
    if high - low < 1e-12:
        low, high = low - 0.5, high + 0.5

    def x_of(epoch: float) -> float:
        return m["left"] + width * epoch / max(1, last)

    def y_of(value: float) -> float:
        v = math.log10(value) if log else value
        return m["top"] + height * (high - v) / (high - low)

    parts = [f'<svg class="chart {name}" width="{CHART_WIDTH}" height="{CHART_HEIGHT}" '
             f'viewBox="0 0 {CHART_WIDTH} {CHART_HEIGHT}" role="img" aria-label="{y_label}">',
             f'<rect x="{m["left"]}" y="{m["top"]}" width="{width}" height="{height}" '
             'fill="#ffffff" stroke="#cbd5e1"/>']
    for tick in _ticks(0, last):
        x = x_of(tick)
        parts.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{m["top"] + height}" '
                     f'y2="{m["top"] + height + 4}" stroke="#64748b"/>'
                     f'<text x="{x:.1f}" y="{m["top"] + height + 14}" class="tick" '
                     f'text-anchor="middle">{tick:g}</text>')
    for tick in (_log_ticks(low, high) if log else _ticks(low, high)):
        y = y_of(tick)
        parts.append(f'<line x1="{m["left"] - 4}" x2="{m["left"] + width}" y1="{y:.1f}" '
                     f'y2="{y:.1f}" stroke="#e2e8f0"/>'
                     f'<text x="{m["left"] - 6}" y="{y + 3:.1f}" class="tick" '
                     f'text-anchor="end">{tick:.3g}</text>')
    steps = static["steps_per_epoch"]
    x_label = "epoch" + (" (one full-batch step each)" if steps == 1 else
                         f" ({steps} steps each)" if steps else "")
    parts.append(f'<text x="{m["left"] + width / 2}" y="{CHART_HEIGHT - 3}" class="axis" '
                 f'text-anchor="middle">{x_label}</text>'
                 f'<text x="11" y="{m["top"] + height / 2}" class="axis" text-anchor="middle" '
                 f'transform="rotate(-90 11 {m["top"] + height / 2})">{y_label}</text>')
    for k, values in enumerate(series):
        points = " ".join(f"{x_of(first + i):.1f},{y_of(v):.1f}" for i, v in enumerate(values))
        dash = ' stroke-dasharray="4 3"' if k else ""
        parts.append(f'<polyline points="{points}" fill="none" class="series s{k}"{dash}/>')
    if len(series) > 1:
        parts.append(f'<text x="{m["left"] + width - 4}" y="{m["top"] + 12}" class="key" '
                     'text-anchor="end">— train  - - test</text>')
    parts.append(f'<line class="marker" x1="0" x2="0" y1="{m["top"]}" '
                 f'y2="{m["top"] + height}"/>')
    parts += [f'<circle class="dot s{k}" r="3.5" cx="-10" cy="-10"/>'
              for k in range(len(series))]
    parts.append("</svg>")
    return "".join(parts), x_of, y_of


def _ticks(low: float, high: float, count: int = 5) -> list[float]:
    """About `count` round numbers (1, 2 or 5 times a power of ten apart) from low to high."""
    span = high - low
    if span <= 0:
        return [low]
    step = 10 ** math.floor(math.log10(span / count))
    step *= next(m for m in (1, 2, 5, 10) if span / (step * m) <= count)
    first = math.ceil(low / step - 1e-9)
    return [round(k * step, 12) for k in range(first, math.floor(high / step + 1e-9) + 1)]


def _log_ticks(low: float, high: float) -> list[float]:
    """Ticks of a log axis from 10**low to 10**high: 1, 2, 5 times powers of ten, thinned."""
    ticks = [m * 10.0 ** k for k in range(math.floor(low), math.ceil(high) + 1)
             for m in (1, 2, 5) if low - 1e-9 <= math.log10(m * 10.0 ** k) <= high + 1e-9]
    if len(ticks) > 6:
        ticks = [t for t in ticks if f"{t:.0e}".startswith("1")] or ticks
    return ticks


_CSS = """
REPLAY { font-family: Helvetica, Arial, sans-serif; font-size: 14px; color: #0f172a;
         outline: none; max-width: 1960px; }
REPLAY [hidden] { display: none !important; }
REPLAY .needs-js { color: #b91c1c; }
REPLAY h2 { margin: 0.2em 0; font-size: 1.3em; }
REPLAY .run { color: #475569; margin: 0.2em 0 0.5em; }
REPLAY .controls { display: flex; gap: 0.5em; align-items: center; margin: 0.4em 0;
                   position: sticky; top: 0; background: #ffffffee; padding: 0.3em 0;
                   z-index: 2; }
REPLAY .controls button { font-size: 1em; min-width: 2.4em; }
REPLAY .controls .play { min-width: 6em; }
REPLAY .slider { flex: 1; max-width: 32em; }
REPLAY .position { font-weight: bold; min-width: 12em; }
REPLAY .top { display: flex; flex-wrap: wrap; gap: 1.2em; align-items: flex-start; }
REPLAY figure { margin: 0; }
REPLAY figcaption { font-size: 0.85em; color: #475569; max-width: 360px; margin-top: 0.3em; }
REPLAY .swatch { display: inline-block; width: 0.9em; height: 0.9em; border-radius: 2px;
                 vertical-align: middle; margin: 0 0.2em 0 0.1em; }
REPLAY canvas.boundary { border: 1px solid #cbd5e1; cursor: crosshair; display: block; }
REPLAY .curves svg { display: block; margin-bottom: 0.3em; }
REPLAY .curves figcaption { max-width: 330px; color: #0f172a; font-size: 0.9em; }
REPLAY .chart .tick { font-size: 10px; fill: #475569; }
REPLAY .chart .axis, REPLAY .chart .key { font-size: 11px; fill: #334155; }
REPLAY .chart polyline.series { stroke-width: 1.5; fill: none; }
REPLAY .chart .s0 { stroke: #0f172a; fill: #0f172a; }
REPLAY .chart .s1 { stroke: #64748b; fill: #64748b; }
REPLAY .chart .marker { stroke: #d62728; stroke-width: 1.5; }
REPLAY .samples { display: grid; grid-template-columns: repeat(8, 52px); gap: 4px; }
REPLAY .sample { text-align: center; font-size: 11px; cursor: pointer; padding: 2px;
                 border: 2px solid transparent; border-radius: 4px; }
REPLAY .sample canvas { width: 44px; height: 44px; image-rendering: pixelated;
                        display: block; margin: 0 auto; }
REPLAY .sample.wrong .labels { color: #d62728; font-weight: bold; }
REPLAY .sample.chosen { border-color: #d62728; }
REPLAY table { border-collapse: collapse; font-size: 0.85em; }
REPLAY td, REPLAY th { padding: 1px 6px; text-align: right; }
REPLAY th { color: #475569; font-weight: normal; border-bottom: 1px solid #cbd5e1; }
REPLAY td:first-child, REPLAY th:first-child { text-align: left; }
REPLAY .per-class { margin-top: 0.5em; }
REPLAY .bar { display: inline-block; height: 0.7em; background: #64748b; }
REPLAY .point-view { flex: 1; min-width: 18em; max-width: 30em; }
REPLAY .point-view select { max-width: 100%; }
REPLAY .point-text { margin: 0.4em 0; line-height: 1.4; }
REPLAY .bottom { display: flex; flex-wrap: wrap; gap: 1em; align-items: flex-start;
                 margin-top: 0.6em; border-top: 1px solid #e2e8f0; }
REPLAY .network-view { flex: 1 1 1000px; max-width: 1500px; }
REPLAY .network-view .legend { font-size: 0.85em; color: #334155; }
REPLAY .picture svg { width: 100%; height: auto; }
REPLAY .picture .node[id*="-g"] { cursor: pointer; }
REPLAY .node.chosen path, REPLAY .node.chosen polygon { stroke: #d62728; stroke-width: 3; }
REPLAY .neuron-view { flex: 0 0 31em; position: sticky; top: 2.8em; font-size: 0.95em; }
REPLAY .weights td { white-space: nowrap; }
REPLAY .neuron-view h4 { margin: 0.6em 0 0.2em; }
REPLAY .neuron-text { line-height: 1.4; }
REPLAY .weights { max-height: 36em; overflow-y: auto; }
REPLAY .weights td.product { color: #334155; }
"""

# Plain JavaScript: numbers go into the one SVG's texts, widths and colours; nothing is
# redrawn but the boundary's small canvas.
_SCRIPT = r"""
(function () {
  const replay = document.getElementById("REPLAY_ID");
  replay.querySelectorAll("[hidden]").forEach(function (e) { e.removeAttribute("hidden"); });
  replay.querySelector(".needs-js").remove();
  const data = JSON.parse(replay.querySelector("script.replay-static").textContent);
  const frames = JSON.parse(replay.querySelector("script.frames").textContent);
  const slider = replay.querySelector(".slider");
  const position = replay.querySelector(".position");
  const playButton = replay.querySelector(".play");
  const pointList = replay.querySelector(".point-list");
  const DIGITS = 4;
  function fmt(x) {  // Python's format(x, ".4g"), as the drawings print numbers
    if (x === null || x === undefined) { return "–"; }
    if (x === 0) { return "0"; }
    const parts = x.toExponential(DIGITS - 1).split("e");
    const e = Number(parts[1]);
    if (e < -4 || e >= DIGITS) {
      const mantissa = parts[0].replace(/\.?0+$/, "");
      return mantissa + "e" + (e < 0 ? "-" : "+") + String(Math.abs(e)).padStart(2, "0");
    }
    let text = x.toFixed(Math.max(0, DIGITS - 1 - e));
    if (text.indexOf(".") >= 0) { text = text.replace(/\.?0+$/, ""); }
    return text === "-0" ? "0" : text;
  }
  function percent(x) { return x === null || x === undefined ? "–" : (100 * x).toFixed(1) + "%"; }
  function element(id) { return document.getElementById("PREFIX" + id); }
  const texts = {};
  function textsOf(id) {
    if (!(id in texts)) {
      const group = element(id);
      texts[id] = group ? Array.from(group.querySelectorAll("text")) : [];
    }
    return texts[id];
  }
  function setText(id, k, value) {
    const text = textsOf(id)[k];
    if (text) { text.textContent = value; }
  }
  // The SVG was laid out with the widest numbers: keep each text where its cell wants it.
  Object.keys(data.anchors).forEach(function (id) {
    textsOf(id).forEach(function (text, k) {
      const code = data.anchors[id][k];
      if (code !== "m" && code !== "e") { return; }
      const box = text.getBBox();
      text.setAttribute("text-anchor", code === "m" ? "middle" : "end");
      text.setAttribute("x", String(code === "m" ? box.x + box.width / 2 : box.x + box.width));
    });
  });
  textsOf(data.root);
  const rootTitle = textsOf(data.root)[0];
  if (rootTitle) { rootTitle.textContent = "loss"; }

  // ---- the state shown -------------------------------------------------------------
  let current = 0;
  let chosenPoint = data.start_point;
  let chosenNeuron = data.neurons.length - 1;
  let timer = null;

  // the largest |w| of the run sets the edge widths; edges with many weights use their rms
  function edgeWeight(edge, w) {
    if (edge.weights.length === 1) { return w[edge.weights[0]]; }
    let total = 0;
    edge.weights.forEach(function (k) { total += w[k] * w[k]; });
    return Math.sqrt(total / edge.weights.length);
  }
  let widest = 0;
  frames.forEach(function (frame) {
    data.edges.forEach(function (edge) {
      if (edge.weights.length) { widest = Math.max(widest, Math.abs(edgeWeight(edge, frame.w))); }
    });
  });
  widest = widest || 1;

  function trackOf(frame, i, k) {  // [data, grad] of tracked value k on point i
    const numbers = frame.points[i];
    return [numbers[1 + 2 * k], numbers[2 + 2 * k]];
  }
  function inputValue(frame, i, source) {
    return source[0] === "t" ? trackOf(frame, i, source[1])[0] : data.points[i].x[source[1]];
  }
  function sourceName(source) {
    if (source[0] === "x") { return "x" + source[1]; }
    const unit = data.tracked[source[1]];
    const neuron = data.neurons.find(function (n) { return n.id === unit; });
    if (neuron) { return neuron.name + " h"; }
    const input = data.inputs.find(function (n) { return n.track === source[1]; });
    return input ? input.name : unit;
  }
  // the gradients of a neuron's weights and bias on point i: dL/dw_j = x_j · dL/da
  function weightGradients(frame, i, neuron) {
    const dLda = trackOf(frame, i, neuron.rows[0][1])[1];
    return {
      dLda: dLda,
      weights: neuron.weights.map(function (k, j) {
        const x = inputValue(frame, i, neuron.sources[j]);
        return {w: frame.w[k], x: x, grad: x * dLda};
      }),
      bias: frame.w[neuron.bias],
    };
  }

  // ---- the network ----------------------------------------------------------------------
  function showNetwork(frame) {
    const i = chosenPoint;
    data.inputs.forEach(function (input) {
      const value = trackOf(frame, i, input.track);
      setText(input.id, 1, "data " + fmt(value[0]));
      setText(input.id, 2, "grad " + fmt(value[1]));
    });
    setText(data.root, 1, "data " + fmt(frame.points[i][0]));
    setText(data.root, 2, "grad 1");
    if (data.summary) {
      const x = data.points[i].x;
      setText(data.summary, 1, "data " + fmt(Math.min.apply(null, x)) + " .. " +
              fmt(Math.max.apply(null, x)));
      const numbers = frame.points[i];
      setText(data.summary, 2, "largest |grad| " + fmt(numbers[numbers.length - 1]));
    }
    data.neurons.forEach(function (neuron) {
      neuron.rows.forEach(function (row, r) {
        const value = trackOf(frame, i, row[1]);
        setText(neuron.id, 4 + 3 * r, fmt(value[0]));
        setText(neuron.id, 5 + 3 * r, fmt(value[1]));
      });
      if (neuron.weights) {
        const g = weightGradients(frame, i, neuron);
        let largest = Math.abs(g.dLda);
        g.weights.forEach(function (w) { largest = Math.max(largest, Math.abs(w.grad)); });
        const head = textsOf(neuron.id);
        const summary = head[head.length - 1];
        if (summary) { summary.textContent = summary.textContent.split(",")[0] +
                                             ", max |grad| " + fmt(largest); }
      }
    });
    data.edges.forEach(function (edge) {
      const group = element(edge.id);
      if (!group || !edge.weights.length) { return; }
      const w = edgeWeight(edge, frame.w);
      const colour = edge.weights.length > 1 ? data.colours.mixed :
        w > 0 ? data.colours.positive : w < 0 ? data.colours.negative : data.colours.mixed;
      const width = (0.3 + 3.7 * Math.abs(w) / widest).toFixed(2);
      group.querySelectorAll("path").forEach(function (p) {
        p.setAttribute("stroke", colour);
        p.setAttribute("stroke-width", width);
      });
      group.querySelectorAll("polygon").forEach(function (p) {
        p.setAttribute("stroke", colour);
        p.setAttribute("fill", colour);
      });
      group.dataset.weight = String(w);
      const title = group.querySelector("title");
      if (title) {
        title.textContent = edge.weights.length === 1 ?
          data.parameters[edge.weights[0]] + " = " + fmt(w) :
          edge.weights.length + " weights, root mean square " + fmt(w);
      }
    });
    replay.querySelectorAll(".node.chosen").forEach(function (e) { e.classList.remove("chosen"); });
    const chosen = element(data.neurons[chosenNeuron].id);
    if (chosen) { chosen.classList.add("chosen"); }
  }

  // ---- the chosen neuron's weights --------------------------------------------------------
  function showNeuron(frame) {
    const neuron = data.neurons[chosenNeuron];
    const i = chosenPoint;
    const point = data.points[i];
    replay.querySelector(".neuron-title").textContent = neuron.name + " at epoch " +
      frame.epoch + ", on " + point.split + " point #" + point.index;
    const rows = neuron.rows.map(function (row) {
      const value = trackOf(frame, i, row[1]);
      return row[0] + " = " + fmt(value[0]) + ", dL/d" + row[0] + " = " + fmt(value[1]);
    });
    const holder = replay.querySelector(".weights");
    if (!neuron.weights) {
      replay.querySelector(".neuron-text").textContent = rows.join("; ");
      holder.innerHTML = "";
      return;
    }
    const g = weightGradients(frame, i, neuron);
    replay.querySelector(".neuron-text").textContent = rows.join("; ") +
      ". a = b + Σ w_j·x_j, so ∂a/∂w_j = x_j and dL/dw_j = x_j · dL/da (and dL/db = dL/da).";
    const table = document.createElement("table");
    table.innerHTML = "<thead><tr><th></th><th>w</th><th>its input x_j</th>" +
      "<th>x_j</th><th>dL/dw = x_j · dL/da</th></tr></thead>";
    const body = document.createElement("tbody");
    function row(cells) {
      const tr = document.createElement("tr");
      cells.forEach(function (cell, k) {
        const td = document.createElement("td");
        td.textContent = cell;
        if (k === 4) { td.className = "product"; }
        tr.appendChild(td);
      });
      body.appendChild(tr);
    }
    function last(name) { return name.split(".").pop(); }
    function factor(x) { return x < 0 ? "(" + fmt(x) + ")" : fmt(x); }
    g.weights.forEach(function (w, j) {
      row([last(data.parameters[neuron.weights[j]]), fmt(w.w), sourceName(neuron.sources[j]),
           fmt(w.x), fmt(w.x) + " × " + factor(g.dLda) + " = " + fmt(w.grad)]);
    });
    row([last(data.parameters[neuron.bias]), fmt(g.bias), "", "", "dL/db = dL/da = " +
         fmt(g.dLda)]);
    table.appendChild(body);
    holder.innerHTML = "";
    holder.appendChild(table);
  }

  // ---- the data: boundary and points, or sample images ------------------------------------
  const canvas = replay.querySelector("canvas.boundary");
  const grid = document.createElement("canvas");
  function rgb(hex) {
    return [1, 3, 5].map(function (k) { return parseInt(hex.substr(k, 2), 16); });
  }
  function toCanvas(x) {
    const b = data.bounds;
    return [(x[0] - b[0][0]) / (b[0][1] - b[0][0]) * canvas.width,
            (b[1][1] - x[1]) / (b[1][1] - b[1][0]) * canvas.height];
  }
  function classColour(k) {  // null: a label that is no class index
    const classes = data.colours.classes;
    return k === null ? data.colours.no_class : classes[k % classes.length];
  }
  function drawBoundary(frame) {
    const n = data.resolution;
    grid.width = n; grid.height = n;
    const context = grid.getContext("2d");
    const image = context.createImageData(n, n);
    const cells = atob(frame.boundary);
    for (let k = 0; k < n * n; k++) {
      const code = cells.charCodeAt(k);
      const colour = rgb(classColour(code >> 4));
      const sure = (code & 15) / 15;
      const strength = 0.12 + 0.33 * sure;  // blended with white: pale where unsure
      for (let c = 0; c < 3; c++) {
        image.data[4 * k + c] = Math.round(255 - strength * (255 - colour[c]));
      }
      image.data[4 * k + 3] = 255;
    }
    context.putImageData(image, 0, 0);
    const draw = canvas.getContext("2d");
    draw.imageSmoothingEnabled = true;
    const cellW = canvas.width / (n - 1), cellH = canvas.height / (n - 1);
    // cell k's centre is grid point k: the image spans half a cell beyond each edge
    draw.drawImage(grid, -cellW / 2, -cellH / 2, canvas.width + cellW, canvas.height + cellH);
    function drawPoint(point, predicted) {
      const at = toCanvas(point.x);
      draw.beginPath();
      if (point.split === "test") {
        draw.moveTo(at[0], at[1] - 6); draw.lineTo(at[0] + 5.5, at[1] + 4);
        draw.lineTo(at[0] - 5.5, at[1] + 4); draw.closePath();
      } else {
        draw.arc(at[0], at[1], 4.5, 0, 2 * Math.PI);
      }
      draw.fillStyle = classColour(point.y);
      draw.fill();
      draw.lineWidth = predicted === point.y ? 0.8 : 2;
      draw.strokeStyle = predicted === point.y ? "#0f172a" : "#d62728";
      draw.stroke();
    }
    data.others.forEach(function (point, i) { drawPoint(point, frame.others_predicted[i]); });
    data.points.forEach(function (point, i) { drawPoint(point, frame.predicted[i]); });
    const at = toCanvas(data.points[chosenPoint].x);
    draw.beginPath();
    draw.arc(at[0], at[1], 10, 0, 2 * Math.PI);
    draw.lineWidth = 2.5;
    draw.strokeStyle = "#0f172a";
    draw.stroke();
  }
  if (canvas) {
    canvas.addEventListener("click", function (event) {
      const box = canvas.getBoundingClientRect();
      const x = (event.clientX - box.left) * canvas.width / box.width;
      const y = (event.clientY - box.top) * canvas.height / box.height;
      let best = -1, distance = 15 * 15;
      data.points.forEach(function (point, i) {
        const at = toCanvas(point.x);
        const d = (at[0] - x) * (at[0] - x) + (at[1] - y) * (at[1] - y);
        if (d < distance) { best = i; distance = d; }
      });
      if (best >= 0) { choosePoint(best); }
    });
  }
  const samples = replay.querySelector(".samples");
  if (samples) {
    const side = Math.round(Math.sqrt(data.points[0].x.length));
    const square = side * side === data.points[0].x.length;
    const low = data.pixels[0], high = data.pixels[1] > data.pixels[0] ? data.pixels[1] : low + 1;
    data.points.forEach(function (point, i) {
      const holder = document.createElement("div");
      holder.className = "sample";
      const image = document.createElement("canvas");
      image.width = square ? side : point.x.length;
      image.height = square ? side : 1;
      const context = image.getContext("2d");
      const pixels = context.createImageData(image.width, image.height);
      point.x.forEach(function (v, k) {
        const grey = Math.round(255 * (1 - (v - low) / (high - low)));
        pixels.data.set([grey, grey, grey, 255], 4 * k);
      });
      context.putImageData(pixels, 0, 0);
      const labels = document.createElement("div");
      labels.className = "labels";
      holder.appendChild(image);
      holder.appendChild(labels);
      holder.addEventListener("click", function () { choosePoint(i); });
      samples.appendChild(holder);
    });
  }
  function showSamples(frame) {
    replay.querySelectorAll(".sample").forEach(function (holder, i) {
      const point = data.points[i];
      holder.querySelector(".labels").textContent = point.label + " → " + frame.predicted[i];
      holder.classList.toggle("wrong", frame.predicted[i] !== point.y);
      holder.classList.toggle("chosen", i === chosenPoint);
    });
    const table = replay.querySelector(".per-class");
    const rows = ["<tr><th>class</th><th colspan=2>accuracy on the " + data.class_set +
                  " set</th></tr>"];
    frame.class_accuracy.forEach(function (a, k) {
      rows.push("<tr><td>" + k + "</td><td>" + percent(a) + "</td><td><span class=bar " +
                "style='width:" + (a === null ? 0 : 8 * a) + "em'></span></td></tr>");
    });
    table.innerHTML = rows.join("");
  }

  // ---- curves and words ----------------------------------------------------------------------
  function showCurves() {
    const frame = frames[current];
    replay.querySelectorAll(".curves svg").forEach(function (svg, c) {
      const marker = data.markers[c][current];
      const line = svg.querySelector(".marker");
      line.setAttribute("x1", marker[0]); line.setAttribute("x2", marker[0]);
      svg.querySelectorAll(".dot").forEach(function (dot, s) {
        const y = marker[1][s];
        dot.setAttribute("cx", y === null ? -10 : marker[0]);
        dot.setAttribute("cy", y === null ? -10 : y);
      });
    });
    const k = frame.epoch - data.curves.first[0];
    const c = data.curves;
    let text = "After epoch " + frame.epoch + ": loss " + fmt(c.loss[k]) + ", accuracy " +
      percent(c.accuracy[k]);
    if (frame.epoch === 0) { text = "Before training: loss " + fmt(c.loss[k]) + ", accuracy " +
      percent(c.accuracy[k]); }
    if (c.test_loss.length) {
      text += "; on the test set: loss " + fmt(c.test_loss[k]) + ", accuracy " +
        percent(c.test_accuracy[k]);
    }
    replay.querySelector(".numbers").textContent = text + ".";
  }
  function showPoint(frame) {
    const i = chosenPoint;
    const point = data.points[i];
    const outputs = data.neurons.filter(function (n) { return n.output; });
    const scores = outputs.map(function (n) { return fmt(trackOf(frame, i, n.rows[0][1])[0]); });
    const right = frame.predicted[i] === point.y;
    replay.querySelector(".point-text").textContent = "At epoch " + frame.epoch + " the " +
      "model outputs " + scores.join(", ") + ": it predicts class " + frame.predicted[i] +
      (right ? " (right)" : " (wrong: the label is " + point.label + ")") + ". This point's " +
      "loss L = " + fmt(frame.points[i][0]) + " (" + data.loss.split(" +")[0] +
      ", without the L2 term). Its backward pass is in the network below.";
    pointList.value = String(i);
    replay.dataset.point = String(i);
  }

  function show(index) {
    current = Math.max(0, Math.min(frames.length - 1, index));
    const frame = frames[current];
    slider.value = String(current);
    position.textContent = "epoch " + frame.epoch + " of " + data.epochs;
    replay.dataset.current = String(current);
    replay.dataset.epoch = String(frame.epoch);
    showCurves();
    if (canvas) { drawBoundary(frame); } else { showSamples(frame); }
    showPoint(frame);
    showNetwork(frame);
    showNeuron(frame);
  }
  function choosePoint(i) { chosenPoint = i; show(current); }
  function chooseNeuron(k) { chosenNeuron = k; replay.dataset.neuron = data.neurons[k].name;
                             show(current); }
  data.neurons.forEach(function (neuron, k) {
    const node = element(neuron.id);
    if (node) { node.addEventListener("click", function () { chooseNeuron(k); }); }
  });
  pointList.addEventListener("change", function () { choosePoint(Number(pointList.value)); });

  function stop() {
    if (timer !== null) { clearInterval(timer); timer = null; }
    playButton.innerHTML = "&#9654; Play";
  }
  function play() {
    if (current === frames.length - 1) { show(0); }
    playButton.innerHTML = "&#10074;&#10074; Pause";
    timer = setInterval(function () {
      if (current >= frames.length - 1) { stop(); } else { show(current + 1); }
    }, 600);
  }
  function toggle() { if (timer === null) { play(); } else { stop(); } }
  playButton.addEventListener("click", toggle);
  replay.querySelector(".previous").addEventListener("click", function () {
    stop(); show(current - 1);
  });
  replay.querySelector(".next").addEventListener("click", function () {
    stop(); show(current + 1);
  });
  slider.addEventListener("input", function () { stop(); show(Number(slider.value)); });
  function onKey(event) {
    if (event.target === slider || event.target === pointList) { return; }
    if (event.target.tagName === "BUTTON" && (event.key === " " || event.key === "Enter")) {
      return;  // the button clicks itself
    }
    const moves = {ArrowLeft: -1, ArrowUp: -1, ArrowRight: 1, ArrowDown: 1};
    if (event.key in moves) { stop(); show(current + moves[event.key]); }
    else if (event.key === "Home") { stop(); show(0); }
    else if (event.key === "End") { stop(); show(frames.length - 1); }
    else if (event.key === " ") { toggle(); }
    else { return; }
    event.preventDefault();
  }
  replay.addEventListener("keydown", onKey);
  if (document.body.children.length === 1) {  // alone in its page: keys work at once
    document.addEventListener("keydown", function (event) {
      if (!replay.contains(event.target)) { onKey(event); }
    });
  }
  function fromHash() {  // #epoch=N: the last snapshot at or before epoch N
    const wanted = /epoch=(\d+)/.exec(window.location.hash);
    let start = 0;
    if (wanted) {
      frames.forEach(function (frame, k) { if (frame.epoch <= Number(wanted[1])) { start = k; } });
    }
    stop();
    show(start);
  }
  window.addEventListener("hashchange", fromHash);
  replay.dataset.neuron = data.neurons[chosenNeuron].name;
  fromHash();
})();
"""
