"""autograd.check_against_torch: our derivatives against PyTorch replaying the same graph.

- every op of `autograd.OPS` has a torch twin, and the engine's first and second
  derivatives agree with torch's on inputs from `autograd.strategies.op_inputs`
  (a new op without a twin, or without an input strategy, fails here);
- random expressions over every op (`expressions_and_inputs`) agree;
- a planted wrong custom op is caught, at order 1 or only at order 2;
- the twins of ops that land later (mod, atan2, softplus, ...) compute what
  Python's math module computes;
- bad arguments and missing twins are clear errors.
"""

from __future__ import annotations

import math
import re

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import autograd
from autograd import OPS, Value, define_op
from autograd.checks.checking import GradcheckReport
from autograd.core import is_built_in
from autograd.strategies import expressions_and_inputs, op_inputs

torch = pytest.importorskip(
    "torch", reason="PyTorch is not installed (the optional 'torch' extra): "
                    "pip install torch --index-url https://download.pytorch.org/whl/cpu")
from autograd.checks.torch_check import builtin_torch_ops, check_against_torch  # noqa: E402

# Ops the engine rewrite adds; their twins are in the table already.
UPCOMING_OPS = {
    "tan", "sinh", "cosh", "asin", "acos", "atan", "atan2", "log1p", "expm1", "log2",
    "log10", "maximum", "minimum", "softplus", "leaky_relu", "clamp", "mod",
}


def test_check_against_torch_is_reachable_from_autograd():
    assert autograd.check_against_torch is check_against_torch
    assert "check_against_torch" in autograd.__all__


def test_every_op_has_a_torch_twin():
    table = builtin_torch_ops()
    missing = sorted(name for name in OPS if is_built_in(name) and name not in table)
    assert not missing, f"ops without a torch twin in builtin_torch_ops: {missing}"
    assert UPCOMING_OPS <= set(table), sorted(UPCOMING_OPS - set(table))


# ------------------------------------------------------------ every built-in op


@pytest.mark.parametrize("name", sorted(name for name in OPS if is_built_in(name)))
@given(data=st.data())
def test_each_op_agrees_with_torch_to_second_order(name, data):
    args, settings = data.draw(op_inputs(name), label="inputs, settings")
    leaves = [Value(a, label=f"a{i}") for i, a in enumerate(args)]
    root = OPS[name](*leaves, *settings)
    report = check_against_torch(root, order=2)
    assert report, f"{name}{args} settings={settings}\n{report}"
    assert len(report) == 1 + len(leaves) + len(leaves) ** 2


@pytest.mark.parametrize("name", sorted(name for name in OPS if is_built_in(name)))
@given(data=st.data())
def test_each_op_inside_a_chain_agrees_with_torch(name, data):
    # an upstream gradient other than 1, and the op's output used twice
    args, settings = data.draw(op_inputs(name), label="inputs, settings")
    leaves = [Value(a, label=f"a{i}") for i, a in enumerate(args)]
    out = OPS[name](*leaves, *settings)
    report = check_against_torch(out.sin() * 1.5 + out * out)
    assert report, f"{name}{args} settings={settings}\n{report}"


@given(expressions_and_inputs(["x", "y"]))
def test_random_expressions_agree_with_torch(case):
    expression, (x, y) = case
    root = expression(Value(x, label="x"), Value(y, label="y"))
    assume(isinstance(root, Value))  # a formula without a variable is a plain number
    report = check_against_torch(root, order=2)
    assert report, f"{expression} at x={x}, y={y}\n{report}"


# --------------------------------------------------------- custom ops, planted bugs


def _cube(derivative, name="cube"):
    return define_op(name, forward=lambda x: x**3, derivatives=[derivative],
                     formulas=["d(x^3)/dx = 3x^2"])


TWINS = {"cube": lambda x: x**3}


def test_a_right_custom_op_passes_with_its_twin():
    cube = _cube(lambda x, out: 3 * x * x)
    x = Value(1.3, label="x")
    report = check_against_torch(cube(x).tanh(), order=2, torch_ops=TWINS)
    assert report, str(report)
    assert [entry.name for entry in report] == ["output (value)", "x", "∂²f/∂x²"]


def test_a_wrong_derivative_rule_is_caught():
    cube = _cube(lambda x, out: 2 * x * x)  # should be 3x²
    x, w = Value(1.3, label="x"), Value(-0.4, label="w")
    report = check_against_torch(cube(x) * w, torch_ops=TWINS)
    assert not report
    assert [entry.name for entry in report.failures] == ["x"]  # w and the value agree
    engine, theirs = report["x"].values
    assert engine == pytest.approx(2 * 1.3**2 * -0.4) and theirs == pytest.approx(3 * 1.3**2 * -0.4)
    with pytest.raises(AssertionError, match="FAIL"):
        check_against_torch(cube(x) * w, torch_ops=TWINS, raise_on_failure=True)


def test_a_rule_that_breaks_second_derivatives_is_caught_at_order_2():
    # float(x) cuts the rule out of the graph: right slope, but its derivative is 0
    cube = _cube(lambda x, out: 3 * float(x) ** 2)
    x = Value(0.8, label="x")
    assert check_against_torch(cube(x), order=1, torch_ops=TWINS)
    report = check_against_torch(cube(x), order=2, torch_ops=TWINS)
    assert [entry.name for entry in report.failures] == ["∂²f/∂x²"]
    assert report["∂²f/∂x²"].values == pytest.approx((0.0, 6 * 0.8))


def test_a_wrong_forward_in_a_twin_shows_in_the_value_entry():
    cube = _cube(lambda x, out: 3 * x * x)
    x = Value(1.1, label="x")
    report = check_against_torch(cube(x), torch_ops={"cube": lambda t: t**3 + 1e-6})
    assert [entry.name for entry in report.failures] == ["output (value)"]


def test_an_op_without_a_twin_is_an_error_naming_it():
    cube = _cube(lambda x, out: 3 * x * x, name="my_cube")
    x = Value(1.1)
    with pytest.raises(ValueError, match=r"no torch function for op 'my_cube' \(2 nodes\)"):
        check_against_torch(cube(cube(x)) + x)


def test_twins_that_do_not_fit_their_op_are_clear_errors():
    cube = _cube(lambda x, out: 3 * x * x)
    root = cube(Value(2.0))
    with pytest.raises(RuntimeError, match=r"twin of 'cube' failed on \(2\)"):
        check_against_torch(root, torch_ops={"cube": lambda x, y: x * y})
    with pytest.raises(TypeError, match="twin of 'cube' must return a 0-d float64 tensor, "
                                        "got float"):
        check_against_torch(root, torch_ops={"cube": lambda x: x.item() ** 3})
    with pytest.raises(TypeError, match=r"got a tensor of shape \(1,\) and dtype torch.float64"):
        check_against_torch(root, torch_ops={"cube": lambda x: (x**3).reshape(1)})


# ------------------------------------------------- twins of the ops that land later


def _twin(name, *args):
    tensors = [torch.tensor(a, dtype=torch.float64) for a in args]
    return builtin_torch_ops()[name](*tensors).item()


@pytest.mark.parametrize("a, b", [(7.0, 3.0), (-7.0, 3.0), (7.0, -3.0), (-7.5, -2.0), (5.25, 0.5)])
def test_mod_twin_follows_python_remainder(a, b):
    assert _twin("mod", a, b) == a % b  # the sign of the divisor, like Python's %


@pytest.mark.parametrize("y, x", [(1.0, 2.0), (-1.0, -2.0), (0.5, -3.0), (-2.0, 0.25)])
def test_atan2_twin_takes_y_then_x(y, x):
    assert _twin("atan2", y, x) == pytest.approx(math.atan2(y, x), rel=1e-15)


@pytest.mark.parametrize("x", [-800.0, -30.0, -1.0, 0.0, 2.5, 25.0, 800.0])
def test_softplus_twin_is_log_one_plus_exp_everywhere(x):
    exact = max(x, 0.0) + math.log1p(math.exp(-abs(x)))
    assert _twin("softplus", x) == pytest.approx(exact, rel=1e-15, abs=1e-300)


@pytest.mark.parametrize("name, function", [
    ("tan", math.tan), ("sinh", math.sinh), ("cosh", math.cosh), ("asin", math.asin),
    ("acos", math.acos), ("atan", math.atan), ("log1p", math.log1p), ("expm1", math.expm1),
    ("log2", math.log2), ("log10", math.log10)])
def test_unary_twins_compute_the_math_function(name, function):
    for x in (-0.7, 0.3, 0.9) if name not in ("log2", "log10") else (0.3, 0.9, 7.5):
        assert _twin(name, x) == pytest.approx(function(x), rel=1e-14)


def test_twins_with_settings():
    table = builtin_torch_ops()
    x = torch.tensor(-2.0, dtype=torch.float64)
    assert table["leaky_relu"](x, 0.1).item() == pytest.approx(-0.2)
    assert table["clamp"](x, -1.0, 3.0).item() == -1.0
    assert table["pow"](x, 3.0).item() == -8.0
    assert _twin("maximum", 1.0, 2.0) == 2.0 and _twin("minimum", 1.0, 2.0) == 1.0


# ------------------------------------------------------------- reports and errors


def test_entries_are_named_by_label_else_by_position():
    x, same1, same2, anonymous = (Value(0.5, "x"), Value(1.5, "w"), Value(2.5, "w"), Value(-1.0))
    report = check_against_torch((x * same1 + same2) * anonymous)
    names = [entry.name for entry in report]
    assert names[0] == "output (value)" and "x" in names
    assert len([n for n in names if re.fullmatch(r"leaf\d w", n)]) == 2  # the label is shared
    assert len([n for n in names if re.fullmatch(r"leaf\d", n)]) == 1  # no label
    assert len(set(names)) == len(names) == 5


def test_the_graph_is_left_as_it_was():
    x = Value(0.5, "x")
    y = (x * x).tanh()
    check_against_torch(y, order=2)
    assert x.grad == 0.0 and y.grad == 0.0
    assert y.data == math.tanh(0.25)


def test_a_leaf_as_output_has_gradient_one():
    x = Value(3.0, "x")
    report = check_against_torch(x, order=2)
    assert report and report["x"].values == (1.0, 1.0) and report["∂²f/∂x²"].values == (0.0, 0.0)


def test_report_is_a_gradcheck_report_that_prints_as_a_table():
    x = Value(0.5, "x")
    report = check_against_torch(x.exp() * x)
    assert isinstance(report, GradcheckReport)
    text = str(report)
    assert text.startswith("check_against_torch: PASSED   (order=1, atol=1e-10, rtol=1e-09)")
    assert "engine" in text and "torch" in text


@pytest.mark.parametrize("kwargs, error, message", [
    ({"order": 3}, ValueError, "order must be 1 or 2, got 3"),
    ({"order": True}, ValueError, "order must be 1 or 2, got True"),
    ({"atol": -1.0}, ValueError, "check_against_torch: atol must be >= 0, got -1.0"),
    ({"atol": "a"}, TypeError, "check_against_torch: atol must be a real number, got str"),
    ({"rtol": float("nan")}, ValueError, "check_against_torch: rtol must be finite, got nan"),
])
def test_bad_settings_are_clear_errors(kwargs, error, message):
    with pytest.raises(error, match=message):
        check_against_torch(Value(1.0, "x").exp(), **kwargs)


def test_torch_ops_must_map_names_to_functions():
    root = Value(1.0, "x").exp()
    with pytest.raises(TypeError, match="torch_ops must be a dict of op name -> torch function, "
                                        "got list"):
        check_against_torch(root, torch_ops=[("cube", torch.sin)])
    with pytest.raises(TypeError, match=r"torch_ops\['cube'\] must be a function .* got str"):
        check_against_torch(root, torch_ops={"cube": "torch.sin"})


def test_the_output_must_be_a_value():
    with pytest.raises(TypeError, match="check_against_torch needs a Value, got float"):
        check_against_torch(1.0)


@pytest.mark.parametrize("flag", ["no", 0])
def test_raise_on_failure_must_be_a_bool(flag):
    x = Value(0.5, label="x")
    with pytest.raises(TypeError, match="check_against_torch: raise_on_failure must be True "
                                        f"or False, got {type(flag).__name__}"):
        check_against_torch(x * x, raise_on_failure=flag)
