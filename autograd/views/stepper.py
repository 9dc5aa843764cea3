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

from autograd import validate
from autograd.core import Value
from autograd.views.formulas import input_letters, named_formulas, number, where_text
from autograd.views.trace import ARROW, Contribution, Step, format_step, node_names, record

__all__ = ["ARROW", "Contribution", "Step", "backward_steps", "format_step", "format_steps",
           "node_names", "number", "print_steps"]

def backward_steps(root: Value, grad: float | Value = 1.0) -> Iterator[Step]:
    """Run ``root.backward(grad)`` one node at a time, yielding a `Step` per node.

    For each non-leaf node, in the order ``backward()`` processes them, and
    each parent p of it::

        contribution = ∂node/∂p · upstream,   p.grad += contribution

    Each step is applied before it is yielded, so between two steps the graph
    shows the gradients so far; after the last one every ``.grad`` (root and
    intermediate nodes included) equals what one ``backward()`` leaves. The
    starting gradient `grad` (a number, or a Value whose data is used, as
    ``backward()`` takes it) is added to ``root.grad`` when the generator
    starts; a ``.grad`` of None counts as 0. The whole pass is recorded first
    (`autograd.views.trace.record`), so an error (a derivative that does not exist)
    changes nothing. Example::

        >>> from autograd import Value
        >>> x = Value(3.0, label="x")
        >>> for step in backward_steps(x * x):
        ...     print([c.contribution for c in step.contributions], x.grad)
        [3.0, 3.0] 6.0
    """
    trace = record(root, grad)
    if root in trace.gradients:  # the seed (a constant keeps no gradient)
        root.grad = trace.after(root)
    for step in trace.steps:
        for item in step.contributions:
            item.parent.grad = item.grad_after
        yield step


# ---------------------------------------------------------------------------
# Text
# ---------------------------------------------------------------------------


def format_steps(steps: Iterable[Step], digits: int = 4) -> str:
    """A whole backward pass as a table, one row per (step, parent).

    Columns: step number, node, upstream gradient, parent, local-derivative
    formula (in the graph's names, see `autograd.views.formulas`), its
    value, contribution = local × upstream, and the parent's gradient before ->
    after. A step whose formulas keep letters of the op (``d(a·b)/da`` for
    ``x * x``) ends with a row saying what they stand for (``where a = x, b = x``).
    """
    if isinstance(steps, Value):
        raise TypeError("format_steps takes the steps of backward_steps(root), got a Value: "
                        "call format_steps(backward_steps(root)), or print_steps(root)")
    digits = validate.integer(digits, "format_steps: digits", minimum=1, maximum=17)
    header = ("step", "node", "upstream", "parent", "local derivative", "local",
              "contribution", "parent grad")
    rows = [row for step in steps for row in _step_rows(step, digits)]
    # a where-row (only its formula cell filled) runs on past its column, not widening it
    widths = [max(len(row[i]) for row in [header, *rows] if any(row[:i] + row[i + 1:]))
              for i in range(len(header))]
    line = lambda row: "  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip()
    rule = "  ".join("-" * width for width in widths)
    return "\n".join([line(header), rule, *(line(row) for row in rows)])


def _step_rows(step: Step, digits: int) -> list[tuple[str, ...]]:
    """A step's rows of the table: one per parent, then the letters' row if needed."""
    n = lambda x: number(x, digits)
    rows: list[tuple[str, ...]] = []
    kept: dict[str, str] = {}
    formulas = named_formulas(step.node, step.parent_names,
                              [item.formula for item in step.contributions])
    for k, (item, (formula, letters)) in enumerate(zip(step.contributions, formulas)):
        first = k == 0
        rows.append((
            f"{step.index + 1}/{step.total}" if first else "",
            step.name if first else "",
            n(step.upstream) if first else "",
            step.parent_names[item.position], formula, n(item.local), n(item.contribution),
            f"{n(item.grad_before)} {ARROW} {n(item.grad_after)}",
        ))
        kept.update(letters)
    if kept:  # the inputs' letters in input order (x0, x1, not as met), then settings'
        position = input_letters(step.node)
        pairs = sorted(kept.items(), key=lambda pair: position.get(pair[0], len(position)))
        rows.append(("", "", "", "", where_text(pairs), "", "", ""))
    return rows


def print_steps(root: Value, grad: float | Value = 1.0, digits: int = 4) -> list[Step]:
    """Run `backward_steps(root, grad)` to the end, print the table, return the steps.

    Like ``root.backward(grad)``, this adds the gradients to ``.grad``.
    """
    digits = validate.integer(digits, "format_steps: digits", minimum=1, maximum=17)
    steps = list(backward_steps(root, grad))  # (digits checked first: this adds to .grad)
    print(format_steps(steps, digits))
    return steps
