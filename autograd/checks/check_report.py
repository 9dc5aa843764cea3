"""What every gradient check returns: `CheckEntry` rows in a `GradcheckReport`.

An entry compares one derivative with one or more references: it passes when

    |a − n| <= atol + rtol·|n|        (a: the value checked, n: each reference)

the test PyTorch's gradcheck uses, with its float64 defaults (EPS, ATOL, RTOL).
Two kinds of entry do not fail a report although their numbers may differ:

- a **kink**: the function has a corner there (relu or abs at 0), its slopes on
  the left and on the right differ, so no single derivative exists; the rule's
  value is one of the valid choices (a subgradient) and the entry says so;
- an entry that could **not be checked** (finite differences would step outside
  the op's domain, as sqrt at 1e-9 with eps = 1e-6): its note says why.

A report is truthy when no entry failed. It prints as a table, shows as an HTML
table in Jupyter, and its last line is a one-sentence diagnosis when it has one
(which node's rule is wrong, which stage of a hand derivation, or why a check
fails although every rule is right).

This module uses only the standard library.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from autograd import validate

# PyTorch's gradcheck defaults for float64.
EPS = 1e-6
ATOL = 1e-5
RTOL = 1e-3


@dataclass(frozen=True)
class CheckEntry:
    """One row of a report: a named derivative, the numbers compared, the verdict.

    ``values`` follow the report's ``columns``, e.g. (analytic, numeric); nan
    where a number could not be computed.
    ``abs_error`` = |checked − reference| (the largest, if several references);
    ``rel_error`` = abs_error / |reference|.
    ``passed``: the entry does not fail the report (True for a kink whose rule
    gives one of the valid slopes, and for an entry that could not be checked).
    ``kink``: the one-sided slopes differ here, so no single derivative exists.
    ``checked``: False when finite differences could not be taken (``note`` says why).
    ``note``: a sentence for the reader: what the kink is, why it was not checked, ...
    ``within_eps``: finite differences with the step eps straddle a corner or a pole
    beside the point, and agree with the value checked only over a smaller step.
    ``slopes``: where the loss has a corner along the entry (`corner_entry`), its slopes
    (on the left, on the right); None elsewhere.
    """

    name: str
    values: tuple[float, ...]
    abs_error: float
    rel_error: float
    passed: bool
    kink: bool = False
    checked: bool = True
    note: str = ""
    within_eps: bool = False
    slopes: tuple[float, float] | None = None

    @property
    def status(self) -> str:
        """What the table's last column shows: FAIL, kink, n/a or pass."""
        if not self.passed:
            return "FAIL"
        if self.kink:
            return "kink"
        if not self.checked:
            return "n/a"
        return "pass"


class GradcheckReport:
    """The result of a check: truthy when no entry failed.

    ``str(report)`` is a table (one row per entry), the notes, and last the
    `diagnosis` sentence if there is one; in Jupyter the report shows as an HTML
    table. ``report["x"]`` is the entry named "x"; ``report.failures`` the
    entries that failed, ``report.kinks`` those at a kink; iterate for all.
    Entries whose value lies outside a corner's slopes share one printed note
    (`entry_notes`); each keeps its own ``note`` and ``slopes``.

    A failing `gradcheck` or `gradgradcheck` also sets ``culprit`` (the first
    node-wise entry whose rule is wrong, or None) and ``node_check`` (the
    node-wise report it came from: see `autograd.check_graph`).
    """

    def __init__(
        self,
        title: str,
        columns: Sequence[str],
        entries: Sequence[CheckEntry],
        settings: str,
        notes: Sequence[str] = (),
        *,
        culprit: CheckEntry | None = None,
        diagnosis: str = "",
        node_check: GradcheckReport | None = None,
    ) -> None:
        self.title = title
        self.columns = tuple(columns)
        self.entries = list(entries)
        self.settings = settings
        self.notes = list(notes)
        self.culprit = culprit
        self.diagnosis = diagnosis
        self.node_check = node_check

    @property
    def passed(self) -> bool:
        return all(entry.passed for entry in self.entries)

    @property
    def failures(self) -> list[CheckEntry]:
        return [entry for entry in self.entries if not entry.passed]

    @property
    def kinks(self) -> list[CheckEntry]:
        """The entries at a kink; for a gradcheck, those its node-wise check found."""
        own = [entry for entry in self.entries if entry.kink]
        return own + (self.node_check.kinks if self.node_check is not None else [])

    @property
    def unchecked(self) -> list[CheckEntry]:
        """The entries finite differences could not check (each ``note`` says why)."""
        return [entry for entry in self.entries if not entry.checked]

    def __bool__(self) -> bool:
        return self.passed

    def __len__(self) -> int:
        return len(self.entries)

    def __iter__(self) -> Iterator[CheckEntry]:
        return iter(self.entries)

    def __getitem__(self, name: str | int) -> CheckEntry:
        if isinstance(name, int):
            return self.entries[name]
        for entry in self.entries:
            if entry.name == name:
                return entry
        raise KeyError(f"no entry named {name!r}; entries: {[e.name for e in self.entries]}")

    def verdict(self) -> str:
        if not self.passed:
            return f"FAILED ({len(self.failures)} of {len(self.entries)} entries)"
        extras = []
        kinks = sum(entry.kink for entry in self.entries)
        if kinks:
            extras.append(f"{kinks} at a kink")
        unchecked = len(self.unchecked)
        if unchecked:
            extras.append(f"{unchecked} not checked")
        return f"PASSED ({', '.join(extras)})" if extras else "PASSED"

    def _rows(self) -> list[list[str]]:
        return [entry_row(entry) for entry in self.entries]

    def _header(self) -> list[str]:
        return ["entry", *self.columns, "abs err", "rel err", ""]

    def _notes(self) -> list[str]:
        return self.notes + entry_notes(self.entries)

    def __str__(self) -> str:
        text = [f"{self.title}: {self.verdict()}   ({self.settings})",
                *table(self._header(), self._rows())]
        text += [f"note: {note}" for note in self._notes()]
        if self.diagnosis:
            text.append(self.diagnosis)
        return "\n".join(text)

    def __repr__(self) -> str:
        return f"<GradcheckReport {self.title}: {self.verdict()}>"  # subclasses too: it is one

    def _repr_html_(self) -> str:
        cells = "".join(f"<th>{html.escape(h)}</th>" for h in self._header())
        body = []
        for entry, row in zip(self.entries, self._rows()):
            style = _HTML_STYLES.get(entry.status, "")
            tds = "".join(f"<td>{html.escape(cell)}</td>" for cell in row)
            body.append(f"<tr{style}>{tds}</tr>")
        notes = "".join(f"<p>note: {html.escape(n)}</p>" for n in self._notes())
        diagnosis = f"<p><b>{html.escape(self.diagnosis)}</b></p>" if self.diagnosis else ""
        return (
            f"<p><b>{html.escape(self.title)}: {html.escape(self.verdict())}</b> "
            f"<small>({html.escape(self.settings)})</small></p>"
            f"<table><thead><tr>{cells}</tr></thead><tbody>{''.join(body)}</tbody></table>"
            f"{notes}{diagnosis}"
        )

    def raise_if_failed(self) -> None:
        """AssertionError with the table as its message, unless every entry passed."""
        if not self.passed:
            raise AssertionError(str(self))


class HandBackwardReport(GradcheckReport):
    """The report of `check_hand_backward`: entries grouped by stage.

    ``stages`` lists the stages checked, in the order a backward pass reaches
    them (from the loss back to the inputs); ``first_wrong`` is the first of
    them with a wrong entry, or None when all are right.
    """

    def __init__(self, title: str, columns: Sequence[str], entries: Sequence[CheckEntry],
                 settings: str, notes: Sequence[str] = (), *, stages: Sequence[str] = (),
                 first_wrong: str | None = None, diagnosis: str = "") -> None:
        super().__init__(title, columns, entries, settings, notes, diagnosis=diagnosis)
        self.stages = list(stages)
        self.first_wrong = first_wrong


_HTML_STYLES = {
    "FAIL": ' style="color:#b00020;font-weight:bold"',
    "kink": ' style="color:#8a5300"',
    "n/a": ' style="color:#666666"',
}


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """Lines of a text table: the first column left-aligned, the middle ones right-aligned,
    the last one (a status word) as it is."""
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        first = cells[0].ljust(widths[0])
        rest = [cell.rjust(width) for cell, width in zip(cells[1:-1], widths[1:-1])]
        return "  ".join([first, *rest, cells[-1]]).rstrip()

    return [line(header), *(line(row) for row in rows)]


def entry_row(entry: CheckEntry) -> list[str]:
    """An entry as the cells of a table row: name, values, abs err, rel err, status."""
    return [entry.name, *(_number(v) for v in entry.values),
            _number(entry.abs_error, ".2e"), _number(entry.rel_error, ".2e"), entry.status]


_OUTSIDE_SHOWN = 3  # entries outside a corner's slopes named, with their numbers, in one note


def entry_notes(entries: Sequence[CheckEntry], shown: int = _OUTSIDE_SHOWN) -> list[str]:
    """The entries' notes as a report prints them, "name: note" each; but where several
    values lie outside a corner's slopes (a first layer initialised to zero puts every
    ReLU at its corner), one note instead of theirs: the first `shown` with their
    numbers, and how many more."""
    outside = [entry for entry in entries if outside_slopes(entry)]
    if len(outside) < 2:
        return [f"{entry.name}: {entry.note}" for entry in entries if entry.note]
    items = []
    for entry in outside[:shown]:
        assert entry.slopes is not None
        left, right = entry.slopes
        items.append(f"{entry.name}, yours {short(entry.values[0])} ({short(left)} on the "
                     f"left, {short(right)} on the right)")
    more = len(outside) - shown
    if more > 0:
        items.append(f"and {more} more (report.failures lists them all, each with its note)")
    grouped = (f"yours lies outside the loss's slopes on either side at {len(outside)} of "
               f"its kinks: {'; '.join(items)}")
    return [grouped, *(f"{entry.name}: {entry.note}" for entry in entries
                       if entry.note and not outside_slopes(entry))]


def outside_slopes(entry: CheckEntry) -> bool:
    """Whether the entry is at a corner of the loss and the value checked (the first of
    its values) lies outside the corner's two slopes: its note says so (`corner_entry`)."""
    return entry.slopes is not None and not entry.passed and bool(entry.note)


def listed(names: Sequence[str], shown: int = 6) -> str:
    """The first `shown` names, then how many more: "a, b, c and 4 more"."""
    more = len(names) - shown
    return ", ".join(names[:shown]) + (f" and {more} more" if more > 0 else "")


def short(x: float) -> str:
    """A number in a sentence: 6 significant digits, never "-0"."""
    text = f"{x:.6g}"
    return "0" if text == "-0" else text


def exact(x: float) -> str:
    """A number as short as it reads back exactly: 1, 709.7827124 (``:g`` says 709.783)."""
    text = f"{x:g}"
    return text if float(text) == x else repr(x)


def _number(value: float, spec: str = ".8g") -> str:
    if math.isnan(value):
        return "-"
    return f"{value + 0.0:{spec}}"  # + 0.0: no "-0"


# ----------------------------------------------------------------- comparing


def is_close(value: float, reference: float, atol: float = ATOL, rtol: float = RTOL) -> bool:
    """|value − reference| <= atol + rtol·|reference|  (False for nan or inf)."""
    error = abs(value - reference)
    return math.isfinite(error) and error <= atol + rtol * abs(reference)


def relative(error: float, reference: float) -> float:
    """error / |reference| (0 for no error, inf for an error against 0)."""
    if math.isnan(error):
        return math.nan
    if reference != 0:
        return error / abs(reference)
    return 0.0 if error == 0 else math.inf


def compare(name: str, value: float, references: Sequence[float],
            atol: float, rtol: float) -> CheckEntry:
    """One entry: `value` must be close to every one of `references`."""
    worst_error, worst_reference = -1.0, references[0]
    for reference in references:
        error = abs(value - reference)
        if math.isnan(error) or error > worst_error:
            worst_error, worst_reference = error, reference
        if math.isnan(error):
            break  # nothing is worse than nan
    passed = all(is_close(value, ref, atol, rtol) for ref in references)
    note = ""
    if (passed and worst_error > rtol * abs(worst_reference) and abs(worst_reference) < atol
            and max(abs(value), abs(worst_reference)) > atol / 10):  # (not a zero's noise)
        note = (f"both below about atol = {atol:g}, so checked only to within it (the "
                f"numbers differ by {worst_error:.2g}); lower atol to check them closely")
    return CheckEntry(name, (value, *references), worst_error,
                      relative(worst_error, worst_reference), passed, note=note)


def compare_gradients(
    names: Sequence[str],
    analytic: Sequence[float],
    numeric: Sequence[float],
    atol: float = ATOL,
    rtol: float = RTOL,
    title: str = "gradcheck",
    settings: str = "",
) -> GradcheckReport:
    """A report from gradients already computed: analytic[i] vs numeric[i]."""
    if not len(names) == len(analytic) == len(numeric):
        raise ValueError(
            f"compare_gradients: {len(names)} names, {len(analytic)} analytic and "
            f"{len(numeric)} numeric gradients; give one of each per input"
        )
    entries = [compare(n, float(a), [float(r)], atol, rtol)
               for n, a, r in zip(names, analytic, numeric)]
    return GradcheckReport(title, ("analytic", "numeric"), entries,
                           settings or f"atol={atol:g}, rtol={rtol:g}")


#: The smallest step of finite differences: the checks also step by eps/4, eps/16 and
#: less, which are 0 below about 1e-321 (eps = 5e-324 ended in "float division by zero").
MIN_EPS = 1e-300


def check_settings(function: str, eps: float, atol: float = 0.0, rtol: float = 0.0) -> None:
    """eps >= `MIN_EPS`, atol >= 0 and rtol >= 0, all finite, or a ValueError naming
    `function`."""
    if validate.positive(eps, f"{function}: eps") < MIN_EPS:
        raise ValueError(f"{function}: eps must be at least {MIN_EPS:g} (the check also "
                         f"steps by eps/16, which must be a float above 0), got {eps!r}")
    validate.non_negative(atol, f"{function}: atol")
    validate.non_negative(rtol, f"{function}: rtol")


def describe_settings(eps: float, atol: float, rtol: float) -> str:
    return f"eps={eps:g}, atol={atol:g}, rtol={rtol:g}"
