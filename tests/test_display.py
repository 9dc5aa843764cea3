"""How drawings, players and replays display in Jupyter, where a learner opens them.

A notebook opened from disk is untrusted: JupyterLab shows untrusted PNG but not SVG or
scripts, so a drawing's output carries a PNG too. The same page displayed twice must work
twice (its own ids each time), and no label can break the page's embedded data.
(In a real JupyterLab: test_jupyterlab.py.)
"""

from __future__ import annotations

import json
import re

import pytest

import autograd
from autograd import Value
from autograd.views.player import json_in_html


def neuron() -> Value:
    x, w = Value(0.5, label="x"), Value(-1.5, label="w")
    y = (x * w + 2.0).tanh()
    y.label = "y"
    return y


def test_a_drawing_displays_as_svg_and_as_png_for_untrusted_notebooks():
    bundle = autograd.draw_graph(neuron())._repr_mimebundle_()
    assert "<svg" in bundle["image/svg+xml"]
    assert bundle["image/png"][:8] == b"\x89PNG\r\n\x1a\n"


def test_the_same_player_displayed_twice_gets_its_own_ids_each_time():
    player = autograd.player_html(neuron())
    first, second = player._repr_html_(), player._repr_html_()
    ids = [re.search(r'class="backprop-player" id="([^"]+)"', page)[1]
           for page in (first, second)]
    assert ids[0] != ids[1]
    for page, own in zip((first, second), ids):
        others = set(re.findall(r'backprop-player-[0-9a-z]+', page)) - {own}
        assert not others, others  # every id and script reference renamed together
    assert first.replace(ids[0], "X") == second.replace(ids[1], "X")


def test_the_same_replay_displayed_twice_gets_its_own_ids_each_time():
    import nn

    X, y = nn.make_moons(20, noise=0.1, seed=0)
    model = nn.MLP(2, [3, 1], seed=0)
    history = nn.fit(model, X, y, epochs=2, record_every=1, progress=False)
    page = nn.training_player_html(model, history, X, y)
    first, second = page._repr_html_(), page._repr_html_()
    ids = [re.search(r'class="training-replay" id="([^"]+)"', p)[1] for p in (first, second)]
    assert ids[0] != ids[1]
    assert first.replace(ids[0], "X") == second.replace(ids[1], "X")


@pytest.mark.parametrize("text", ["<!--<script>", "</script><b>", "a<b&c>d", "\u2028"])
def test_embedded_json_holds_no_character_the_html_parser_reads(text):
    encoded = json_in_html({"label": text})
    assert "<" not in encoded and ">" not in encoded and "&" not in encoded
    assert json.loads(encoded) == {"label": text}


def test_a_label_that_opens_a_comment_leaves_the_player_working():
    x = Value(1.0, label="<!--<script>")
    y = x * x
    page = str(autograd.player_html(y))
    data = re.findall(r'<script type="application/json" class="frames">(.*?)</script>', page,
                      re.S)
    assert len(data) == 1 and json.loads(data[0])  # the frames are intact JSON
    assert "<!--" not in data[0]


def test_a_networks_png_for_notebooks_is_scaled_to_the_output_width_and_small():
    import io

    from PIL import Image

    import nn
    from nn import losses

    model = nn.MLP(2, [16, 16, 1], seed=1)
    loss = losses.binary_hinge(model([Value(0.3, label="x0"), Value(-0.2, label="x1")]), 1)
    loss.backward()
    png = autograd.draw_graph(loss, collapse=2)._repr_mimebundle_()["image/png"]
    with Image.open(io.BytesIO(png)) as image:
        assert image.width <= 12.5 * 96 + 1  # fits a notebook's output (about 1,200 px)
        assert image.mode == "P"  # 256 colours
    assert len(png) < 200_000  # bytes in the saved notebook (it was 580 KB)


def test_a_player_shown_in_a_notebook_carries_a_still_picture_and_hides_its_svg_from_text():
    # An untrusted notebook shows sanitized HTML: scripts and inline <svg> removed, but the
    # SVG's texts stayed as a paragraph of run-together words. Shown in a notebook, the
    # player keeps its SVG inside a script (dropped whole) and shows a PNG until it runs.
    import base64

    page = autograd.player_html(neuron())._repr_html_()
    outside_scripts = re.sub(r"<script[^>]*>.*?</script>", "", page, flags=re.S)
    assert "<svg" not in outside_scripts and "data 0.5" not in outside_scripts
    still = re.search(r'<img class="still" [^>]*src="data:image/png;base64,([^"]+)"', page)
    assert still and base64.b64decode(still[1])[:8] == b"\x89PNG\r\n\x1a\n"
    assert re.search(r'<script type="image/svg\+xml" class="picture-source">\s*<svg', page)
    saved = str(autograd.player_html(neuron()))  # the page saved to a file keeps its SVG
    assert '<img class="still"' not in saved and '<div class="picture backprop-graph"' in saved


def test_without_a_dot_program_a_drawing_displays_as_a_page_that_lays_itself_out(
        monkeypatch, tmp_path):
    # browser Python (JupyterLite, Pyodide) has no dot program: draw_graph still shows
    from autograd.views import drawing

    def no_dot() -> str:
        raise drawing.DotNotFoundError("no Graphviz 'dot' program found")

    monkeypatch.setattr(drawing, "find_dot", no_dot)
    picture = autograd.draw_graph(neuron())
    bundle = picture._repr_mimebundle_()
    assert set(bundle) == {"text/html", "text/plain"}
    page = bundle["text/html"]
    dot = re.search(r'<script type="application/json" class="dot">(.*?)</script>', page, re.S)
    assert dot and json.loads(dot[1]) == picture.source  # the DOT source, as JSON
    assert 'class="renderer"' in page and "graphLayOut" in page

    from tests.browser import CHROMIUM, Chromium

    if CHROMIUM is None:
        pytest.skip("no Chromium installed (Debian: apt-get install chromium; see .ci/run)")
    path = tmp_path / "drawing.html"
    path.write_text(f"<!DOCTYPE html><meta charset='utf-8'><body>{page}{page}</body>",
                    encoding="utf-8")  # shown twice: each copy lays itself out
    with Chromium(tmp_path / "profile") as chromium:
        tab = chromium.new_page()
        tab.navigate(path.as_uri())
        tab.wait_for("document.querySelectorAll('.backprop-drawing svg').length === 2",
                     "both copies to lay the graph out")
        texts = tab.evaluate("[...document.querySelector('.backprop-drawing svg')"
                             ".querySelectorAll('text')].map(t => t.textContent)")
    assert "data 0.5" in texts and "y" in texts
