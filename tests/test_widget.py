"""`autograd.widget`: a live graph. What the kernel computes and sends to the page.

The numbers the widget shows must be the engine's at the new point: each test compares
them with `autograd.grad` on a graph built afresh there, or with hand-derived values.
(The page itself, in headless Chromium: test_widget_page.py.)
"""

from __future__ import annotations

import math
import re

import pytest

pytest.importorskip("anywidget")

import autograd  # noqa: E402
import nn  # noqa: E402
from autograd import Value, grad, topological_order  # noqa: E402
from autograd.views import drawing, widget  # noqa: E402
from nn import losses  # noqa: E402


def neuron() -> tuple[dict[str, Value], Value]:
    x, w, b = Value(0.5, label="x"), Value(-1.5, label="w"), Value(2.0, label="b")
    y = (x * w + b).tanh()
    y.label = "y"
    return {"x": x, "w": w, "b": b}, y


def last_texts(view: widget.GraphWidget) -> dict[str, list[str]]:
    return view.frames[-1]["texts"]


def test_set_recomputes_and_leaves_the_users_values_with_the_new_gradients():
    leaves, y = neuron()
    view = autograd.widget(y)
    view.set(x=0.3)
    # by hand: y = tanh(0.3·(-1.5) + 2) = tanh(1.55), dy/dx = (1 - y²)·w, dy/dw = (1 - y²)·x
    slope = 1 - math.tanh(1.55) ** 2
    assert y.data == pytest.approx(math.tanh(1.55), rel=1e-15)
    assert leaves["x"].grad == pytest.approx(slope * -1.5, rel=1e-12)
    assert leaves["w"].grad == pytest.approx(slope * 0.3, rel=1e-12)
    assert leaves["b"].grad == pytest.approx(slope, rel=1e-12)
    texts = last_texts(view)
    x_id = view.picture.ids[leaves["x"]]
    assert texts[x_id] == ["x", "data 0.3", f"grad {slope * -1.5:.4g}"]
    assert texts[view.picture.ids[y]] == ["y", f"data {math.tanh(1.55):.4g}", "grad 1"]


def test_set_twice_gives_one_backward_pass_at_the_new_point_not_an_accumulation():
    leaves, y = neuron()
    view = autograd.widget(y)
    view.set(x=0.3)
    view.set(x=0.3, b=1.0)
    fresh = {name: Value(v) for name, v in (("x", 0.3), ("w", -1.5), ("b", 1.0))}
    expected = grad((fresh["x"] * fresh["w"] + fresh["b"]).tanh(), list(fresh.values()))
    assert tuple(leaves[n].grad for n in ("x", "w", "b")) == expected


def test_a_networks_boxes_list_its_inputs_before_its_parameters(demo_net):
    model, x, loss, label = demo_net
    names = [box["name"] for box in autograd.widget(loss, collapse=2).inputs]
    # before: x0 and x1 came after every weight and bias (graph order), at the end of a
    # list a learner scrolls through to try another input
    assert names[:2] == ["x0", "x1"]
    assert names[2:] == [name for name, _ in model.named_parameters()]
    assert [box["name"] for box in autograd.widget(neuron()[1]).inputs] == ["x", "w", "b"]


def test_the_collapsed_network_follows_a_new_input(demo_net):
    model, x, loss, label = demo_net
    view = autograd.widget(loss, collapse=2)
    view.set(x0=0.25, x1=-0.4)
    parameters = model.parameters()
    fresh_inputs = [Value(0.25), Value(-0.4)]
    fresh_loss = losses.binary_hinge(model(fresh_inputs), label)
    assert fresh_loss.data == loss.data
    expected = grad(fresh_loss, parameters + fresh_inputs)
    assert [p.grad for p in parameters] == list(expected[:-2])
    assert (x[0].grad, x[1].grad) == expected[-2:]
    # the page's last frame shows the output neuron's numbers at the new point
    output = next(g for g in view.picture.groups.values() if g.name == "layer3.neuron0")
    shown = last_texts(view)[view.picture.group_ids[next(
        k for k, g in view.picture.groups.items() if g is output)]]
    role, node = output.shown[0]
    assert shown[3:6] == [role, f"{node.data:.4g}", f"{node.grad:.4g}"]


def test_an_unknown_name_or_a_bad_value_is_refused_and_changes_nothing():
    leaves, y = neuron()
    view = autograd.widget(y)
    before = (view.frames, [n.data for n in topological_order(y)])
    with pytest.raises(KeyError, match="'z'.*b, w, x"):
        view.set(z=1.0)
    with pytest.raises(ValueError, match="finite"):
        view.set(x=math.nan)
    with pytest.raises(TypeError):
        view.set(x="0.3")
    assert (view.frames, [n.data for n in topological_order(y)]) == before


def test_a_point_outside_the_domain_is_refused_naming_the_op_and_changes_nothing():
    x = Value(2.0, label="x")
    y = (x * 3.0).log()
    view = autograd.widget(y)
    frames = view.frames
    with pytest.raises(ValueError, match=r"log\(-3\)"):
        view.set(x=-1.0)
    assert (x.data, y.data, view.frames) == (2.0, math.log(6.0), frames)
    y.backward()  # the graph is current: still at x = 2
    assert x.grad == pytest.approx(1 / 2)


def test_a_change_from_the_page_that_fails_is_shown_not_raised():
    x = Value(2.0, label="x")
    y = (x * 3.0).log()
    view = autograd.widget(y)
    view.asked = {"x": -1.0}  # what the page sends when the learner types -1
    assert "log(-3)" in view.error and x.data == 2.0
    assert view.inputs == [{"name": "x", "value": 2.0}]  # the box goes back to 2
    view.asked = {"x": 1.0}
    assert view.error == "" and y.data == math.log(3.0)
    assert last_texts(view)[view.picture.ids[x]][1] == "data 1"


def test_frames_step_through_the_pass_like_the_player():
    leaves, y = neuron()
    view = autograd.widget(y)
    assert len(view.frames) == 1 + 3  # the seed, then tanh, add, mul
    assert view.frames[1]["current"][0] == view.picture.ids[y]
    assert view.frames[0]["texts"][view.picture.ids[leaves["x"]]][2] == "grad 0"
    assert "step 3/3" in view.frames[3]["caption"]
    assert y.grad == 0.0  # showing the pass does not run it on the user's graph


def test_a_clicked_node_shows_its_chain_rule_with_the_numbers():
    x = Value(3.0, label="x")
    y = x * x + x
    y.label = "y"
    view = autograd.widget(y)
    text = view.explain[view.picture.ids[x]]
    # x feeds the product twice (3 each) and the sum once (1): 3 + 3 + 1 = 7
    assert text.count("× 1 = 3") == 2 and "× 1 = 1" in text and text.endswith("= 7")
    assert view.explain[view.picture.ids[y]].startswith("d out/d y = 1")


def test_a_clicked_nodes_chain_rule_writes_formulas_in_the_graphs_names():
    # the op's letters would read as the graph's b: "(d(a·b)/da = b): 18 × 1" with b = 12
    a, b, c = Value(2.0, label="a"), Value(12.0, label="b"), Value(18.0, label="c")
    y = b * c + a
    view = autograd.widget(y)
    text = view.explain[view.picture.ids[b]]
    assert "d(b·c)/db = c): 18 × 1 = 18" in text and "d(a·b)" not in text
    square = autograd.widget(a * a)
    # x * x keeps the op's letters, and says what they stand for
    assert "where b = a" in square.explain[square.picture.ids[a]]


def test_the_layout_leaves_room_for_any_number():
    _, y = neuron()
    view = autograd.widget(y)
    assert "-8.888e-88" in view.dot  # the widest number with 4 digits
    assert view.svg.startswith("<svg") and view.renderer == ""


def test_without_a_dot_program_the_page_gets_the_dot_source_and_viz_js(monkeypatch):
    def no_dot(*args, **kwargs):
        raise drawing.DotNotFoundError("no dot here")

    monkeypatch.setattr(drawing, "find_dot", no_dot)  # as in browser Python
    _, y = neuron()
    view = autograd.widget(y)
    assert view.svg == "" and view.dot.startswith("digraph")
    import base64
    import gzip

    assert gzip.decompress(base64.b64decode(view.renderer)).startswith(b"/*!\nViz.js 3.31.0")
    assert len(view.renderer) < 700_000  # packed: as a JSON string viz.js is 3.7 MB
    bundle = view._repr_mimebundle_()
    data = bundle[0] if isinstance(bundle, tuple) else bundle
    assert "image/png" not in data and "application/vnd.jupyter.widget-view+json" in data


def test_a_saved_output_holds_a_png_for_where_the_widget_cannot_run():
    _, y = neuron()
    bundle = autograd.widget(y)._repr_mimebundle_()
    data = bundle[0] if isinstance(bundle, tuple) else bundle
    assert data["image/png"][:8] == b"\x89PNG\r\n\x1a\n"
    assert "application/vnd.jupyter.widget-view+json" in data
    assert "run the cell" in data["text/plain"]


def test_clicking_a_collapsed_group_opens_it(demo_net):
    _, _, loss, _ = demo_net
    view = autograd.widget(loss, collapse=2)
    group_id = next(gid for key, gid in view.picture.group_ids.items()
                    if view.picture.groups[key].name == "layer1.neuron0")
    assert group_id in view.groups
    view.toggle = group_id
    assert "layer1.neuron0" in view.expanded
    assert not any(g.name == "layer1.neuron0" for g in view.picture.groups.values())
    drawn = {node.label for node in view.picture.scalars}  # its values, one by one now
    assert {"layer1.neuron0.w0", "layer1.neuron0.w1", "layer1.neuron0.b"} <= drawn
    assert view.svg.count('class="node"') > len(view.groups)
    (box,) = [title for title, name in view.closable.items() if name == "layer1.neuron0"]
    assert f"<title>{box}</title>" in view.svg  # the page finds the box by its title
    view.toggle = "close:layer1.neuron0"  # a click on the box closes it again
    assert view.expanded == [] and group_id in view.groups
    assert not {"layer1.neuron0.w0"} & {node.label for node in view.picture.scalars}


def test_bad_options_are_refused_by_name():
    _, y = neuron()
    with pytest.raises(ValueError, match="rankdir"):
        autograd.widget(y, rankdir="sideways")
    with pytest.raises(TypeError, match="Value"):
        autograd.widget(3.0)


@pytest.fixture(scope="module")
def demo_net() -> tuple[nn.MLP, list[Value], Value, int]:
    X, y = nn.make_moons(100, noise=0.1, seed=1)
    model = nn.MLP(2, [16, 16, 1], seed=1)
    x = [Value(X[0][0], label="x0"), Value(X[0][1], label="x1")]
    label = 1 if y[0] == 1 else -1
    return model, x, losses.binary_hinge(model(x), label), label


def chain(n: int) -> Value:
    out = Value(0.5, label="x")
    for _ in range(n):
        out = out.tanh()
    return out


def test_a_long_thin_graph_is_drawn_top_to_bottom_by_default_and_others_left_to_right():
    # the rule (drawing.auto_rankdir): top to bottom when the graph is more than 8 values
    # deep and at most 2 wide; left to right otherwise, and whenever asked for
    assert autograd.widget(chain(10)).picture.rankdir == "TB"
    _, y = neuron()
    assert autograd.widget(y).picture.rankdir == "LR"  # 4 values deep
    assert autograd.widget(chain(10), rankdir="LR").picture.rankdir == "LR"
    assert autograd.widget(chain(6)).picture.rankdir == "LR"  # 7 deep: still reads in a row
    wide = sum(chain(3) for _ in range(3)) + chain(12)  # 13 deep, but 3 wide at the start
    assert autograd.widget(wide).picture.rankdir == "LR"
    assert autograd.draw_graph(chain(10)).source.count("rankdir=LR") == 1  # drawings as asked


def test_the_player_draws_a_long_chain_top_to_bottom_too():
    from autograd.views.drawing import Picture, auto_rankdir

    assert auto_rankdir(Picture(chain(10)).order) == "TB"
    page = str(autograd.player_html(chain(10)))
    assert "rankdir=TB" not in page  # the page holds the SVG, laid out top to bottom:
    svg = page[page.index("<svg"):page.index("</svg>")]
    width, height = (float(v) for v in re.search(r'width="([\d.]+)pt" height="([\d.]+)pt"',
                                                 svg).groups())
    assert height > 3 * width
