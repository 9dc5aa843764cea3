"""A self-contained HTML player of a backward pass: `player_html`, `save_player`.

Frame 0 shows the graph before backpropagation (only the output's gradient is
seeded with 1); frame k shows it after step k of the pass, with that step
highlighted and its text underneath. With ``collapse=2`` a frame is one whole
group (a neuron): the gradient that arrives and what the group sends back to
each group before it, its values named as its node shows them (``a``, ``h``);
the edges that carry a gradient are red, those that carry 0 dashed grey. Move
with the Previous/Next buttons, the slider, or the arrow keys (Home/End jump to
the first/last frame); ``#frame=K`` in the URL opens frame K. Without
JavaScript the page says that it needs it, and shows no numbers.

The page needs no network. The graph is laid out and drawn ONCE, as one inline
SVG; each frame is data (which node is highlighted, which texts change, which
edges carry a gradient yet), applied to that SVG by the page's script. So nothing
moves between frames and the page stays small. The picture sits in a viewport:
drag to pan, the wheel or +/− to zoom, "fit" shows the whole graph; it opens
fitted to the width but with node text about 10 px high, and the view follows the
highlighted step. Where there is no `dot` program (browser Python), the page
carries the DOT source and viz.js (Graphviz compiled to WebAssembly) and lays the
graph out itself. In Jupyter, `player_html` returns an object that displays
itself (it has ``_repr_html_``); ``str()`` gives the HTML.

The front-end is the widget's: ``static/graph.js`` (shared) and ``static/player.js``
inlined in one ``<script>``, ``static/player.css`` in a ``<style>``; every lookup is
made inside the player's own element, so copies of a page on one page each work.

The graph's ``.grad`` values are not touched: the pass is recorded
(`autograd.views.trace.record`) and played from zero gradients.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import html
import json
import os
import pathlib
import re
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from autograd import validate
from autograd.core import Constant, Value
from autograd.files import write_atomically
from autograd.views.drawing import (
    DotNotFoundError,
    Picture,
    display_png,
    render,
    step_labels,
    visible,
)
from autograd.views.formulas import named_formulas
from autograd.views.front_end import STATIC, code_of, packed_renderer, static_file
from autograd.views.network import Group
from autograd.views.stepper import format_step, number
from autograd.views.trace import Step, local_text, record

MAX_FRAMES = 300
ROOMY_LABELS = 150  # up to this many edges, the layout makes room for their labels


class Player(str):
    """The player's HTML (a str) that Jupyter displays as the player itself.

    Shown in a notebook (`_repr_html_`), it also works where scripts do not run: a notebook
    opened from disk is untrusted, and JupyterLab then shows the HTML sanitized, without
    scripts or inline SVG but with the SVG's texts as a paragraph of run-together words.
    So the notebook's copy carries a still picture (a PNG of the finished pass, which
    the script removes) and keeps its SVG inside a script element, dropped whole.
    """

    still: Callable[[], bytes] | None = None  # makes that PNG (set by player_html)

    def _repr_html_(self) -> str:
        page = with_fresh_ids(self, "backprop-player")
        picture = re.search(r'(<div class="picture[ "][^>]*>)\s*(<svg.*?</svg>)\s*(</div>)', page,
                            re.S)
        if picture is None or self.still is None:
            return page
        png = base64.b64encode(self.still()).decode("ascii")
        shown = (f'<img class="still" alt="the backward pass, finished" '
                 f'src="data:image/png;base64,{png}">'
                 f"{picture[1]}{picture[3]}"
                 f'<script type="image/svg+xml" class="picture-source">{picture[2]}</script>')
        return page[:picture.start()] + shown + page[picture.end():]

    def __repr__(self) -> str:  # short, so Jupyter does not also print the page as text
        return f"<backprop player: {self.count(_FRAME_MARK)} frames, {len(self)} characters>"


_FRAME_MARK = '{"c":'  # how each frame's data begins (its caption)


@dataclass
class Frame:
    """One frame: the steps it plays, the gradients after them, what to highlight."""

    steps: list[Step]
    caption: str
    current: list[str] = field(default_factory=list)  # drawn node ids in red
    receiving: list[str] = field(default_factory=list)  # the units its gradient goes to
    active: list[str] = field(default_factory=list)  # edge ids of this frame's contributions
    silent: list[str] = field(default_factory=list)  # its edges between units that carry 0
    grads: dict[Value, float] = field(default_factory=dict)


def player_frames(root: Value, picture: Picture) -> list[Frame]:
    """The frames of root's backward pass, played from zero gradients."""
    trace = record(root, from_zero=True)  # the texts and the captions, whatever .grad holds
    grads: dict[Value, float] = {} if type(root) is Constant else {root: trace.grad}
    units: list[list[Step]] = []
    for step in trace.steps:  # a group's steps come one after the other: one frame
        unit = picture.unit[step.node]
        if units and unit in picture.group_id_set and picture.unit[units[-1][0].node] == unit:
            units[-1].append(step)
        else:
            units.append([step])
    count = len(trace.steps)
    follow = (f"{count} step(s) follow, one per frame." if len(units) == count else
              f"{count} steps follow in {len(units)} frames: each group's steps in one frame.")
    frames = [Frame([], (
        "Before backpropagation: the output's gradient is seeded with d out/d out = 1, "
        f"every other gradient is 0. {follow}"), grads=dict(grads))]
    for steps in units:
        for step in steps:
            for item in step.contributions:
                grads[item.parent] = grads.get(item.parent, 0.0) + item.contribution
        frame = Frame(steps, _caption(picture, steps), grads=dict(grads))
        carried = {(step.node, item.position): item.contribution
                   for step in steps for item in step.contributions}
        for link in picture.links:
            if not any(pair in carried for pair in link.links):
                continue
            # an edge between units is red only when it carries a gradient; a scalar edge
            # is the step's own, labelled (``0 × 1 = 0``) in any case
            if link.id.startswith("a") and not sum(carried.get(pair, 0.0)
                                                   for pair in link.links):
                frame.silent.append(link.id)
            else:
                frame.active.append(link.id)
                frame.receiving.append(link.source)
        frame.current = [picture.unit[steps[0].node]]
        if len(steps) == 1 and not picture.compact and frame.current[0] not in \
                picture.group_id_set:
            frame.current.append(f"{frame.current[0]}_op")
            frame.active.append(f"u{frame.current[0][1:]}")
        frames.append(frame)
    named = [node for node in trace.order
             if node.operation is None and node.label and type(node) is not Constant]
    named.sort(key=lambda node: "." in node.label)  # inputs (x0) before parameters (layer1.*)
    if named:
        summary = ", ".join(f"{picture.names[n]}.grad = {number(grads.get(n, 0.0), picture.digits)}"
                            for n in named[:12])
        more = f" ... ({len(named)} in all)" if len(named) > 12 else ""
        frames[-1].caption += f"\n\nDone. {summary}{more}"
    return frames


def _caption(picture: Picture, steps: list[Step]) -> str:
    """A scalar step's text; for a group, what arrives and what it sends back."""
    if len(steps) == 1 and picture.unit[steps[0].node] not in picture.group_id_set:
        return format_step(_shown_step(steps[0]), picture.digits)
    n = picture.number
    group = next(g for key, g in picture.groups.items()
                 if picture.group_ids[key] == picture.unit[steps[0].node])
    name = _names_in_group(picture, group)
    lines = [f"{visible(group.name)}: steps {steps[0].index + 1}-{steps[-1].index + 1} of "
             f"{steps[0].total}, {len(steps)} node(s) inside the group"]
    for step in steps:
        sent = [f"{name(item.parent)} {n(item.contribution)}" for item in step.contributions]
        shown = ", ".join(sent[:4]) + (f", ... ({len(sent)} in all)" if len(sent) > 4 else "")
        parents = [name(parent) for parent in step.node.parents]
        if len(parents) > 3:
            parents = [parents[0], "...", parents[-1]]
        lines.append(f"  {name(step.node)} = {step.node.op}({', '.join(parents)}) = "
                     f"{n(step.node.data)}: upstream {n(step.upstream)}; sends {shown}")
    inside = set(group.nodes)
    to_units: dict[str, float] = {}
    for step in steps:
        for item in step.contributions:
            if item.parent not in inside:
                unit = picture.unit[item.parent]
                to_units[unit] = to_units.get(unit, 0.0) + item.contribution
    if to_units and not any(to_units.values()):
        lines.append(f"  nothing flows back to the {len(to_units)} before it: "
                     f"{_why_nothing(steps, name, picture.digits)}")
    elif to_units:
        names = {**{picture.group_ids[k]: visible(g.name) for k, g in picture.groups.items()},
                 **{picture.ids[v]: picture.names[v] for v in picture.scalars}, "inputs": "inputs"}
        parts = [f"{names[unit]} {n(value)}" for unit, value in to_units.items()]
        shown = ", ".join(parts[:8]) + (f", ... ({len(parts)} in all)" if len(parts) > 8 else "")
        lines.append(f"  gradient sent back to what feeds it: {shown}")
    return "\n".join(lines)


def _shown_step(step: Step) -> Step:
    """The step with its names and formulas as the picture shows them (`visible`)."""
    return dataclasses.replace(
        step, name=visible(step.name),
        parent_names=tuple(visible(name) for name in step.parent_names),
        contributions=tuple(dataclasses.replace(item, formula=visible(item.formula))
                            for item in step.contributions))


def _names_in_group(picture: Picture, group: Group) -> Any:
    """How a group's caption names a node, as the picture shows it: a value the group's
    node shows by its row (``a``, ``h``), a parameter by its last name (``w0``, ``b``), a
    neuron's one dot node ``w·x``, a node outside by what draws it (``layer1.neuron3``,
    ``x0``); anything else by its name in the pass (``mul#7``)."""
    names = {node: visible(role) for role, node in group.shown}
    for parameter in group.parameters:
        names.setdefault(parameter, visible(parameter.label.split(".")[-1]))
    dots = [node for node in group.nodes if node.op == "dot" and node not in names]
    if len(dots) == 1:
        names[dots[0]] = "w·x"
    inside = set(group.nodes)
    units = {picture.group_ids[key]: visible(g.name) for key, g in picture.groups.items()}

    def name(node: Value) -> str:
        if node in names:
            return names[node]
        if node not in inside and picture.unit.get(node) in units:
            return units[picture.unit[node]]
        return picture.names[node]
    return name


def _why_nothing(steps: list[Step], name: Any, digits: int) -> str:
    """Why a group sends 0 back: the local derivative that stops the gradient, or no
    gradient reaching it. The derivative is written as a step's text writes it
    (`autograd.views.formulas`), in the names the caption gives the node's inputs:
    ``d relu(a)/da = 1 if a > 0 else 0 = 0`` under ``h = relu(a)``."""
    for step in steps:
        if step.upstream and step.contributions and not any(
                item.contribution for item in step.contributions):
            item = step.contributions[0]
            names = [name(parent) for parent in step.node.parents]
            ((formula, letters),) = named_formulas(step.node, names, [visible(item.formula)])
            return (f"the local derivative of {name(step.node)} is 0 here "
                    f"({local_text(formula, letters, item.local, digits)}), so it sends 0")
    return "no gradient reached it (upstream 0), so it sends 0"


def edge_labels(picture: Picture, frames: Sequence[Frame]) -> dict[str, str]:
    """Every scalar edge's label: the contribution of its step (shown in that frame only)."""
    labels: dict[str, str] = {}
    for frame in frames:
        for step in frame.steps:
            if picture.unit[step.node] == picture.ids[step.node]:
                labels.update(step_labels(picture, step))
    return labels


def _flows(picture: Picture, frames: Sequence[Frame]) -> dict[str, float]:
    """The gradient flowing back along each edge between groups, from the pass."""
    flows: dict[str, float] = {}
    contribution = {(step.node, item.position): item.contribution
                    for frame in frames for step in frame.steps for item in step.contributions}
    for link in picture.links:
        if link.id.startswith("a"):
            flows[link.id] = sum(contribution.get(pair, 0.0) for pair in link.links)
    return flows


def _picture(picture: Picture, frames: Sequence[Frame], texts: Sequence[dict[str, list[str]]],
             flows: dict[str, float]) -> tuple[str, str]:
    """The one picture, laid out with the widest text each field shows in any frame
    (`texts`: each frame's): ``(svg, "")``, or ``("", dot source)`` where no `dot` program
    can draw it (the page then lays the source out itself)."""
    widest = {node_id: [max((t[node_id][k] for t in texts), key=len)
                        for k in range(len(fields))]
              for node_id, fields in texts[0].items()}
    # Every step's labels are in the picture (the page shows one step's at a time).
    # A small graph makes room for them; a big one lays out much faster without.
    digraph = picture.digraph(widest=widest, edge_labels=edge_labels(picture, frames),
                              label_all=True, flows=flows,
                              as_xlabels=len(picture.links) > ROOMY_LABELS)
    try:
        svg = render(digraph, "svg").decode("utf-8")
    except (DotNotFoundError, OSError):  # no dot program here (browser Python)
        return "", digraph.source
    return svg[svg.index("<svg"):], ""


def _script(player_id: str) -> str:
    """The page's one script: graph.js and player.js in a function of their own (nothing
    global: two players on one page do not clash), starting the player `player_id`."""
    return "\n".join(["(function () {", code_of(static_file("graph.js")),
                      code_of(static_file("player.js")),
                      f'playerStart(playerRoot("{player_id}"));', "})();"])


def player_html(root: Value, *, title: str = "Backpropagation, step by step",
                digits: int = 4, max_frames: int = MAX_FRAMES, collapse: int | None = None,
                expand: Sequence[str] = (), **drawing_options: Any) -> Player:
    """The HTML player of root's backward pass, as a `Player` (a str).

    A full HTML document: save it with `save_player` and open it in any browser,
    offline; in Jupyter it displays inline. One frame per backward step plus the
    initial frame (with ``collapse=2``, one frame per group: a neuron's steps
    together); Previous/Next buttons, a slider, arrow keys, Home/End.
    `drawing_options` go to the drawing (e.g. ``rankdir="TB"``; by default "auto": a
    long thin graph top to bottom, any other left to right; see
    `autograd.draw_graph`). ``#frame=K`` in the URL opens frame K.
    """
    if not isinstance(root, Value):
        raise TypeError(f"the player needs a Value, got {type(root).__name__}")
    validate.integer(max_frames, "max_frames", minimum=1)
    drawing_options.setdefault("rankdir", "auto")  # a long thin graph top to bottom
    picture = Picture(root, digits=digits, collapse=collapse, expand=expand, **drawing_options)
    frames = player_frames(root, picture)
    if len(frames) > max_frames:
        hint = ("draw it with fewer frames: collapse=2 plays a network one neuron at a time"
                if collapse is None else "play a smaller graph")
        raise ValueError(f"the backward pass needs {len(frames)} frames, more than "
                         f"max_frames={max_frames}; {hint}, or pass a larger max_frames")
    digest = hashlib.sha1("".join(f.caption for f in frames).encode()).hexdigest()[:10]
    player_id = f"backprop-player-{digest}"
    texts = [picture.texts(frame.grads) for frame in frames]  # each frame's, once
    flows = _flows(picture, frames)
    data = _frame_data(frames, texts, flows)
    svg, dot = _picture(picture, frames, texts, flows)
    title = html.escape(visible(title))
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{title}</title>",
        "</head><body>",
        f'<div class="backprop-player" id="{player_id}" tabindex="0" '
        f'data-frames="{len(frames)}">',
        f"<style>{static_file('graph.css')}\n{static_file('player.css')}</style>",
        f"<h3>{title}</h3>",
        f"<p class=\"needs-js\">{NEEDS_JAVASCRIPT}</p>",
        # hidden until the script shows the first frame: without it, the picture would
        # show the widest number of each field, which looks real
        '<div class="controls" hidden>',
        '<button type="button" class="previous" title="previous (left arrow)">'
        "&#9664; Previous</button>",
        f'<input type="range" class="slider" min="0" max="{len(frames) - 1}" value="0" '
        'aria-label="frame">',
        '<button type="button" class="next" title="next (right arrow)">Next &#9654;</button>',
        f'<span class="position">frame 0 of {len(frames) - 1}</span>',
        '<span class="view">',
        '<button type="button" class="fit" title="show the whole graph">fit</button>',
        '<button type="button" class="zoom-in" title="zoom in (or the wheel)">+</button>',
        '<button type="button" class="zoom-out" title="zoom out (or the wheel)">&minus;</button>',
        "</span></div>",
        '<div class="picture backprop-graph" hidden title="drag to pan, the wheel zooms">'
        f'{svg or LAYING_OUT}</div>',
        '<pre class="caption" hidden></pre>',  # below: the picture stays where it is
        f'<script type="application/json" class="frames">{json_in_html(data)}</script>',
        f'<script type="application/json" class="anchors">'
        f"{json_in_html(picture.anchors())}</script>",
    ]
    if dot:  # no dot program: the page lays the graph out with viz.js
        parts += [f'<script type="application/json" class="dot">{json_in_html(dot)}'
                  "</script>",
                  f'<script type="text/plain" class="renderer">{packed_renderer()}</script>']
    parts += [f"<script>{_script(player_id)}</script>", "</div></body></html>"]
    player = Player("\n".join(parts))
    finished = frames[-1].grads
    player.still = lambda: display_png(picture.digraph(finished))
    return player


def _frame_data(frames: Sequence[Frame], texts: Sequence[dict[str, list[str]]],
                flows: dict[str, float]) -> list[dict[str, Any]]:
    """Each frame as the page reads it: caption, highlights, and the texts that changed
    (frame 0: all of them; `texts`: each frame's)."""
    data = []
    previous: dict[str, list[str]] = {}
    started: set[str] = set()
    for frame, shown in zip(frames, texts):
        changes = [[node_id, k, text] for node_id, fields in shown.items()
                   for k, text in enumerate(fields)
                   if node_id not in previous or previous[node_id][k] != text]
        previous = shown
        new_flows = [edge for edge in frame.active + frame.silent
                     if edge in flows and edge not in started]
        started.update(new_flows)
        data.append({"c": frame.caption, "t": changes, "cur": frame.current,
                     "rec": sorted(set(frame.receiving) - set(frame.current)),
                     "act": frame.active, "zero": frame.silent, "on": new_flows})
    return data


def json_in_html(data: object) -> str:
    """`data` as compact JSON to put inside a ``<script>`` element: ``<``, ``>`` and ``&``
    are written as JSON escapes (``\\u003c`` ...), the same strings to JSON, so no text
    in it (a label such as ``<!--<script>`` or ``</script>``) is markup to the page."""
    text = json.dumps(data, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def with_fresh_ids(page: str, kind: str) -> str:
    """`page` with its id ``kind-<digest>`` (and every use of it) made new, so the same
    page shown twice on one page (two Jupyter outputs) has two players that each work."""
    found = re.search(rf"{re.escape(kind)}-[0-9a-f]+", page)
    if found is None:
        return page
    return page.replace(found[0], f"{kind}-{secrets.token_hex(6)}")


def save_player(root: Value, path: str | os.PathLike[str], **options: Any) -> pathlib.Path:
    """Write `player_html(root, **options)` to `path` (.html or .htm); return the path."""
    path = pathlib.Path(path)
    if path.suffix.lower() not in (".html", ".htm"):
        raise ValueError(f"the player is an HTML file: {str(path)!r} should end in .html")
    page = player_html(root, **options)
    return write_atomically(path, str(page).encode("utf-8"))


NEEDS_JAVASCRIPT = ("This player needs JavaScript, which is off here (or the notebook is not "
                    "trusted): turn it on to step through the pass.")
LAYING_OUT = '<div class="loading">laying out the graph…</div>'

__all__ = ["MAX_FRAMES", "STATIC", "Frame", "Player", "json_in_html", "player_frames",
           "player_html", "save_player"]
