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
import numbers
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
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
    short,
)
from autograd.checks.checking import leaves, numerical_grad
from autograd.checks.local_check import replay
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
    elements: list[tuple[str, Value]]  # (element name such as h1[0][2], node)
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
        inputs:   the point: numbers or nested lists of numbers, one per argument.
        names:    the inputs' names (default x0, x1, ...), as `backward` uses them.

    Each element is compared with the engine's d loss / d node and with finite
    differences (the loss with the input, or the node, moved by ±eps and the
    rest of the recorded graph computed again); it passes when it is close to
    both. The report lists the stages in the order a backward pass reaches them,
    from the loss back to the inputs; ``report.first_wrong`` names the first
    stage with a wrong entry (None when all are right), and the report's last
    line says which stage before it was still right and what lies between them.
    A gradient whose shape is not its stage's is a ValueError naming both.
    """
    function = "check_hand_backward"
    check_settings(function, eps, atol, rtol)
    args, names = _arguments_and_names(function, inputs, names)
    values = [_as_values(a, name, function) for a, name in zip(args, names)]
    loss, intermediates = _run_forward(function, forward, values)
    stages = [_Stage(name, v, _elements(v, name, function), index)
              for index, (name, v) in enumerate(zip(names, values))]
    for name, computed in intermediates.items():
        if name in names:
            raise ValueError(f"{function}: the intermediate {name!r} has the name of an "
                             f"input; give it another name")
        stages.append(_Stage(name, computed, _intermediate_elements(computed, name), -1))
    by_name = {stage.name: stage for stage in stages}
    result = backward(*[_floats(a, n, function) for a, n in zip(args, names)])
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
        inputs:  the point to check at, e.g. ``[W, x]`` or ``[scores]``.
        names:   names for the inputs in the report (default x0, x1, ...),
                 so entries read ``W[1][2]``.

    Each entry h (yours) is compared with e (the engine's `autograd.grad`) and
    n (central differences): it passes when |h − e| <= atol + rtol·|e| and
    |h − n| <= atol + rtol·|n|. The report names the entries that disagree
    and by how much. Where e and n disagree with each other the point sits on
    a kink (such as max(0, m) at m = 0) or eps is too large: a note says so.
    This is `check_hand_backward` with one stage per input and no intermediates.
    """
    function = "check_hand_gradient"
    check_settings(function, eps, atol, rtol)
    args, names = _arguments_and_names(function, inputs, names)
    values = [_as_values(a, name, function) for a, name in zip(args, names)]
    stages = [_Stage(name, v, _elements(v, name, function), index)
              for index, (name, v) in enumerate(zip(names, values))]
    for stage, gradient in zip(stages, _hand_gradients(grad_fn, args, names)):
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
    entries: list[CheckEntry] = []
    kinks: list[str] = []
    outside: list[str] = []
    wrong: dict[str, CheckEntry] = {}
    for stage in checked:
        numeric = (_input_differences(forward, values, stage, eps) if stage.index >= 0
                   else _node_differences(nodes, stage, eps))
        assert stage.hand is not None
        for (name, node), hand, n in zip(stage.elements, stage.hand, numeric):
            e = float(engine.get(node, 0.0))
            if math.isnan(n):
                outside.append(name)
                entry = compare(name, hand, [e], atol, rtol)
                entry = CheckEntry(name, (hand, e, math.nan), entry.abs_error,
                                   entry.rel_error, entry.passed)
            else:
                entry = compare(name, hand, [e, n], atol, rtol)
                if not is_close(e, n, atol, rtol):
                    kinks.append(name)
                    if is_close(hand, e, atol, rtol):  # at a kink, agreeing with the engine's
                        entry = CheckEntry(name, entry.values, entry.abs_error,  # choice passes
                                           entry.rel_error, passed=True, kink=True)
            entries.append(entry)
            if not entry.passed:
                wrong.setdefault(stage.name, entry)
    notes = []
    if kinks:
        notes.append(f"engine and finite differences disagree at {', '.join(kinks)}: "
                     "the point is on a kink (e.g. max(0, m) with m = 0) or eps is "
                     "too large; check at another point")
    if outside:
        notes.append(f"no finite differences at {', '.join(outside)}: moving it by eps "
                     "leaves an op's domain; compared with the engine only")
    first_wrong = next((s.name for s in checked if s.name in wrong), None)
    diagnosis = ""
    if explain and first_wrong is not None:
        diagnosis = _between(loss, nodes, stages, checked, first_wrong, wrong[first_wrong])
    report = HandBackwardReport(title, ("hand", "engine", "numeric"), entries,
                                describe_settings(eps, atol, rtol), notes,
                                stages=[s.name for s in checked], first_wrong=first_wrong,
                                diagnosis=diagnosis)
    if raise_on_failure:
        report.raise_if_failed()
    return report


def _input_differences(forward: Callable[..., Any], values: Sequence[Any], stage: _Stage,
                       eps: float) -> list[float]:
    """d loss / d element by central differences of the whole forward."""
    flat = [node.data for _, node in stage.elements]
    labels = [name for name, _ in stage.elements]

    def loss_of(*moved: Value) -> Any:
        call = list(values)
        call[stage.index] = _rebuild(stage.template, iter(moved))
        return forward(*call)[0]

    try:
        return list(numerical_grad(loss_of, leaves(flat, labels), eps))
    except DOMAIN_ERRORS:
        return [math.nan] * len(flat)


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
        return max((position.get(node, -1) for _, node in stage.elements), default=-1)

    return sorted(stages, key=lambda stage: -reached(stage))  # stable: ties keep their order


# ------------------------------------------------- what lies between two stages


def _between(loss: Value, nodes: Sequence[Value], stages: Sequence[_Stage],
             checked: Sequence[_Stage], first_wrong: str, entry: CheckEntry) -> str:
    """One sentence: the last right stage before the first wrong one, and the ops on
    the paths between them, read from the recorded graph."""
    wrong = next(s for s in checked if s.name == first_wrong)
    stage_of = {node: stage.name for stage in stages for _, node in stage.elements}
    wrong_nodes = {node for _, node in wrong.elements}
    after = _descendants(nodes, wrong_nodes)
    first_node = dict(wrong.elements)[entry.name]
    hand, engine = entry.values[0], entry.values[1]
    at = f"at {entry.name} yours is {short(hand)}, the engine's {short(engine)}"
    before = checked[:checked.index(wrong)]
    for stage in reversed(before):  # the nearest right stage that the wrong one feeds
        fed = [node for _, node in stage.elements if node in after]
        if fed:
            via_first = _descendants(nodes, {first_node})
            start = next((node for node in fed if node in via_first), fed[0])
            formula = _formula(start, stage_of, after, _DEPTH, top=True)
            return (f"dL/d{stage.name} is right, dL/d{wrong.name} is wrong: between them is "
                    f"{stage.name} = {formula} ({at}).")
    formula = _formula(loss, stage_of, after, _DEPTH, top=True)
    name = loss.label or "L"
    return (f"dL/d{wrong.name}, the first stage from the loss, is wrong: between them is "
            f"{name} = {formula} ({at}).")


def _descendants(nodes: Sequence[Value], sources: set[Value]) -> set[Value]:
    """The nodes computed from `sources` (not the sources themselves)."""
    found: set[Value] = set()
    for node in nodes:
        if any(p in found or p in sources for p in node.parents):
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


# ----------------------------------------------------------- shapes and names


def _arguments_and_names(function: str, inputs: Sequence[Any],
                         names: Sequence[str] | None) -> tuple[list[Any], list[str]]:
    if isinstance(inputs, (Value, numbers.Number, str)) or not isinstance(inputs, Sequence):
        raise TypeError(f"{function}: inputs must be a list or tuple with one argument per "
                        f"entry, got {type(inputs).__name__}")
    args = list(inputs)
    if names is None:
        names = [f"x{i}" for i in range(len(args))]
    names = [str(n) for n in names]
    if len(names) != len(args):
        raise ValueError(f"{function}: {len(args)} inputs but {len(names)} names")
    if len(set(names)) != len(names):
        raise ValueError(f"{function}: the names must differ, got {names}")
    return args, names


def _flatten(x: Any, name: str, what: str, function: str) -> list[tuple[str, float]]:
    """[(name, number)] for a number or nested lists of numbers, e.g. W[0][1]."""
    if hasattr(x, "tolist") and not isinstance(x, Value):
        x = x.tolist()  # a numpy array
    if isinstance(x, Value):
        return [(name, x.data)]
    if validate.is_real(x):
        return [(name, validate.real(x, f"{function}: {what} {name}"))]
    if isinstance(x, (list, tuple)):
        flat: list[tuple[str, float]] = []
        for i, item in enumerate(x):
            flat.extend(_flatten(item, f"{name}[{i}]", what, function))
        return flat
    raise TypeError(f"{function}: {what} {name} must be a number or a (nested) "
                    f"list of numbers, got {type(x).__name__}")


def _shape(x: Any) -> Any:
    """None for a number, else the list of the items' shapes."""
    if hasattr(x, "tolist") and not isinstance(x, Value):
        x = x.tolist()
    if isinstance(x, (list, tuple)):
        return [_shape(item) for item in x]
    return None


def _shape_text(x: Any) -> str:
    """``(6, 4)`` for a 6×4 nested list, ``a single number``, or a ragged description."""
    shape = _shape(x)
    if shape is None:
        return "a single number"
    dims: list[int] = []
    level: Any = shape
    while isinstance(level, list):
        dims.append(len(level))
        if not level:
            break
        if any(item != level[0] for item in level):
            return f"a ragged list of {len(shape)}"
        level = level[0]
    return f"({', '.join(map(str, dims))}{',' if len(dims) == 1 else ''})"


def _rebuild(template: Any, numbers_: Iterator[Any]) -> Any:
    """Nested lists shaped like `template`, filled from `numbers_` in order."""
    if _shape(template) is None:
        return next(numbers_)
    if hasattr(template, "tolist"):
        template = template.tolist()
    return [_rebuild(item, numbers_) for item in template]


def _as_values(arg: Any, name: str, function: str) -> Any:
    """The input as fresh leaf Values in its shape, labelled W[0][1] and so on."""
    flat = _flatten(arg, name, "input", function)
    for label, value in flat:
        if not math.isfinite(value):
            raise ValueError(f"{function}: input {label} is {value}")
    return _rebuild(arg, iter(Value(value, label=label) for label, value in flat))


def _floats(arg: Any, name: str, function: str) -> Any:
    """A copy of the input as plain floats (so `backward` cannot change it)."""
    return _rebuild(arg, iter([v for _, v in _flatten(arg, name, "input", function)]))


def _elements(values: Any, name: str, function: str) -> list[tuple[str, Value]]:
    """[(element name, leaf)] of an input made by `_as_values`."""
    if isinstance(values, Value):
        return [(name, values)]
    return [pair for i, item in enumerate(values)
            for pair in _elements(item, f"{name}[{i}]", function)]


def _intermediate_elements(computed: Any, name: str) -> list[tuple[str, Value]]:
    """[(element name, node)] of a stage forward returned: Values in nested lists."""
    if isinstance(computed, Value):
        if type(computed) is Constant:
            raise TypeError(f"check_hand_backward: the intermediate {name} is a constant (a "
                            "plain number in the graph), not computed from the inputs")
        return [(name, computed)]
    if hasattr(computed, "tolist"):
        computed = computed.tolist()
    if isinstance(computed, (list, tuple)):
        return [pair for i, item in enumerate(computed)
                for pair in _intermediate_elements(item, f"{name}[{i}]")]
    raise TypeError(f"check_hand_backward: the intermediate {name} must be a Value of the "
                    f"graph (or nested lists of them), got {type(computed).__name__}")


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
    if _shape(gradient) != _shape(stage.template):
        raise ValueError(f"{function}: the gradient for {stage.name} has shape "
                         f"{_shape_text(gradient)} but {stage.name} has shape "
                         f"{_shape_text(stage.template)}")
    return [v for _, v in _flatten(gradient, stage.name, "gradient", function)]


def _hand_gradients(grad_fn: Callable[..., Any], args: Sequence[Any],
                    names: Sequence[str]) -> list[list[float]]:
    """Call the learner's formula; accept one gradient per input (or a bare one)."""
    function = "check_hand_gradient"
    result = grad_fn(*[_floats(a, n, function) for a, n in zip(args, names)])
    wanted = [_shape(a) for a in args]
    if isinstance(result, (list, tuple)) and _shape(result) == wanted:
        per_input = list(result)
    elif len(args) == 1 and _shape(result) == wanted[0]:
        per_input = [result]  # one input: the bare gradient is fine too
    else:
        raise ValueError(f"{function}: grad_fn must return one gradient per input, each "
                         f"shaped like its input; {_mismatch(result, args, names)}")
    return [[v for _, v in _flatten(g, name, "gradient", function)]
            for g, name in zip(per_input, names)]


def _mismatch(result: Any, args: Sequence[Any], names: Sequence[str]) -> str:
    """Which gradient has the wrong shape, e.g. ``W has shape (2, 1) but its gradient
    has shape (1, 2)``."""
    def described(x: Any) -> str:
        text = _shape_text(x)
        return f"shape {text}" if text.startswith("(") else text

    if isinstance(result, (list, tuple)) and len(result) == len(args) > 1:
        for gradient, arg, name in zip(result, args, names):
            if _shape(gradient) != _shape(arg):
                return f"{name} has {described(arg)} but its gradient has {described(gradient)}"
    expected = ", ".join(f"{name} has {described(arg)}" for name, arg in zip(names, args))
    return f"{expected}; grad_fn returned {described(result)}"
