"""Check a backward pass written by hand, stage by stage, against the engine.

Deriving a backward pass by hand goes in stages, from the loss back to the
inputs: dL/dscores, then dL/dh1, dL/da1, dL/dW1 (the lecture notes do exactly
this). When the final dL/dW1 is wrong, the question is which step went wrong.
`check_hand_backward` compares every stage with the engine's d loss / d node
and finite differences, and names the first wrong stage and what lies between
it and the last right one before it::

    dL/dh1 is right, dL/da1 is wrong: between them is h1 = relu(a1) (...)

`check_hand_gradient` is the one-stage case: a formula for the gradient of the
inputs only.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from autograd import validate
from autograd.backprop import gradients, topological_order
from autograd.checks.check_report import (
    ATOL,
    EPS,
    RTOL,
    CheckEntry,
    HandBackwardReport,
    check_settings,
    compare,
    describe_settings,
    is_close,
    listed,
    short,
)
from autograd.checks.checking import leaves
from autograd.checks.local_check import (
    Slopes,
    corner_entry,
    corner_note,
    has_corner,
    one_sided_slopes,
    replay,
)
from autograd.checks.shapes import (
    arguments_and_names,
    as_values,
    called_with_dict,
    elements,
    flatten,
    floats,
    intermediate_elements,
    rebuild,
    shape_of,
    shape_text,
)
from autograd.core import DOMAIN_ERRORS, Constant, Value

__all__ = ["check_hand_backward", "check_hand_gradient"]

_DEPTH = 6  # levels of a formula shown between two stages
_NUMBERS_SHOWN = 2  # an op's constant inputs shown before they become "…"
_PRECEDENCE = {"add": 1, "sub": 1, "mul": 2, "div": 2, "mod": 2, "neg": 3, "pow": 4,
               "pow_value": 4}
_NOT_ASSOCIATIVE = {"sub", "div", "mod", "pow", "pow_value", "neg"}
_NAME = re.compile(r"[\w\[\]#.…-]+")  # a stage name, a label or a number: never wrapped
_INFIX = {"add": " + ", "sub": " - ", "mul": "*", "div": "/", "mod": " % ", "pow_value": "**"}


@dataclass
class _Stage:
    """One stage: an input or an intermediate, its elements and their numbers."""

    name: str
    template: Any  # the nested lists (or single Value) it came in: its shape
    elements: list[tuple[str, Value | None]]  # (element name such as h1[0][2], node;
    # None for a plain number among an intermediate's Values)
    index: int  # its position among the inputs (-1 for an intermediate)
    hand: list[float] | None = None  # the learner's gradient, flattened


# ----------------------------------------------------------------- the API


def check_hand_backward(
    forward: Callable[..., Any],
    backward: Callable[..., Any],
    inputs: Sequence[Any],
    names: Sequence[str] | None = None,
    eps: float = EPS,
    atol: float = ATOL,
    rtol: float = RTOL,
    raise_on_failure: bool = False,
) -> HandBackwardReport:
    """Check a hand-written backward pass stage by stage against the engine.

    Args:
        forward:  ``forward(*inputs) -> (loss, intermediates)``, called with Values
                  shaped like the inputs; `intermediates` maps a stage's name to
                  the Value or nested lists of Values it computed, e.g.
                  ``{"scores": S, "h1": H1, "a1": A1}``.
        backward: ``backward(*inputs) -> {name: gradient}``, called with plain
                  floats (nested lists for vectors and matrices): your dL/d(stage)
                  for any of the intermediates and the inputs, each shaped like
                  its stage.
        inputs:   the point: numbers, nested lists or numpy arrays, one per argument;
                  or a dict of them (forward and backward then get one dict).
        names:    the inputs' names (default x0, x1, ...; a dict's keys), as
                  `backward` uses them.

    An input given as a numpy array reaches `forward` as an object array of Values
    (so ``X.dot(W)`` works) and `backward` as a float array. In the intermediates, a
    plain number where a Value belongs (``np.maximum(0, a1)`` keeps the int 0 where
    a1 < 0) is a constant of the graph: its entries are not checked, and a note says
    so (``np.vectorize(autograd.relu, otypes=[object])(a1)`` keeps them in the graph).

    Each element is compared with the engine's d loss / d node and with finite
    differences (the loss with the input, or the node, moved by ±eps and the
    rest of the recorded graph computed again); it passes when it is close to
    both, or, where the loss has a kink along an input, when it lies between the
    loss's slopes on the two sides (see `check_hand_gradient`). The report lists
    the stages in the order a backward pass reaches them, from the loss back to
    the inputs; ``report.first_wrong`` names the first stage with a wrong entry
    (None when all are right), and the report's last line says which stage
    before it was still right and what lies between them.
    A gradient whose shape is not its stage's is a ValueError naming both.
    """
    function = "check_hand_backward"
    check_settings(function, eps, atol, rtol)
    validate.flag(raise_on_failure, f"{function}: raise_on_failure")
    args, names, keyed = arguments_and_names(function, inputs, names)
    for given, what in ((forward, "forward"), (backward, "backward")):
        validate.function(given, f"{function}: {what}", 1 if keyed else len(args))
    if keyed:
        forward, backward = called_with_dict(forward, names), called_with_dict(backward, names)
    values = [as_values(a, name, function) for a, name in zip(args, names)]
    loss, intermediates = _run_forward(function, forward, values)
    stages = [_Stage(name, v, elements(v, name, function), index)
              for index, (name, v) in enumerate(zip(names, values))]
    for name, computed in intermediates.items():
        if name in names:
            raise ValueError(f"{function}: the intermediate {name!r} has the name of an "
                             f"input; give it another name")
        stages.append(_Stage(name, computed, intermediate_elements(computed, name), -1))
    by_name = {stage.name: stage for stage in stages}
    result = backward(*[floats(a, n, function) for a, n in zip(args, names)])
    if not isinstance(result, Mapping):
        raise TypeError(f"{function}: backward must return a dict name -> gradient, got "
                        f"{type(result).__name__}")
    for name, gradient in result.items():
        if name not in by_name:
            raise ValueError(f"{function}: backward returned a gradient for {name!r}, which "
                             f"is not a stage; stages: {', '.join(by_name)}")
        by_name[name].hand = _hand_numbers(gradient, by_name[name], function)
    checked = _in_backward_order([s for s in stages if s.hand is not None], loss)
    return _report(function, "hand backward check", forward, loss, values, stages,
                   checked, eps, atol, rtol, raise_on_failure, explain=True)


def check_hand_gradient(
    loss_fn: Callable[..., Any],
    grad_fn: Callable[..., Any],
    inputs: Sequence[Any],
    names: Sequence[str] | None = None,
    eps: float = EPS,
    atol: float = ATOL,
    rtol: float = RTOL,
    raise_on_failure: bool = False,
) -> HandBackwardReport:
    """Check your own gradient formula against the engine AND finite differences.

    Args:
        loss_fn: ``loss_fn(*inputs)`` -> the loss. Each input is a number or
                 nested lists of numbers (a vector s, a weight matrix W); the
                 checker calls it with Values in the same shapes, so write it
                 with ``+ - * / **``, ``max(0, m)`` and autograd's functions.
        grad_fn: your formula: ``grad_fn(*inputs)`` with plain floats ->
                 ∂loss/∂input for each input, each shaped like its input
                 (with a single input, the bare gradient is accepted too).
        inputs:  the point to check at, e.g. ``[W, x]`` or ``[scores]``: numbers,
                 nested lists or numpy arrays; or a dict of them, then both
                 functions get one dict and grad_fn returns a dict.
        names:   names for the inputs in the report (default x0, x1, ...; a
                 dict's keys), so entries read ``W[1][2]``.

    A numpy array reaches `loss_fn` as an object array of Values (``W * W``,
    ``X.dot(W)`` work) and `grad_fn` as a float array.

    Each entry h (yours) is compared with e (the engine's `autograd.grad`) and
    n (central differences): it passes when |h − e| <= atol + rtol·|e| and
    |h − n| <= atol + rtol·|n|. The report names the entries that disagree
    and by how much. Where the loss has a kink (its slopes on the two sides of
    the point differ, as max(0, m) at m = 0 or abs at 0), any h between the two
    slopes (a subgradient) passes, marked kink, with a note. Where e and n
    disagree elsewhere, the point is within eps of a kink or eps is too large: a
    note says so.
    Where the loss does not reach an input through the graph at all (it was
    converted to float), the last line says so and n alone is the reference; so is
    it where e and n disagree but the loss is smooth (the same slope on both sides):
    the loss reaches the input partly outside the graph (``x * x.data``).
    This is `check_hand_backward` with one stage per input and no intermediates.
    """
    function = "check_hand_gradient"
    check_settings(function, eps, atol, rtol)
    validate.flag(raise_on_failure, f"{function}: raise_on_failure")
    args, names, keyed = arguments_and_names(function, inputs, names)
    for given, what in ((loss_fn, "loss_fn"), (grad_fn, "grad_fn")):
        validate.function(given, f"{function}: {what}", 1 if keyed else len(args))
    if keyed:
        loss_fn, grad_fn = called_with_dict(loss_fn, names), called_with_dict(grad_fn, names)
    values = [as_values(a, name, function) for a, name in zip(args, names)]
    stages = [_Stage(name, v, elements(v, name, function), index)
              for index, (name, v) in enumerate(zip(names, values))]
    for stage, gradient in zip(stages, _hand_gradients(grad_fn, args, names, keyed)):
        stage.hand = gradient

    def forward(*xs: Any) -> tuple[Any, dict[str, Any]]:
        return loss_fn(*xs), {}

    loss, _ = _run_forward(function, forward, values)
    return _report(function, "hand gradient check", forward, loss, values, stages,
                   stages, eps, atol, rtol, raise_on_failure, explain=False)


# ------------------------------------------------------------ the comparison


def _report(function: str, title: str, forward: Callable[..., Any], loss: Value,
            values: Sequence[Any], stages: Sequence[_Stage],
            checked: Sequence[_Stage], eps: float, atol: float, rtol: float,
            raise_on_failure: bool, explain: bool) -> HandBackwardReport:
    engine = gradients(loss)
    nodes = topological_order(loss)
    in_graph = set(nodes)
    entries: list[CheckEntry] = []
    kinks: list[str] = []
    corners: list[str] = []
    outside: list[str] = []
    constants: list[str] = []
    detached: dict[str, list[str]] = {}
    wrong: dict[str, CheckEntry] = {}
    for stage in checked:
        alongs = (_losses_along(forward, values, stage) if stage.index >= 0
                  else [None] * len(stage.elements))
        slopes = [_slopes(along, loss.data, eps) for along in alongs]
        numeric = (_node_differences(nodes, stage, eps) if stage.index < 0
                   else [math.nan if s is None else s.central for s in slopes])
        assert stage.hand is not None
        for (name, node), hand, n, along, slope in zip(stage.elements, stage.hand, numeric,
                                                       alongs, slopes):
            if node is None:  # a plain number among the intermediates: not a node to check
                constants.append(name)
                entries.append(CheckEntry(name, (hand, math.nan, math.nan), math.nan,
                                          math.nan, passed=True, checked=False))
                continue
            entry, kind = _element_entry(name, hand, float(engine.get(node, 0.0)), n,
                                         along, slope, atol, rtol)
            if kind == "unseen":
                detached.setdefault(stage.name, []).append(name)
            elif kind:
                {"outside": outside, "corner": corners, "kink": kinks}[kind].append(name)
            entries.append(entry)
            if not entry.passed:
                wrong.setdefault(stage.name, entry)
    notes = []
    if corners:
        notes.append(corner_note(listed(corners)))
    if kinks:
        notes.append(f"engine and finite differences disagree at {', '.join(kinks)}: "
                     "the point is within eps of a kink (e.g. max(0, m) near m = 0) or eps "
                     "is too large; check at another point")
    if outside:
        notes.append(f"no finite differences at {', '.join(outside)}: moving it by eps "
                     "leaves an op's domain; compared with the engine only")
    if constants:
        plain = ("is a plain number, not a node" if len(constants) == 1
                 else "are plain numbers, not nodes")
        notes.append(f"{listed(constants)} {plain} of the graph (np.maximum(0, ·) keeps the "
                     "int 0 where its input "
                     "is negative): not checked; np.vectorize(autograd.relu, otypes=[object]) "
                     "keeps every entry in the graph")
    unseen = _detached_sentence(stages, detached, in_graph)
    first_wrong = next((s.name for s in checked if s.name in wrong), None)
    diagnosis = ""
    if explain and first_wrong is not None:
        diagnosis = _between(loss, nodes, stages, checked, first_wrong, wrong[first_wrong])
    if not diagnosis and unseen and wrong:  # the last line: why the engine's column is 0
        diagnosis = unseen[:1].upper() + unseen[1:] + "."
    elif unseen:
        notes.append(unseen)
    report = HandBackwardReport(title, ("hand", "engine", "numeric"), entries,
                                describe_settings(eps, atol, rtol), notes,
                                stages=[s.name for s in checked], first_wrong=first_wrong,
                                diagnosis=diagnosis)
    if raise_on_failure:
        report.raise_if_failed()
    return report


def _element_entry(name: str, hand: float, e: float, n: float,
                   along: Callable[[float], float] | None, slopes: Slopes | None,
                   atol: float, rtol: float) -> tuple[CheckEntry, str]:
    """One element: yours (`hand`) against the engine (`e`) and finite differences (`n`),
    and what the element is: "outside" (no finite differences), "corner" (the loss has a
    kink there), "unseen" (the engine does not see all of the loss), "kink" (the engine
    and finite differences disagree otherwise: a kink within eps), or ""."""
    if math.isnan(n):
        entry = compare(name, hand, [e], atol, rtol)
        return CheckEntry(name, (hand, e, math.nan), entry.abs_error, entry.rel_error,
                          entry.passed), "outside"
    if along is not None and slopes is not None and has_corner(along, slopes, atol, rtol):
        return corner_entry(name, hand, e, slopes, atol, rtol), "corner"
    if slopes is not None and not is_close(e, n, atol, rtol) and slopes.agree(atol, rtol):
        # no kink, yet the engine disagrees: the loss reaches this input (in part or
        # whole) through its number (.data, float()), which the engine cannot see
        entry = compare(name, hand, [n], atol, rtol)
        return CheckEntry(name, (hand, e, n), entry.abs_error, entry.rel_error,
                          entry.passed), "unseen"
    entry = compare(name, hand, [e, n], atol, rtol)
    if is_close(e, n, atol, rtol):
        return entry, ""
    if is_close(hand, e, atol, rtol):  # within eps of a kink, agreeing with the engine's choice
        entry = CheckEntry(name, entry.values, entry.abs_error, entry.rel_error, passed=True,
                           kink=True)
    return entry, "kink"


def _detached_sentence(stages: Sequence[_Stage], detached: Mapping[str, list[str]],
                       in_graph: set[Value]) -> str:
    """What the entries the engine does not see (the loss made from their numbers) mean."""
    if not detached:
        return ""
    whole = [s.name for s in stages if s.name in detached
             and not any(node in in_graph for _, node in s.elements)]
    if whole:
        x = whole[0]
        return (f"the loss does not depend on {', '.join(whole)} through the engine: was it "
                f"converted to float (float(), .data, np.asarray({x}, dtype=float))? Finite "
                f"differences see the loss change, so {'it is' if len(whole) == 1 else 'they are'}"
                " compared with them only")
    names = [name for entries in detached.values() for name in entries]
    return (f"{listed(names)} {'reaches' if len(names) == 1 else 'reach'} the loss, in part "
            "or whole, not through the engine (a number taken out of a Value: float(), .data, "
            ".item()?); compared with finite differences only")




def _losses_along(forward: Callable[..., Any], values: Sequence[Any],
                  stage: _Stage) -> list[Callable[[float], float]]:
    """For each element of an input stage, the loss as a function of a shift of that
    element alone (the whole forward run again on fresh leaves)."""
    flat = [node.data for _, node in stage.elements if node is not None]  # an input: leaves
    labels = [name for name, _ in stage.elements]

    def along(k: int) -> Callable[[float], float]:
        def loss_at(shift: float) -> float:
            moved = list(flat)
            moved[k] += shift
            call = list(values)
            call[stage.index] = rebuild(stage.template, iter(leaves(moved, labels)))
            return float(forward(*call)[0])
        return loss_at

    return [along(k) for k in range(len(flat))]


def _slopes(along: Callable[[float], float] | None, at: float, eps: float) -> Slopes | None:
    """The loss's slopes on the two sides of an element (None for an intermediate's,
    and where moving the element by eps leaves an op's domain)."""
    if along is None:
        return None
    try:
        return one_sided_slopes(along, at, eps)
    except DOMAIN_ERRORS:
        return None


def _node_differences(nodes: Sequence[Value], stage: _Stage, eps: float) -> list[float]:
    """d loss / d node by central differences: the node moved by ±eps, the rest of
    the recorded graph computed again from it."""
    numeric = []
    in_graph = set(nodes)
    for _, node in stage.elements:
        if node not in in_graph:  # the loss does not depend on it
            numeric.append(0.0)
            continue
        try:
            up = replay(nodes, {node: node.data + eps})
            down = replay(nodes, {node: node.data - eps})
            numeric.append((up - down) / (2 * eps))
        except DOMAIN_ERRORS:
            numeric.append(math.nan)
    return numeric


def _in_backward_order(stages: Sequence[_Stage], loss: Value) -> list[_Stage]:
    """The stages in the order backward reaches them: by their last node in
    topological order (the first one backward visits), latest first."""
    position = {node: k for k, node in enumerate(topological_order(loss))}

    def reached(stage: _Stage) -> int:
        return max((position.get(node, -1) for _, node in stage.elements if node is not None),
                   default=-1)

    return sorted(stages, key=lambda stage: -reached(stage))  # stable: ties keep their order


# ------------------------------------------------- what lies between two stages


def _between(loss: Value, nodes: Sequence[Value], stages: Sequence[_Stage],
             checked: Sequence[_Stage], first_wrong: str, entry: CheckEntry) -> str:
    """One sentence: the last right stage before the first wrong one, and the ops on
    the paths between them, read from the recorded graph."""
    wrong = next(s for s in checked if s.name == first_wrong)
    stage_of = {node: stage.name for stage in stages for _, node in stage.elements
                if node is not None}
    wrong_nodes = {node for _, node in wrong.elements if node is not None}
    after = _descendants(nodes, wrong_nodes)
    first_node = dict(wrong.elements)[entry.name]
    assert first_node is not None  # a wrong entry is a node (plain numbers are not checked)
    hand, engine = entry.values[0], entry.values[1]
    at = f"at {entry.name} yours is {short(hand)}, the engine's {short(engine)}"
    before = checked[:checked.index(wrong)]
    for stage in reversed(before):  # the nearest right stage that the wrong one feeds
        fed = [node for _, node in stage.elements if node is not None and node in after]
        if fed:
            via_first = _descendants(nodes, {first_node})
            start = next((node for node in fed if node in via_first), fed[0])
            formula = _formula(start, stage_of, after, _DEPTH, top=True)
            right_nodes = {node for _, node in stage.elements if node is not None}
            if loss in _descendants(nodes, {first_node}, blocked=right_nodes):
                # another path to the loss, past the right stage: its share counts too
                name = loss.label or "L"
                whole = _formula(loss, stage_of, after, _DEPTH, top=True)
                return (f"dL/d{stage.name} is right, dL/d{wrong.name} is wrong: between them "
                        f"is {stage.name} = {formula}, and {wrong.name} also reaches the loss "
                        f"another way, in {name} = {whole}: dL/d{wrong.name} adds the paths "
                        f"({at}).")
            return (f"dL/d{stage.name} is right, dL/d{wrong.name} is wrong: between them is "
                    f"{stage.name} = {formula} ({at}).")
    formula = _formula(loss, stage_of, after, _DEPTH, top=True)
    name = loss.label or "L"
    return (f"dL/d{wrong.name}, the first stage from the loss, is wrong: between them is "
            f"{name} = {formula} ({at}).")


def _descendants(nodes: Sequence[Value], sources: set[Value],
                 blocked: set[Value] | frozenset[Value] = frozenset()) -> set[Value]:
    """The nodes computed from `sources` (not the sources themselves), by paths that
    pass through no node of `blocked`."""
    found: set[Value] = set()
    for node in nodes:
        if node not in blocked and any(p in found or p in sources for p in node.parents):
            found.add(node)
    return found


def _formula(node: Value, stage_of: Mapping[Value, str], after: set[Value], depth: int,
             top: bool = False) -> str:
    """`node` as a formula in the stages' names: ``relu(a1)``, ``dot(…, W1) + b1``."""
    if not top and node in stage_of:
        return stage_of[node]
    if type(node) is Constant:
        return f"{node.data:g}"
    if node.operation is None or node not in after or depth == 0:
        return node.label or "…"
    texts = [_formula(p, stage_of, after, depth - 1) for p in node.parents]
    op = node.op
    if op in _INFIX and len(texts) == 2:
        left = _wrapped(texts[0], node.parents[0], op, right_side=False)
        right = _wrapped(texts[1], node.parents[1], op, right_side=True)
        return f"{left}{_INFIX[op]}{right}"
    if op == "neg":
        return f"-{_wrapped(texts[0], node.parents[0], op, right_side=True)}"
    if op == "pow":
        return f"{_wrapped(texts[0], node.parents[0], op, right_side=False)}**{node.settings[0]:g}"
    shown = _collapsed(texts) + [f"{s:g}" for s in node.settings]
    return f"{op}({', '.join(shown)})"


def _wrapped(text: str, child: Value, parent_op: str, right_side: bool) -> str:
    """`text` in parentheses where the child's op binds less tightly than the parent's."""
    if _NAME.fullmatch(text) or child.operation is None:
        return text  # a name or a number
    inner, outer = _PRECEDENCE.get(child.op, 5), _PRECEDENCE[parent_op]
    if inner < outer or (inner == outer and right_side and parent_op in _NOT_ASSOCIATIVE):
        return f"({text})"
    return text


def _collapsed(parts: list[str]) -> list[str]:
    """Runs of the same text once (``W1, W1, W1`` -> ``W1``); many numbers -> ``…``."""
    def is_number(text: str) -> bool:
        try:
            float(text)
        except ValueError:
            return text == "…"
        return True

    kept: list[str] = []
    for part in parts:
        if not kept or kept[-1] != part:
            kept.append(part)
    if sum(map(is_number, kept)) > _NUMBERS_SHOWN:
        merged: list[str] = []
        for part in kept:
            text = "…" if is_number(part) else part
            if not merged or merged[-1] != text:
                merged.append(text)
        kept = merged
    return kept


def _run_forward(function: str, forward: Callable[..., Any],
                 values: Sequence[Any]) -> tuple[Value, dict]:
    """forward(*values), checked: (the loss as a Value, the intermediates)."""
    result = forward(*values)
    if not (isinstance(result, tuple) and len(result) == 2):
        raise TypeError(f"{function}: forward must return (loss, intermediates), "
                        f"got {type(result).__name__}")
    loss, intermediates = result
    if validate.is_real(loss):  # a loss that does not depend on the inputs here (0 = max(0, -1))
        loss = Value(validate.real(loss, f"{function}: the loss"))
    if not isinstance(loss, Value):
        raise TypeError(f"{function}: the loss must be a Value (or a number), got "
                        f"{type(loss).__name__}")
    if not isinstance(intermediates, Mapping) or not all(
            isinstance(name, str) for name in intermediates):
        raise TypeError(f"{function}: forward's intermediates must be a dict "
                        "name -> Value (or nested lists of Values)")
    return loss, dict(intermediates)


def _hand_numbers(gradient: Any, stage: _Stage, function: str) -> list[float]:
    """The learner's gradient for `stage`, flattened, after checking its shape."""
    if shape_of(gradient) != shape_of(stage.template):
        raise ValueError(f"{function}: the gradient for {stage.name} has shape "
                         f"{shape_text(gradient)} but {stage.name} has shape "
                         f"{shape_text(stage.template)}")
    return [v for _, v in flatten(gradient, stage.name, "gradient", function)]


def _hand_gradients(grad_fn: Callable[..., Any], args: Sequence[Any],
                    names: Sequence[str], keyed: bool) -> list[list[float]]:
    """Call the learner's formula; accept one gradient per input (or a bare one), or a
    dict of them when the inputs came as a dict."""
    function = "check_hand_gradient"
    result = grad_fn(*[floats(a, n, function) for a, n in zip(args, names)])
    wanted = [shape_of(a) for a in args]
    if isinstance(result, Mapping):
        missing = [n for n in names if n not in result]
        if not keyed:
            raise ValueError(
                f"{function}: grad_fn returned a dict (keys {', '.join(map(str, result))}) but "
                f"the inputs are a list: return one gradient per input in their order "
                f"({', '.join(names)}), or pass the inputs as a dict name -> input to return "
                "the gradients by name")
        if missing:
            raise ValueError(f"{function}: grad_fn's dict has no gradient for "
                             f"{', '.join(missing)}")
        result = [result[n] for n in names]
        if shape_of(result) != wanted:
            raise ValueError(f"{function}: grad_fn must return gradients shaped like their "
                             f"inputs; {_mismatch(result, args, names)}")
    if isinstance(result, (list, tuple)) and shape_of(result) == wanted:
        per_input = list(result)
    elif len(args) == 1 and shape_of(result) == wanted[0]:
        per_input = [result]  # one input: the bare gradient is fine too
    else:
        raise ValueError(f"{function}: grad_fn must return one gradient per input, each "
                         f"shaped like its input; {_mismatch(result, args, names)}")
    return [[v for _, v in flatten(g, name, "gradient", function)]
            for g, name in zip(per_input, names)]


def _mismatch(result: Any, args: Sequence[Any], names: Sequence[str]) -> str:
    """Which gradient has the wrong shape, e.g. ``W has shape (2, 1) but its gradient
    has shape (1, 2)``."""
    def described(x: Any) -> str:
        text = shape_text(x)
        return f"shape {text}" if text.startswith("(") else text

    if isinstance(result, (list, tuple)) and len(result) == len(args) > 1:
        for gradient, arg, name in zip(result, args, names):
            if shape_of(gradient) != shape_of(arg):
                return f"{name} has {described(arg)} but its gradient has {described(gradient)}"
    expected = ", ".join(f"{name} has {described(arg)}" for name, arg in zip(names, args))
    return f"{expected}; grad_fn returned {described(result)}"
