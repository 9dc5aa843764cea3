"""The lab's lessons: browser versions of notebooks 00, 01 and 02, made from the originals.

A browser version is the notebook with the browser's kernel named in it and, where a part
cannot run there, that part replaced by a note saying why (`CUTS`). A cut names the text
of the part's first cell: when a notebook changes so that the text is gone, or a kept cell
imports a module the browser lab does not have (`UNAVAILABLE`), the build stops and says
which lesson and cell, rather than ship a lesson that fails halfway. A link to a notebook
the lab does not ship becomes plain text, and saved outputs are written as JupyterLite
shows them right (each text one string).

The other notebooks are left out; the lab's front page lists them with the reason.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nn.cli.common import UsageError

LESSONS = ("00_start_here.ipynb", "01_draw_and_step.ipynb", "02_gradient_checking.ipynb")
UNAVAILABLE = ("numpy", "matplotlib", "torch", "sklearn", "scipy", "pandas")
BROWSER_KERNEL = {"name": "python", "display_name": "Python (Pyodide)", "language": "python"}
LOCAL = "run it in a local install (`make notebooks`)"
LINK = re.compile(r"\[([^\]]+)\]\(([^)#\s:]+)\.ipynb(?:#[^)\s]*)?\)")  # [text](name.ipynb#...)


@dataclass(frozen=True)
class Cut:
    """A part of a lesson that cannot run in the browser: the code cell whose source
    contains `starts`; or with `section`, the heading (a markdown cell) that contains it and
    everything up to the next heading of its level or higher."""

    lesson: str
    starts: str
    section: bool
    why: str


CUTS = (
    Cut("01_draw_and_step.ipynb", "drawing.save(", False,
        "a cell that writes a PNG file, which needs Graphviz's dot program: the browser has "
        "none (its drawings are laid out in the page)"),
    Cut("02_gradient_checking.ipynb", "## 5. A hand backward pass", True,
        "the hand backward pass of section 5, written with numpy, which the browser lab "
        "cannot load offline"),
)


@dataclass
class Lessons:
    """What `write_lessons` made: the lessons, the parts cut, the notebooks left out."""

    included: list[str] = field(default_factory=list)
    cut: list[tuple[str, str]] = field(default_factory=list)  # (lesson, why)
    left_out: list[tuple[str, str]] = field(default_factory=list)  # (notebook, why)


def write_lessons(notebooks: Path, target: Path) -> Lessons:
    """Write the browser versions of `LESSONS` from `notebooks` into `target`."""
    made = Lessons()
    target.mkdir(parents=True, exist_ok=True)
    for name in LESSONS:
        notebook = json.loads((notebooks / name).read_text(encoding="utf-8"))
        for cut in (c for c in CUTS if c.lesson == name):
            _apply(notebook, cut)
            made.cut.append((name, cut.why))
        for cell in notebook["cells"]:
            _unlink_left_out(cell)
            for output in cell.get("outputs", []):
                _join_lines(output)
        for number, cell in enumerate(notebook["cells"]):
            missing = needs(cell)
            if missing:
                raise UsageError(f"lab: lesson {name}, cell {number}, imports {missing[0]}, "
                                 "which the browser lab does not have: add a cut for it in "
                                 "nn/cli/lab/lessons.py")
        notebook["metadata"]["kernelspec"] = dict(BROWSER_KERNEL)
        (target / name).write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n",
                                   encoding="utf-8")
        made.included.append(name)
    for path in sorted(notebooks.glob("*.ipynb")):
        if path.name not in LESSONS:
            made.left_out.append((path.name, _why_left_out(path)))
    return made


def needs(cell: dict[str, Any]) -> list[str]:
    """The modules of `UNAVAILABLE` a code cell imports."""
    if cell["cell_type"] != "code":
        return []
    imported = re.findall(r"^\s*(?:from|import)\s+(\w+)", _source(cell), re.MULTILINE)
    return [module for module in UNAVAILABLE if module in imported]


def _why_left_out(path: Path) -> str:
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    missing = sorted({module for cell in cells for module in needs(cell)})
    if missing:
        return f"needs {' and '.join(missing)}, which the browser lab cannot load offline"
    return "not made for the browser (only lessons 00, 01 and 02 are checked to run there)"


def _apply(notebook: dict[str, Any], cut: Cut) -> None:
    cells = notebook["cells"]
    kind = "markdown" if cut.section else "code"  # a heading, or the cell of code
    first = next((i for i, cell in enumerate(cells)
                  if cell["cell_type"] == kind and cut.starts in _source(cell)), None)
    if first is None:
        raise UsageError(f"lab: lesson {cut.lesson} has no {kind} cell with {cut.starts!r} "
                         "any more: update its cut in nn/cli/lab/lessons.py")
    if not cut.section:
        cells[first:first + 1] = [_note(f"*Not in the browser lab:* {cut.why}; {LOCAL}.")]
        return
    level = _heading_level(cells[first])
    if not level:
        raise UsageError(f"lab: lesson {cut.lesson}: the cell with {cut.starts!r} is not a "
                         "heading: update its cut in nn/cli/lab/lessons.py")
    heading = _source(cells[first]).splitlines()[0]
    end = next((i for i in range(first + 1, len(cells)) if 0 < _heading_level(cells[i]) <= level),
               len(cells))
    cells[first:end] = [_note(f"{heading}\n\n*Not in the browser lab:* {cut.why}; {LOCAL}.")]


def _unlink_left_out(cell: dict[str, Any]) -> None:
    """In a markdown cell, a link to a notebook the lab does not ship becomes its text (in
    the lab such a link does nothing), and a note at the end names the notebooks."""
    if cell["cell_type"] != "markdown":
        return
    gone: list[str] = []

    def unlink(found: re.Match[str]) -> str:
        if f"{found.group(2)}.ipynb" in LESSONS:
            return found.group(0)
        gone.append(found.group(2))
        return found.group(1)

    text = LINK.sub(unlink, _source(cell))
    if gone:
        names = ", ".join(gone[:-1]) + " and " + gone[-1] if len(gone) > 1 else gone[0]
        text += (f"\n\n*Not in the browser lab:* {names} (the lab's front page says why); "
                 f"{LOCAL.replace('run it', 'run them')}.")
        cell["source"] = text.splitlines(keepends=True)


def _join_lines(output: dict[str, Any]) -> None:
    """A saved output's texts as one string each, not lists of lines: JupyterLite shows a
    list of lines with a comma at the start of every line after the first."""
    if isinstance(output.get("text"), list):
        output["text"] = "".join(output["text"])
    for mime, value in output.get("data", {}).items():
        if isinstance(value, list):
            output["data"][mime] = "".join(value)


def _heading_level(cell: dict[str, Any]) -> int:
    """1 for a markdown cell starting with ``# ``, 2 for ``## ``...; 0 for any other cell."""
    found = re.match(r"(#+)\s", _source(cell)) if cell["cell_type"] == "markdown" else None
    return len(found.group(1)) if found else 0


def _note(text: str) -> dict[str, Any]:
    return {"cell_type": "markdown", "metadata": {}, "source": text.splitlines(keepends=True)}


def _source(cell: dict[str, Any]) -> str:
    source = cell["source"]
    return source if isinstance(source, str) else "".join(source)
