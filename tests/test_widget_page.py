"""The widget's page in headless Chromium: the front-end (static/graph.js + widget.js) run
by a stand-in for anywidget's model, fed with the state the kernel computes.

The stand-in keeps the state, calls the module's listeners on `set` (as anywidget's model
does) and records what `save_changes` would send to the kernel; the test plays the kernel
by handing that to the real `GraphWidget` and giving the page its new state. In a real
JupyterLab: test_jupyterlab.py.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

pytest.importorskip("anywidget")

import autograd  # noqa: E402
from autograd import Value  # noqa: E402
from autograd.views import drawing, widget  # noqa: E402
from autograd.views.player import json_in_html  # noqa: E402
from tests.browser import CHROMIUM, Chromium, Page  # noqa: E402

HARNESS = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><style>CSS</style></head>
<body style="width: 1000px">
HOSTS
<script type="application/json" id="state">STATE</script>
<script type="application/json" id="module">MODULE</script>
<script type="module">
const source = JSON.parse(document.getElementById("module").textContent);
const url = URL.createObjectURL(new Blob([source], {type: "text/javascript"}));
const module = await import(url);
window.models = [];
window.sent = [];
for (const host of document.querySelectorAll(".host")) {
  const state = JSON.parse(document.getElementById("state").textContent);
  const listeners = {};
  const model = {
    get: (name) => state[name],
    set: (name, value) => {
      state[name] = value;
      (listeners["change:" + name] || []).forEach((listener) => listener());
    },
    on: (name, listener) => { (listeners[name] = listeners[name] || []).push(listener); },
    save_changes: () => { window.sent.push(JSON.parse(JSON.stringify(state))); },
  };
  window.models.push(model);
  await module.default.render({model: model, el: host});
}
window.rendered = true;
</script></body></html>
"""


def page_of(view: widget.GraphWidget, copies: int = 1) -> str:
    state = {name: getattr(view, name) for name in widget.GraphWidget.STATE}
    hosts = "".join('<div class="host"></div>' for _ in range(copies))
    return (HARNESS.replace("CSS", view._css).replace("HOSTS", hosts)
            .replace("STATE", json_in_html(state)).replace("MODULE", json_in_html(view._esm)))


@pytest.fixture
def open_widget(tmp_path) -> Iterator[Any]:
    if CHROMIUM is None:
        pytest.skip("no Chromium installed (Debian: apt-get install chromium; see .ci/run)")
    with Chromium(tmp_path / "profile") as chromium:
        def open_page(view: widget.GraphWidget, copies: int = 1, name: str = "w") -> Page:
            path = tmp_path / f"{name}.html"
            path.write_text(page_of(view, copies), encoding="utf-8")
            page = chromium.new_page(width=1100, height=900)
            page.navigate(path.as_uri())
            page.wait_for("window.rendered === true", "the widget to render")
            return page
        yield open_page


def neuron() -> tuple[Value, Value]:
    x, w, b = Value(0.5, label="x"), Value(-1.5, label="w"), Value(2.0, label="b")
    y = (x * w + b).tanh()
    y.label = "y"
    return x, y


def texts_of(page: Page, node_id: str, host: int = 0) -> list[str]:
    return page.evaluate(
        f"[...document.querySelectorAll('.host')[{host}].querySelector("
        f"'[id=\"{node_id}\"]').querySelectorAll('text')].map(t => t.textContent)")


def push(page: Page, view: widget.GraphWidget, *names: str) -> None:
    """What anywidget does when the kernel changes the state: set it in the page."""
    for name in names:
        page.evaluate(f"window.models[0].set({json.dumps(name)}, "
                      f"{json.dumps(getattr(view, name))})")


def test_the_page_shows_the_numbers_and_steps_with_the_buttons(open_widget, tmp_path):
    x, y = neuron()
    view = autograd.widget(y)
    page = open_widget(view)
    x_id, y_id = view.picture.ids[x], view.picture.ids[y]
    assert texts_of(page, x_id) == ["x", "data 0.5", "grad 0"]  # frame 0: only the seed
    for _ in range(3):
        page.click(".bw-next")
    assert page.evaluate("document.querySelector('.backprop-widget').dataset.frame") == "3"
    assert texts_of(page, x_id) == ["x", "data 0.5", "grad -0.4206"]
    assert "step 3/3" in page.evaluate("document.querySelector('.bw-caption').textContent")
    product = y.parents[0].parents[0]  # step 3 of tanh, add, mul: the product x·w
    assert "current" in page.evaluate(
        f"[...document.querySelector('[id=\"{view.picture.ids[product]}\"]').classList]")
    page.click(".bw-previous")
    assert page.evaluate("document.querySelector('.backprop-widget').dataset.frame") == "2"
    assert "current" not in page.evaluate(
        f"[...document.querySelector('[id=\"{y_id}\"]').classList]")
    page.screenshot(tmp_path / "widget.png")


def test_a_number_typed_for_a_leaf_goes_to_the_kernel_and_the_picture_follows(open_widget):
    x, y = neuron()
    view = autograd.widget(y)
    page = open_widget(view)
    page.evaluate("(() => { const f = document.querySelector('input[data-name=\"x\"]');"
                  " f.value = '0.3'; f.dispatchEvent(new Event('change')); })()")
    sent = page.evaluate("window.sent[window.sent.length - 1].asked")
    assert sent == {"x": 0.3}
    view.asked = sent  # the kernel receives it: recompute and backward at x = 0.3
    push(page, view, "frames", "labels", "inputs", "error")
    page.evaluate("window.models[0].set('frame', 3)")
    expected_grad = view.frames[3]["texts"][view.picture.ids[x]][2]
    assert texts_of(page, view.picture.ids[x]) == ["x", "data 0.3", expected_grad]
    assert expected_grad == f"grad {x.grad:.4g}" and x.data == 0.3


def test_clicking_a_node_shows_its_chain_rule(open_widget):
    x, y = neuron()
    view = autograd.widget(y)
    page = open_widget(view)
    page.click(".bw-fit")  # the whole graph: x too (the first view shows the output end)
    page.click(f"[id=\"{view.picture.ids[x]}\"]")
    shown = page.evaluate("document.querySelector('.bw-explain').textContent")
    assert shown == view.explain[view.picture.ids[x]]
    assert "= -0.4206" in shown


def test_two_copies_on_one_page_each_step_on_their_own(open_widget):
    x, y = neuron()
    view = autograd.widget(y)
    page = open_widget(view, copies=2)
    page.click(".host:nth-of-type(2) .bw-next")
    frames = page.evaluate("[...document.querySelectorAll('.backprop-widget')]"
                           ".map(e => e.dataset.frame)")
    assert frames == ["0", "1"]


def test_with_no_dot_program_the_page_lays_the_graph_out_with_viz_js(open_widget, monkeypatch,
                                                                      tmp_path):
    def no_dot(*args, **kwargs):
        raise drawing.DotNotFoundError("no dot here")

    monkeypatch.setattr(drawing, "find_dot", no_dot)  # as in browser Python
    x, y = neuron()
    view = autograd.widget(y)
    assert view.svg == ""
    page = open_widget(view, name="viz")
    page.wait_for("document.querySelector('.bw-viewport svg') !== null", "viz.js's picture")
    assert texts_of(page, view.picture.ids[x]) == ["x", "data 0.5", "grad 0"]
    assert page.evaluate("document.querySelectorAll('.bw-viewport g.node').length") == len(
        [i for i in view.dot.splitlines() if "[label=" in i and "->" not in i])
    page.click(".bw-next")
    assert "current" in page.evaluate(
        f"[...document.querySelector('[id=\"{view.picture.ids[y]}\"]').classList]")
    page.screenshot(tmp_path / "viz.png")


def test_a_hand_built_2_2_1_net_opens_readable(open_widget, tmp_path):
    from tests.test_player import hand_built_net  # micrograd-style, every weight labelled

    view = autograd.widget(hand_built_net())
    page = open_widget(view, name="net")
    page.screenshot(tmp_path / "net.png")
    heights = page.evaluate("[...document.querySelectorAll('.bw-viewport .node text')]"
                            ".map(t => t.getBoundingClientRect().height)")
    assert min(h for h in heights if h > 0) >= 9.5  # about 10 px text or more, not 4 px
    scale = float(page.evaluate("document.querySelector('.bw-viewport').dataset.scale"))
    page.click(".bw-zoom-in")
    assert float(page.evaluate("document.querySelector('.bw-viewport').dataset.scale")) > scale


def test_clicking_the_box_of_an_opened_group_asks_the_kernel_to_close_it(open_widget):
    import nn
    from nn import losses

    model = nn.MLP(2, [2, 1], seed=0)
    loss = losses.binary_hinge(model([Value(0.3, label="x0"), Value(0.1, label="x1")]), 1)
    view = autograd.widget(loss, collapse=2, expand=["layer1.neuron0"])
    page = open_widget(view, name="groups")
    page.click(".bw-fit")
    page.evaluate("(() => { const box = [...document.querySelectorAll('g.cluster')].find("
                  "c => Object.keys(window.models[0].get('closable')).includes("
                  "c.querySelector('title').textContent)); box.querySelector('text')"
                  ".dispatchEvent(new MouseEvent('click', {bubbles: true})); })()")
    assert page.evaluate("window.sent[window.sent.length - 1].toggle") == \
        "close:layer1.neuron0"


def mlp_loss() -> tuple[Value, Value]:
    """A 2-4-1 network's loss on one sample: 17 parameters and 2 inputs, 19 labelled leaves."""
    import nn
    from nn import losses

    x0 = Value(0.3, label="x0")
    model = nn.MLP(2, [4, 1], seed=0)
    return x0, losses.binary_hinge(model([x0, Value(0.1, label="x1")]), 1)


# what a learner can see: a closed <details> keeps its content laid out but not shown
SHOWN = ("(e => { const r = e.getBoundingClientRect();"
         " return e.checkVisibility() && r.width > 0 && r.height > 0; })")


def test_many_leaves_fold_their_boxes_into_a_closed_details_above_the_graph(open_widget,
                                                                            tmp_path):
    x0, loss = mlp_loss()
    view = autograd.widget(loss, collapse=2)
    assert len(view.leaves) == 19
    page = open_widget(view, name="many")
    page.screenshot(tmp_path / "many-closed.png")
    # the graph starts just below the step controls, not below a wall of 19 boxes
    controls_bottom = page.evaluate(
        "document.querySelector('.bw-controls').getBoundingClientRect().bottom")
    viewport_top = page.evaluate(
        "document.querySelector('.bw-viewport').getBoundingClientRect().top")
    assert 0 <= viewport_top - controls_bottom < 20
    assert viewport_top < 120  # the summary and the controls: two lines
    assert page.evaluate(f"[...document.querySelectorAll('input[data-name]')].filter({SHOWN})"
                         ".length") == 0
    details = "document.querySelector('.bw-inputs details')"
    assert page.evaluate(f"{details}.open") is False
    summary = page.evaluate(f"{details}.querySelector('summary').textContent")
    assert summary.startswith("19 numbers you can change") and "open" in summary

    page.click(".bw-inputs summary")
    assert page.evaluate(f"{details}.open") is True
    page.screenshot(tmp_path / "many-open.png")
    names = page.evaluate(f"[...document.querySelectorAll('input[data-name]')].filter({SHOWN})"
                          ".map(f => f.dataset.name)")
    assert sorted(names) == sorted(view.leaves)
    page.click("input[data-name=\"x0\"]")  # a real click focuses the box; type and Enter
    page.evaluate("document.activeElement.select()")
    page.type_text("0.7")
    page.press("Enter")
    sent = page.evaluate("window.sent[window.sent.length - 1].asked")
    assert sent == {"x0": 0.7}
    view.asked = sent  # the kernel recomputes at x0 = 0.7 and sends the new state
    push(page, view, "frames", "labels", "inputs", "error")
    assert x0.data == 0.7 and view.error == ""
    page.evaluate("window.models[0].set('frame', window.models[0].get('frames').length - 1)")
    assert texts_of(page, view.picture.ids[x0])[:2] == ["x0", "data 0.7"]
    # the boxes were built again from the new inputs: still open, showing the new number
    assert page.evaluate(f"{details}.open") is True
    assert page.evaluate("document.querySelector('input[data-name=\"x0\"]').value") == "0.7"
    page.click(".bw-inputs summary")  # and closed it stays closed through a rebuild
    push(page, view, "inputs")
    assert page.evaluate(f"{details}.open") is False


def test_a_few_leaves_show_their_boxes_directly(open_widget):
    x, y = neuron()
    view = autograd.widget(y)
    page = open_widget(view, name="few")
    assert page.evaluate("document.querySelectorAll('.bw-inputs details').length") == 0
    names = page.evaluate(f"[...document.querySelectorAll('input[data-name]')].filter({SHOWN})"
                          ".map(f => f.dataset.name)")
    assert sorted(names) == ["b", "w", "x"]
