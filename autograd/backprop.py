"""Derivatives without touching ``.grad`` (grad), forward mode (jvp), and helpers.

Both modes use only what every node carries, its op, its parents and its
settings, and the same local-derivative rules; the chain rule does the rest:

- reverse mode (`grad`, and `Value.backward` in autograd/core.py), for each node
  from the output back to the inputs: ``grad[parent] += local · grad[node]``;
  one pass gives the derivative with respect to every input;
- forward mode (`jvp`), for each node from the inputs to the output:
  ``tangent[node] = Σ_parents local · tangent[parent]``; one pass gives the
  derivative along one direction of the inputs.

Local derivatives are computed only where a derivative is needed: never with
respect to a constant, and only along paths from the inputs asked about. Nothing
here recurses, so a chain of a million nodes is fine.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from autograd import validate
from autograd.core import (
    NOTHING_YET,
    Constant,
    Value,
    as_float,
    backward,
    clear_marks,
    isfinite,
    marked_order,
    one_pass,
    overflow_error,
    propagate,
    seed_of,
    topological_order,
)
from autograd.one_pass import recording

__all__ = ["backward", "gradients", "grad", "jvp", "local_derivatives", "recompute",
           "topological_order", "zero_grad"]


def grad(
    output: Value | Any,  # checked below (a number is a constant function)
    inputs: Value | Iterable[Value],
    create_graph: object = False,
) -> tuple[Any, ...]:
    """d(output)/d(input) for each input, as a tuple; ``.grad`` is not touched.

    An input that `output` does not depend on gets 0.0, and so does every input when
    `output` is a plain number (a constant function); anything else as the output (a
    list of outputs, None, an array) is a TypeError: ask one output at a time. Only the
    paths from the inputs to the output are differentiated, but the whole graph must be
    current (StaleGraphError if a ``.data`` changed after it was built).

    With ``create_graph=True`` the gradients are Values, so calling `grad` on them
    again gives second (and higher) derivatives::

        (dy,) = grad(y, [x], create_graph=True)
        (d2y,) = grad(dy, [x])
    """
    create_graph = validate.flag(create_graph, "grad: create_graph")
    if callable(output) and not isinstance(output, Value):
        _check_plain_number(output)  # a function: its own message, before the inputs'
    if not isinstance(inputs, (Value, Iterable)):
        raise TypeError("grad: inputs must be a Value or a sequence of Values, got "
                        f"{type(inputs).__name__}")
    given: list[object] = [inputs] if isinstance(inputs, Value) else list(inputs)
    for x in given:
        if not isinstance(x, Value):
            raise TypeError(f"grad: inputs must be Values, got {type(x).__name__}")
    inputs = [x for x in given if isinstance(x, Value)]  # every one, now typed as a Value
    zero = Value(0.0) if create_graph else 0.0
    if not isinstance(output, Value):
        _check_plain_number(output)  # a constant function: every derivative is 0
        return tuple(zero for _ in inputs)
    seed = seed_of(output, 1.0, create_graph)
    with one_pass(record=create_graph):
        order = marked_order(output, include_constants=True)
        try:
            _keep_paths_from(order, inputs)
            if output._pass is None:  # no input reaches the output
                return tuple(zero for _ in inputs)
            output._pass = seed
            propagate(order, create_graph)
            found = tuple(zero if x._pass is None or x._pass is NOTHING_YET else x._pass
                          for x in inputs)
            if not create_graph and not all(map(isfinite, found)):
                raise overflow_error(order)  # (a Value, under create_graph, is finite)
            return found
        finally:
            clear_marks(order)


def _check_plain_number(output: object) -> None:
    """A number is a constant function (gradient 0); anything else is a mistake."""
    if isinstance(output, numbers.Real) and not isinstance(output, bool):
        as_float(output, "grad's output")  # nan or inf is no constant function
        return
    hint = (": call grad one output at a time, or on their sum"
            if isinstance(output, (list, tuple)) or hasattr(output, "shape") else
            ": grad(y, [x]) differentiates a y already computed from Values (as "
            "torch.autograd.grad), not a function (as JAX's grad(f)); compute y = f(x) first"
            if callable(output) else "")
    raise TypeError("grad: the output must be a Value (or a plain number, whose gradient "
                    f"is 0), got {type(output).__name__}{hint}")


def _keep_paths_from(order: list[Value], inputs: Sequence[Value]) -> None:
    """Unmark every node of `order` that no input reaches (parents come first).

    A node off those paths takes no part in the pass, but the graph must still be
    current there: its data feeds the nodes on the paths (`check_current`).
    """
    sources = set(inputs)
    for node in order:
        reached = node in sources or any(p._pass is not None for p in node.parents)
        if not reached and node.operation is not None:
            node.operation.check_current(node)
        node._pass = NOTHING_YET if reached else None


def gradients(root: Value, grad: Any = 1.0, create_graph: object = False) -> dict[Value, Any]:
    """One reverse pass from `root`: {node: d(root)/d(node) · grad} for every node that
    takes part (constants do not); ``.grad`` is not touched."""
    create_graph = validate.flag(create_graph, "gradients: create_graph")
    seed = seed_of(root, grad, create_graph)
    with one_pass(record=create_graph):
        order = marked_order(root, include_constants=False)
        try:
            if not order:
                return {}
            root._pass = seed
            propagate(order, create_graph)
            if not create_graph and not all(isfinite(node._pass) for node in order):
                raise overflow_error(order)
            return {node: node._pass for node in order}
        finally:
            clear_marks(order)


# ---------------------------------------------------------------------------
# Forward mode
# ---------------------------------------------------------------------------

# How many jvp calls are evaluating their function right now (in this thread): a
# jvp inside another one returns Values, so forward mode nests.
_jvp_depth: ContextVar[int] = ContextVar("autograd_jvp_depth", default=0)


@contextmanager
def _inside_jvp() -> Iterator[None]:
    token = _jvp_depth.set(_jvp_depth.get() + 1)
    try:
        yield
    finally:
        _jvp_depth.reset(token)


def jvp(
    f: Callable[..., Any],
    inputs: Sequence[Any],
    tangents: Sequence[Any],
    create_graph: object = False,
) -> tuple[Any, Any]:
    """Forward mode: ``(f(*inputs), Σ_i ∂f/∂input_i · tangent_i)``.

    `f` is called with Values, one positional argument per input (numbers become
    new leaves; Values are used as they are, and the same Value given twice is two
    inputs, each with its own tangent, as in `gradcheck`). The tangent (the directional
    derivative) flows from the inputs to the output through the same local
    rules backward uses: one pass per direction, where reverse mode needs one
    pass per output.

    Returns floats ``(f.data, tangent)``, or Values with ``create_graph=True``,
    and also when this jvp runs inside the function of another jvp: then both
    are differentiable, so forward mode nests in itself (``jvp`` of a ``jvp``)
    and in reverse mode (``grad`` of a tangent gives a mixed second derivative).
    """
    create_graph = validate.flag(create_graph, "jvp: create_graph")
    for given, what in ((inputs, "inputs"), (tangents, "tangents")):
        if not isinstance(given, Iterable):
            raise TypeError(f"jvp: {what} must be a sequence, got {type(given).__name__}")
    inputs, tangents = list(inputs), list(tangents)
    validate.function(f, "jvp: f", len(inputs))
    if len(inputs) != len(tangents):
        raise ValueError(f"jvp: {len(inputs)} input(s) but {len(tangents)} tangent(s)")
    differentiable = create_graph or _jvp_depth.get() > 0
    values: list[Value] = []
    seeds: dict[Value, Any] = {}
    for x, tangent in zip(inputs, tangents):
        value = x if isinstance(x, Value) else Value(x)
        if value in seeds:  # the same Value again is an input of its own (as in gradcheck):
            with recording(True):  # a node equal to it, which takes its own tangent
                value = value + 0.0
        if not isinstance(tangent, Value):
            tangent = as_float(tangent, "a tangent")
            if differentiable:  # a leaf, so every tangent computed from it is a Value
                tangent = Value(tangent)
        elif not differentiable:
            tangent = tangent.data
        values.append(value)
        seeds[value] = tangent
    with _inside_jvp(), recording(True):  # forward mode needs f's graph, even in no_grad
        output = f(*values)
    if not isinstance(output, Value):
        number = as_float(output, "f's result")
        return (Value(number), Value(0.0)) if differentiable else (number, 0.0)
    tangent = _forward_pass(output, seeds, differentiable)
    if differentiable:
        if tangent is None:
            return output, Value(0.0)
        return output, tangent if isinstance(tangent, Value) else Value(tangent)
    return output.data, 0.0 if tangent is None else tangent


def _forward_pass(output: Value, seeds: dict[Value, Any], differentiable: bool) -> Any:
    """The tangent of `output`, given those of the inputs (None: no input reaches it)."""
    with one_pass(record=differentiable):
        order = marked_order(output, include_constants=True)
        try:
            for node in order:  # parents before children: their tangents are ready
                if node in seeds:
                    node._pass = seeds[node]
                    continue
                node._pass = None
                operation = node.operation
                if operation is None:
                    continue
                if all(p._pass is None for p in node.parents):
                    operation.check_current(node)  # off the paths, but its data is used
                    continue
                total: Any = 0.0
                for parent, local in zip(node.parents,
                                         operation.local_derivatives_in_pass(node, differentiable)):
                    if parent._pass is not None:  # parents that no input reaches add nothing
                        total = total + local * parent._pass
                if not differentiable and not isfinite(total):
                    raise _not_finite_tangent(node, total)
                node._pass = total
            return output._pass
        finally:
            clear_marks(order)


def _not_finite_tangent(node: Value, tangent: float) -> OverflowError:
    """Say why the tangent of `node` is not finite: a local derivative, or the product."""
    operation = node.operation
    assert operation is not None  # a leaf's tangent is a seed, checked by as_float
    call = operation.describe_call([*(p.data for p in node.parents), *node.settings])
    locals_ = operation.local_derivatives_in_pass(node, False)
    for i, (parent, local) in enumerate(zip(node.parents, locals_)):
        if parent._pass is not None and not isfinite(local):
            return OverflowError(f"jvp: the local derivative of {call} with respect to its "
                                 f"input {i + 1} is {local}, not a finite float")
    return OverflowError(f"jvp: the tangent overflows at {call}: the directional derivative "
                         f"there is {tangent}")


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------


def local_derivatives(node: object, create_graph: object = False) -> list[Any]:
    """∂node/∂parent for each parent of `node`, from its op's rule.

    Floats, or Values (differentiable themselves) with `create_graph`; None for a
    constant parent (no derivative is computed for it). Raises StaleGraphError if
    the node no longer equals its op applied to its parents, and OverflowError
    naming the op if a derivative is not a finite float.
    """
    if not isinstance(node, Value):
        raise TypeError(f"local_derivatives needs a Value, got {type(node).__name__}")
    create_graph = validate.flag(create_graph, "local_derivatives: create_graph")
    operation = node.operation
    if operation is None:
        return []
    operation.check_current(node)
    args: list[Any] = [p.data for p in node.parents]
    args.extend(node.settings)
    wanted = [type(p) is not Constant for p in node.parents]
    if create_graph:
        with recording(True):
            return operation.derivatives_at([*node.parents, *node.settings], node, wanted)
    found = operation.derivatives_at(args, node.data, wanted)
    for i, local in enumerate(found):
        if local is not None and not isfinite(local):
            raise OverflowError(f"the local derivative of {operation.describe_call(args)} "
                                f"with respect to its input {i + 1} is {local}, not a "
                                "finite float")
    return found


def recompute(root: object) -> None:
    """Run every node's forward again, from the leaves' current ``.data``.

    Change an input or a parameter (``x.data = 0.3``), call ``recompute(y)``, and every
    node of y's graph holds what building the graph again at the new point would give;
    the graph is current again, so ``y.backward()`` works. Nodes are visited parents
    first (topological order), each computed with its op's forward on its parents'
    new data and its settings. All new numbers are worked out before any is written:
    an error (a leaf's data set to nan or a str; ``log`` of a number now negative; an
    overflow) names the leaf, or the op and its inputs, and leaves every node as it
    was. ``.grad`` is not touched.
    """
    if not isinstance(root, Value):
        raise TypeError(f"recompute needs a Value, got {type(root).__name__}")
    order = topological_order(root)
    new: dict[Value, float] = {}
    for node in order:
        operation = node.operation
        if operation is None:
            new[node] = _leaf_data(node)
        else:
            args = [new[parent] for parent in node.parents]
            args.extend(node.settings)
            new[node] = operation.evaluate(args)  # errors name the op and its inputs
    for node, data in new.items():
        node.data = data


def _leaf_data(leaf: Value) -> float:
    """A leaf's data as a finite float (a user may have set it to anything)."""
    data = leaf.data
    if type(data) is float and isfinite(data):
        return data
    name = repr(leaf.label) if leaf.label else "a leaf"
    return as_float(data, f"recompute: the leaf {name}")


def zero_grad(root: object) -> None:
    """Set ``.grad`` to 0.0 on every node of the graph of `root`."""
    for node in topological_order(root):
        node.grad = 0.0
