"""`autograd.recompute(root)`: the same graph, run again at new leaf data.

What a learner means by "run the same graph at x = 0.3": change leaves' ``.data``, call
recompute, and every node holds what a fresh build at the new point would hold; then
backward works (the graph is current again). An error changes nothing.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd
from autograd import StaleGraphError, Value, grad, recompute, topological_order
from autograd.strategies import expressions, inputs


def test_a_neuron_recomputed_at_a_new_point_matches_the_hand_values():
    x, w, b = Value(0.5, label="x"), Value(-1.5, label="w"), Value(2.0, label="b")
    y = (x * w + b).tanh()
    x.data = 0.3
    with pytest.raises(StaleGraphError):
        y.backward()  # out of date until recomputed
    recompute(y)
    assert y.data == pytest.approx(math.tanh(0.3 * -1.5 + 2.0), rel=1e-15)
    y.backward()  # current again
    assert x.grad == pytest.approx((1 - math.tanh(1.55) ** 2) * -1.5, rel=1e-12)


@given(expressions(["x", "y"], max_depth=4), inputs(["x", "y"]), inputs(["x", "y"]))
def test_recompute_gives_the_data_of_a_fresh_build(expression, first, second):
    leaves = [Value(v, label=name) for v, name in zip(first, "xy")]
    root = expression(*leaves)
    if not isinstance(root, Value):
        return  # an expression without variables: nothing to recompute
    for leaf, v in zip(leaves, second):
        leaf.data = v
    recompute(root)
    fresh_leaves = [Value(v) for v in second]
    fresh = expression(*fresh_leaves)
    assert [n.data for n in topological_order(root)] == \
        [n.data for n in topological_order(fresh)]
    assert grad(root, leaves) == grad(fresh, fresh_leaves)  # current: backward works


def test_a_domain_error_names_the_op_and_its_inputs_and_changes_nothing():
    x = Value(2.0, label="x")
    h = x * 3.0
    y = h.log() + x
    before = [(n, n.data) for n in topological_order(y)]
    x.data = -1.0
    with pytest.raises(ValueError, match=r"log\(-3\)"):
        recompute(y)
    assert [(n, n.data) for n in topological_order(y)][1:] == before[1:]  # x aside
    x.data = 2.0  # back to where the graph was built: it is current again
    y.backward()
    assert x.grad == pytest.approx(1 / 2 + 1)


def test_an_overflow_names_the_op_and_changes_nothing():
    x = Value(1.0, label="x")
    e = x.exp()
    y = e * 2.0
    x.data = 800.0
    with pytest.raises(OverflowError, match=r"exp\(800\)"):
        recompute(y)
    assert (e.data, y.data) == (math.e, 2 * math.e)


@pytest.mark.parametrize("bad, error", [(math.nan, ValueError), (math.inf, ValueError),
                                        ("0.3", TypeError), (None, TypeError)])
def test_a_leaf_whose_data_was_set_to_no_finite_number_is_named(bad, error):
    x = Value(1.0, label="x")
    y = x * x
    try:
        x.data = bad
    except TypeError:  # the compiled build (make fast) refuses the assignment itself
        assert autograd.compiled and error is TypeError
        return
    with pytest.raises(error, match="'x'"):
        recompute(y)
    assert y.data == 1.0


def test_recompute_refuses_what_is_not_a_value():
    with pytest.raises(TypeError, match="Value"):
        recompute([Value(1.0)])


def test_int_data_set_on_a_leaf_becomes_a_float():
    x = Value(1.0)
    y = x + 1
    x.data = 2
    recompute(y)
    assert type(x.data) is float and y.data == 3.0


def test_a_million_node_chain_recomputes_without_recursion():
    x = Value(0.0)
    y = x
    for _ in range(1_000_000):
        y = y + 1.0
    x.data = 1.0
    recompute(y)
    assert y.data == 1_000_001.0


def test_shared_subgraphs_are_recomputed_once_and_consistently():
    x = Value(1.0, label="x")
    s = x * x
    y = s + s * s
    x.data = 3.0
    recompute(y)
    assert (s.data, y.data) == (9.0, 90.0)


@given(st.floats(-3, 3))
def test_recompute_then_grad_equals_grad_of_a_rebuilt_graph(v):
    x = Value(0.25, label="x")
    y = (x.sin() * x + 1.0).exp()
    x.data = v
    recompute(y)
    z = Value(v)
    assert grad(y, [x])[0] == grad((z.sin() * z + 1.0).exp(), [z])[0]


def test_recompute_is_exported():
    assert autograd.recompute is recompute
