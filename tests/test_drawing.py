"""draw_graph: what a drawing shows (the DOT source read back), step highlighting,
boxes, natural order, escaping, and rendering with the graphviz-pure fallback (the
system `dot` hidden from PATH). The network view (collapse=) is in test_network_view.py."""

from __future__ import annotations

import html
import json
import math
import pathlib
import re
import subprocess
import sys

import graphviz
import pytest

import autograd
from autograd import Value, backward_steps, dot, draw_graph, tanh
from autograd.views import drawing
from autograd.views.trace import node_names
from tests.dot_reading import NODE, find, parse, texts, values


def neuron() -> tuple[Value, Value, Value, Value]:
    x, w, b = Value(0.5, label="x"), Value(-1.5, label="w"), Value(2.0, label="b")
    return tanh(x * w + b), x, w, b


def heights(digraph: graphviz.Digraph) -> dict[str, float]:
    """Node id -> its y in Graphviz's layout (grows upwards)."""
    plain = drawing.render(digraph, "plain").decode()
    return {line.split()[1]: float(line.split()[3]) for line in plain.splitlines()
            if line.startswith("node ")}


# ---------------------------------------------------------------------------
# What is drawn
# ---------------------------------------------------------------------------


def test_neuron_has_exactly_the_expected_value_and_op_nodes_and_edges():
    out, x, w, b = neuron()
    out.backward()
    nodes, edges = parse(draw_graph(out).source)
    records = values(nodes)
    ops = {i: a for i, a in nodes.items() if i.endswith("_op")}
    assert len(records) == 6  # x, w, b, x*w, x*w + b, tanh(...)
    assert sorted(texts(a)[0] for a in ops.values()) == sorted(["×", "+", "tanh"])
    assert len(edges) == 8  # x->×, w->×, ×->mul, mul->+, b->+, +->add, add->tanh, tanh->out

    # numbers with 4 significant digits, computed here with math
    t = math.tanh(0.5 * -1.5 + 2.0)
    local = 1 - t * t
    expected = {
        "x": (0.5, -1.5 * local), "w": (-1.5, 0.5 * local), "b": (2.0, local),
        "mul#2": (-0.75, local), "add#4": (1.25, local), "tanh#5": (t, 1.0),
    }
    for title, (data, grad) in expected.items():
        assert texts(records[find(records, title)]) == [
            title, f"data {data:.4g}", f"grad {grad:.4g}"]

    ids = {title: find(records, title) for title in expected}
    op_of = {texts(attrs)[0]: ops_id for ops_id, attrs in ops.items()}
    assert {(a, b) for a, b, _ in edges} == {
        (ids["x"], op_of["×"]), (ids["w"], op_of["×"]), (op_of["×"], ids["mul#2"]),
        (ids["mul#2"], op_of["+"]), (ids["b"], op_of["+"]), (op_of["+"], ids["add#4"]),
        (ids["add#4"], op_of["tanh"]), (op_of["tanh"], ids["tanh#5"]),
    }


def test_a_parent_used_twice_gets_two_edges():
    x = Value(3.0, label="x")
    nodes, edges = parse(draw_graph(x * x).source)
    x_id = find(nodes, "x")
    assert sum(1 for a, _, _ in edges if a == x_id) == 2


def test_numbers_of_an_expression_are_small_number_nodes_without_a_grad():
    x = Value(3.0, label="x")
    out = x * 2.5 + 1
    nodes, edges = parse(draw_graph(out).source)
    constants = {i: a for i, a in nodes.items() if a.get("shape") == "box"}
    assert sorted(texts(a) for a in constants.values()) == [["1"], ["2.5"]]
    assert all(a["fillcolor"] == drawing.COLOURS["constant"] for a in constants.values())
    assert {b for a, b, _ in edges if a in constants} <= {i for i in nodes if i.endswith("_op")}


def test_hiding_grads_and_choosing_digits():
    out, *_ = neuron()
    source = draw_graph(out, show_grad=False).source
    assert "grad" not in source and "data 0.8483" in source
    assert f"data {math.tanh(1.25):.2g}" in draw_graph(out, digits=2).source
    top_down = draw_graph(out, rankdir="TB").source
    assert "rankdir=TB" in top_down
    assert texts(parse(top_down)[0][find(parse(top_down)[0], "x")])[1] == "data 0.5"


def test_colours_tell_inputs_parameters_constants_and_the_output_apart():
    x = Value(1.0, label="x")
    w = Value(2.0, label="layer1.neuron0.w0")
    three = Value(3.0)  # a leaf made by hand, not a number of the expression
    product = x * w
    out = (product + three).tanh()
    nodes, _ = parse(draw_graph(out, cluster=False).source)
    names = node_names(out)

    def colour_of(value: Value) -> str:
        return re.search(r'BGCOLOR="([^"]+)"', nodes[find(nodes, names[value])]["label"])[1]

    assert colour_of(x) == drawing.COLOURS["input"]
    assert colour_of(w) == drawing.COLOURS["parameter"]
    assert colour_of(three) == drawing.COLOURS["constant"] and names[three].startswith("leaf#")
    assert colour_of(out) == drawing.COLOURS["output"]
    assert colour_of(product) == drawing.COLOURS["intermediate"]
    assert len(set(drawing.COLOURS.values())) == len(drawing.COLOURS)


def test_node_numbers_grow_in_forward_order_inside_a_net():
    out = tiny_mlp()
    names = node_names(out)
    numbers = {name.split("#")[0] + str(j): int(name.split("#")[1])
               for j, node in enumerate(n for n in autograd.topological_order(out) if n.op == "dot")
               for name in [names[node]]}
    assert numbers["dot0"] < numbers["dot1"] < numbers["dot2"]  # neuron0, neuron1, the output


# ---------------------------------------------------------------------------
# Highlighting a step
# ---------------------------------------------------------------------------


def border(attrs: dict[str, str]) -> str | None:
    found = re.search(r'<TABLE[^>]*COLOR="([^"]+)"', attrs.get("label", ""))
    return found[1] if found else attrs.get("color")


@pytest.mark.parametrize("k", [0, 1, 2])
def test_highlighting_step_k_marks_its_node_and_the_edges_to_its_parents(k):
    out, x, w, b = neuron()
    steps = list(backward_steps(out))
    step = steps[k]
    source = draw_graph(out, step=step).source
    assert source == draw_graph(out, step=k).source  # a Step or its index
    nodes, edges = parse(source)
    red = drawing.HIGHLIGHT
    node_id = find(nodes, step.name)
    assert {i for i, a in values(nodes).items() if border(a) == red} == {node_id}
    parents = {find(nodes, name) for name in step.parent_names}
    assert {i for i, a in nodes.items() if border(a) == drawing.RECEIVER} == parents

    op_id = f"{node_id}_op"
    red_edges = [(a, b, attrs) for a, b, attrs in edges if attrs.get("color") == red]
    into_op = [(a, texts(attrs)[0]) for a, b, attrs in red_edges if b == op_id]
    t = math.tanh(1.25)
    upstream = [1.0, 1 - t * t, 1 - t * t][k]
    locals_ = [[1 - t * t], [1.0, 1.0], [-1.5, 0.5]][k]  # tanh', d(a+b), d(x·w) = (w, x)
    assert sorted(into_op) == sorted(
        (parent, f"{local:.4g} × {upstream:.4g} = {local * upstream:.4g}")
        for parent, local in zip([find(nodes, n) for n in step.parent_names], locals_)
    )
    (upstream_edge,) = [attrs for a, b, attrs in red_edges if a == op_id]
    assert texts(upstream_edge) == [f"upstream {upstream:.4g}"]
    assert len(red_edges) == len(step.parent_names) + 1  # nothing else is red


def test_an_op_on_many_inputs_has_one_socket_per_input_and_labels_on_their_own_edges():
    xs = [Value(0.5 * i, label=f"x{i}") for i in range(3)]
    ws = [Value(1.0 - i, label=f"w{i}") for i in range(3)]
    out = dot(ws, xs)
    nodes, edges = parse(draw_graph(out, step=0).source)
    (op_id,) = [i for i in nodes if i.endswith("_op")]
    ports = re.findall(r'PORT="(i\d+)"', nodes[op_id]["label"])
    assert ports == [f"i{k}" for k in range(6)]  # w0 w1 w2 x0 x1 x2, in argument order
    sockets = re.findall(r'PORT="i\d+"[^>]*>(?:<[^>]*>)*([^<]+)<', nodes[op_id]["label"])
    assert sockets == ["w0", "w1", "w2", "x0", "x1", "x2"]  # the letters of dot's formulas
    into = {a: (attrs["port"], texts(attrs)[0]) for a, b, attrs in edges if b == op_id}
    for k, (w, x) in enumerate(zip(ws, xs)):  # d(w·x)/dw_k = x_k, d(w·x)/dx_k = w_k
        assert into[find(nodes, f"w{k}")] == (f"i{k}", f"{x.data:.4g} × 1 = {x.data:.4g}")
        assert into[find(nodes, f"x{k}")] == (f"i{k + 3}", f"{w.data:.4g} × 1 = {w.data:.4g}")


def test_leaves_are_drawn_in_argument_order_top_to_bottom():
    # w0 above w1 inside the neuron's box, x0 above x1 outside it
    xs = [Value(0.1 * i, label=f"x{i}") for i in range(4)]
    ws = [Value(0.2 * i - 0.3, label=f"layer1.neuron0.w{i}") for i in range(4)]
    out = tanh(dot(ws, xs) + Value(0.1, label="layer1.neuron0.b"))
    picture = draw_graph(out)
    nodes, _ = parse(picture.source)
    y = heights(picture)
    for names in (["w0", "w1", "w2", "w3"], ["x0", "x1", "x2", "x3"]):
        column = [y[find(nodes, name)] for name in names]
        assert column == sorted(column, reverse=True), names


def positions(digraph: graphviz.Digraph, across: bool) -> dict[str, float]:
    """Node id -> where Graphviz puts it across the ranks, growing downwards (or rightwards)."""
    plain = drawing.render(digraph, "plain").decode()
    return {line.split()[1]: float(line.split()[2]) if across else -float(line.split()[3])
            for line in plain.splitlines() if line.startswith("node ")}


@pytest.mark.parametrize("rankdir", ["LR", "RL", "TB", "BT"])
def test_binary_ops_keep_their_inputs_in_the_order_written(rankdir):
    # two neurons written out by hand: w0·x0 + w1·x1 + b, each op with two inputs
    xs = [Value(0.5, label="x0"), Value(-1.0, label="x1")]
    hidden = []
    for j in range(2):
        ws = [Value(0.4 * (i + 1) * (-1) ** j, label=f"layer1.neuron{j}.w{i}") for i in range(2)]
        b = Value(0.1 * j, label=f"layer1.neuron{j}.b")
        hidden.append(tanh(ws[0] * xs[0] + ws[1] * xs[1] + b))
    picture = draw_graph(hidden[0] * hidden[1], rankdir=rankdir)
    nodes, _ = parse(picture.source)
    where = positions(picture, across=rankdir in ("TB", "BT"))
    titled = {}
    for node_id, attrs in values(nodes).items():
        titled.setdefault(texts(attrs)[0], []).append(where[node_id])
    assert where[find(nodes, "x0")] < where[find(nodes, "x1")]
    w0, w1 = sorted(titled["w0"]), sorted(titled["w1"])
    assert w0[0] < w1[0] < w0[1] < w1[1]  # neuron0's w0, w1, then neuron1's


def test_a_bad_step_is_a_clear_error():
    out, *_ = neuron()
    with pytest.raises(ValueError, match="out of range: this graph has 3 backward step"):
        draw_graph(out, step=3)
    other = next(backward_steps(neuron()[0]))
    with pytest.raises(ValueError, match="another graph"):
        draw_graph(out, step=other)
    with pytest.raises(TypeError, match="step"):
        draw_graph(out, step="1")  # type: ignore[arg-type]


def test_a_step_is_drawn_with_its_own_numbers_from_a_pass_seeded_with_2():
    out, *_ = neuron()
    steps = list(backward_steps(out, 2.0))
    t = math.tanh(1.25)
    nodes, edges = parse(draw_graph(out, step=steps[1]).source)
    node_id = find(nodes, steps[1].name)
    (upstream_edge,) = [attrs for a, b, attrs in edges if a == f"{node_id}_op" and b == node_id]
    assert texts(upstream_edge) == [f"upstream {2 * (1 - t * t):.4g}"]  # not the seed-1 number
    assert steps[1].upstream == pytest.approx(2 * (1 - t * t))
    nodes, edges = parse(draw_graph(out, step=1).source)  # an index: a pass seeded with 1
    (upstream_edge,) = [attrs for a, b, attrs in edges if a == f"{node_id}_op" and b == node_id]
    assert texts(upstream_edge) == [f"upstream {1 - t * t:.4g}"]


def test_a_leaf_output_has_no_step_to_highlight():
    with pytest.raises(ValueError, match="the output is a leaf: it has no backward steps"):
        draw_graph(Value(2.0, label="x"), step=0)


def test_a_grad_of_none_is_drawn_as_zero_like_backward_counts_it():
    x = Value(3.0, label="x")
    y = x * x + x
    x.grad = None
    nodes, _ = parse(draw_graph(y).source)
    assert texts(nodes[find(nodes, "x")]) == ["x", "data 3", "grad 0"]
    steps = list(backward_steps(y))
    nodes, _ = parse(draw_graph(y, step=steps[0]).source)
    assert texts(nodes[find(nodes, "x")]) == ["x", "data 3", "grad 7"]


def test_a_collapsed_picture_computes_each_nodes_local_derivatives_once(monkeypatch):
    # a dot node over many inputs: one call for the node, not one per input
    calls: list[Value] = []
    original = drawing.local_derivatives

    def counted(node):
        calls.append(node)
        return original(node)

    monkeypatch.setattr(drawing, "local_derivatives", counted)
    xs = [Value(0.1 * k, label=f"x{k}") for k in range(20)]
    ws = [Value(0.5 - 0.05 * k, label=f"layer1.neuron0.w{k}") for k in range(20)]
    h = tanh(dot(ws, xs))
    loss = h * Value(2.0, label="layer2.neuron0.w0")
    loss.backward()
    draw_graph(loss, collapse=2)
    assert calls and len(calls) == len(set(calls))


def test_a_custom_op_with_too_few_derivatives_is_named_not_an_index_error():
    # issue 12, item 6: the highlighted step raised IndexError from inside the drawing
    short = autograd.Op("short_rule", lambda a, b: a * b, local=lambda args, out: [args[1]],
                        formula=lambda i, n: "b")
    out = short(Value(2.0, label="a"), Value(3.0, label="b"))
    with pytest.raises(ValueError, match=r"op 'short_rule'.*1 derivative\(s\) for 2 input"):
        draw_graph(out, step=0)
    assert "short_rule" in draw_graph(out).source  # without a step no pass runs: it draws


def test_bad_arguments_are_clear_errors():
    out, *_ = neuron()
    with pytest.raises(TypeError, match="needs a Value, got float"):
        draw_graph(1.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="rankdir"):
        draw_graph(out, rankdir="up")
    with pytest.raises(ValueError, match="digits"):
        draw_graph(out, digits=0)
    with pytest.raises(ValueError, match="6 Values to draw, more than max_nodes=5.*collapse=2"):
        draw_graph(out, max_nodes=5)


# ---------------------------------------------------------------------------
# Boxes and compact mode
# ---------------------------------------------------------------------------


def tiny_mlp() -> Value:
    """2 inputs -> 2 tanh neurons -> 1 linear neuron, parameters labelled by layer/neuron."""
    xs = [Value(0.5, label="x0"), Value(-1.0, label="x1")]
    hidden = []
    for j in range(2):
        ws = [Value(0.3 * (i + 1) - j, label=f"layer1.neuron{j}.w{i}") for i in range(2)]
        bias = Value(0.1, label=f"layer1.neuron{j}.b")
        hidden.append(tanh(dot(ws, xs) + bias))
    ws = [Value(0.7 - i, label=f"layer2.neuron0.w{i}") for i in range(2)]
    return dot(ws, hidden) + Value(0.2, label="layer2.neuron0.b")


def cluster_of_each_node(source: str) -> dict[str, tuple[str, ...]]:
    """node id -> the labels of the `subgraph cluster_*` blocks it is declared in."""
    stack: list[str] = []
    where: dict[str, tuple[str, ...]] = {}
    for line in source.splitlines():
        if re.match(r"\s*(subgraph (\w*) ?)?\{$", line) is not None:
            stack.append("")
        elif (label := re.match(r"\s*color=.* label=<([^>]*)>", line)) is not None and stack:
            stack[-1] = label[1]
        elif line.strip() == "}":
            if stack:
                stack.pop()
        elif (node := NODE.match(line)) is not None:
            where[node[1]] = tuple(name for name in stack if name)
    return where


def test_boxes_nest_layers_and_neurons_and_take_in_their_computed_nodes():
    out = tiny_mlp()
    source = draw_graph(out).source
    nodes, _ = parse(source)
    where = cluster_of_each_node(source)
    neuron0 = ("layer1", "neuron0")
    # inside their box the parameters show only their last name part
    w0 = [i for i, a in values(nodes).items() if texts(a)[0] == "w0"]
    assert sorted(where[i] for i in w0) == sorted(
        [neuron0, ("layer1", "neuron1"), ("layer2", "neuron0")])
    # neuron 0's dot product, bias add and tanh (and their op nodes) are in its box
    titles = {i: texts(a)[0] for i, a in values(nodes).items()}
    computed = [i for i, t in titles.items() if "#" in t and where[i] == neuron0]
    assert sorted(titles[i].split("#")[0] for i in computed) == ["add", "dot", "tanh"]
    assert all(where[f"{i}_op"] == neuron0 for i in computed)
    # the inputs stay outside every box; the output is the last neuron's
    assert where[find(nodes, "x0")] == () and where[find(nodes, "x1")] == ()
    assert where[find(nodes, node_names(out)[out])] == ("layer2", "neuron0")
    loss = (out - Value(1.0, label="y")) ** 2  # built from the output and a target: no box
    loss_source = draw_graph(loss).source
    (loss_id,) = [i for i, a in values(parse(loss_source)[0]).items()
                  if drawing.COLOURS["output"] in a["label"]]
    assert cluster_of_each_node(loss_source)[loss_id] == ()
    assert "cluster" not in draw_graph(out, cluster=False).source


def test_boxes_with_similar_names_stay_apart():
    a = Value(1.0, label="net-1.w") * Value(2.0, label="net_1.w")
    source = draw_graph(a).source
    assert len(set(re.findall(r"subgraph (cluster_\w+)", source))) == 2


def test_compact_mode_draws_one_node_per_value_with_the_op_inside():
    out, *_ = neuron()
    nodes, edges = parse(draw_graph(out, compact=True).source)
    assert len(nodes) == 6 and not any(i.endswith("_op") for i in nodes)
    assert len(edges) == 5  # x->mul, w->mul, mul->add, b->add, add->tanh
    tanh_id = next(i for i, a in nodes.items() if texts(a)[0] == "tanh")
    assert texts(nodes[tanh_id])[1] == "data 0.8483"


def test_large_graphs_switch_to_compact_mode_by_default():
    xs = [Value(float(i), label=f"x{i}") for i in range(70)]
    out = dot(xs, xs[::-1])  # 71 Values: full mode
    assert "_op" in draw_graph(out).source
    big = dot(xs, [x * 2.0 for x in xs])  # 70 + 70 constants + 70 products + 1 > 120
    assert "_op" not in draw_graph(big).source


def test_compact_highlight_labels_the_edges_into_the_node():
    x = Value(3.0, label="x")
    out = x * x
    nodes, edges = parse(draw_graph(out, step=0, compact=True).source)
    assert [texts(attrs)[0] for a, b, attrs in edges] == ["3 × 1 = 3", "3 × 1 = 3"]


def test_neuron_boxes_come_in_natural_order_top_down():
    xs = [Value(1.0, label="x")]
    out = autograd.sum([Value(0.1 * j, label=f"layer1.neuron{j}.w0") * xs[0]
                        for j in (0, 1, 2, 10)])
    picture = draw_graph(out)
    nodes, _ = parse(picture.source)
    y = heights(picture)
    ids = [next(i for i, a in values(nodes).items()
                if texts(a)[:2] == ["w0", f"data {0.1 * j:.4g}"]) for j in (0, 1, 2, 10)]
    assert [y[i] for i in ids] == sorted((y[i] for i in ids), reverse=True)


# ---------------------------------------------------------------------------
# Whatever a label holds, it is shown as text
# ---------------------------------------------------------------------------

HOSTILE = ['<<table href="javascript:alert(1)"><tr><td>x</td></tr></table>>.w0',
           "<a<b>.w", 'a|b{c}<d>"e"', "net & co.w"]


@pytest.mark.parametrize("label", HOSTILE)
def test_any_label_is_shown_as_text_and_never_as_markup(label):
    out = Value(1.0, label=label) * 2.0
    svg = drawing.render(draw_graph(out), "svg").decode()
    assert not re.search(r"<a[\s>]", svg) and not re.search(r'\shref="', svg)  # no link
    shown = html.unescape(" ".join(re.findall(r"<text[^>]*>([^<]*)</text>", svg)))
    assert label.split(".")[-1] in shown and label.rsplit(".", 1)[0] in shown


LINK = re.compile(r'<a[\s>]|\shref="|xlink:href=')


@pytest.mark.parametrize("label", HOSTILE)
@pytest.mark.parametrize("collapse", [None, 1])
def test_any_label_stays_text_in_jupyter_and_the_player_page(label, collapse):
    # issue 12, item 13: the link reached the SVG, the player page and Jupyter alike;
    # collapse=1 draws the label's first part as a group's name
    out = (Value(1.0, label=label) * Value(0.5, label="x")).tanh()
    options = {} if collapse is None else {"collapse": collapse}
    jupyter = draw_graph(out, **options)._repr_mimebundle_()["image/svg+xml"]
    page = str(autograd.player_html(out, **options))
    frames = re.findall(r'<script type="application/json"[^>]*>(.*?)</script>', page, re.S)
    markup = re.sub(r'<script type="application/json"[^>]*>.*?</script>', "", page, flags=re.S)
    assert not LINK.search(jupyter) and not LINK.search(markup)
    assert "<svg" in jupyter and "<svg" in markup and len(frames) == 2
    assert "</" not in "".join(frames)  # the frames' texts cannot close their script element
    shown = html.unescape(" ".join(re.findall(r"<text[^>]*>([^<]*)</text>", jupyter)))
    assert label.rsplit(".", 1)[0] in shown


# issue 24, item 14: a label is user input; one with a NUL or an escape character broke the
# renderer ("syntax error in line 8") and a lone surrogate raised UnicodeEncodeError. They are
# drawn escaped: a control character as its Python escape, a lone surrogate as U+FFFD.
ODD_LABELS = [("nul\x00here", "nul\\x00here"), ("esc\x1b[31m", "esc\\x1b[31m"),
              ("half\ud800", "half\ufffd"), ("tab\tand\nline", "tab\\tand\\nline"),
              ("bell\x07\x7f\x85", "bell\\x07\\x7f\\x85")]


@pytest.mark.parametrize("label, shown", ODD_LABELS)
@pytest.mark.parametrize("collapse", [None, 1])
def test_a_label_with_control_characters_or_a_lone_surrogate_is_drawn_escaped(
        label, shown, collapse, tmp_path):
    import xml.etree.ElementTree as ElementTree

    # the label twice: as a Value's own name, and as the box (or group) of a parameter
    out = (Value(1.0, label=label) * Value(0.5, label=f"{label}.w0")).tanh()
    options = {} if collapse is None else {"collapse": collapse}
    svg = drawing.render(draw_graph(out, **options), "svg").decode("utf-8")
    root = ElementTree.fromstring(svg)  # a valid SVG file: no control character in it
    drawn = [text.text or "" for text in root.iter("{http://www.w3.org/2000/svg}text")]
    assert shown in drawn  # the Value named `label`
    assert sum(shown in text for text in drawn) >= 2  # and its box, or its group
    if collapse is None:
        assert "w0" in drawn  # in its box, the parameter is named by its last part only
    page = autograd.save_player(out, tmp_path / "player.html", **options).read_text("utf-8")
    markup = re.sub(r'<script type="application/json"[^>]*>.*?</script>', "", page, flags=re.S)
    assert html.escape(shown, quote=False) in markup
    for frame in json.loads(re.search(r'class="frames">(.*?)</script>', page, re.S)[1]):
        assert all(label not in str(change) for change in frame["t"])  # set as drawn
        assert label not in frame["c"]  # the captions name it as the picture does


def test_an_op_whose_symbol_needs_settings_it_does_not_have_is_named_not_an_index_error():
    # issue 24, item 14: symbol="{0}" on an op without settings raised IndexError from the
    # drawing. Op.__init__ should refuse such a symbol; here it is changed after declaring
    # the op, so the drawing's own message is what shows.
    op = autograd.Op("braces", lambda a: 2 * a, [lambda a, out: 2.0], ["d(2a)/da = 2"])
    op.symbol = "{0}"
    out = op(Value(1.0, label="a"))
    for compact in (False, True):
        with pytest.raises(ValueError, match=r"op 'braces': its symbol '\{0\}' cannot be "
                                             r"shown with 0 setting\(s\)"):
            draw_graph(out, compact=compact)


# ---------------------------------------------------------------------------
# Rendering: the graphviz-pure fallback, with the system dot hidden
# ---------------------------------------------------------------------------


@pytest.fixture
def no_system_dot(tmp_path, monkeypatch):
    """PATH without any `dot`: only the graphviz-pure binary of this Python is left."""
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.setattr(graphviz.backend.dot_command, "DOT_BINARY",
                        graphviz.backend.dot_command.DOT_BINARY)  # restored afterwards


def test_without_system_dot_the_graphviz_pure_binary_is_found(no_system_dot):
    binary = drawing.find_dot()
    assert binary.endswith("graphviz-pure")
    version = subprocess.run([binary, "-V"], capture_output=True, text=True, check=True)
    assert "graphviz" in (version.stdout + version.stderr).lower()


def test_svg_and_png_render_with_the_fallback_dot(no_system_dot, tmp_path):
    out, *_ = neuron()
    out.backward()
    picture = draw_graph(out, step=1)
    svg_path = drawing.save(picture, tmp_path / "neuron.svg")
    svg = svg_path.read_text()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    for text in ("tanh#5", "data 0.8483", "grad 1", "upstream 0.2804", "tanh"):
        assert text in svg
    png = drawing.save(picture, tmp_path / "neuron.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 1000
    dot_text = drawing.save(picture, tmp_path / "neuron.dot").read_text()
    assert dot_text == picture.source


def test_jupyter_display_and_graphviz_own_methods_work_with_the_fallback(no_system_dot):
    out, *_ = neuron()
    picture = draw_graph(out)
    assert isinstance(picture, graphviz.Digraph)
    bundle = picture._repr_mimebundle_()
    assert "<svg" in bundle["image/svg+xml"] and "tanh#5" in bundle["image/svg+xml"]
    drawing.use_found_dot()
    assert "<svg" in picture.pipe(format="svg", encoding="utf-8", quiet=True)


def test_graphvizs_own_render_writes_svg_which_every_dot_here_can_write(no_system_dot,
                                                                         tmp_path):
    out, *_ = neuron()
    # graphviz's default is PDF, which graphviz-pure cannot write: render("g") raised
    # CalledProcessError 'Format: "pdf" not recognized', the way its docs show it
    written = draw_graph(out).render(tmp_path / "g")
    assert written == str(tmp_path / "g.svg")
    svg = (tmp_path / "g.svg").read_text()
    assert "<svg" in svg and "tanh#5" in svg
    assert "<svg" in draw_graph(out).pipe(encoding="utf-8")


def test_without_any_dot_rendering_says_how_to_get_one_and_dot_files_still_work(
        no_system_dot, tmp_path, monkeypatch):
    monkeypatch.setattr(drawing.sysconfig, "get_path", lambda name: str(tmp_path))
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))
    out, *_ = neuron()
    picture = draw_graph(out)  # drawing itself needs no program
    with pytest.raises(drawing.DotNotFoundError, match="pip install graphviz-pure"):
        drawing.save(picture, tmp_path / "g.svg")
    assert not (tmp_path / "g.svg").exists()
    assert drawing.save(picture, tmp_path / "g.dot").read_text() == picture.source


def test_an_unknown_file_type_is_refused_and_nothing_is_written(tmp_path):
    out, *_ = neuron()
    with pytest.raises(ValueError, match=r"unknown file type '\.pdf'.*\.svg"):
        drawing.save(draw_graph(out), tmp_path / "g.pdf")
    assert list(tmp_path.iterdir()) == []


def test_importing_autograd_does_not_import_graphviz():
    code = "import autograd, sys; print('graphviz' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "False"


def test_graphviz_own_render_works_on_a_drawing_without_system_dot(no_system_dot, tmp_path):
    # as after `pip install graphviz`: it looks for "dot" (the fixture restores this)
    graphviz.backend.dot_command.DOT_BINARY = pathlib.Path("dot")
    out, *_ = neuron()
    written = draw_graph(out).render(tmp_path / "g", format="png", quiet=True)
    assert open(written, "rb").read(8) == b"\x89PNG\r\n\x1a\n"
