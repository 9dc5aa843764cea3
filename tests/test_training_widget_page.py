"""The live training widget's page in headless Chromium: its front-end (graph.js, replay.js
and training.js, the widget's _esm) run by a stand-in for anywidget's model, fed with the
state the real TrainingWidget had during a run of fit.

The stand-in keeps the state, calls the module's listeners on `set` (as anywidget's model
does when the kernel changes a trait) and records what `send` would send to the kernel;
the test plays the kernel by handing that to the real widget and giving the page its new
state. The kernel's side: test_training_widget.py.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

pytest.importorskip("anywidget")

import nn  # noqa: E402
from autograd.views.player import json_in_html  # noqa: E402
from tests.browser import CHROMIUM, Chromium, Page  # noqa: E402

SYNCED = ("layout", "static", "frame", "curves", "status", "controls")

HARNESS = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><style>CSS</style></head>
<body style="width: 1000px">
<div class="host"></div>
<script type="application/json" id="state">STATE</script>
<script type="application/json" id="module">MODULE</script>
<script type="module">
const source = JSON.parse(document.getElementById("module").textContent);
const url = URL.createObjectURL(new Blob([source], {type: "text/javascript"}));
const module = await import(url);
window.sent = [];
const state = JSON.parse(document.getElementById("state").textContent);
const listeners = {};
window.model = {
  get: (name) => state[name],
  set: (name, value) => {
    state[name] = value;
    (listeners["change:" + name] || []).forEach((listener) => listener());
  },
  on: (name, listener) => { (listeners[name] = listeners[name] || []).push(listener); },
  save_changes: () => {},
  send: (content) => { window.sent.push(content); },
};
await module.default.render({model: window.model, el: document.querySelector(".host")});
window.rendered = true;
</script></body></html>
"""


def recorded_run(X: Any, y: Any, **options: Any) -> tuple[nn.TrainingWidget, nn.MLP,
                                                           list[dict[str, Any]]]:
    """A run of fit with a widget of its own, and the widget's state at each frame."""
    model = nn.MLP(len(X[0]), [4, 3, 1], seed=4)
    view = nn.TrainingWidget()
    states: list[dict[str, Any]] = []
    view.observe(lambda change: states.append(
        {**{name: getattr(view, name) for name in SYNCED}, "status": "running"}),
        names="frame")
    nn.fit(model, X, y, optimizer=nn.SGD(model, lr=0.5), live=view, progress=False, **options)
    return view, model, states


@pytest.fixture(scope="module")
def run() -> dict[str, Any]:
    X, y = nn.make_moons(24, noise=0.1, seed=1)
    view, model, states = recorded_run(X, y, epochs=3, batch_size=12)
    return {"view": view, "model": model, "states": states, "X": X, "y": y}


@pytest.fixture
def open_widget(tmp_path) -> Iterator[Any]:
    if CHROMIUM is None:
        pytest.skip("no Chromium installed (Debian: apt-get install chromium; see .ci/run)")
    with Chromium(tmp_path / "profile") as chromium:
        def open_page(view: nn.TrainingWidget, state: dict[str, Any], name: str = "w") -> Page:
            page_text = (HARNESS.replace("CSS", view._css)
                         .replace("STATE", json_in_html(state))
                         .replace("MODULE", json_in_html(view._esm)))
            path = tmp_path / f"{name}.html"
            path.write_text(page_text, encoding="utf-8")
            page = chromium.new_page(width=1040, height=1100)
            page.navigate(path.as_uri())
            page.wait_for("window.rendered === true", "the widget to render")
            return page
        yield open_page


def push(page: Page, state: dict[str, Any], *names: str) -> None:
    """What anywidget does when the kernel changes the state: set it in the page."""
    for name in names:
        page.evaluate(f"window.model.set({json.dumps(name)}, {json.dumps(state[name])})")


def drawn(page: Page) -> dict[str, Any]:
    """What the page shows: the curves' points, each edge's colour and width by weight
    name, the boundary's pixels, the loss node's texts, the step shown."""
    return page.evaluate(
        "(() => { const el = document.querySelector('.host');"
        " const curve = s => [...el.querySelectorAll('.chart.' + s + ' polyline')]"
        "   .map(p => p.getAttribute('points').split(' ').filter(Boolean).length);"
        " const edges = {}; el.querySelectorAll('.picture .edge').forEach(e => {"
        "   const p = e.querySelector('path'), t = e.querySelector('title').textContent;"
        "   edges[t.split(' = ')[0]] = [p.getAttribute('stroke'), p.getAttribute('stroke-width'),"
        "                                t.split(' = ')[1]]; });"
        " const loss = [...el.querySelectorAll('.picture .node')].map(n =>"
        "   [...n.querySelectorAll('text')].map(t => t.textContent)).find(t => t[0] === 'loss');"
        " return {loss_curve: curve('loss'), accuracy_curve: curve('accuracy'), edges: edges,"
        "   boundary: el.querySelector('canvas.boundary').toDataURL(), loss: loss,"
        "   step: el.dataset.step, position: el.querySelector('.position').textContent,"
        "   numbers: el.querySelector('.numbers').textContent}; })()")


def four(x: float) -> str:
    text = f"{x:.4g}"
    return "0" if text == "-0" else text


def test_the_curves_and_the_network_draw_and_a_new_moment_moves_them(open_widget, run,
                                                                     tmp_path):
    view, states = run["view"], run["states"]
    first, last = states[0], states[-1]
    page = open_widget(view, first)
    start = drawn(page)
    assert start["step"] == "0" and start["position"] == "epoch 0 of 3 · step 0 of 6"
    assert start["loss_curve"] == [0, 1] and start["accuracy_curve"] == [1]  # steps; epochs
    assert start["numbers"].startswith(f"Before training: loss {four(first['frame']['loss'])}")
    names = view.static["parameters"]
    for frame, shown in ((first["frame"], start), (last["frame"], None)):
        if shown is None:
            push(page, last, "curves", "frame")
            shown = drawn(page)
        for name, w in zip(names, frame["w"]):
            if ".w" in name:  # a weight: its edge is blue when positive, orange when negative
                colour, _, text = shown["edges"][name]
                assert text == four(w)
                assert colour == ("#2563eb" if w > 0 else "#ea580c")
        i = frame["point"]
        assert shown["loss"] == ["loss", f"data {four(frame['points'][str(i)][0])}", "grad 1"]
    end = shown
    assert end["step"] == "6" and end["position"] == "epoch 3 of 3 · step 6 of 6"
    assert end["loss_curve"] == [6, 4] and end["accuracy_curve"] == [4]  # it grew
    assert end["boundary"] != start["boundary"]
    assert end["edges"] != start["edges"]  # widths and colours follow the weights
    assert end["numbers"].startswith(f"After epoch 3: loss {four(last['frame']['loss'])}")
    page.screenshot(tmp_path / "live.png")


def test_pause_resume_and_step_send_messages_when_the_kernel_can_hear_them(open_widget, run):
    view, states = run["view"], run["states"]
    page = open_widget(view, {**states[2], "controls": True})

    def enabled() -> list[bool]:
        return page.evaluate("['pause', 'resume', 'step'].map(n =>"
                             " !document.querySelector('.host .' + n).disabled)")

    assert enabled() == [True, False, False]  # running: only Pause
    assert not page.evaluate("document.querySelector('.no-controls').checkVisibility()")
    page.click(".pause")
    assert page.evaluate("window.sent") == [{"command": "pause"}]
    assert enabled() == [False, False, False]  # until the kernel says it has paused
    page.evaluate("window.model.set('status', 'paused')")
    assert enabled() == [False, True, True]
    assert "paused" in page.evaluate("document.querySelector('.status').textContent")
    page.click(".step")
    page.evaluate("window.model.set('status', 'paused')")  # one step later, paused again
    page.click(".resume")
    assert page.evaluate("window.sent") == [{"command": "pause"}, {"command": "step"},
                                            {"command": "resume"}]
    page.evaluate("window.model.set('controls', false); window.model.set('status', 'running')")
    assert enabled() == [False, False, False]  # a kernel without subshells: it says why
    assert "ipykernel 7" in page.evaluate("document.querySelector('.no-controls').textContent")
    assert page.evaluate("document.querySelector('.no-controls').checkVisibility()")


def test_a_clicked_point_is_asked_of_the_kernel_and_its_numbers_are_shown(open_widget, run):
    view, states, X = run["view"], run["states"], run["X"]
    page = open_widget(view, {**states[-1], "status": "done"})
    shown = view.frame["point"]
    i = next(k for k in (5, 11, 17) if k != shown)
    (x_min, x_max), (y_min, y_max) = view.static["bounds"]
    box = page.box("canvas.boundary")
    x = box[0] + box[2] * (X[i][0] - x_min) / (x_max - x_min)
    y = box[1] + box[3] * (y_max - X[i][1]) / (y_max - y_min)
    for kind in ("mousePressed", "mouseReleased"):
        page.call("Input.dispatchMouseEvent", type=kind, x=x, y=y, button="left", clickCount=1)
    (asked,) = page.evaluate("window.sent")
    assert asked == {"command": "point", "index": i}
    assert "Asking the kernel" in page.evaluate("document.querySelector('.point-text')"
                                                ".textContent")
    view._handle_custom_msg(asked, [])  # the kernel computes the point's passes...
    push(page, {"frame": view.frame}, "frame")  # ...and sends them
    loss = view.frame["points"][str(i)][0]
    assert drawn(page)["loss"] == ["loss", f"data {four(loss)}", "grad 1"]
    assert page.evaluate("document.querySelector('.host').dataset.point") == str(i)
    assert f"loss L = {four(loss)}" in page.evaluate(
        "document.querySelector('.point-text').textContent")


def test_other_inputs_show_sample_images_and_each_class_accuracy(open_widget, tmp_path):
    X2, y = nn.make_moons(24, noise=0.1, seed=1)
    X = [[*x, x[0] * x[1]] for x in X2]  # 3 inputs: not a plane
    view, _, states = recorded_run(X, y, epochs=2)
    page = open_widget(view, states[-1], name="samples")
    samples = page.evaluate("[...document.querySelectorAll('.host .sample .labels')]"
                            ".map(e => e.textContent)")
    predicted = states[-1]["frame"]["predicted"]
    points = view.static["points"]
    assert samples == [f"{p['label']} → {k}" for p, k in zip(points, predicted)]
    rows = page.evaluate("[...document.querySelectorAll('.host .per-class tr')]"
                         ".map(r => [...r.children].map(c => c.textContent))")
    assert [row[:2] for row in rows[1:]] == [
        [str(k), f"{100 * a:.1f}%"] for k, a in enumerate(states[-1]["frame"]["class_accuracy"])]
    page.screenshot(tmp_path / "samples.png")
