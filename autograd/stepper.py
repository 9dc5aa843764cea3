"""Backpropagation one step at a time: `backward_steps`, and text to read it.

``backward()`` visits the non-leaf nodes from the output back to the inputs
(reverse topological order). At each node it applies the chain rule once per
parent::

    contribution      = local derivative ∂node/∂parent  ×  upstream gradient ∂out/∂node
    parent.grad       = parent.grad + contribution

`backward_steps(root)` does exactly that, but hands you one `Step` per node, so
you can print it, draw the graph between steps (`autograd.draw_graph(root,
step=step)`) or play it (`autograd.player_html`). A leaf never gets a step of
its own: it only receives contributions.

Semantics (so that running every step equals one ``root.backward()``):

- When the generator starts, the starting gradient (1.0 by default,
  d out/d out = 1) is added to ``root.grad``.
- Each step is applied, that is its contributions are added to the parents'
  ``.grad``, just before it is yielded. Stop early and the graph shows the
  gradients so far.
- Like ``backward()``, the pass works out its own gradients and adds them to
  what ``.grad`` held before the pass, so a second run adds a second time.
  After the last step every node, the root and the intermediate nodes
  included, holds exactly what one ``backward()`` call would leave.
- Every local derivative is computed before the first ``.grad`` changes, so an
  error (such as sqrt'(0)) leaves the graph untouched, as with ``backward()``.

This module uses only the standard library.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from autograd.backprop import local_derivatives, topological_order
from autograd.core import Value, as_float

ARROW = "->"


def node_names(root: Value) -> dict[Value, str]:
    """A readable name for every node of the graph of `root`.

    A node's own label if it has one; otherwise ``<op>#<k>`` for a computed
    node (``mul#2``) and ``const#<k>`` for an unlabelled leaf, where ``k`` is
    the node's position in `topological_order(root)`. Drawings and step texts
    use the same names, so a table row can be found in the picture.
    """
    names: dict[Value, str] = {}
    for k, node in enumerate(topological_order(root)):
        if node.label:
            names[node] = node.label
        elif node.operation is None:
            names[node] = f"const#{k}"
        else:
            names[node] = f"{node.op}#{k}"
    return names


def number(x: Any, digits: int = 4) -> str:
    """`x` (a float, or a Value whose data is used) with `digits` significant digits."""
    value = x.data if isinstance(x, Value) else float(x)
    text = f"{value:.{digits}g}"
    return "0" if text == "-0" else text


@dataclass(frozen=True)
class Contribution:
    """What one step sends to one parent (the i-th input of the node's op).

    ``contribution = local * upstream`` and ``grad_after = grad_before + contribution``
    (up to float rounding: see `backward_steps`).
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
        contributions: one `Contribution` per parent, in argument order; a parent
                  used twice (``x * x``) appears twice.
        parent_names: readable names of the parents, same order.
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


def plan_steps(root: Value, grad: float = 1.0) -> list[Step]:
    """Every step of one backward pass from `root`, WITHOUT touching ``.grad``.

    ``grad_before``/``grad_after`` are what the parents' ``.grad`` would hold if
    the steps were applied now, starting from their current ``.grad``. Raises
    the engine's error if a local derivative cannot be computed.
    """
    if not isinstance(root, Value):
        raise TypeError(f"backward_steps needs a Value as output, got {type(root).__name__}")
    seed = as_float(grad, "the starting gradient")
    order = topological_order(root)
    names = node_names(root)
    start = {node: node.grad for node in order}
    pass_grads: dict[Value, float] = {root: seed}  # this pass's gradients so far
    steps: list[Step] = []
    non_leaves = [node for node in reversed(order) if node.operation is not None]
    for index, node in enumerate(non_leaves):
        upstream = pass_grads[node]
        operation = node.operation
        count = len(node.parents)
        contributions = []
        for i, (parent, local) in enumerate(zip(node.parents, local_derivatives(node))):
            if local is None:  # a constant: it receives nothing
                continue
            contribution = local * upstream
            before = start[parent] + pass_grads[parent] if parent in pass_grads else start[parent]
            pass_grads[parent] = pass_grads.get(parent, 0.0) + contribution
            after = start[parent] + pass_grads[parent]
            contributions.append(Contribution(
                parent=parent, position=i, local=local,
                formula=operation.formula(i, count),  # type: ignore[union-attr]
                contribution=contribution, grad_before=before, grad_after=after,
            ))
        steps.append(Step(
            index=index, total=len(non_leaves), node=node, name=names[node],
            upstream=upstream, contributions=tuple(contributions),
            parent_names=tuple(names[p] for p in node.parents),
        ))
    return steps


def backward_steps(root: Value, grad: float = 1.0) -> Iterator[Step]:
    """Run ``root.backward(grad)`` one node at a time, yielding a `Step` per node.

    For each non-leaf node, in the order ``backward()`` processes them, and
    each parent p of it::

        contribution = ∂node/∂p · upstream,   p.grad += contribution

    Each step is applied before it is yielded, so between two steps the graph
    shows the gradients so far; after the last one every ``.grad`` (root and
    intermediate nodes included) equals what one ``backward()`` leaves. The
    starting gradient `grad` is added to ``root.grad`` when the generator starts. Example::

        >>> from autograd import Value
        >>> x = Value(3.0, label="x")
        >>> for step in backward_steps(x * x):
        ...     print([c.contribution for c in step.contributions], x.grad)
        [3.0, 3.0] 6.0
    """
    steps = plan_steps(root, grad)  # all derivatives first: an error changes nothing
    start = {node: node.grad for node in topological_order(root)}
    pass_grads: dict[Value, float] = {root: as_float(grad, "the starting gradient")}
    root.grad = start[root] + pass_grads[root]
    for step in steps:
        for item in step.contributions:
            parent = item.parent
            pass_grads[parent] = pass_grads.get(parent, 0.0) + item.contribution
            # start + this pass's total, exactly as backward() adds them
            parent.grad = start[parent] + pass_grads[parent]
        yield step


# ---------------------------------------------------------------------------
# Text
# ---------------------------------------------------------------------------


def format_step(step: Step, digits: int = 4) -> str:
    """A step as a block of text: the node, its upstream gradient, and one
    line per parent with the local derivative (formula and value), the
    contribution and the parent's gradient before -> after. A parent reached
    more than once in the step gets a line showing the whole accumulation.
    """
    n = lambda x: number(x, digits)
    node = step.node
    inputs = ", ".join([*step.parent_names, *(f"{p:g}" for p in node.settings)])
    lines = [
        f"step {step.index + 1}/{step.total}: {step.name} = {node.op}({inputs}) = {n(node.data)}",
        f"  upstream gradient d out/d {step.name} = {n(step.upstream)}",
    ]
    for item in step.contributions:
        parent_name = step.parent_names[item.position]
        lines.append(
            f"  -> {parent_name} (input {item.position + 1}): local {_rule(item, digits)};"
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


def _rule(item: Contribution, digits: int) -> str:
    """``d(a·b)/da = b = 3``; just ``d(a+b)/da = 1`` when the rule is a constant."""
    value = number(item.local, digits)
    if item.formula.rsplit("=", 1)[-1].strip() == value:
        return item.formula
    return f"{item.formula} = {value}"


def _repeated_parents(step: Step) -> list[tuple[Value, str]]:
    seen: dict[Value, int] = {}
    first_name: dict[Value, str] = {}
    for item in step.contributions:
        parent, name = item.parent, step.parent_names[item.position]
        seen[parent] = seen.get(parent, 0) + 1
        first_name.setdefault(parent, name)
    return [(parent, first_name[parent]) for parent, count in seen.items() if count > 1]


def format_steps(steps: Iterable[Step], digits: int = 4) -> str:
    """A whole backward pass as a table, one row per (step, parent).

    Columns: step number, node, upstream gradient, parent, local-derivative
    formula, its value, contribution = local × upstream, and the parent's
    gradient before -> after.
    """
    n = lambda x: number(x, digits)
    header = ("step", "node", "upstream", "parent", "local derivative", "local",
              "contribution", "parent grad")
    rows: list[tuple[str, ...]] = []
    for step in steps:
        for k, item in enumerate(step.contributions):
            parent_name = step.parent_names[item.position]
            first = k == 0
            rows.append((
                f"{step.index + 1}/{step.total}" if first else "",
                step.name if first else "",
                n(step.upstream) if first else "",
                parent_name, item.formula, n(item.local), n(item.contribution),
                f"{n(item.grad_before)} {ARROW} {n(item.grad_after)}",
            ))
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    line = lambda row: "  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip()
    rule = "  ".join("-" * width for width in widths)
    return "\n".join([line(header), rule, *(line(row) for row in rows)])


def print_steps(root: Value, grad: float = 1.0, digits: int = 4) -> list[Step]:
    """Run `backward_steps(root, grad)` to the end, print the table, return the steps.

    Like ``root.backward(grad)``, this adds the gradients to ``.grad``.
    """
    steps = list(backward_steps(root, grad))
    print(format_steps(steps, digits))
    return steps
