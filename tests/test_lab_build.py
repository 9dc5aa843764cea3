"""`backprop lab`'s parts that need no download and no browser (issue 22): its one-line
errors, the lessons' browser versions, Pyodide's package list, the package's requirements
in the browser, and `fit` without tqdm. The lab itself, built and opened in Chromium:
tests/test_lab.py.
"""

from __future__ import annotations

import json
import re
import sys
import zipfile
from pathlib import Path

import pytest
from packaging.requirements import Requirement

import nn
from nn.cli import command as cli
from nn.cli.common import UsageError
from nn.cli.lab import lessons, pins
from nn.cli.lab.wheels import WheelFile, browser_environment, package_list

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    tomllib = pytest.importorskip("tomli")


def one_error_line(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    """Run ``backprop lab ...``: it must exit with 2 and say one line; returns the line."""
    assert cli.main(["lab", *argv]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert err.startswith("backprop: lab: "), err
    return err.strip()


# ---------------------------------------------------------------------------
# The command's errors: one line, before any download or build
# ---------------------------------------------------------------------------


def test_a_folder_it_cannot_write_is_one_line(tmp_path, capsys):
    line = one_error_line(capsys, "/proc/backprop-lab", "--cache", str(tmp_path), "--offline")
    assert "'/proc'" in line and "does not accept new files" in line


def test_a_file_in_the_way_is_one_line_and_stays(tmp_path, capsys):
    (tmp_path / "site").write_text("mine")
    line = one_error_line(capsys, str(tmp_path / "site"), "--cache", str(tmp_path / "c"),
                          "--offline")
    assert "exists and is not a directory" in line
    assert (tmp_path / "site").read_text() == "mine"


def test_a_folder_of_other_files_is_never_replaced(tmp_path, capsys):
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "notes.txt").write_text("mine")
    line = one_error_line(capsys, str(tmp_path / "site"), "--cache", str(tmp_path / "c"),
                          "--offline")
    assert "is not empty and holds no lab built before" in line
    assert (tmp_path / "site" / "notes.txt").read_text() == "mine"


def test_an_empty_cache_offline_says_what_it_lacks_and_how_to_fill_it(tmp_path, capsys):
    line = one_error_line(capsys, str(tmp_path / "site"), "--cache", str(tmp_path / "cache"),
                          "--offline")
    assert f"pyodide-{pins.PYODIDE.version}.tgz" in line and "the build tools" in line
    assert "'backprop lab --download-only'" in line
    assert not (tmp_path / "site").exists()


@pytest.mark.parametrize("argv, words", [
    ((), "give the folder to write the lab to"),
    (("--download-only", "somewhere"), "--download-only takes no DIR"),
])
def test_bad_arguments_are_one_line(capsys, argv, words):
    assert words in one_error_line(capsys, *argv)


# ---------------------------------------------------------------------------
# The lessons' browser versions
# ---------------------------------------------------------------------------


def code_of(notebook: dict) -> str:
    return "\n".join("".join(cell["source"]) for cell in notebook["cells"]
                     if cell["cell_type"] == "code")


def test_the_lessons_are_the_notebooks_less_what_the_browser_cannot_run(tmp_path):
    made = lessons.write_lessons(NOTEBOOKS, tmp_path)
    assert made.included == list(lessons.LESSONS)
    written = {name: json.loads((tmp_path / name).read_text()) for name in made.included}
    for notebook in written.values():
        assert notebook["metadata"]["kernelspec"]["name"] == "python"  # JupyterLite's kernel
    original = json.loads((NOTEBOOKS / "00_start_here.ipynb").read_text())
    kept = written["00_start_here.ipynb"]["cells"]  # nothing cut (links to notebooks left
    assert code_of(written["00_start_here.ipynb"]) == code_of(original)  # out: a test below)
    assert len(kept) == len(original["cells"])
    # 01: only the cell that writes a PNG with dot, said so in its place
    assert "drawing.save(" not in code_of(written["01_draw_and_step.ipynb"])
    assert "autograd.widget(loss, collapse=2)" in code_of(written["01_draw_and_step.ipynb"])
    # 02: section 5 (numpy) is a note under its heading; sections 6 to 8 are all there
    two = written["02_gradient_checking.ipynb"]
    assert "numpy" not in code_of(two) and "np." not in code_of(two)
    text = "\n".join("".join(cell["source"]) for cell in two["cells"])
    assert "## 5. A hand backward pass" in text and "*Not in the browser lab:*" in text
    assert all(f"## {k}." in text for k in (6, 7, 8)) and "from hypothesis import" in text
    left = dict(made.left_out)
    assert "00_start_here.ipynb" not in left
    assert left["04_classic_backprop_bugs.ipynb"].startswith("needs matplotlib and numpy")


def test_a_lesson_links_only_to_notebooks_the_lab_has(tmp_path):
    # in the lab, a link to a notebook it does not ship does nothing when clicked (the
    # browser's console says the path does not exist): such a link becomes plain text
    # and a note names what it left out
    made = lessons.write_lessons(NOTEBOOKS, tmp_path)
    for name in made.included:
        notebook = json.loads((tmp_path / name).read_text())
        for cell in notebook["cells"]:
            text = "".join(cell["source"])
            for target in re.findall(r"\]\(([^)#\s]+\.ipynb)", text):
                assert target in lessons.LESSONS, (name, target)
    where_next = next(cell for cell in json.loads(
        (tmp_path / "00_start_here.ipynb").read_text())["cells"]
        if "".join(cell["source"]).startswith("## Where next"))
    text = "".join(where_next["source"])
    assert "[02_gradient_checking](02_gradient_checking.ipynb),\n  03_training: the tools" in text
    assert "* 10–15: the lecture notes'" in text
    assert text.endswith("*Not in the browser lab:* 03_training, 10_svm_hinge_gradient and "
                         "15_convolution_backward (the lab's front page says why); run them "
                         "in a local install (`make notebooks`).")


def test_a_cut_whose_cell_is_gone_stops_the_build(tmp_path):
    for name in lessons.LESSONS:
        (tmp_path / name).write_text((NOTEBOOKS / name).read_text())
    notebook = json.loads((tmp_path / "01_draw_and_step.ipynb").read_text())
    notebook["cells"] = [cell for cell in notebook["cells"]
                         if "drawing.save(" not in "".join(cell["source"])]
    (tmp_path / "01_draw_and_step.ipynb").write_text(json.dumps(notebook))
    with pytest.raises(UsageError, match="01_draw_and_step.ipynb has no code cell with 'drawing"):
        lessons.write_lessons(tmp_path, tmp_path / "out")


def test_a_kept_cell_that_imports_numpy_stops_the_build(tmp_path):
    for name in lessons.LESSONS:
        (tmp_path / name).write_text((NOTEBOOKS / name).read_text())
    notebook = json.loads((tmp_path / "00_start_here.ipynb").read_text())
    notebook["cells"].append({"cell_type": "code", "metadata": {}, "outputs": [],
                              "execution_count": None, "source": ["import numpy as np\n"]})
    (tmp_path / "00_start_here.ipynb").write_text(json.dumps(notebook))
    with pytest.raises(UsageError, match=r"lesson 00_start_here.ipynb, cell \d+, imports numpy"):
        lessons.write_lessons(tmp_path, tmp_path / "out")


# ---------------------------------------------------------------------------
# Pyodide's package list, and backprop-lab's requirements in the browser
# ---------------------------------------------------------------------------


def make_wheel(folder: Path, name: str, version: str, *requires: str) -> WheelFile:
    path = folder / f"{name}-{version}-py3-none-any.whl"
    lines = [f"Name: {name}", f"Version: {version}", *(f"Requires-Dist: {r}" for r in requires)]
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(f"{name}/__init__.py", "")
        archive.writestr(f"{name}-{version}.dist-info/METADATA", "\n".join(lines) + "\n")
    return WheelFile.read(path)


INFO = {"python": "3.14.2", "version": pins.PYODIDE.version}


def test_the_package_list_holds_what_the_browser_needs_and_no_more(tmp_path):
    a = make_wheel(tmp_path, "a", "1.0", "b>=2; sys_platform != 'emscripten'", "c>=1",
                   "d; extra == 'test'")
    c = make_wheel(tmp_path, "c", "1.5")
    listed = package_list([a, c], INFO)
    assert listed["info"] == INFO
    assert listed["packages"]["a"]["depends"] == ["c"]  # b: not in the browser; d: an extra
    assert listed["packages"]["a"]["imports"] == ["a"]
    assert listed["packages"]["c"]["file_name"] == "c-1.5-py3-none-any.whl"


@pytest.mark.parametrize("shipped, words", [
    ((), "a 1.0 needs c>=1 in the browser, and the lab does not have it"),
    (("0.5",), "a 1.0 needs c>=1 in the browser, and the lab has 0.5"),
])
def test_a_requirement_the_lab_cannot_meet_stops_the_build(tmp_path, shipped, words):
    a = make_wheel(tmp_path, "a", "1.0", "c>=1")
    with pytest.raises(UsageError, match=words):
        package_list([a, *(make_wheel(tmp_path, "c", v) for v in shipped)], INFO)


def project_requirements() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return [Requirement(text) for text in project["project"]["dependencies"]]


def test_backprop_lab_installs_in_the_browser_from_the_lab_s_wheels_alone():
    browser = browser_environment("3.14.2")
    needed = {r.name for r in project_requirements()
              if r.marker is None or r.marker.evaluate(browser)}
    assert needed == {"graphviz", "anywidget"}  # no binary dot, no matplotlib, no tqdm
    shipped = {pin.name: pin.version for pin in pins.BROWSER_WHEELS}
    for requirement in project_requirements():
        if requirement.name in needed:
            assert requirement.specifier.contains(shipped[requirement.name]), requirement


def test_a_normal_install_still_gets_every_dependency():
    here = {r.name for r in project_requirements() if r.marker is None or r.marker.evaluate()}
    assert here == {"graphviz", "graphviz-pure", "tqdm", "matplotlib", "anywidget"}


# ---------------------------------------------------------------------------
# fit without tqdm
# ---------------------------------------------------------------------------


def test_fit_without_tqdm_shows_one_progress_line(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "tqdm", None)  # `import tqdm...` raises ImportError
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)
    X, y = nn.make_moons(20, noise=0.1, seed=0)
    history = nn.fit(nn.MLP(2, [4, 1], seed=0), X, y, epochs=3)
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.endswith("\n"), repr(err)
    shown = err.rstrip("\n").split("\r")[-1]  # what the line says once training is over
    assert shown == (f"training: 3/3 epochs, loss={history.losses[-1]:.4f}, "
                     f"acc={100 * history.accuracies[-1]:.1f}%")


def test_a_lab_built_before_may_be_replaced_and_nothing_else(tmp_path):
    from nn.cli.lab import target_problem

    lab = tmp_path / "lab"
    lab.mkdir()
    (lab / "check.html").write_text("")
    (lab / "jupyter-lite.json").write_text("{}")
    assert target_problem(lab) is None
    (lab / "jupyter-lite.json").unlink()
    assert "is not empty and holds no lab built before" in str(target_problem(lab))
