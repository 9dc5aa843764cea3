"""Neurons, layers and multi-layer perceptrons built from scalar Values.

The lecture's layer is ``a = b + W h`` followed by ``h' = g(a)``. Here each
neuron computes its pre-activation as ONE `autograd.dot` node (``w · x``) plus
its bias, then applies the activation ``g``::

    >>> model = MLP(2, [16, 16, 1], seed=0)   # 2 inputs, two hidden layers, 1 output
    >>> score = model([0.5, -1.0])            # a Value (the last layer has one output)

Calling a module runs its ``forward`` (the contract of PyTorch and minitorch):
``model(x)`` is ``model.forward(x)``. A module of your own subclasses `Module`
and defines ``forward``, ``named_parameters`` and, to be saved, ``config``.

Names: layers are numbered from 1 (layer1 is the first hidden layer, as in the
lecture's ``h_1 = g(b_1 + W_1 x)``); neurons and weights from 0, like Python
indices. ``layer1.neuron3.w2`` is the weight that the 4th neuron of the first
layer puts on its 3rd input, ``layer1.neuron3.b`` its bias. These names come
from the model's structure: ``named_parameters``, ``state_dict`` and saved
files use them. Each parameter's ``label`` (what drawings show, and how they
group nodes into layers and neurons) starts equal to its name; you may change
labels freely, saving and loading do not read them.

Initialisation is seeded and reproducible: ``random.Random(seed)``. The default
``init="uniform"`` draws every weight from U(-1, 1) like micrograd, in the same
order, so ``MLP(2, [16, 16, 1], seed=s)`` starts from exactly the weights of
micrograd's ``MLP(2, [16, 16, 1])`` after ``random.seed(s)``; ``init="he"``
draws from U(-√(6/nin), √(6/nin)), which keeps the scale of the pre-activations
steady through ReLU layers (useful for wider inputs such as 64 pixels). Biases
start at 0.

Models are saved as JSON (never pickle): ``model.save(path)`` and
``nn.load(path)`` rebuild the same model; ``model.load(path)`` loads weights
into an existing model of the same architecture. The file holds the class, the
constructor arguments (``config``) and ``{name: number}`` for every parameter.
Loading checks the file before it builds or changes anything: a regular file
of at most `MAX_FILE_BYTES`, valid JSON, version 1, a config holding only
arguments the class's constructor takes, each of the right type, as many
parameters as the config implies, every one a finite number. Any problem is a
`ModelFileError` naming what is wrong and leaves the model unchanged.
"""

from __future__ import annotations

import json
import math
import os
import random
import stat
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Generic, TypeVar

from autograd import OPS, Value, validate
from autograd.files import write_atomically

FORMAT = "backprop-lab model"
# Version 1 has always keyed the weights by these names; until labels and names
# were told apart they were also the labels, so every file written so far loads.
FORMAT_VERSION = 1
#: The largest model file `load` reads (64 MiB, about a million parameters).
MAX_FILE_BYTES = 64 * 2**20


def _no_activation(a: Value) -> Value:
    """No activation: g(a) = a. (A named function, not a lambda, so that a model pickles.)"""
    return a


#: The activations a hidden layer may use: g(a) applied to the pre-activation.
ACTIVATIONS: dict[str, Callable[[Value], Value]] = {
    "relu": Value.relu,
    "tanh": Value.tanh,
    "sigmoid": Value.sigmoid,
    "linear": _no_activation,
}
INITS = ("uniform", "he")

# The engine's dot op, Σ_i w_i·x_i as one node. Neurons call its ``apply`` on
# Values directly: inputs are converted to Values once per forward pass (in
# `_checked_inputs`), so the per-call checks of `autograd.dot` would only repeat work.
_DOT = OPS["dot"]

#: What a module is called on: a sequence of numbers or Values.
Inputs = Sequence[Value | float]
Output = TypeVar("Output", covariant=True)


class ModelFileError(ValueError):
    """A saved model that cannot be used: corrupt, or not matching the model."""


# ---------------------------------------------------------------------------
# Module: what every model has
# ---------------------------------------------------------------------------


class Module(Generic[Output]):
    """Base class: anything that owns parameters (Values that training updates).

    ``Module[Output]`` says what calling it returns (a Value for a Neuron, a
    list of Values for a Layer). Subclasses implement ``forward``,
    ``named_parameters`` and ``config``; everything else (calling, zero_grad,
    state_dict, save, load) is shared.
    """

    def __call__(self, x: Inputs) -> Output:
        """``module(x)`` is ``module.forward(x)``."""
        return self.forward(x)

    def forward(self, x: Inputs) -> Output:
        """The module's output for the inputs `x` (numbers or Values)."""
        raise NotImplementedError(f"{type(self).__name__} must define forward(x)")

    def named_parameters(self) -> list[tuple[str, Value]]:
        """``(name, parameter)`` pairs in a fixed order; names follow the structure
        (``layer1.neuron0.w2``, see the module docstring), never the labels."""
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
        raise NotImplementedError(f"{type(self).__name__} must define config() to be saved")

    def state_dict(self) -> dict[str, float]:
        """``{name: number}`` for every parameter: a plain copy of the weights."""
        return {name: p.data for name, p in self.named_parameters()}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Copy numbers from `state` into the parameters.

        `state` must have exactly the parameter names of this model, each with a
        finite real number. Everything is checked before anything is written,
        so on any error (a ModelFileError) the model is unchanged.
        """
        if not isinstance(state, Mapping):
            raise ModelFileError(f"state must be a dict of name -> number, got "
                                 f"{type(state).__name__}")
        named = self.named_parameters()
        expected = [name for name, _ in named]
        missing = [name for name in expected if name not in state]
        known = set(expected)
        unexpected = [name for name in state if name not in known]
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

        The file is written under a new name in the same directory and then
        renamed over `path` (`autograd.files.write_atomically`), so a crash
        never leaves half a file, and an existing file keeps its permissions.
        Floats are written with ``repr`` precision: loading gives back exactly
        the same numbers.
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
        write_atomically(path, json.dumps(document, indent=1, allow_nan=False))

    def load(self, path: str | os.PathLike[str]) -> None:
        """Load weights saved by ``save`` into this model (same architecture).

        A corrupt file, another architecture or other parameter names raise
        ModelFileError and leave this model unchanged. What the architecture check
        ignores (an MLP's seed) is then taken from the file too, so ``config()`` is
        that of ``nn.load(path)``.
        """
        document = _read_document(Path(path))
        if document["class"] in _CONFIG_CHECKS:
            _check_config(path, document["class"], document["config"])
        if (document["class"] != type(self).__name__
                or _architecture(document["config"]) != _architecture(self.config())):
            raise ModelFileError(
                f"{path}: the file holds {document['class']}({_describe(document['config'])}), "
                f"this model is {type(self).__name__}({_describe(self.config())})"
            )
        self.load_state_dict(document["parameters"])
        self._adopt_config(document["config"])

    def _adopt_config(self, config: Mapping[str, Any]) -> None:
        """After `load` copied the weights: take from the file's `config` (checked
        already) what `_architecture` leaves out, such as a seed. Nothing by default."""


def load(path: str | os.PathLike[str]) -> Module[Any]:
    """Rebuild the model saved in `path` (architecture and weights).

    Raises ModelFileError for a corrupt file or an unknown architecture,
    FileNotFoundError if there is no file. Every key of the config is checked,
    and the config against the number of weights in the file, before the model
    is built, so a small file cannot ask for a huge model.
    """
    document = _read_document(Path(path))
    name, config, weights = document["class"], document["config"], document["parameters"]
    cls = _MODEL_CLASSES.get(name)
    if cls is None:
        raise ModelFileError(f"{path}: unknown model class {validate.shown(name)}; this "
                             f"program reads {', '.join(_MODEL_CLASSES)}")
    _check_config(path, name, config)
    count = _parameter_count(name, config)
    if count != len(weights):
        raise ModelFileError(f"{path}: {name}({_describe(config)}) has {count:,} parameters "
                             f"but the file holds {len(weights):,}")
    model = cls(**config)
    model.load_state_dict(weights)
    return model


# ---------------------------------------------------------------------------
# Neuron, Layer, MLP
# ---------------------------------------------------------------------------


class Neuron(Module[Value]):
    """One unit: ``g(w · x + b)``, the dot product as a single graph node.

    Args:
        nin:        number of inputs.
        activation: ``relu``, ``tanh``, ``sigmoid`` or ``linear`` (no g).
        seed:       seed of ``random.Random`` for the weights (ignored if `rng`).
        init:       ``uniform`` (U(-1, 1), micrograd's) or ``he`` (U(±√(6/nin))).
        name:       prefix of the parameter labels, e.g. ``layer1.neuron0``.
        rng:        a ``random.Random`` to draw from (an MLP shares one).

    Its parameters are named ``w0 … w{nin-1}`` and ``b``.
    """

    def __init__(self, nin: int, activation: str = "relu", *, seed: int | None = None,
                 init: str = "uniform", name: str = "", rng: random.Random | None = None
                 ) -> None:
        nin = validate.integer(nin, "nin", minimum=1)
        validate.choice(activation, "activation", ACTIVATIONS)
        validate.choice(init, "init", INITS)
        rng = rng if rng is not None else random.Random(seed)
        bound = 1.0 if init == "uniform" else math.sqrt(6.0 / nin)
        prefix = f"{name}." if name else ""
        self.nin = nin
        self.activation = activation
        self.init = init
        self.w = [Value(rng.uniform(-bound, bound), f"{prefix}w{i}") for i in range(nin)]
        self.b = Value(0.0, f"{prefix}b")
        self._g = ACTIVATIONS[activation]

    def forward(self, x: Inputs) -> Value:
        """``g(w · x + b)``; `x` is a sequence of `nin` numbers or Values."""
        return self.output(_checked_inputs(self, self.nin, x))

    def output(self, x: list[Value]) -> Value:
        """``g(w · x + b)`` for a list `x` of exactly `nin` Values, without checks
        (what Layer and MLP call, having checked their inputs once)."""
        return self._g(_DOT.apply((*self.w, *x)) + self.b)

    def named_parameters(self) -> list[tuple[str, Value]]:
        return [*((f"w{i}", w) for i, w in enumerate(self.w)), ("b", self.b)]

    def config(self) -> dict[str, Any]:
        return {"nin": self.nin, "activation": self.activation, "init": self.init}

    def __repr__(self) -> str:
        return f"Neuron({self.nin}, activation={self.activation!r})"


class Layer(Module[list[Value]]):
    """`nout` neurons that all read the same `nin` inputs: ``h = g(W x + b)``.

    Calling it gives the list of the neurons' outputs (always a list, even for
    one neuron). Its parameters are named ``neuron{j}.w{i}`` and ``neuron{j}.b``.
    """

    def __init__(self, nin: int, nout: int, activation: str = "relu", *,
                 seed: int | None = None, init: str = "uniform", name: str = "",
                 rng: random.Random | None = None) -> None:
        nout = validate.integer(nout, "nout", minimum=1)
        rng = rng if rng is not None else random.Random(seed)
        prefix = f"{name}." if name else ""
        self.nin, self.nout = nin, nout
        self.activation = activation
        self.init = init
        self.neurons = [
            Neuron(nin, activation, init=init, name=f"{prefix}neuron{j}", rng=rng)
            for j in range(nout)
        ]

    def forward(self, x: Inputs) -> list[Value]:
        """The neurons' outputs. Numbers in `x` become Values once here, not once per neuron."""
        values = _checked_inputs(self, self.nin, x)
        return [neuron.output(values) for neuron in self.neurons]

    def named_parameters(self) -> list[tuple[str, Value]]:
        return [(f"neuron{j}.{name}", p) for j, neuron in enumerate(self.neurons)
                for name, p in neuron.named_parameters()]

    def config(self) -> dict[str, Any]:
        return {"nin": self.nin, "nout": self.nout, "activation": self.activation,
                "init": self.init}

    def __repr__(self) -> str:
        return f"Layer({self.nin}, {self.nout}, activation={self.activation!r})"


class MLP(Module[Value | list[Value]]):
    """A multi-layer perceptron: hidden layers with `activation`, a linear last layer.

    ``MLP(2, [16, 16, 1])`` has layers 2→16 and 16→16 (ReLU) and 16→1 (linear):
    ``(2+1)·16 + (16+1)·16 + (16+1)·1 = 337`` parameters. Calling it on a list
    of `nin` numbers or Values returns a Value if the last layer has one
    neuron, else a list of Values. Its parameters are named
    ``layer{k}.neuron{j}.w{i}`` and ``layer{k}.neuron{j}.b``, k from 1.
    """

    def __init__(self, nin: int, nouts: Sequence[int], activation: str = "relu",
                 seed: int | None = None, init: str = "uniform") -> None:
        nin = validate.integer(nin, "nin", minimum=1)
        if isinstance(nouts, (str, bytes)) or not isinstance(nouts, Sequence) or not nouts:
            raise TypeError(f"nouts must be a non-empty list of layer sizes, got {nouts!r}")
        sizes = [nin] + [validate.integer(size, "layer size", minimum=1) for size in nouts]
        validate.choice(activation, "activation", ACTIVATIONS)
        validate.choice(init, "init", INITS)
        # an int (saved in the config, which a file may only give as an int or null)
        seed = None if seed is None else validate.integer(seed, "seed")
        self.nin = nin
        self.nouts = sizes[1:]
        self.activation = activation
        self.seed = seed
        self.init = init
        rng = random.Random(seed)
        last = len(self.nouts) - 1
        self.layers = [
            Layer(sizes[i], sizes[i + 1], activation if i < last else "linear",
                  init=init, name=f"layer{i + 1}", rng=rng)
            for i in range(len(self.nouts))
        ]

    def forward(self, x: Inputs) -> Value | list[Value]:
        h = _checked_inputs(self, self.nin, x)
        for layer in self.layers:
            h = [neuron.output(h) for neuron in layer.neurons]
        return h[0] if len(h) == 1 else h

    def named_parameters(self) -> list[tuple[str, Value]]:
        return [(f"layer{k}.{name}", p) for k, layer in enumerate(self.layers, start=1)
                for name, p in layer.named_parameters()]

    def config(self) -> dict[str, Any]:
        return {"nin": self.nin, "nouts": self.nouts, "activation": self.activation,
                "seed": self.seed, "init": self.init}

    def _adopt_config(self, config: Mapping[str, Any]) -> None:
        """The seed the loaded weights were drawn from (None if the file gives none,
        as ``MLP(**config)`` would have it)."""
        self.seed = config.get("seed")

    def __repr__(self) -> str:
        sizes = "-".join(str(n) for n in [self.nin, *self.nouts])
        return (f"MLP({sizes}, activation={self.activation!r}, "
                f"{len(self.parameters())} parameters)")


_MODEL_CLASSES: dict[str, type[Module[Any]]] = {"MLP": MLP, "Layer": Layer, "Neuron": Neuron}


# ---------------------------------------------------------------------------
# The config of a saved model: only what the constructor takes, each type-checked
# ---------------------------------------------------------------------------

# The longest `name` (a prefix of the labels) a model file may give a Layer or Neuron.
_LONGEST_NAME = 1000


def _check_size(value: object, key: str) -> None:
    """A number of inputs or neurons. Each parameter takes more than one byte of the
    file, so no file of at most MAX_FILE_BYTES has a layer wider than that."""
    size = validate.integer(value, key, minimum=1)
    if size > MAX_FILE_BYTES:
        raise ValueError(f"{key} must be at most {MAX_FILE_BYTES:,}, got {validate.shown(value)}")


def _check_sizes(value: object, key: str) -> None:
    if not isinstance(value, list) or not value:
        raise TypeError(f"{key} must be a non-empty list of layer sizes, got "
                        f"{validate.shown(value)}")
    for i, size in enumerate(value):
        _check_size(size, f"{key}[{i}]")


def _check_activation(value: object, key: str) -> None:
    validate.choice(value, key, ACTIVATIONS)


def _check_init(value: object, key: str) -> None:
    validate.choice(value, key, INITS)


def _check_seed(value: object, key: str) -> None:
    if value is not None and not validate.is_integer(value):
        raise TypeError(f"{key} must be an int or null, got {type(value).__name__} "
                        f"{validate.shown(value)}")


def _check_name(value: object, key: str) -> None:
    if not isinstance(value, str):
        raise TypeError(f"{key} must be a str, got {type(value).__name__} "
                        f"{validate.shown(value)}")
    if len(value) > _LONGEST_NAME:
        raise ValueError(f"{key} must be at most {_LONGEST_NAME} characters, got {len(value):,}")


_Check = Callable[[object, str], None]
_COMMON_CHECKS: dict[str, _Check] = {"activation": _check_activation, "init": _check_init,
                                     "seed": _check_seed}
#: The constructor arguments a model file may give each class (`rng` cannot be
#: written in JSON, so no file gives it), each with its check.
_CONFIG_CHECKS: dict[str, dict[str, _Check]] = {
    "Neuron": {"nin": _check_size, **_COMMON_CHECKS, "name": _check_name},
    "Layer": {"nin": _check_size, "nout": _check_size, **_COMMON_CHECKS, "name": _check_name},
    "MLP": {"nin": _check_size, "nouts": _check_sizes, **_COMMON_CHECKS},
}
#: The arguments without a default, and what each must be.
_REQUIRED = {"nin": "an int >= 1", "nout": "an int >= 1",
             "nouts": "a non-empty list of layer sizes"}


def _check_config(path: str | os.PathLike[str], class_name: str,
                  config: Mapping[str, Any]) -> None:
    """Raise ModelFileError, naming the key, unless ``class_name(**config)`` can be built:
    only keys the constructor takes, the required ones present, each of the right type."""
    checks = _CONFIG_CHECKS[class_name]
    for key in config:
        if key not in checks:
            raise ModelFileError(f"{path}: unknown key {validate.shown(key)} in the config of "
                                 f"{class_name} (it takes {', '.join(checks)})")
    for key, wanted in _REQUIRED.items():
        if key in checks and key not in config:
            raise ModelFileError(f"{path}: the config of {class_name} has no {key!r} "
                                 f"({key} must be {wanted})")
    for key, value in config.items():
        try:
            checks[key](value, key)
        except (TypeError, ValueError) as error:
            raise ModelFileError(f"{path}: bad config of {class_name}: {error}") from None


def _parameter_count(class_name: str, config: Mapping[str, Any]) -> int:
    """How many parameters ``class_name(**config)`` would have, without building it
    (`config` checked by `_check_config`)."""
    if class_name == "Neuron":
        return int(config["nin"]) + 1
    if class_name == "Layer":
        return (int(config["nin"]) + 1) * int(config["nout"])
    sizes: list[int] = [config["nin"], *config["nouts"]]
    return sum((sizes[i] + 1) * sizes[i + 1] for i in range(len(sizes) - 1))


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------


def _checked_inputs(module: Module[Any], nin: int, x: Inputs) -> list[Value]:
    """`x` as a list of Values, after checking it is one sample: the `nin` numbers (or
    Values) `module` reads."""
    try:
        if len(x) == nin and not isinstance(x, (str, Mapping)):
            return [v if isinstance(v, Value) else Value(v) for v in x]
    except (TypeError, ValueError) as error:  # not a sequence, or an entry not a number
        raise _not_one_sample(module, nin, x, error) from None
    raise _not_one_sample(module, nin, x, None)


def _not_one_sample(module: Module[Any], nin: int, x: Any,
                    error: Exception | None) -> Exception:
    """What is wrong with `x` as one sample of `nin` numbers: not a sequence; a batch of
    samples (micrograd's and our models take one at a time); an entry that is no number
    (`error`, with its position); or the wrong count."""
    wanted = f"{nin} numbers or Values"
    if isinstance(x, (str, Mapping)) or not hasattr(x, "__len__"):
        return TypeError(f"{module!r} takes one sample: a sequence of {wanted}, got "
                         f"{type(x).__name__}: {validate.shown(x)}")
    if len(x) and all(hasattr(v, "__len__") and not isinstance(v, str) for v in x):
        return TypeError(f"{module!r} takes one sample at a time, {wanted}; got a batch of "
                         f"{len(x)} sample{'s' if len(x) != 1 else ''}? Call it on each: "
                         "[model(x) for x in X]")
    if len(x) != nin:
        return ValueError(f"{module!r} expects {nin} inputs, got {len(x)}")
    for i, v in enumerate(x):
        try:
            v if isinstance(v, Value) else Value(v)
        except (TypeError, ValueError) as bad:
            return type(bad)(f"{module!r}: input {i}: {bad}")
    return error or ValueError(f"{module!r} cannot read {validate.shown(x)} as one sample")


def _checked_number(name: str, value: object) -> float:
    try:
        return validate.finite(value, f"parameter {name}")
    except (TypeError, ValueError) as error:
        raise ModelFileError(str(error)) from None


def _architecture(config: Mapping[str, Any]) -> dict[str, Any]:
    """The config without the seed: two models with different seeds share weights' shapes."""
    return {key: value for key, value in config.items() if key != "seed"}


def _describe(config: Mapping[str, Any]) -> str:
    return ", ".join(f"{key}={validate.shown(value)}" for key, value in config.items())


def _read_document(path: Path) -> dict[str, Any]:
    """Parse and check the outer structure of a saved model (ModelFileError if bad)."""
    data = _read_bytes(path)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ModelFileError(f"{path}: not a saved model (not UTF-8 text)") from None
    try:
        document = json.loads(text)
    except RecursionError:
        raise ModelFileError(f"{path}: not a saved model (JSON nested too deeply)") from None
    except ValueError as error:  # invalid JSON, or an integer of more than 4300 digits
        raise ModelFileError(f"{path}: not a saved model (invalid JSON: {error})") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ModelFileError(f"{path}: not a saved model (no \"format\": \"{FORMAT}\")")
    version = document.get("version")
    if not validate.is_integer(version) or version != FORMAT_VERSION:  # not True, not 1.0
        raise ModelFileError(f"{path}: unsupported version "
                             f"{validate.shown(version)}, "
                             f"this program reads version {FORMAT_VERSION}")
    for key, kind in (("class", str), ("config", dict), ("parameters", dict)):
        if not isinstance(document.get(key), kind):
            raise ModelFileError(f"{path}: field {key!r} is missing or not a {kind.__name__}")
    return document


def _read_bytes(path: Path) -> bytes:
    """The file's bytes, if it is a regular file of at most MAX_FILE_BYTES.

    Opened without blocking (a FIFO would wait for a writer) and checked with
    ``fstat`` before anything is read, so a device such as /dev/zero is never read.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ModelFileError(f"{path}: not a saved model (a {_file_kind(info.st_mode)}, "
                                 "not a regular file)")
        if info.st_size > MAX_FILE_BYTES:
            raise ModelFileError(f"{path}: not a saved model ({info.st_size:,} bytes; "
                                 f"saved models are at most {MAX_FILE_BYTES:,})")
        file = os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
    with file:
        data = file.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:  # it grew while we read
        raise ModelFileError(f"{path}: not a saved model (more than {MAX_FILE_BYTES:,} bytes)")
    return data


def _file_kind(mode: int) -> str:
    kinds = [(stat.S_ISDIR, "directory"), (stat.S_ISFIFO, "FIFO"), (stat.S_ISCHR, "device"),
             (stat.S_ISBLK, "device"), (stat.S_ISSOCK, "socket")]
    return next((kind for test, kind in kinds if test(mode)), "special file")
