"""Grades from a `check_numpy_gradient` report: partial credit per input, for the graders
teachers use.

Points are given per input (W, or W1, b1, W2, b2), so a net whose W2 and b2 are right
earns their points even when W1 is wrong, instead of the all-or-nothing of a failed
``assert``. With ``by="input"`` (the default) an input earns its points when every
checked entry is right; with ``by="entry"`` it earns points × (right entries / checked
entries).

- `grade(report, points)`: for nbgrader and otter-grader notebooks. Prints the friendly
  feedback and returns the points earned. nbgrader reads a number shown as a grading
  cell's result as its partial credit, but counts 0 (or no number) as full credit, so
  no credit at all is an AssertionError (a failing cell) instead of a 0.
- `gradescope_tests(report, points)`: the rows of Gradescope's ``results.json`` "tests"
  list (name, score, max_score, status, output, visibility, ...), one per input;
  `gradescope_results` wraps rows into the whole file's object and
  `write_gradescope_results` writes it (strict JSON: no NaN).
- ``report.check_input(name)`` (on the report): one test case per input, for
  otter-grader's or unittest's own points per case.

Standard library only.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import IO, Any

from autograd import validate
from autograd.checks.numpy_report import FEEDBACK, NumpyCheckReport

__all__ = ["GRADESCOPE_RESULTS", "grade", "gradescope_results", "gradescope_tests",
           "points_per_input", "write_gradescope_results"]

GRADESCOPE_RESULTS = "/autograder/results/results.json"
VISIBILITY = ("hidden", "after_due_date", "after_published", "visible")
_BY = ("input", "entry")


def points_per_input(report: NumpyCheckReport, points: float | Mapping[str, float]) -> dict[
        str, float]:
    """Each input's points: a total split evenly, or a dict naming every input."""
    names = [result.name for result in report.inputs]
    if isinstance(points, Mapping):
        missing = [n for n in names if n not in points]
        unknown = [str(n) for n in points if n not in names]
        if missing or unknown:
            raise ValueError(
                f"points must name every input of the report ({', '.join(names)}); "
                + "; ".join(filter(None, [f"missing {', '.join(missing)}" if missing else "",
                                          f"unknown {', '.join(unknown)}" if unknown else ""])))
        return {n: validate.non_negative(points[n], f"points for {n}") for n in names}
    total = validate.non_negative(points, "points")
    return {n: total / len(names) for n in names}


def _earned(report: NumpyCheckReport, points: float | Mapping[str, float],
            by: str) -> list[tuple[str, float, float]]:
    """(input, points earned, points possible) per input."""
    validate.choice(by, "by", _BY)
    rows = []
    for name, possible in points_per_input(report, points).items():
        result = report.input(name)
        fraction = result.score if by == "entry" else float(result.passed)
        rows.append((name, possible * fraction, possible))
    return rows


def _check_feedback(feedback: str) -> None:
    validate.choice(feedback, "feedback", FEEDBACK)


def grade(report: NumpyCheckReport, points: float | Mapping[str, float], *, by: str = "input",
          feedback: str = "friendly", file: IO[str] | None = None) -> float:
    """Print the feedback per input with its points, and return the points earned.

    For an nbgrader grading cell worth the same total, make this the cell's last line:
    the number it shows is the partial credit. With no point earned it raises
    AssertionError with the feedback (nbgrader gives a failing cell 0; a cell showing 0
    would get full credit).
    """
    _check_feedback(feedback)
    rows = _earned(report, points, by)
    lines = []
    for name, earned, possible in rows:
        lines.append(f"{name}: {_points(earned)} of {_points(possible)} points")
        lines += ["  " + line for line in report.input_text(name, feedback).splitlines()]
    total, possible = sum(r[1] for r in rows), sum(r[2] for r in rows)
    lines.append(f"total: {_points(total)} of {_points(possible)} points")
    text = "\n".join(lines)
    if total <= 0 < possible:
        raise AssertionError(text)
    print(text, file=file or sys.stdout)
    return total


def _points(x: float) -> str:
    return f"{x:.4g}"


def gradescope_tests(report: NumpyCheckReport, points: float | Mapping[str, float], *,
                     name: str | None = None, by: str = "input", feedback: str = "friendly",
                     visibility: str = "visible") -> list[dict[str, Any]]:
    """One Gradescope test row per input: name, score, max_score, status, output.

    `name` prefixes each row's name (default: the checked function's, from the
    report's title): ``svm_loss_vectorized: gradient of W``.
    """
    _check_feedback(feedback)
    validate.choice(visibility, "visibility", VISIBILITY)
    prefix = name if name is not None else report.title.removeprefix(
        "numpy gradient check").removeprefix(" of ")
    tests = []
    for input_name, earned, possible in _earned(report, points, by):
        title = f"gradient of {input_name}"
        tests.append({
            "name": f"{prefix}: {title}" if prefix else title,
            "score": round(earned, 6),
            "max_score": round(possible, 6),
            "status": "passed" if report.input(input_name).passed else "failed",
            "output": report.input_text(input_name, feedback),
            "output_format": "text",
            "visibility": visibility,
        })
    return tests


def gradescope_results(tests: Iterable[Mapping[str, Any]] | Sequence[Sequence[Mapping[str, Any]]],
                       *, output: str = "", visibility: str | None = None,
                       execution_time: float | None = None) -> dict[str, Any]:
    """The whole ``results.json`` object from test rows (or lists of rows, one per report).

    The total score is left to Gradescope, which adds up the rows' scores.
    """
    rows: list[dict[str, Any]] = []
    for item in tests:
        if isinstance(item, Mapping):
            rows.append(dict(item))
        else:
            rows.extend(dict(row) for row in item)
    results: dict[str, Any] = {"tests": rows}
    if output:
        results["output"] = output
    if visibility is not None:
        results["visibility"] = validate.choice(visibility, "visibility", VISIBILITY)
    if execution_time is not None:
        results["execution_time"] = validate.non_negative(execution_time, "execution_time")
    for row in rows:
        for key in ("score", "max_score"):
            if key in row and not (validate.is_real(row[key]) and math.isfinite(row[key])):
                raise ValueError(f"test {row.get('name', '?')!r}: {key} must be a finite number, "
                                 f"got {validate.shown(row[key])}")
    return results


def write_gradescope_results(results: Mapping[str, Any],
                             path: str | Path = GRADESCOPE_RESULTS) -> Path:
    """Write `results` as strict JSON (Gradescope reads /autograder/results/results.json)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(results, indent=2, allow_nan=False) + "\n", encoding="utf-8")
    return target
