"""Property tests: every built-in op's derivatives agree with finite differences.

For each op in `autograd.OPS`, hypothesis draws inputs inside its domain and
away from its kinks (`autograd.strategies.op_inputs`) and `gradcheck` compares
the engine's gradient with central differences. Adding an op to the table
without an input strategy (and so without a property test) fails
`test_every_op_has_a_property_test`.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd import OPS, Value, grad, gradcheck, gradgradcheck, jvp
from autograd.strategies import OP_DOMAINS, expressions_and_inputs, op_inputs, values_in

# Every op the property tests below cover. Add the new op here AND an input
# strategy in autograd.strategies.OP_DOMAINS when you add one to the table.
COVERED = {
    "add", "sub", "mul", "div", "pow", "pow_value", "neg", "exp", "log", "tanh", "sigmoid",
    "relu", "abs", "sqrt", "sin", "cos", "sum", "dot", "logsumexp",
}

# Unary ops smooth on their whole test domain: their second derivatives are checked.
SMOOTH_UNARY = ["neg", "exp", "log", "tanh", "sigmoid", "sqrt", "sin", "cos", "pow"]


def test_every_op_has_a_property_test():
    missing = sorted(set(OPS) - COVERED)
    assert not missing, f"ops without a property test (add them to COVERED): {missing}"
    without_inputs = sorted(set(OPS) - set(OP_DOMAINS))
    assert not without_inputs, f"ops without an input strategy in OP_DOMAINS: {without_inputs}"


def _applied(name: str, params: tuple[float, ...]):
    op = OPS[name]
    return lambda *values: op(*values, params=params)


@pytest.mark.parametrize("name", sorted(COVERED))
@given(data=st.data())
def test_gradient_matches_finite_differences(name, data):
    args, params = data.draw(op_inputs(name), label="inputs, params")
    report = gradcheck(_applied(name, params), args)
    assert report, f"{name}{args} params={params}\n{report}"


@pytest.mark.parametrize("name", sorted(COVERED))
@given(data=st.data())
def test_gradient_of_a_composition_matches_finite_differences(name, data):
    # The op inside a chain: its local derivative times an upstream gradient other than 1.
    args, params = data.draw(op_inputs(name), label="inputs, params")
    op = _applied(name, params)
    report = gradcheck(lambda *vs: op(*vs).sin() * 1.5, args)
    assert report, f"sin({name}{args})\n{report}"


@pytest.mark.parametrize("name", SMOOTH_UNARY)
@given(data=st.data())
def test_second_derivative_matches_finite_differences_of_the_first(name, data):
    args, params = data.draw(op_inputs(name), label="inputs, params")
    report = gradgradcheck(_applied(name, params), args)
    assert report, f"{name}{args} params={params}\n{report}"


@pytest.mark.parametrize("name", SMOOTH_UNARY)
@given(data=st.data())
def test_second_derivative_matches_second_differences_of_the_function(name, data):
    # f''(x) ≈ (f(x+h) - 2f(x) + f(x-h)) / h², error about h²·f''''/12 + 4·10⁻¹⁶·|f|/h²
    (x,), params = data.draw(op_inputs(name), label="inputs, params")
    f, h = _applied(name, params), 1e-4
    leaf = Value(x, label="x")
    (first,) = grad(f(leaf), [leaf], create_graph=True)
    (second,) = grad(first, [leaf])
    numeric = (f(x + h) - 2 * f(x) + f(x - h)) / (h * h)
    assert second == pytest.approx(numeric, abs=1e-4, rel=1e-3)


@given(expressions_and_inputs(["x", "y", "z"], max_depth=4), st.data())
def test_forward_mode_equals_reverse_mode(case, data):
    expression, point = case
    tangents = data.draw(st.tuples(*[values_in(-1, 1) for _ in point]), label="tangents")
    value, directional = jvp(expression, point, tangents)
    leaves = [Value(x) for x in point]
    out = expression(*leaves)
    gradient = grad(out, leaves) if not isinstance(out, float) else (0.0,) * len(point)
    assert value == float(out)
    reverse = math.fsum(g * t for g, t in zip(gradient, tangents))
    assert directional == pytest.approx(reverse, rel=1e-9, abs=1e-9)
