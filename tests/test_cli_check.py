"""`backprop check EXPR name=value...`: the gradcheck table, exit 0 / 1 / 2."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import pytest

from autograd import define_op
from nn.cli import main


def run(capsys, *argv: str) -> tuple[int, str, str]:
    status = main(["check", *argv])
    out, err = capsys.readouterr()
    return status, out, err


def _row(out: str, name: str) -> list[str]:
    (line,) = [line for line in out.splitlines() if line.split()[:1] == [name]]
    return line.split()


def test_a_correct_gradient_prints_a_passing_table_and_exits_0(capsys):
    status, out, err = run(capsys, "log(1 + exp(x*y))", "x=0.3", "y=-2")
    assert status == 0 and err == ""
    assert "PASSED" in out and "analytic" in out and "numeric" in out
    # d/dx log(1 + e^(xy)) = y·σ(xy); d/dy = x·σ(xy); σ(-0.6) = 1/(1 + e^0.6)
    sigma = 1 / (1 + math.exp(0.6))
    x_row, y_row = _row(out, "x"), _row(out, "y")
    assert float(x_row[1]) == pytest.approx(-2 * sigma, rel=1e-7)
    assert float(y_row[1]) == pytest.approx(0.3 * sigma, rel=1e-7)
    assert x_row[-1] == "pass" and y_row[-1] == "pass"


def test_tolerances_finite_differences_cannot_meet_fail_with_exit_1(capsys):
    # Finite differences are never exact: with atol = rtol = 0 the check must fail.
    status, out, _ = run(capsys, "exp(x)", "x=0.3", "--atol", "0", "--rtol", "0")
    assert status == 1
    assert "FAILED" in out and _row(out, "x")[-1] == "FAIL"
    # every rule is right (the CLI reaches only built-in ops): the last line says so
    assert out.splitlines()[-1].startswith(
        "Every local derivative on the paths from the inputs agrees with finite differences "
        "of its op, so the disagreement is numerical: x is off by")


# Expressions reach only the built-in ops, whose rules are right: a check fails at a
# kink, or for numerical reasons. A kink is explained, and still exits 1: no gradient
# can be confirmed at a point where the function has none.


def test_relu_at_its_kink_is_explained_and_exits_1(capsys):
    status, out, err = run(capsys, "relu(x)", "x=0")
    assert status == 1 and err == ""
    assert _row(out, "x")[1:3] == ["0", "0.5"]
    assert out.splitlines()[-1] == (
        "The check fails at a kink: relu#1 = relu(x) at x = 0 is not differentiable: the "
        "rule uses 0, finite differences see 0.5 (slope 0 on the left, 1 on the right).")


def test_a_kink_inside_a_bigger_expression_names_its_node(capsys):
    status, out, _ = run(capsys, "clamp(x, 0, 1) * y", "x=1", "y=2")
    assert status == 1
    assert out.splitlines()[-1].startswith(
        "The check fails at a kink: clamp#1 = clamp(x, 0, 1) at x = 1 is not differentiable")


def test_a_kink_where_the_check_passes_gets_a_note_and_exits_0(capsys):
    # |x| at 0: the slopes -1 and 1 average to the rule's 0, so the numbers agree.
    status, out, _ = run(capsys, "abs(x)", "x=0")
    assert status == 0 and "PASSED" in out
    assert out.splitlines()[-1] == (
        "note: abs#1 = abs(x) at x = 0 is not differentiable: the rule uses 0, finite "
        "differences see 0 (slope -1 on the left, 1 on the right)")


def test_near_a_pole_the_check_blames_eps(capsys):
    status, out, _ = run(capsys, "log(x)", "x=1e-5")
    assert status == 1
    assert "the disagreement is numerical" in out.splitlines()[-1]
    assert "at log#1 the rule agrees with finite differences only once they are refined" \
        in out.splitlines()[-1]


def test_a_wrong_op_of_your_own_is_named_as_the_culprit(capsys):
    # Only an op declared in this process can be wrong: the command line cannot declare one.
    define_op("cli_wrong_square", lambda x: x * x, [lambda x, out: 4 * x],
              ["d(x^2)/dx = 4x (wrong)"])
    status, out, _ = run(capsys, "sin(cli_wrong_square(x) * y)", "x=0.5", "y=2")
    assert status == 1
    assert out.splitlines()[-1] == (
        "The culprit is cli_wrong_square#1 (op cli_wrong_square), input 1 (x): its rule "
        "\"d(x^2)/dx = 4x (wrong)\" gives 2 where finite differences of cli_wrong_square's "
        "forward give 1.")


def test_eps_atol_and_rtol_are_shown(capsys):
    status, out, _ = run(capsys, "x*x", "x=2", "--eps", "1e-4", "--atol", "1e-6",
                         "--rtol", "1e-4")
    assert status == 0
    assert "eps=0.0001, atol=1e-06, rtol=0.0001" in out


def test_only_the_variables_the_expression_uses_are_rows(capsys):
    status, out, _ = run(capsys, "sin(a)", "a=1", "b=2")
    assert status == 0
    assert _row(out, "a") and not [line for line in out.splitlines() if line.startswith("b ")]


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["x +", "x=1"], "syntax error"),
        (["x*y", "x=1"], "no value given for variable 'y'"),
        (["open(x)", "x=1"], "unknown function 'open'"),
        (["log(x)", "x=-1"], "log is defined only for positive inputs"),
        (["sqrt(x)", "x=1e-7"], "x = 1e-07 - 1e-06"),  # a step leaves the domain
        (["x", "x=1", "--eps", "0"], "--eps"),
        (["x", "x=1", "--atol", "-1"], "--atol"),
        (["x", "x=1", "--rtol", "nan"], "--rtol"),
        (["x", "x=abc"], "not a number"),
        (["3 + 4"], "uses no variable"),
        # math as it is written on paper; before: "invalid decimal literal", "invalid
        # character '−' (U+2212)", "unknown function '2'", and no word of the case
        (["2x", "x=1"], "syntax error in '2x': multiplication needs *: write 2*x, not 2x"),
        (["3x**2 + 1", "x=1"], "write 3*x, not 3x"),
        (["x − 1", "x=1"], "write - for the '−' (U+2212, minus sign)"),
        (["x × y", "x=1", "y=2"], "write * for the '×' (U+00D7, multiplication sign)"),
        (["x·y", "x=1", "y=2"], "'x·y' reads as one name: write * for the '·' (U+00B7, "
                                 "middle dot)"),
        (["2(x+1)", "x=1"], "unknown function '2': multiplication needs *: write 2*(x + 1)"),
        (["x", "X=1"], "no value given for variable 'x' (add x=...; names are "
                       "case-sensitive, and X was given)"),
    ],
)
def test_user_errors_are_one_line_on_stderr_and_exit_2(capsys, argv, words):
    status, out, err = run(capsys, *argv)
    assert status == 2 and out == ""
    assert words in err and err.count("\n") == 1 and "Traceback" not in err


@pytest.mark.parametrize("eps", ["1e308", "1e300", "10", "1.5"])
def test_an_eps_too_large_for_finite_differences_is_refused_naming_the_range(capsys, eps):
    # 1e308 printed "x is off by nan" (2·eps overflows); 1e300 and 10 blamed a correct
    # tanh as the culprit or a kink: a step that large measures no derivative
    status, out, err = run(capsys, "tanh(x)", "x=2", "--eps", eps)
    assert status == 2 and out == "" and err.count("\n") == 1
    assert f"check: argument --eps: expected a number in [1e-300, 1], got {eps}" in err


@pytest.mark.parametrize("eps", ["5e-324", "1e-320", "9e-301"])
def test_an_eps_too_small_to_step_with_is_refused_naming_the_range(capsys, eps):
    # 5e-324, the smallest float, ended in "backprop: check: float division by zero": the
    # check's smaller steps (eps/4, eps/16) are 0 there
    status, out, err = run(capsys, "x*x", "x=1", "--eps", eps)
    assert status == 2 and out == ""
    assert err == f"backprop: check: argument --eps: expected a number in [1e-300, 1], got {eps}\n"


def test_the_smallest_eps_allowed_still_checks(capsys):
    status, out, err = run(capsys, "x*x", "x=1e-295", "--eps", "1e-300")
    assert status == 0 and err == "" and "PASSED" in out and "eps=1e-300," in out


def test_the_largest_eps_allowed_still_checks(capsys):
    status, out, _ = run(capsys, "x*x", "x=2", "--eps", "1")  # exact for a quadratic
    assert status == 0 and "PASSED" in out and "eps=1," in out


@pytest.mark.parametrize("expression, point, step", [
    ("x**99999999999", "x=1", "x = 1 + 1e-06"),   # 1.000001 ** 1e11 is too large
    ("x**99999999999", "x=-1", "x = -1 - 1e-06"),
    ("exp(y)", "y=709.7827124", "y = 709.7827124 + 1e-06"),  # exp above 709.78
])
def test_a_finite_difference_step_that_overflows_says_overflow_not_domain(
        capsys, expression, point, step):
    # f is fine at the point but too large for a float one step away: this was reported
    # as "finite differences step outside the domain"
    status, out, err = run(capsys, expression, point)
    assert status == 2 and out == "" and err.count("\n") == 1
    assert f"f fails at {step} (f overflows there; move the point or lower eps)" in err
    assert "too large for a float" in err and "domain" not in err


def test_the_console_script_runs_the_check():
    script = Path(sys.executable).with_name("backprop")
    if not script.exists():
        pytest.fail(f"the console script is not installed next to {sys.executable}")
    result = subprocess.run([str(script), "check", "log(1 + exp(x*y))", "x=0.3", "y=-2"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "PASSED" in result.stdout
    kink = subprocess.run([str(script), "check", "relu(x)", "x=0"],
                          capture_output=True, text=True, timeout=60)
    assert kink.returncode == 1 and kink.stderr == ""
    assert "relu(x) at x = 0 is not differentiable: the rule uses 0, finite differences " \
           "see 0.5" in kink.stdout.splitlines()[-1]
