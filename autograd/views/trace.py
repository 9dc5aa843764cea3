"""One backward pass, recorded: what ``backward()`` does, step by step, as data.

``record(root)`` runs the chain rule exactly as ``root.backward()`` would, in the
same order and with the same arithmetic, but changes nothing: it writes down

- the graph: its nodes in topological order and a readable name for each;
- one `Step` per non-leaf node, in the order backward processes them: the
  node's upstream gradient ∂out/∂node and, for each parent, the local
  derivative (its value and formula text), the contribution
  ``local × upstream`` and the parent's ``.grad`` before and after;
- the gradient of every node for this pass, and its ``.grad`` before and after.

The stepper (`autograd.backward_steps`), the drawings (`draw_graph(step=...)`)
and the player all read one `Trace`, so the numbers they show are one set of
numbers. Standard library only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from autograd.backprop import local_derivatives
from autograd.core import Constant, Value, isfinite, seed_of, topological_order
from autograd.views.formulas import input_texts, named_formulas, number, where_text

ARROW = "->"


def node_names(graph: Value | list[Value] | tuple[Value, ...]) -> dict[Value, str]:
    """A readable name for every node of a graph: its output, or its nodes in
    topological order.

    A node's own label if it has one; otherwise ``<op>#<k>`` for a computed node
    (``mul#2``), ``const#<k>`` for a number of the expression (a `Constant`,
    the ``1`` of ``1 - x``) and ``leaf#<k>`` for an unlabelled leaf Value, where
    ``k`` is the node's position in the order: inside a network, numbers grow in
    forward order. Drawings and step texts use the same names, so a table row can be
    found in the picture.
    """
    order = topological_order(graph) if isinstance(graph, Value) else graph
    names: dict[Value, str] = {}
    for k, node in enumerate(order):
        if node.label:
            names[node] = node.label
        elif type(node) is Constant:
            names[node] = f"const#{k}"
        elif node.operation is None:
            names[node] = f"leaf#{k}"
        else:
            names[node] = f"{node.op}#{k}"
    return names


@dataclass(frozen=True)
class Contribution:
    """What one step sends to one parent (the i-th input of the node's op).

    ``contribution = local * upstream`` and ``grad_after = grad_before + contribution``
    (up to float rounding: the pass adds up its own gradients first, then adds
    them to what ``.grad`` held, exactly like ``backward()``).
    """

    parent: Value
    position: int  # which input of the op: 0 for the first
    local: float  # ∂node/∂parent, from the op's rule
    formula: str  # the rule's text, e.g. "d(a·b)/da = b"
    contribution: float
    grad_before: Any
    grad_after: Any


@dataclass(frozen=True, eq=False)
class Step:
    """One step of a backward pass: one node passing its gradient to its parents.

    Attributes:
        index:    position in the pass, 0 for the first step (the output's).
        total:    number of steps in the pass.
        node:     the node whose gradient is passed on.
        name:     its readable name (see `node_names`).
        upstream: ∂out/∂node for this pass (complete: every path from the output
                  reached this node before its step).
        contributions: one `Contribution` per parent that receives, in argument
                  order; a parent used twice (``x * x``) appears twice; a
                  constant (a number in the expression) receives nothing.
        parent_names: readable names of all the node's parents, in argument order.
    """

    index: int
    total: int
    node: Value
    name: str
    upstream: float
    contributions: tuple[Contribution, ...]
    parent_names: tuple[str, ...]

    def __str__(self) -> str:
        return format_step(self)


@dataclass(frozen=True, eq=False)
class Trace:
    """A recorded backward pass from `root` (see the module docstring).

    Attributes:
        root:    the output.
        grad:    the starting gradient d root/d root (1.0 by default).
        order:   every node of the graph (constants too), parents before children.
        names:   node -> readable name.
        steps:   one `Step` per non-leaf node, in backward order.
        gradients: node -> d root/d node · grad for this pass (constants: none).
        before:  node -> its ``.grad`` when the trace was recorded (0.0 for a
                 ``.grad`` of None, which ``backward()`` counts as 0).
    """

    root: Value
    grad: float
    order: tuple[Value, ...]
    names: dict[Value, str]
    steps: tuple[Step, ...]
    gradients: dict[Value, float]
    before: dict[Value, Any]

    def after(self, node: Value) -> Any:
        """What ``node.grad`` holds once every step has run."""
        if node not in self.gradients:
            return self.before[node]
        return self.before[node] + self.gradients[node]


def record(root: Value, grad: float | Value = 1.0, *, from_zero: bool = False) -> Trace:
    """Record one backward pass from `root`, changing nothing (see the module docstring).

    Raises what ``root.backward(grad)`` would raise (a derivative that does not
    exist, an out-of-date graph, a gradient that overflows), before anything.
    Like ``backward()``, it takes a number or a Value (its data) as `grad`, and
    counts a ``.grad`` of None as 0. With `from_zero`, every ``.grad`` is taken to be
    0 before the pass (what the player and the widget show: one pass on its own).
    """
    seed: float = seed_of(root, grad, False)
    order = tuple(topological_order(root))
    names = node_names(order)
    before = {node: 0.0 if from_zero or node.grad is None else node.grad for node in order}
    gradients: dict[Value, float] = {} if type(root) is Constant else {root: seed}
    non_leaves = [node for node in reversed(order)
                  if node.operation is not None and type(node) is not Constant]
    steps: list[Step] = []
    for index, node in enumerate(non_leaves):
        upstream = gradients[node]
        if not isfinite(upstream):
            raise OverflowError(f"the gradient of {names[node]} overflows to {upstream}")
        operation = node.operation
        assert operation is not None
        count = len(node.parents)
        contributions = []
        for position, (parent, local) in enumerate(zip(node.parents,
                                                       local_derivatives(node))):
            if local is None:  # a constant: it receives nothing
                continue
            contribution = local * upstream
            so_far = gradients.get(parent)
            grad_before = before[parent] if so_far is None else before[parent] + so_far
            gradients[parent] = contribution if so_far is None else so_far + contribution
            contributions.append(Contribution(
                parent=parent, position=position, local=local,
                formula=operation.formula(position, count), contribution=contribution,
                grad_before=grad_before, grad_after=before[parent] + gradients[parent],
            ))
        steps.append(Step(
            index=index, total=len(non_leaves), node=node, name=names[node],
            upstream=upstream, contributions=tuple(contributions),
            parent_names=tuple(names[p] for p in node.parents),
        ))
    for node, gradient in gradients.items():
        if not isfinite(gradient):
            raise OverflowError(f"the gradient of {names[node]} overflows to {gradient}")
        if not isfinite(before[node] + gradient):  # what backward() would write to .grad
            raise OverflowError(
                f"the gradient of {names[node]} would overflow: its .grad "
                f"{float(before[node]):g} plus this pass's {gradient:g} is not a finite "
                "float (call autograd.zero_grad between passes); no .grad was changed")
    return Trace(root=root, grad=seed, order=order, names=names, steps=tuple(steps),
                 gradients=gradients, before=before)


# ---------------------------------------------------------------------------
# A step as text (what `print(step)` shows)
# ---------------------------------------------------------------------------


def format_step(step: Step, digits: int = 4) -> str:
    """A step as a block of text: the node, its upstream gradient, and one
    line per parent with the local derivative (formula and value), the
    contribution and the parent's gradient before -> after. A parent reached
    more than once in the step gets a line showing the whole accumulation.
    The formulas are written in the graph's names (`autograd.views.formulas`).
    """
    n = lambda x: number(x, digits)
    node = step.node
    inputs = ", ".join([*input_texts(node, step.parent_names),
                        *(f"{p:g}" for p in node.settings)])
    lines = [
        f"step {step.index + 1}/{step.total}: {step.name} = {node.op}({inputs}) = {n(node.data)}",
        f"  upstream gradient d out/d {step.name} = {n(step.upstream)}",
    ]
    formulas = named_formulas(node, step.parent_names,
                              [item.formula for item in step.contributions])
    for item, (formula, letters) in zip(step.contributions, formulas):
        parent_name = step.parent_names[item.position]
        lines.append(
            f"  -> {parent_name} (input {item.position + 1}): local "
            f"{local_text(formula, letters, item.local, digits)};"
            f" contribution {n(item.local)} × {n(step.upstream)} = {n(item.contribution)};"
            f" {parent_name}.grad {n(item.grad_before)} {ARROW} {n(item.grad_after)}"
        )
    for parent, parent_name in _repeated_parents(step):
        received = [c for c in step.contributions if c.parent is parent]
        path = f" {ARROW} ".join([n(received[0].grad_before)] + [n(c.grad_after) for c in received])
        lines.append(
            f"  {parent_name} receives {len(received)} contributions in this step: "
            f"its gradient accumulates {path}"
        )
    return "\n".join(lines)


def local_text(formula: str, letters: Sequence[tuple[str, str]], local: float,
               digits: int = 4) -> str:
    """A local derivative as a step's text shows it: a formula of `named_formulas` with
    its value (``d(x·w)/dx = w = 3``), then what the letters it keeps stand for
    (``d(a·b)/da = b = 3 where a = x, b = x``)."""
    where = f" {where_text(letters)}" if letters else ""
    return f"{_rule(formula, local, digits)}{where}"


def _rule(formula: str, local: float, digits: int) -> str:
    """``d(x·w)/dx = w = 3``; just ``d(x+w)/dx = 1`` when the rule is a constant."""
    value = number(local, digits)
    if formula.rsplit("=", 1)[-1].strip() == value:
        return formula
    return f"{formula} = {value}"


def _repeated_parents(step: Step) -> list[tuple[Value, str]]:
    seen: dict[Value, int] = {}
    first_name: dict[Value, str] = {}
    for item in step.contributions:
        parent, name = item.parent, step.parent_names[item.position]
        seen[parent] = seen.get(parent, 0) + 1
        first_name.setdefault(parent, name)
    return [(parent, first_name[parent]) for parent, count in seen.items() if count > 1]
