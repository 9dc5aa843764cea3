"""The `backprop` command as a user meets it (issue 12): every failure is one line.

Each test runs the installed console script in a subprocess and checks the exit
status (2 for bad input, 130 for Ctrl-C), that stderr is exactly one line with
no traceback, and that nothing was written. The item of issue 12 each test
covers is in its name or docstring.
"""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

import autograd
from autograd.core import is_built_in
from nn.cli import command as cli
from nn.cli import common as cli_common
from nn.cli import training as cli_train
from nn.train import History

SCRIPT = Path(sys.executable).with_name("backprop")


def backprop(*args: str | bytes, cwd: Path, env: dict[str, str] | None = None,
             timeout: float = 120) -> subprocess.CompletedProcess[str]:
    if not SCRIPT.exists():
        pytest.fail(f"the console script is not installed next to {sys.executable}")
    return subprocess.run([str(SCRIPT), *args], cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=timeout, check=False)


def files_in(directory: Path) -> list[str]:
    return sorted(str(p.relative_to(directory)) for p in directory.rglob("*"))


def refused(result: subprocess.CompletedProcess[str], *words: str) -> str:
    """Check a refusal: exit status 2, one line on stderr naming the problem."""
    assert result.returncode == 2, (result.returncode, result.stderr)
    assert result.stderr.startswith("backprop: "), result.stderr
    assert result.stderr.count("\n") == 1 and result.stderr.endswith("\n"), result.stderr
    assert "Traceback" not in result.stderr
    for word in words:
        assert word in result.stderr
    return result.stderr


def balanced_sum(n: int) -> str:
    """``((x + x) + (x + x))...`` with n leaves: n - 1 add nodes, shallow nesting."""
    return "x" if n == 1 else f"({balanced_sum(n // 2)} + {balanced_sum(n - n // 2)})"


# ---------------------------------------------------------------------------
# 10: train checks --save and --plot before training; saves before plotting
# ---------------------------------------------------------------------------


def _unwritable_directory(tmp_path: Path) -> Path:
    """A directory this process cannot create files in (root ignores permissions)."""
    if os.geteuid() != 0:
        locked = tmp_path / "locked"
        locked.mkdir()
        locked.chmod(stat.S_IRUSR | stat.S_IXUSR)
        return locked
    for candidate in (Path("/sys/kernel"), Path("/proc/self")):
        if cli_common.directory_problem(candidate) is not None and candidate.is_dir():
            return candidate
    pytest.fail("no directory that root cannot write into was found to test with")


@pytest.mark.parametrize("option, name, words", [
    ("--save", "{long}.json", ["--save", "too long"]),
    ("--plot", "{long}.png", ["--plot", "too long"]),
    ("--save", "file/model.json", ["--save", "is not a directory"]),
    ("--plot", "subdir", ["--plot", "must end in .png"]),
    ("--save", "subdir", ["--save", "is a directory"]),
    ("--save", "{unwritable}/model.json", ["--save", "cannot write in"]),
    ("--plot", "{unwritable}/plot.png", ["--plot", "cannot write in"]),
])
def test_10_train_refuses_an_output_it_cannot_write_before_training(tmp_path, option, name,
                                                                   words):
    (tmp_path / "file").write_text("a file, not a directory")
    (tmp_path / "subdir").mkdir()
    before = files_in(tmp_path)
    target = name.format(long="m" * 300, unwritable=_unwritable_directory(tmp_path))
    result = backprop("train", "--epochs", "1", "--quiet", option, target, cwd=tmp_path)
    refused(result, *words)
    assert result.stdout == ""  # nothing trained, nothing printed
    assert files_in(tmp_path) == before


def test_10_train_saves_the_model_before_a_plot_that_fails(tmp_path, monkeypatch, capsys):
    def disk_full(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(cli_train, "plot_decision_boundary", disk_full)
    model_path, plot_path = tmp_path / "model.json", tmp_path / "plot.png"
    status = cli.main(["train", "--samples", "20", "--hidden", "3", "--epochs", "2", "--quiet",
                       "--save", str(model_path), "--plot", str(plot_path)])
    err = capsys.readouterr().err
    assert status == 2 and err.count("\n") == 1
    assert "No space left on device" in err and f"the model is saved in {model_path}" in err
    assert json.loads(model_path.read_text())["config"]["nouts"] == [3, 1]
    assert not plot_path.exists()


def test_10_the_reason_a_file_cannot_be_written_is_the_systems_words():
    assert cli_common.reason(PermissionError(13, "Permission denied")) == "Permission denied"
    assert cli_common.reason(OSError("the disk went away")) == "the disk went away"
    assert cli_common.reason(OSError()) == "OSError"  # never an empty reason
    assert cli_common.reason(ValueError("parameter w0\n  must be finite")) == \
        "parameter w0 must be finite"


def test_10_each_command_says_why_it_cannot_write(tmp_path, monkeypatch, capsys):
    def disk_full(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("autograd.views.drawing.save", disk_full)
    monkeypatch.setattr(cli_train.MLP, "save", disk_full)
    picture, model = tmp_path / "g.svg", tmp_path / "m.json"
    assert cli.main(["graph", "x*y", "x=1", "y=2", "-o", str(picture)]) == 2
    assert capsys.readouterr().err == (f"backprop: graph: cannot write {str(picture)!r}: "
                                       "No space left on device\n")
    assert cli.main(["train", "--hidden", "2", "--epochs", "1", "--samples", "20", "--quiet",
                     "--save", str(model)]) == 2
    assert capsys.readouterr().err == (f"backprop: train: cannot save the model to "
                                       f"{str(model)!r}: No space left on device\n")


# ---------------------------------------------------------------------------
# 2 and 10: a run that diverges stops with one line and writes nothing
# ---------------------------------------------------------------------------

DIVERGING = ["train", "--lr", "1e308", "--batch-size", "1", "--epochs", "3", "--samples", "60",
             "--quiet"]  # exited 0 with "final training loss 0.0000" and NaN weights


@pytest.mark.parametrize("outputs", [[], ["--save", "m.json", "--plot", "p.png"]])
def test_2_10_a_diverging_run_is_one_line_and_writes_nothing(tmp_path, outputs):
    result = backprop(*DIVERGING, *outputs, cwd=tmp_path)
    error = refused(result, "backprop: train: training diverged in epoch 1: ",
                    "lower the learning rate (lr=1e+308)")
    assert error.count("diverged") == 1 and error.count("lower the learning rate") == 1
    assert "final training loss" not in result.stdout
    assert files_in(tmp_path) == []  # no plot, and no model of NaN weights


def test_2_10_an_update_the_optimizer_refuses_is_said_once(capsys):
    # the optimizer's own message already says "lower the learning rate": said once
    status = cli.main(["train", "--hidden=", "--optimizer", "sgd", "--lr", "1.7e308",
                       "--epochs", "1", "--batch-size", "1", "--samples", "20", "--quiet"])
    assert status == 2
    assert capsys.readouterr().err == (
        "backprop: train: training diverged in epoch 1: the update would make parameter 2 "
        "(layer1.neuron0.w1) -inf; nothing was changed: lower the learning rate (lr=1.7e+308)\n")


def test_2_10_an_error_that_is_not_divergence_is_not_called_one(monkeypatch, capsys):
    def refused_by_the_engine(*args: object, **kwargs: object) -> None:
        raise ValueError("log(-1): the logarithm needs a number > 0")

    monkeypatch.setattr(cli_train, "fit", refused_by_the_engine)
    status = cli.main(["train", "--hidden", "3", "--epochs", "1", "--samples", "20", "--quiet"])
    assert status == 2
    assert capsys.readouterr().err == ("backprop: train: log(-1): the logarithm needs a "
                                       "number > 0\n")


# ---------------------------------------------------------------------------
# 14: too few samples for the split; 19: sizes that cannot fit
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("options", [
    ["--samples", "2"],
    ["--samples", "5", "--test-fraction", "0.01"],
])
def test_14_too_few_samples_for_a_test_set_is_one_line(tmp_path, options):
    result = backprop("train", *options, "--quiet", cwd=tmp_path)
    refused(result, "--test-fraction", "no test sample", "--samples")
    assert result.stdout == "" and files_in(tmp_path) == []


@pytest.mark.parametrize("options, words", [
    (["--hidden", "5000,5000", "--batch-size", "all"], ["2-5000-5000-1", "parameters"]),
    (["--samples", "100000", "--hidden", "2000,2000", "--batch-size", "all"],
     ["100,000 samples"]),
])
def test_19_sizes_that_cannot_fit_are_refused_before_anything_is_built(tmp_path, options,
                                                                       words):
    result = backprop("train", *options, "--quiet", cwd=tmp_path)
    refused(result, "memory", "GB", *words)
    assert result.stdout == "" and files_in(tmp_path) == []


def test_19_more_samples_than_training_can_go_through_are_refused_naming_the_limit(tmp_path):
    """``--samples 100000000`` fitted in memory (about 10 GB of data here) and then ran
    for days: each epoch goes through every training sample, about 0.7 ms each."""
    result = backprop("train", "--samples", "100000000", "--quiet", cwd=tmp_path, timeout=30)
    refused(result, "train: argument --samples: expected an integer from 1 to 100000, "
                    "got 100000000")
    assert result.stdout == "" and files_in(tmp_path) == []


def test_19_the_sample_limit_itself_is_accepted():
    parser = cli.make_parser()
    assert cli.parse_arguments(parser, ["train", "--samples", "100000"]).samples == 100_000
    with pytest.raises(cli_common.UsageError, match=r"--samples: .* got 100001$"):
        cli.parse_arguments(parser, ["train", "--samples", "100001"])


def test_19_more_epochs_than_a_course_needs_are_refused_naming_the_limit(tmp_path):
    """``--epochs`` had no bound: ``--epochs 10000000`` (a few zeros too many) trained the
    default 2-16-16-1 net on moons, about 0.09 s an epoch, for some 10 days."""
    result = backprop("train", "--epochs", "10000000", "--quiet", "--save", "m.json",
                      "--plot", "p.png", "--replay", "r.html", cwd=tmp_path, timeout=30)
    refused(result, "train: argument --epochs: expected an integer from 1 to 100000, "
                    "got 10000000")
    assert result.stdout == "" and files_in(tmp_path) == []  # no settings line: not trained


def test_19_the_epoch_limit_itself_is_accepted(tmp_path, monkeypatch, capsys):
    parser = cli.make_parser()
    assert cli.parse_arguments(parser, ["train", "--epochs", "100000"]).epochs == 100_000
    with pytest.raises(cli_common.UsageError, match=r"--epochs: .* got 100001$"):
        cli.parse_arguments(parser, ["train", "--epochs", "100001"])
    trained: list[object] = []
    monkeypatch.setattr(cli_train, "fit", lambda *args, **kwargs: trained.append(args))
    model = tmp_path / "m.json"
    assert cli.main(["train", "--epochs", "100001", "--quiet", "--save", str(model)]) == 2
    assert capsys.readouterr() == ("", "backprop: train: argument --epochs: expected an "
                                       "integer from 1 to 100000, got 100001\n")
    assert trained == [] and files_in(tmp_path) == []


def test_19_memory_estimate():
    # 2-16-16-1: (2+1)·16 + (16+1)·16 + (16+1)·1 = 337 parameters; 200 points, 40
    # held out, batches of 32; data: 200 points × 2 numbers.
    expected = (337 * cli_train.BYTES_PER_PARAMETER
                + 32 * 337 * cli_train.BYTES_PER_SAMPLE_AND_PARAMETER
                + 200 * 2 * cli_train.BYTES_PER_NUMBER_OF_DATA)
    assert cli_train.memory_needed([2, 16, 16, 1], 200, 32, 0.2) == expected
    full_batch = cli_train.memory_needed([2, 16, 16, 1], 200, None, 0.2)
    assert full_batch - expected == (160 - 32) * 337 * cli_train.BYTES_PER_SAMPLE_AND_PARAMETER


# ---------------------------------------------------------------------------
# 15: a dot program that fails
# ---------------------------------------------------------------------------


@pytest.fixture
def failing_dot(tmp_path: Path) -> dict[str, str]:
    """PATH with a `dot` first that fails as a Graphviz without PNG support does."""
    bin_dir = tmp_path / "fakebin"
    bin_dir.mkdir()
    dot = bin_dir / "dot"
    dot.write_text("#!/bin/sh\necho 'Format: \"png\" not recognized. Use one of: svg' >&2\n"
                   "exit 1\n")
    dot.chmod(0o755)
    return {"PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}


@pytest.mark.parametrize("argv", [
    ["graph", "tanh(x*w)", "x=1", "w=2", "-o", "out/g.png"],
    ["steps", "tanh(x*w)", "x=1", "w=2", "--html", "out/p.html"],
])
def test_15_a_failing_dot_program_is_one_line_and_writes_nothing(tmp_path, failing_dot, argv):
    (tmp_path / "out").mkdir()
    result = backprop(*argv, cwd=tmp_path, env=failing_dot)
    refused(result, "failed to render", "not recognized")
    assert result.stdout == ""  # steps renders the player before printing its table
    assert list((tmp_path / "out").iterdir()) == []


# ---------------------------------------------------------------------------
# 16: a closed pipe, and a stdout that cannot encode the file name
# ---------------------------------------------------------------------------


def test_16_a_closed_pipe_stops_quietly(tmp_path):
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before anything is written
    try:
        process = subprocess.run([str(SCRIPT), "steps", "x*x + x", "x=3"], cwd=tmp_path,
                                 stdout=write_end, stderr=subprocess.PIPE, text=True,
                                 timeout=60, check=False)
    finally:
        os.close(write_end)
    assert process.stderr == ""
    assert process.returncode == 141  # 128 + SIGPIPE, as for a program the pipe killed


@pytest.mark.parametrize("argv", [
    ["check", "x*x", "x=3"],                    # a short table
    ["check", "x*x", "x=3", "y=1"],             # a warning on stderr first
    ["steps", balanced_sum(512), "x=1"],        # about 90 kB
])
def test_16_a_full_stdout_is_one_line_not_a_bug_to_report(tmp_path, argv):
    # a full disk (here /dev/full) was "unexpected error, please report it", exit 70
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full here")
    with open("/dev/full", "w") as full:
        result = subprocess.run([str(SCRIPT), *argv], cwd=tmp_path, stdout=full,
                                stderr=subprocess.PIPE, text=True, timeout=60, check=False)
    assert result.returncode == 2
    assert result.stderr.splitlines()[-1] == (
        "backprop: cannot write to the standard output: No space left on device")
    assert "Traceback" not in result.stderr and "please report" not in result.stderr
    assert "Exception ignored" not in result.stderr  # nor at exit, when Python flushes again


def test_16_a_closed_stdout_is_one_line_and_does_nothing(tmp_path):
    # `>&-` ended in an AttributeError traceback ('NoneType' object has no attribute 'flush')
    result = subprocess.run(["bash", "-c", f'"{SCRIPT}" graph "x*x" x=1 -o g.svg >&-'],
                            cwd=tmp_path, capture_output=True, text=True, timeout=60,
                            check=False)
    assert result.returncode == 2
    assert result.stderr == "backprop: the standard output is closed: nothing was done\n"
    assert files_in(tmp_path) == []


def test_16_piping_into_head_shows_no_traceback(tmp_path):
    expression = balanced_sum(512)  # 511 steps: about 90 kB, more than a pipe holds
    result = subprocess.run(
        ["bash", "-c", f'"{SCRIPT}" steps "$1" x=1 | head -c 10', "bash", expression],
        cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False)
    assert result.stdout == "Backward p"
    assert result.stderr == ""


def test_16_a_strict_ascii_stdout_still_prints_the_file_name(tmp_path):
    result = backprop("graph", "x*x", "x=1", "-o", "café.dot", cwd=tmp_path,
                      env={"PYTHONIOENCODING": "ascii:strict"})
    assert result.returncode == 0, result.stderr
    assert result.stdout == "wrote caf\\xe9.dot\n"
    assert (tmp_path / "café.dot").read_text().startswith("digraph")


def test_16_a_file_name_that_is_not_utf8_on_a_strict_utf8_stdout(tmp_path):
    name = b"g\xff.dot"  # a byte that is not UTF-8: Python holds it as the surrogate \udcff
    result = backprop("graph", "x*x", "x=1", "-o", name, cwd=tmp_path,
                      env={"PYTHONIOENCODING": "utf-8:strict", "LC_ALL": "C.UTF-8"})
    assert result.returncode == 0, result.stderr
    assert result.stdout == "wrote g\\udcff.dot\n"
    assert os.listdir(os.fsencode(tmp_path)) == [name]


def test_16_an_expression_that_is_not_utf8_is_one_line(tmp_path):
    result = backprop("check", b"x\xff", "x=1", cwd=tmp_path,
                      env={"LC_ALL": "C.UTF-8", "PYTHONIOENCODING": "utf-8:strict"})
    refused(result, "holds bytes that are not text")


# ---------------------------------------------------------------------------
# 17: demo checks its outputs first, and takes a directory
# ---------------------------------------------------------------------------


def test_17_demo_refuses_a_file_where_its_directory_goes(tmp_path):
    (tmp_path / "backprop-demo").write_text("my notes")
    result = backprop("demo", cwd=tmp_path)
    refused(result, "'backprop-demo' exists and is not a directory", "backprop demo DIR")
    assert result.stdout == ""  # refused before training
    assert (tmp_path / "backprop-demo").read_text() == "my notes"


def test_17_demo_refuses_an_output_name_that_is_a_directory(tmp_path):
    (tmp_path / "pictures" / "loss.png").mkdir(parents=True)
    result = backprop("demo", "pictures", cwd=tmp_path)
    refused(result, "'pictures/loss.png' is a directory")
    assert result.stdout == "" and files_in(tmp_path) == ["pictures", "pictures/loss.png"]


def test_17_demo_refuses_a_directory_inside_a_file(tmp_path):
    (tmp_path / "notes").write_text("a file")
    result = backprop("demo", "notes/run1", cwd=tmp_path)
    refused(result, "'notes' is not a directory")
    assert result.stdout == "" and files_in(tmp_path) == ["notes"]


def test_17_demo_refuses_an_empty_directory_name(tmp_path):
    """``backprop demo ""`` wrote its seven files into the current folder (Path("") is ".")."""
    result = backprop("demo", "", cwd=tmp_path)
    refused(result, "demo: argument DIR: the folder name is empty")
    assert result.stdout == "" and files_in(tmp_path) == []


# ---------------------------------------------------------------------------
# lab: a cache or a folder that cannot be one
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("cache, words", [
    ("notes", "argument --cache: 'notes' exists and is not a directory"),
    ("notes/cache", "argument --cache: 'notes' is not a directory"),
])
@pytest.mark.parametrize("mode", [["lab-out", "--offline"], ["--download-only"]])
def test_lab_refuses_a_cache_that_is_a_file_naming_the_option(tmp_path, cache, words, mode):
    """--offline said the cache "lacks" everything and to download it; --download-only
    stopped with "unexpected error ... FileExistsError" (exit 70)."""
    (tmp_path / "notes").write_text("my notes")
    result = backprop("lab", *mode, "--cache", cache, cwd=tmp_path)
    refused(result, f"lab: {words}")
    assert result.stdout == "" and files_in(tmp_path) == ["notes"]
    assert (tmp_path / "notes").read_text() == "my notes"


def test_lab_refuses_a_cache_from_the_environment_that_is_a_file(tmp_path):
    (tmp_path / "notes").write_text("my notes")
    result = backprop("lab", "--download-only", cwd=tmp_path,
                      env={"BACKPROP_LAB_CACHE": "notes"})
    refused(result, "lab: $BACKPROP_LAB_CACHE: 'notes' exists and is not a directory",
            "--cache FOLDER")
    assert result.stdout == "" and files_in(tmp_path) == ["notes"]


@pytest.mark.parametrize("argv, words", [
    (["", "--offline", "--cache", "c"], "argument DIR: the folder name is empty"),
    (["lab-out", "--offline", "--cache", ""], "argument --cache: the folder name is empty"),
])
def test_lab_refuses_an_empty_folder_name_naming_the_argument(tmp_path, argv, words):
    result = backprop("lab", *argv, cwd=tmp_path)
    refused(result, f"lab: {words}")
    assert result.stdout == "" and files_in(tmp_path) == []


# ---------------------------------------------------------------------------
# 18: Ctrl-C
# ---------------------------------------------------------------------------


def _interrupt_after(process: subprocess.Popen[str], line_start: str,
                     seconds: float) -> tuple[str, str]:
    """Wait for a stdout line starting with `line_start`, then `seconds`, then Ctrl-C."""
    assert process.stdout is not None
    lines = []
    while not lines or not lines[-1].startswith(line_start):
        line = process.stdout.readline()
        assert line, f"the command ended before printing {line_start!r}: {lines}"
        lines.append(line)
    time.sleep(seconds)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    return "".join(lines) + out, err


def test_18_ctrl_c_during_train_saves_the_model_of_the_last_finished_epoch(tmp_path):
    options = ["train", "--samples", "20", "--hidden", "4", "--quiet", "--seed", "3"]
    # the most epochs, 100,000, of this small net take about 3 minutes: Ctrl-C comes first
    process = subprocess.Popen([str(SCRIPT), *options, "--epochs", "100000", "--save",
                                "m.json"], cwd=tmp_path, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    out, err = _interrupt_after(process, "MLP(", 1.0)
    assert process.returncode == 130, err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith("backprop: train: interrupted after epoch ")
    epochs = int(err.split("interrupted after epoch ")[1].split()[0])
    assert epochs >= 1 and f"saved the model after epoch {epochs} to m.json" in err
    assert "final training loss" not in out
    # The file holds exactly the weights after that epoch: the same run, stopped there.
    assert cli.main([*options, "--epochs", str(epochs), "--save", str(tmp_path / "ref.json")]) == 0
    saved = json.loads((tmp_path / "m.json").read_text())
    reference = json.loads((tmp_path / "ref.json").read_text())
    assert saved["parameters"] == reference["parameters"]


def test_18_ctrl_c_during_the_demo_is_one_line_and_writes_nothing(tmp_path):
    process = subprocess.Popen([str(SCRIPT), "demo", "pictures"], cwd=tmp_path,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _, err = _interrupt_after(process, "step   1", 0.2)
    assert process.returncode == 130, err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith("backprop: demo: interrupted after step ") and "no file written" in err
    assert files_in(tmp_path) == []


def _fit_interrupted_after(epochs_done: int):
    """A stand-in for `fit` that finishes `epochs_done` epochs, then is interrupted
    half-way through an update (the parameters are left half-changed)."""

    def fit(model, X, y, *, callback, **options):
        history = History()
        for epoch in range(epochs_done):
            for p in model.parameters():
                p.data += 1.0
            history.losses.append(0.5)  # measured after the epoch, as fit does
            callback(epoch, history)
        model.parameters()[0].data = 1e6  # the step being cut short
        raise KeyboardInterrupt

    return fit


def test_18_the_weights_saved_are_those_after_the_last_finished_epoch(tmp_path, monkeypatch,
                                                                      capsys):
    monkeypatch.setattr(cli_train, "fit", _fit_interrupted_after(2))
    path = tmp_path / "m.json"
    options = ["train", "--samples", "20", "--hidden", "2", "--seed", "5", "--quiet"]
    status = cli.main([*options, "--save", str(path)])
    err = capsys.readouterr().err
    assert status == 130
    assert err == (f"backprop: train: interrupted after epoch 2 of 60; saved the model after "
                   f"epoch 2 to {path}\n")
    monkeypatch.undo()
    import nn

    initial = nn.MLP(2, [2, 1], seed=5)
    saved = nn.load(path)
    assert [p.data for p in saved.parameters()] == [p.data + 2.0 for p in initial.parameters()]


def test_18_ctrl_c_before_the_first_epoch_ends_writes_no_model(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(cli_train, "fit", _fit_interrupted_after(0))
    path = tmp_path / "m.json"
    status = cli.main(["train", "--samples", "20", "--quiet", "--save", str(path)])
    err = capsys.readouterr().err
    assert status == 130 and err.count("\n") == 1
    assert "interrupted after epoch 0 of 60; no epoch finished" in err
    assert not path.exists()


def _interrupt_in(monkeypatch, name: str) -> None:
    """Make the demo's step `name` (a function of nn.cli.training) be cut by Ctrl-C."""
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli_train, "DEMO_STEPS", 3)  # a short run: the pictures are tested
    monkeypatch.setattr(cli_train, name, interrupted)


def test_18_ctrl_c_while_the_demo_writes_says_which_pictures_are_written(
        tmp_path, monkeypatch, capsys):
    # once trained, it said only "backprop: interrupted", with some pictures written
    monkeypatch.chdir(tmp_path)
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "neuron_graph.svg").write_text("an earlier run's")  # not this one's
    _interrupt_in(monkeypatch, "_draw_one_neuron")
    status = cli.main(["demo", "out"])
    err = capsys.readouterr().err
    assert status == 130
    assert err == ("backprop: demo: interrupted while writing the pictures; written in 'out': "
                   "decision_boundary.png, loss.png, network.svg, network_player.html\n")
    assert files_in(tmp_path / "out") == ["decision_boundary.png", "loss.png", "network.svg",
                                          "network_player.html", "neuron_graph.svg"]


def test_18_ctrl_c_before_the_demo_writes_a_picture_leaves_no_directory(
        tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    _interrupt_in(monkeypatch, "plot_decision_boundary")
    status = cli.main(["demo", "runs/first"])
    err = capsys.readouterr().err
    assert status == 130
    assert err == "backprop: demo: interrupted while writing the pictures; none written\n"
    assert files_in(tmp_path) == []  # runs/ and runs/first/ were made by the demo: removed


# ---------------------------------------------------------------------------
# 20-25: expressions and the commands on them
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("argv, expected", [
    (["check", "-log(sigmoid(x))", "x=1"], "-0.26894142"),  # d/dx -log σ(x) = σ(x) - 1
    (["steps", "-x*x", "x=3"], "d out/d x = -6"),
    (["graph", "-o", "g.dot", "-exp(x)", "x=0"], "wrote g.dot"),  # after an option
    (["check", "-x", "x=1", "--atol", "1e-3"], "PASSED"),
])
def test_20_an_expression_may_start_with_a_minus(tmp_path, argv, expected):
    result = backprop(*argv, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert expected in result.stdout


@pytest.mark.parametrize("argv, words", [
    (["check", "--bogus", "x", "x=1"], ["unrecognized arguments: --bogus"]),
    (["graph", "x", "x=1", "-o", "-g.svg"], ["-o/--output", "expected one argument"]),
    # issue 24: a formula may start with --, but an unknown option is still named
    (["check", "--bogus", "x=1"], ["unrecognized arguments: --bogus"]),
    (["check", "x", "x=1", "--eps"], ["--eps", "expected one argument"]),
    # an unknown option alone was "the following arguments are required: COMMAND"
    (["--bogus"], ["backprop: unrecognized arguments: --bogus\n"]),
    (["-V"], ["backprop: unrecognized arguments: -V\n"]),
])
def test_20_options_are_still_options(tmp_path, argv, words):
    refused(backprop(*argv, cwd=tmp_path), *words)
    assert files_in(tmp_path) == []


def test_21_a_caret_is_explained(tmp_path):
    result = backprop("steps", "x^2", "x=3", cwd=tmp_path)
    refused(result, "the operator ^ is not allowed", "use ** for powers")
    assert "BinOp" not in result.stderr and result.stdout == ""


@pytest.mark.parametrize("expression, words", [
    ("x // 2", "the operator // is not allowed: use / to divide"),
    ("x @ x", "the operator @ is not allowed: use + - * / **"),
    ("x << 1", "the operator << is not allowed"),
    ("x | 1", "the operator | is not allowed"),
    ("~x", "the operator ~ is not allowed: use -x to negate"),
    ("not x", "the operator 'not' is not allowed: use -x to negate"),
])
def test_21_each_refused_operator_is_named(expression, words):
    from autograd.expression import ExpressionError, evaluate

    with pytest.raises(ExpressionError) as error:
        evaluate(expression, {"x": 3.0})
    assert words in str(error.value) and "BinOp" not in str(error.value)


def test_21_percent_is_mod_when_the_table_has_it_else_named():
    from autograd.expression import ExpressionError, evaluate

    if "mod" in autograd.OPS:  # the engine's % (issue 13)
        out, _ = evaluate("x % 2", {"x": 7.5})
        assert out.op == "mod" and out.data == 1.5
    else:
        with pytest.raises(ExpressionError, match="the operator % is not allowed"):
            evaluate("x % 2", {"x": 7.5})


@pytest.mark.parametrize("expression, value, words", [
    ("x*1e999", "x=0", "the number 1e999 is too large for a float"),  # printed nan, exit 0
    ("x*2", "x=inf", "the value of x must be finite, got 'inf'"),  # the same rule for values
])
def test_2_a_number_too_large_for_a_float_is_refused_as_written(tmp_path, expression, value,
                                                                words):
    """Issue 12, item 2 (the parser's part): ``x*1e999`` printed nan; ``x=inf`` was
    refused. One rule now: no expression holds nan or inf."""
    result = backprop("steps", expression, value, cwd=tmp_path)
    refused(result, words)
    assert result.stdout == ""


def test_3_a_tiny_constant_divisor_has_the_derivative_asked_for(tmp_path):
    """Issue 12, item 3: the derivative with respect to the constant 1e-200 (-x/b²,
    which underflows) was computed although nobody asked for it, and failed."""
    result = backprop("steps", "x/1e-200", "x=1", cwd=tmp_path)
    assert result.returncode == 0 and result.stderr == ""
    assert "Gradients: d out/d x = 1e+200" in result.stdout  # d(x/c)/dx = 1/c


def test_22_a_numeric_error_is_one_clear_line_without_an_errno_tuple(tmp_path):
    result = backprop("steps", "x**-30", "x=1e-10", cwd=tmp_path)
    message = refused(result, "steps: ", "pow")
    assert "(34," not in message and "Errno" not in message
    assert result.stdout == ""


def test_22_engine_messages_become_one_short_line():
    long_text = "first line\nsecond line " + "y" * 1000
    line = cli_common.describe(ValueError(long_text))
    assert "\n" not in line and len(line) <= cli_common.MAX_MESSAGE
    assert line.startswith("first line second line yyy") and line.endswith("...")
    assert cli_common.describe(OverflowError(34, "Numerical result out of range")) == (
        "Numerical result out of range")
    assert cli_common.describe(ZeroDivisionError()) == "ZeroDivisionError"


def test_23_a_deeply_nested_expression_is_not_echoed_in_full(tmp_path):
    expression = "(" * 4999 + "x" + ")" * 4999
    message = refused(backprop("steps", expression, "x=1", cwd=tmp_path), "nested")
    assert len(message) < 200


def test_24_steps_checks_the_html_path_before_printing_the_table(tmp_path):
    result = backprop("steps", "x*x", "x=3", "--html", "nodir/p.html", cwd=tmp_path)
    refused(result, "--html", "'nodir' does not exist")
    assert result.stdout == "" and files_in(tmp_path) == []


def test_24_too_many_steps_for_the_player_names_no_option_the_cli_lacks(tmp_path):
    result = backprop("steps", balanced_sum(400), "x=1", "--html", "p.html", cwd=tmp_path)
    message = refused(result, "399 steps", "leave out --html")
    assert "max_frames" not in message and result.stdout == ""
    assert files_in(tmp_path) == []


def test_24_too_big_a_picture_names_no_option_the_cli_lacks(tmp_path):
    result = backprop("graph", balanced_sum(1024), "x=1", "-o", "g.svg", cwd=tmp_path)
    message = refused(result, "1024 values", "at most 1000")
    assert "max_nodes" not in message and files_in(tmp_path) == []


def test_25_no_arguments_prints_the_usage_and_the_commands(tmp_path):
    result = backprop(cwd=tmp_path)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.startswith("usage: backprop")
    for command in ("demo", "train", "check", "graph", "steps"):
        assert f"\n  {command} " in result.stderr
    assert "backprop --help" in result.stderr and "Traceback" not in result.stderr


# ---------------------------------------------------------------------------
# 29: each data set's defaults, printed first
# ---------------------------------------------------------------------------


def test_29_train_prints_the_settings_it_uses_and_they_reproduce_the_run(capsys):
    assert cli.main(["train", "--data", "spirals", "--epochs", "2", "--quiet"]) == 0
    first, *rest = capsys.readouterr().out.splitlines()
    assert first.startswith("settings (spirals's defaults for the options not given): ")
    settings = first.split(": ", 1)[1].split()
    assert "--optimizer adam --lr 0.02" in " ".join(settings)
    assert "--loss cross_entropy" in " ".join(settings)  # three classes
    assert "--epochs 2" in " ".join(settings)  # the option given wins
    assert cli.main(["train", "--quiet", *settings]) == 0
    again = capsys.readouterr().out.splitlines()
    final = [line.split(" (")[0] for line in rest if line.startswith("final")]
    assert final and [line.split(" (")[0] for line in again if line.startswith("final")] == final


def test_29_digits_defaults_are_a_few_epochs_of_adam_in_batches(capsys, monkeypatch):
    seen = {}

    def record(model, X, y, **options):
        seen.update(options, nin=model.nin, nouts=model.nouts, n=len(X))
        raise KeyboardInterrupt  # stop here: the settings are what this test checks

    monkeypatch.setattr(cli_train, "fit", record)
    assert cli.main(["train", "--data", "digits", "--quiet"]) == 130
    assert seen["loss"] == "cross_entropy" and seen["batch_size"] == 32 and seen["epochs"] == 3
    assert type(seen["optimizer"]).__name__ == "Adam" and seen["optimizer"].lr == 0.01
    assert (seen["nin"], seen["nouts"], seen["n"]) == (64, [32, 10], 1438)


# ---------------------------------------------------------------------------
# 28 lives in tests/test_readme.py. Issue 13: the parser's functions come from the table.
# (Import cycles: tests/test_layout.py.)
# ---------------------------------------------------------------------------


def test_the_parser_is_part_of_the_engine_and_needs_no_nn():
    alone = subprocess.run([sys.executable, "-c", "import sys, autograd.expression\n"
                            "print(any(m == 'nn' or m.startswith('nn.') for m in sys.modules))"],
                           capture_output=True, text=True, check=True)
    assert alone.stdout.strip() == "False"  # the parser is part of the engine's package


def test_every_function_of_the_engine_is_usable_in_expressions():
    from autograd.expression import evaluate

    for name, op in autograd.FUNCTIONS.items():
        if not is_built_in(name):  # an op another test declared (its domain is its own)
            continue
        settings = op.domains[0].settings[0]  # numbers its tests use, e.g. clamp's -1, 1
        args = ", ".join(["x"] * (op.arity or 1) + [f"{s:g}" for s in settings])
        out, inputs = evaluate(f"{name}({args})", {"x": 0.25})
        assert inputs["x"] in out.parents, name
        assert out.data == op(*[0.25] * (op.arity or 1), *settings), name


@pytest.fixture
def blend(monkeypatch):
    """A new op with two inputs and one fixed number: (1 - t)·a + t·b."""
    op = autograd.define_op(
        "blend", forward=lambda a, b, t: (1 - t) * a + t * b,
        derivatives=[lambda a, b, t, out: 1 - t, lambda a, b, t, out: t],
        formulas=["d blend/da = 1 - t", "d blend/db = t"], num_settings=1, setting_names=["t"])
    monkeypatch.setitem(autograd.OPS, "blend", op)
    monkeypatch.setitem(autograd.FUNCTIONS, "blend", op)
    return op


def test_a_new_op_takes_the_inputs_and_numbers_its_table_entry_says(blend):
    from autograd.expression import evaluate

    out, inputs = evaluate("blend(x, y*2, 0.25) + 1", {"x": 1.0, "y": 2.5})
    node = out.parents[0]
    assert node.op == "blend" and out.data == 0.75 * 1.0 + 0.25 * 5.0 + 1
    assert node.parents[0] is inputs["x"] and node.parents[1].op == "mul"
    out.backward()
    assert (inputs["x"].grad, inputs["y"].grad) == (0.75, 0.5)


@pytest.mark.parametrize("expression, words", [
    ("blend(x, y)", "blend takes 3 arguments (2 inputs, then the number(s) t), got 2"),
    ("blend(x, y, 0.5, 1)", "blend takes 3 arguments (2 inputs, then the number(s) t), got 4"),
    ("blend(x, y, y)", "blend: its t must be a fixed number, not depend on a variable"),
    ("blend(x, y, t=0.5)", "blend: write the arguments in order"),
])
def test_a_new_op_called_wrongly_is_named(blend, expression, words):
    from autograd.expression import ExpressionError, evaluate

    with pytest.raises(ExpressionError) as error:
        evaluate(expression, {"x": 1.0, "y": 2.0})
    assert words in str(error.value)


def test_a_function_with_a_default_number_may_leave_it_out():
    from autograd.expression import evaluate

    out, _ = evaluate("leaky_relu(x)", {"x": -2.0})  # the slope's default, 0.01
    assert out.op == "leaky_relu" and out.data == -0.02
    out, _ = evaluate("leaky_relu(x, 0.25)", {"x": -2.0})
    assert out.data == -0.5
