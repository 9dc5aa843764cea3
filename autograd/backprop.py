"""Reverse mode (backward, grad) and forward mode (jvp) over a recorded graph.

Both modes use only what every node carries: its op, its parents and its
params. The op's ``local`` rule gives ∂node/∂parent for each parent; the
chain rule does the rest:

- reverse mode, for each node from the output back to the inputs:
  ``grad[parent] += local · grad[node]``  (a node reached along several paths
  gets the sum of what each path brings: the multivariate chain rule);
- forward mode, for each node from the inputs to the output:
  ``tangent[node] = Σ_parents local · tangent[parent]``.

Nothing here recurses, so a chain of a million nodes is fine.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from autograd.core import DOMAIN_ERRORS, Number, Value, as_float, as_value

# Pushed above a node on the stack of `topological_order`: "every parent of the
# node below me is placed; place the node". A marker instead of a (node, flag)
# pair means no tuple is created per stack entry.
_PARENTS_DONE = object()


def topological_order(root: Value) -> list[Value]:
    """All nodes that `root` depends on, each after all of its parents.

    Depth-first search with an explicit stack instead of recursion: a node is
    appended once every parent has been appended (post-order). The root is last.
    """
    order: list[Value] = []
    visited: set[Value] = set()
    stack: list[Any] = [root]
    while stack:
        node = stack.pop()
        if node is _PARENTS_DONE:
            order.append(stack.pop())  # the node under the marker: its parents are placed
            continue
        if node in visited:
            continue
        visited.add(node)
        parents = node.parents
        if not parents:  # a leaf waits for nothing: place it now
            order.append(node)
            continue
        stack.append(node)
        stack.append(_PARENTS_DONE)  # come back to the node after its parents
        for parent in parents:
            if parent not in visited:
                stack.append(parent)
    return order


def local_derivatives(node: Value, create_graph: bool = False) -> list[Any]:
    """∂node/∂parent for each parent of `node`, from its op's rule.

    Floats normally; Values (differentiable themselves) with `create_graph`.
    """
    op = node.operation
    if op is None:
        return []
    if create_graph:
        args: Sequence[Any] = node.parents + node.params
        out: Any = node
    else:
        args = [parent.data for parent in node.parents]
        if node.params:
            args.extend(node.params)
        out = node.data
    try:
        locals_ = op.local(args, out)
    except DOMAIN_ERRORS as error:
        raise type(error)(
            f"cannot differentiate {op.describe_call(args)}: {error}"
        ) from None
    return locals_ if type(locals_) is list else list(locals_)


def gradients(root: Value, seed: Any = 1.0, create_graph: bool = False) -> dict[Value, Any]:
    """One reverse pass: d(root)/d(node) · seed for every node `root` depends on.

    Returns a dict node -> gradient and changes no node. Nodes are processed in
    reverse topological order, so a node's gradient is complete (every path
    from the root has added its share) before it is passed on to its parents.
    """
    order = topological_order(root)
    grads: dict[Value, Any] = {root: seed}
    for node in reversed(order):
        if node.operation is None:
            continue  # a leaf only receives
        upstream = grads[node]
        for parent, local in zip(node.parents, local_derivatives(node, create_graph)):
            contribution = local * upstream
            previous = grads.get(parent)
            grads[parent] = contribution if previous is None else previous + contribution
    return grads


def _seed(root: Value, grad: Number | Value, create_graph: bool) -> Any:
    if not isinstance(root, Value):
        raise TypeError(f"backward needs a Value as output, got {type(root).__name__}")
    if isinstance(grad, Value):
        return grad if create_graph else grad.data
    seed = as_float(grad)
    return Value(seed) if create_graph else seed


def backward(root: Value, grad: Number | Value = 1.0, create_graph: bool = False) -> None:
    """Add d(root)/d(node) · grad to ``node.grad`` for every node of the graph.

    The pass first computes its own gradients (`gradients`), then adds them,
    so intermediate nodes get their gradient too (drawings show it) and
    calling backward n times leaves n times the gradient everywhere; reset with
    `zero_grad`. If a derivative cannot be computed (say sqrt at 0), the error
    is raised before any ``.grad`` changes.
    """
    grads = gradients(root, _seed(root, grad, create_graph), create_graph)
    for node, node_grad in grads.items():
        if node.grad == 0.0 and type(node_grad) is float and node_grad != 0.0:
            node.grad = node_grad  # a fresh node: 0 + g is g, keep g (saves an equal float)
        else:
            node.grad = node.grad + node_grad


def grad(
    output: Value,
    inputs: Value | Iterable[Value],
    create_graph: bool = False,
) -> tuple[Any, ...]:
    """d(output)/d(input) for each input, as a tuple; ``.grad`` is not touched.

    An input that `output` does not depend on gets 0.0. With
    ``create_graph=True`` the gradients are Values, so calling `grad` on them
    again gives second (and higher) derivatives::

        (dy,) = grad(y, [x], create_graph=True)
        (d2y,) = grad(dy, [x])
    """
    inputs = [inputs] if isinstance(inputs, Value) else list(inputs)
    for x in inputs:
        if not isinstance(x, Value):
            raise TypeError(f"grad: inputs must be Values, got {type(x).__name__}")
    if not isinstance(output, Value):  # a constant: every derivative is 0
        return tuple(Value(0.0) if create_graph else 0.0 for _ in inputs)
    grads = gradients(output, _seed(output, 1.0, create_graph), create_graph)
    zero = Value(0.0) if create_graph else 0.0
    return tuple(grads.get(x, zero) for x in inputs)


def zero_grad(root: Value) -> None:
    """Set ``.grad`` to 0.0 on every node of the graph of `root`."""
    for node in topological_order(root):
        node.grad = 0.0


def jvp(
    f: Callable[..., Any],
    inputs: Sequence[Any],
    tangents: Sequence[Number],
) -> tuple[float, float]:
    """Forward mode: ``(f(*inputs).data, Σ_i ∂f/∂input_i · tangent_i)``.

    `f` is called with Values, one positional argument per input. The tangent
    (the directional derivative) flows from the inputs to the output through
    the same local-derivative rules backward uses: one pass per direction,
    where reverse mode needs one pass per output.
    """
    inputs = list(inputs)
    tangents = list(tangents)
    if len(inputs) != len(tangents):
        raise ValueError(f"jvp: {len(inputs)} input(s) but {len(tangents)} tangent(s)")
    values = [as_value(x) for x in inputs]
    output = f(*values)
    if not isinstance(output, Value):
        return as_float(output), 0.0
    tangent: dict[Value, float] = {}
    for value, t in zip(values, tangents):
        tangent[value] = tangent.get(value, 0.0) + as_float(t)
    seeded = set(tangent)
    for node in topological_order(output):
        if node.operation is None or node in seeded:
            continue
        locals_ = local_derivatives(node)
        tangent[node] = sum(
            local * tangent.get(parent, 0.0) for parent, local in zip(node.parents, locals_)
        )
    return output.data, tangent.get(output, 0.0)
