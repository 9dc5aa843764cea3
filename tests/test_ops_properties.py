"""Property tests: every op of the table, its derivatives against finite differences.

The list of ops is the table itself (`autograd.OPS`), and each op's inputs come
from the domain its entry declares (`autograd.strategies.op_inputs`): adding an
op to the table adds it to every test below, with nothing else to edit.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd import OPS, Value, grad, gradcheck, gradgradcheck, jvp
from autograd.core import is_built_in
from autograd.strategies import expressions_and_inputs, op_inputs, values_in

BUILT_IN = sorted(name for name in OPS if is_built_in(name))


def test_the_table_has_every_op_the_engine_promises():
    promised = {"add", "sub", "mul", "div", "mod", "pow", "pow_value", "neg", "exp", "expm1",
                "log", "log1p", "log2", "log10", "sqrt", "abs", "relu", "leaky_relu", "sigmoid",
                "softplus", "tanh", "sin", "cos", "tan", "sinh", "cosh", "asin", "acos", "atan",
                "atan2", "maximum", "minimum", "clamp", "sum", "dot", "logsumexp"}
    assert promised <= set(BUILT_IN), sorted(promised - set(BUILT_IN))


@pytest.mark.parametrize("name", BUILT_IN)
def test_every_op_declares_a_domain_where_it_computes(name):
    op = OPS[name]
    assert op.domains, f"{name} has no domain to draw test inputs from"
    for domain in op.domains:
        assert all(low < high for intervals in domain.inputs for low, high in intervals)
        assert all(len(s) == op.num_settings for s in domain.settings)


def _applied(name: str, settings: tuple[float, ...]):
    op = OPS[name]
    return lambda *values: op(*values, *settings)


@pytest.mark.parametrize("name", BUILT_IN)
@given(data=st.data())
def test_gradient_matches_finite_differences(name, data):
    args, settings = data.draw(op_inputs(name), label="inputs, settings")
    report = gradcheck(_applied(name, settings), args)
    assert report, f"{name}{args} settings={settings}\n{report}"


@pytest.mark.parametrize("name", BUILT_IN)
@given(data=st.data())
def test_gradient_of_a_composition_matches_finite_differences(name, data):
    # The op inside a chain: its local derivative times an upstream gradient other than 1.
    args, settings = data.draw(op_inputs(name), label="inputs, settings")
    op = _applied(name, settings)
    report = gradcheck(lambda *vs: op(*vs).sin() * 1.5, args)
    assert report, f"sin({name}{args})\n{report}"


@pytest.mark.parametrize("name", BUILT_IN)
@given(data=st.data())
def test_second_derivatives_match_finite_differences_of_the_first(name, data):
    args, settings = data.draw(op_inputs(name), label="inputs, settings")
    report = gradgradcheck(_applied(name, settings), args)
    assert report, f"{name}{args} settings={settings}\n{report}"


@pytest.mark.parametrize("name", [n for n in BUILT_IN if OPS[n].arity == 1])
@given(data=st.data())
def test_second_derivative_matches_second_differences_of_the_function(name, data):
    # f''(x) ≈ (f(x+h) - 2f(x) + f(x-h)) / h², error about h²·f''''/12 + 4·10⁻¹⁶·|f|/h²
    (x,), settings = data.draw(op_inputs(name), label="inputs, settings")
    f, h = _applied(name, settings), 1e-4
    leaf = Value(x, label="x")
    (first,) = grad(f(leaf), [leaf], create_graph=True)
    (second,) = grad(first, [leaf])
    numeric = (f(x + h) - 2 * f(x) + f(x - h)) / (h * h)
    assert second == pytest.approx(numeric, abs=1e-4, rel=1e-3)


@pytest.mark.parametrize("name", BUILT_IN)
@given(data=st.data())
def test_forward_mode_gives_the_reverse_gradient_of_each_op(name, data):
    args, settings = data.draw(op_inputs(name), label="inputs, settings")
    tangents = data.draw(st.tuples(*[values_in(-1, 1) for _ in args]), label="tangents")
    f = _applied(name, settings)
    _, directional = jvp(f, args, tangents)
    leaves = [Value(a) for a in args]
    reverse = math.fsum(g * t for g, t in zip(grad(f(*leaves), leaves), tangents))
    assert directional == pytest.approx(reverse, rel=1e-9, abs=1e-12)


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
