"""`backprop check EXPR name=value...`: the gradcheck table, exit 0 / 1 / 2."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import pytest

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
    ],
)
def test_user_errors_are_one_line_on_stderr_and_exit_2(capsys, argv, words):
    status, out, err = run(capsys, *argv)
    assert status == 2 and out == ""
    assert words in err and err.count("\n") == 1 and "Traceback" not in err


def test_the_console_script_runs_the_check():
    script = Path(sys.executable).with_name("backprop")
    if not script.exists():
        pytest.fail(f"the console script is not installed next to {sys.executable}")
    result = subprocess.run([str(script), "check", "log(1 + exp(x*y))", "x=0.3", "y=-2"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "PASSED" in result.stdout
