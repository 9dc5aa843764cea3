"""The `backprop` command as a new user met it (issue 24, items 12, 13, 15 and 16).

Each test names its item. Tests that need the installed console script (start-up,
Ctrl-C) run it in a subprocess; the others call `nn.cli.main` in this process.
"""

from __future__ import annotations

import ast
import importlib.metadata
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import autograd
from autograd.expression import parse_assignments
from nn.cli import command as cli

SCRIPT = Path(sys.executable).with_name("backprop")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = cli.main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def one_error_line(err: str, *words: str) -> None:
    assert err.startswith("backprop: ") and err.count("\n") == 1, err
    assert "Traceback" not in err
    for word in words:
        assert word in err, (word, err)


# ---------------------------------------------------------------------------
# 12: backprop check parses the formula once, whatever the number of variables
# ---------------------------------------------------------------------------


def _count_calls(monkeypatch: pytest.MonkeyPatch, module: object, name: str) -> list[int]:
    calls = [0]
    original = getattr(module, name)

    def counted(*args: object, **kwargs: object) -> object:
        calls[0] += 1
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, counted)
    return calls


def _check_counting_parses_and_walks(n: int, monkeypatch: pytest.MonkeyPatch,
                                     capsys: pytest.CaptureFixture[str]) -> tuple[int, int]:
    formula = " + ".join(f"x{i}*x{i}" for i in range(n))
    assignments = [f"x{i}=0.{i + 1}" for i in range(n)]
    with monkeypatch.context() as patch:
        parses = _count_calls(patch, ast, "parse")
        walks = _count_calls(patch, ast, "walk")
        status, out, err = run(capsys, "check", formula, *assignments)
    assert status == 0 and "PASSED" in out, err
    return parses[0], walks[0]


def test_12_check_parses_the_formula_once_and_never_walks_it_per_variable(monkeypatch,
                                                                          capsys):
    """The check evaluates the formula 2n + 1 times (finite differences move one input
    at a time): it used to parse it each time and walk the whole tree once per variable
    each time (cubic: 300 variables took minutes). Parsed once, walked once."""
    few = _check_counting_parses_and_walks(5, monkeypatch, capsys)
    many = _check_counting_parses_and_walks(40, monkeypatch, capsys)
    assert few[0] == many[0] == 1  # parsed once
    assert few[1] == many[1] <= 1  # the tree's names are collected once, not per variable


# ---------------------------------------------------------------------------
# 13: Ctrl-C while the command is still starting (importing) is one line, status 130
# ---------------------------------------------------------------------------


def test_13_ctrl_c_during_start_up_is_one_line_and_exit_130(tmp_path):
    """A real SIGINT while `backprop` imports its modules. A stand-in for graphviz (a
    module the command imports while starting) says when the import has begun and
    then takes its time, as a slow disk would; the signal arrives during that import."""
    if not SCRIPT.exists():
        pytest.fail(f"the console script is not installed next to {sys.executable}")
    planted = tmp_path / "planted"
    (planted / "graphviz").mkdir(parents=True)
    marker = tmp_path / "importing"
    (planted / "graphviz" / "__init__.py").write_text(
        "import os, pathlib, time\n"
        "pathlib.Path(os.environ['BACKPROP_TEST_MARKER']).write_text('started')\n"
        "time.sleep(120)\n")
    env = {**os.environ, "PYTHONPATH": str(planted), "BACKPROP_TEST_MARKER": str(marker)}
    process = subprocess.Popen([str(SCRIPT), "steps", "x*x", "x=3"], cwd=tmp_path, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not marker.exists() and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert marker.exists(), "the planted module was never imported"
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 130, (process.returncode, err)
    assert err == "backprop: interrupted\n" and out == ""


# ---------------------------------------------------------------------------
# 15: names in name=value are normalised as Python normalises them in the formula
# ---------------------------------------------------------------------------


def test_15_a_fullwidth_name_is_the_same_variable_in_the_formula_and_the_assignment(capsys):
    assert parse_assignments(["ｘ=1", "ﬁ=2"]) == {"x": 1.0, "fi": 2.0}  # NFKC, as Python
    status, out, err = run(capsys, "steps", "ｘ*2", "ｘ=1")
    assert status == 0, err
    assert "d out/d x = 2" in out and err == ""


def test_15_the_same_variable_spelt_two_ways_is_given_twice(capsys):
    status, _, err = run(capsys, "steps", "x*2", "ｘ=1", "x=2")
    assert status == 2
    one_error_line(err, "given twice")


# ---------------------------------------------------------------------------
# 16: the command line as a new user types it
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("argv, expected", [
    (["graph", "x*x", "-o", "f.dot", "x=1"], "wrote f.dot"),  # an option among the values
    (["check", "-x*x", "--eps", "1e-5", "x=1"], "PASSED"),
    (["check", "x*y", "x=1", "--atol", "1e-4", "y=2"], "PASSED"),
    (["check", "--x", "x=1"], "PASSED"),  # a valid formula: -(-x)
    (["steps", "--x", "x=3"], "d out/d x = 1"),
])
def test_16_options_may_come_anywhere_and_a_formula_may_start_with_minus_minus(
        capsys, tmp_path, monkeypatch, argv, expected):
    monkeypatch.chdir(tmp_path)
    status, out, err = run(capsys, *argv)
    assert status == 0, err
    assert expected in out


def test_16_a_variable_given_but_not_used_is_said_on_stderr_and_the_run_goes_on(capsys):
    status, out, err = run(capsys, "steps", "x*2", "x=1", "y=3", "z=4")
    assert status == 0
    assert "d out/d x = 2" in out
    assert err.count("\n") == 1 and err.startswith("backprop: steps: warning:"), err
    assert "y, z" in err and "not used" in err
    status, _, err = run(capsys, "check", "x*y", "x=1", "y=2")  # all used: no warning
    assert status == 0 and err == ""


def test_16_a_nan_in_the_forward_pass_ends_with_the_divergence_hint(capsys, tmp_path):
    model = tmp_path / "model.json"
    status, _, err = run(capsys, "train", "--samples", "40", "--epochs", "1", "--lr", "1e150",
                         "--quiet", "--save", str(model))
    assert status == 2
    one_error_line(err, "training diverged in epoch 1", "lower the learning rate")
    assert not model.exists()


def test_16_a_loss_that_grows_a_thousandfold_is_divergence(capsys, tmp_path):
    """lr=1e9 makes the loss about 1e17 and used to end with exit 0; a sensible
    learning rate (the loss may rise a little on the way) is not called divergence."""
    small = ["train", "--samples", "40", "--hidden", "4", "--epochs", "3", "--quiet"]
    status, out, err = run(capsys, *small, "--optimizer", "sgd", "--lr", "1")
    assert status == 0 and err == "" and "final training loss" in out
    model = tmp_path / "model.json"
    status, out, err = run(capsys, *small, "--lr", "1e9", "--save", str(model))
    assert status == 2 and "final training loss" not in out
    one_error_line(err, "training diverged in epoch 1", "the loss grew from",
                   "lower the learning rate (lr=1e+09)")
    assert not model.exists()


@pytest.mark.parametrize("data, samples, least", [("moons", "1", 2), ("blobs", "2", 3)])
def test_16_too_few_samples_names_the_option(capsys, data, samples, least):
    status, out, err = run(capsys, "train", "--data", data, "--samples", samples, "--quiet")
    assert status == 2 and out == ""
    one_error_line(err, f"--samples {samples}", f"at least {least}")
    assert "n_samples" not in err


def test_16_version_is_the_installed_distributions(capsys):
    with pytest.raises(SystemExit) as exited:
        cli.main(["--version"])
    assert exited.value.code == 0
    assert capsys.readouterr().out == f"backprop {importlib.metadata.version('backprop-lab')}\n"


@pytest.mark.parametrize("command", ["check", "graph", "steps"])
def test_16_help_of_a_formula_command_lists_the_functions_and_operators(capsys, command):
    with pytest.raises(SystemExit):
        cli.main([command, "--help"])
    shown = " ".join(capsys.readouterr().out.split())  # argparse wraps the lines
    for name, op in autograd.FUNCTIONS.items():
        assert f"{name}(" in shown, name
        for setting in op.setting_names:
            assert setting in shown, (name, setting)
    assert "+ - * / **" in shown


def test_16_a_directory_that_exists_but_takes_no_new_file_is_not_called_missing(capsys):
    """/proc exists, but the kernel answers "No such file or directory" to a new file."""
    if not Path("/proc/self").is_dir():
        pytest.skip("no /proc on this system")
    status, out, err = run(capsys, "graph", "x", "x=1", "-o", "/proc/out.svg")
    assert status == 2 and out == ""
    one_error_line(err, "'/proc'", "does not accept new files")
    assert "No such file or directory" not in err


def test_8_saving_to_a_symlink_to_a_fifo_is_refused_before_training(capsys, tmp_path,
                                                                     monkeypatch):
    # /dev/stdout is such a symlink: the library refuses it (autograd.files), and the
    # command says so before any training, naming what the file is
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    link = tmp_path / "stdout.json"
    link.symlink_to(fifo)
    trained: list[int] = []
    monkeypatch.setattr("nn.cli.training.fit", lambda *a, **k: trained.append(1))
    status, _, err = run(capsys, "train", "--epochs", "1", "--save", str(link))
    assert status == 2 and not trained
    one_error_line(err, "a symlink to a FIFO, not a regular file")
    assert link.is_symlink() and fifo.exists()
