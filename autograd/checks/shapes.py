"""The inputs of the hand checks: numbers, nested lists or numpy arrays, their shapes and names.

`check_hand_gradient` and `check_hand_backward` take each input as a number, nested lists
of numbers or a numpy array (and the inputs as a list, or a dict by name). An input
reaches the function differentiated as Values in the same shape (an object array of
Values for a numpy array, so ``W * W`` and ``X.dot(W)`` work) and a hand-gradient
function as plain floats (a float array for a numpy array). Elements are named like
``W[0][1]``. `gradcheck` uses `is_array` for its 1-D arrays.

numpy is imported inside `like` and `float_copy` only, once an array has been passed
(so numpy is loaded already): ``import autograd`` stays standard-library only.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from autograd import validate
from autograd.core import Constant, Value

__all__ = ["arguments_and_names", "as_values", "called_with_dict", "elements", "flatten",
           "float_copy", "floats", "intermediate_elements", "is_array", "like", "rebuild",
           "shape_of", "shape_text"]


def arguments_and_names(function: str, inputs: Sequence[Any] | Mapping[str, Any],
                         names: Sequence[str] | None) -> tuple[list[Any], list[str], bool]:
    """The inputs, their names, and whether they came as a dict (keyed by name)."""
    if isinstance(inputs, Mapping):
        if names is not None:
            raise ValueError(f"{function}: a dict of inputs names them by its keys; leave "
                             "names out")
        return list(inputs.values()), [str(k) for k in inputs], True
    if isinstance(inputs, (Value, numbers.Number, str)) or not isinstance(inputs, Sequence):
        raise TypeError(f"{function}: inputs must be a list or tuple with one argument per "
                        f"entry, or a dict name -> input, got {type(inputs).__name__}")
    args = list(inputs)
    if not args:
        raise ValueError(f"{function}: needs at least one input")
    if names is None:
        names = [f"x{i}" for i in range(len(args))]
    if isinstance(names, str) or not isinstance(names, Sequence):
        raise TypeError(f"{function}: names must be a list of names, one per input, got "
                        f"{type(names).__name__} {names!r}")
    names = [str(n) for n in names]
    if len(names) != len(args):
        raise ValueError(f"{function}: {len(args)} inputs but {len(names)} names")
    if len(set(names)) != len(names):
        raise ValueError(f"{function}: the names must differ, got {names}")
    return args, names, False


def called_with_dict(fn: Callable[..., Any], names: Sequence[str]) -> Callable[..., Any]:
    """fn taking one dict name -> input, called as fn(*inputs) like the others."""
    def call(*xs: Any) -> Any:
        return fn(dict(zip(names, xs)))

    return call


def flatten(x: Any, name: str, what: str, function: str) -> list[tuple[str, float]]:
    """[(name, number)] for a number or nested lists of numbers, e.g. W[0][1]."""
    if hasattr(x, "tolist") and not isinstance(x, Value):
        x = x.tolist()  # a numpy array
    if isinstance(x, Value):
        return [(name, x.data)]
    if validate.is_real(x):
        return [(name, validate.real(x, f"{function}: {what} {name}"))]
    if isinstance(x, (list, tuple)):
        flat: list[tuple[str, float]] = []
        for i, item in enumerate(x):
            flat.extend(flatten(item, f"{name}[{i}]", what, function))
        return flat
    raise TypeError(f"{function}: {what} {name} must be a number or a (nested) "
                    f"list of numbers, got {type(x).__name__}")


def shape_of(x: Any) -> Any:
    """None for a number, else the list of the items' shapes."""
    if hasattr(x, "tolist") and not isinstance(x, Value):
        x = x.tolist()
    if isinstance(x, (list, tuple)):
        return [shape_of(item) for item in x]
    return None


def shape_text(x: Any) -> str:
    """``(6, 4)`` for a 6×4 nested list, ``a single number``, or a ragged description."""
    shape = shape_of(x)
    if shape is None:
        return "a single number"
    dims: list[int] = []
    level: Any = shape
    while isinstance(level, list):
        dims.append(len(level))
        if not level:
            break
        if any(item != level[0] for item in level):
            return f"a ragged list of {len(shape)}"
        level = level[0]
    return f"({', '.join(map(str, dims))}{',' if len(dims) == 1 else ''})"


def rebuild(template: Any, numbers_: Iterator[Any]) -> Any:
    """Nested lists shaped like `template` (an object array for a numpy array), filled
    from `numbers_` in order."""
    if is_array(template) and not isinstance(template, Value):
        return like(template, rebuild(template.tolist(), numbers_))
    if shape_of(template) is None:
        return next(numbers_)
    return [rebuild(item, numbers_) for item in template]


def as_values(arg: Any, name: str, function: str) -> Any:
    """The input as fresh leaf Values in its shape, labelled W[0][1] and so on."""
    flat = flatten(arg, name, "input", function)
    if not flat:
        raise ValueError(f"{function}: input {name} has no entries (an empty list or array): "
                         "nothing to check")
    for label, value in flat:
        if not math.isfinite(value):
            raise ValueError(f"{function}: input {label} is {value}")
    return rebuild(arg, iter(Value(value, label=label) for label, value in flat))


def floats(arg: Any, name: str, function: str) -> Any:
    """A copy of the input as plain floats (so `backward` cannot change it): a float
    array for a numpy array, nested lists for lists."""
    numbers_ = [v for _, v in flatten(arg, name, "input", function)]
    if is_array(arg):
        return float_copy(arg)
    return rebuild(arg, iter(numbers_))


def elements(values: Any, name: str, function: str) -> list[tuple[str, Value | None]]:
    """[(element name, leaf)] of an input made by `_as_values`."""
    if is_array(values) and not isinstance(values, Value):
        values = values.tolist()
    if isinstance(values, Value):
        return [(name, values)]
    return [pair for i, item in enumerate(values)
            for pair in elements(item, f"{name}[{i}]", function)]


def intermediate_elements(computed: Any, name: str,
                           top: bool = True) -> list[tuple[str, Value | None]]:
    """[(element name, node)] of a stage forward returned: Values in nested lists or an
    object array. An element that is a plain number (the 0 np.maximum(0, ·) keeps) is a
    constant of the graph: its node is None."""
    if isinstance(computed, Value):
        if type(computed) is Constant:
            raise TypeError(f"check_hand_backward: the intermediate {name} is a constant (a "
                            "plain number in the graph), not computed from the inputs")
        return [(name, computed)]
    if validate.is_real(computed) and not top:
        return [(name, None)]
    if hasattr(computed, "tolist"):
        computed = computed.tolist()
    if isinstance(computed, (list, tuple)):
        return [pair for i, item in enumerate(computed)
                for pair in intermediate_elements(item, f"{name}[{i}]", top=False)]
    raise TypeError(f"check_hand_backward: the intermediate {name} must be a Value of the "
                    f"graph (or nested lists of them), got {type(computed).__name__}")


def is_array(x: object) -> bool:
    """True for a numpy array (duck-typed: shape, dtype and tolist)."""
    return all(hasattr(x, name) for name in ("shape", "dtype", "tolist")) and not isinstance(
        x, numbers.Number)


def like(template: Any, nested: Any) -> Any:
    """`nested` (lists, or one item for a 0-d template) as an object array shaped like
    `template`; the items (Values) are kept as they are."""
    import numpy as np  # an array was passed: numpy is loaded already

    out = np.empty(template.shape, dtype=object)
    if out.ndim == 0:
        out[()] = nested
    else:
        flat = out.reshape(-1)
        flat[:] = list(_items(nested))
    return out


def float_copy(x: Any) -> Any:
    """A float64 copy of an array (so a gradient function may change what it gets)."""
    import numpy as np

    return np.array(x, dtype=np.float64)


def _items(nested: Any) -> Any:
    """The leaves of nested lists, in order."""
    if isinstance(nested, list):
        for item in nested:
            yield from _items(item)
    else:
        yield nested
