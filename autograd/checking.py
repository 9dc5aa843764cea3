"""Gradient checking: compare the engine's derivatives with finite differences.

A derivative rule can be wrong in ways that still give plausible numbers (a
factor of 2, a sign, a forgotten term). Finite differences need no rule at all:

    ∂f/∂x_i ≈ (f(x + ε·e_i) − f(x − ε·e_i)) / (2ε)          (central differences)

with error O(ε²) from the Taylor series plus about 10⁻¹⁶·|f|/ε from rounding.
An entry passes when |a − n| <= atol + rtol·|n| (a: the value checked, n: the
reference), the test PyTorch's gradcheck uses, with its float64 defaults.

- `numerical_grad(f, inputs)`: the finite-difference gradient.
- `gradcheck(f, inputs)`: the engine's gradient vs finite differences.
- `gradgradcheck(f, inputs)`: second derivatives (the Hessian) vs finite
  differences of the engine's first derivative.
- `check_hand_gradient(loss_fn, grad_fn, inputs)`: your own gradient formula
  vs the engine AND finite differences, entry by entry (W[1][2], ...).

Each check returns a `GradcheckReport`: truthy when every entry passes; it
prints as a table and shows as an HTML table in Jupyter.

Convention (as for `autograd.jvp`): `f` is called with Values, one positional
argument per input; `inputs` may be numbers or Values. The Values you pass are
never changed (not even their ``.grad``): the checks work on fresh copies.
"""

from __future__ import annotations

import html
import math
import numbers
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from autograd import validate
from autograd.backprop import grad
from autograd.core import DOMAIN_ERRORS, Value

# PyTorch's gradcheck defaults for float64.
EPS = 1e-6
ATOL = 1e-5
RTOL = 1e-3


# --------------------------------------------------------------------- report


@dataclass(frozen=True)
class CheckEntry:
    """One row of a report: a named derivative, the numbers compared, the verdict.

    ``values`` follow the report's ``columns``, e.g. (analytic, numeric).
    ``abs_error`` = |checked − reference| (the largest, if several references);
    ``rel_error`` = abs_error / |reference|.
    """

    name: str
    values: tuple[float, ...]
    abs_error: float
    rel_error: float
    passed: bool


class GradcheckReport:
    """The result of a check: truthy when every entry passed.

    ``str(report)`` is a table (one row per entry); in Jupyter the report shows
    as an HTML table. ``report["x"]`` is the entry named "x"; ``report.failures``
    the entries that failed; iterate for all of them.
    """

    def __init__(
        self,
        title: str,
        columns: Sequence[str],
        entries: Sequence[CheckEntry],
        settings: str,
        notes: Sequence[str] = (),
    ) -> None:
        self.title = title
        self.columns = tuple(columns)
        self.entries = list(entries)
        self.settings = settings
        self.notes = list(notes)

    @property
    def passed(self) -> bool:
        return all(entry.passed for entry in self.entries)

    @property
    def failures(self) -> list[CheckEntry]:
        return [entry for entry in self.entries if not entry.passed]

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
        if self.passed:
            return "PASSED"
        return f"FAILED ({len(self.failures)} of {len(self.entries)} entries)"

    def _rows(self) -> list[list[str]]:
        return [
            [entry.name, *(f"{v + 0.0:.8g}" for v in entry.values),  # + 0.0: no "-0"
             f"{entry.abs_error:.2e}", f"{entry.rel_error:.2e}",
             "pass" if entry.passed else "FAIL"]
            for entry in self.entries
        ]

    def _header(self) -> list[str]:
        return ["entry", *self.columns, "abs err", "rel err", ""]

    def __str__(self) -> str:
        header, rows = self._header(), self._rows()
        widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]

        def line(cells: list[str]) -> str:
            first = cells[0].ljust(widths[0])
            rest = [cell.rjust(width) for cell, width in zip(cells[1:-1], widths[1:-1])]
            return "  ".join([first, *rest, cells[-1]]).rstrip()

        text = [f"{self.title}: {self.verdict()}   ({self.settings})", line(header)]
        text += [line(row) for row in rows]
        text += [f"note: {note}" for note in self.notes]
        return "\n".join(text)

    def __repr__(self) -> str:
        return f"<GradcheckReport {self.title}: {self.verdict()}>"

    def _repr_html_(self) -> str:
        cells = "".join(f"<th>{html.escape(h)}</th>" for h in self._header())
        body = []
        for entry, row in zip(self.entries, self._rows()):
            style = "" if entry.passed else ' style="color:#b00020;font-weight:bold"'
            tds = "".join(f"<td>{html.escape(cell)}</td>" for cell in row)
            body.append(f"<tr{style}>{tds}</tr>")
        notes = "".join(f"<p>note: {html.escape(n)}</p>" for n in self.notes)
        return (
            f"<p><b>{html.escape(self.title)}: {html.escape(self.verdict())}</b> "
            f"<small>({html.escape(self.settings)})</small></p>"
            f"<table><thead><tr>{cells}</tr></thead><tbody>{''.join(body)}</tbody></table>"
            f"{notes}"
        )

    def raise_if_failed(self) -> None:
        """AssertionError with the table as its message, unless every entry passed."""
        if not self.passed:
            raise AssertionError(str(self))


def is_close(value: float, reference: float, atol: float = ATOL, rtol: float = RTOL) -> bool:
    """|value − reference| <= atol + rtol·|reference|  (False for nan or inf)."""
    error = abs(value - reference)
    return math.isfinite(error) and error <= atol + rtol * abs(reference)


def _relative(error: float, reference: float) -> float:
    if reference != 0:
        return error / abs(reference)
    return 0.0 if error == 0 else math.inf


def _compare(name: str, value: float, references: Sequence[float],
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
    return CheckEntry(name, (value, *references), worst_error,
                      _relative(worst_error, worst_reference), passed)


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
    entries = [_compare(n, float(a), [float(r)], atol, rtol)
               for n, a, r in zip(names, analytic, numeric)]
    return GradcheckReport(title, ("analytic", "numeric"), entries,
                           settings or f"atol={atol:g}, rtol={rtol:g}")


# ------------------------------------------------------------ input handling


def _check_settings(function: str, eps: float, atol: float = 0.0, rtol: float = 0.0) -> None:
    validate.positive(eps, f"{function}: eps")
    validate.non_negative(atol, f"{function}: atol")
    validate.non_negative(rtol, f"{function}: rtol")


def _points_and_names(function: str, inputs: Sequence[Any]) -> tuple[list[float], list[str]]:
    """The inputs' numbers and names (label, else x0, x1, ...), with clear errors."""
    if isinstance(inputs, (Value, numbers.Number, str)) or not isinstance(inputs, Sequence):
        raise TypeError(
            f"{function}: inputs must be a list or tuple with one number or Value per "
            f"argument of f, got {type(inputs).__name__}"
        )
    if len(inputs) == 0:
        raise ValueError(f"{function}: needs at least one input")
    points: list[float] = []
    names: list[str] = []
    for i, x in enumerate(inputs):
        name = x.label if isinstance(x, Value) and x.label else f"x{i}"
        if isinstance(x, Value):
            number = x.data
        elif validate.is_real(x):
            number = validate.real(x, f"{function}: input {name}")
        else:
            raise TypeError(f"{function}: input {name} must be a number or a Value, "
                            f"got {type(x).__name__}")
        if not math.isfinite(number):
            raise ValueError(f"{function}: input {name} is {number}; gradients need "
                             "finite inputs")
        points.append(number)
        names.append(name)
    return points, names


def _leaves(points: Sequence[float], names: Sequence[str]) -> list[Value]:
    """Fresh leaf Values, so the caller's Values are never touched."""
    return [Value(p, label=n) for p, n in zip(points, names)]


def _output(function: str, f: Callable[..., Any], args: Sequence[Value]) -> Any:
    """f(*args), checked to be a Value or a real number."""
    out = f(*args)
    if isinstance(out, Value) or validate.is_real(out):
        return out
    raise TypeError(f"{function}: f must return a Value or a number, got {type(out).__name__}")


def _shifted(
    function: str, f: Callable[..., Any], points: Sequence[float], names: Sequence[str],
    i: int, shift: float,
) -> Any:
    """f at `points` with input i moved by `shift`; a domain error names the input."""
    moved = list(points)
    moved[i] += shift
    try:
        return _output(function, f, _leaves(moved, names))
    except DOMAIN_ERRORS as error:
        sign = "+" if shift > 0 else "-"
        raise type(error)(
            f"{function}: f fails at {names[i]} = {points[i]:g} {sign} {abs(shift):g} "
            f"(finite differences step outside the domain; move the point or lower "
            f"eps): {error}"
        ) from None


# ---------------------------------------------------------------- first order


def numerical_grad(
    f: Callable[..., Any], inputs: Sequence[Any], eps: float = EPS
) -> tuple[float, ...]:
    """Central finite differences: one float per input.

        ∂f/∂x_i ≈ (f(x + ε·e_i) − f(x − ε·e_i)) / (2ε)

    `f` is called with Values (one per input, labelled like the inputs) and may
    return a Value or a number. The error is O(ε²) (the ε terms of the Taylor
    series cancel) plus rounding of about 10⁻¹⁶·|f|/ε.

    >>> [round(g, 6) for g in numerical_grad(lambda x, y: x * y, [3.0, 4.0])]
    [4.0, 3.0]
    """
    _check_settings("numerical_grad", eps)
    points, names = _points_and_names("numerical_grad", inputs)
    result = []
    for i in range(len(points)):
        up = float(_shifted("numerical_grad", f, points, names, i, +eps))
        down = float(_shifted("numerical_grad", f, points, names, i, -eps))
        result.append((up - down) / (2 * eps))
    return tuple(result)


def _engine_grad(function: str, f: Callable[..., Any], points: Sequence[float],
                 names: Sequence[str]) -> tuple[float, ...]:
    """∂f/∂x_i from the engine (reverse mode), on fresh leaves."""
    leaves = _leaves(points, names)
    out = _output(function, f, leaves)
    if not isinstance(out, Value):
        return tuple(0.0 for _ in leaves)  # f ignores its inputs
    return tuple(float(g) for g in grad(out, leaves))


def gradcheck(
    f: Callable[..., Any],
    inputs: Sequence[Any],
    eps: float = EPS,
    atol: float = ATOL,
    rtol: float = RTOL,
    raise_on_failure: bool = False,
) -> GradcheckReport:
    """Compare the engine's gradient of `f` with central finite differences.

    For each input x_i: analytic a_i = ∂f/∂x_i from `autograd.grad` (reverse
    mode), numeric n_i from `numerical_grad`; the entry passes when
    |a_i − n_i| <= atol + rtol·|n_i|. Defaults are PyTorch's for float64.

    Returns a `GradcheckReport` (truthy when all pass; prints as a table whose
    rows are named by the inputs' labels, else x0, x1, ...). With
    ``raise_on_failure=True`` a failure raises AssertionError with that table.

    >>> bool(gradcheck(lambda x: x.tanh(), [0.5]))
    True
    """
    _check_settings("gradcheck", eps, atol, rtol)
    points, names = _points_and_names("gradcheck", inputs)
    analytic = _engine_grad("gradcheck", f, points, names)
    numeric = numerical_grad(f, _leaves(points, names), eps)
    report = compare_gradients(names, analytic, numeric, atol, rtol, "gradcheck",
                               f"eps={eps:g}, atol={atol:g}, rtol={rtol:g}")
    if raise_on_failure:
        report.raise_if_failed()
    return report


# --------------------------------------------------------------- second order


def gradgradcheck(
    f: Callable[..., Any],
    inputs: Sequence[Any],
    eps: float = EPS,
    atol: float = ATOL,
    rtol: float = RTOL,
    raise_on_failure: bool = False,
) -> GradcheckReport:
    """Compare the engine's second derivatives (the Hessian) with finite differences.

    Analytic: ``g = autograd.grad(f, x, create_graph=True)`` and then
    H[i][j] = ∂g_i/∂x_j by a second `autograd.grad`. Numeric: central
    differences of the engine's first derivative,

        H[i][j] ≈ (g_i(x + ε·e_j) − g_i(x − ε·e_j)) / (2ε),

    so this checks the second-order rules given the first-order ones (check
    those with `gradcheck`). One entry per pair, named like ``∂²f/∂x∂y``.
    """
    _check_settings("gradgradcheck", eps, atol, rtol)
    points, names = _points_and_names("gradgradcheck", inputs)
    leaves = _leaves(points, names)
    out = _output("gradgradcheck", f, leaves)
    n = len(leaves)
    hessian = [[0.0] * n for _ in range(n)]
    if isinstance(out, Value):
        for i, first in enumerate(grad(out, leaves, create_graph=True)):
            hessian[i] = [float(h) for h in grad(first, leaves)]

    def first_derivatives(j: int, shift: float) -> tuple[float, ...]:
        moved = list(points)
        moved[j] += shift
        try:
            return _engine_grad("gradgradcheck", f, moved, names)
        except DOMAIN_ERRORS as error:
            raise type(error)(f"gradgradcheck: fails at {names[j]} = {points[j]:g} "
                              f"{'+' if shift > 0 else '-'} {eps:g}: {error}") from None

    numeric = [[0.0] * n for _ in range(n)]
    for j in range(n):
        up, down = first_derivatives(j, +eps), first_derivatives(j, -eps)
        for i in range(n):
            numeric[i][j] = (up[i] - down[i]) / (2 * eps)

    def entry_name(i: int, j: int) -> str:
        if i == j:
            return f"∂²f/∂{names[i]}²"
        return f"∂²f/∂{names[i]}∂{names[j]}"

    entries = [_compare(entry_name(i, j), hessian[i][j], [numeric[i][j]], atol, rtol)
               for i in range(n) for j in range(n)]
    report = GradcheckReport("gradgradcheck", ("analytic", "numeric"), entries,
                             f"eps={eps:g}, atol={atol:g}, rtol={rtol:g}")
    if raise_on_failure:
        report.raise_if_failed()
    return report


# ---------------------------------------------------- hand-derived gradients


def _flatten(x: Any, name: str, what: str) -> list[tuple[str, float]]:
    """[(name, number)] for a number or nested lists of numbers, e.g. W[0][1]."""
    if hasattr(x, "tolist") and not isinstance(x, Value):
        x = x.tolist()  # a numpy array
    if isinstance(x, Value):
        return [(name, x.data)]
    if validate.is_real(x):
        return [(name, validate.real(x, f"check_hand_gradient: {what} {name}"))]
    if isinstance(x, (list, tuple)):
        flat: list[tuple[str, float]] = []
        for i, item in enumerate(x):
            flat.extend(_flatten(item, f"{name}[{i}]", what))
        return flat
    raise TypeError(f"check_hand_gradient: {what} {name} must be a number or a (nested) "
                    f"list of numbers, got {type(x).__name__}")


def _shape(x: Any) -> Any:
    """None for a number, else the list of the items' shapes."""
    if hasattr(x, "tolist") and not isinstance(x, Value):
        x = x.tolist()
    if isinstance(x, (list, tuple)):
        return [_shape(item) for item in x]
    return None


def _rebuild(template: Any, numbers_: Iterator[Any]) -> Any:
    """Nested lists shaped like `template`, filled from `numbers_` in order."""
    if _shape(template) is None:
        return next(numbers_)
    if hasattr(template, "tolist"):
        template = template.tolist()
    return [_rebuild(item, numbers_) for item in template]


def _hand_gradients(grad_fn: Callable[..., Any], args: Sequence[Any],
                    names: Sequence[str]) -> list[tuple[str, float]]:
    """Call the learner's formula; accept one gradient per input (or a bare one)."""
    as_floats = [_rebuild(a, iter([v for _, v in _flatten(a, n, "input")]))
                 for a, n in zip(args, names)]  # copies: grad_fn cannot change the inputs
    result = grad_fn(*as_floats)
    wanted = [_shape(a) for a in args]
    if isinstance(result, (list, tuple)) and _shape(result) == wanted:
        per_input = list(result)
    elif len(args) == 1 and _shape(result) == wanted[0]:
        per_input = [result]  # one input: the bare gradient is fine too
    else:
        raise ValueError(
            f"check_hand_gradient: grad_fn must return one gradient per input, each "
            f"shaped like its input ({', '.join(names)}); got a {type(result).__name__} "
            f"that does not match"
        )
    flat: list[tuple[str, float]] = []
    for g, name in zip(per_input, names):
        flat.extend(_flatten(g, name, "gradient"))
    return flat


def check_hand_gradient(
    loss_fn: Callable[..., Any],
    grad_fn: Callable[..., Any],
    inputs: Sequence[Any],
    names: Sequence[str] | None = None,
    eps: float = EPS,
    atol: float = ATOL,
    rtol: float = RTOL,
    raise_on_failure: bool = False,
) -> GradcheckReport:
    """Check your own gradient formula against the engine AND finite differences.

    Args:
        loss_fn: ``loss_fn(*inputs)`` -> the loss. Each input is a number or
                 nested lists of numbers (a vector s, a weight matrix W); the
                 checker calls it with Values in the same shapes, so write it
                 with ``+ - * / **``, ``max(0, m)`` and autograd's functions.
        grad_fn: your formula: ``grad_fn(*inputs)`` with plain floats ->
                 ∂loss/∂input for each input, each shaped like its input
                 (with a single input, the bare gradient is accepted too).
        inputs:  the point to check at, e.g. ``[W, x]`` or ``[scores]``.
        names:   names for the inputs in the report (default x0, x1, ...),
                 so entries read ``W[1][2]``.

    Each entry h (yours) is compared with e (the engine's `autograd.grad`) and
    n (central differences): it passes when |h − e| <= atol + rtol·|e| and
    |h − n| <= atol + rtol·|n|. The report names the entries that disagree
    and by how much. Where e and n disagree with each other the point sits on
    a kink (such as max(0, m) at m = 0) or eps is too large: a note says so.
    """
    _check_settings("check_hand_gradient", eps, atol, rtol)
    if isinstance(inputs, (Value, numbers.Number, str)) or not isinstance(inputs, Sequence):
        raise TypeError("check_hand_gradient: inputs must be a list or tuple with one "
                        f"argument of loss_fn per entry, got {type(inputs).__name__}")
    args = list(inputs)
    if names is None:
        names = [f"x{i}" for i in range(len(args))]
    names = [str(n) for n in names]
    if len(names) != len(args):
        raise ValueError(f"check_hand_gradient: {len(args)} inputs but {len(names)} names")
    flat = [pair for a, name in zip(args, names) for pair in _flatten(a, name, "input")]
    entry_names = [name for name, _ in flat]
    points = [value for _, value in flat]
    for name, value in flat:
        if not math.isfinite(value):
            raise ValueError(f"check_hand_gradient: input {name} is {value}")

    def loss_of_flat(*values: Value) -> Any:
        stream = iter(values)
        return loss_fn(*[_rebuild(a, stream) for a in args])

    hand = _hand_gradients(grad_fn, args, names)
    engine = _engine_grad("check_hand_gradient", loss_of_flat, points, entry_names)
    numeric = numerical_grad(loss_of_flat, _leaves(points, entry_names), eps)
    entries = [_compare(name, h, [e, n], atol, rtol)
               for (name, h), e, n in zip(hand, engine, numeric)]
    kinks = [name for name, e, n in zip(entry_names, engine, numeric)
             if not is_close(e, n, atol, rtol)]
    notes = []
    if kinks:
        notes.append(f"engine and finite differences disagree at {', '.join(kinks)}: "
                     "the point is on a kink (e.g. max(0, m) with m = 0) or eps is "
                     "too large; check at another point")
    report = GradcheckReport("hand gradient check", ("hand", "engine", "numeric"), entries,
                             f"eps={eps:g}, atol={atol:g}, rtol={rtol:g}", notes)
    if raise_on_failure:
        report.raise_if_failed()
    return report
