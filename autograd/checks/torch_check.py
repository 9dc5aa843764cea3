"""Check the engine against PyTorch: replay a recorded graph with torch ops.

`check_against_torch(root)` walks the graph of `root` (`topological_order`:
every node after its parents) and computes each node again with PyTorch, on
0-d float64 tensors: a leaf becomes a tensor that requires a gradient, and a
node with op "sin" becomes ``torch.sin`` of its parents' tensors. Then the
gradient of the output with respect to each leaf,

    ∂f/∂x  from the engine (`autograd.grad`)   vs   ∂f/∂x  from ``torch.autograd.grad``,

is compared entry by entry in a `GradcheckReport`. Both are exact derivatives
computed in float64 by two independent implementations, so they agree to
rounding (about 1e-15 per op): a wrong derivative rule shows up as an error
many orders of magnitude larger. With ``order=2`` the second derivatives
∂²f/∂x∂y (the Hessian) are compared as well.

The ops are mapped to torch by name, in one table (`builtin_torch_ops`). Each
entry is called like the op's forward: with the parents' tensors followed by
the op's fixed numbers (the 3 of ``x ** 3``). For your own ops, pass their
torch twins: ``check_against_torch(root, torch_ops={"cube": lambda x: x ** 3})``.

PyTorch is optional: it is imported when the check runs, never by ``import autograd``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType
from typing import Any

from autograd import validate
from autograd.backprop import grad, topological_order
from autograd.checks.check_report import CheckEntry, GradcheckReport, compare
from autograd.core import Constant, Value

__all__ = ["builtin_torch_ops", "check_against_torch"]

# Two float64 implementations of the same derivatives differ by rounding only:
# about 1e-16 relative per op, growing with the size of the graph.
ATOL = 1e-10
RTOL = 1e-9

INSTALL_HINT = (
    "install a CPU build of PyTorch with: "
    "pip install torch --index-url https://download.pytorch.org/whl/cpu"
)

TorchFunction = Callable[..., Any]


def import_torch(what: str) -> Any:
    """``import torch``, or an ImportError that names `what` needs it and how to install a
    CPU build (torch is the optional extra ``torch``; nothing imports it before this)."""
    try:
        import torch
    except ImportError as error:
        raise ImportError(f"{what} needs PyTorch, which is not installed; {INSTALL_HINT}") \
            from error
    return torch


@functools.cache
def builtin_torch_ops() -> Mapping[str, TorchFunction]:
    """The torch twin of every built-in op, by op name (imports torch; read-only).

    Each is called like the op's forward: ``twin(*parent_tensors, *settings)``.
    Add or replace twins with `check_against_torch`'s ``torch_ops``.
    """
    torch = import_torch("check_against_torch")
    functional = torch.nn.functional

    def stacked(xs: Sequence[Any]) -> Any:
        return torch.stack(list(xs))

    def dot(*args: Any) -> Any:  # parents: w0..w(n-1), then x0..x(n-1)
        n = len(args) // 2
        return torch.dot(stacked(args[:n]), stacked(args[n:]))

    def power(a: Any, b: Any) -> Any:  # a ** b with both parents
        # torch.pow's rule takes the slope in a as a constant 0 when b == 0, so its
        # ∂²/∂a∂b there is 0 instead of 1/a; e^(b·ln a) is differentiated exactly.
        return torch.exp(b * torch.log(a)) if a > 0 else torch.pow(a, b)

    return MappingProxyType({
        "add": torch.add,
        "sub": torch.sub,
        "mul": torch.mul,
        "div": torch.div,
        "pow": torch.pow,  # x ** n, n a setting
        "pow_value": power,
        "neg": torch.neg,
        "exp": torch.exp,
        "log": torch.log,
        "tanh": torch.tanh,
        "sigmoid": torch.sigmoid,
        "relu": torch.relu,
        "abs": torch.abs,
        "sqrt": torch.sqrt,
        "sin": torch.sin,
        "cos": torch.cos,
        "tan": torch.tan,
        "sinh": torch.sinh,
        "cosh": torch.cosh,
        "asin": torch.asin,
        "acos": torch.acos,
        "atan": torch.atan,
        "atan2": torch.atan2,  # atan2(y, x): the angle of the point (x, y)
        "log1p": torch.log1p,
        "expm1": torch.expm1,
        "log2": torch.log2,
        "log10": torch.log10,
        "maximum": torch.maximum,
        "minimum": torch.minimum,
        # log(1 + e^x) exactly (F.softplus switches to x above x = 20)
        "softplus": lambda x: torch.logaddexp(x, torch.zeros_like(x)),
        "leaky_relu": lambda x, slope: functional.leaky_relu(x, slope),
        "clamp": lambda x, low, high: torch.clamp(x, low, high),
        "mod": torch.remainder,  # Python's %: the result has the sign of the divisor
        "sum": lambda *xs: stacked(xs).sum(),
        "dot": dot,
        "logsumexp": lambda *xs: torch.logsumexp(stacked(xs), dim=0),
    })


def _is_constant(node: Value) -> bool:
    """A number written in an expression (the 2 of ``x * 2``), which keeps no gradient."""
    return isinstance(node, Constant)


def check_against_torch(
    root: Value,
    order: int = 1,
    *,
    torch_ops: Mapping[str, TorchFunction] | None = None,
    atol: float = ATOL,
    rtol: float = RTOL,
    raise_on_failure: bool = False,
) -> GradcheckReport:
    """Compare the engine's derivatives of `root` with PyTorch's, leaf by leaf.

    The graph of `root` is replayed with torch ops on 0-d float64 tensors (see
    the module docstring). The report has one entry for the output's value, then
    one per leaf (named by its label, else ``leaf<i>`` in topological order) with
    ∂root/∂leaf from `autograd.grad` and from ``torch.autograd.grad``; with
    ``order=2`` also one per pair of leaves, ``∂²f/∂x∂y``. An entry passes when
    |engine − torch| <= atol + rtol·|torch|.

    Args:
        root:      the output Value; its graph is read, never changed (not even ``.grad``).
        order:     1 for gradients, 2 for gradients and second derivatives.
        torch_ops: torch twins of your own ops, by op name, each called like the
                   op's forward (parent tensors, then settings); they may also
                   replace a built-in twin.
        atol, rtol: tolerances (defaults leave room for rounding only).
        raise_on_failure: raise AssertionError with the table if an entry fails.

    An op that has no twin is a ValueError that names it, raised before torch
    computes anything. Needs PyTorch (the ``torch`` extra).
    """
    if not isinstance(root, Value):
        raise TypeError(f"check_against_torch needs a Value, got {type(root).__name__}")
    if isinstance(order, bool) or order not in (1, 2):
        raise ValueError(f"check_against_torch: order must be 1 or 2, got {order!r}")
    validate.non_negative(atol, "check_against_torch: atol")
    validate.non_negative(rtol, "check_against_torch: rtol")
    validate.flag(raise_on_failure, "check_against_torch: raise_on_failure")
    extra = _checked_twins(torch_ops)
    torch = import_torch("check_against_torch")
    table = {**builtin_torch_ops(), **extra}
    nodes = topological_order(root)
    _check_every_op_has_a_twin(nodes, table)
    leaves = [node for node in nodes if not node.parents and not _is_constant(node)]
    if not leaves:
        raise ValueError("check_against_torch: the graph has no leaf to differentiate by")
    names = _leaf_names(leaves)

    tensors = _replay(torch, nodes, table)
    output = tensors[root]
    inputs = [tensors[leaf] for leaf in leaves]
    entries = [compare(f"{root.label or 'output'} (value)", root.data, [output.item()],
                        atol, rtol)]
    ours = [float(g) for g in grad(root, leaves)]
    theirs = _torch_grads(torch, output, inputs, create_graph=False)
    entries += [compare(name, a, [float(b)], atol, rtol)
                for name, a, b in zip(names, ours, theirs)]
    if order == 2:
        entries += _second_derivatives(torch, root, leaves, names, output, inputs, atol, rtol)
    report = GradcheckReport("check_against_torch", ("engine", "torch"), entries,
                             f"order={order}, atol={atol:g}, rtol={rtol:g}")
    if raise_on_failure:
        report.raise_if_failed()
    return report


def _checked_twins(torch_ops: Mapping[str, TorchFunction] | None) -> dict[str, TorchFunction]:
    if torch_ops is None:
        return {}
    if not isinstance(torch_ops, Mapping):
        raise TypeError("check_against_torch: torch_ops must be a dict of op name -> torch "
                        f"function, got {type(torch_ops).__name__}")
    for name, twin in torch_ops.items():
        if not isinstance(name, str) or not callable(twin):
            raise TypeError(f"check_against_torch: torch_ops[{name!r}] must be a function "
                            f"(keyed by the op's name), got {type(twin).__name__}")
    return dict(torch_ops)


def _check_every_op_has_a_twin(nodes: Sequence[Value], table: Mapping[str, Any]) -> None:
    missing: dict[str, int] = {}
    for node in nodes:
        if node.parents and node.op not in table:
            missing[node.op] = missing.get(node.op, 0) + 1
    if missing:
        listed = ", ".join(f"{name!r} ({count} node{'s' if count > 1 else ''})"
                           for name, count in missing.items())
        example = next(iter(missing))
        raise ValueError(
            f"check_against_torch: no torch function for op {listed}; pass its twin, "
            f"called like the op's forward, e.g. torch_ops={{{example!r}: lambda x: ...}}"
        )


def _leaf_names(leaves: Sequence[Value]) -> list[str]:
    """Each leaf's label when it names one leaf only; else ``leaf<i>`` (plus the label)."""
    counts: dict[str, int] = {}
    for leaf in leaves:
        counts[leaf.label] = counts.get(leaf.label, 0) + 1
    names = []
    for i, leaf in enumerate(leaves):
        if leaf.label and counts[leaf.label] == 1:
            names.append(leaf.label)
        else:
            names.append(f"leaf{i} {leaf.label}".rstrip())
    return names


def _replay(torch: Any, nodes: Sequence[Value], table: Mapping[str, TorchFunction]
            ) -> dict[Value, Any]:
    """One 0-d float64 tensor per node, computed by torch from its parents' tensors."""
    tensors: dict[Value, Any] = {}
    for node in nodes:
        if not node.parents:  # a leaf (or an op on no input): a number
            tensors[node] = torch.tensor(node.data, dtype=torch.float64,
                                         requires_grad=not _is_constant(node))
            continue
        args = [tensors[parent] for parent in node.parents]
        try:
            result = table[node.op](*args, *node.settings)
        except Exception as error:  # a twin that does not fit its op (often a custom one)
            shown = ", ".join(f"{a:g}" for a in [*(t.item() for t in args), *node.settings])
            raise RuntimeError(f"check_against_torch: the torch twin of {node.op!r} failed "
                               f"on ({shown}): {error}") from error
        if not isinstance(result, torch.Tensor) or result.dim() != 0 or \
                result.dtype != torch.float64:
            got = (f"a tensor of shape {tuple(result.shape)} and dtype {result.dtype}"
                   if isinstance(result, torch.Tensor) else type(result).__name__)
            raise TypeError(f"check_against_torch: the torch twin of {node.op!r} must "
                            f"return a 0-d float64 tensor, got {got}")
        tensors[node] = result
    return tensors


def _torch_grads(torch: Any, output: Any, inputs: Sequence[Any], create_graph: bool
                 ) -> list[Any]:
    """d output / d input for each input (0.0 where torch has no path)."""
    if not output.requires_grad:  # the output depends on no leaf
        return [0.0 for _ in inputs]
    grads = torch.autograd.grad(output, inputs, allow_unused=True, retain_graph=True,
                                create_graph=create_graph)
    return [0.0 if g is None else g for g in grads]


def _second_derivatives(
    torch: Any, root: Value, leaves: Sequence[Value], names: Sequence[str],
    output: Any, inputs: Sequence[Any], atol: float, rtol: float,
) -> list[CheckEntry]:
    """Entries ∂²f/∂x_i∂x_j: the engine's grad of grad vs torch's grad of grad."""
    ours = [[float(h) for h in grad(first, leaves)]
            for first in grad(root, leaves, create_graph=True)]
    theirs = []
    for first in _torch_grads(torch, output, inputs, create_graph=True):
        if isinstance(first, float) or not first.requires_grad:  # a constant derivative
            theirs.append([0.0] * len(inputs))
        else:
            theirs.append([float(h) for h in _torch_grads(torch, first, inputs, False)])
    entries = []
    for i, name_i in enumerate(names):
        for j, name_j in enumerate(names):
            name = f"∂²f/∂{name_i}²" if i == j else f"∂²f/∂{name_i}∂{name_j}"
            entries.append(compare(name, ours[i][j], [theirs[i][j]], atol, rtol))
    return entries
