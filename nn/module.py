"""Neurons, layers and multi-layer perceptrons built from scalar Values.

The lecture's layer is ``a = b + W h`` followed by ``h' = g(a)``. Here each
neuron computes its pre-activation as ONE `autograd.dot` node (``w · x``) plus
its bias, then applies the activation ``g``::

    >>> model = MLP(2, [16, 16, 1], seed=0)   # 2 inputs, two hidden layers, 1 output
    >>> score = model([0.5, -1.0])            # a Value (the last layer has one output)

Naming (used by ``named_parameters``, ``state_dict`` and the ``label`` of every
parameter, so graphs can group them): layers are numbered from 1 (layer1 is the
first hidden layer, as in the lecture's ``h_1 = g(b_1 + W_1 x)``); neurons and
weights from 0, like Python indices. ``layer1.neuron3.w2`` is the weight that
the 4th neuron of the first layer puts on its 3rd input, ``layer1.neuron3.b``
its bias.

Initialisation is seeded and reproducible: ``random.Random(seed)``. The default
``init="uniform"`` draws every weight from U(-1, 1) like micrograd, in the same
order, so ``MLP(2, [16, 16, 1], seed=s)`` starts from exactly the weights of
micrograd's ``MLP(2, [16, 16, 1])`` after ``random.seed(s)``; ``init="he"``
draws from U(-√(6/nin), √(6/nin)), which keeps the scale of the pre-activations
steady through ReLU layers (useful for wider inputs such as 64 pixels). Biases
start at 0.

Models are saved as JSON (never pickle): ``model.save(path)`` and
``nn.load(path)`` rebuild the same model; ``model.load(path)`` loads weights
into an existing model of the same architecture.
"""

from __future__ import annotations

import json
import math
import numbers
import os
import random
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from autograd import OPS, Value

FORMAT = "backprop-lab model"
FORMAT_VERSION = 1

#: The activations a hidden layer may use: g(a) applied to the pre-activation.
ACTIVATIONS: dict[str, Callable[[Value], Value]] = {
    "relu": Value.relu,
    "tanh": Value.tanh,
    "sigmoid": Value.sigmoid,
    "linear": lambda a: a,
}
INITS = ("uniform", "he")

# The engine's dot op, Σ_i w_i·x_i as one node. Neurons call its ``apply`` on
# Values directly: inputs are converted to Values once per forward pass (in
# `_as_values`), so the per-call checks of `autograd.dot` would only repeat work.
_DOT = OPS["dot"]


class ModelFileError(ValueError):
    """A saved model that cannot be used: corrupt, or not matching the model."""


# ---------------------------------------------------------------------------
# Module: what every model has
# ---------------------------------------------------------------------------


class Module:
    """Base class: anything that owns parameters (Values that training updates).

    Subclasses implement ``named_parameters()`` and ``config()``; everything
    else (zero_grad, state_dict, save, load) is shared.
    """

    def named_parameters(self) -> list[tuple[str, Value]]:
        """``(name, parameter)`` pairs in a fixed order (see the module docstring)."""
        return []

    def parameters(self) -> list[Value]:
        """The parameters, in the same order as ``named_parameters()``."""
        return [p for _, p in self.named_parameters()]

    def zero_grad(self) -> None:
        """Set every parameter's ``.grad`` to 0.0 (do it before each backward pass)."""
        for p in self.parameters():
            p.grad = 0.0

    def config(self) -> dict[str, Any]:
        """The constructor arguments that rebuild this architecture (stored by save)."""
        raise NotImplementedError

    def state_dict(self) -> dict[str, float]:
        """``{name: number}`` for every parameter: a plain copy of the weights."""
        return {name: p.data for name, p in self.named_parameters()}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Copy numbers from `state` into the parameters.

        `state` must have exactly the parameter names of this model, each with a
        finite real number. Everything is checked before anything is written,
        so on any error (ModelFileError, a ValueError) the model is unchanged.
        """
        if not isinstance(state, Mapping):
            raise ModelFileError(f"state must be a dict of name -> number, got "
                                 f"{type(state).__name__}")
        named = self.named_parameters()
        expected = [name for name, _ in named]
        missing = [name for name in expected if name not in state]
        unexpected = [name for name in state if name not in set(expected)]
        if missing or unexpected:
            parts = []
            if missing:
                parts.append(f"missing {len(missing)} parameter(s), e.g. {missing[0]!r}")
            if unexpected:
                parts.append(f"{len(unexpected)} unknown parameter(s), e.g. {unexpected[0]!r}")
            raise ModelFileError(
                f"parameters do not match this {type(self).__name__} "
                f"({len(expected)} parameters): " + "; ".join(parts)
            )
        numbers_by_name = {name: _checked_number(name, state[name]) for name in expected}
        for name, p in named:
            p.data = numbers_by_name[name]

    # -- files ---------------------------------------------------------------

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write architecture and weights to `path` as JSON, atomically.

        The file is written to a temporary file in the same directory and then
        renamed over `path` (``os.replace``), so a crash never leaves half a
        file. Floats are written with ``repr`` precision: loading gives back
        exactly the same numbers.
        """
        for name, p in self.named_parameters():
            if not math.isfinite(p.data):
                raise ValueError(f"cannot save: parameter {name} is {p.data} (not finite)")
        document = {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "class": type(self).__name__,
            "config": self.config(),
            "parameters": self.state_dict(),
        }
        text = json.dumps(document, indent=1, allow_nan=False)
        _write_atomically(Path(path), text)

    def load(self, path: str | os.PathLike[str]) -> None:
        """Load weights saved by ``save`` into this model (same architecture).

        A corrupt file, another architecture or other parameter names raise
        ModelFileError and leave this model unchanged.
        """
        document = _read_document(Path(path))
        if (document["class"] != type(self).__name__
                or _architecture(document["config"]) != _architecture(self.config())):
            raise ModelFileError(
                f"{path}: the file holds {document['class']}({_describe(document['config'])}), "
                f"this model is {type(self).__name__}({_describe(self.config())})"
            )
        self.load_state_dict(document["parameters"])


def load(path: str | os.PathLike[str]) -> Module:
    """Rebuild the model saved in `path` (architecture and weights).

    Raises ModelFileError for a corrupt file or an unknown architecture,
    FileNotFoundError if there is no file.
    """
    document = _read_document(Path(path))
    cls = _MODEL_CLASSES.get(document["class"])
    if cls is None:
        raise ModelFileError(f"{path}: unknown model class {document['class']!r}")
    try:
        model = cls(**document["config"])
    except (TypeError, ValueError) as error:
        raise ModelFileError(f"{path}: bad architecture {document['config']!r}: {error}") from None
    model.load_state_dict(document["parameters"])
    return model


# ---------------------------------------------------------------------------
# Neuron, Layer, MLP
# ---------------------------------------------------------------------------


class Neuron(Module):
    """One unit: ``g(w · x + b)``, the dot product as a single graph node.

    Args:
        nin:        number of inputs.
        activation: ``relu``, ``tanh``, ``sigmoid`` or ``linear`` (no g).
        seed:       seed of ``random.Random`` for the weights (ignored if `rng`).
        init:       ``uniform`` (U(-1, 1), micrograd's) or ``he`` (U(±√(6/nin))).
        name:       prefix of the parameter labels, e.g. ``layer1.neuron0``.
        rng:        a ``random.Random`` to draw from (an MLP shares one).
    """

    def __init__(self, nin: int, activation: str = "relu", *, seed: int | None = None,
                 init: str = "uniform", name: str = "", rng: random.Random | None = None
                 ) -> None:
        _check_size("nin", nin)
        _check_choice("activation", activation, ACTIVATIONS)
        _check_choice("init", init, INITS)
        rng = rng if rng is not None else random.Random(seed)
        bound = 1.0 if init == "uniform" else math.sqrt(6.0 / nin)
        prefix = f"{name}." if name else ""
        self.nin = nin
        self.activation = activation
        self.init = init
        self.w = [Value(rng.uniform(-bound, bound), f"{prefix}w{i}") for i in range(nin)]
        self.b = Value(0.0, f"{prefix}b")
        self._g = ACTIVATIONS[activation]

    def __call__(self, x: Sequence[Any]) -> Value:
        """``g(w · x + b)``; `x` is a sequence of `nin` numbers or Values."""
        if len(x) != self.nin:
            raise ValueError(f"{self!r} expects {self.nin} inputs, got {len(x)}")
        return self.forward(_as_values(x))

    def forward(self, x: list[Value]) -> Value:
        """``g(w · x + b)`` for a list `x` of exactly `nin` Values (no checks)."""
        return self._g(_DOT.apply((*self.w, *x)) + self.b)

    def named_parameters(self) -> list[tuple[str, Value]]:
        return [(p.label, p) for p in (*self.w, self.b)]

    def config(self) -> dict[str, Any]:
        return {"nin": self.nin, "activation": self.activation, "init": self.init}

    def __repr__(self) -> str:
        return f"Neuron({self.nin}, activation={self.activation!r})"


class Layer(Module):
    """`nout` neurons that all read the same `nin` inputs: ``h = g(W x + b)``."""

    def __init__(self, nin: int, nout: int, activation: str = "relu", *,
                 seed: int | None = None, init: str = "uniform", name: str = "",
                 rng: random.Random | None = None) -> None:
        _check_size("nout", nout)
        rng = rng if rng is not None else random.Random(seed)
        prefix = f"{name}." if name else ""
        self.nin, self.nout = nin, nout
        self.activation = activation
        self.init = init
        self.neurons = [
            Neuron(nin, activation, init=init, name=f"{prefix}neuron{j}", rng=rng)
            for j in range(nout)
        ]

    def __call__(self, x: Sequence[Any]) -> list[Value]:
        """The list of the neurons' outputs (always a list, even for one neuron).

        Numbers in `x` are turned into Values once here, not once per neuron.
        """
        if len(x) != self.nin:
            raise ValueError(f"{self!r} expects {self.nin} inputs, got {len(x)}")
        x = _as_values(x)
        return [neuron.forward(x) for neuron in self.neurons]

    def named_parameters(self) -> list[tuple[str, Value]]:
        return [pair for neuron in self.neurons for pair in neuron.named_parameters()]

    def config(self) -> dict[str, Any]:
        return {"nin": self.nin, "nout": self.nout, "activation": self.activation,
                "init": self.init}

    def __repr__(self) -> str:
        return f"Layer({self.nin}, {self.nout}, activation={self.activation!r})"


class MLP(Module):
    """A multi-layer perceptron: hidden layers with `activation`, a linear last layer.

    ``MLP(2, [16, 16, 1])`` has layers 2→16 and 16→16 (ReLU) and 16→1 (linear):
    ``(2+1)·16 + (16+1)·16 + (16+1)·1 = 337`` parameters. Calling it on a list
    of `nin` numbers or Values returns a Value if the last layer has one
    neuron, else a list of Values.
    """

    def __init__(self, nin: int, nouts: Sequence[int], activation: str = "relu",
                 seed: int | None = None, init: str = "uniform") -> None:
        _check_size("nin", nin)
        if isinstance(nouts, (str, bytes)) or not isinstance(nouts, Sequence) or not nouts:
            raise TypeError(f"nouts must be a non-empty list of layer sizes, got {nouts!r}")
        for size in nouts:
            _check_size("layer size", size)
        _check_choice("activation", activation, ACTIVATIONS)
        _check_choice("init", init, INITS)
        self.nin = nin
        self.nouts = list(nouts)
        self.activation = activation
        self.seed = seed
        self.init = init
        rng = random.Random(seed)
        sizes = [nin, *self.nouts]
        last = len(self.nouts) - 1
        self.layers = [
            Layer(sizes[i], sizes[i + 1], activation if i < last else "linear",
                  init=init, name=f"layer{i + 1}", rng=rng)
            for i in range(len(self.nouts))
        ]

    def __call__(self, x: Sequence[Any]) -> Value | list[Value]:
        if len(x) != self.nin:
            raise ValueError(f"{self!r} expects {self.nin} inputs, got {len(x)}")
        h: list[Value] = _as_values(x)
        for layer in self.layers:
            h = [neuron.forward(h) for neuron in layer.neurons]
        return h[0] if len(h) == 1 else h

    def named_parameters(self) -> list[tuple[str, Value]]:
        return [pair for layer in self.layers for pair in layer.named_parameters()]

    def config(self) -> dict[str, Any]:
        return {"nin": self.nin, "nouts": self.nouts, "activation": self.activation,
                "seed": self.seed, "init": self.init}

    def __repr__(self) -> str:
        sizes = "-".join(str(n) for n in [self.nin, *self.nouts])
        return (f"MLP({sizes}, activation={self.activation!r}, "
                f"{len(self.parameters())} parameters)")


_MODEL_CLASSES: dict[str, type[Module]] = {"MLP": MLP, "Layer": Layer, "Neuron": Neuron}


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------


def _as_values(x: Sequence[Any]) -> list[Value]:
    return [v if isinstance(v, Value) else Value(v) for v in x]


def _check_size(what: str, n: object) -> None:
    if isinstance(n, bool) or not isinstance(n, numbers.Integral):
        raise TypeError(f"{what} must be a positive int, got {type(n).__name__} {n!r}")
    if n < 1:
        raise ValueError(f"{what} must be a positive int, got {n}")


def _check_choice(what: str, value: object, choices: Sequence[str] | Mapping[str, Any]) -> None:
    if value not in choices:
        raise ValueError(f"unknown {what} {value!r}; choose one of {', '.join(choices)}")


def _checked_number(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ModelFileError(f"parameter {name} must be a number, got {type(value).__name__}")
    if not math.isfinite(value):
        raise ModelFileError(f"parameter {name} is {value} (not finite)")
    return float(value)


def _architecture(config: Mapping[str, Any]) -> dict[str, Any]:
    """The config without the seed: two models with different seeds share weights' shapes."""
    return {key: value for key, value in config.items() if key != "seed"}


def _describe(config: Mapping[str, Any]) -> str:
    return ", ".join(f"{key}={value!r}" for key, value in config.items())


def _read_document(path: Path) -> dict[str, Any]:
    """Parse and check the outer structure of a saved model (ModelFileError if bad)."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ModelFileError(f"{path}: not a saved model (not UTF-8 text)") from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise ModelFileError(f"{path}: not a saved model (invalid JSON: {error})") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ModelFileError(f"{path}: not a saved model (no \"format\": \"{FORMAT}\")")
    if document.get("version") != FORMAT_VERSION:
        raise ModelFileError(f"{path}: unsupported version {document.get('version')!r}, "
                             f"this program reads version {FORMAT_VERSION}")
    for key, kind in (("class", str), ("config", dict), ("parameters", dict)):
        if not isinstance(document.get(key), kind):
            raise ModelFileError(f"{path}: field {key!r} is missing or not a {kind.__name__}")
    return document


def _write_atomically(path: Path, text: str) -> None:
    directory = path.parent if str(path.parent) else Path(".")
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise
