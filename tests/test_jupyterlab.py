"""What a learner sees in a real JupyterLab, in headless Chromium: our pictures as a
notebook saved them, before it is run, and after running it.

A notebook opened from disk is untrusted. For each output JupyterLab shows the first
mime type, in its order (text/html, markdown, latex, image/svg+xml, image/png, ...,
text/plain), whose renderer is safe for untrusted output: image/svg+xml is not, so a
saved SVG alone shows its text/plain; image/png is, and text/html is too (sanitized:
no scripts, no inline <svg>). Once run, outputs are trusted and the SVG wins.

One JupyterLab and one Chromium serve the whole module (`lab_server`); each test opens
its notebook alone (JupyterLab's workspace reset) and its kernel is shut down after it.
Every test saves a screenshot of what it saw into its tmp_path.
"""

from __future__ import annotations

import base64
import importlib.util
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook, new_output

import autograd
from autograd import Value
from autograd.views.drawing import render
from tests.browser import (
    CHROMIUM,
    NODE_TEXTS,
    Chromium,
    JupyterLab,
    LabNotebook,
    Page,
    type_1_into_x1,
)

KERNEL = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}


def neuron() -> Value:
    x, w, b = Value(0.5, label="x"), Value(-1.5, label="w"), Value(2.0, label="b")
    return (x * w + b).tanh()


def chain() -> Value:
    """A drawing wider than any output area: eight tanh in a row, left to right."""
    out = Value(0.5, label="x")
    for _ in range(8):
        out = out.tanh()
    return out


def drawing_bundle(root: Value, *, svg: bool = True, png: bool = True) -> dict[str, str]:
    """What a drawing of `root` saves in a notebook: its SVG and/or PNG, and its text."""
    digraph = autograd.draw_graph(root)
    bundle = {}
    if svg:
        bundle["image/svg+xml"] = render(digraph, "svg").decode("utf-8")
    if png:
        bundle["image/png"] = base64.b64encode(render(digraph, "png")).decode("ascii")
    bundle["text/plain"] = "<GraphDrawing>"
    return bundle


# What the kernel runs to display a drawing with both pictures, as a view of ours would.
DRAWING_CELL = """\
import base64
import json
import math
from autograd import Value, draw_graph
from autograd.views.drawing import render

class Drawing:
    def __init__(self, root):
        self.digraph = draw_graph(root)

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {"image/svg+xml": render(self.digraph, "svg").decode("utf-8"),
                "image/png": base64.b64encode(render(self.digraph, "png")).decode("ascii"),
                "text/plain": "<GraphDrawing>"}
"""
NEURON_CELL = DRAWING_CELL + """
x, w, b = Value(0.5, label="x"), Value(-1.5, label="w"), Value(2.0, label="b")
y = (x * w + b).tanh()
display(Drawing(y))
print(f"y = {y.data:.4f}")
"""
CHAIN_CELL = DRAWING_CELL + """
out = Value(0.5, label="x")
for _ in range(8):
    out = out.tanh()
display(Drawing(out))
"""


@dataclass
class Lab:
    """The module's JupyterLab, the Chromium tab that shows it, and its notebook folder."""

    server: JupyterLab
    page: Page
    root: Path

    def save(self, name: str, source: str, *bundles: dict[str, str]) -> str:
        """Write a notebook of one code cell, `source`, as if run once before: its saved
        outputs are `bundles` (display_data). Returns its name."""
        outputs = [new_output("display_data", data=bundle) for bundle in bundles]
        cell = new_code_cell(source, execution_count=1 if outputs else None, outputs=outputs)
        nbformat.write(new_notebook(cells=[cell], metadata={"kernelspec": KERNEL}),
                       self.root / name)
        return name

    def open(self, name: str) -> LabNotebook:
        """Open a notebook as a learner does (untrusted, not run), alone in JupyterLab."""
        return self.server.open_notebook(self.page, name)


@pytest.fixture(scope="module")
def lab_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """JupyterLab and headless Chromium, started once for the module."""
    if CHROMIUM is None:
        pytest.skip("no Chromium installed (Debian: apt-get install chromium; see .ci/run)")
    if importlib.util.find_spec("jupyterlab") is None:
        pytest.skip("jupyterlab is not installed (it is in the test extra: "
                    "pip install -e '.[test]')")
    root = tmp_path_factory.mktemp("notebooks")
    state = tmp_path_factory.mktemp("jupyterlab")
    project = Path(__file__).resolve().parents[1]  # the kernels import autograd from here
    with JupyterLab(root, log_path=state / "jupyter.log", python_path=[project]) as server, \
            Chromium(state / "chromium-profile") as chromium:
        yield Lab(server, chromium.new_page(), root)


@pytest.fixture
def lab(lab_server: Lab, tmp_path: Path) -> Iterator[Lab]:
    """The module's JupyterLab for one test. After the test, what the page shows is saved
    in tmp_path/at_the_end.png, JupyterLab's log and the page's console are printed
    (pytest shows them if the test failed) and its kernels are shut down."""
    yield lab_server
    print(f"screenshot: {lab_server.page.screenshot(tmp_path / 'at_the_end.png')}")
    print("--- jupyter lab log (end) ---")
    print(lab_server.server.log()[-4000:])
    print("--- browser console (end) ---")
    print("\n".join(list(lab_server.page.console)[-30:]))
    lab_server.server.shut_down_kernels()


def pictures(shown: dict[str, Any]) -> list[dict[str, Any]]:
    """The pictures an output shows: img (loaded: naturalWidth > 0), svg or canvas
    elements with a visible size."""
    return [element for element in shown["elements"]
            if element["tag"] in ("img", "svg", "canvas") and element["width"] > 0
            and element["height"] > 0 and element.get("naturalWidth", 1) > 0]


def the_only_output(notebook: LabNotebook) -> dict[str, Any]:
    outputs = notebook.outputs()
    assert len(outputs) == 1 and len(outputs[0]) == 1, outputs
    return outputs[0][0]


# ---------------------------------------------------------------------------
# Saved outputs, before the notebook is run
# ---------------------------------------------------------------------------


def test_a_saved_drawing_with_a_png_shows_a_picture_before_the_notebook_is_run(lab, tmp_path):
    name = lab.save("saved_png.ipynb", "draw_graph(y)", drawing_bundle(neuron()))
    notebook = lab.open(name)
    notebook.screenshot(tmp_path / "saved_png.png")
    shown = the_only_output(notebook)
    assert [picture["tag"] for picture in pictures(shown)] == ["img"], shown
    assert "<GraphDrawing" not in shown["text"]
    assert shown["mimeType"] == "image/png"  # untrusted: the SVG is passed over for the PNG
    assert not shown["trusted"]


def test_a_saved_drawing_with_only_an_svg_shows_its_text_before_the_notebook_is_run(
        lab, tmp_path):
    # the problem this documents: an untrusted notebook does not show image/svg+xml
    name = lab.save("saved_svg.ipynb", "draw_graph(y)", drawing_bundle(neuron(), png=False))
    notebook = lab.open(name)
    notebook.screenshot(tmp_path / "saved_svg.png")
    shown = the_only_output(notebook)
    assert shown["mimeType"] == "text/plain"
    assert shown["text"].strip() == "<GraphDrawing>"
    assert pictures(shown) == []


def test_untrusted_html_keeps_a_data_png_img_but_drops_inline_svg_and_scripts(lab, tmp_path):
    # what a saved HTML player looks like before it is run: sanitized, and text/html is
    # preferred to image/png, even when the HTML has lost its picture
    png = drawing_bundle(neuron(), svg=False)["image/png"]
    svg = drawing_bundle(neuron(), png=False)["image/svg+xml"]
    with_img = {"text/html": f'<div><b>player</b><img src="data:image/png;base64,{png}"'
                             ' alt="the neuron"></div>', "text/plain": "<Player>"}
    with_svg = {"text/html": f"<div><b>player</b>{svg}"
                             "<script>window.playerScriptRan = true</script></div>",
                "image/png": png, "text/plain": "<Player>"}
    notebook = lab.open(lab.save("saved_html.ipynb", "player_html(y)", with_img, with_svg))
    notebook.screenshot(tmp_path / "saved_html.png")
    [[img_page, svg_page]] = notebook.outputs()
    assert img_page["mimeType"] == "text/html"
    assert [picture["tag"] for picture in pictures(img_page)] == ["img"], img_page
    assert svg_page["mimeType"] == "text/html"  # not the image/png beside it
    assert pictures(svg_page) == [], svg_page  # the <svg> is gone ...
    assert "data 0.8483" in svg_page["text"]  # ... and its texts are shown as a paragraph
    assert lab.page.evaluate("window.playerScriptRan === undefined")


def test_a_saved_png_wider_than_the_output_is_scaled_down_an_svg_run_scrolls(lab, tmp_path):
    name = lab.save("wide.ipynb", CHAIN_CELL, drawing_bundle(chain()))
    notebook = lab.open(name)
    notebook.screenshot(tmp_path / "wide_saved.png")
    saved = the_only_output(notebook)
    [img] = pictures(saved)
    assert saved["mimeType"] == "image/png"
    assert img["width"] <= saved["clientWidth"] < img["naturalWidth"], saved  # scaled to fit
    assert saved["scrollWidth"] <= saved["clientWidth"]  # no scrollbar
    notebook.run_all()
    notebook.screenshot(tmp_path / "wide_run.png")
    run = the_only_output(notebook)
    [img] = pictures(run)  # JupyterLab shows a trusted SVG as <img src="data:image/svg+xml,...">
    assert run["mimeType"] == "image/svg+xml"
    assert abs(img["width"] - img["naturalWidth"]) <= 1, run  # its own size (rounded),
    assert run["scrollWidth"] > run["clientWidth"] < img["width"]  # and a horizontal scrollbar


# ---------------------------------------------------------------------------
# Running the notebook
# ---------------------------------------------------------------------------


def test_running_a_notebook_shows_the_drawing_its_cell_displays(lab, tmp_path):
    # saved as a drawing with only an SVG: text before it is run, a picture after
    name = lab.save("run.ipynb", NEURON_CELL, drawing_bundle(neuron(), png=False))
    notebook = lab.open(name)
    assert the_only_output(notebook)["mimeType"] == "text/plain"
    notebook.run_all()
    notebook.screenshot(tmp_path / "run.png")
    assert notebook.prompts() == ["[1]:"]
    [[drawing, printed]] = notebook.outputs()
    assert [picture["tag"] for picture in pictures(drawing)] == ["img"], drawing
    assert "<GraphDrawing" not in drawing["text"]
    assert drawing["mimeType"] == "image/svg+xml" and drawing["trusted"]  # run: the SVG wins
    assert printed["text"].strip() == "y = 0.8483"  # the kernel ran our engine


# ---------------------------------------------------------------------------
# The live widget and the player, in notebook 00 as saved, then run
# ---------------------------------------------------------------------------

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"



def test_notebook_00_shows_its_widget_as_a_picture_then_live_and_it_follows_x1(lab, tmp_path):
    import shutil

    shutil.copy(NOTEBOOKS / "00_start_here.ipynb", lab.root / "00_start_here.ipynb")
    notebook = lab.open("00_start_here.ipynb")
    notebook.screenshot(tmp_path / "00_before.png")
    saved = [output for cell in notebook.outputs() for output in cell
             if "run the cell to make it interactive" in output["text"]
             or output["mimeType"] == "image/png"]
    # before it runs: every saved drawing and the widget show a picture, no raw text
    assert saved and all(pictures(output) for output in saved), saved
    assert not any("digraph" in output["text"] or "GraphWidget" in output["text"]
                   for cell in notebook.outputs() for output in cell)

    notebook.run_all()
    page = lab.page
    # the last frame shows x1 = 2 and its gradient w1·(1 - o²) = -1.5; the learner types 1
    # into x1's box: the kernel recomputes, the picture follows
    widget, _, o = type_1_into_x1(page, notebook.panel)
    w1 = NODE_TEXTS.format(widget=widget, name=json.dumps("w1"))
    assert page.evaluate(w1) == ["w1", "data -3", f"grad {1.0 * (1 - o * o):.4g}"]
    notebook.screenshot(tmp_path / "00_after_x1.png")

    # Previous moves the highlight from the last step's node (x1*w1) to the one before
    highlighted = (f"[...{widget}.querySelectorAll('.node.current')]"
                   ".map(g => g.querySelector('text').textContent)")
    assert "x1*w1" in page.evaluate(highlighted)  # (with its op node, ×)
    last = page.evaluate(f"{widget}.dataset.frame")
    page.click(f"#{notebook_panel_id(notebook)} .backprop-widget .bw-previous")
    page.wait_for(f"{widget}.dataset.frame === '{int(last) - 1}'", "the step before")
    assert "x2*w2" in page.evaluate(highlighted) and "x1*w1" not in page.evaluate(highlighted)


def notebook_panel_id(notebook: LabNotebook) -> str:
    return str(notebook.page.evaluate(f"{notebook.panel}.id"))


PLAYER_TWICE = """\
import autograd
from autograd import Value
x, w = Value(0.5, label="x"), Value(-1.5, label="w")
y = (x * w).tanh()
player = autograd.player_html(y)
display(player)
display(player)
"""


def test_two_copies_of_one_player_each_step_in_jupyterlab(lab, tmp_path):
    name = lab.save("twice.ipynb", PLAYER_TWICE)
    notebook = lab.open(name)
    notebook.run_all()
    page = lab.page
    players = f"[...{notebook.panel}.querySelectorAll('.backprop-player')]"
    page.wait_for(f"{players}.length === 2 && {players}.every(p => p.dataset.current === '0')",
                  "both players to start")
    page.evaluate(f"{players}[1].scrollIntoView({{block: 'center'}})")
    page.click(f"#{notebook_panel_id(notebook)} .jp-OutputArea-child:nth-child(2) .next")
    page.wait_for(f"{players}[1].dataset.current === '1'", "the second player to step")
    assert page.evaluate(f"{players}.map(p => p.dataset.current)") == ["0", "1"]
    notebook.screenshot(tmp_path / "twice.png")


WIDE_DRAWING = """\
import autograd
from autograd import Value
out = Value(0.5, label="x")
for _ in range(8):
    out = out.tanh()
autograd.draw_graph(out)
"""


def test_a_wide_drawing_run_fits_the_output_without_a_scrollbar(lab, tmp_path):
    name = lab.save("wide_run.ipynb", WIDE_DRAWING)
    notebook = lab.open(name)
    notebook.run_all()
    notebook.screenshot(tmp_path / "wide_drawing.png")
    run = the_only_output(notebook)
    [img] = pictures(run)
    assert run["mimeType"] == "image/svg+xml"
    assert img["width"] <= run["clientWidth"], run  # the output node is in sight
    assert run["scrollWidth"] <= run["clientWidth"], run  # no sideways scrollbar


def test_a_saved_player_shows_a_still_picture_before_the_notebook_is_run(lab, tmp_path):
    # untrusted: no script runs and inline SVG is stripped; the player's notebook copy
    # shows its PNG, and its SVG (inside a script) leaves no run-together text behind
    shown_html = autograd.player_html(neuron())._repr_html_()
    name = lab.save("player_saved.ipynb", PLAYER_TWICE,
                    {"text/html": shown_html, "text/plain": "<backprop player>"})
    notebook = lab.open(name)
    notebook.screenshot(tmp_path / "player_saved.png")
    saved = the_only_output(notebook)
    assert saved["mimeType"] == "text/html" and not saved["trusted"]
    [img] = pictures(saved)
    assert img["tag"] == "img" and img["naturalWidth"] > 0
    assert "data 0.5" not in saved["text"] and "needs JavaScript" in saved["text"]


REPLAY_CELL = """\
import nn
X, y = nn.make_moons(24, noise=0.1, seed=1)
model = nn.MLP(2, [4, 3, 1], seed=4)
history = nn.fit(model, X, y, epochs=6, record_every=2, progress=False)
nn.training_player_html(model, history, X, y)
"""


def test_a_saved_training_replay_shows_a_still_picture_before_the_notebook_is_run(lab,
                                                                                  tmp_path):
    # untrusted: no script runs and inline SVG is stripped; the replay's notebook copy
    # shows its PNG (the decision boundary), and its network's SVG (inside a script)
    # leaves none of its numbers behind as text
    import re

    import nn

    X, y = nn.make_moons(24, noise=0.1, seed=1)
    model = nn.MLP(2, [4, 3, 1], seed=4)
    history = nn.fit(model, X, y, epochs=6, record_every=2, progress=False)
    shown_html = nn.training_player_html(model, history, X, y)._repr_html_()
    name = lab.save("replay_saved.ipynb", REPLAY_CELL,
                    {"text/html": shown_html, "text/plain": "<training replay>"})
    notebook = lab.open(name)
    notebook.screenshot(tmp_path / "replay_saved.png")
    saved = the_only_output(notebook)
    assert saved["mimeType"] == "text/html" and not saved["trusted"]
    [img] = pictures(saved)
    assert img["tag"] == "img" and img["naturalWidth"] > 0 and img["width"] >= 300
    text = saved["text"]
    assert "needs JavaScript" in text
    assert "layer1.neuron0" not in text and not re.search(r"(data|grad) -?[0-9]", text), text
