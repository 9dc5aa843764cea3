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
- `check_graph(root)` (autograd/local_check.py): every node's local
  derivatives vs finite differences of its op.
- `check_hand_backward` and `check_hand_gradient` (autograd/hand_backward.py):
  your own backward pass, stage by stage, vs the engine.

Each check returns a `GradcheckReport`: truthy when every entry passes; it
prints as a table and shows as an HTML table in Jupyter.

Saying where. When `gradcheck` or `gradgradcheck` fails, it runs `check_graph`
on the graph `f` records at the same point (on the paths from the inputs only):
``report.culprit`` is the first wrong local rule in forward order, and the
report's last line names its node, op, input and formula. When every rule is
right, the last line says what is likely instead: `f` returned a plain number,
an input does not reach the output, `f` depends on an input outside the graph,
the point is on a kink, or the tolerances are tighter than finite differences.

Convention (as for `autograd.jvp`): `f` is called with Values, one positional
argument per input; `inputs` may be numbers or Values, or a 1-D numpy array (one
input per entry). For a function of whole arrays, see `check_numpy_gradient`. The
Values you pass are never changed (not even their ``.grad``): the checks work on
fresh copies.
"""

from __future__ import annotations

import math
import numbers
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from autograd import validate
from autograd.backprop import grad, topological_order
from autograd.checks.check_report import (
    ATOL,
    EPS,
    MIN_EPS,
    RTOL,
    CheckEntry,
    GradcheckReport,
    HandBackwardReport,
    check_settings,
    compare,
    compare_gradients,
    describe_settings,
    exact,
    is_close,
    short,
)
from autograd.checks.local_check import (
    LocalEntry,
    NodeCheck,
    check_graph,
    culprit_sentence,
    node_check,
    one_sided_slopes,
    replay,
)
from autograd.checks.shapes import is_array
from autograd.core import DOMAIN_ERRORS, Value
from autograd.views.stepper import node_names

__all__ = [
    "ATOL", "EPS", "MIN_EPS", "RTOL", "CheckEntry", "GradcheckReport", "HandBackwardReport",
    "check_graph", "compare", "compare_gradients", "gradcheck", "gradgradcheck", "is_close",
    "numerical_grad",
]


# ------------------------------------------------------------ input handling


def points_and_names(function: str, inputs: Sequence[Any]) -> tuple[list[float], list[str]]:
    """The inputs' numbers and names (label, else x0, x1, ...; a name two inputs share
    gets their positions: "v (input 0)", "v (input 1)"), with clear errors.

    A 1-D numpy array is one input per entry (a 0-d one, one input); an item may be a
    0-d array too.
    """
    if is_array(inputs):
        shape = tuple(inputs.shape)  # type: ignore[attr-defined]
        if len(shape) > 1:
            raise TypeError(
                f"{function}: inputs is a {len(shape)}-D array of shape {shape}; f gets one "
                f"number per input: pass inputs.ravel() for one input per entry, or check a "
                f"function of whole arrays with autograd.check_numpy_gradient")
        inputs = inputs.tolist() if shape else [inputs.tolist()]  # type: ignore[attr-defined]
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
        if is_array(x) and getattr(x, "ndim", None) == 0:
            x = x.item()
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
    shared = {name for name, count in Counter(names).items() if count > 1}
    names = [f"{name} (input {i})" if name in shared else name for i, name in enumerate(names)]
    return points, names  # (one name per input: a report's rows are looked up by name)


def leaves(points: Sequence[float], names: Sequence[str]) -> list[Value]:
    """Fresh leaf Values, so the caller's Values are never touched."""
    return [Value(p, label=n) for p, n in zip(points, names)]


def output(function: str, f: Callable[..., Any], args: Sequence[Value]) -> Any:
    """f(*args), checked to be a Value or a real number."""
    out = f(*args)
    if isinstance(out, Value) or validate.is_real(out):
        return out
    raise TypeError(f"{function}: f must return a Value or a number, got {type(out).__name__}")


def _shifted(
    function: str, f: Callable[..., Any], points: Sequence[float], names: Sequence[str],
    i: int, shift: float,
) -> Any:
    """f at `points` with input i moved by `shift`; a domain error or an overflow there
    names the input and the step."""
    moved = list(points)
    moved[i] += shift
    try:
        return output(function, f, leaves(moved, names))
    except DOMAIN_ERRORS as error:
        sign = "+" if shift > 0 else "-"
        where = "f overflows there" if isinstance(error, OverflowError) \
            else "finite differences step outside the domain"
        raise type(error)(
            f"{function}: f fails at {names[i]} = {exact(points[i])} {sign} {abs(shift):g} "
            f"({where}; move the point or lower eps): {error}"
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
    check_settings("numerical_grad", eps)
    points, names = points_and_names("numerical_grad", inputs)
    result = []
    for i in range(len(points)):
        up = float(_shifted("numerical_grad", f, points, names, i, +eps))
        down = float(_shifted("numerical_grad", f, points, names, i, -eps))
        result.append((up - down) / (2 * eps))
    return tuple(result)


def _engine_grad(function: str, f: Callable[..., Any], points: Sequence[float],
                 names: Sequence[str]) -> tuple[float, ...]:
    """∂f/∂x_i from the engine (reverse mode), on fresh leaves."""
    fresh = leaves(points, names)
    out = output(function, f, fresh)
    if not isinstance(out, Value):
        return tuple(0.0 for _ in fresh)  # f ignores its inputs
    return tuple(float(g) for g in grad(out, fresh))


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
    rows are named by the inputs' labels, else x0, x1, ...). When it fails,
    ``report.culprit`` is the first wrong local rule of the graph (see
    `check_graph`), or None, and the report's last line says where the error
    is or what is likely instead. With ``raise_on_failure=True`` a failure
    raises AssertionError with that text.

    >>> bool(gradcheck(lambda x: x.tanh(), [0.5]))
    True
    """
    check_settings("gradcheck", eps, atol, rtol)
    validate.flag(raise_on_failure, "gradcheck: raise_on_failure")
    points, names = points_and_names("gradcheck", inputs)
    validate.function(f, "gradcheck: f", len(points))
    analytic = _engine_grad("gradcheck", f, points, names)
    numeric = numerical_grad(f, leaves(points, names), eps)
    report = compare_gradients(names, analytic, numeric, atol, rtol, "gradcheck",
                               describe_settings(eps, atol, rtol))
    if not report:
        failing = [i for i, entry in enumerate(report) if not entry.passed]
        _say_where(report, "gradcheck", f, points, names, failing, eps, atol, rtol, order=1)
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

    so it relies on the first-order rules: it runs `gradcheck` too, and wrong first
    derivatives fail the report (rows named like ``∂f/∂x``, before the Hessian's).
    One entry per pair, named like ``∂²f/∂x∂y``.
    When it fails, the culprit search checks every local rule both as a number
    and under ``create_graph`` (``check_graph(root, order=2)``): a rule written
    with ``float(x)`` gives the right first derivative but cuts the graph.
    """
    check_settings("gradgradcheck", eps, atol, rtol)
    validate.flag(raise_on_failure, "gradgradcheck: raise_on_failure")
    points, names = points_and_names("gradgradcheck", inputs)
    validate.function(f, "gradgradcheck: f", len(points))
    fresh = leaves(points, names)
    out = output("gradgradcheck", f, fresh)
    n = len(fresh)
    hessian = [[0.0] * n for _ in range(n)]
    if isinstance(out, Value):
        for i, first in enumerate(grad(out, fresh, create_graph=True)):
            hessian[i] = [float(h) for h in grad(first, fresh)]

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

    second = [compare(entry_name(i, j), hessian[i][j], [numeric[i][j]], atol, rtol)
              for i in range(n) for j in range(n)]
    entries, notes = second, []
    first = gradcheck(f, [Value(p, label=name) for p, name in zip(points, names)],
                      eps, atol, rtol)
    if not first:  # the differences above are of these: they prove nothing then
        entries = [replace(entry, name=f"∂f/∂{entry.name}") for entry in first.entries
                   if not entry.passed] + second
        notes.append("the first derivatives are wrong (the ∂f rows, as gradcheck finds "
                     "them), and the Hessian's differences are taken of them: fix those first")
    report = GradcheckReport("gradgradcheck", ("analytic", "numeric"), entries,
                             describe_settings(eps, atol, rtol), notes)
    if not report:
        failing = sorted({k for index, entry in enumerate(second) if not entry.passed
                          for k in divmod(index, n)} or range(n))  # (first order only)
        _say_where(report, "gradgradcheck", f, points, names, failing, eps, atol, rtol,
                   order=2)
    if raise_on_failure:
        report.raise_if_failed()
    return report


# ------------------------------------------------------------- saying where


def _say_where(report: GradcheckReport, function: str, f: Callable[..., Any],
               points: Sequence[float], names: Sequence[str], failing: Sequence[int],
               eps: float, atol: float, rtol: float, order: int) -> None:
    """Set ``report.culprit``, ``node_check`` and the one-sentence ``diagnosis``."""
    fresh = leaves(points, names)
    out = output(function, f, fresh)
    worst = max(report.failures, key=lambda e: (math.isnan(e.abs_error), e.abs_error))
    if not isinstance(out, Value):
        report.diagnosis = (
            f"f returned a plain {type(out).__name__} ({float(out):g}), not a Value, so the "
            "engine recorded no graph and its gradient is 0: build the result with Value "
            "operations (x.sin() or autograd.sin(x), not math.sin(x.data) or float(x)).")
        return
    # only the paths from the inputs whose rows fail: a wrong rule on another path
    # (one its input's row does not feel) is not why they fail
    check = node_check(out, eps, atol, rtol, order, sources=[fresh[i] for i in failing])
    report.node_check = check.report
    culprit = check.culprit
    if culprit is not None:
        report.culprit = culprit.entry
        report.diagnosis = culprit_sentence(culprit)
        return
    report.diagnosis = _likely_cause(report, check, f, out, fresh, points, names, failing,
                                     worst, eps, atol, rtol, order)


def _likely_cause(report: GradcheckReport, check: NodeCheck, f: Callable[..., Any],
                  out: Value, fresh: Sequence[Value], points: Sequence[float],
                  names: Sequence[str], failing: Sequence[int], worst: CheckEntry,
                  eps: float, atol: float, rtol: float, order: int) -> str:
    """Every local rule agrees: what else makes the check fail, as one sentence."""
    in_graph = set(topological_order(out))
    if not any(leaf in in_graph for leaf in fresh):
        return ("f's result does not depend on the Values it was given (it was made from "
                "their numbers: .data, float(), Value(...) or detach()), so the engine's "
                f"gradient is 0 where finite differences see {short(worst.values[1])}: compute "
                "with the Values themselves.")
    lost = [i for i in failing if fresh[i] not in in_graph]
    if lost:
        x = names[lost[0]]
        return (f"The input {x} does not reach the output: f used its number ({x}.data, "
                f"float({x})) or a copy (Value({x}.data), {x}.detach()) instead of the Value, "
                f"so the engine sees no path from {x} and gives 0.")
    kinks = [item for item in check.locals if item.entry.kink]
    telling = [item for item in kinks  # the rule and the central difference differ
               if not is_close(item.entry.values[0], item.entry.values[1], 0.0, 1e-9)]
    if telling:
        return f"The check fails at a kink: {telling[0].entry.note}."
    if order == 1:
        hidden = _hidden_dependency(f, out, fresh, points, names, failing[0],
                                    report.entries[failing[0]], eps, atol, rtol)
        if hidden:
            return hidden
    if kinks:
        return f"The check fails at a kink: {kinks[0].entry.note}."
    beside = [item for item in check.locals if item.entry.within_eps]
    if order == 1 and beside:
        near = _near_kink(beside[0], f, out, points, names, failing[0],
                          report.entries[failing[0]], eps, atol, rtol)
        if near:
            return near
    allowed = atol + rtol * abs(worst.values[1])
    unchecked = [item for item in check.locals if not item.entry.checked]
    if unchecked:  # then no rule is known wrong, but not all are known right either
        entry = unchecked[0].entry
        reason = entry.note or "finite differences leave its op's domain"
        return (f"No local derivative that could be checked is wrong, but {entry.name} "
                f"could not be checked ({reason}): it may be the one that makes "
                f"{worst.name} off by {worst.abs_error:.2g}.")
    text = ("Every local derivative on the paths from the inputs agrees with finite "
            f"differences of its op, so the disagreement is numerical: {worst.name} is off by "
            f"{worst.abs_error:.2g} where atol + rtol·|numeric| allows {allowed:.2g}; try "
            f"another eps (now {eps:g}) or looser tolerances")
    refined = [item for item in check.locals
               if item.entry.note and item.entry.checked and not item.entry.kink]
    if refined and refined[0].entry.within_eps:
        text += (f" (at {refined[0].node} the rule agrees with finite differences only over "
                 "a smaller step: a pole or a corner lies within eps)")
    elif refined:
        text += (f" (at {refined[0].node} the rule agrees with finite differences only once "
                 "they are refined with eps/2)")
    return text + "."


def _near_kink(item: LocalEntry, f: Callable[..., Any], out: Value, points: Sequence[float],
               names: Sequence[str], i: int, entry: CheckEntry, eps: float, atol: float,
               rtol: float) -> str | None:
    """A sentence if input i is within eps of a kink of the op of `item` (whose rule
    agrees with finite differences only over a smaller step), else None.

    f's slopes on the two sides of the point differ there, and the engine's value lies
    between them, as at a corner (beside a pole it does not): the central difference
    averages two different slopes, so it says nothing about the rule or about eps.
    """
    try:
        slopes = one_sided_slopes(
            lambda t: float(_shifted("gradcheck", f, points, names, i, t)), out.data, eps)
    except DOMAIN_ERRORS:
        return None
    analytic = entry.values[0]
    if slopes.agree(atol, rtol) or not slopes.around(analytic, atol, rtol):
        return None
    return (f"The check fails because {names[i]} = {points[i]:g} is within eps = {eps:g} of "
            f"a kink of {item.node} (op {item.op}): f's slopes on its two sides differ "
            f"({short(slopes.left)} on the left, {short(slopes.right)} on the right), so the "
            f"central difference {short(slopes.central)} mixes them and means nothing there; "
            f"{item.node}'s rule agrees with finite differences over a smaller step, so it is "
            "not at fault: check at a point further than eps from the kink.")


def _hidden_dependency(f: Callable[..., Any], out: Value, fresh: Sequence[Value],
                       points: Sequence[float], names: Sequence[str], i: int,
                       entry: CheckEntry, eps: float, atol: float, rtol: float) -> str | None:
    """A sentence if f depends on input i outside the graph it records, else None.

    The recorded graph, replayed with input i moved by ±eps, changes at the rate
    the engine says; f itself does not: a number made from the input (its
    .data, float(), a math function) entered the graph as a constant.
    """
    analytic, numeric = entry.values
    nodes = topological_order(out)
    try:
        recorded = (replay(nodes, {fresh[i]: points[i] + eps})
                    - replay(nodes, {fresh[i]: points[i] - eps})) / (2 * eps)
    except DOMAIN_ERRORS:
        return None
    if not is_close(analytic, recorded, atol, rtol) or is_close(recorded, numeric, atol, rtol):
        return None
    x = names[i]
    moved = list(points)
    moved[i] += eps
    try:
        other = output("gradcheck", f, leaves(moved, names))
    except DOMAIN_ERRORS:
        other = None
    if isinstance(other, Value):
        other_nodes = topological_order(other)
        if not _same_structure(nodes, other_nodes):
            return (f"Every local rule is right, but f records a different graph when {x} "
                    f"moves by eps (a Python if on a Value's number?), so the graph at this "
                    f"point does not show how f depends on {x}.")
        names_ = node_names(out)
        for node, moved_node in zip(nodes, other_nodes):
            if node.operation is None and node not in fresh and node.data != moved_node.data:
                return (f"Every local rule is right, but {names_[node]} = {node.data:.10g} is a "
                        f"constant of the graph that becomes {moved_node.data:.10g} when {x} moves "
                        f"by eps: f computed it from {x}'s number (.data, float(), a math "
                        f"function), so the engine never sees that path; compute it with "
                        f"Values.")
    return (f"Every local rule is right and the recorded graph changes at the rate "
            f"{short(recorded)} in {x}, as the engine says, but f changes at "
            f"{short(numeric)}: part of f depends on {x} outside the graph (.data, float(), "
            f"a math function).")


def _same_structure(a: Sequence[Value], b: Sequence[Value]) -> bool:
    return len(a) == len(b) and all(
        type(p) is type(q) and p.op == q.op and len(p.parents) == len(q.parents)
        for p, q in zip(a, b))
