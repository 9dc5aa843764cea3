"""The network view: draw_graph(root, collapse=2) draws each neuron as one node.

The net is the demo's, MLP 2-16-16-1, on one two-moons point with the hinge loss.
Every number a test expects is computed here with `autograd.grad` (fresh, not
from `.grad`), never read back from the drawing code.
"""

from __future__ import annotations

import re

import pytest

import autograd
import nn
from autograd import Value, draw_graph
from autograd.views import drawing
from nn import losses
from tests.dot_reading import find, parse, texts, values

N = 16


@pytest.fixture(scope="module")
def demo_net() -> tuple[nn.MLP, list[Value], Value]:
    X, y = nn.make_moons(100, noise=0.1, seed=1)
    model = nn.MLP(2, [N, N, 1], seed=1)
    x = [Value(X[0][0], label="x0"), Value(X[0][1], label="x1")]
    loss = losses.binary_hinge(model(x), 1 if y[0] == 1 else -1)
    loss.backward()
    return model, x, loss


def groups(nodes: dict[str, dict[str, str]]) -> dict[str, str]:
    """Group node id -> its name (the first text of its table)."""
    return {i: texts(a)[0] for i, a in nodes.items() if re.fullmatch(r"g\d+", i)}


def neuron_values(loss: Value, layer: int, j: int) -> tuple[Value, Value | None]:
    """(a, h) of a neuron, found from its bias label: a = w·x + b, h = g(a) (None if linear)."""
    order = autograd.topological_order(loss)
    bias = f"layer{layer}.neuron{j}.b"
    (a,) = [n for n in order if n.op == "add" and any(p.label == bias for p in n.parents)]
    after = [n for n in order if n.parents == (a,) and n.op in ("relu", "tanh", "sigmoid")]
    return a, (after[0] if after else None)


def four(x: float) -> str:
    text = f"{x:.4g}"
    return "0" if text == "-0" else text


def test_one_node_per_neuron_with_the_edges_of_the_network(demo_net):
    _, _, loss = demo_net
    nodes, edges = parse(draw_graph(loss, collapse=2).source)
    names = groups(nodes)
    expected = ([f"layer1.neuron{j}" for j in range(N)] + [f"layer2.neuron{j}" for j in range(N)]
                + ["layer3.neuron0"])
    assert sorted(names.values()) == sorted(expected)  # exactly one node per neuron: 33
    by_name = {name: i for i, name in names.items()}
    pairs = {(a, b) for a, b, _ in edges}
    x0, x1 = find(nodes, "x0"), find(nodes, "x1")
    for j in range(N):
        assert {(x0, by_name[f"layer1.neuron{j}"]), (x1, by_name[f"layer1.neuron{j}"])} <= pairs
        assert (by_name[f"layer2.neuron{j}"], by_name["layer3.neuron0"]) in pairs
        for i in range(N):
            assert (by_name[f"layer1.neuron{i}"], by_name[f"layer2.neuron{j}"]) in pairs
    between_groups = {(a, b) for a, b in pairs if a in names and b in names}
    assert len(between_groups) == N * N + N
    out_of_net = [b for a, b in pairs if a == by_name["layer3.neuron0"]]
    assert len(out_of_net) == 1 and out_of_net[0] not in names  # into the loss arithmetic


def test_each_neuron_shows_its_a_and_h_with_fresh_gradients(demo_net):
    _, _, loss = demo_net
    nodes, _ = parse(draw_graph(loss, collapse=2).source)
    by_name = {name: i for i, name in groups(nodes).items()}
    for layer, count in ((1, N), (2, N), (3, 1)):
        for j in range(count):
            a, h = neuron_values(loss, layer, j)
            shown = [a] if h is None else [a, h]
            grads = autograd.grad(loss, shown)
            cells = texts(nodes[by_name[f"layer{layer}.neuron{j}"]])
            rows = [cells[k:k + 3] for k in range(3, 3 + 3 * len(shown), 3)]
            assert rows == [[role, four(v.data), four(g)]
                            for role, v, g in zip(["a", "h"], shown, grads)], (layer, j)
            parameters = [p for p in autograd.topological_order(loss)
                          if p.label.startswith(f"layer{layer}.neuron{j}.")]
            largest = max(abs(g) for g in autograd.grad(loss, parameters))
            assert cells[-1].endswith(f"{len(parameters)} params, max |grad| {four(largest)}")


def test_edges_carry_the_sign_and_size_of_the_gradient_flowing_back(demo_net):
    model, _, loss = demo_net
    nodes, edges = parse(draw_graph(loss, collapse=2).source)
    by_name = {name: i for i, name in groups(nodes).items()}
    widths, colours = [], set()
    for i, j in [(i, j) for i in range(16) for j in range(16)]:  # every layer 1 -> 2 edge
        a, _ = neuron_values(loss, 2, j)
        (d_a,) = autograd.grad(loss, [a])
        flow = model.layers[1].neurons[j].w[i].data * d_a  # ∂(w·h)/∂h_i = w_i, times ∂L/∂a
        (attrs,) = [e for s, t, e in edges
                    if (s, t) == (by_name[f"layer1.neuron{i}"], by_name[f"layer2.neuron{j}"])]
        colour = drawing.POSITIVE if flow > 0 else drawing.NEGATIVE if flow < 0 else \
            drawing.NO_FLOW
        assert attrs["color"] == colour, (i, j, flow)
        colours.add(colour)
        widths.append((abs(flow), float(attrs["penwidth"])))
    assert colours == {drawing.POSITIVE, drawing.NEGATIVE, drawing.NO_FLOW}
    assert [w for _, w in sorted(widths)] == sorted(w for _, w in widths)  # wider when larger
    assert "Blue: positive, orange: negative" in draw_graph(loss, collapse=2).source  # legend


def test_expand_draws_exactly_that_neuron_in_full(demo_net):
    _, _, loss = demo_net
    nodes, edges = parse(draw_graph(loss, collapse=2, expand=["layer2.neuron5"]).source)
    names = groups(nodes)
    assert len(names) == 2 * N and "layer2.neuron5" not in names.values()
    drawn = [texts(a)[0] for a in values(nodes).values()]
    assert sorted(n for n in drawn if re.fullmatch(r"w\d+|b", n)) == sorted(
        [f"w{i}" for i in range(N)] + ["b"])  # its 16 weights and bias, and no one else's
    a, h = neuron_values(loss, 2, 5)
    for node in (a, h):
        (grad,) = autograd.grad(loss, [node])
        assert any(texts(v)[1:] == [f"data {four(node.data)}", f"grad {four(grad)}"]
                   for v in values(nodes).values())
    (op_id,) = [i for i, a in nodes.items() if i.endswith("_op") and "PORT" in a["label"]]
    into_ports = sorted(e["port"] for s, t, e in edges if t == op_id and s in names)
    assert into_ports == sorted(f"i{N + i}" for i in range(N))  # each layer-1 neuron, its x


def test_each_layer_keeps_its_order_and_nothing_overlaps(demo_net):
    _, _, loss = demo_net
    picture = draw_graph(loss, collapse=2)
    nodes, _ = parse(picture.source)
    by_name = {name: i for i, name in groups(nodes).items()}
    plain = drawing.render(picture, "plain").decode().splitlines()
    width, height = (float(v) for v in plain[0].split()[2:4])
    boxes = {}
    for line in plain:
        parts = line.split()
        if parts[0] == "node":
            x, y, w, h = (float(v) for v in parts[2:6])
            boxes[parts[1]] = (x - w / 2, y - h / 2, x + w / 2, y + h / 2)
    for layer in (1, 2):
        ys = [boxes[by_name[f"layer{layer}.neuron{j}"]][1] for j in range(N)]
        assert ys == sorted(ys, reverse=True)  # neuron0 on top, in index order
    columns = [boxes[by_name[f"layer{layer}.neuron0"]][0] for layer in (1, 2, 3)]
    assert columns == sorted(columns)  # left to right
    ids = list(boxes)
    for k, first in enumerate(ids):
        for second in ids[k + 1:]:
            a, b = boxes[first], boxes[second]
            overlap = a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]
            assert not overlap, (first, second)
    assert width <= 25 and height <= 16  # inches: about one screen


def test_more_than_16_network_inputs_are_one_summary_node():
    X, y = nn.load_digits()
    model = nn.MLP(64, [32, 10], seed=0, init="he")
    loss = losses.cross_entropy(model(X[0]), y[0])
    loss.backward()
    nodes, edges = parse(draw_graph(loss, collapse=2).source)
    assert len(groups(nodes)) == 42
    summary = texts(nodes["inputs"])
    assert summary[0] == "64 inputs" and summary[1] == f"data {min(X[0]):.4g} .. {max(X[0]):.4g}"
    assert sum(1 for a, _, _ in edges if a == "inputs") == 32  # to each first-layer neuron


def test_bad_collapse_and_expand_are_clear_errors(demo_net):
    _, _, loss = demo_net
    with pytest.raises(ValueError, match="collapse"):
        draw_graph(loss, collapse=0)
    with pytest.raises(TypeError, match="expand must be a list of group names"):
        draw_graph(loss, collapse=2, expand="layer2.neuron5")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="no group named 'layer9.neuron0' at collapse=2"):
        draw_graph(loss, collapse=2, expand=["layer9.neuron0"])
