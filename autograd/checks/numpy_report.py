"""The report of `check_numpy_gradient`: per input, the entries checked, their verdicts and a score.

For each input (W, or W1, b1, W2, b2 of a params dict) the check compares, at the
entries it checked, three numbers:

- hand: the gradient the student's own function returned;
- engine: d loss / d entry from autograd, running the same function on Values;
- numeric: central differences (f(x + ε·e_i) − f(x − ε·e_i)) / 2ε of the loss.

An entry is right when |hand − r| <= atol + rtol·|r| for both references r (for one
of them where they disagree within eps of a kink); where the loss has a corner (relu
at 0), when it lies between the loss's slopes on the two sides. The score of an input
is the fraction of its checked entries that are right; ``report.score`` is that
fraction over all checked entries. The report prints the wrong entries only, ends
with one sentence on their pattern, and has two levels of feedback:

- ``"full"``: the numbers (what a student checking their own work wants);
- ``"friendly"``: which input is wrong, which entries and the pattern, without the
  reference numbers (what a grader shows, so the right answer is not given away).

Standard library only (the numbers come in as lists of floats).
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from autograd.checks.check_report import CheckEntry, GradcheckReport, entry_row, table

__all__ = ["FEEDBACK", "InputResult", "NumpyCheckReport", "ReportTexts"]

FEEDBACK = ("full", "friendly")
_SHOWN = 8  # wrong entries listed per input; report.failures has them all


@dataclass
class InputResult:
    """One input of the check: its shape, the entries checked and what was found.

    ``positions`` are the checked entries' indices (tuples, numpy order); ``entries``
    the report rows for them, in the same order; ``values`` the input's numbers there.
    ``problem`` is a sentence when the hand gradient could not be compared entry by
    entry (missing, not numbers, the wrong shape): every checked entry then counts
    as wrong. For a gradient of the transposed shape, ``transposed_wrong`` counts the
    checked entries its transpose still gets wrong.
    """

    name: str
    shape: tuple[int, ...]
    positions: list[tuple[int, ...]]
    entries: list[CheckEntry]
    values: list[float]
    problem: str = ""
    transposed_wrong: int | None = None  # a transposed gradient: entries still wrong, transposed

    @property
    def size(self) -> int:
        return math.prod(self.shape)

    @property
    def checked(self) -> int:
        return len(self.entries)

    @property
    def right(self) -> int:
        return 0 if self.problem else sum(entry.passed for entry in self.entries)

    @property
    def score(self) -> float:
        """The fraction of the checked entries that are right (1.0 when none was checked)."""
        return self.right / self.checked if self.checked else 1.0

    @property
    def passed(self) -> bool:
        return self.right == self.checked

    @property
    def wrong(self) -> list[CheckEntry]:
        return list(self.entries) if self.problem else [e for e in self.entries if not e.passed]

    @property
    def full(self) -> bool:
        """True when every entry of the input was checked (no sampling)."""
        return self.checked == self.size


@dataclass
class ReportTexts:
    """The sentences of a report, in both levels of feedback."""

    pattern: str = ""
    friendly_pattern: str = ""
    notes: list[str] = field(default_factory=list)
    friendly_notes: list[str] = field(default_factory=list)


class NumpyCheckReport(GradcheckReport):
    """What `check_numpy_gradient` returns: truthy when every checked entry is right.

    ``inputs`` holds one `InputResult` per input (``report.input("W")``); ``score``
    is the fraction of checked entries right over all inputs, ``input_scores`` the
    same per input; ``pattern`` is the last sentence (what the wrong entries have in
    common, or ""). ``str(report)`` and the notebook display follow ``feedback``
    (``"full"`` or ``"friendly"``); ``report.text(feedback)`` gives either.
    ``check_input(name)`` raises AssertionError (friendly text) unless that input is
    right: one test case per input for otter-grader, nbgrader or unittest.
    """

    def __init__(self, title: str, inputs: Sequence[InputResult], settings: str,
                 texts: ReportTexts, feedback: str = "full", sampled: bool = False) -> None:
        entries = [entry for result in inputs for entry in result.entries]
        super().__init__(title, ("hand", "engine", "numeric"), entries, settings,
                         texts.notes, diagnosis=texts.pattern)
        self.inputs = list(inputs)
        self.pattern = texts.pattern
        self.friendly_pattern = texts.friendly_pattern
        self.friendly_notes = list(texts.friendly_notes)
        self.feedback = feedback
        self.sampled = sampled

    # ------------------------------------------------------------ verdicts

    @property
    def passed(self) -> bool:
        return all(result.passed for result in self.inputs)

    @property
    def failures(self) -> list[CheckEntry]:
        return [entry for result in self.inputs for entry in result.wrong]

    @property
    def score(self) -> float:
        """Right entries / checked entries, over all inputs."""
        checked = sum(result.checked for result in self.inputs)
        return sum(result.right for result in self.inputs) / checked if checked else 1.0

    @property
    def input_scores(self) -> dict[str, float]:
        return {result.name: result.score for result in self.inputs}

    def input(self, name: str) -> InputResult:
        for result in self.inputs:
            if result.name == name:
                return result
        raise KeyError(f"no input named {name!r}; inputs: {[r.name for r in self.inputs]}")

    def check_input(self, name: str) -> None:
        """AssertionError with the friendly feedback on `name` unless it is right."""
        result = self.input(name)
        if not result.passed:
            raise AssertionError(self.input_feedback(name))

    def verdict(self) -> str:
        if not self.passed:
            wrong = sum(len(result.wrong) for result in self.inputs)
            checked = sum(result.checked for result in self.inputs)
            return f"FAILED ({wrong} of {checked} checked entries wrong)"
        return super().verdict()

    # --------------------------------------------------------------- texts

    def text(self, feedback: str | None = None) -> str:
        """The report as text: ``"full"`` (with numbers) or ``"friendly"`` (without)."""
        level = self.feedback if feedback is None else feedback
        if level not in FEEDBACK:
            raise ValueError(f"feedback must be one of {', '.join(FEEDBACK)}, got {level!r}")
        return self._full() if level == "full" else self._friendly()

    def __str__(self) -> str:
        return self.text()

    def input_feedback(self, name: str) -> str:
        """Friendly lines about one input: its verdict, its wrong entries, the pattern."""
        return self.input_text(name, "friendly")

    def input_text(self, name: str, feedback: str | None = None) -> str:
        """Lines about one input: its verdict, its wrong entries (with their numbers at
        the "full" level) and the pattern sentence when it is about this input."""
        level = self.feedback if feedback is None else feedback
        if level not in FEEDBACK:
            raise ValueError(f"feedback must be one of {', '.join(FEEDBACK)}, got {level!r}")
        result = self.input(name)
        lines = [_friendly_line(result)]
        pattern = self.friendly_pattern if level == "friendly" else self.pattern
        if level == "full" and result.wrong and not result.problem:
            rows = [entry_row(entry) for entry in result.wrong[:_SHOWN]]
            lines += table(["entry", *self.columns, "abs err", "rel err", ""], rows)
        if not result.passed and pattern and _mentions(pattern, name):
            lines.append(pattern)
        return "\n".join(lines)

    def _full(self) -> str:
        lines = [f"{self.title}: {self.verdict()}   ({self.settings})"]
        summary = [[r.name, _shape(r.shape), f"{r.checked} of {r.size}", str(r.right),
                    f"{r.score:.2f}"] for r in self.inputs]
        lines += table(["input", "shape", "checked", "right", "score"], [*summary])
        for result in self.inputs:
            if result.problem:
                lines.append(f"{result.name}: {result.problem}")
        rows, more = [], []
        for result in self.inputs:
            if result.problem:
                continue
            wrong = result.wrong
            rows += [entry_row(entry) for entry in wrong[:_SHOWN]]
            if len(wrong) > _SHOWN:
                more.append(f"{len(wrong) - _SHOWN} more of {result.name}")
        if rows:
            lines.append("wrong entries (hand: yours; engine: autograd running your function "
                         "on Values; numeric: central differences):")
            lines += table(["entry", *self.columns, "abs err", "rel err", ""], rows)
        if more:
            lines.append(f"… and {', '.join(more)} (report.failures lists them all)")
        lines += [f"note: {note}" for note in self._notes()]
        if self.pattern:
            lines.append(self.pattern)
        return "\n".join(lines)

    def _friendly(self) -> str:
        lines = [f"{self.title}: {'PASSED' if self.passed else 'FAILED'}"]
        lines += [_friendly_line(result) for result in self.inputs]
        lines += [f"note: {note}" for note in self.friendly_notes]
        if self.friendly_pattern:
            lines.append(self.friendly_pattern)
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<NumpyCheckReport {self.title}: {self.verdict()}, score {self.score:.2f}>"

    def _repr_html_(self) -> str:
        return f"<pre>{html.escape(self.text())}</pre>"


def _mentions(sentence: str, name: str) -> bool:
    """True when `name` appears in `sentence` as a whole word (W, not the W of W1)."""
    return re.search(rf"(?<![\w\[]){re.escape(name)}(?![\w])", sentence) is not None


def _shape(shape: tuple[int, ...]) -> str:
    return f"({', '.join(map(str, shape))}{',' if len(shape) == 1 else ''})"


def _friendly_line(result: InputResult) -> str:
    """``W (3073, 10): 7 of 10 checked entries right; wrong: W[3, 1], W[5, 0], …``."""
    head = f"{result.name} {_shape(result.shape)}: "
    checked = "checked entries" if result.full else f"sampled entries (of {result.size})"
    if result.problem:
        return head + result.problem  # shapes and what is missing: no reference numbers
    if result.passed:
        return head + f"all {result.checked} {checked} right"
    wrong = [entry.name for entry in result.wrong]
    listed = ", ".join(wrong[:_SHOWN]) + (f" and {len(wrong) - _SHOWN} more"
                                          if len(wrong) > _SHOWN else "")
    return (head + f"{result.right} of {result.checked} {checked} right "
            f"(score {result.score:.2f}); wrong: {listed}")
