"""`Op`: one primitive operation, declared once (forward, local derivatives, formulas).

An op is declared with three things side by side: its forward computation on
floats, the local derivative ∂out/∂input for each input, and the text of each
formula (what the stepper and the drawings show). A derivative rule is written
with ``+ - * / **``, comparisons and the engine's functions, which accept floats
and Values alike, so the one rule serves an ordinary backward pass (floats),
``create_graph=True`` (Values: higher derivatives) and forward mode.

Applying an op makes a node (`Value`); the built-in ops are the table in
`autograd.ops`; `autograd.define_op` declares your own.
"""

from __future__ import annotations

import copy
import math
import numbers
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from autograd.core import (
    DOMAIN_ERRORS,
    Constant,
    Operand,
    StaleGraphError,
    Value,
    as_float,
    is_recording,
    isfinite,
    short_repr,
)

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
            raise type(error)(f"{self.describe_call(args)}: {error}") from None
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
        """A plain number next to a Value, as a `Constant` leaf (TypeError if no number)."""
        if isinstance(x, bool) or not isinstance(x, numbers.Real):
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
            raise type(error)(f"{self.describe_call([x.data])}: {error}") from None
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
            raise type(error)(f"{self.describe_call([a.data, b.data])}: {error}") from None
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
                f"cannot differentiate {self.describe_call(args)}: {error}") from None
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
                              f"{error}") from None

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
                              f"{error}") from None

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
