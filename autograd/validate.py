"""Argument checks shared by every module, with messages that name the problem.

Each checker takes the value and the name to show (``"lr"``, ``"gradcheck: eps"``),
returns the value in its plain form (a float or an int) when it is acceptable,
and otherwise raises

- ``TypeError`` when the value has the wrong type, naming the type and the value:
  ``lr must be a real number, got str '0.1'``;
- ``ValueError`` when the type is right but the value is not:
  ``lr must be > 0, got -1.0``.

A bool is never a number here, although Python counts ``True`` as ``1``:
``fit(model, X, y, epochs=True)`` is almost surely a mistake.

The predicates `is_real` and `is_integer` answer the same question without
raising, for callers that accept other types too (a Value or a number).

Standard library only: the engine's core may use it.
"""

from __future__ import annotations

import inspect
import math
import numbers
from collections.abc import Callable, Collection
from typing import Any

__all__ = ["choice", "finite", "flag", "function", "in_interval", "integer", "is_integer",
           "is_real", "non_negative", "positive", "real", "shown"]


def is_real(value: object) -> bool:
    """True for an int, a float or another real number type (numpy's), never a bool."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def is_integer(value: object) -> bool:
    """True for an int (or numpy's integer types), never a bool."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def real(value: object, name: str) -> float:
    """`value` as a float if it is a real number (not a bool); nan and ±inf pass."""
    if not is_real(value):
        raise TypeError(f"{name} must be a real number, got {_typed(value)}")
    try:
        return float(value)  # type: ignore[arg-type]
    except OverflowError:  # an int with more than about 308 digits
        raise ValueError(f"{name} is too large for a float, got {shown(value)}") from None


def finite(value: object, name: str) -> float:
    """`value` as a float if it is a real number that is neither nan nor ±inf."""
    number = real(value, name)
    if not math.isfinite(number):
        raise ValueError(f"{name} must be finite, got {number}")
    return number


def positive(value: object, name: str) -> float:
    """`value` as a float if it is a finite real number > 0."""
    number = finite(value, name)
    if number <= 0:
        raise ValueError(f"{name} must be > 0, got {shown(value)}")
    return number


def non_negative(value: object, name: str) -> float:
    """`value` as a float if it is a finite real number >= 0."""
    number = finite(value, name)
    if number < 0:
        raise ValueError(f"{name} must be >= 0, got {shown(value)}")
    return number


def in_interval(value: object, name: str, low: float, high: float, *,
                include_low: bool = True, include_high: bool = True) -> float:
    """`value` as a float if it lies in the interval from `low` to `high`.

    The ends are included unless told otherwise, and the message writes the
    interval as mathematicians do: ``momentum must be in [0, 1), got 1.0``.
    """
    number = finite(value, name)
    above_low = number >= low if include_low else number > low
    below_high = number <= high if include_high else number < high
    if not (above_low and below_high):
        interval = (f"{'[' if include_low else '('}{low:g}, "
                    f"{high:g}{']' if include_high else ')'}")
        raise ValueError(f"{name} must be in {interval}, got {shown(value)}")
    return number


def integer(value: object, name: str, *, minimum: int | None = None,
            maximum: int | None = None) -> int:
    """`value` as an int if it is an integer (not a bool, not a float like 3.0)
    between `minimum` and `maximum` (each included; None: no bound)."""
    if not is_integer(value):
        raise TypeError(f"{name} must be an int, got {_typed(value)}")
    number = int(value)  # type: ignore[call-overload]
    too_small = minimum is not None and number < minimum
    too_large = maximum is not None and number > maximum
    if too_small or too_large:
        if minimum is not None and maximum is not None:
            wanted = f"an int from {minimum} to {maximum}"
        elif minimum is not None:
            wanted = f"an int >= {minimum}"
        else:
            wanted = f"an int <= {maximum}"
        raise ValueError(f"{name} must be {wanted}, got {shown(value)}")
    return number


def flag(value: object, name: str) -> bool:
    """`value` if it is True or False. Anything else, even what Python counts as true or
    false (``"no"``, ``0``, None), is a TypeError: ``raise_on_failure="no"`` would
    otherwise mean yes."""
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be True or False, got {_typed(value)}")
    return value


def choice(value: object, name: str, choices: Collection[str]) -> str:
    """`value` if it is one of `choices` (names such as ``"relu"``, ``"tanh"``)."""
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"unknown {name} {shown(value)}; choose one of {', '.join(choices)}")
    return value


# ---------------------------------------------------------------------------
# How values are shown in messages
# ---------------------------------------------------------------------------

_LONGEST_SHOWN = 60  # characters of a value's repr in a message


def shown(value: object) -> str:
    """repr(value), cut to a readable length (a 5,000-digit int cannot even be printed)."""
    if isinstance(value, int) and value.bit_length() > 10_000:
        return f"an int of {value.bit_length()} bits"  # str() refuses over 4300 digits
    try:
        text = repr(value)
    except Exception:  # a repr that fails must not hide the real error
        return f"a {type(value).__name__} object"
    if len(text) > _LONGEST_SHOWN:
        text = f"{text[:_LONGEST_SHOWN - 3]}... ({len(text)} characters)"
    return text


def function(value: object, name: str, arguments: int) -> Callable[..., Any]:
    """`value` if it is a function that can be called with `arguments` positional
    arguments (as far as its signature tells; some built-ins do not say)."""
    if not callable(value):
        raise TypeError(f"{name} must be a function, got {_typed(value)}")
    try:
        signature = inspect.signature(value)
    except (TypeError, ValueError):
        return value
    try:
        signature.bind(*range(arguments))
    except TypeError:
        raise TypeError(f"{name} is called with {arguments} argument(s), one per input, "
                        f"but its signature is {signature}") from None
    return value


def _typed(value: object) -> str:
    return f"{type(value).__name__} {shown(value)}"
