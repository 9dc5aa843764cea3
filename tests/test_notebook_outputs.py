"""What the lecture notebooks (10 to 15) show before anyone runs them: their saved outputs.

A learner opens a notebook and reads the outputs saved in it, so they must be those of one run
from the top (no cell left unrun, none run twice, no error), and the pictures must fit the page
of a notebook: JupyterLab shows an output about 800 pixels wide, and a drawing wider than that is
scaled down (its text with it) or scrolls sideways. The markdown must render as written: a line
that begins with "+ " is a bullet. And every notebook is in the folder's index.
"""

from __future__ import annotations

import base64
import json
import re
import struct
from pathlib import Path

import pytest

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
LECTURES = sorted(NOTEBOOKS.glob("1*.ipynb"))
WIDEST = 1050  # pixels a picture may have: shown at 800, that is at least 76 % of its size


def _cells(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def _text(source: str | list[str]) -> str:
    return "".join(source) if isinstance(source, list) else source


def picture_widths(output: dict) -> list[tuple[str, float]]:
    """(kind, width in CSS pixels at its natural size) of each picture in one output."""
    data = output.get("data", {})
    widths = []
    if "image/svg+xml" in data:
        svg = _text(data["image/svg+xml"])
        box = re.search(r'viewBox="[-\d.]+ [-\d.]+ ([\d.]+) [\d.]+"', svg)
        size = re.search(r'<svg width="([\d.]+)pt"', svg)
        assert box or size, "an SVG without a size"
        widths.append(("svg", float((box or size)[1]) * 4 / 3))  # graphviz counts points
    if "image/png" in data:
        png = base64.b64decode(_text(data["image/png"]))
        assert png[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
        widths.append(("png", float(struct.unpack(">I", png[16:20])[0])))
    return widths


def test_there_are_the_lecture_notebooks():
    names = [path.stem for path in LECTURES]
    assert len(names) >= 7 and "13b_hidden_layers_as_a_recursion" in names, names


@pytest.mark.parametrize("path", LECTURES, ids=[p.name for p in LECTURES])
def test_the_saved_outputs_are_those_of_one_run_from_the_top(path):
    code = [cell for cell in _cells(path) if cell["cell_type"] == "code"]
    counts = [cell.get("execution_count") for cell in code]
    assert counts == list(range(1, len(code) + 1)), f"{path.name}: run it from the top: {counts}"
    errors = [output.get("ename") for cell in code for output in cell.get("outputs", [])
              if output.get("output_type") == "error"]
    assert not errors, f"{path.name} was saved with errors: {errors}"


@pytest.mark.parametrize("path", LECTURES, ids=[p.name for p in LECTURES])
def test_every_picture_fits_the_page(path):
    outputs = [(index, output) for index, cell in enumerate(_cells(path))
               for output in cell.get("outputs", [])]
    too_wide = [(index, kind, round(width)) for index, output in outputs
                for kind, width in picture_widths(output) if width > WIDEST]
    assert not too_wide, f"{path.name}: wider than {WIDEST} px (cell, kind, width): {too_wide}"
    # an untrusted notebook (any opened from disk) shows a PNG, not an SVG: drawings carry both
    svg_only = [index for index, output in outputs
                if "image/svg+xml" in output.get("data", {}) and "image/png" not in output["data"]]
    assert not svg_only, f"{path.name}: drawings saved without their PNG (run it): cells {svg_only}"


@pytest.mark.parametrize("path", LECTURES, ids=[p.name for p in LECTURES])
def test_no_markdown_line_turns_into_a_bullet_by_accident(path):
    markdown = [(index, _text(cell["source"])) for index, cell in enumerate(_cells(path))
                if cell["cell_type"] == "markdown"]
    plus = [(index, line) for index, text in markdown for line in text.splitlines()
            if re.match(r"\s*\+\s", line)]
    assert not plus, f"{path.name}: lines that render as bullets: {plus}"


def test_the_cell_ids_are_unique():
    for path in LECTURES:
        ids = [cell.get("id") for cell in _cells(path)]
        assert None not in ids and len(ids) == len(set(ids)), path.name


def test_the_folder_index_links_every_notebook():
    index = (NOTEBOOKS / "README.md").read_text(encoding="utf-8")
    linked = set(re.findall(r"\]\(([^)\s]+\.ipynb)\)", index))
    present = {path.name for path in NOTEBOOKS.glob("*.ipynb")}
    assert present <= linked, sorted(present - linked)
    assert linked <= present, sorted(linked - present)


def test_the_picture_check_measures_what_is_shown():
    # a drawing scaled for display keeps its natural width in the viewBox; a PNG has its own
    svg = '<svg width="600.00pt" height="100pt" viewBox="0.00 0.00 1500.00 250.00">'
    assert picture_widths({"data": {"image/svg+xml": svg}}) == [("svg", 2000.0)]
    png = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + struct.pack(">II", 1300, 400)
    encoded = base64.b64encode(png).decode()
    assert picture_widths({"data": {"image/png": encoded}}) == [("png", 1300.0)]
