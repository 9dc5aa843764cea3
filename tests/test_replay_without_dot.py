"""The training replay and the live widget where no `dot` program can run (browser Python,
Pyodide; issue 22, item 4): the page carries the network's DOT source and viz.js, lays the
network out itself, gives its ids the prefix Python gives an SVG of `dot`, and then runs
as with that SVG. Here `render` is made to fail as it does there, the page is opened
offline in headless Chromium, and what it shows is compared with the page `dot` made.
"""

from __future__ import annotations

import base64
import gzip
import re
from collections.abc import Iterator
from typing import Any

import pytest

import autograd
import nn
from autograd.views import drawing
from autograd.views.front_end import STATIC as VIEWS_STATIC
from nn import replay_page
from nn.replay import training_player_html
from tests.browser import CHROMIUM, Chromium, Page
from tests.test_replay import by_hand, close, data_of, four, node_texts, page_state, point_of, run

__all__ = ["run"]  # the small run of test_replay (a module fixture), shared

VIZ = (VIEWS_STATIC / "viz.js").read_text(encoding="utf-8")


def no_dot(*args: Any, **kwargs: Any) -> bytes:
    raise drawing.DotNotFoundError("no Graphviz 'dot' program found")


@pytest.fixture(scope="module")
def pages(run: dict[str, Any]) -> dict[str, str]:
    """The small run's replay page made with `dot` and without (render fails as there)."""
    arguments = (run["model"], run["history"], run["X"], run["y"], run["X_test"],
                 run["y_test"])
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(replay_page, "render", no_dot)
        without = training_player_html(*arguments)
    return {"with": run["page"], "without": str(without),
            "notebook": without._repr_html_()}


@pytest.fixture
def chromium(tmp_path) -> Iterator[Any]:
    """Open a page (HTML text) offline in headless Chromium once the replay shows a frame."""
    if CHROMIUM is None:
        pytest.skip("no Chromium installed (Debian: apt-get install chromium; see .ci/run)")
    with Chromium(tmp_path / "profile", block_outside=True) as browser:
        def open_page(text: str, name: str, fragment: str = "") -> Page:
            path = tmp_path / f"{name}.html"
            path.write_text(text, encoding="utf-8")
            page = browser.new_page(width=1400, height=1000)
            page.navigate(path.as_uri() + fragment)
            page.wait_for("document.querySelector('.training-replay').dataset.current "
                          "!== undefined", "the replay's first frame")
            return page
        yield open_page
        assert browser.outside_requests() == []  # offline: viz.js is in the page


def svg_ids(page: str) -> list[str]:
    """The ids of the network's SVG that `dot` drew (prefixed by Python)."""
    found = re.search(r'<svg width=".*?</svg>', page, re.S)
    assert found is not None
    return sorted(re.findall(r' id="([^"]*)"', found[0]))


def drawn_ids(page: Page) -> list[str]:
    return sorted(page.evaluate(
        "[...document.querySelectorAll('.picture svg [id]')].map(e => e.id)"))


def every_node(page: Page) -> list[list[str]]:
    """Every drawn node's texts, in the order of the drawing."""
    return page.evaluate("[...document.querySelectorAll('.picture .node')]"
                         ".map(n => [...n.querySelectorAll('text')].map(t => t.textContent))")


def test_without_dot_the_page_carries_the_dot_source_and_viz_js_not_an_svg(pages):
    page, with_dot = pages["without"], pages["with"]
    assert '<svg width="' not in page and replay_page.LAYING_OUT in page
    packed = re.search(r'<script type="text/plain" class="renderer">(.*?)</script>', page)
    assert packed is not None
    assert gzip.decompress(base64.b64decode(packed[1])).decode("utf-8") == VIZ
    dot = data_of(page, "dot")
    assert dot.startswith("digraph") and "layer2.neuron1" in dot
    assert "replayLaidOut(" in page and page.count("<script>") == 1
    # the data is the same as with dot: only the picture differs
    for name in ("replay-static", "frames"):
        assert data_of(page, name) == data_of(with_dot, name)
    # with dot: no viz.js, no layout.js, as before
    assert 'class="renderer"' not in with_dot and "replayLaidOut" not in with_dot
    assert "trainingLayOut" not in with_dot
    assert len(page.encode()) < len(with_dot.encode()) + 700_000  # viz.js packed: 0.6 MB


def test_without_dot_the_page_lays_the_network_out_and_plays_as_with_dot(chromium, pages,
                                                                         run, tmp_path):
    laid_out = chromium(pages["without"], "without", "#epoch=2")
    made = chromium(pages["with"], "with", "#epoch=2")
    # the same ids as the SVG dot drew, with the same prefix (the page's id and "-")
    prefix = re.search(r'id="(training-replay-[0-9a-f]+)"', pages["without"])[1] + "-"
    ids = drawn_ids(laid_out)
    assert ids == svg_ids(pages["with"]) == drawn_ids(made)
    assert len(ids) > 20 and all(i.startswith(prefix) for i in ids)
    assert laid_out.evaluate("document.querySelector('.needs-js, .laying-out') === null")
    # a neuron's numbers: those of the engine at epoch 2, on the point the page starts on
    static = data_of(pages["without"], "replay-static")
    x, label = point_of(run, static)
    epoch, state = run["history"].snapshots[1]
    assert epoch == 2
    mine = by_hand(state, x, label)
    assert node_texts(laid_out, "loss") == ["loss", f"data {four(mine['loss'].data)}",
                                            "grad 1"]
    texts = node_texts(laid_out, "layer2.neuron1")
    a = mine["a"]["layer2.neuron1"]
    (da,) = autograd.grad(mine["loss"], [a])
    assert texts[3] == "a" and close(texts[4], a.data) and close(texts[5], da)
    assert every_node(laid_out) == every_node(made)  # every number, as the dot page shows
    assert page_state(laid_out) == page_state(made)  # boundary, edges' colours, curves

    # the slider, a neuron clicked: the page moves as the dot one does
    for page in (laid_out, made):
        page.click(".slider", where=0.98)
    end = page_state(laid_out)
    assert end["epoch"] == "6" and end == page_state(made)
    later = by_hand(run["history"].snapshots[-1][1], x, label)
    (da,) = autograd.grad(later["loss"], [later["a"]["layer3.neuron0"]])
    assert close(node_texts(laid_out, "layer3.neuron0")[5], da)
    assert every_node(laid_out) == every_node(made)
    neuron = "layer2.neuron1"
    for page in (laid_out, made):
        centre = page.evaluate(
            "(() => { const n = [...document.querySelectorAll('.picture .node')].find(n =>"
            f" n.querySelector('text').textContent === '{neuron}');"
            " n.scrollIntoView(); const r = n.getBoundingClientRect();"
            " return [r.left + r.width / 2, r.top + r.height / 2]; })()")
        for kind in ("mousePressed", "mouseReleased"):
            page.call("Input.dispatchMouseEvent", type=kind, x=centre[0], y=centre[1],
                      button="left", clickCount=1)
    assert page_state(laid_out)["neuron"] == neuron
    rows = laid_out.evaluate("[...document.querySelectorAll('.weights tbody tr')]"
                             ".map(r => [...r.children].map(c => c.textContent))")
    assert [row[0] for row in rows] == ["w0", "w1", "w2", "w3", "b"]
    assert rows == made.evaluate("[...document.querySelectorAll('.weights tbody tr')]"
                                 ".map(r => [...r.children].map(c => c.textContent))")
    laid_out.call("Page.bringToFront")  # a tab behind another paints no frame to take
    laid_out.screenshot(tmp_path / "without_dot.png")


def test_without_dot_the_notebooks_copy_lays_out_and_plays_too(chromium, pages):
    shown = pages["notebook"]
    assert 'class="page-source"' in shown and 'class="renderer"' in shown
    page = chromium(shown, "notebook")
    assert page.evaluate("document.querySelector('.still, .page-source') === null")
    assert page.evaluate("document.querySelectorAll('.picture svg').length") == 1
    prefix = re.search(r'id="(training-replay-[0-9a-f]+)"', shown)[1] + "-"
    assert all(i.startswith(prefix) for i in drawn_ids(page))  # its fresh id, not the page's
    page.click(".slider", where=0.98)  # the last snapshot
    assert page_state(page)["epoch"] == "6"
    assert node_texts(page, "loss")[1].startswith("data ")


# ---------------------------------------------------------------------------
# The live widget (nn.live): the same picture, laid out by the widget's module
# ---------------------------------------------------------------------------


def test_without_dot_the_live_widget_lays_its_network_out(monkeypatch, tmp_path):
    pytest.importorskip("anywidget")
    from tests.test_training_widget_page import SYNCED, drawn, recorded_run

    with_dot, _, _ = recorded_run(*nn.make_moons(24, noise=0.1, seed=1), epochs=1)
    assert "liveLaidOut" not in with_dot._esm and "<svg width=" in with_dot.layout

    def no_program() -> str:
        raise drawing.DotNotFoundError("no Graphviz 'dot' program found")

    monkeypatch.setattr(drawing, "find_dot", no_program)  # as in browser Python
    X, y = nn.make_moons(24, noise=0.1, seed=1)
    view, _, states = recorded_run(X, y, epochs=1)
    assert "<svg width=" not in view.layout and 'class="renderer"' in view.layout
    assert view._esm.count("export default") == 1 and "liveLaidOut" in view._esm
    if CHROMIUM is None:
        pytest.skip("no Chromium installed (Debian: apt-get install chromium; see .ci/run)")
    from autograd.views.player import json_in_html
    from tests.test_training_widget_page import HARNESS

    shown = {}
    with Chromium(tmp_path / "profile") as browser:
        for name, widget, state in (("with", with_dot, None), ("without", view, states[-1])):
            state = state or {**{n: getattr(widget, n) for n in SYNCED}, "status": "done"}
            state["status"] = "done"
            path = tmp_path / f"live_{name}.html"
            path.write_text(HARNESS.replace("CSS", widget._css)
                            .replace("STATE", json_in_html(state))
                            .replace("MODULE", json_in_html(widget._esm)), encoding="utf-8")
            page = browser.new_page(width=1040, height=1100)
            page.navigate(path.as_uri())
            page.wait_for("window.rendered === true", "the widget to render")
            shown[name] = (page, drawn(page))
        page, seen = shown["without"]
        assert page.evaluate("document.querySelectorAll('.host .picture svg').length") == 1
        assert page.evaluate("document.querySelector('.host script.renderer') === null")
        ids = sorted(page.evaluate("[...document.querySelectorAll('.host .picture svg [id]')]"
                                   ".map(e => e.id)"))
        assert ids == sorted(re.findall(r' id="([^"]*)"', with_dot.layout))
        assert seen["loss"][0] == "loss" and seen["loss"][1].startswith("data ")
        assert seen["edges"] and seen["edges"].keys() == shown["with"][1]["edges"].keys()
        # a neuron clicked shows its weights' gradients
        page.evaluate("(() => { const n = [...document.querySelectorAll('.picture .node')]"
                      ".find(n => n.querySelector('text').textContent === 'layer1.neuron0');"
                      " n.dispatchEvent(new MouseEvent('click', {bubbles: true})); })()")
        assert page.evaluate("document.querySelector('.host').dataset.neuron") == \
            "layer1.neuron0"
        assert page.evaluate("document.querySelectorAll('.weights tbody tr').length") == 3
        page.call("Page.bringToFront")
        page.screenshot(tmp_path / "live_without_dot.png")
