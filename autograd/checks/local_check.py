"""`check_graph`: every node's local derivatives against finite differences of its op.

A gradient check of a whole function says *that* a gradient is wrong. Every
node of a graph knows its op's forward and its derivative rule, so each local
derivative can be checked on its own, at the numbers the node recorded:

    rule  ∂out/∂input_i at the node's inputs      (op.derivatives_at)
    vs    (op(…, x_i + ε, …) − op(…, x_i − ε, …)) / (2ε)      (op.evaluate)

with the other inputs and the op's settings held fixed. The first entry that
disagrees, in forward order, is the culprit: the first wrong rule a value meets
on its way to the output.

Kinks. Where the slope on the left, (op(x) − op(x − ε))/ε, and the slope on the
right, (op(x + ε) − op(x))/ε, disagree (relu or abs at 0, maximum at a tie, a
custom op with a corner), no single derivative exists; any value between the
two slopes is a valid choice (a subgradient). Such an entry is a kink: it does
not fail, unless the rule's value lies outside the two slopes.

Finite differences that cannot decide. Near a singularity (log at 1e-5 with
ε = 1e-6) the central difference itself is off; a rule that agrees with the
refined estimate (4·D(ε/2) − D(ε))/3 (Richardson extrapolation, error O(ε⁴)),
or that differs from it by no more than rounding, passes with a note. Where
the forward fails at x ± ε (sqrt at 1e-9), the entry is not checked and says so.

Second order (``order=2``): a rule must also be right under
``create_graph=True``, where it is called with Values. A rule written with
``float(x)`` or ``math.cos(x)`` gives the right number but a result cut off the
graph, so second derivatives through it are wrong. For each pair of inputs
(i, j) the engine's derivative of the rule_i (called on fresh Values) by input j
is compared with finite differences of the rule_i on floats along input j.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

from autograd import validate
from autograd.backprop import grad, topological_order
from autograd.checks.check_report import (
    ATOL,
    EPS,
    RTOL,
    CheckEntry,
    GradcheckReport,
    check_settings,
    compare,
    describe_settings,
    is_close,
    relative,
    short,
)
from autograd.core import DOMAIN_ERRORS, Constant, Value
from autograd.one_pass import is_grad_enabled
from autograd.views.stepper import node_names

__all__ = ["Slopes", "check_graph", "corner_entry", "corner_note", "has_corner", "one_sided_slopes"]

_ROUNDING = 16 * 2.0**-52  # rounding of a difference quotient: about this · |f| / ε
_PERSISTS = 0.75  # a corner: the slopes' gap keeps > 75 % of its size each time ε halves
_JUMPS = 1.5  # a jump: the gap grows (it doubles) each time ε halves
_SHOWN_INPUTS = 4  # of an op's inputs in a sentence


@dataclass(frozen=True)
class LocalEntry:
    """A node-wise entry and what a sentence about it needs."""

    entry: CheckEntry
    node: str  # the node's name, as drawings and the stepper show it
    op: str
    position: int  # which input, 1 for the first
    input_name: str
    formula: str
    by: int | None = None  # second order: the input the rule is differentiated by
    by_name: str = ""
    rule_error: str = ""  # the rule's own error, if it failed
    left_as_number: bool = False  # second order: the rule gave a plain number for Values


@dataclass(frozen=True)
class NodeCheck:
    """The node-wise check of a graph: its report and the entries' details."""

    report: GradcheckReport
    locals: tuple[LocalEntry, ...]

    @property
    def culprit(self) -> LocalEntry | None:
        return next((item for item in self.locals if not item.entry.passed), None)


def check_graph(root: Value, eps: float = EPS, atol: float = ATOL, rtol: float = RTOL,
                order: int = 1) -> GradcheckReport:
    """Check every node's local derivatives against finite differences of its op.

    One entry per (node, input), named like the stepper and the drawings name
    the node plus the input: ``mymul#3 input 1``. Inputs that are constants
    (the 2 of ``x * 2``) get none: no derivative is ever taken with respect to
    them. Entries come in forward order (parents before children), so
    ``report.culprit`` (the first failing entry, or None) is the first wrong
    rule on the way to the output, and the report's last line says which op and
    rule it is. Kinks are marked, do not fail, and are listed in
    ``report.kinks``. With ``order=2`` each rule is also checked under
    ``create_graph`` (entries ``mymul#3 input 1 by input 2``).

    The check reads the graph and changes nothing: no ``.grad``, no ``.data``.
    A graph whose ``.data`` changed after it was built raises StaleGraphError.

    >>> from autograd import Value
    >>> x = Value(0.0, label="x")
    >>> report = check_graph(x.relu() + x * 3)
    >>> bool(report), [entry.name for entry in report.kinks]
    (True, ['relu#1 input 1'])
    """
    return node_check(root, eps, atol, rtol, order).report


def node_check(root: Value, eps: float = EPS, atol: float = ATOL, rtol: float = RTOL,
               order: int = 1, sources: Collection[Value] | None = None) -> NodeCheck:
    """`check_graph`, with the details; `sources`: only inputs that depend on them."""
    check_settings("check_graph", eps, atol, rtol)
    if not isinstance(root, Value):
        raise TypeError(f"check_graph needs a Value (the output of a graph), got "
                        f"{type(root).__name__}")
    validate.integer(order, "check_graph: order", minimum=1)
    if order > 2:
        raise ValueError(f"check_graph: order must be 1 or 2, got {order}")
    if order == 2 and not is_grad_enabled():
        raise RuntimeError("check_graph(order=2) differentiates the rules, which needs a "
                           "recorded graph: call it outside no_grad()")
    nodes = topological_order(root)
    names = node_names(root)
    reached = _reached_from(nodes, sources)
    found: list[LocalEntry] = []
    for node in nodes:
        operation = node.operation
        if operation is None:
            continue
        operation.check_current(node)  # StaleGraphError: never mix two points
        wanted = [type(p) is not Constant and p in reached for p in node.parents]
        for i in range(len(node.parents)):
            if wanted[i]:
                first = _first_order(node, i, names, eps, atol, rtol)
                found.append(first)
                if order == 2 and not first.rule_error:  # a failing rule has no derivative
                    found += _second_order(node, i, wanted, names, eps, atol, rtol)
    entries = [item.entry for item in found]
    title = "check_graph" if order == 1 else "check_graph (order 2)"
    report = GradcheckReport(title, ("rule", "numeric"), entries,
                             describe_settings(eps, atol, rtol))
    check = NodeCheck(report, tuple(found))
    culprit = check.culprit
    if culprit is not None:
        report.culprit = culprit.entry
        report.diagnosis = culprit_sentence(culprit)
    return check


def _reached_from(nodes: Sequence[Value], sources: Collection[Value] | None) -> set[Value]:
    """The nodes that depend on a source (all of them without sources)."""
    if sources is None:
        return set(nodes)
    reached: set[Value] = set()
    for node in nodes:  # parents come first
        if node in sources or any(p in reached for p in node.parents):
            reached.add(node)
    return reached


# ---------------------------------------------------------------- the entries


def _arguments(node: Value) -> list[float]:
    return [*(p.data for p in node.parents), *node.settings]


def _moved(args: Sequence[float], i: int, shift: float) -> list[float]:
    moved = list(args)
    moved[i] += shift
    return moved


def call_text(node: Value, names: dict[Value, str]) -> str:
    """E.g. ``relu#1 = relu(x)`` or ``pow#3 = pow(add#2, 3)``: a node and its op's call."""
    parts = [f"{p.data:g}" if type(p) is Constant else names[p] for p in node.parents]
    parts += [f"{s:g}" for s in node.settings]
    if len(parts) > _SHOWN_INPUTS:
        parts = [*parts[:_SHOWN_INPUTS], f"... {len(parts)} in all"]
    return f"{names[node]} = {node.op}({', '.join(parts)})"


def _first_order(node: Value, i: int, names: dict[Value, str], eps: float, atol: float,
                 rtol: float) -> LocalEntry:
    operation = node.operation
    assert operation is not None
    args = _arguments(node)
    wanted = [k == i for k in range(len(node.parents))]
    rule: float | Exception
    try:
        rule = float(operation.derivatives_at(args, node.data, wanted)[i])
    except (TypeError, *DOMAIN_ERRORS) as error:
        rule = error
    parent = node.parents[i]
    where = f"{call_text(node, names)} at {names[parent]} = {parent.data:g}"
    entry = judge(f"{names[node]} input {i + 1}", where, rule,
                  lambda t: operation.evaluate(_moved(args, i, t)), eps, atol, rtol)
    return LocalEntry(entry, names[node], node.op, i + 1, names[parent],
                      operation.formula(i, len(node.parents)),
                      rule_error=str(rule) if isinstance(rule, Exception) else "")


def _second_order(node: Value, i: int, wanted: Sequence[bool], names: dict[Value, str],
                  eps: float, atol: float, rtol: float) -> list[LocalEntry]:
    """The rule for input i, called with Values as under create_graph, by each input j."""
    operation = node.operation
    assert operation is not None
    args = _arguments(node)
    count = len(node.parents)
    only_i = [k == i for k in range(count)]
    formula = operation.formula(i, count)
    leaves = [Value(p.data) for p in node.parents]
    derivative_of_rule: Sequence[float] | Exception
    try:
        out = operation.apply(tuple(leaves), node.settings)
        rule = operation.derivatives_at([*leaves, *node.settings], out, only_i)[i]
        as_number = not isinstance(rule, Value)
        derivative_of_rule = (tuple(float(d) for d in grad(rule, leaves))
                              if not as_number else (0.0,) * count)
    except (TypeError, *DOMAIN_ERRORS) as error:
        derivative_of_rule, as_number = error, False

    def rule_on_floats(j: int) -> Callable[[float], float]:
        def rule_at(t: float) -> float:
            moved = _moved(args, j, t)
            return float(operation.derivatives_at(moved, operation.evaluate(moved), only_i)[i])
        return rule_at

    found = []
    for j in range(count):
        if not wanted[j]:
            continue
        by = node.parents[j]
        analytic = (derivative_of_rule if isinstance(derivative_of_rule, Exception)
                    else derivative_of_rule[j])
        where = (f"the rule \"{formula}\" of {call_text(node, names)} at {names[by]} = "
                 f"{by.data:g}")
        entry = judge(f"{names[node]} input {i + 1} by input {j + 1}", where, analytic,
                      rule_on_floats(j), eps, atol, rtol, uses="create_graph gives")
        found.append(LocalEntry(
            entry, names[node], node.op, i + 1, names[node.parents[i]], formula, j + 1,
            names[by], rule_error=str(analytic) if isinstance(analytic, Exception) else "",
            left_as_number=as_number))
    return found


# ------------------------------------------------------------------ judging


def judge(name: str, where: str, rule: float | Exception, f: Callable[[float], float],
          eps: float, atol: float, rtol: float, uses: str = "the rule uses") -> CheckEntry:
    """An entry for `rule`, the claimed derivative of f(t) at t = 0.

    `f` raises a domain error where it is not defined; `where` says what is
    differentiated where ("relu#1 = relu(x) at x = 0") for the notes.

    Tried with the step eps, then (while rounding stays well below the
    tolerance) eps/4 and eps/16, so a pole or a corner just beside the point
    does not count against a right rule; a wrong rule is wrong at every step.
    """
    try:
        f0, up, down = f(0.0), _at(f, eps, "+"), _at(f, -eps, "-")
    except DOMAIN_ERRORS as outside:
        value = math.nan if isinstance(rule, Exception) else rule
        return CheckEntry(name, (value, math.nan), math.nan, math.nan, passed=True,
                          checked=False,
                          note=f"not checked: {outside}; finite differences need the forward "
                               f"on both sides of the point (move it further from the edge "
                               f"or lower eps)")
    ok = not isinstance(rule, Exception)
    r = rule if not isinstance(rule, Exception) else math.nan

    def entry(numeric: float, passed: bool, kink: bool = False, note: str = "",
              within_eps: bool = False) -> CheckEntry:
        difference = abs(r - numeric)
        return CheckEntry(name, (r, numeric), difference, relative(difference, numeric),
                          passed, kink=kink, note=note, within_eps=within_eps)

    first = (up - down) / (2 * eps)  # the central difference with the step asked for
    jump: CheckEntry | None = None  # a jump seen so far: a pole beside the point looks alike
    for step in (eps, eps / 4, eps / 16):
        if step != eps:
            try:
                up, down = f(step), f(-step)
            except DOMAIN_ERRORS:
                break
        central = (up - down) / (2 * step)
        left, right = (f0 - down) / step, (up - f0) / step
        noise = _ROUNDING * max(abs(f0), abs(up), abs(down)) / step
        allowed = atol + rtol * abs(central)
        if step != eps and noise > allowed / 4:
            break  # a smaller step would only measure rounding
        gap = right - left
        shape = _not_differentiable(f, f0, gap, step) if abs(gap) > allowed + noise else ""
        if shape:
            text = kink_text(where, r, central, left, right, uses, jump=shape == "jump")
            low, high = min(left, right), max(left, right)
            slack = atol + rtol * max(abs(low), abs(high))
            if not ok:
                return entry(central, False, True, (
                    f"{where} is not differentiable, and the rule fails there ({rule}): "
                    f"it should return a slope between {short(left)} (left) and "
                    f"{short(right)} (right)"))
            if shape == "jump":  # a jump at the point stays at every smaller step
                jump = jump or entry(central, True, True, text)
                continue
            if low - slack <= r <= high + slack:
                return entry(central, True, True, text)
            return entry(central, False, True,
                         f"{where} is not differentiable, but {uses} {short(r)}, outside the "
                         f"slopes on either side ({short(left)} on the left, {short(right)} on "
                         f"the right)")
        jump = None  # smooth at a smaller step: what looked like a jump was a pole beside it
        if not ok:
            break
        closer = "" if step == eps else (
            f"with eps={eps:g} finite differences see {short(first)} (a pole or a corner "
            f"within eps); with eps={step:g} they see {short(central)}, as the rule says")
        if is_close(r, central, atol, rtol):
            return entry(central, True, note=closer, within_eps=step != eps)
        refined = _refined(f, central, step)
        # within rounding of the refined estimate passes, unless rounding is coarser than
        # the default tolerances: then finite differences cannot tell a wrong rule either
        coarse = refined is not None and noise > ATOL + RTOL * abs(refined)
        if refined is not None and (is_close(r, refined, atol, rtol)
                                    or abs(r - refined) <= noise and not coarse):
            return entry(refined, True, within_eps=step != eps, note=(
                f"the central difference with eps={step:g} is {short(central)}; refined "
                f"with eps/2 it is {short(refined)}, as the rule says"))
        if refined is not None and abs(r - refined) <= noise:  # rounding hides the answer
            difference = abs(r - refined)
            return CheckEntry(name, (r, refined), difference, relative(difference, refined),
                              True, checked=False, note=(
                                  "finite differences are only good to about "
                                  f"±{noise:.2g} at {where} (the values, about {abs(f0):.3g}, are "
                                  f"large beside their change over eps={step:g}), so they "
                                  f"cannot tell the rule's {short(r)} from {short(refined)}; "
                                  "check at a point where they are smaller"))
    if jump is not None:
        return jump
    if not ok:
        return CheckEntry(name, (math.nan, first), math.nan, math.nan, False,
                          note=f"the rule fails: {rule}")
    return entry(first, False)


def kink_text(where: str, rule: float, central: float, left: float, right: float,
              uses: str = "the rule uses", jump: bool = False) -> str:
    """E.g. relu(x) at x = 0 is not differentiable: the rule uses 0, finite differences
    see 0.5 (slope 0 on the left, 1 on the right)."""
    if jump:
        return (f"{where} is not differentiable, it jumps there: {uses} {short(rule)}, "
                f"finite differences see {short(central)}")
    return (f"{where} is not differentiable: {uses} {short(rule)}, finite differences see "
            f"{short(central)} (slope {short(left)} on the left, {short(right)} on the right)")


@dataclass(frozen=True)
class Slopes:
    """A function f(t) of a shift t of one input, around t = 0 with the step eps:
    its values there and its difference quotients."""

    down: float  # f(-eps)
    at: float  # f(0)
    up: float  # f(eps)
    eps: float

    @property
    def left(self) -> float:
        """The slope on the left, (f(0) − f(−ε))/ε."""
        return (self.at - self.down) / self.eps

    @property
    def right(self) -> float:
        """The slope on the right, (f(ε) − f(0))/ε."""
        return (self.up - self.at) / self.eps

    @property
    def central(self) -> float:
        """The central difference (f(ε) − f(−ε))/(2ε), as `numerical_grad` takes it."""
        return (self.up - self.down) / (2 * self.eps)

    def agree(self, atol: float, rtol: float) -> bool:
        """The same slope on both sides, to the tolerances: no kink within eps."""
        return is_close(self.right, self.left, atol, rtol)

    def around(self, value: float, atol: float, rtol: float) -> bool:
        """Whether `value` lies between the two slopes (give or take the tolerances)."""
        low, high = sorted((self.left, self.right))
        slack = atol + rtol * max(abs(low), abs(high))
        return low - slack <= value <= high + slack


def one_sided_slopes(f: Callable[[float], float], at: float, eps: float) -> Slopes:
    """f's slopes on the two sides of t = 0 (f(0) = `at`): f(t) is a function with one
    input moved by t. Raises what f raises (a domain error past an edge)."""
    return Slopes(f(-eps), at, f(eps), eps)


def has_corner(f: Callable[[float], float], slopes: Slopes, atol: float,
               rtol: float) -> bool:
    """Whether f has a corner at t = 0, as relu and abs at 0: its slopes on the two sides
    differ and stay apart as the step shrinks (a curve's gap shrinks with the step, and
    so does that of a corner beside the point, once the step no longer reaches it)."""
    gap = slopes.right - slopes.left
    noise = _ROUNDING * max(abs(slopes.down), abs(slopes.at), abs(slopes.up)) / slopes.eps
    if slopes.agree(atol, rtol) or abs(gap) <= noise:  # rounding alone can part them
        return False
    return _not_differentiable(f, slopes.at, gap, slopes.eps) == "corner"


def corner_entry(name: str, hand: float, engine: float, slopes: Slopes, atol: float,
                 rtol: float) -> CheckEntry:
    """A hand-derived value where the loss has a corner: every value between its slopes on
    the two sides (a subgradient) is right, the engine's choice among them included; a
    value outside them fails with a note giving both (a report prints several such
    notes as one: `entry_notes`). The entry keeps the slopes, (left, right), in
    ``slopes``. (`check_hand_gradient` and `check_numpy_gradient` judge a corner so.)"""
    references = [r for r in (engine, slopes.central) if math.isfinite(r)]
    compared = compare(name, hand, references, atol, rtol)
    passed = slopes.around(hand, atol, rtol)
    note = "" if passed or math.isnan(hand) else (  # nan: no hand value to compare
        f"the loss has a kink here, and yours, {short(hand)}, lies outside its slopes on "
        f"either side ({short(slopes.left)} on the left, {short(slopes.right)} on the right)")
    return CheckEntry(name, (hand, engine, slopes.central), compared.abs_error,
                      compared.rel_error, passed, kink=True, note=note,
                      slopes=(slopes.left, slopes.right))

def corner_note(names: str) -> str:
    """The report's note on the entries `names` (listed) where the loss has a corner."""
    return (f"the loss has a kink at {names} (its slopes on the two sides differ, as "
            "max(0, m) exactly at m = 0): no single gradient exists there, and any value "
            "between the two slopes passes; check at another point to test the formula "
            "itself")

def _at(f: Callable[[float], float], t: float, sign: str) -> float:
    try:
        return f(t)
    except DOMAIN_ERRORS as error:
        raise type(error)(f"the forward fails at the input {sign} eps: {error}") from None


def _not_differentiable(f: Callable[[float], float], f0: float, gap: float,
                        step: float) -> str:
    """"corner" or "jump" if the slopes on the two sides stay apart as the step
    shrinks, else "".

    gap(s) = (f(s) − f(0))/s − (f(0) − f(−s))/s is about f''(0)·s where f is
    smooth, so it halves with s; at a corner it stays (relu at 0: 1 for every s),
    at a jump (or a pole) it doubles. Measured at s, s/2 and s/4; a corner just
    beside the point shrinks its gap too, and a smaller step then finds f smooth.
    """
    gaps = [gap]
    try:
        for s in (step / 2, step / 4):
            gaps.append((f(s) - f0) / s - (f0 - f(-s)) / s)
    except DOMAIN_ERRORS:
        return ""
    ratios = [abs(later / earlier) if earlier else (math.inf if later else 0.0)
              for earlier, later in zip(gaps, gaps[1:])]
    if all(ratio > _JUMPS for ratio in ratios):
        return "jump"
    if all(ratio >= _PERSISTS for ratio in ratios):
        return "corner"
    return ""


def _refined(f: Callable[[float], float], central: float, eps: float) -> float | None:
    """(4·D(ε/2) − D(ε))/3: the central difference D with its ε² error cancelled."""
    half = eps / 2
    try:
        central_half = (f(half) - f(-half)) / (2 * half)
    except DOMAIN_ERRORS:
        return None
    return (4 * central_half - central) / 3


# ---------------------------------------------------------------- sentences


def culprit_sentence(item: LocalEntry) -> str:
    """One sentence: the node, its op, the input, the rule's value against finite
    differences, and the rule's formula."""
    entry = item.entry
    rule, numeric = entry.values
    who = f"The culprit is {item.node} (op {item.op}), input {item.position} ({item.input_name})"
    if item.by is None:
        if item.rule_error:
            return (f"{who}: its rule \"{item.formula}\" fails ({item.rule_error}) where "
                    f"finite differences of {item.op}'s forward give {short(numeric)}.")
        if entry.kink:
            return f"{who}: its rule \"{item.formula}\" is wrong at a kink: {entry.note}."
        return (f"{who}: its rule \"{item.formula}\" gives {short(rule)} where finite "
                f"differences of {item.op}'s forward give {short(numeric)}.")
    by = f"input {item.by} ({item.by_name})"
    if item.rule_error:
        return (f"{who}: under create_graph its rule \"{item.formula}\" fails "
                f"({item.rule_error}).")
    text = (f"{who}: under create_graph the derivative of its rule \"{item.formula}\" by "
            f"{by} is {short(rule)} where finite differences of the rule give {short(numeric)}")
    if item.left_as_number:
        text += ("; called with Values the rule returns a plain number, so it leaves the graph "
                 "(float(), .data or a math function in the rule?)")
    return text + "."


def replay(nodes: Sequence[Value], moved: dict[Value, float]) -> float:
    """The output of a recorded graph (`nodes` in topological order, output last) with
    the nodes in `moved` set to other numbers: their descendants are computed again
    with their ops' forwards, everything else keeps its recorded number."""
    values: dict[Value, float] = {}
    for node in nodes:
        if node in moved:
            values[node] = moved[node]
        elif node.operation is not None and any(p in values for p in node.parents):
            args = [values.get(p, p.data) for p in node.parents]
            values[node] = node.operation.evaluate([*args, *node.settings])
    root = nodes[-1]
    return values.get(root, root.data)
