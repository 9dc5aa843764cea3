"""The engine's heart: `Value`, a node of a computation graph, and the reverse pass.

A `Value` holds one number (``data``), the gradient that backward passes add to it
(``grad``), a ``label`` for drawings and tables, and, when an op computed it, that
op (``operation``), its ``parents`` and the op's fixed numbers (``settings``: the 3
of ``x ** 3``). It holds no closure and no link from a parent to its children, so a
graph has no reference cycles: Python frees it the moment its output is dropped.

Each operator and method of `Value` is one line that applies its entry of the op
table (`autograd.ops`, each entry an `autograd.core.Op`: forward, local derivatives
and formula text, declared once). `backward` below is the whole chain rule:

    for each node, from the output back to the inputs (reverse topological order):
        for each parent:  parent's gradient += ∂node/∂parent · node's gradient

Two rules hold for every Value:

- **its data is a finite float.** Making a Value from nan or ±inf raises
  ValueError; an op whose result is not finite raises (OverflowError, or
  ValueError for nan) naming the op and its inputs; so does a backward pass whose
  gradient overflows. A Value never holds nan or inf.
- **numbers are constants.** A number written next to a Value (the 2 of
  ``x * 2``) becomes a `Constant` leaf. Constants never receive a gradient, so no
  derivative is ever computed with respect to one.
"""

from __future__ import annotations

import copy
import math
import numbers
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Union

Number = int | float
Operand = Union["Value", int, float]

# Errors a forward computation or a derivative rule raises for inputs outside its domain.
DOMAIN_ERRORS = (ValueError, ZeroDivisionError, OverflowError)

isfinite = math.isfinite

# ---------------------------------------------------------------------------
# Recording the graph, per thread (and per asyncio task), like PyTorch's no_grad
# ---------------------------------------------------------------------------

_recording: ContextVar[bool] = ContextVar("autograd_recording", default=True)


@contextmanager
def no_grad() -> Iterator[None]:
    """Inside this block operations compute values but record no graph.

    Results are leaves (no parents), exactly like PyTorch's ``torch.no_grad()``.
    Use it for parameter updates and evaluation. Blocks may be nested, and the
    switch belongs to the current thread: other threads keep recording.
    """
    token = _recording.set(False)
    try:
        yield
    finally:
        _recording.reset(token)


def is_grad_enabled() -> bool:
    """True unless the current thread is inside `no_grad()`."""
    return _recording.get()


is_recording = _recording.get  # the same, without a Python call: Op asks once per node


# ---------------------------------------------------------------------------
# Numbers from the user
# ---------------------------------------------------------------------------


def short_repr(obj: object, limit: int = 60) -> str:
    text = repr(obj)
    return text if len(text) <= limit else text[: limit - 3] + "..."


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
    elif isinstance(data, numbers.Real):
        try:
            number = float(data)
        except OverflowError:  # an int beyond 1.8e308
            raise OverflowError(f"{what} needs a finite number, got {_big_int(data)}, "
                                "too large for a float") from None
    elif isinstance(data, Value):
        raise TypeError(f"{what} needs a real number, got a Value; use v.detach() for "
                        "a new leaf with the same data, or v.data for the number")
    elif getattr(data, "size", None) == 1 and getattr(
            getattr(data, "dtype", None), "kind", "") in ("i", "u", "f"):
        return as_float(data.item(), what)  # type: ignore[attr-defined]
    else:
        raise TypeError(f"{what} needs a real number (int or float), got "
                        f"{type(data).__name__}: {short_repr(data)}")
    if not isfinite(number):
        raise ValueError(f"{what} needs a finite number, got {number}: "
                         "a Value never holds nan or inf")
    return number


def _big_int(n: Any) -> str:
    """E.g. "an int of 401 digits" (str() of an int refuses more than 4300 digits)."""
    try:
        return f"an int of {len(str(abs(n)))} digits"
    except ValueError:
        return "an int of more than 4000 digits"


def error_reason(error: BaseException) -> str:
    """The text of a domain error for a message; an overflow of Python's float ``**``
    says ``(34, 'Numerical result out of range')``, which tells a learner nothing."""
    if isinstance(error, OverflowError) and len(error.args) == 2 \
            and isinstance(error.args[0], int):
        return "the result is too large for a float"
    return str(error)


# ---------------------------------------------------------------------------
# Value
# ---------------------------------------------------------------------------


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

    A Value never holds nan or inf: ``Value(nan)`` and ``Value(inf)`` raise
    ValueError, and an op whose result or local derivative is not finite raises
    (OverflowError, or ValueError for nan) naming the op and its inputs.
    """

    # `_pass` is scratch space for the backward and forward passes of
    # `autograd.backprop` (this pass's gradient or tangent); None outside a pass.
    __slots__ = ("data", "grad", "label", "operation", "parents", "_pass")

    def __init__(self, data: Number, label: str = "") -> None:
        if type(label) is not str:
            raise TypeError(f"label must be a str, got {type(label).__name__}")
        self.data: float = data if type(data) is float and isfinite(data) else as_float(data)
        self.grad: Any = 0.0
        self.label = label
        self.operation: Op | None = None
        self.parents: tuple[Value, ...] = ()
        self._pass: Any = None

    # -- what a node is ------------------------------------------------------

    @property
    def op(self) -> str:
        """Name of the operation that made this node ("" for a leaf)."""
        return self.operation.name if self.operation is not None else ""

    @property
    def settings(self) -> tuple[float, ...]:
        """The op's fixed numbers (``(3.0,)`` for ``x ** 3``), else ``()``."""
        return self.operation.settings if self.operation is not None else ()

    @property
    def is_leaf(self) -> bool:
        return self.operation is None

    def item(self) -> float:
        """The number, like PyTorch's ``tensor.item()``: the same as ``.data``."""
        return self.data

    def __float__(self) -> float:
        return self.data

    def __bool__(self) -> bool:
        """``if v:`` tests the number, like a PyTorch scalar tensor: False only for 0."""
        return self.data != 0.0

    def detach(self) -> Value:
        """A new leaf with the same data and label, cut off from the graph."""
        return Value(self.data, self.label)

    def backward(self, grad: Number | Value = 1.0, create_graph: bool = False) -> None:
        """Add d(self)/d(node) · grad to ``.grad`` of every node of the graph.

        Gradients accumulate: each call adds, so calling it twice leaves twice the
        gradient everywhere (reset with ``autograd.zero_grad(root)``). With
        ``create_graph=True`` the gradients are Values, themselves
        differentiable. See `backward` below.
        """
        backward(self, grad, create_graph)

    def __repr__(self) -> str:
        parts = [f"data={self.data:.6g}", f"grad={_format_grad(self.grad)}"]
        if self.label:
            parts.append(f"label={self.label!r}")
        if self.operation is not None:
            parts.append(f"op={self.op!r}")
        return f"{type(self).__name__}({', '.join(parts)})"

    # -- ordering compares the numbers; == and hash stay by identity -----------

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

    def clamp(self, low: float, high: float) -> Value:
        return OPS["clamp"].apply((self,), (low, high))


class Constant(Value):
    """A number written in an expression (the 2 of ``x * 2``): a leaf that keeps no gradient.

    Operators make one for every plain number next to a Value. Backward passes
    never compute a derivative with respect to a constant and leave its
    ``.grad`` at 0.0; drawings show it as a small number.
    """

    __slots__ = ()


def _format_grad(grad: Any) -> str:
    if isinstance(grad, Value):
        return f"Value({grad.data:.6g})"
    if grad is None:
        return "None"
    return f"{grad:.6g}"


def _data_of(other: object, symbol: str) -> float:
    if isinstance(other, Value):
        return other.data
    if isinstance(other, numbers.Real) and not isinstance(other, bool):
        return float(other)
    raise TypeError(f"cannot compare Value {symbol} {type(other).__name__}")




class StaleGraphError(RuntimeError):
    """A pass found a node that no longer equals its op applied to its parents.

    Some ``.data`` changed after the graph was built. A pass refuses to mix two
    points (local derivatives at the new data, node values from the old).
    """


# ---------------------------------------------------------------------------
# Op: one primitive, declared once (forward, local derivatives, formulas)
#
# An op is declared with three things side by side: its forward computation on
# floats, the local derivative ∂out/∂input for each input, and the text of each
# formula (what the stepper and the drawings show). A derivative rule is written
# with + - * / **, comparisons and the engine's functions, which accept floats
# and Values alike, so the one rule serves an ordinary backward pass (floats),
# create_graph=True (Values: higher derivatives) and forward mode. The built-in
# ops are the table in `autograd.ops`; `autograd.define_op` declares your own.
# ---------------------------------------------------------------------------

Rule = Callable[..., Any] | float  # a constant derivative may be a number
_new_value = object.__new__
_SHOWN_ARGUMENTS = 4  # of a call in an error message
_MAX_BOUND = 256  # settings kept per op (x ** 2, x ** 3, ...); more are bound each time

Interval = tuple[float, float]


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


class Op:
    """A primitive operation: forward, local derivatives and their formula text.

    Declare an op with a fixed number of inputs with one derivative rule and one
    formula per input (most users call `autograd.define_op`, which also
    registers it)::

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
                     and Values under ``create_graph``, so write the rule with
                     ``+ - * / **``, comparisons and the engine's functions.
        formulas:    one text per input, e.g. ``"d(a·b)/da = b"``.
        local:       instead of `derivatives`, for an op on ANY number of inputs:
                     ``local(args, out) -> list``, every ∂out/∂input_i at once
                     (``args`` are the inputs then the settings).
        formula:     with `local`: ``formula(i, n) -> str``, the text of the i-th of
                     n derivatives.
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
        self,
        name: str,
        forward: Callable[..., float],
        derivatives: Sequence[Rule] | None = None,
        formulas: Sequence[str] | None = None,
        *,
        local: Callable[[Sequence[Any], Any], Sequence[Any]] | None = None,
        formula: Callable[[int, int], str] | None = None,
        symbol: str | None = None,
        num_settings: int = 0,
        setting_names: Sequence[str] = (),
        defaults: Sequence[float] = (),
        domain: Domain | Sequence[Domain] | None = None,
        operator: bool = False,
        doc: str = "",
    ) -> None:
        if not isinstance(name, str) or not name.isidentifier():
            raise ValueError(f"an op's name must be an identifier, got {name!r}")
        if not callable(forward):
            raise TypeError(f"op {name!r}: forward must be a function, got "
                            f"{type(forward).__name__}")
        self.name = name
        self.forward = forward
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
        self.settings: tuple[float, ...] = ()  # fixed by `bind`: what its nodes were made with
        self._bound: dict[tuple[float, ...], Op] = {}
        self.defaults = tuple(float(d) for d in defaults)
        self.operator = operator
        self.__doc__ = doc or f"The op {name!r}."
        if derivatives is not None:
            self.rules: tuple[Any, ...] = tuple(derivatives)  # each a Rule
            self.formulas: tuple[str, ...] = tuple(formulas or ())
            if not self.rules:
                raise ValueError(f"op {name!r} needs at least one derivative rule")
            if len(self.formulas) != len(self.rules):
                raise ValueError(
                    f"op {name!r}: {len(self.rules)} derivative rule(s) but "
                    f"{len(self.formulas)} formula(s); give one of each per input")
            self.arity: int | None = len(self.rules)
            self.local = None
            self._formula = None
        else:
            if local is None or formula is None:
                raise ValueError(f"op {name!r}: give `derivatives` and `formulas` (one per "
                                 "input), or `local` and `formula` for any number of inputs")
            self.rules, self.formulas = (), ()
            self.arity = None
            self.local = local
            self._formula = formula
        if domain is None:
            domain = Domain(inputs=(between(-3.0, 3.0),) * (self.arity or 1),
                            settings=(self.defaults,) if num_settings else ((),))
        self.domains: tuple[Domain, ...] = (domain,) if isinstance(domain, Domain) \
            else tuple(domain)
        # `pass_locals(node, create_graph)`: the local derivatives a running pass
        # needs at `node`, one per parent. Only parents taking part in the pass
        # (``parent._pass is not None``) get one; the others get None and their
        # rule is never evaluated. It first checks that the node still equals its
        # op applied to its parents (else StaleGraphError), so a pass never mixes
        # two points. Asked once per node: ops on one or two inputs without
        # settings (nearly all nodes) get a version written for them.
        self.pass_locals: Callable[[Value, bool], Sequence[Any]]
        if self.arity == 1 and num_settings == 0:
            self.pass_locals = self._unary_pass_locals
        elif self.arity == 2 and num_settings == 0 and not any(map(callable, self.rules)):
            self.pass_locals = self._binary_constant_pass_locals  # add, sub
        elif self.arity == 2 and num_settings == 0:
            self.pass_locals = self._binary_pass_locals
        else:
            self.pass_locals = self._general_pass_locals

    def __repr__(self) -> str:
        return f"Op({self.name!r})"

    # -- text ------------------------------------------------------------------

    def formula(self, i: int, n: int) -> str:
        """The text of the derivative with respect to input i of n."""
        if self._formula is not None:
            return self._formula(i, n)
        return self.formulas[i]

    def display(self, settings: Sequence[float] = ()) -> str:
        """The text of the op's node in drawings, e.g. ``tanh`` or ``^3``."""
        return self.symbol.format(*settings)

    def bind(self, settings: tuple[float, ...]) -> Op:
        """This op with its settings fixed: ``pow`` bound to 2 is what ``x ** 2`` records.

        A node made by an op with settings keeps the bound op as its ``operation``
        (so ``node.settings`` is ``node.operation.settings``); nodes with the same
        settings share one bound op.
        """
        bound = self._bound.get(settings)
        if bound is None:
            bound = copy.copy(self)
            bound.settings = settings
            bound._bound = {}
            bound.pass_locals = bound._general_pass_locals
            if len(self._bound) < _MAX_BOUND:
                self._bound[settings] = bound
        return bound

    def describe_call(self, args: Sequence[Any]) -> str:
        """E.g. ``log(-2)``: how error messages show a call of this op (long ones cut)."""
        shown = [f"{float(a):g}" if isinstance(a, (int, float, Value)) else repr(a)
                 for a in args[:_SHOWN_ARGUMENTS]]
        if len(args) > _SHOWN_ARGUMENTS:
            shown.append(f"... {len(args)} in all")
        return f"{self.name}({', '.join(shown)})"

    # -- the forward computation -------------------------------------------------

    def evaluate(self, args: Sequence[float]) -> float:
        """``forward(*args)`` on floats (inputs, then settings), checked.

        A domain error is re-raised with the op's name and inputs; a result that
        is not finite raises OverflowError (±inf) or ValueError (nan).
        """
        try:
            result = self.forward(*args)
        except DOMAIN_ERRORS as error:
            raise type(error)(f"{self.describe_call(args)}: {error_reason(error)}") from None
        if type(result) is not float:
            result = as_float(result, f"{self.name}'s forward")
        if not isfinite(result):
            raise self.not_finite(args, result)
        return result

    def not_finite(self, args: Sequence[float], result: float) -> ArithmeticError | ValueError:
        """The error for a forward result that is nan or ±inf."""
        if math.isnan(result):
            return ValueError(f"{self.describe_call(args)} is not a number (nan): "
                              "a Value never holds nan")
        return OverflowError(f"{self.describe_call(args)} overflows to {result}: "
                             "the result is too large for a float")

    # -- applying the op: a new node -------------------------------------------

    def __call__(self, *args: Any) -> Any:
        """Apply the op to its inputs followed by its settings.

        With numbers only, a float; with a Value among the inputs, a new node.
        Missing trailing settings take their defaults.
        """
        if self.arity == 1 and len(args) == 1 and not self.num_settings:  # the usual case
            (x,) = args
            if isinstance(x, Value):
                return self.apply1(x)
            return self.evaluate([as_float(x, f"{self.name}'s input")])
        if self.arity is None:
            inputs, settings = args, ()
            if all(isinstance(x, Value) for x in inputs) and inputs:  # sum/dot in a model
                return self.apply(inputs)
        else:
            given = len(args) - self.arity
            missing = self.num_settings - given
            if given < 0 or missing < 0 or missing > len(self.defaults):
                raise TypeError(self._count_message(len(args)))
            inputs = args[: self.arity]
            settings = args[self.arity:] + self.defaults[len(self.defaults) - missing:]
        if any(isinstance(x, Value) for x in inputs):
            parents = tuple(x if isinstance(x, Value) else self.constant(x) for x in inputs)
            return self.apply(parents, settings)
        floats = [as_float(x, f"{self.name}'s input") for x in inputs]
        floats.extend(self.checked_settings(settings))
        return self.evaluate(floats)

    def _count_message(self, count: int) -> str:
        settings = f" and {self.num_settings} setting(s)" if self.num_settings else ""
        return f"{self.name} takes {self.arity} input(s){settings}, got {count} argument(s)"

    def checked_settings(self, settings: Sequence[Any]) -> tuple[float, ...]:
        """The settings as finite floats, with errors naming the op."""
        if len(settings) != self.num_settings:
            raise TypeError(f"{self.name} takes {self.num_settings} setting(s), "
                            f"got {len(settings)}")
        return tuple(as_float(s, f"{self.name}'s {name}")
                     for s, name in zip(settings, self.setting_names))

    def constant(self, x: object) -> Constant:
        """A plain number next to a Value, as a `Constant` leaf (TypeError if no number).

        A bool is the number 0 or 1: a mask such as ``(margins > 0) * x`` multiplies.
        """
        if isinstance(x, bool) or getattr(getattr(x, "dtype", None), "kind", "") == "b":
            x = float(bool(x))  # Python's bool, or numpy's
        elif not isinstance(x, numbers.Real):
            raise TypeError(f"{self.name}: unsupported operand of type {type(x).__name__} "
                            f"({short_repr(x)}); use a Value or a number")
        node = _new_value(Constant)
        node.data = as_float(x, f"{self.name}'s operand")
        node.grad = 0.0
        node.label = ""
        node.operation = None
        node.parents = ()
        node._pass = None
        return node

    def apply(self, parents: tuple[Value, ...], settings: Sequence[Any] = ()) -> Value:
        """The node of this op on `parents` (Values) with `settings` (numbers)."""
        if self.arity is not None and len(parents) != self.arity:
            raise TypeError(f"{self.name} takes {self.arity} input(s), got {len(parents)}")
        fixed = self.checked_settings(settings) if settings or self.num_settings else ()
        args = [p.data for p in parents]
        args.extend(fixed)
        return self._node(self.evaluate(args), parents, self.bind(fixed) if fixed else self)

    def apply1(self, x: Value) -> Value:
        """The node of this one-input op on the Value `x` (the hot path of methods)."""
        try:
            data = self.forward(x.data)
        except DOMAIN_ERRORS as error:
            raise type(error)(f"{self.describe_call([x.data])}: {error_reason(error)}") from None
        if type(data) is not float or not isfinite(data):
            data = self.evaluate([x.data])  # rare: an int from a custom op, or an error
        return self._node(data, (x,), self)

    def apply2(self, a: Operand, b: Operand) -> Value:
        """The node of this two-input op; a plain number becomes a `Constant`.

        The hot path of the operators: no argument list, no loop.
        """
        if not isinstance(a, Value):
            a = self.constant(a)
        if not isinstance(b, Value):
            b = self.constant(b)
        try:
            data = self.forward(a.data, b.data)
        except DOMAIN_ERRORS as error:
            raise type(error)(f"{self.describe_call([a.data, b.data])}: "
                              f"{error_reason(error)}") from None
        if type(data) is not float or not isfinite(data):
            data = self.evaluate([a.data, b.data])
        return self._node(data, (a, b), self)

    @staticmethod
    def _node(data: float, parents: tuple[Value, ...], operation: Op) -> Value:
        """A new node (filled in directly: Value.__init__'s checks are for user input)."""
        node = _new_value(Value)
        node.data = data
        node.grad = 0.0
        node.label = ""
        node._pass = None
        if is_recording():
            node.operation = operation
            node.parents = parents
        else:  # under no_grad the result is a leaf
            node.operation = None
            node.parents = ()
        return node

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
            result = list(self.local(args, out))
        except DOMAIN_ERRORS as error:
            raise type(error)(
                f"cannot differentiate {self.describe_call(args)}: "
                f"{error_reason(error)}") from None
        count = len(args) - self.num_settings
        if len(result) != count:
            raise ValueError(f"op {self.name!r}: its derivative rule returned {len(result)} "
                             f"derivative(s) for {count} input(s); return one per input")
        if wanted is not None and not all(wanted):
            result = [d if w else None for d, w in zip(result, wanted)]
        return result

    def _unary_pass_locals(self, node: Value, create_graph: bool) -> Sequence[Any]:
        (x,) = node.parents
        if x._pass is None:
            return (None,)
        x_data = x.data
        self._check_current(node, (x_data,))
        rule = self.rules[0]
        if not callable(rule):
            return (rule,)  # a constant derivative (neg)
        try:
            if create_graph:
                return (rule(x, node),)
            return (rule(x_data, node.data),)
        except DOMAIN_ERRORS as error:
            raise type(error)(f"cannot differentiate {self.describe_call([x_data])}: "
                              f"{error_reason(error)}") from None

    def _binary_pass_locals(self, node: Value, create_graph: bool) -> Sequence[Any]:
        a, b = node.parents
        a_data, b_data = a.data, b.data
        self._check_current(node, (a_data, b_data))
        d_a, d_b = self.rules
        try:
            if create_graph:
                return (None if a._pass is None else d_a(a, b, node),
                        None if b._pass is None else d_b(a, b, node))
            out = node.data
            return (None if a._pass is None else d_a(a_data, b_data, out),
                    None if b._pass is None else d_b(a_data, b_data, out))
        except DOMAIN_ERRORS as error:
            raise type(error)(f"cannot differentiate {self.describe_call([a_data, b_data])}: "
                              f"{error_reason(error)}") from None

    def _binary_constant_pass_locals(self, node: Value, create_graph: bool) -> Sequence[Any]:
        a, b = node.parents
        self._check_current(node, (a.data, b.data))
        if a._pass is None or b._pass is None:
            d_a, d_b = self.rules
            return (None if a._pass is None else d_a, None if b._pass is None else d_b)
        return self.rules

    def _general_pass_locals(self, node: Value, create_graph: bool) -> Sequence[Any]:
        parents = node.parents
        args: list[Any] = [p.data for p in parents]
        if self.settings:
            args.extend(self.settings)
        self._check_current(node, args)
        # One rule per input: evaluate only those of the parents in the pass. A rule for
        # any number of inputs (sum, dot, ...) gives them all at once.
        wanted = [p._pass is not None for p in parents] if self.local is None else None
        if create_graph:
            return self.derivatives_at([*parents, *self.settings], node, wanted)
        return self.derivatives_at(args, node.data, wanted)

    def check_current(self, node: Value) -> None:
        """Raise StaleGraphError unless `node` still equals this op applied to its parents."""
        self._check_current(node, [*(p.data for p in node.parents), *node.settings])

    def _check_current(self, node: Value, args: Sequence[float]) -> None:
        """Raise StaleGraphError unless ``node.data == forward(*args)``."""
        try:
            current = self.forward(*args)
        except DOMAIN_ERRORS:
            current = math.nan
        if current != node.data:
            raise self._stale(node, args, current)

    def _stale(self, node: Value, args: Sequence[float], current: float) -> StaleGraphError:
        return StaleGraphError(
            f"the graph is out of date: the node {self.describe_call(args)} holds "
            f"{node.data:g} but its inputs now give {current:g} (a .data was changed "
            "after the graph was built); run the forward pass again before backward")


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


def is_built_in(name: str) -> bool:
    """True for the ops of autograd.ops, False for ops declared with `define_op`."""
    return name in _BUILT_IN


# ---------------------------------------------------------------------------
# Passes over a graph
#
# A pass keeps its numbers (this pass's gradient of each node, or its tangent in
# forward mode) in the nodes' `_pass` slot: None outside a pass, and during one
# None for the nodes that take no part in it (constants, nodes off the path).
# So one pass runs at a time, and a pass never starts inside another.
# ---------------------------------------------------------------------------

_pass_lock = threading.Lock()
_in_a_pass: ContextVar[bool] = ContextVar("autograd_in_a_pass", default=False)
_DONE = object()  # on the stack of `marked_order`: "the parents of the node below are placed"
# The mark of a node in a pass that has no gradient yet. The first contribution
# replaces it as it is (no `0 + c`, which with create_graph would be one more node).
NOTHING_YET = 0.0


# A rule of your own (define_op) may do anything, even wait for another thread that
# wants a pass: a deadlock, since passes run one at a time. The pass holding the lock
# counts the rules of yours it runs, so a waiting thread can tell "busy" from "stuck".
_RULE_WAIT_SECONDS = 1.0
_rules = {"calls": 0, "running": 0}  # written only by the thread holding the pass lock


@contextmanager
def one_pass() -> Iterator[None]:
    """Hold the pass lock: passes in other threads wait; a nested pass is an error."""
    if _in_a_pass.get():
        raise RuntimeError("a backward or forward pass cannot start while another one is "
                           "running in this thread (e.g. from inside a derivative rule)")
    _acquire_pass_lock()
    token = _in_a_pass.set(True)
    try:
        yield
    finally:
        _in_a_pass.reset(token)
        _pass_lock.release()


def _acquire_pass_lock() -> None:
    """Wait for the pass of another thread to end; RuntimeError if it is stuck in one of
    your rules (the same call for over a second: most likely waiting for this thread)."""
    while True:
        calls, running = _rules["calls"], _rules["running"]
        if _pass_lock.acquire(timeout=_RULE_WAIT_SECONDS):
            return
        if running and _rules["running"] and _rules["calls"] == calls:
            raise RuntimeError(
                "a pass cannot start in this thread: another thread's pass has been running "
                "one derivative rule of your own for over a second. Does that rule wait for "
                "this thread? Passes run one at a time, so a rule must not wait for a pass "
                "in another thread; compute what it needs before the pass or without one")


@contextmanager
def running_your_rule() -> Iterator[None]:
    """Around a call of a rule of `define_op`, inside a pass: counted for `one_pass`."""
    if not _in_a_pass.get():
        yield
        return
    _rules["calls"] += 1
    _rules["running"] += 1
    try:
        yield
    finally:
        _rules["running"] -= 1


def marked_order(root: Value, include_constants: bool) -> list[Value]:
    """The nodes `root` depends on, each after its parents (root last); marks them.

    The order of a recursive depth-first search that visits the parents in
    argument order (``a*b + c`` gives a, b, a*b, c, the sum), computed with an
    explicit stack instead of recursion, so a chain of a million nodes is fine.
    Each node met is marked by setting ``_pass`` to `NOTHING_YET`, so it is
    placed once; without `include_constants`, constants are left out and
    unmarked. Run it inside `one_pass` and clear the marks afterwards.
    """
    order: list[Value] = []
    stack: list[Any] = [root]
    while stack:
        node = stack.pop()
        if node is _DONE:
            order.append(stack.pop())  # the node under the marker: its parents are placed
        elif node._pass is None:  # not met yet (a node may be pushed more than once)
            if not node.parents:  # a leaf waits for nothing
                if include_constants or type(node) is not Constant:
                    node._pass = NOTHING_YET
                    order.append(node)
                continue
            node._pass = NOTHING_YET
            stack.append(node)
            stack.append(_DONE)  # come back to the node once its parents are placed
            for parent in reversed(node.parents):  # the first parent is popped first
                if parent._pass is None:
                    stack.append(parent)
    return order


def clear_marks(order: list[Value]) -> None:
    for node in order:
        node._pass = None


def topological_order(root: Value) -> list[Value]:
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
    the root has brought its share by then (reverse topological order). A parent
    whose ``_pass`` is None takes no part: it receives nothing, and a rule of one
    input is never evaluated for it. A gradient that is not finite stops the pass
    with OverflowError.
    """
    for node in reversed(order):
        upstream = node._pass
        if upstream is None:
            continue  # no part of this pass
        if not isfinite(upstream):
            raise _overflow(order, node)
        operation = node.operation
        if operation is None:
            continue  # a leaf only receives
        for parent, local in zip(node.parents, operation.pass_locals(node, create_graph)):
            so_far = parent._pass
            if so_far is None:
                continue  # the parent takes no part (a constant, or off the paths asked for)
            contribution = local * upstream
            parent._pass = contribution if so_far is NOTHING_YET else so_far + contribution


def _overflow(order: list[Value], culprit: Value) -> OverflowError:
    """Say where the gradient of `culprit` stopped being finite (float mode)."""
    done = set(order[order.index(culprit) + 1:])  # the nodes that passed theirs on
    for node in reversed(order):
        if node not in done or node.operation is None or culprit not in node.parents:
            continue
        upstream = node._pass
        for parent, local in zip(node.parents, node.operation.pass_locals(node, False)):
            if parent is culprit and local is not None and not isfinite(local * upstream):
                return OverflowError(
                    f"the gradient overflows at {_describe(node)}: its local derivative "
                    f"{local:g} times the gradient {upstream:g} arriving from the output is "
                    "not finite")
    return OverflowError(f"the gradient of the node {_describe(culprit)} overflows to "
                         f"{culprit._pass} when the contributions of its paths add up")


def _describe(node: Value) -> str:
    if node.label:
        return repr(node.label)
    if node.operation is None:
        return f"leaf {node.data:g}"
    return node.operation.describe_call([*(p.data for p in node.parents), *node.settings])


def seed_of(root: object, grad: object, create_graph: bool) -> Any:
    """The starting gradient d root/d root of a pass, checked."""
    if not isinstance(root, Value):
        raise TypeError(f"backward needs a Value as output, got {type(root).__name__}")
    if isinstance(grad, Value):
        return grad if create_graph else grad.data
    seed = as_float(grad, "the starting gradient")
    return Value(seed) if create_graph else seed


def backward(root: Value, grad: Number | Value = 1.0, create_graph: bool = False) -> None:
    """Add d(root)/d(node) · grad to ``node.grad`` for every node of the graph.

    The pass first works out its own gradients, then adds them, so intermediate
    nodes get their gradient too (drawings show it) and calling backward n times
    leaves n times the gradient everywhere (reset with `autograd.zero_grad`).
    Constants keep 0.0. A ``.grad`` of None counts as 0 (PyTorch's habit). If a
    derivative cannot be computed (say sqrt at 0), the graph is out of date, or a
    gradient overflows, the error is raised before any ``.grad`` changes.
    """
    seed = seed_of(root, grad, create_graph)
    with one_pass():
        order = marked_order(root, include_constants=False)
        if not order:
            return  # a constant: it keeps no gradient
        try:
            root._pass = seed
            propagate(order, create_graph)
            for node in order:  # each node's new .grad, all checked before any is written
                old, gradient = node.grad, node._pass
                if type(old) is float and type(gradient) is float and isfinite(old + gradient):
                    node._pass = old + gradient  # the usual case, without a call
                else:
                    node._pass = _accumulated(node)  # Values, None, or an overflow to name
        except BaseException:
            clear_marks(order)
            raise
        for node in order:
            node.grad = node._pass
            node._pass = None


def _accumulated(node: Value) -> Any:
    """What ``node.grad`` will hold after this pass: its old ``.grad`` plus this pass's
    gradient (in ``node._pass``); OverflowError, naming the node, if that is not finite."""
    gradient = node._pass
    old = node.grad
    if old is None:  # PyTorch's set_to_none habit: None counts as 0
        old = 0.0
    if isinstance(gradient, Value):
        if old == 0.0:  # keep the Value itself (0 + g would be one more node)
            return gradient
        try:
            return old + gradient
        except OverflowError:
            raise _accumulation_overflow(node, old, gradient) from None
    total = old + gradient
    if not isfinite(total):
        raise _accumulation_overflow(node, old, gradient)
    return total


def _accumulation_overflow(node: Value, old: Any, gradient: Any) -> OverflowError:
    return OverflowError(
        f"the gradient of {_describe(node)} would overflow: its .grad {float(old):g} plus "
        f"this pass's {float(gradient):g} is not a finite float (call autograd.zero_grad "
        "between passes, or lower the starting gradient); no .grad was changed")
