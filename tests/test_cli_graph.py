"""`backprop graph` and `backprop steps`, and the safe expression parser behind them."""

from __future__ import annotations

import html
import math
import subprocess
import sys
from pathlib import Path

import pytest

from autograd.expression import ExpressionError, evaluate
from nn.cli import main

HOSTILE = [
    "__import__('os')",                      # unknown function, the classic
    "__import__('os').system('touch pwned')",  # attribute access on a call
    "x.__class__",                           # attribute access
    "(lambda: 1)()",                         # lambda
    "[x for x in (1, 2)]",                   # comprehension
    "open('/etc/passwd')",                   # unknown function
    "frobnicate(x)",                         # unknown function
    "x + y",                                 # missing variable (y)
    "x +",                                   # syntax error
    "'a' * x",                               # a string
    "x[0]",                                  # indexing
    "tanh(x, x)",                            # wrong number of arguments
    "",                                      # empty
]


# ---------------------------------------------------------------------------
# The parser (autograd/expression.py)
# ---------------------------------------------------------------------------


def test_evaluate_builds_the_graph_with_the_right_value_and_leaves():
    out, inputs = evaluate("tanh(x*w + b)", {"x": 0.5, "w": -1.5, "b": 2.0, "unused": 1.0})
    assert out.data == math.tanh(0.5 * -1.5 + 2.0)
    assert sorted(inputs) == ["b", "w", "x"]  # only the variables it uses
    assert all(inputs[name].label == name for name in inputs)


def test_a_number_exponent_is_a_parameter_of_pow_like_in_python_code():
    # x**2 typed in Python is pow with the parameter 2, which is defined for
    # negative x; the parser must build the same node, not Value ** Value.
    out, inputs = evaluate("x**2 + 2**x", {"x": -1.5})
    square, power_of_two = out.parents
    assert square.op == "pow" and square.settings == (2.0,)
    assert square.parents == (inputs["x"],)
    assert power_of_two.op == "pow_value"
    out.backward()
    assert inputs["x"].grad == pytest.approx(2 * -1.5 + 2**-1.5 * math.log(2))


def test_numbers_alone_stay_numbers_and_their_errors_name_the_op():
    out, inputs = evaluate("x * (2*3 - 1)", {"x": 2.0})
    assert out.data == 10.0 and [p.op for p in out.parents] == ["", ""]
    with pytest.raises(ZeroDivisionError, match=r"div\(1, 0\)"):
        evaluate("x + 1/0", {"x": 2.0})
    with pytest.raises(OverflowError, match=r"pow\(10, 400\)"):
        evaluate("x + 10**400", {"x": 2.0})


@pytest.mark.parametrize("expression", [e for e in HOSTILE if e != "x + y"])
def test_evaluate_refuses_what_is_not_arithmetic(expression):
    with pytest.raises(ExpressionError):
        evaluate(expression, {"x": 1.0})


def test_evaluate_names_the_problem():
    cases = {
        "x.real": "attribute access", "(lambda: 1)()": "unknown function",
        "[x for x in (1,)]": "comprehension", "foo(x)": "unknown function 'foo'",
        "x + y": "no value given for variable 'y'", "x +": "syntax error",
    }
    for expression, message in cases.items():
        with pytest.raises(ExpressionError, match=message):
            evaluate(expression, {"x": 1.0})


# ---------------------------------------------------------------------------
# backprop graph
# ---------------------------------------------------------------------------


def run(capsys, *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


@pytest.mark.parametrize("suffix", [".svg", ".png", ".dot"])
def test_graph_writes_the_picture_chosen_by_the_suffix(capsys, tmp_path, suffix):
    path = tmp_path / f"graph{suffix}"
    status, out, err = run(capsys, "graph", "tanh(x*w + b)", "x=0.5", "w=-1.5", "b=2",
                           "-o", str(path))
    assert (status, err) == (0, "") and str(path) in out
    content = path.read_bytes()
    t = math.tanh(1.25)
    if suffix == ".png":
        assert content[:8] == b"\x89PNG\r\n\x1a\n"
        return
    text = html.unescape(content.decode())  # SVG writes a minus sign as &#45;
    assert text.count("shape=plain") == 6 if suffix == ".dot" else "<svg" in text
    # after one backward pass: d out/d x = w·(1 - tanh²)
    assert f"grad {-1.5 * (1 - t * t):.4g}" in text and f"data {t:.4g}" in text


def test_graph_options_rankdir_and_no_grad(capsys, tmp_path):
    path = tmp_path / "g.dot"
    status, _, _ = run(capsys, "graph", "x*x", "x=3", "-o", str(path), "--rankdir", "TB",
                       "--no-grad")
    text = path.read_text()
    assert status == 0 and "rankdir=TB" in text and "grad" not in text


@pytest.mark.parametrize("expression", HOSTILE)
def test_graph_rejects_bad_expressions_with_one_line_and_exit_2(capsys, tmp_path, expression):
    path = tmp_path / "g.svg"
    status, out, err = run(capsys, "graph", expression, "x=1", "-o", str(path))
    assert status == 2 and out == ""
    assert err.startswith("backprop: ") and err.count("\n") == 1
    assert "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("argv, message", [
    (["x", "x=1", "-o", "{dir}/g.pdf"], "must end in"),
    (["x", "x=abc", "-o", "{dir}/g.svg"], "not a number"),
    (["x", "x=1", "-o", "{dir}/missing/g.svg"], "does not exist"),
    (["x", "x=1"], "-o/--output"),
    (["log(x)", "x=-1", "-o", "{dir}/g.svg"], "log"),
    (["sqrt(x)", "x=0", "-o", "{dir}/g.svg"], "sqrt"),  # derivative at 0
    (["x", "x=1", "-o", ""], "argument -o/--output: the file name is empty"),  # was '.'
    (["x", "x=1", "--output="], "argument -o/--output: the file name is empty"),
])
def test_graph_user_errors_are_one_line_and_write_nothing(capsys, tmp_path, argv, message):
    status, out, err = run(capsys, "graph", *[a.format(dir=tmp_path) for a in argv])
    assert status == 2 and out == "" and err.count("\n") == 1 and message in err
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------------------
# backprop steps
# ---------------------------------------------------------------------------


def test_steps_prints_the_table_with_the_multipath_accumulation(capsys):
    status, out, err = run(capsys, "steps", "x*x + x", "x=3")
    assert (status, err) == (0, "")
    rows = [line.split() for line in out.splitlines()]
    # step 2/2 (mul, upstream 1) sends 3 to x twice: x.grad 1 -> 4 -> 7
    assert ["2/2", "mul#1", "1", "x", "d(a·b)/da", "=", "b", "3", "3", "1", "->", "4"] in rows
    assert ["x", "d(a·b)/db", "=", "a", "3", "3", "4", "->", "7"] in rows
    assert "Gradients: d out/d x = 7" in out


def test_steps_with_html_writes_the_player(capsys, tmp_path):
    path = tmp_path / "steps.html"
    status, out, _ = run(capsys, "steps", "tanh(x*w + b)", "x=0.5", "w=-1.5", "b=2",
                         "--html", str(path))
    page = path.read_text(encoding="utf-8")
    assert status == 0 and f"wrote {path}" in out
    assert 'data-frames="4"' in page  # start + 3 steps


@pytest.mark.parametrize("expression", HOSTILE)
def test_steps_rejects_bad_expressions_with_one_line_and_exit_2(capsys, tmp_path, expression):
    path = tmp_path / "s.html"
    status, out, err = run(capsys, "steps", expression, "x=1", "--html", str(path))
    assert status == 2 and out == "" and err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


def test_steps_refuses_a_player_that_is_not_html(capsys, tmp_path):
    status, out, err = run(capsys, "steps", "x*x", "x=3", "--html", str(tmp_path / "s.svg"))
    assert status == 2 and out == "" and "must end in .html" in err
    assert list(tmp_path.iterdir()) == []


def test_steps_refuses_an_empty_player_name_naming_the_option(capsys, tmp_path):
    # Path("") is ".", which was reported as "'.' must end in .html or .htm"
    status, out, err = run(capsys, "steps", "x*x", "x=3", "--html", "")
    assert status == 2 and out == "" and err.count("\n") == 1
    assert "steps: argument --html: the file name is empty" in err


@pytest.mark.parametrize("command, option, name, message", [
    # a name that is only the extension: Python reads ".svg" as a hidden file without a
    # suffix, and the error said "'.svg' must end in .svg, .png, .dot or .gv"
    ("graph", "-o", ".svg", "graph: argument -o/--output: '.svg' has no name before the .svg"),
    ("graph", "-o", ".PNG", "graph: argument -o/--output: '.PNG' has no name before the .PNG"),
    ("steps", "--html", ".html",
     "steps: argument --html: '.html' has no name before the .html"),
    # a trailing slash names a folder: "g.svg/" wrote a file g.svg
    ("graph", "-o", "g.svg/",
     "graph: argument -o/--output: 'g.svg/' ends in /, so it names a folder, not a file"),
    ("steps", "--html", "s.html/",
     "steps: argument --html: 's.html/' ends in /, so it names a folder, not a file"),
])
def test_a_file_name_that_names_no_file_is_refused_naming_the_option(
        capsys, tmp_path, monkeypatch, command, option, name, message):
    monkeypatch.chdir(tmp_path)
    status, out, err = run(capsys, command, "x*x", "x=3", option, name)
    assert (status, out, err) == (2, "", f"backprop: {message}\n")
    assert list(tmp_path.iterdir()) == []


def test_the_installed_console_script(tmp_path):
    script = Path(sys.executable).with_name("backprop")
    ok = subprocess.run([str(script), "graph", "x*x + x", "x=3", "-o", str(tmp_path / "g.svg")],
                        capture_output=True, text=True, check=False)
    assert ok.returncode == 0 and (tmp_path / "g.svg").read_text().count("<svg") == 1
    bad = subprocess.run([str(script), "steps", "__import__('os').getcwd()", "x=1"],
                         capture_output=True, text=True, check=False)
    assert bad.returncode == 2 and bad.stdout == ""
    assert bad.stderr.count("\n") == 1 and "Traceback" not in bad.stderr
