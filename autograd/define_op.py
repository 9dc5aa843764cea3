"""`define_op`: declare a primitive of your own, checked as carefully as a built-in.

The op is then known everywhere a built-in is (``autograd.OPS``, expressions, the
strategies and the checks). What this module adds to `autograd.core.Op` is the checking a
learner's own functions need: the forward and each rule must take the right number of
arguments, and a rule must return a number (a Value when given Values), else the error
names the op and the rule.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Sequence
from typing import Any

from autograd.core import Domain, Op, Value, register
from autograd.errors import NanError
from autograd.one_pass import running_your_rule
from autograd.validate import integer

__all__ = ["define_op"]


def define_op(
    name: str,
    forward: Callable[..., float],
    derivatives: Sequence[Callable[..., Any] | float],
    formulas: Sequence[str],
    symbol: str | None = None,
    num_settings: int = 0,
    domain: Domain | Sequence[Domain] | None = None,
    setting_names: Sequence[str] = (),
) -> Op:
    """Declare and register a primitive with a fixed number of inputs; return it.

    Args:
        name:        the op's name (shown as ``node.op``); not a built-in's name.
        forward:     ``forward(*inputs, *settings) -> float`` on plain floats.
        derivatives: one function per input; the i-th is called as
                     ``d(*inputs, *settings, out)`` and returns ∂out/∂input_i
                     (or a number, for a constant derivative: ``2`` in ``2·x``).
                     Write rules with operators and autograd's functions
                     (``autograd.exp``, not ``math.exp``): under ``create_graph``
                     and in forward mode they get Values, which ``math.exp`` would
                     turn into a plain float, so a second derivative would be 0.
        formulas:    one text per input, e.g. ``"d(x^2)/dx = 2x"``.
        symbol:      what drawings show in the op's node (default: ``name``).
        num_settings: how many fixed numbers follow the inputs (like the ``3``
                     in ``x ** 3``); they are settings, not graph parents.
        domain:      where property tests and strategies draw its inputs
                     (default: each input in [-3, 3]).
        setting_names: names of the settings, for messages (``["t"]``).

    The op is then known everywhere: ``autograd.OPS[name]``, expressions
    (``backprop check "square(x)" x=3``), strategies and checks. Example::

        square = define_op("square", forward=lambda x: x * x,
                           derivatives=[lambda x, out: 2 * x],
                           formulas=["d(x^2)/dx = 2x"])
        y = square(Value(3.0))      # a Value with op "square"
    """
    derivatives, formulas = list(derivatives), list(formulas)
    num_settings = integer(num_settings, f"op {name!r}: num_settings", minimum=0)
    _check_signature(name, "forward", forward, len(derivatives) + num_settings)
    for i, rule in enumerate(derivatives):
        if callable(rule):  # else a constant derivative, which Op checks is a number
            _check_signature(name, f"derivative rule {i}", rule,
                             len(derivatives) + num_settings + 1)
    rules = [_checked_rule(name, i, rule) if callable(rule) else rule
             for i, rule in enumerate(derivatives)]
    op = Op(name, forward, rules, formulas, symbol=symbol, num_settings=num_settings,
            setting_names=setting_names, domain=domain)
    return register(op)


def _checked_rule(name: str, i: int, rule: Callable[..., Any]) -> Callable[..., Any]:
    """`rule`, made to return what the passes need, or to say clearly why it cannot.

    A rule of your own gets floats (an ordinary pass) or Values (``create_graph``,
    forward mode) and must return a number, or a Value for Value arguments. A Value
    returned to a float pass (a Value from outside the graph used in the rule) gives
    its number; an int gives its float; nan or ±inf is an error naming the rule; anything
    else is a TypeError naming the op.
    """
    def checked(*args: Any) -> Any:
        with running_your_rule():
            local = rule(*args)
        if type(local) is float:
            if -math.inf < local < math.inf:
                return local
            # (the passes add "cannot differentiate op(x): " to a domain error)
            if local != local:
                raise NanError(f"derivative rule {i} returned nan, not a number")
            raise OverflowError(f"derivative rule {i} returned {local}: the derivative is "
                                "not finite there")
        if isinstance(local, Value):
            return local if any(isinstance(a, Value) for a in args) else local.data
        call = f"{name}({', '.join(f'{float(a):g}' for a in args[:-1])})"
        if isinstance(local, bool) or not isinstance(local, (int, float)):
            raise TypeError(f"cannot differentiate {call}: derivative rule {i} returned "
                            f"{type(local).__name__}, not a number; a rule returns "
                            "∂out/∂input as a float (a Value when given Values)")
        try:
            return float(local)
        except OverflowError:
            raise OverflowError(f"derivative rule {i} returned an int too large for a "
                                "float") from None

    return checked


def _check_signature(name: str, what: str, function: Callable[..., Any], count: int) -> None:
    """Refuse a function that cannot take `count` positional arguments (when we can tell)."""
    if not callable(function):
        raise TypeError(f"define_op({name!r}): {what} must be a function, "
                        f"got {type(function).__name__}")
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):  # some built-ins do not say
        return
    try:
        signature.bind(*range(count))
    except TypeError:
        raise ValueError(f"define_op({name!r}): {what} must take {count} argument(s) "
                         f"({_what_it_takes(what, count)}), but its signature is "
                         f"{signature}") from None


def _what_it_takes(what: str, count: int) -> str:
    if what == "forward":
        return "the inputs, then the settings"
    return "the inputs, then the settings, then out"
