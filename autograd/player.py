"""A self-contained HTML player of a backward pass: `player_html`, `save_player`.

Frame 0 shows the graph before backpropagation (only the output's gradient is
seeded with 1); frame k shows it after step k of `autograd.backward_steps`,
with that step highlighted and its text underneath. Move with the Previous/Next
buttons, the slider, or the arrow keys (Home/End jump to the first/last frame).

The file needs no network: every frame is an SVG drawn by Graphviz and inlined,
with a few lines of inline JavaScript. In Jupyter, `player_html` returns an
object that displays itself (it has ``_repr_html_``); ``str()`` gives the HTML.

The graph's ``.grad`` values are the same after building a player as before.
"""

from __future__ import annotations

import hashlib
import html
import os
import pathlib
from typing import Any

from autograd.backprop import topological_order
from autograd.core import Value
from autograd.drawing import GraphDrawing, draw_frame, layout_sizes, render
from autograd.files import write_atomically
from autograd.stepper import Step, backward_steps, number

MAX_FRAMES = 300


class Player(str):
    """The player's HTML (a str) that Jupyter displays as the player itself."""

    def _repr_html_(self) -> str:
        return str(self)

    def __repr__(self) -> str:  # short, so Jupyter does not also print the page as text
        frames = self.count('<div class="frame"')
        return f"<backprop player: {frames} frames, {len(self)} characters of HTML>"


def player_frames(root: Value, *, digits: int = 4, max_frames: int = MAX_FRAMES,
                  **drawing_options: Any) -> list[tuple[str, str]]:
    """``(svg, caption)`` for the initial frame and for each backward step.

    Runs one backward pass from zero gradients and restores every ``.grad``
    afterwards. All frames share one layout: every edge keeps room for its
    step's label, and every node gets the largest size it has in any frame,
    so nothing moves while you step. `drawing_options` go to `draw_graph`
    (e.g. ``rankdir="TB"``).
    """
    if not isinstance(root, Value):
        raise TypeError(f"the player needs a Value, got {type(root).__name__}")
    order = topological_order(root)
    non_leaves = sum(1 for node in order if node.operation is not None)
    if non_leaves + 1 > max_frames:
        raise ValueError(
            f"the backward pass has {non_leaves} steps, more than max_frames={max_frames} "
            "frames allow; play a smaller graph or pass a larger max_frames"
        )
    saved = {node: node.grad for node in order}
    try:
        # 1. Run the pass, keeping each frame's gradients, step and caption.
        for node in order:
            node.grad = 0.0
        moments: list[tuple[dict[Value, Any], Step | None, str]] = [(
            {**{node: 0.0 for node in order}, root: 1.0}, None,
            "Before backpropagation: the output's gradient is seeded with d out/d out = 1, "
            f"every other gradient is 0. {non_leaves} step(s) follow.",
        )]
        for each_step in backward_steps(root):
            moments.append(({node: node.grad for node in order}, each_step, str(each_step)))
        summary = ", ".join(f"{name}.grad = {number(value.grad, digits)}"
                            for name, value in _named_leaves(order).items())
        if summary:
            last_grads, last_step, caption = moments[-1]
            moments[-1] = (last_grads, last_step, f"{caption}\n\nDone. {summary}")

        # 2. Draw each moment twice: once to measure its nodes, once at the common size.
        def frame(grads: dict[Value, Any], step: Step | None,
                  sizes: dict[str, tuple[float, float]] | None) -> GraphDrawing:
            for node, grad in grads.items():
                node.grad = grad
            return draw_frame(root, digits=digits, step=step, reserve_step_labels=True,
                              node_sizes=sizes, **drawing_options)

        sizes: dict[str, tuple[float, float]] = {}
        for grads, step, _ in moments:
            for node_id, (width, height) in layout_sizes(frame(grads, step, None)).items():
                old_width, old_height = sizes.get(node_id, (0.0, 0.0))
                sizes[node_id] = (max(width, old_width), max(height, old_height))
        return [(_svg(frame(grads, step, sizes)), caption) for grads, step, caption in moments]
    finally:
        for node, grad in saved.items():
            node.grad = grad


def _named_leaves(order: list[Value]) -> dict[str, Value]:
    return {node.label: node for node in order if node.operation is None and node.label}


def _svg(picture: object) -> str:
    """Graphviz's SVG without the XML prolog and DOCTYPE, ready to inline in HTML."""
    text = render(picture, "svg").decode("utf-8")
    return text[text.index("<svg"):]


def player_html(root: Value, *, title: str = "Backpropagation, step by step",
                digits: int = 4, max_frames: int = MAX_FRAMES,
                **drawing_options: Any) -> Player:
    """The HTML player of root's backward pass, as a `Player` (a str).

    A full HTML document: save it with `save_player` and open it in any
    browser, offline; in Jupyter it displays inline. One frame per backward
    step plus the initial frame; Previous/Next buttons, a slider, arrow keys.

    Test hook: a URL fragment ``#frame=K`` opens the file at frame K.
    """
    frames = player_frames(root, digits=digits, max_frames=max_frames, **drawing_options)
    digest = hashlib.sha1("".join(caption for _, caption in frames).encode()).hexdigest()
    player_id = f"backprop-player-{digest[:10]}"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{html.escape(title)}</title>",
        "</head><body>",
        f'<div class="backprop-player" id="{player_id}" tabindex="0" '
        f'data-frames="{len(frames)}">',
        f"<style>{_CSS.replace('PLAYER', '#' + player_id)}</style>",
        f"<h3>{html.escape(title)}</h3>",
        '<div class="controls">',
        '<button type="button" class="previous" title="previous (left arrow)">'
        "&#9664; Previous</button>",
        f'<input type="range" class="slider" min="0" max="{len(frames) - 1}" value="0" '
        'aria-label="frame">',
        '<button type="button" class="next" title="next (right arrow)">Next &#9654;</button>',
        f'<span class="position">frame 0 of {len(frames) - 1}</span>',
        "</div>",
    ]
    for k, (svg, caption) in enumerate(frames):
        hidden = "" if k == 0 else " hidden"
        parts.append(
            f'<div class="frame" data-index="{k}"{hidden}><div class="picture">{svg}</div>'
            f'<pre class="caption">{html.escape(caption)}</pre></div>'
        )
    parts.append(f"<script>{_SCRIPT.replace('PLAYER_ID', player_id)}</script>")
    parts.append("</div></body></html>")
    return Player("\n".join(parts))


def save_player(root: Value, path: str | os.PathLike[str], **options: object) -> pathlib.Path:
    """Write `player_html(root, **options)` to `path` (.html or .htm), atomically
    (`autograd.files.write_atomically`); return the path."""
    path = pathlib.Path(path)
    if path.suffix.lower() not in (".html", ".htm"):
        raise ValueError(f"the player is an HTML file: {str(path)!r} should end in .html")
    page = player_html(root, **options)  # type: ignore[arg-type]
    return write_atomically(path, str(page))


_CSS = """
PLAYER { font-family: Helvetica, Arial, sans-serif; outline: none; }
PLAYER .controls { display: flex; gap: 0.6em; align-items: center; margin: 0.4em 0; }
PLAYER .slider { flex: 1; max-width: 30em; }
PLAYER .picture svg { max-width: 100%; height: auto; }
PLAYER .caption { background: #f8fafc; border: 1px solid #e2e8f0; padding: 0.6em;
                  white-space: pre-wrap; font-size: 0.9em; }
"""

# Plain JavaScript: show one frame, hide the others; buttons, slider and keys move.
_SCRIPT = """
(function () {
  const player = document.getElementById("PLAYER_ID");
  const frames = player.querySelectorAll(".frame");
  const slider = player.querySelector(".slider");
  const position = player.querySelector(".position");
  let current = 0;
  function show(index) {
    current = Math.max(0, Math.min(frames.length - 1, index));
    frames.forEach(function (frame, k) { frame.hidden = (k !== current); });
    slider.value = String(current);
    position.textContent = "frame " + current + " of " + (frames.length - 1);
    player.dataset.current = String(current);
  }
  player.querySelector(".previous").addEventListener("click", function () { show(current - 1); });
  player.querySelector(".next").addEventListener("click", function () { show(current + 1); });
  slider.addEventListener("input", function () { show(Number(slider.value)); });
  function onKey(event) {
    if (event.target === slider) { return; }  // the slider moves itself
    const moves = {ArrowLeft: -1, ArrowUp: -1, ArrowRight: 1, ArrowDown: 1};
    if (event.key in moves) { show(current + moves[event.key]); }
    else if (event.key === "Home") { show(0); }
    else if (event.key === "End") { show(frames.length - 1); }
    else { return; }
    event.preventDefault();
  }
  player.addEventListener("keydown", onKey);
  // Alone in its own page, the arrow keys work without clicking the player first.
  if (document.body.children.length === 1) {
    document.addEventListener("keydown", function (event) {
      if (!player.contains(event.target)) { onKey(event); }
    });
  }
  const wanted = /frame=(\\d+)/.exec(window.location.hash);
  show(wanted ? Number(wanted[1]) : 0);
})();
"""

