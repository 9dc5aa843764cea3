"""The engine's heart: `Value`, a node of a computation graph, the reverse pass, and `Op`.

Read it in this order: `Value` (its operators, then `Value.backward`), the passes
right below it (`marked_order`, `propagate`), then `Op`, whose `send` is the chain rule
at one node. docs/reading-the-engine.md follows one neuron through it.

A `Value` holds one number (``data``), the gradient that backward passes add to it
(``grad``), a ``label`` for drawings and tables, and, when an op computed it, that
op (``operation``) and its ``parents``. It holds no closure and no link from a
parent to its children, so a graph has no reference cycles: Python frees it the
moment its output is dropped.

Each operator and method of `Value` is one line that applies its entry of the op
table (`autograd.ops`: forward, local derivatives and formula text, declared once).
`Value.backward` is the whole chain rule:

    for each node, from the output back to the inputs (reverse topological order):
        for each parent:  parent's gradient += ∂node/∂parent · node's gradient

Two rules hold for every Value:

- **its data is a finite float.** Making a Value from nan or ±inf raises
  ValueError; an op whose result is not finite raises (OverflowError, or
  ValueError for nan) naming the op and its inputs; so does a backward pass whose
  gradient overflows, before it changes any ``.grad``. A Value never holds nan or inf.
- **numbers are constants.** A number written next to a Value (the 2 of
  ``x * 2``) becomes a `Constant` leaf. Constants never receive a gradient, so no
  derivative is ever computed with respect to one.
"""

from __future__ import annotations

import math
import numbers
import pickle
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Final, SupportsFloat, Union

from autograd.errors import NanError, StaleGraphError
from autograd.one_pass import graph_recording, one_pass
from autograd.validate import flag, integer, shown

# What user input may be: any real number (int, float, numpy's). Checked by `as_float`
# at run time (a Protocol, so a compiled build checks nothing more itself).
Number = SupportsFloat
Operand = Union["Value", SupportsFloat]

# Errors a forward computation or a derivative rule raises for inputs outside its domain.
DOMAIN_ERRORS = (ValueError, ZeroDivisionError, OverflowError)

isfinite = math.isfinite
# `-INF < x < INF` says x is finite (nan compares false); unlike isfinite(x) it needs no
# call, neither in CPython nor compiled.
INF: Final = math.inf

# ---------------------------------------------------------------------------
# Value
# ---------------------------------------------------------------------------

#: True when this module runs compiled with mypyc (`make fast`), False in pure Python.
compiled = not __file__.endswith(".py")  # a compiled module is a .so (or .pyd) file


class Value:
    """One scalar node of a computation graph.

    >>> x = Value(3.0, label="x")
    >>> y = x * x + x
    >>> y.backward()
    >>> x.grad   # dy/dx = 2x + 1
    7.0

    Attributes:
        data:      the number, always a finite float.
        grad:      what backward passes have added so far (0.0 at first; a Value
                   after ``backward(create_graph=True)``).
        label:     a name for drawings and tables ("" if none).
        parents:   the inputs of the op that made this node, in argument order,
                   duplicates kept (``x * x`` has ``(x, x)``); ``()`` for a leaf.
        settings:  the op's fixed numbers (``(3.0,)`` for ``x ** 3``), else ``()``.
        operation: the `Op` that made this node (None for a leaf); ``op`` is its name.

    Equality and hashing are by identity (a node is a place in a graph, not a
    number); ``< <= > >=`` compare ``data``.
    """

    # A node of one or two inputs keeps them in `_a` and `_b` (`_b` None for one):
    # no tuple per node, half the objects for the garbage collector to track. Any
    # other node (sum, dot, an op with settings) keeps its parents as a tuple in
    # `_a` and its settings as a tuple in `_b`. A leaf has None in both.
    # `_pass` is scratch space for the passes below (this pass's gradient or tangent);
    # None outside a pass.
    __slots__ = ("data", "grad", "label", "operation", "_a", "_b", "_pass")

    def __init__(self, data: Number, label: str | Any = "") -> None:
        if type(label) is not str:  # (Any: a compiled build leaves the check to this line)
            raise TypeError(f"label must be a str, got {type(label).__name__}")
        self.data: float = data if type(data) is float and -INF < data < INF else as_float(data)
        self.grad: Any = 0.0
        self.label = label
        self.operation: Op | None = None
        self._a: Any = None
        self._b: Any = None
        self._pass: Any = None

    # -- what a node is ------------------------------------------------------

    @property
    def parents(self) -> tuple[Value, ...]:
        """The inputs of the op that made this node, in argument order (``()`` for a leaf)."""
        a = self._a
        if a is None or type(a) is tuple:
            return a or ()
        return (a,) if self._b is None else (a, self._b)

    @property
    def settings(self) -> tuple[float, ...]:
        """The op's fixed numbers (``(3.0,)`` for ``x ** 3``), else ``()``."""
        return self._b if type(self._a) is tuple else ()

    @property
    def op(self) -> str:
        """Name of the operation that made this node ("" for a leaf)."""
        return self.operation.name if self.operation is not None else ""

    @property
    def is_leaf(self) -> bool:
        return self.operation is None

    def item(self) -> float:
        """The number, like PyTorch's ``tensor.item()``: the same as ``.data``."""
        return self.data

    def __float__(self) -> float:
        return self.data

    def __format__(self, spec: str) -> str:
        """``f"{loss:.4f}"`` formats the number, as for a PyTorch scalar; ``f"{loss}"``
        is ``str(loss)``."""
        return format(self.data, spec) if spec else str(self)

    def __bool__(self) -> bool:
        """``if v:`` tests the number, like a PyTorch scalar tensor: False only for 0."""
        return self.data != 0.0

    def __reduce__(self) -> tuple[Any, ...]:
        """For pickle and `copy.deepcopy`: the node rebuilt from its class, number, label,
        gradient, op (by its registered name, `Op.__reduce__`) and inputs."""
        return (_rebuilt, (type(self), self.data, self.label, self.grad, self.operation,
                           self._a, self._b))

    def detach(self) -> Value:
        """A new leaf with the same data and label, cut off from the graph."""
        return Value(self.data, self.label)

    def backward(self, grad: Number | Value = 1.0, create_graph: object = False) -> None:
        """Add d(self)/d(node) · grad to ``node.grad`` for every node of the graph.

        The chain rule, node by node from this output back to the leaves (the
        passes below this class). This pass first works out its own gradients,
        then adds them, so intermediate nodes get their gradient too (drawings show
        it) and calling backward n times leaves n times the gradient everywhere
        (reset with `autograd.zero_grad`). Constants keep 0.0; a ``.grad`` of None
        counts as 0 (PyTorch's habit). With ``create_graph=True`` the gradients
        are Values, themselves differentiable. If a derivative cannot be computed
        (say sqrt at 0), the graph is out of date, or a gradient overflows, the
        error is raised before any ``.grad`` changes.
        """
        # (typed object, so that the compiled build, too, says this of a 1 or a "no")
        create_graph = flag(create_graph, "backward: create_graph")
        seed = seed_of(self, grad, create_graph)
        # passes run one at a time: they keep their numbers in `_pass`
        with one_pass(record=create_graph):
            order = marked_order(self, include_constants=False)  # each node after its parents
            if not order:
                return  # a constant: it keeps no gradient
            try:
                self._pass = seed
                propagate(order, create_graph)  # now each node's _pass is d self/d node
                for node in order:  # each node's new .grad, all checked before any is written
                    old, gradient = node.grad, node._pass
                    if type(old) is float and type(gradient) is float \
                            and -INF < old + gradient < INF:
                        node._pass = old + gradient  # the usual case, without a call
                    else:
                        node._pass = _accumulated(node, order)  # Values, None, or an overflow
            except BaseException:
                clear_marks(order)
                raise
            for node in order:
                node.grad = node._pass
                node._pass = None

    def __repr__(self) -> str:
        grad = self.grad
        shown = f"Value({grad.data:.6g})" if isinstance(grad, Value) else \
            "None" if grad is None else f"{grad:.6g}"
        parts = [f"data={self.data:.6g}", f"grad={shown}"]
        if self.label:
            parts.append(f"label={self.label!r}")
        if self.operation is not None:
            parts.append(f"op={self.op!r}")
        return f"{type(self).__name__}({', '.join(parts)})"

    # -- == and hash are by identity (object's); ordering compares the numbers ---

    def __hash__(self) -> int:  # spelled out for a compiled build (see below the class)
        return id(self)

    def __lt__(self, other: object) -> bool:
        return self.data < _data_of(other, "<")

    def __le__(self, other: object) -> bool:
        return self.data <= _data_of(other, "<=")

    def __gt__(self, other: object) -> bool:
        return self.data > _data_of(other, ">")

    def __ge__(self, other: object) -> bool:
        return self.data >= _data_of(other, ">=")

    # -- operators: each applies its entry of the op table (autograd/ops.py) --

    def __add__(self, other: Operand) -> Value:
        return OPS["add"].apply2(self, other)

    def __radd__(self, other: Operand) -> Value:
        return OPS["add"].apply2(other, self)

    def __sub__(self, other: Operand) -> Value:
        return OPS["sub"].apply2(self, other)

    def __rsub__(self, other: Operand) -> Value:
        return OPS["sub"].apply2(other, self)

    def __mul__(self, other: Operand) -> Value:
        return OPS["mul"].apply2(self, other)

    def __rmul__(self, other: Operand) -> Value:
        return OPS["mul"].apply2(other, self)

    def __truediv__(self, other: Operand) -> Value:
        return OPS["div"].apply2(self, other)

    def __rtruediv__(self, other: Operand) -> Value:
        return OPS["div"].apply2(other, self)

    def __mod__(self, other: Operand) -> Value:
        return OPS["mod"].apply2(self, other)

    def __rmod__(self, other: Operand) -> Value:
        return OPS["mod"].apply2(other, self)

    def __pow__(self, exponent: Operand) -> Value:
        """``x ** 3``: a number exponent is a setting of "pow"; ``x ** y``: "pow_value"."""
        if isinstance(exponent, Value):
            return OPS["pow_value"].apply2(self, exponent)
        return OPS["pow"].apply((self,), (exponent,))

    def __rpow__(self, base: Operand) -> Value:
        return OPS["pow_value"].apply2(base, self)

    def __neg__(self) -> Value:
        return OPS["neg"].apply1(self)

    def __pos__(self) -> Value:
        return self

    def __abs__(self) -> Value:
        return OPS["abs"].apply1(self)

    # -- methods (PyTorch's names) ---------------------------------------------

    def exp(self) -> Value:
        return OPS["exp"].apply1(self)

    def expm1(self) -> Value:
        return OPS["expm1"].apply1(self)

    def log(self) -> Value:
        return OPS["log"].apply1(self)

    def log1p(self) -> Value:
        return OPS["log1p"].apply1(self)

    def log2(self) -> Value:
        return OPS["log2"].apply1(self)

    def log10(self) -> Value:
        return OPS["log10"].apply1(self)

    def sqrt(self) -> Value:
        return OPS["sqrt"].apply1(self)

    def abs(self) -> Value:
        return OPS["abs"].apply1(self)

    def relu(self) -> Value:
        return OPS["relu"].apply1(self)

    def sigmoid(self) -> Value:
        return OPS["sigmoid"].apply1(self)

    def tanh(self) -> Value:
        return OPS["tanh"].apply1(self)

    def sin(self) -> Value:
        return OPS["sin"].apply1(self)

    def cos(self) -> Value:
        return OPS["cos"].apply1(self)

    def tan(self) -> Value:
        return OPS["tan"].apply1(self)

    def sinh(self) -> Value:
        return OPS["sinh"].apply1(self)

    def cosh(self) -> Value:
        return OPS["cosh"].apply1(self)

    def asin(self) -> Value:
        return OPS["asin"].apply1(self)

    def acos(self) -> Value:
        return OPS["acos"].apply1(self)

    def atan(self) -> Value:
        return OPS["atan"].apply1(self)

    def atan2(self, other: Operand) -> Value:
        """atan2(self, other): the angle of the point (other, self), like ``torch.atan2``."""
        return OPS["atan2"].apply2(self, other)

    def maximum(self, other: Operand) -> Value:
        return OPS["maximum"].apply2(self, other)

    def minimum(self, other: Operand) -> Value:
        return OPS["minimum"].apply2(self, other)

    def clamp(self, low: Number, high: Number) -> Value:
        return OPS["clamp"].apply((self,), (low, high))


class Constant(Value):
    """A number written in an expression (the 2 of ``x * 2``): a leaf that keeps no gradient.

    Operators make one for every plain number next to a Value (a bool is 0 or 1, so a
    mask such as ``(margins > 0) * x`` multiplies). Backward passes never compute a
    derivative with respect to a constant and leave its ``.grad`` at 0.0.
    """

    __slots__ = ()


# A compiled class with ordering methods is unhashable unless it defines __hash__; in
# pure Python, object's own identity hash (in C) is the one dicts and sets of nodes use.
if not compiled:
    Value.__hash__ = object.__hash__  # type: ignore[method-assign]

# A node made by an op skips Value.__init__, whose checks are for user input. A class
# compiled with mypyc always runs its __init__ (cheap there), so compiled, the class itself
# is called: `Constant(0.0) if compiled else _new(Constant)`.
_new: Callable[[type[Value]], Value] = object.__new__


def constant(x: object, op_name: str) -> Value:
    """The plain number `x` next to a Value, as a `Constant` leaf (TypeError if no number)."""
    node = Constant(0.0) if compiled else _new(Constant)
    node.data = x if type(x) is float and -INF < x < INF else _operand(x, op_name)
    node.grad, node.label = 0.0, ""
    node.operation = node._a = node._b = node._pass = None
    return node


def _rebuilt(kind: type[Value], data: float, label: str, grad: Any, operation: Op | None,
             a: Any, b: Any) -> Value:
    """The node `Value.__reduce__` describes (pickle and copy call this)."""
    node = kind(data, label)
    node.grad, node.operation, node._a, node._b = grad, operation, a, b
    return node


def _data_of(other: object, symbol: str) -> float:
    if isinstance(other, Value):
        return other.data
    if isinstance(other, numbers.Real) and not isinstance(other, bool):
        return float(other)
    raise TypeError(f"cannot compare Value {symbol} {type(other).__name__}")


# ---------------------------------------------------------------------------
# Passes over a graph
#
# A pass keeps its numbers (this pass's gradient of each node, or its tangent in
# forward mode) in the nodes' `_pass` slot: None outside a pass, and during one
# None for the nodes that take no part in it (constants, nodes off the path).
# So one pass runs at a time, and a pass never starts inside another.
# ---------------------------------------------------------------------------

# The mark of a node in a pass that has no gradient yet. The first contribution
# replaces it as it is (no `0 + c`, which with create_graph would be one more node).
NOTHING_YET = 0.0


def marked_order(root: Value, include_constants: bool) -> list[Value]:
    """The nodes `root` depends on, each after its parents (root last); marks them.

    The order of a recursive depth-first search that visits the parents in
    argument order (``a*b + c`` gives a, b, a*b, c, the sum), computed with an
    explicit stack instead of recursion, so a chain of a million nodes is fine.
    Each node met is marked by setting ``_pass`` to `NOTHING_YET`, so it is
    placed once; without `include_constants`, constants are left out and
    unmarked. Run it inside `one_pass` and clear the marks afterwards. If the walk is
    stopped (an error, Ctrl-C), it clears the marks it made: a node left marked would
    look already placed to every later pass, which would then miss it.
    """
    order: list[Value] = []
    stack: list[Value | None] = [root]
    try:
        while stack:
            node = stack.pop()
            if node is None:  # the marker under which a node waits for its parents
                waiting = stack.pop()
                assert waiting is not None  # (pushed right before its marker)
                order.append(waiting)
            elif node._pass is None:  # not met yet (a node may be pushed more than once)
                a = node._a
                if a is None:  # a leaf waits for nothing
                    if include_constants or type(node) is not Constant:
                        node._pass = NOTHING_YET
                        order.append(node)
                    continue
                node._pass = NOTHING_YET
                # come back to the node once its parents are placed; the first parent is
                # popped first
                if type(a) is tuple:
                    parents: tuple[Value, ...] = a
                    stack += (node, None, *[p for p in reversed(parents) if p._pass is None])
                elif node._b is None:
                    stack += (node, None, a)
                else:
                    stack += (node, None, node._b, a)
    except BaseException:  # every node marked is in `order` or waits on the stack
        clear_marks(order)
        clear_marks([node for node in stack if node is not None])
        raise
    return order


def clear_marks(order: list[Value]) -> None:
    for node in order:
        node._pass = None


def topological_order(root: object) -> list[Value]:
    """All nodes that `root` depends on (constants too), each after all of its
    parents; the root is last."""
    if not isinstance(root, Value):
        raise TypeError(f"expected a Value, got {type(root).__name__}")
    with one_pass():
        order = marked_order(root, include_constants=True)
        clear_marks(order)
    return order


def propagate(order: list[Value], create_graph: bool) -> None:
    """The chain rule over `order`, from the root (last) back to the leaves.

    Each node's ``_pass`` holds its gradient when its turn comes: every path from
    the root has brought its share by then (reverse topological order). Each node
    then sends it on: for each parent, parent's gradient += ∂node/∂parent · its own.
    """
    for node in reversed(order):
        operation = node.operation
        if operation is not None and node._pass is not None:
            operation.send(node, node._pass, create_graph)


def seed_of(root: object, grad: object, create_graph: bool) -> Any:
    """The starting gradient d root/d root of a pass, checked."""
    if not isinstance(root, Value):
        raise TypeError(f"backward needs a Value as output, got {type(root).__name__}")
    if isinstance(grad, Value):
        return grad if create_graph else grad.data
    seed = grad if type(grad) is float and isfinite(grad) \
        else as_float(grad, "the starting gradient")
    return Value(seed) if create_graph else seed


def backward(root: object, grad: Number | Value = 1.0, create_graph: object = False) -> None:
    """``autograd.backward(root)`` is ``root.backward()`` (`Value.backward`), as a function.

    ``root`` and ``create_graph`` are typed ``object`` so that the compiled build, too,
    reaches the checks (mypyc would refuse a float, or an int as the flag, at the call with
    a message of its own)."""
    if not isinstance(root, Value):
        raise TypeError(f"backward needs a Value as output, got {type(root).__name__}")
    root.backward(grad, create_graph)


def _accumulated(node: Value, order: list[Value]) -> Any:
    """What ``node.grad`` will hold after this pass: its old ``.grad`` (None counts as 0)
    plus this pass's gradient (in ``node._pass``); OverflowError if not finite."""
    gradient = node._pass
    old = 0.0 if node.grad is None else node.grad
    if isinstance(gradient, Value):  # create_graph: keep the Value itself if .grad is 0
        if isinstance(old, float) and old == 0.0:
            return gradient
        try:
            return old + gradient
        except OverflowError:
            pass
    elif not isfinite(gradient):
        raise overflow_error(order)
    elif isfinite(total := old + gradient):
        return total
    raise OverflowError(
        f"the gradient of {describe(node)} would overflow: its .grad {float(old):g} plus "
        f"this pass's {float(gradient):g} is not a finite float (call autograd.zero_grad "
        "between passes, or lower the starting gradient); no .grad was changed")


def overflow_error(order: list[Value]) -> OverflowError:
    """Say where this pass's gradient (float, in ``_pass``) first stopped being finite."""
    for node in reversed(order):
        upstream = node._pass
        if node.operation is None or upstream is None or not isfinite(upstream):
            continue
        for parent, local in zip(node.parents,
                                 node.operation.local_derivatives_in_pass(node, False)):
            if parent._pass is not None and not isfinite(local * upstream):
                return OverflowError(
                    f"the gradient overflows at {describe(node)}: its local derivative "
                    f"{local:g} times the gradient {upstream:g} arriving from the output "
                    f"is not finite (the gradient of {describe(parent)})")
    return OverflowError("the gradient overflows when the contributions of its paths add up")


def describe(node: Value) -> str:
    """A node for a message: its label, or its op and inputs."""
    if node.label:
        return repr(node.label)
    if node.operation is None:
        return f"leaf {node.data:g}"
    return node.operation.describe_call([*(p.data for p in node.parents), *node.settings])


# ---------------------------------------------------------------------------
# Numbers from the user
# ---------------------------------------------------------------------------


def as_float(data: object, what: str = "Value") -> float:
    """`data` as a finite float, or a TypeError/ValueError that names the problem.

    Accepted: int and float (and numpy's, including arrays of exactly one
    element). Refused with TypeError: bool, str, None, complex, containers, a
    Value (use ``.data`` or ``.detach()``). Refused with ValueError: nan, ±inf.
    """
    if type(data) is float:
        number = data
    elif isinstance(data, bool):
        raise TypeError(f"{what} needs a real number, got bool ({data!r}); "
                        f"write {float(data)} if you mean the number")
    elif type(data) is int or isinstance(data, numbers.Real):  # (int: no ABC look-up)
        try:
            number = float(data)
        except OverflowError:  # an int beyond 1.8e308
            raise OverflowError(f"{what} needs a finite number, got {_digits(data)}, "
                                "too large for a float") from None
    elif isinstance(data, Value):
        raise TypeError(f"{what} needs a real number, got a Value; use v.detach() for "
                        "a new leaf with the same data, or v.data for the number")
    elif getattr(data, "size", None) == 1 and getattr(
            getattr(data, "dtype", None), "kind", "") in ("i", "u", "f"):
        return as_float(data.item(), what)  # type: ignore[attr-defined]
    else:
        raise TypeError(f"{what} needs a real number (int or float), got "
                        f"{type(data).__name__}: {shown(data)}")
    if not isfinite(number):
        raise ValueError(f"{what} needs a finite number, got {number}: "
                         "a Value never holds nan or inf")
    return number


def _digits(n: Any) -> str:
    """E.g. "an int of 401 digits" (str() of an int refuses more than 4300 digits)."""
    try:
        return f"an int of {len(str(abs(n)))} digits"
    except ValueError:
        return "an int of more than 4000 digits"


def _operand(x: object, op_name: str) -> float:
    """A number next to a Value that is not a finite float: an int, numpy's (an array of
    one number too, as `Value` takes), a bool (0 or 1: a mask such as ``(margins > 0) * x``),
    or an error naming it."""
    if type(x) is int or type(x) is float:  # the usual case (`2 * x`, Python's sum's 0)
        return as_float(x, f"{op_name}'s operand")
    one_number = getattr(x, "size", 1) == 1
    kind = getattr(getattr(x, "dtype", None), "kind", "")
    if one_number and (isinstance(x, bool) or kind == "b"):
        return float(bool(x))  # Python's bool, or numpy's
    if not isinstance(x, numbers.Real) and not (one_number and hasattr(x, "dtype")):
        raise TypeError(f"{op_name}: unsupported operand of type {type(x).__name__} "
                        f"({shown(x)}); use a Value or a number")
    return as_float(x, f"{op_name}'s operand")


def error_reason(error: BaseException) -> str:
    """The text of a domain error for a message; an overflow of Python's float ``**``
    says ``(34, 'Numerical result out of range')``, which tells a learner nothing."""
    if isinstance(error, OverflowError) and len(error.args) == 2 \
            and isinstance(error.args[0], int):
        return "the result is too large for a float"
    return str(error)


# ---------------------------------------------------------------------------
# Op: one primitive, declared once (forward, local derivatives, formulas)
#
# A derivative rule is written with + - * / **, comparisons and the engine's
# functions, which accept floats and Values alike, so the one rule serves an
# ordinary backward pass (floats), create_graph=True (Values: higher derivatives)
# and forward mode. The built-in ops are the table in `autograd.ops`;
# `autograd.define_op` declares your own.
# ---------------------------------------------------------------------------

Rule = Callable[..., Any] | float  # a constant derivative may be a number
Interval = tuple[float, float]
_SHOWN_ARGUMENTS = 4  # of a call in an error message


@dataclass(frozen=True)
class Domain:
    """Where property tests and strategies draw an op's inputs.

    Inside the op's domain, clear of its kinks, and small enough for accurate
    finite differences. ``inputs`` has, for each input, the intervals
    ``(low, high)`` it is drawn from (their union). An op on any number of inputs
    takes them in groups of equal size, one entry per group (dot: the weights,
    then the xs). ``settings`` lists the op's fixed numbers to test with.
    """

    inputs: tuple[tuple[Interval, ...], ...]
    settings: tuple[tuple[float, ...], ...] = ((),)


def between(low: float, high: float) -> tuple[Interval, ...]:
    """The interval [low, high], as one input of a `Domain`."""
    return ((low, high),)


def nonzero(low: float, high: float) -> tuple[Interval, ...]:
    """low <= |x| <= high, either sign: clear of a kink or a pole at 0."""
    return ((-high, -low), (low, high))


def _rule(name: str, i: int, rule: object) -> Any:
    """A derivative rule as the passes take it: a function, or a constant as a finite float
    (an int such as ``2`` is allowed; the passes tell a constant by its type, float)."""
    if callable(rule):
        return rule
    return as_float(rule, f"op {name!r}: derivative rule {i} is not a function, so it")


class Op:
    """A primitive operation: forward, local derivatives and their formula text.

    Declare an op with a fixed number of inputs with one derivative rule and one
    formula per input (most users call `autograd.define_op`, which also registers it)::

        Op("mul", forward=operator.mul,
           derivatives=[lambda a, b, out: b, lambda a, b, out: a],
           formulas=["d(a·b)/da = b", "d(a·b)/db = a"], symbol="×")

    Args:
        name:        short name, e.g. ``"tanh"``; becomes the ``op`` of its nodes.
        forward:     ``forward(*inputs, *settings) -> float`` on plain floats.
                     Raise ValueError, ZeroDivisionError or OverflowError outside
                     the domain (the engine adds the op's name and inputs).
        derivatives: one rule per input: ``rule(*inputs, *settings, out)`` returns
                     ∂out/∂input_i (or a number: a constant derivative, as for add).
                     ``inputs`` and ``out`` are floats in an ordinary backward pass
                     and Values under ``create_graph``.
        formulas:    one text per input, e.g. ``"d(a·b)/da = b"``.
        local:       instead of `derivatives`, for an op on ANY number of inputs:
                     ``local(args, out) -> list``, every ∂out/∂input_i at once.
        formula:     with `local`: ``formula(i, n) -> str``, the text of the i-th of n.
        symbol:      what drawings show in the op's node (default: the name); may
                     use ``{0}``, ``{1}`` for the settings, e.g. ``"^{0:g}"``.
        num_settings: how many fixed numbers follow the inputs (the 3 of ``x**3``).
        setting_names: their names, for error messages (``("exponent",)``).
        defaults:    default values of the last settings (leaky_relu's slope).
        domain:      where tests draw inputs (one `Domain`, or several to choose
                     from); default: every input in [-3, 3].
        operator:    True for ops written as operators (``+``, ``**``), which are
                     not functions in expressions.
        doc:         the docstring of the function form (``autograd.tan``).

    Calling an op applies it: numbers only give a float, any Value among the
    inputs gives a new node. Arguments are the inputs, then the settings.
    """

    def __init__(
        self, name: str, forward: Callable[..., float],
        derivatives: Sequence[Rule] | None = None, formulas: Sequence[str] | None = None, *,
        local: Callable[[Sequence[Any], Any], Sequence[Any]] | None = None,
        formula: Callable[[int, int], str] | None = None, symbol: str | None = None,
        num_settings: int = 0, setting_names: Sequence[str] = (), defaults: Sequence[float] = (),
        domain: Domain | Sequence[Domain] | None = None, operator: bool = False, doc: str = "",
    ) -> None:
        if not isinstance(name, str) or not name.isidentifier():
            raise ValueError(f"an op's name must be an identifier, got {name!r}")
        if not callable(forward):
            raise TypeError(f"op {name!r}: forward must be a function, got "
                            f"{type(forward).__name__}")
        num_settings = integer(num_settings, f"op {name!r}: num_settings", minimum=0)
        if setting_names and len(setting_names) != num_settings:
            raise ValueError(f"op {name!r}: {len(setting_names)} setting name(s) for "
                             f"{num_settings} setting(s); give one name per setting")
        if len(defaults) > num_settings:
            raise ValueError(f"op {name!r}: {len(defaults)} default(s) for {num_settings} "
                             "setting(s); defaults are for the last settings")
        self.name, self.forward, self.operator = name, forward, operator
        self.symbol = symbol if symbol is not None else name
        try:  # drawings format the symbol with the settings: it may use no others
            self.symbol.format(*[1.0] * num_settings)
        except (IndexError, KeyError, ValueError) as error:
            raise ValueError(f"op {name!r}: symbol {self.symbol!r} cannot be shown with "
                             f"{num_settings} setting(s) ({error}); use {{0}}, {{1}}, ... "
                             "only for settings the op has, and {{ }} for braces") from None
        self.num_settings = num_settings
        self.setting_names = tuple(setting_names) or tuple(
            f"setting {i + 1}" for i in range(num_settings))
        self.defaults = tuple(float(d) for d in defaults)
        self.doc = doc or f"The op {name!r}."
        self.local = local
        self._formula = formula
        if derivatives is not None:
            self.rules: tuple[Any, ...] = tuple(
                _rule(name, i, rule) for i, rule in enumerate(derivatives))
            self.formulas: tuple[str, ...] = tuple(formulas or ())
            if not self.rules:
                raise ValueError(f"op {name!r} needs at least one derivative rule")
            if len(self.formulas) != len(self.rules):
                raise ValueError(
                    f"op {name!r}: {len(self.rules)} derivative rule(s) but "
                    f"{len(self.formulas)} formula(s); give one of each per input")
            self.arity: int | None = len(self.rules)
        elif local is None or formula is None:
            raise ValueError(f"op {name!r}: give `derivatives` and `formulas` (one per "
                             "input), or `local` and `formula` for any number of inputs")
        else:
            self.rules, self.formulas, self.arity = (), (), None
        # `send(node, upstream, create_graph)`: the chain rule at one node (see `_send_any`);
        # nodes of one or two inputs (nearly all) take the short ways
        self.send: Callable[[Value, Any, bool], None] = self._send_any
        if self.arity == 1 and num_settings == 0:
            self.send = self._send_one
        elif self.arity == 2 and num_settings == 0:
            self.send = self._send_two
        if domain is None:
            domain = Domain(inputs=(between(-3.0, 3.0),) * (self.arity or 1),
                            settings=(self.defaults,) if num_settings else ((),))
        self.domains: tuple[Domain, ...] = (domain,) if isinstance(domain, Domain) \
            else tuple(domain)

    def __repr__(self) -> str:
        return f"Op({self.name!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        """An op pickles (and copies) as its registered name: its rules are functions,
        lambdas often, which pickle cannot write."""
        if OPS.get(self.name) is not self:
            raise pickle.PicklingError(
                f"op {self.name!r} is no longer the one registered under its name (or was "
                "never registered): a graph that uses it cannot be pickled")
        return (registered_op, (self.name,))

    @property
    def __doc__(self) -> str:  # type: ignore[override]
        """The docstring of the function form (``help(autograd.tan)``)."""
        return self.doc

    # -- text ------------------------------------------------------------------

    def formula(self, i: int, n: int) -> str:
        """The text of the derivative with respect to input i of n."""
        return self._formula(i, n) if self._formula is not None else self.formulas[i]

    def display(self, settings: Sequence[float] = ()) -> str:
        """The text of the op's node in drawings, e.g. ``tanh`` or ``^3``."""
        return self.symbol.format(*settings)

    def describe_call(self, args: Sequence[Any]) -> str:
        """E.g. ``log(-2)``: how error messages show a call of this op (long ones cut)."""
        shown = [f"{float(a):g}" if isinstance(a, (int, float, Value)) else repr(a)
                 for a in args[:_SHOWN_ARGUMENTS]]
        if len(args) > _SHOWN_ARGUMENTS:
            shown.append(f"... {len(args)} in all")
        return f"{self.name}({', '.join(shown)})"

    # -- the forward computation and new nodes -------------------------------------

    def evaluate(self, args: Sequence[float]) -> float:
        """``forward(*args)`` on floats (inputs, then settings), checked.

        A domain error is re-raised with the op's name and inputs; a result that
        is not finite raises OverflowError (±inf) or NanError (a ValueError, for nan).
        """
        try:
            result = self.forward(*args)
        except DOMAIN_ERRORS as error:
            raise type(error)(f"{self.describe_call(args)}: {error_reason(error)}") from None
        if type(result) is not float:
            result = as_float(result, f"{self.name}'s forward")
        if math.isnan(result):
            raise NanError(f"{self.describe_call(args)} is not a number (nan): "
                           "a Value never holds nan")
        if not isfinite(result):
            raise OverflowError(f"{self.describe_call(args)} overflows to {result}: "
                                "the result is too large for a float")
        return result

    def apply1(self, x: Value) -> Value:
        """The node of this one-input op on the Value `x` (the hot path of methods)."""
        try:
            data = self.forward(x.data)
        except DOMAIN_ERRORS:
            data = math.nan  # evaluate raises the error with the op's name
        if type(data) is not float or not -INF < data < INF:
            data = self.evaluate([x.data])
        node = Value(data) if compiled else _new(Value)  # (see _new)
        node.data, node.grad, node.label, node._pass = data, 0.0, "", None
        if graph_recording.get():  # under no_grad the result is a leaf
            node.operation, node._a, node._b = self, x, None
        else:
            node.operation = node._a = node._b = None
        return node

    def apply2(self, a: Operand, b: Operand) -> Value:
        """The node of this two-input op; a plain number becomes a `Constant`."""
        if not isinstance(a, Value):
            a = constant(a, self.name)
        if not isinstance(b, Value):
            b = constant(b, self.name)
        try:
            data = self.forward(a.data, b.data)
        except DOMAIN_ERRORS:
            data = math.nan
        if type(data) is not float or not -INF < data < INF:
            data = self.evaluate([a.data, b.data])
        node = Value(data) if compiled else _new(Value)
        node.data, node.grad, node.label, node._pass = data, 0.0, "", None
        if graph_recording.get():
            node.operation, node._a, node._b = self, a, b
        else:
            node.operation = node._a = node._b = None
        return node

    def apply(self, parents: tuple[Value, ...], settings: Sequence[Any] = ()) -> Value:
        """The node of this op on `parents` (Values) with `settings` (numbers)."""
        if self.arity is not None and len(parents) != self.arity:
            raise TypeError(f"{self.name} takes {self.arity} input(s), got {len(parents)}")
        fixed = self.checked_settings(settings) if settings or self.num_settings else ()
        if self.arity == 1 and not fixed:
            return self.apply1(parents[0])
        if self.arity == 2 and not fixed:
            return self.apply2(parents[0], parents[1])
        args = [p.data for p in parents]
        args += fixed
        node = Value(self.evaluate(args))
        if graph_recording.get():  # parents and settings as tuples (see Value's slots)
            node.operation, node._a, node._b = self, tuple(parents), fixed
        return node

    def __call__(self, *args: Any) -> Any:
        """Apply the op to its inputs followed by its settings.

        With numbers only, a float; with a Value among the inputs, a new node.
        Missing trailing settings take their defaults.
        """
        settings: tuple[Any, ...] = ()
        if self.arity is None:
            if args and _NODES.issuperset(map(type, args)):  # Values only (sum, dot)
                return self.apply(args)
            inputs = args
        else:
            given = len(args) - self.arity
            missing = self.num_settings - given
            if given < 0 or missing < 0 or missing > len(self.defaults):
                settings_text = f" and {self.num_settings} setting(s)" \
                    if self.num_settings else ""
                raise TypeError(f"{self.name} takes {self.arity} input(s){settings_text}, "
                                f"got {len(args)} argument(s)")
            inputs = args[: self.arity]
            settings = args[self.arity:] + self.defaults[len(self.defaults) - missing:]
        if any(isinstance(x, Value) for x in inputs):
            parents = tuple(x if isinstance(x, Value) else constant(x, self.name)
                            for x in inputs)
            return self.apply(parents, settings)
        floats = [as_float(x, f"{self.name}'s input") for x in inputs]
        return self.evaluate([*floats, *self.checked_settings(settings)])

    def checked_settings(self, settings: Sequence[Any]) -> tuple[float, ...]:
        """The settings as finite floats, with errors naming the op."""
        if len(settings) != self.num_settings:
            raise TypeError(f"{self.name} takes {self.num_settings} setting(s), "
                            f"got {len(settings)}")
        return tuple([s if type(s) is float and -INF < s < INF
                      else as_float(s, f"{self.name}'s {name}")
                      for s, name in zip(settings, self.setting_names)])

    # -- local derivatives -------------------------------------------------------

    def derivatives_at(self, args: Sequence[Any], out: Any,
                       wanted: Sequence[bool] | None = None) -> list[Any]:
        """∂out/∂input_i at `args` (inputs then settings), one per input.

        `args` and `out` are floats, or Values for differentiable derivatives.
        Inputs not `wanted` get None and their rule is not evaluated (a constant's
        derivative may not even exist: d(a**b)/da at a = 0). A rule that fails
        raises its error with the op's name and inputs.
        """
        try:
            if self.local is None:
                return [None if wanted is not None and not wanted[i]
                        else rule(*args, out) if callable(rule) else rule
                        for i, rule in enumerate(self.rules)]
            result = self.local(args, out)
            if type(result) is not list:
                result = list(result)
        except DOMAIN_ERRORS as error:
            raise self._cannot_differentiate(args, error) from None
        count = len(args) - self.num_settings
        if len(result) != count:
            raise ValueError(f"op {self.name!r}: its derivative rule returned {len(result)} "
                             f"derivative(s) for {count} input(s); return one per input")
        if wanted is None or all(wanted):
            return result
        return [d if w else None for d, w in zip(result, wanted)]

    def local_derivatives_in_pass(self, node: Value, create_graph: bool) -> list[Any]:
        """∂node/∂parent for each parent, for the running pass.

        A parent takes part when its ``_pass`` is not None (constants and nodes off
        the paths asked about never do); the rule of another gets None, not evaluated.
        First checks that the node is current (else StaleGraphError).
        """
        parents, settings = (node._a, node._b) if type(node._a) is tuple else (node.parents, ())
        args = [p.data for p in parents]
        args += settings
        self.check_current(node, args)
        # one rule per input: only those of the parents taking part are evaluated (an op
        # on many inputs, such as dot, gives all its derivatives at once)
        wanted = [p._pass is not None for p in parents] if self.local is None else None
        if create_graph:
            return self.derivatives_at([*parents, *settings], node, wanted)
        return self.derivatives_at(args, node.data, wanted)

    # -- the chain rule at one node: send its gradient to its parents ----------------

    def _send_any(self, node: Value, upstream: Any, create_graph: bool) -> None:
        """For each parent taking part: parent's gradient += ∂node/∂parent · upstream.

        This pass's gradients are in the nodes' ``_pass`` slots (`NOTHING_YET` before
        the first contribution). Nodes of one or two inputs (nearly all) take the
        short ways below; the rest, this general one.
        """
        locals_ = self.local_derivatives_in_pass(node, create_graph)
        if not create_graph:  # floats: NOTHING_YET is 0.0, to add to
            for parent, local in zip(node.parents, locals_):
                if parent._pass is not None:  # None: a constant, or off the paths asked about
                    parent._pass += local * upstream
            return
        for parent, local in zip(node.parents, locals_):
            so_far = parent._pass
            if so_far is not None:
                parent._pass = local * upstream if so_far is NOTHING_YET \
                    else so_far + local * upstream

    def _send_one(self, node: Value, upstream: Any, create_graph: bool) -> None:
        """`_send_any` for a node of one input, without lists."""
        x: Value = node._a
        x_data = x.data
        try:
            current = self.forward(x_data)
        except DOMAIN_ERRORS:  # the input changed, to one outside the op's domain
            current = math.nan
        if current != node.data:
            self.check_current(node)  # StaleGraphError, unless only the type differs
        so_far = x._pass
        if so_far is None:
            return  # a constant, or a node off the paths asked about
        rule = self.rules[0]
        try:
            local = rule if type(rule) is float else \
                rule(x, node) if create_graph else rule(x_data, node.data)
        except DOMAIN_ERRORS as error:
            raise self._cannot_differentiate([x_data], error) from None
        x._pass = local * upstream if so_far is NOTHING_YET else so_far + local * upstream

    def _send_two(self, node: Value, upstream: Any, create_graph: bool) -> None:
        """`_send_any` for a node of two inputs (the operators), without lists."""
        a: Value = node._a
        b: Value = node._b
        a_data: Any = a.data
        b_data: Any = b.data
        out: Any = node.data
        try:
            current = self.forward(a_data, b_data)
        except DOMAIN_ERRORS:
            current = math.nan
        if current != out:
            self.check_current(node)
        rule_a, rule_b = self.rules
        a_so_far, b_so_far = a._pass, b._pass
        try:
            if create_graph:
                a_data, b_data, out = a, b, node
            if a_so_far is not None:
                local = rule_a if type(rule_a) is float else rule_a(a_data, b_data, out)
                a._pass = local * upstream if a_so_far is NOTHING_YET \
                    else a_so_far + local * upstream
            if b_so_far is not None:
                if b is a:  # x * x: the first contribution is in already
                    b_so_far = a._pass
                local = rule_b if type(rule_b) is float else rule_b(a_data, b_data, out)
                b._pass = local * upstream if b_so_far is NOTHING_YET \
                    else b_so_far + local * upstream
        except DOMAIN_ERRORS as error:
            raise self._cannot_differentiate([a.data, b.data], error) from None

    def _cannot_differentiate(self, args: Sequence[Any], error: Exception) -> Exception:
        return type(error)(f"cannot differentiate {self.describe_call(args)}: "
                           f"{error_reason(error)}")

    def check_current(self, node: Value, args: Sequence[float] | None = None) -> None:
        """Raise StaleGraphError unless `node` still equals this op applied to its parents."""
        if args is None:
            args = [*(p.data for p in node.parents), *node.settings]
        try:  # as the node was made: a forward's int (say) counts as its float
            current = self.forward(*args)
            if type(current) is not float:
                current = as_float(current, f"{self.name}'s forward")
        except DOMAIN_ERRORS as error:
            now = f"its inputs now cannot give a number ({error_reason(error)})"
        else:
            if current == node.data:
                return
            now = f"its inputs now give {current:g}"
        raise StaleGraphError(
            f"the graph is out of date: the node {self.describe_call(args)} holds "
            f"{node.data:g} but {now}: a .data was changed after the graph was built; "
            "run the forward pass again before backward")


_NODES = {Value, Constant}


# ---------------------------------------------------------------------------
# The registry of ops (filled by autograd.ops and autograd.define_op)
# ---------------------------------------------------------------------------

#: Every registered op by name: the built-ins of `autograd.ops` and the ops
#: declared with `autograd.define_op`. Value's operators look their ops up here.
OPS: dict[str, Op] = {}

#: The ops an expression may call by name (``tanh(x)``, ``clamp(x, 0, 1)``):
#: every registered op on a fixed number of inputs that is not an operator.
FUNCTIONS: dict[str, Op] = {}

_BUILT_IN: set[str] = set()


def register(op: Op, built_in: bool = False) -> Op:
    """Make `op` known everywhere (OPS, expression functions, property tests); return it.

    A built-in name cannot be taken again; registering a name of your own again
    replaces the earlier op (so a notebook cell can run twice).
    """
    if op.name in _BUILT_IN:
        raise ValueError(f"{op.name!r} is a built-in op; give your op another name")
    OPS[op.name] = op
    if built_in:
        _BUILT_IN.add(op.name)
    if op.arity is not None and not op.operator:
        FUNCTIONS[op.name] = op
    return op


def registered_op(name: str) -> Op:
    """The op registered as `name` (how a pickled graph finds its ops again)."""
    if name not in OPS:
        raise LookupError(f"no op {name!r} is registered here: declare it (define_op) "
                          "before loading a graph that uses it")
    return OPS[name]


def is_built_in(name: str) -> bool:
    """True for the ops of autograd.ops, False for ops declared with `define_op`."""
    return name in _BUILT_IN
