"""draw_graph's DOT source, step highlighting, clusters, and rendering with the
graphviz-pure fallback (the system `dot` hidden from PATH)."""

from __future__ import annotations

import math
import pathlib
import re
import subprocess
import sys

import graphviz
import pytest

import autograd
from autograd import Value, backward_steps, dot, draw_graph, drawing, tanh
from autograd.stepper import node_names

# ---------------------------------------------------------------------------
# Reading DOT source back (small, enough for what draw_graph writes)
# ---------------------------------------------------------------------------

NODE = re.compile(r'^\s*(\w+) \[(.*)\]$')
EDGE = re.compile(r'^\s*(\w+) -> (\w+)(?: \[(.*)\])?$')
ATTRIBUTE = re.compile(r'(\w+)=("(?:[^"\\]|\\.)*"|[^ \]]+)')


def attributes(text: str | None) -> dict[str, str]:
    if not text:
        return {}
    return {key: value.strip('"') for key, value in ATTRIBUTE.findall(text)}


def parse(source: str) -> tuple[dict[str, dict[str, str]], list[tuple[str, str, dict[str, str]]]]:
    nodes: dict[str, dict[str, str]] = {}
    edges = []
    for line in source.splitlines():
        if (edge := EDGE.match(line)) is not None:
            edges.append((edge[1], edge[2], attributes(edge[3])))
        elif (node := NODE.match(line)) is not None and node[1] not in ("node", "edge", "graph"):
            nodes[node[1]] = attributes(node[2])
    return nodes, edges


def neuron() -> tuple[Value, Value, Value, Value]:
    x, w, b = Value(0.5, label="x"), Value(-1.5, label="w"), Value(2.0, label="b")
    return tanh(x * w + b), x, w, b


def find(nodes: dict[str, dict[str, str]], title: str) -> str:
    """The id of the value node whose record starts with `title`."""
    matches = [i for i, a in nodes.items() if a.get("label", "").startswith("{" + title + " |")]
    assert len(matches) == 1, (title, matches)
    return matches[0]


# ---------------------------------------------------------------------------
# The DOT source
# ---------------------------------------------------------------------------


def test_neuron_has_exactly_the_expected_value_and_op_nodes_and_edges():
    out, x, w, b = neuron()
    out.backward()
    nodes, edges = parse(draw_graph(out).source)
    records = {i: a for i, a in nodes.items() if a.get("shape") == "record"}
    ops = {i: a for i, a in nodes.items() if a.get("shape") != "record"}
    assert len(records) == 6  # x, w, b, x*w, x*w + b, tanh(...)
    assert sorted(a["label"] for a in ops.values()) == sorted(["×", "+", "tanh"])
    assert len(edges) == 8  # x->×, w->×, ×->mul, mul->+, b->+, +->add, add->tanh, tanh->out

    # numbers with 4 significant digits, computed here with math
    t = math.tanh(0.5 * -1.5 + 2.0)
    local = 1 - t * t
    expected = {
        "x": (0.5, -1.5 * local), "w": (-1.5, 0.5 * local), "b": (2.0, local),
        "mul#2": (-0.75, local), "add#4": (1.25, local), "tanh#5": (t, 1.0),
    }
    for title, (data, grad) in expected.items():
        label = records[find(records, title)]["label"]
        assert label == f"{{{title} | data {data:.4g} | grad {grad:.4g}}}"

    ids = {title: find(records, title) for title in expected}
    op_of = {ops_id: attrs["label"] for ops_id, attrs in ops.items()}
    pairs = {(a, b) for a, b, _ in edges}
    mul_op = next(i for i, label in op_of.items() if label == "×")
    add_op = next(i for i, label in op_of.items() if label == "+")
    tanh_op = next(i for i, label in op_of.items() if label == "tanh")
    assert pairs == {
        (ids["x"], mul_op), (ids["w"], mul_op), (mul_op, ids["mul#2"]),
        (ids["mul#2"], add_op), (ids["b"], add_op), (add_op, ids["add#4"]),
        (ids["add#4"], tanh_op), (tanh_op, ids["tanh#5"]),
    }


def test_a_parent_used_twice_gets_two_edges():
    x = Value(3.0, label="x")
    nodes, edges = parse(draw_graph(x * x).source)
    x_id = find(nodes, "x")
    assert sum(1 for a, _, _ in edges if a == x_id) == 2


def test_hiding_grads_and_choosing_digits():
    out, *_ = neuron()
    source = draw_graph(out, show_grad=False).source
    assert "grad" not in source and "data 0.8483" in source
    assert f"data {math.tanh(1.25):.2g}" in draw_graph(out, digits=2).source
    top_down = parse(draw_graph(out, rankdir="TB").source)[0]
    assert "rankdir=TB" in draw_graph(out, rankdir="TB").source
    assert top_down[find_plain(top_down, "x")]["label"].startswith("x | data")


def find_plain(nodes: dict[str, dict[str, str]], title: str) -> str:
    return next(i for i, a in nodes.items() if a.get("label", "").startswith(title + " |"))


def test_colours_tell_inputs_parameters_constants_and_the_output_apart():
    x = Value(1.0, label="x")
    w = Value(2.0, label="layer1.neuron0.w0")
    three = Value(3.0)
    product = x * w
    out = (product + three).tanh()
    nodes, _ = parse(draw_graph(out, cluster=False).source)
    names = node_names(out)
    colour_of = lambda value: nodes[find(nodes, names[value])]["fillcolor"]  # noqa: E731
    assert colour_of(x) == drawing.COLOURS["input"]
    assert colour_of(w) == drawing.COLOURS["parameter"]
    assert colour_of(three) == drawing.COLOURS["constant"] and names[three].startswith("const#")
    assert colour_of(out) == drawing.COLOURS["output"]
    assert colour_of(product) == drawing.COLOURS["intermediate"]
    assert len(set(drawing.COLOURS.values())) == len(drawing.COLOURS)


# ---------------------------------------------------------------------------
# Highlighting a step
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("k", [0, 1, 2])
def test_highlighting_step_k_marks_its_node_and_the_edges_to_its_parents(k):
    out, x, w, b = neuron()
    steps = list(backward_steps(out))
    step = steps[k]
    source = draw_graph(out, step=step).source
    assert source == draw_graph(out, step=k).source  # a Step or its index
    nodes, edges = parse(source)
    red = drawing.HIGHLIGHT
    red_nodes = {i for i, a in nodes.items()
                 if a.get("color") == red and a.get("shape") == "record"}
    node_id = find(nodes, step.name)
    assert red_nodes == {node_id}
    parents = {find(nodes, name) for name in step.parent_names}
    orange = {i for i, a in nodes.items() if a.get("color") == drawing.RECEIVER}
    assert orange == parents

    op_id = f"{node_id}_op"
    red_edges = [(a, b, attrs) for a, b, attrs in edges if attrs.get("color") == red]
    into_op = [(a, attrs["label"]) for a, b, attrs in red_edges if b == op_id]
    t = math.tanh(1.25)
    upstream = [1.0, 1 - t * t, 1 - t * t][k]
    locals_ = [[1 - t * t], [1.0, 1.0], [-1.5, 0.5]][k]  # tanh', d(a+b), d(x·w) = (w, x)
    assert sorted(into_op) == sorted(
        (parent, f"{local:.4g} × {upstream:.4g} = {local * upstream:.4g}")
        for parent, local in zip([find(nodes, n) for n in step.parent_names], locals_)
    )
    (upstream_edge,) = [attrs for a, b, attrs in red_edges if a == op_id]
    assert upstream_edge["label"] == f"upstream {upstream:.4g}"
    assert len(red_edges) == len(step.parent_names) + 1  # nothing else is red


def test_a_bad_step_is_a_clear_error():
    out, *_ = neuron()
    with pytest.raises(ValueError, match="out of range: this graph has 3 backward step"):
        draw_graph(out, step=3)
    other = next(backward_steps(neuron()[0]))
    with pytest.raises(ValueError, match="another graph"):
        draw_graph(out, step=other)
    with pytest.raises(TypeError, match="Step or an int"):
        draw_graph(out, step="1")  # type: ignore[arg-type]


def test_bad_arguments_are_clear_errors():
    out, *_ = neuron()
    with pytest.raises(TypeError, match="needs a Value, got float"):
        draw_graph(1.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="rankdir"):
        draw_graph(out, rankdir="up")
    with pytest.raises(ValueError, match="digits"):
        draw_graph(out, digits=0)
    with pytest.raises(ValueError, match="6 Values, more than max_nodes=5"):
        draw_graph(out, max_nodes=5)


# ---------------------------------------------------------------------------
# Clusters and compact mode
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
    """node id -> the nesting of `subgraph cluster_*` blocks it is declared in."""
    stack: list[str] = []
    where: dict[str, tuple[str, ...]] = {}
    for line in source.splitlines():
        if (opening := re.match(r"\s*subgraph (\w+) \{", line)) is not None:
            stack.append(opening[1])
        elif line.strip() == "}":
            if stack:
                stack.pop()
        elif (node := NODE.match(line)) is not None:
            where[node[1]] = tuple(stack)
    return where


def test_clusters_nest_layers_and_neurons_and_take_in_their_computed_nodes():
    out = tiny_mlp()
    source = draw_graph(out).source
    nodes, _ = parse(source)
    where = cluster_of_each_node(source)
    neuron0 = ("cluster_layer1", "cluster_layer1_neuron0")
    # inside their box the parameters show only their last name part
    w0 = [i for i, a in nodes.items() if a.get("label", "").startswith("{w0 |")]
    assert sorted(where[i] for i in w0) == sorted(
        [neuron0, ("cluster_layer1", "cluster_layer1_neuron1"),
         ("cluster_layer2", "cluster_layer2_neuron0")])
    # neuron 0's dot product, bias add and tanh (and their op nodes) are in its box
    titles = {i: a["label"].split(" |")[0].strip("{") for i, a in nodes.items()
              if a.get("shape") == "record"}
    computed = [i for i, t in titles.items() if "#" in t and where[i] == neuron0]
    assert sorted(titles[i].split("#")[0] for i in computed) == ["add", "dot", "tanh"]
    assert all(where[f"{i}_op"] == neuron0 for i in computed)
    # the inputs stay outside every box; the output is the last neuron's
    assert where[find(nodes, "x0")] == () and where[find(nodes, "x1")] == ()
    (output,) = [i for i, a in nodes.items() if a.get("fillcolor") == drawing.COLOURS["output"]]
    assert where[output] == ("cluster_layer2", "cluster_layer2_neuron0")
    loss = (out - Value(1.0, label="y")) ** 2  # built from the output and a target: no box
    loss_nodes, _ = parse(draw_graph(loss).source)
    (loss_id,) = [i for i, a in loss_nodes.items()
                  if a.get("fillcolor") == drawing.COLOURS["output"]]
    assert cluster_of_each_node(draw_graph(loss).source)[loss_id] == ()
    assert draw_graph(out, cluster=False).source.count("subgraph") == 0


def test_compact_mode_draws_one_node_per_value_with_the_op_inside():
    out, *_ = neuron()
    nodes, edges = parse(draw_graph(out, compact=True).source)
    assert len(nodes) == 6 and all(a["shape"] == "record" for a in nodes.values())
    assert len(edges) == 5  # x->mul, w->mul, mul->add, b->add, add->tanh
    assert nodes[find(nodes, "tanh")]["label"].startswith("{tanh | data 0.8483")


def test_large_graphs_switch_to_compact_mode_by_default():
    xs = [Value(float(i), label=f"x{i}") for i in range(70)]
    out = dot(xs, xs[::-1])  # 71 Values: full mode
    assert "_op" in draw_graph(out).source
    big = dot(xs, [x * 2.0 for x in xs])  # 70 + 70 constants + 70 products + 1 > 120
    assert "_op" not in draw_graph(big).source


def test_record_special_characters_in_labels_are_escaped():
    x = Value(1.0, label='a|b{c}<d>"e"')
    source = draw_graph(x * 2.0).source
    assert r'a\|b\{c\}\<d\>\"e\"' in source
    svg = drawing.render(draw_graph(x * 2.0), "svg").decode()
    assert "a|b{c}&lt;d&gt;&quot;e&quot;" in svg or 'a|b{c}&lt;d&gt;"e"' in svg


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


def test_frames_for_animation_reserve_every_label_and_fix_node_sizes():
    out, *_ = neuron()
    nodes, edges = parse(drawing.draw_frame(out, step=1, reserve_step_labels=True,
                                            node_sizes={"v0": (3.5, 1.25)}).source)
    assert all("label" in attrs for _, _, attrs in edges)  # room for every step's label
    visible = [attrs for _, _, attrs in edges if attrs.get("fontcolor") != "#ffffff00"]
    assert len(visible) == 3 and all(a["color"] == drawing.HIGHLIGHT for a in visible)
    assert (nodes["v0"]["width"], nodes["v0"]["height"]) == ("3.5000", "1.2500")
    sizes = drawing.layout_sizes(draw_graph(out))
    assert set(sizes) == set(nodes)
    assert sizes["v0"][0] > sizes["v2_op"][0] > 0  # a record (x) is wider than an op circle (×)


def test_neuron_boxes_come_in_natural_order_top_down():
    xs = [Value(1.0, label="x")]
    out = autograd.sum([Value(0.1 * j, label=f"layer1.neuron{j}.w0") * xs[0]
                        for j in (0, 1, 2, 10)])
    plain = drawing.render(draw_graph(out), "plain").decode()
    nodes, _ = parse(draw_graph(out).source)
    height = {line.split()[1]: float(line.split()[3]) for line in plain.splitlines()
              if line.startswith("node ")}  # y grows upwards in Graphviz's plain output
    weights = [f"{{w0 | data {0.1 * j:.4g} |" for j in (0, 1, 2, 10)]
    ids = [next(i for i, a in nodes.items() if a.get("label", "").startswith(w)) for w in weights]
    assert [height[i] for i in ids] == sorted((height[i] for i in ids), reverse=True)


def test_compact_highlight_labels_the_edges_into_the_node():
    x = Value(3.0, label="x")
    out = x * x
    nodes, edges = parse(draw_graph(out, step=0, compact=True).source)
    labels = [attrs.get("label") for a, b, attrs in edges]
    assert labels == ["3 × 1 = 3", "3 × 1 = 3"]


def test_graphviz_own_render_works_on_a_drawing_without_system_dot(no_system_dot, tmp_path):
    # as after `pip install graphviz`: it looks for "dot" (the fixture restores this)
    graphviz.backend.dot_command.DOT_BINARY = pathlib.Path("dot")
    out, *_ = neuron()
    written = draw_graph(out).render(tmp_path / "g", format="png", quiet=True)
    assert open(written, "rb").read(8) == b"\x89PNG\r\n\x1a\n"
