"""Behaviour the engine's fast paths must keep (no timing is asserted here).

The hot paths (`Op.apply` filling nodes in directly, `define_op`'s rules for
one and two inputs, the marker-based topological sort, fresh nodes keeping
their pass gradient) are checked against simple reference definitions.
"""

from __future__ import annotations

import gc
import math

from hypothesis import given, settings
from hypothesis import strategies as st

import autograd
from autograd import Value, define_op, no_grad, topological_order
from autograd.backprop import gradients

# ---------------------------------------------------------------------------
# Random graphs: leaves, then ops that each read earlier nodes
# ---------------------------------------------------------------------------

BINARY = [lambda a, b: a + b, lambda a, b: a * b, lambda a, b: a - b]
UNARY = [lambda a: a.tanh(), lambda a: -a, lambda a: a * a]


@st.composite
def random_graphs(draw: st.DrawFn) -> tuple[Value, list[Value]]:
    """A random DAG with shared sub-expressions; returns (root, leaves)."""
    n_leaves = draw(st.integers(1, 4))
    leaves = [Value(draw(st.floats(-2, 2)), label=f"x{i}") for i in range(n_leaves)]
    nodes = list(leaves)
    for _ in range(draw(st.integers(1, 12))):
        pick = st.sampled_from(nodes)
        kind = draw(st.sampled_from(["unary", "binary", "sum", "dot"]))
        if kind == "unary":
            nodes.append(draw(st.sampled_from(UNARY))(draw(pick)))
        elif kind == "binary":
            nodes.append(draw(st.sampled_from(BINARY))(draw(pick), draw(pick)))
        elif kind == "sum":
            nodes.append(autograd.sum(draw(st.lists(pick, min_size=1, max_size=4))))
        else:
            ws = draw(st.lists(pick, min_size=1, max_size=3))
            xs = draw(st.lists(pick, min_size=len(ws), max_size=len(ws)))
            nodes.append(autograd.dot(ws, xs))
    return nodes[-1], leaves


def recursive_topological_order(root: Value) -> list[Value]:
    """The textbook definition: visit the parents (in argument order), then the node."""
    order: list[Value] = []
    visited: set[Value] = set()

    def visit(node: Value) -> None:
        if node in visited:
            return
        visited.add(node)
        for parent in node.parents:  # in argument order
            visit(parent)
        order.append(node)

    visit(root)
    return order


def gradients_by_paths(root: Value) -> dict[Value, float]:
    """d root / d node as the sum over every path of the product of local derivatives.

    Exponential in general, fine for the small graphs used here; shares no code
    with `gradients` except the op rules (`local_derivatives`).
    """
    grads: dict[Value, float] = {}

    def walk(node: Value, product: float) -> None:
        grads[node] = grads.get(node, 0.0) + product
        for parent, local in zip(node.parents, autograd.local_derivatives(node)):
            walk(parent, product * local)

    walk(root, 1.0)
    return grads


@settings(max_examples=60, deadline=None)
@given(random_graphs())
def test_topological_order_is_the_recursive_post_order(graph: tuple[Value, list[Value]]) -> None:
    root, _ = graph
    assert topological_order(root) == recursive_topological_order(root)


@settings(max_examples=60, deadline=None)
@given(random_graphs())
def test_gradients_equal_the_sum_over_paths(graph: tuple[Value, list[Value]]) -> None:
    root, _ = graph
    expected = gradients_by_paths(root)
    got = gradients(root)
    assert set(got) == set(expected)
    for node, value in expected.items():
        assert math.isclose(got[node], value, rel_tol=1e-9, abs_tol=1e-12)


# ---------------------------------------------------------------------------
# define_op: the one- and two-input shortcuts agree with the declared rules
# ---------------------------------------------------------------------------


@given(st.floats(-3, 3), st.floats(-3, 3), st.floats(-3, 3))
@settings(max_examples=40, deadline=None)
def test_define_op_rules_give_what_the_declared_derivatives_give(a: float, b: float,
                                                                 c: float) -> None:
    d1 = [lambda x, out: 3 * x * x + out]
    d2 = [lambda x, y, out: y + 2 * out, lambda x, y, out: x - out]
    d3 = [lambda x, y, z, out: y * z, lambda x, y, z, out: x * z, lambda x, y, z, out: x * y]
    d_param = [lambda x, k, out: k * x]
    one = define_op("cube_plus", lambda x: x ** 3, d1, ["?"])
    two = define_op("two", lambda x, y: x * y, d2, ["?", "?"])
    three = define_op("three", lambda x, y, z: x * y * z, d3, ["?"] * 3)
    with_param = define_op("scaled_square", lambda x, k: k * x * x / 2, d_param, ["?"],
                           num_settings=1)
    out1, out2, out3 = a ** 3, a * b, a * b * c
    assert one.derivatives_at([a], out1) == [d1[0](a, out1)]
    assert two.derivatives_at([a, b], out2) == [d(a, b, out2) for d in d2]
    assert three.derivatives_at([a, b, c], out3) == [d(a, b, c, out3) for d in d3]
    assert with_param.derivatives_at([a, 2.0], a * a) == [d_param[0](a, 2.0, a * a)]


def test_custom_rule_errors_still_name_the_op_and_input() -> None:
    bad = define_op("inverse", lambda x: 1.0 / x if x else 0.0,
                    [lambda x, out: -1.0 / (x * x)], ["d(1/x)/dx = -1/x^2"])
    y = bad(Value(0.0))
    try:
        y.backward()
    except ZeroDivisionError as error:
        assert "inverse(0)" in str(error)
    else:
        raise AssertionError("the derivative at 0 should raise")


def test_local_derivatives_is_a_list_even_if_a_custom_rule_returns_a_tuple() -> None:
    op = autograd.Op("pair", forward=lambda a, b: a + b, local=lambda args, out: (1.0, 2.0),
                     formula=lambda i, n: "?")
    node = op(Value(1.0), Value(2.0))
    assert autograd.local_derivatives(node) == [1.0, 2.0]


# ---------------------------------------------------------------------------
# Op.apply builds nodes without Value.__init__: they must look the same
# ---------------------------------------------------------------------------


def test_op_results_are_ordinary_nodes() -> None:
    x = Value(2.0, label="x")
    y = x * 3
    assert (type(y.data), y.grad, y.label, y.op, y.settings) == (float, 0.0, "", "mul", ())
    assert y.parents[0] is x and y.parents[1].data == 3.0
    z = x ** 3
    assert z.settings == (3.0,) and z.parents == (x,)


def test_a_custom_forward_returning_an_int_still_gives_a_float() -> None:
    three = define_op("three", lambda x: 3, [lambda x, out: 0.0], ["d3/dx = 0"])
    y = three(Value(1.5))
    assert type(y.data) is float and y.data == 3.0
    empty = autograd.sum([])  # no Values at all: a plain float, as for numbers
    assert type(empty) is float and empty == 0.0


def test_under_no_grad_op_results_are_leaves() -> None:
    x = Value(2.0)
    with no_grad():
        y = autograd.dot([x, x], [x, Value(1.0)]).tanh()
    assert (y.op, y.parents, y.settings, y.operation) == ("", (), (), None)
    assert math.isclose(y.data, math.tanh(6.0))


# ---------------------------------------------------------------------------
# backward: fresh nodes keep their pass gradient; signs and sums unchanged
# ---------------------------------------------------------------------------


def test_a_negative_zero_pass_gradient_leaves_a_plain_zero() -> None:
    x = Value(-1.0)
    y = x.relu() * -2.0  # relu' = 0 at x < 0, times -2: the pass gradient is -0.0
    y.backward()
    assert x.grad == 0.0 and math.copysign(1.0, x.grad) == 1.0


def test_backward_twice_gives_twice_and_nodes_do_not_share_gradients() -> None:
    x = Value(0.5)
    w = Value(-1.5)
    y = (x * w).tanh() + x
    expected = dict(gradients(y))
    y.backward()
    y.backward()
    for node in topological_order(y):
        assert math.isclose(node.grad, 2 * expected[node], rel_tol=1e-12)
    x.grad = 0.0  # resetting one node touches no other
    assert math.isclose(w.grad, 2 * expected[w], rel_tol=1e-12)


def test_create_graph_gradients_are_still_values_that_add_up() -> None:
    x = Value(3.0)
    y = x * x * x
    y.backward(create_graph=True)
    assert isinstance(x.grad, Value) and x.grad.data == 27.0
    (second,) = autograd.grad(x.grad, [x])
    assert second == 18.0


# ---------------------------------------------------------------------------
# Memory: a deep graph that went through backward is freed without the cyclic GC
# ---------------------------------------------------------------------------


def test_a_deep_graph_after_backward_is_freed_by_reference_counting(live_values) -> None:
    gc.collect()
    gc.disable()
    try:
        before = live_values()
        x = Value(1.0)
        y = x
        for _ in range(100_000):
            y = y * 1.0000001
        z = autograd.sum([y, autograd.dot([y, x], [x, x])])
        z.backward()
        assert live_values() - before >= 200_000  # the chain's nodes and its constants
        del y, z
        assert live_values() - before == 1  # x alone: reference counting freed the rest
        assert gc.collect() == 0
    finally:
        gc.enable()
