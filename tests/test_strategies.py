"""autograd.strategies: safe random expressions, tested with hypothesis itself."""

from __future__ import annotations

import ast
import math
import os
import subprocess
import sys

import pytest
from hypothesis import find, given, settings
from hypothesis import strategies as st

import autograd
from autograd import FUNCTIONS, Value, gradcheck
from autograd.expression import ExpressionError, evaluate
from autograd.strategies import (
    INPUT_BOUND,
    VALUE_BOUND,
    Expression,
    away_from_zero,
    expressions,
    expressions_and_inputs,
    inputs,
    op_inputs,
    values_in,
)

MANY = settings(max_examples=300)


# ------------------------------------------------- the guarantees, over many


@MANY
@given(expressions_and_inputs(["x", "y"], max_depth=4))
def test_a_correct_engine_passes_gradcheck_on_every_generated_expression(case):
    expression, point = case
    report = gradcheck(expression, point)
    assert report, f"{expression} at {point}\n{report}"


@MANY
@given(expressions_and_inputs(["x", "y", "z"], max_depth=4))
def test_values_stay_within_the_promised_bound(case):
    expression, point = case
    value = float(expression(*point))
    assert math.isfinite(value) and abs(value) <= expression.bound <= VALUE_BOUND


@MANY
@given(expressions(["x", "y"], max_depth=3))
def test_every_op_gets_arguments_inside_its_domain_and_off_its_kinks(expression):
    # Record every op's arguments while evaluating at the corners and centre of the box.
    corners = [(a, b) for a in (-INPUT_BOUND, 0.0, INPUT_BOUND)
               for b in (-INPUT_BOUND, 0.0, INPUT_BOUND)]
    for point in corners:
        out = expression(*[Value(v) for v in point])
        if not isinstance(out, Value):
            continue
        for node in autograd.topological_order(out):
            args = [p.data for p in node.parents]
            if node.op == "tanh":
                continue  # smooth everywhere: it squeezes arguments into the others' intervals
            if node.op in FUNCTIONS:  # inside the intervals its table entry declares
                assert any(node.settings in domain.settings and all(
                    any(low <= a <= high for low, high in intervals)
                    for a, intervals in zip(args, domain.inputs))
                    for domain in FUNCTIONS[node.op].domains), (node.op, args)
            elif node.op == "div":
                assert abs(args[1]) >= 1.0
            elif node.op == "pow_value":
                assert args[0] >= 1.0
            elif node.op == "pow" and node.settings[0] not in (2.0, 3.0):
                assert args[0] >= 0.5
            elif node.op == "mod":  # a/b stays clear of the integers, where a % b jumps
                ratio = args[0] / args[1]
                assert abs(ratio - round(ratio)) >= 0.02


@MANY
@given(expressions(["x", "y"], max_depth=3))
def test_the_printed_formula_is_the_same_formula(expression):
    # autograd.expression parses the text on its own; it must give the same number.
    names = {node.id for node in ast.walk(ast.parse(str(expression), mode="eval"))
             if isinstance(node, ast.Name)}
    assert names <= {"x", "y"} | set(FUNCTIONS)
    point = {"x": 0.7, "y": -1.3}
    try:
        parsed, _ = evaluate(str(expression), point)
    except ExpressionError as error:  # a formula of constants only, e.g. "tanh(1.5)"
        assert "uses no variable" in str(error) and not names & {"x", "y"}
        return
    assert parsed.data == pytest.approx(float(expression(0.7, -1.3)), rel=1e-12, abs=1e-12)


@MANY
@given(st.integers(0, 4).flatmap(lambda d: st.tuples(st.just(d), expressions(["x"], d))))
def test_depth_is_bounded(case):
    max_depth, expression = case
    # a safe construction such as log(2.5 + 2.2*tanh(x)) is one step but four levels
    assert expression.depth <= 4 * max_depth


@given(expressions_and_inputs(["x", "y"]))
def test_expressions_accept_floats_and_values_alike(case):
    expression, point = case
    as_floats = expression(*point)
    as_values = expression(*[Value(v) for v in point])
    assert float(as_values) == pytest.approx(float(as_floats), rel=1e-12, abs=1e-12)


# ------------------------------------------------------------------ shrinking


def test_shrinking_finds_the_smallest_expression_with_a_property():
    simplest = settings(database=None, max_examples=500)
    assert str(find(expressions(["x"]), lambda e: "log" in str(e), settings=simplest)) \
        == "log(x*x + 1)"
    assert str(find(expressions(["x", "y"]), lambda e: "y" in str(e), settings=simplest)) == "y"
    deep = find(expressions(["x"], max_depth=3), lambda e: e.depth >= 3, settings=simplest)
    assert deep.depth == 3  # no deeper than asked for: shrinking removed every extra level


# ----------------------------------------------------------- building blocks


@given(values_in(-0.5, 2.0))
def test_values_in_stays_in_range(x):
    assert -0.5 <= x <= 2.0 and math.isfinite(x)


@given(away_from_zero(0.1, 3.0))
def test_away_from_zero_keeps_its_distance(x):
    assert 0.1 <= abs(x) <= 3.0


@given(inputs(["a", "b", "c"]))
def test_inputs_gives_one_value_per_variable_inside_the_box(point):
    assert len(point) == 3 and all(abs(v) <= INPUT_BOUND for v in point)


@pytest.mark.parametrize("name", sorted(autograd.OPS))
@given(data=st.data())
def test_op_inputs_are_inside_each_ops_domain(name, data):
    args, params = data.draw(op_inputs(name))
    value = autograd.OPS[name](*args, *params)  # raises outside the domain
    assert math.isfinite(value)


def test_expressions_know_their_variables_and_check_the_argument_count():
    expression = find(expressions(["x", "y"]), lambda e: "x" in str(e) and "y" in str(e),
                      settings=settings(database=None))
    assert isinstance(expression, Expression) and expression.variables == ("x", "y")
    assert repr(expression) == f"Expression({str(expression)!r})"
    with pytest.raises(TypeError, match=r"takes 2 value\(s\) \(x, y\), got 1"):
        expression(1.0)


@pytest.mark.parametrize(
    ("variables", "words"),
    [([], "at least one"), (["exp"], "bad variable name 'exp'"), (["x", "x"], "distinct"),
     (["1x"], "bad variable name")],
)
def test_bad_variable_names_are_refused(variables, words):
    with pytest.raises(ValueError, match=words):
        expressions(variables)


def test_bad_settings_are_refused():
    with pytest.raises(ValueError, match="max_depth"):
        expressions(["x"], max_depth=-1)
    with pytest.raises(ValueError, match="low <= high"):
        values_in(2, 1)
    with pytest.raises(ValueError, match="0 < low"):
        away_from_zero(0, 1)
    with pytest.raises(KeyError, match="no input strategy for op 'nope'"):
        op_inputs("nope")


# ------------------------------------------------------------------ profiles


def test_the_ci_profile_is_deterministic_and_loaded_by_default():
    ci = settings.get_profile("ci")
    assert ci.derandomize and ci.deadline is None and ci.print_blob
    assert ci.max_examples <= 100  # modest: the whole suite shares a CI budget
    assert not settings.get_profile("dev").derandomize
    expected = os.environ.get("HYPOTHESIS_PROFILE") or "ci"
    loaded = settings()  # the settings now in force
    assert loaded.derandomize == settings.get_profile(expected).derandomize
    assert loaded.max_examples == settings.get_profile(expected).max_examples


# ------------------------------------------------------------------- imports


def _python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60)


def test_importing_autograd_does_not_import_hypothesis():
    result = _python("import sys, autograd; print('hypothesis' in sys.modules)")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_plain_import_autograd_reaches_the_strategies_module_on_first_use():
    code = (
        "import sys, autograd\n"
        "print('hypothesis' in sys.modules)\n"
        "print(autograd.strategies.expressions.__module__)\n"
    )
    result = _python(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "autograd.checks.strategies"]


def test_without_hypothesis_the_import_error_says_what_to_install():
    code = (
        "import sys\n"
        "sys.modules['hypothesis'] = None  # as if it were not installed\n"
        "try:\n"
        "    import autograd.strategies\n"
        "except ImportError as error:\n"
        "    print(error)\n"
    )
    result = _python(code)
    assert result.returncode == 0, result.stderr
    # backprop-lab is not on PyPI: name the package itself, and the extra for a clone
    assert "pip install hypothesis" in result.stdout
    assert 'pip install -e ".[test]"' in result.stdout
    assert "backprop-lab[test]" not in result.stdout
