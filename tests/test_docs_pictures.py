"""The README's pictures are what the project draws today (issue 24, item 17).

Each picture in docs/ is made again here, from the command or the code the README says
made it, and compared with the committed file:

- an SVG (``neuron.svg``, ``neuron_step.svg``, ``network.svg``): what it draws, without
  where: every node's, edge's and box's texts and colours. A new name (``mul#3`` for
  ``mul#2``), number, colour or highlight fails; another Graphviz placing a node a little
  elsewhere does not.
- ``decision_boundary.png`` (matplotlib, which ships its fonts: the same on every
  machine): the same size, and the same picture once both are shrunk to a thumbnail of
  5 × 5 pixel cells (a cell may differ by rounding, not by a colour, a legend or a word).
- ``widget.png``, a screenshot of the README's widget (the neuron at x = 0.3, step 2, x
  clicked), its front-end run in headless Chromium as tests/test_widget_page.py runs it,
  checked like ``training_replay.png``: a digest of the page (the widget's state with its
  SVG reduced to what it draws, its script and style) and of the recipe.
- ``training_replay.png``, a screenshot of the demo's ``training.html`` in headless
  Chromium. Pixels of a screenshot depend on the browser and its fonts, so the picture
  carries, in a PNG text chunk, a digest of the page it shows: its HTML, the network's SVG
  reduced to its texts and colours as above, and how the screenshot is taken. The test
  makes the page again and compares the digest, and the size. Any change to the page's
  data, style or script changes the digest.

Notebook 03 carries its own copy of the screenshot, as an attachment (JupyterLab serves
only ``notebooks/``, so ``../docs/...`` is a broken image there); it must be the same.

After a change of style, write them all again (the screenshot needs Chromium)::

    WRITE_DOCS_PICTURES=1 .venv/bin/python -m pytest tests/test_docs_pictures.py
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import io
import json
import os
import re
import shlex
import time
import xml.etree.ElementTree as ElementTree
from pathlib import Path
from typing import Any

import pytest

from nn.cli import command as cli
from tests import test_player
from tests.test_readme import CONSOLE, PYTHON, README, ROOT

browser = test_player.browser  # headless Chromium, to take the screenshot (write mode only)

DOCS = ROOT / "docs"
NOTEBOOK = ROOT / "notebooks" / "03_training.ipynb"
WRITE = os.environ.get("WRITE_DOCS_PICTURES") == "1"
HOW_TO_WRITE = ("if the change is meant, write the pictures again: WRITE_DOCS_PICTURES=1 "
                ".venv/bin/python -m pytest tests/test_docs_pictures.py")
SVG = "{http://www.w3.org/2000/svg}"
NAMED_COLOURS = {"black": "#000000", "white": "#ffffff", "red": "#ff0000"}
# The screenshot: the demo's page at epoch 25, on the point it gets most wrong then; the top
# 1280 × 641 CSS pixels of a 1280-wide window, taken at 918 × 460, in 256 colours.
SCREENSHOT = {"page": "backprop demo: training.html", "epoch": 25,
              "point": "the wrong one with the largest loss", "window": [1280, 900],
              "clip": [1280, 641], "size": [918, 460], "colours": 256}
DIGEST_KEY = "backprop-lab page digest"


# ---------------------------------------------------------------------------
# What a picture draws
# ---------------------------------------------------------------------------


def _colour(value: str) -> str:
    return NAMED_COLOURS.get(value.lower(), value.lower())


def drawn(svg: bytes | str) -> list[tuple[str, str, tuple[str, ...], tuple[str, ...]]]:
    """What an SVG of Graphviz draws, without where: for each node, edge and box, its kind,
    its title (the ids it joins), its texts in order and the colours of its shapes and
    texts."""
    root = ElementTree.fromstring(svg)
    parts = []
    for group in root.iter(f"{SVG}g"):
        kind = group.get("class")
        if kind not in ("node", "edge", "cluster"):
            continue
        texts = tuple(text.text or "" for text in group.iter(f"{SVG}text"))
        colours = tuple(sorted({_colour(element.get(attribute, "")) for element in group.iter()
                                for attribute in ("fill", "stroke")
                                if element.get(attribute) not in (None, "none", "transparent")}))
        parts.append((kind, group.findtext(f"{SVG}title") or "", texts, colours))
    return sorted(parts)


def same_drawing(committed: Path, made: bytes) -> None:
    if WRITE:
        committed.write_bytes(made)
    old, new = drawn(committed.read_bytes()), drawn(made)
    gone, added = sorted(set(old) - set(new)), sorted(set(new) - set(old))
    assert not gone and not added, (
        f"docs/{committed.name} is not what the code draws today: it shows "
        f"{gone[:3]}, the code draws {added[:3]}; {HOW_TO_WRITE}")


def thumbnail_cells(png: bytes, size: tuple[int, int]) -> list[tuple[int, ...]]:
    """The picture shrunk to 5 × 5 pixel cells (each the mean of its pixels), RGB."""
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    assert image.size == size
    small = image.resize((size[0] // 5, size[1] // 5), Image.Resampling.BOX)
    return [small.getpixel((x, y)) for y in range(small.height) for x in range(small.width)]


def same_picture(committed: Path, made: bytes) -> None:
    """The same size, and no more than 0.2 % of the thumbnail's cells differ by more than
    24 of 255 in a colour (changing one letter of the title changes about 0.8 %)."""
    from PIL import Image

    if WRITE:
        committed.write_bytes(small_png(made))
    size = Image.open(io.BytesIO(made)).size
    old_size = Image.open(committed).size
    assert old_size == size, f"docs/{committed.name} is {old_size}, the code makes {size}; " \
                             f"{HOW_TO_WRITE}"
    old, new = thumbnail_cells(committed.read_bytes(), size), thumbnail_cells(made, size)
    far = sum(max(abs(a - b) for a, b in zip(p, q)) > 24 for p, q in zip(old, new))
    assert far <= 0.002 * len(new), (
        f"docs/{committed.name} differs from what the code makes today in {far} of "
        f"{len(new)} cells of 5 × 5 pixels; {HOW_TO_WRITE}")


def small_png(png: bytes, text: dict[str, str] | None = None) -> bytes:
    """`png` in at most 256 colours (no dithering), optimised, with `text` chunks."""
    from PIL import Image
    from PIL.PngImagePlugin import PngInfo

    image = Image.open(io.BytesIO(png)).convert("RGB")
    info = PngInfo()
    for key, value in (text or {}).items():
        info.add_text(key, value)
    out = io.BytesIO()
    image.quantize(colors=SCREENSHOT["colours"], dither=Image.Dither.NONE).save(
        out, format="png", optimize=True, pnginfo=info)
    return out.getvalue()


def page_digest(page: str) -> str:
    """A digest of what a replay page shows: its HTML with the network's SVG (the only one
    Graphviz drew, ``<svg width=...``) reduced to `drawn`, and the screenshot's recipe."""
    found = re.search(r'<svg width=".*?</svg>', page, re.S)
    assert found is not None
    summary = json.dumps(drawn(found[0]), ensure_ascii=False)
    content = page[:found.start()] + summary + page[found.end():]
    recipe = json.dumps(SCREENSHOT, sort_keys=True)
    return hashlib.sha256((content + recipe).encode("utf-8")).hexdigest()


# ---------------------------------------------------------------------------
# Where each picture comes from
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The directory `backprop demo DIR` writes: the README's network.svg,
    decision_boundary.png and the page of training_replay.png come from it."""
    directory = tmp_path_factory.mktemp("demo") / "backprop-demo"
    with contextlib.redirect_stdout(io.StringIO()):
        assert cli.main(["demo", str(directory)]) == 0
    return directory


def readme_pictures() -> set[str]:
    return set(re.findall(r"!\[[^\]]*\]\((docs/[^)\s]+)\)", README.read_text(encoding="utf-8")))


MADE_HERE = {"docs/neuron.svg", "docs/neuron_step.svg", "docs/network.svg",
             "docs/decision_boundary.png", "docs/training_replay.png", "docs/widget.png",
             "docs/live_training.png"}


def test_every_picture_of_the_readme_is_made_again_here():
    assert readme_pictures() == MADE_HERE


def test_neuron_svg_is_what_the_readme_command_draws(tmp_path, monkeypatch):
    (command,) = [line for _, line in CONSOLE if "-o docs/neuron.svg" in line]
    monkeypatch.chdir(tmp_path)
    (tmp_path / "docs").mkdir()
    with contextlib.redirect_stdout(io.StringIO()):
        assert cli.main(shlex.split(command[2:])[1:]) == 0
    same_drawing(DOCS / "neuron.svg", (tmp_path / "docs" / "neuron.svg").read_bytes())


def test_neuron_step_svg_is_what_the_readme_code_draws(tmp_path, monkeypatch):
    (block,) = [block for block in PYTHON if '"neuron_step.svg"' in block.text]
    monkeypatch.chdir(tmp_path)
    with contextlib.redirect_stdout(io.StringIO()):
        exec(compile(block.text, block.where, "exec"), {"__name__": "readme_block"})
    same_drawing(DOCS / "neuron_step.svg", (tmp_path / "neuron_step.svg").read_bytes())


def test_the_names_the_readme_gives_are_those_its_pictures_show():
    # the README says unlabelled nodes are named after their op and position (`mul#2`), and
    # the stepper beside neuron_step.svg names mul#2 and add#4: the pictures show the same
    text = README.read_text(encoding="utf-8")
    section = text[text.index("### Drawing graphs"):text.index("### The HTML player")]
    names = set(re.findall(r"\b[a-z]+#\d+", section))
    assert {"mul#2", "add#4"} <= names
    for picture in ("neuron.svg", "neuron_step.svg"):
        shown = {t for _, _, texts, _ in drawn((DOCS / picture).read_bytes()) for t in texts}
        assert names <= shown, (picture, sorted(names - shown))


def test_network_svg_is_what_backprop_demo_draws(demo):
    same_drawing(DOCS / "network.svg", (demo / "network.svg").read_bytes())


def test_decision_boundary_png_is_what_backprop_demo_plots(demo):
    pytest.importorskip("PIL", reason="Pillow (which matplotlib needs) compares the pictures")
    same_picture(DOCS / "decision_boundary.png", (demo / "decision_boundary.png").read_bytes())


def take_screenshot(open_page: Any, page: Path) -> bytes:
    """The README's screenshot of a replay page, as SCREENSHOT says, in full colour."""
    width, height = SCREENSHOT["window"]
    client = open_page(page, f"#epoch={SCREENSHOT['epoch']}")
    client.call("Emulation.setDeviceMetricsOverride", width=width, height=height,
                deviceScaleFactor=1, mobile=False)
    client.call("Emulation.setScrollbarsHidden", hidden=True)
    chosen = client.evaluate(
        "(() => { const r = document.querySelector('.training-replay');"
        " const frames = JSON.parse(r.querySelector('script.frames').textContent);"
        " const data = JSON.parse(r.querySelector('script.replay-static').textContent);"
        " const frame = frames[Number(r.dataset.current)]; let worst = -1;"
        " data.points.forEach((p, i) => { if (frame.predicted[i] !== p.y && (worst < 0 ||"
        "   frame.points[i][0] > frame.points[worst][0])) { worst = i; } });"
        " const list = r.querySelector('.point-list'); list.value = String(worst);"
        " list.dispatchEvent(new Event('change')); return [r.dataset.epoch, worst]; })()")
    assert chosen[0] == str(SCREENSHOT["epoch"]) and chosen[1] >= 0
    time.sleep(0.5)  # let the page settle after the resize
    clip_width, clip_height = SCREENSHOT["clip"]
    shot = client.call("Page.captureScreenshot", format="png", clip={
        "x": 0, "y": 0, "width": clip_width, "height": clip_height,
        "scale": SCREENSHOT["size"][0] / clip_width})
    return base64.b64decode(shot["data"])


def test_training_replay_png_shows_the_demos_page_as_the_code_makes_it(demo, request):
    from PIL import Image

    page = demo / "training.html"
    digest = page_digest(page.read_text(encoding="utf-8"))
    committed = DOCS / "training_replay.png"
    if WRITE:
        shot = take_screenshot(request.getfixturevalue("browser"), page)
        committed.write_bytes(small_png(shot, {DIGEST_KEY: digest}))
    image = Image.open(committed)
    assert list(image.size) == SCREENSHOT["size"]
    assert image.info.get(DIGEST_KEY) == digest, (
        "docs/training_replay.png is a screenshot of another page than the one backprop demo "
        f"writes today (its data, style or script changed); {HOW_TO_WRITE}")
    assert len(committed.read_bytes()) <= 50_000


def _replay_cell(notebook: dict[str, Any]) -> dict[str, Any]:
    (cell,) = [cell for cell in notebook["cells"] if cell["cell_type"] == "markdown"
               and "A picture of the full page" in "".join(cell["source"])]
    return cell


def test_notebook_03_carries_the_screenshot_as_an_attachment():
    # issue 24, item 17: ../docs/training_replay.png is outside JupyterLab's root
    # (notebooks/), so the picture was broken under `make notebooks`
    text = NOTEBOOK.read_text(encoding="utf-8")
    notebook = json.loads(text)
    cell = _replay_cell(notebook)
    picture = (DOCS / "training_replay.png").read_bytes()
    if WRITE:
        cell["source"] = [re.sub(r"\]\((?:\.\./docs/|attachment:)training_replay\.png\)",
                                 "](attachment:training_replay.png)", line)
                          for line in cell["source"]]
        cell["attachments"] = {"training_replay.png": {
            "image/png": base64.b64encode(picture).decode("ascii")}}
        text = json.dumps(notebook, indent=1, ensure_ascii=False, sort_keys=True) + "\n"
        NOTEBOOK.write_text(text, encoding="utf-8")
    for markdown in (c for c in notebook["cells"] if c["cell_type"] == "markdown"):
        targets = re.findall(r"!\[[^\]]*\]\(([^)\s]+)\)", "".join(markdown["source"]))
        assert not [t for t in targets if t.startswith("..")], targets  # outside notebooks/
    assert "](attachment:training_replay.png)" in "".join(cell["source"])
    attached = cell.get("attachments", {}).get("training_replay.png", {}).get("image/png", "")
    assert base64.b64decode(attached) == picture, \
        f"notebook 03's copy of docs/training_replay.png is not the same; {HOW_TO_WRITE}"


# ---------------------------------------------------------------------------
# The README's widget
# ---------------------------------------------------------------------------

WIDGET_SHOT = {"widget": "README: the neuron, view.set(x=0.3)", "frame": 3, "clicked": "x",
               "view": "as it opens", "window": [1600, 700], "size": [960, 420],
               "colours": 256}


def readme_widget() -> Any:
    """The widget of the README's example, as its code leaves it."""
    from autograd import Value, widget

    x, w, b = Value(0.5, label="x"), Value(-1.5, label="w"), Value(2.0, label="b")
    y = (x * w + b).tanh()
    y.label = "y"
    view = widget(y)
    view.set(x=0.3)
    return view


def widget_digest(view: Any) -> str:
    """What the screenshot shows: the widget's state (its SVG reduced to `drawn`), its
    front-end and the recipe."""
    from autograd.views.widget import GraphWidget

    state = {name: getattr(view, name) for name in GraphWidget.STATE}
    state["svg"] = drawn(state["svg"])
    content = json.dumps([state, view._esm, view._css, WIDGET_SHOT], sort_keys=True,
                         ensure_ascii=False)
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


def take_widget_screenshot(view: Any, folder: Path) -> bytes:
    from tests.browser import Chromium
    from tests.test_widget_page import page_of

    path = folder / "widget.html"
    path.write_text(page_of(view), encoding="utf-8")
    width, height = WIDGET_SHOT["window"]
    with Chromium(folder / "profile") as chromium:
        page = chromium.new_page(width=width, height=height)
        page.navigate(path.as_uri())
        page.wait_for("window.rendered === true", "the widget to render")
        page.evaluate(f"window.models[0].set('frame', {WIDGET_SHOT['frame']})")
        x_id = view.picture.ids[view.leaves[WIDGET_SHOT["clicked"]]]  # (it may be off view)
        page.evaluate(f"document.querySelector('[id=\"{x_id}\"] text')"
                      ".dispatchEvent(new MouseEvent('click', {bubbles: true}))")
        time.sleep(0.3)
        box = page.evaluate("(() => { const r = document.querySelector('.backprop-widget')"
                            ".getBoundingClientRect(); return [r.width, r.height]; })()")
        shot = page.call("Page.captureScreenshot", format="png", clip={
            "x": 0, "y": 0, "width": box[0] + 16, "height": box[1] + 16,
            "scale": WIDGET_SHOT["size"][0] / (box[0] + 16)})
    return base64.b64decode(shot["data"])


def test_widget_png_shows_the_readme_widget_as_the_code_makes_it(tmp_path):
    from PIL import Image

    view = readme_widget()
    digest = widget_digest(view)
    committed = DOCS / "widget.png"
    if WRITE:
        shot = take_widget_screenshot(view, tmp_path)
        committed.write_bytes(small_png(shot, {DIGEST_KEY: digest}))
    image = Image.open(committed)
    assert image.width == WIDGET_SHOT["size"][0]
    assert image.info.get(DIGEST_KEY) == digest, (
        "docs/widget.png is a screenshot of another widget than the README's code makes "
        f"today (its state, script or style changed); {HOW_TO_WRITE}")
    assert len(committed.read_bytes()) <= 80_000


# ---------------------------------------------------------------------------
# The README's live training: three moments of fit(live=True), side by side
# ---------------------------------------------------------------------------

LIVE_SHOT = {"run": "moons 100 (noise 0.1, seed 1), MLP 2-16-16-1 seed 1, SGD lr 0.5, "
                    "l2 1e-4, 30 full-batch epochs", "epochs": [1, 8, 30],
             "part": ".top (controls, boundary, curves)", "each": 420, "colours": 256}


def live_training_states() -> tuple[Any, list[dict[str, Any]]]:
    """The TrainingWidget of LIVE_SHOT's run, and its state at each of its epochs."""
    import nn
    from tests.test_training_widget_page import SYNCED

    X, y = nn.make_moons(100, noise=0.1, seed=1)
    model = nn.MLP(2, [16, 16, 1], seed=1)
    view = nn.TrainingWidget()
    states: dict[int, dict[str, Any]] = {}

    def keep(change: Any) -> None:
        step = view.frame.get("step")
        if step in LIVE_SHOT["epochs"] and "loss" in view.frame:
            states[step] = {**{name: getattr(view, name) for name in SYNCED},
                            "status": "running"}

    view.observe(keep, names="frame")
    nn.fit(model, X, y, optimizer=nn.SGD(model.parameters(), lr=0.5), l2=1e-4,
           epochs=LIVE_SHOT["epochs"][-1], live=view, progress=False)
    return view, [states[epoch] for epoch in LIVE_SHOT["epochs"]]


def live_digest(view: Any, states: list[dict[str, Any]]) -> str:
    content = json.dumps([states, view._esm, view._css, LIVE_SHOT], sort_keys=True,
                         ensure_ascii=False)
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


def take_live_screenshots(view: Any, states: list[dict[str, Any]], folder: Path) -> bytes:
    from PIL import Image

    from autograd.views.player import json_in_html
    from tests.browser import Chromium
    from tests.test_training_widget_page import HARNESS

    shots = []
    with Chromium(folder / "profile") as chromium:
        for k, state in enumerate(states):
            path = folder / f"live{k}.html"
            path.write_text(HARNESS.replace("CSS", view._css).replace("STATE", json_in_html(state))
                            .replace("MODULE", json_in_html(view._esm)), encoding="utf-8")
            page = chromium.new_page(width=1040, height=900)
            page.navigate(path.as_uri())
            page.wait_for("window.rendered === true", "the widget to render")
            time.sleep(0.3)
            box = page.evaluate("(() => { const r = document.querySelector('.host .top')"
                                ".getBoundingClientRect(); return [r.x, r.y, r.width, r.height];"
                                " })()")
            shot = page.call("Page.captureScreenshot", format="png", clip={
                "x": box[0], "y": box[1], "width": box[2], "height": box[3], "scale": 1})
            shots.append(Image.open(io.BytesIO(base64.b64decode(shot["data"]))).convert("RGB"))
    width = LIVE_SHOT["each"]
    scaled = [s.resize((width, round(s.height * width / s.width))) for s in shots]
    strip = Image.new("RGB", (width * len(scaled) + 8 * (len(scaled) - 1),
                              max(s.height for s in scaled)), "white")
    for k, shot in enumerate(scaled):
        strip.paste(shot, (k * (width + 8), 0))
    out = io.BytesIO()
    strip.save(out, format="png")
    return out.getvalue()


def test_live_training_png_shows_three_moments_of_the_run_as_the_code_makes_them(tmp_path):
    from PIL import Image

    pytest.importorskip("anywidget")
    view, states = live_training_states()
    digest = live_digest(view, states)
    committed = DOCS / "live_training.png"
    if WRITE:
        committed.write_bytes(small_png(take_live_screenshots(view, states, tmp_path),
                                        {DIGEST_KEY: digest}))
    image = Image.open(committed)
    assert image.width == 3 * LIVE_SHOT["each"] + 16
    assert image.info.get(DIGEST_KEY) == digest, (
        "docs/live_training.png shows other moments than fit(live=True) sends today (the "
        f"run, the widget's script or style changed); {HOW_TO_WRITE}")
    assert len(committed.read_bytes()) <= 150_000
