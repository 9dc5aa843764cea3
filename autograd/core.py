"""The two building blocks of the engine: `Value` (a node) and `Op` (a primitive).

A `Value` holds one number (`data`), the gradient that backward passes add to
it (`grad`), and, when it was computed by an operation, that operation and the
`parents` it was computed from. It holds nothing else: no closure, no link back
from a parent to its children. So a graph has no reference cycles and Python
frees it the moment the last reference to its output is dropped.

An `Op` is one primitive operation, declared once with three things side by side:

- ``forward``: the computation on plain floats;
- ``local``: the local derivatives ∂out/∂parent, one per parent, written with
  ordinary arithmetic so that the very same rule runs on floats (first-order
  backward, forward mode) and on Values (``create_graph=True``, higher order);
- ``formula``: the text of each local derivative, shown by the stepper and graphs.

The table of built-in ops lives in `autograd.ops`; this module knows no op.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

Number = float | int


class _GradMode:
    """Whether operations record the graph (switched off by `no_grad`)."""

    enabled = True


@contextmanager
def no_grad() -> Iterator[None]:
    """Inside this block operations compute values but record no graph.

    Results are leaves (no parents), exactly like PyTorch's ``torch.no_grad()``.
    Use it for parameter updates and evaluation. Blocks may be nested.
    """
    previous = _GradMode.enabled
    _GradMode.enabled = False
    try:
        yield
    finally:
        _GradMode.enabled = previous


def is_grad_enabled() -> bool:
    """True unless inside `no_grad()`."""
    return _GradMode.enabled


def _short_repr(obj: object, limit: int = 60) -> str:
    text = repr(obj)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def as_float(data: object) -> float:
    """Return `data` as a float, or raise a TypeError that names its type.

    Accepted: int and float (and their numpy counterparts, including arrays of
    exactly one element). Refused: bool, str, None, complex, containers.
    """
    if type(data) is float:
        return data
    if isinstance(data, bool):
        raise TypeError(
            f"Value needs a real number, got bool ({data!r}); "
            f"write {float(data)} if you mean the number"
        )
    if isinstance(data, numbers.Real):
        return float(data)
    if isinstance(data, Value):
        raise TypeError(
            "Value needs a real number, got a Value; use v.detach() for a new "
            "leaf with the same data, or v.data for the number"
        )
    size = getattr(data, "size", None)
    if size == 1 and getattr(getattr(data, "dtype", None), "kind", "") in "iuf":
        return as_float(data.item())  # type: ignore[attr-defined]
    raise TypeError(
        f"Value needs a real number (int or float), got {type(data).__name__}: "
        f"{_short_repr(data)}"
    )


class Value:
    """One scalar node of a computation graph.

    >>> x = Value(3.0, label="x")
    >>> y = x * x + x
    >>> y.backward()
    >>> x.grad   # dy/dx = 2x + 1
    7.0

    Attributes:
        data:    the number (a float).
        grad:    what backward passes have added so far (0.0 at first; a Value
                 after ``backward(create_graph=True)``).
        label:   a name for drawings and tables ("" if none).
        parents: the inputs of the operation that made this node, in argument
                 order, duplicates kept (``x * x`` has ``(x, x)``); ``()`` for a leaf.
        op:      the operation's name ("" for a leaf).

    The arithmetic operators and the methods ``exp log tanh sigmoid relu abs
    sqrt sin cos`` are attached by `autograd.ops`, each from its entry in the
    op table. Equality and hashing are by identity (a node is a place in a
    graph, not a number); ``< <= > >=`` compare ``data``.
    """

    __slots__ = ("data", "grad", "label", "operation", "parents", "params", "__weakref__")

    def __init__(self, data: Number, label: str = "") -> None:
        if type(label) is not str:
            raise TypeError(f"label must be a str, got {type(label).__name__}")
        self.data: float = data if type(data) is float else as_float(data)
        self.grad: Any = 0.0
        self.label = label
        self.operation: Op | None = None  # the Op that computed this node
        self.parents: tuple[Value, ...] = ()
        self.params: tuple[float, ...] = ()  # fixed numbers of the op, e.g. the 3 of x**3

    @property
    def op(self) -> str:
        """Name of the operation that made this node ("" for a leaf)."""
        return self.operation.name if self.operation is not None else ""

    @property
    def is_leaf(self) -> bool:
        return self.operation is None

    def backward(self, grad: Number | Value = 1.0, create_graph: bool = False) -> None:
        """Add d(self)/d(node) · grad to ``.grad`` of every node of the graph.

        Gradients accumulate: each call adds, so calling it twice leaves twice
        the gradient everywhere (reset with ``autograd.zero_grad(root)``). With
        ``create_graph=True`` the gradients are Values, themselves
        differentiable. See `autograd.backprop.backward`.
        """
        from autograd.backprop import backward

        backward(self, grad, create_graph)

    def detach(self) -> Value:
        """A new leaf with the same data and label, cut off from the graph."""
        return Value(self.data, self.label)

    def __float__(self) -> float:
        return self.data

    def __repr__(self) -> str:
        parts = [f"data={self.data:.6g}", f"grad={_format_grad(self.grad)}"]
        if self.label:
            parts.append(f"label={self.label!r}")
        if self.operation is not None:
            parts.append(f"op={self.op!r}")
        return f"Value({', '.join(parts)})"

    # Ordering compares the numbers; == and hash stay by identity.
    def __lt__(self, other: object) -> bool:
        return self.data < _data_of(other, "<")

    def __le__(self, other: object) -> bool:
        return self.data <= _data_of(other, "<=")

    def __gt__(self, other: object) -> bool:
        return self.data > _data_of(other, ">")

    def __ge__(self, other: object) -> bool:
        return self.data >= _data_of(other, ">=")


def _format_grad(grad: Any) -> str:
    if isinstance(grad, Value):
        return f"Value({grad.data:.6g})"
    return f"{grad:.6g}"


def _data_of(other: object, symbol: str) -> float:
    if isinstance(other, Value):
        return other.data
    if isinstance(other, numbers.Real) and not isinstance(other, bool):
        return float(other)
    raise TypeError(f"cannot compare Value {symbol} {type(other).__name__}")


def as_value(x: object) -> Value:
    """`x` itself if it is a Value, else a new constant leaf holding it."""
    return x if isinstance(x, Value) else Value(x)  # type: ignore[arg-type]


def _all_values(inputs: Sequence[object]) -> bool:
    """True if every input is a Value (a plain loop: cheaper than a comprehension)."""
    for x in inputs:
        if not isinstance(x, Value):
            return False
    return True


# Errors that a forward computation may raise for an input outside its domain.
DOMAIN_ERRORS = (ValueError, ZeroDivisionError, OverflowError)


class Op:
    """A primitive operation: forward, local derivatives and their formula text.

    Args:
        name:    short name, e.g. ``"tanh"``; becomes the ``op`` of its nodes.
        forward: ``forward(*args) -> float`` on plain floats. ``args`` are the
                 parents' data followed by the op's fixed parameters (the ``3``
                 of ``x ** 3``). Raise ValueError, ZeroDivisionError or
                 OverflowError for inputs outside the domain.
        local:   ``local(args, out) -> sequence`` of local derivatives
                 ∂out/∂parent, one per parent. ``args`` and ``out`` are floats in
                 an ordinary backward pass and Values under ``create_graph``, so
                 write the rule with ``+ - * / **``, comparisons and the engine's
                 functions (``autograd.exp`` etc. accept floats and Values).
        formula: ``formula(i, n) -> str``: the text of the i-th of n local
                 derivatives, e.g. ``"d tanh(x)/dx = 1 - tanh(x)^2"``.
        symbol:  what a drawing shows in the op's node (defaults to ``name``);
                 may use ``{0}``, ``{1}`` for the params, e.g. ``"^{0:g}"``.
        arity:   number of parents, or None for an op on any number of them.
        num_params: number of fixed numeric parameters after the parents.

    Calling an op applies it: with at least one Value among the inputs the
    result is a new Value node; with plain numbers only, a plain float (that is
    what lets one derivative rule run on both). Most users declare ops with
    `autograd.define_op`, which builds ``local`` and ``formula`` from one
    function and one string per parent.
    """

    __slots__ = ("name", "forward", "local", "formula", "symbol", "arity", "num_params")

    def __init__(
        self,
        name: str,
        forward: Callable[..., float],
        local: Callable[[Sequence[Any], Any], Sequence[Any]],
        formula: Callable[[int, int], str],
        symbol: str | None = None,
        arity: int | None = None,
        num_params: int = 0,
    ) -> None:
        self.name = name
        self.forward = forward
        self.local = local
        self.formula = formula
        self.symbol = symbol if symbol is not None else name
        self.arity = arity
        self.num_params = num_params

    def __repr__(self) -> str:
        return f"Op({self.name!r})"

    def __call__(self, *inputs: object, params: Sequence[float] = ()) -> Any:
        """Apply the op to numbers or Values (see the class docstring)."""
        if self.arity is not None and len(inputs) != self.arity:
            raise TypeError(f"{self.name} takes {self.arity} input(s), got {len(inputs)}")
        if len(params) != self.num_params:
            raise TypeError(
                f"{self.name} takes {self.num_params} parameter(s), got {len(params)}"
            )
        if inputs and _all_values(inputs):  # the common case (dot, sum in a model)
            return self.apply(inputs, tuple(params))
        if any(isinstance(x, Value) for x in inputs):
            return self.apply(tuple([as_value(x) for x in inputs]), tuple(params))
        floats = [as_float(x) for x in inputs]
        return as_float(self.run_forward(floats + list(params)))

    def apply(self, parents: tuple[Value, ...], params: tuple[float, ...] = ()) -> Value:
        """Compute the op on `parents` (Values) and return the new node.

        This runs once per node of every graph, so it is written for speed:
        the forward call is inlined (see `run_forward` for the same error
        handling) and the node is filled in directly instead of through
        ``Value.__init__``, whose checks are for user input (here `data` is a
        float we just computed and the label is empty).
        """
        args = [p.data for p in parents]
        if params:
            args.extend(params)
        try:
            data = self.forward(*args)
        except DOMAIN_ERRORS as error:
            raise type(error)(f"{self.describe_call(args)}: {error}") from None
        if type(data) is not float:  # e.g. an int from an empty sum, or a custom op's int
            data = as_float(data)
        node = Value.__new__(Value)
        node.data = data
        node.grad = 0.0
        node.label = ""
        if _GradMode.enabled:
            node.operation = self
            node.parents = parents
            node.params = params
        else:  # no_grad: the result is a leaf
            node.operation = None
            node.parents = ()
            node.params = ()
        return node

    def run_forward(self, args: Sequence[float]) -> float:
        """`forward(*args)`, with errors that name the op and its inputs."""
        try:
            return self.forward(*args)
        except DOMAIN_ERRORS as error:
            raise type(error)(f"{self.describe_call(args)}: {error}") from None

    def describe_call(self, args: Sequence[Any]) -> str:
        """E.g. ``log(-2.0)``: how error messages show a call of this op."""
        shown = ", ".join(f"{float(a):g}" if isinstance(a, (int, float, Value)) else repr(a)
                          for a in args)
        return f"{self.name}({shown})"

    def display(self, params: Sequence[float] = ()) -> str:
        """The text of the op's node in drawings, e.g. ``tanh`` or ``^3``."""
        return self.symbol.format(*params)
