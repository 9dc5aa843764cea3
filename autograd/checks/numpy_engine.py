"""The engine's gradient of a numpy function: the function run on object arrays of Values.

numpy's object dtype runs Python's operators on the elements, so ``X.dot(W)`` with W
an array of `Value` s computes Σ_k X[i, k]·W[k, j] with the engine's ``*`` and ``+``,
and ufuncs call the element's method of the same name (``np.exp(A)`` calls each
``a.exp()``). The student's own code then records the graph of its loss, and one
reverse pass gives d loss / d W[i, j] for every entry asked about.

The arrays are `_Cells`, ndarrays whose in-place updates of float arrays take the
Values' numbers, so the hand gradient's own code (``dW += 2 * reg * W``) runs too.
Only the entries checked need to be Values. The others are `_Plain` numbers: floats
that stay `_Plain` through arithmetic and have the methods numpy's object loops call
(``exp``, ``log``, ``tanh``, ...), so a graph is recorded only through the checked
entries. If the function still trips on them (a numpy scalar in the way), it is run
again with every entry a Value; if that fails too, there is no engine gradient and
the note says why.
"""

from __future__ import annotations

import math
import re
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from autograd.backprop import grad, topological_order
from autograd.core import Value

__all__ = ["engine_gradients"]

_AUTOGRAD = Path(__file__).resolve().parents[1]
_NUMPY = Path(np.__file__).resolve().parent


class _Plain(float):
    """An entry that is not checked: a float numpy's object loops can call exp, log, ... on.

    Arithmetic with numbers gives a `_Plain` again (with a Value, the Value's operator
    takes over), so every array computed from it keeps those methods.
    """

    __slots__ = ()


def _arithmetic(name: str) -> Callable[..., Any]:
    base = getattr(float, name)

    def method(self: float, *others: Any) -> Any:
        result = base(self, *others)
        return result if result is NotImplemented else _Plain(result)

    method.__name__ = name
    return method


def _function(name: str, function: Callable[[float], float]) -> Callable[[float], Any]:
    def method(self: float) -> Any:
        return _Plain(function(self))

    method.__name__ = name
    return method


for _name in ("__add__", "__radd__", "__sub__", "__rsub__", "__mul__", "__rmul__",
              "__truediv__", "__rtruediv__", "__pow__", "__rpow__", "__neg__", "__pos__",
              "__abs__", "__mod__", "__rmod__"):
    setattr(_Plain, _name, _arithmetic(_name))
_MATH: dict[str, Callable[[float], float]] = {
    "exp": math.exp, "log": math.log, "sqrt": math.sqrt, "tanh": math.tanh,
    "log1p": math.log1p, "expm1": math.expm1, "log2": math.log2, "log10": math.log10,
    "sin": math.sin, "cos": math.cos, "tan": math.tan, "sinh": math.sinh, "cosh": math.cosh,
    "arcsin": math.asin, "arccos": math.acos, "arctan": math.atan, "exp2": lambda x: 2.0 ** x,
}
for _name, _math_function in _MATH.items():
    setattr(_Plain, _name, _function(_name, _math_function))


class _Cells(np.ndarray):
    """An object array of the input's entries, and every object array computed from it.

    It behaves as the ndarray it is, with two differences, each for code students
    write (a boolean mask, ``dhidden * (hidden > 0)``, needs none: the engine takes a
    bool as the constant 0 or 1):

    - a float array updated in place with it (``dW = np.zeros(W.shape)`` ...
      ``dW += 2 * reg * W``, the hand gradient's code) takes the Values' numbers
      instead of refusing to cast object to float64 (that part of the function is not
      differentiated, only its loss is);
    - the plain 0 that ``np.maximum(0, A)`` keeps where A < 0 becomes a `_Plain`, so
      ``np.exp`` of the result works.
    """

    __array_priority__ = 20.0  # X.dot(W) and X @ W give a _Cells too

    def __array_ufunc__(self, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Any:
        plain = [x.view(np.ndarray) if isinstance(x, _Cells) else x for x in inputs]
        out = kwargs.get("out")
        if out is not None:
            kwargs["out"] = tuple(o.view(np.ndarray) if isinstance(o, _Cells) else o
                                  for o in out)
            kwargs.setdefault("casting", "unsafe")
        result = getattr(ufunc, method)(*plain, **kwargs)
        if out is not None:
            return out[0] if len(out) == 1 else out
        if isinstance(result, tuple):
            return tuple(_cells(r) for r in result)
        if ufunc.__name__ in _CHOOSING and method == "__call__":
            result = _numbers_as_plain(result)
        return _cells(result)


_CHOOSING = {"maximum", "minimum", "fmax", "fmin", "clip"}  # each picks one of its inputs


def _numbers_as_plain(result: Any) -> Any:
    """np.maximum(0, A) keeps the int 0 where A < 0: as a `_Plain`, np.exp can take it."""
    if not (isinstance(result, np.ndarray) and result.dtype == object):
        return result
    flat = result.reshape(-1)
    for i, item in enumerate(flat.tolist()):
        if type(item) in (int, float):
            flat[i] = _Plain(item)
    return result


def _cells(result: Any) -> Any:
    """An object array as `_Cells`; anything else as it is."""
    if isinstance(result, np.ndarray) and result.dtype == object:
        return result.view(_Cells)
    return result


def engine_gradients(
    run: Callable[[list[Any]], Any],
    arrays: Sequence[np.ndarray],
    entry_names: Sequence[Sequence[str]],
    chosen: Sequence[np.ndarray],
) -> tuple[list[np.ndarray | None], str]:
    """Per input, d loss / d entry at the `chosen` flat indices, or None where the engine
    has none (the loss does not reach that input through the graph); and a note, ""
    unless the function could not be run on Values at all (then every input is None).

    `run(arrays)` calls the function and returns its result, ``(loss, ...)``.
    """
    sampled = any(len(picks) < array.size for picks, array in zip(chosen, arrays))
    error: Exception | None = None
    for every_entry in ((False, True) if sampled else (True,)):
        try:
            return _gradients(run, arrays, entry_names, chosen, every_entry), ""
        except Exception as failure:  # the student's code on Values: anything may go wrong
            error = failure
    assert error is not None
    return [None] * len(arrays), _could_not_follow(error)


def _gradients(run: Callable[[list[Any]], Any], arrays: Sequence[np.ndarray],
               entry_names: Sequence[Sequence[str]], chosen: Sequence[np.ndarray],
               every_entry: bool) -> list[np.ndarray | None]:
    leaves: list[list[Value]] = []
    objects = []
    for array, names, picks in zip(arrays, entry_names, chosen):
        numbers = array.reshape(-1).tolist()
        cells: list[Any] = ([Value(v) for v in numbers] if every_entry
                            else [_Plain(v) for v in numbers])
        mine = []
        for i, name in zip(picks.tolist(), names):
            cells[i] = Value(numbers[i], label=name)
            mine.append(cells[i])
        cube = np.empty(len(cells), dtype=object)
        cube[:] = cells
        objects.append(cube.reshape(array.shape).view(_Cells))
        leaves.append(mine)
    result = run(objects)
    loss = result[0] if isinstance(result, (tuple, list)) and result else result
    if isinstance(loss, np.ndarray) and loss.size == 1:
        loss = loss.reshape(-1)[0]
    if not isinstance(loss, Value):
        return [None] * len(arrays)
    flat = [leaf for mine in leaves for leaf in mine]
    gradients = iter(grad(loss, flat))
    found: list[np.ndarray | None] = [
        np.array([float(next(gradients)) for _ in mine]) for mine in leaves]
    if any(not np.any(values) for values in found if values is not None):
        in_graph = set(topological_order(loss))  # all 0: reached, or not at all?
        found = [values if np.any(values) or any(leaf in in_graph for leaf in mine) else None
                 for values, mine in zip(found, leaves)]
    return found


def _could_not_follow(error: Exception) -> str:
    """Why the function cannot run on Values, where, and what to do about it."""
    text = f"{type(error).__name__}: {error}"
    frames = [frame for frame in traceback.extract_tb(error.__traceback__)
              if not _inside(frame.filename)]
    where = ""
    if frames:
        frame = frames[-1]
        where = f", in {frame.name}, line {frame.lineno}"
        if frame.line:
            where += f": {frame.line.strip()}"
    hint = ""
    missing = re.search(r"of type (\w+) which has no callable (\w+) method", str(error))
    if missing and missing.group(1) == "Value":
        hint = (f"; numpy's {missing.group(2)} calls each Value's .{missing.group(2)}(), which "
                "the engine does not have: write it with the engine's functions")
    elif missing:
        hint = (f"; a plain {missing.group(1)} among the Values (np.maximum(0, ·) keeps the "
                f"number 0 where its input is negative) has no .{missing.group(2)}()")
    return (f"the engine could not follow f ({text}{where}){hint}; every entry is compared "
            "with central differences only")


def _inside(filename: str) -> bool:
    """True for a frame of numpy or of autograd itself (not the student's code)."""
    try:
        path = Path(filename).resolve()
    except (OSError, ValueError):
        return False
    return path.is_relative_to(_AUTOGRAD) or path.is_relative_to(_NUMPY)
