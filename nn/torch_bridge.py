"""The bridge to PyTorch: the same MLP, with the same weights, as a `torch.nn.Sequential`.

An `nn.MLP` computes, layer after layer, ``h_k = g(W_k h_{k-1} + b_k)`` with
one activation g for the hidden layers and a linear last layer. PyTorch writes
the same network as ``Linear, g, Linear, g, ..., Linear``, where a
``torch.nn.Linear(n_in, n_out)`` holds W_k as its ``weight`` (n_out rows,
one per neuron, n_in columns) and b_k as its ``bias``::

    tmodel = nn.to_torch(model)              # Linear/ReLU/.../Linear, float64
    back = nn.from_torch(tmodel)             # an nn.MLP again
    assert back.state_dict() == model.state_dict()

Neuron j of layer k is row j of the k-th Linear: ``layer{k}.neuron{j}.w{i}``
is ``weight[j, i]`` and ``layer{k}.neuron{j}.b`` is ``bias[j]``. Every number
is copied as a float64, so nothing is rounded: the same input gives the same
output and the same loss the same gradients, up to the rounding of sums taken
in another order (about 1e-15).

PyTorch is optional (the ``torch`` extra) and is imported only when one of
these functions is called: ``import nn`` never loads it.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from autograd.checks.torch_check import import_torch
from nn.module import MLP

if TYPE_CHECKING:  # for the annotations only: torch is imported when a function runs
    import torch

__all__ = ["from_torch", "to_torch"]

# Our activation name -> the name of the torch.nn module that computes it.
_TORCH_ACTIVATIONS = {"relu": "ReLU", "tanh": "Tanh", "sigmoid": "Sigmoid"}


def to_torch(model: MLP) -> torch.nn.Sequential:
    """The `nn.MLP` `model` as a ``torch.nn.Sequential`` with exactly its weights (float64).

    The Sequential is ``Linear, g, Linear, g, ..., Linear``: one ``Linear`` per
    layer, each hidden one followed by the activation (``ReLU``, ``Tanh`` or
    ``Sigmoid``; nothing for ``linear``). Its parameters are new tensors: training
    one model does not change the other. It takes a batch of inputs, shape
    (n, nin), and returns shape (n, nout).
    """
    if not isinstance(model, MLP):
        raise TypeError(f"to_torch needs an nn.MLP, got {type(model).__name__}")
    torch = import_torch("nn.to_torch")
    modules: list[Any] = []
    for k, layer in enumerate(model.layers):
        linear = torch.nn.Linear(layer.nin, layer.nout, dtype=torch.float64)
        weights = [[w.data for w in neuron.w] for neuron in layer.neurons]
        biases = [neuron.b.data for neuron in layer.neurons]
        with torch.no_grad():
            linear.weight.copy_(torch.tensor(weights, dtype=torch.float64))
            linear.bias.copy_(torch.tensor(biases, dtype=torch.float64))
        modules.append(linear)
        is_hidden = k < len(model.layers) - 1
        if is_hidden and layer.activation != "linear":
            modules.append(getattr(torch.nn, _TORCH_ACTIVATIONS[layer.activation])())
    return torch.nn.Sequential(*modules)


def from_torch(sequential: torch.nn.Sequential) -> MLP:
    """The `nn.MLP` that computes what `sequential` computes, with exactly its weights.

    `sequential` must read ``Linear, g, Linear, g, ..., Linear``: Linear layers
    with a bias whose sizes chain, one and the same activation after every hidden
    Linear (``ReLU``, ``Tanh``, ``Sigmoid``; none, or ``Identity``, for a linear
    MLP) and nothing after the last one. Anything else is a ValueError (a
    TypeError for a module that is not a Sequential) that names the layer.
    Weights of any real floating dtype are converted exactly (float32 and float16
    numbers are float64 numbers too); the MLP then computes in float64.
    """
    torch = import_torch("nn.from_torch")
    if not isinstance(sequential, torch.nn.Sequential):
        raise TypeError(f"from_torch needs a torch.nn.Sequential, got {type(sequential).__name__}")
    linears, activation = _read_layers(torch, sequential)
    sizes = [linears[0][1].in_features] + [linear.out_features for _, linear in linears]
    model = MLP(sizes[0], sizes[1:], activation=activation)
    state: dict[str, float] = {}
    for k, (name, linear) in enumerate(linears, start=1):
        shape = (linear.out_features, linear.in_features)
        weight = _numbers(torch, name, "weight", linear.weight, shape)
        bias = _numbers(torch, name, "bias", linear.bias, shape[:1])
        for j, (row, b) in enumerate(zip(weight, bias)):
            for i, w in enumerate(row):
                state[f"layer{k}.neuron{j}.w{i}"] = w
            state[f"layer{k}.neuron{j}.b"] = b
    model.load_state_dict(state)
    return model


def _read_layers(torch: Any, sequential: Any) -> tuple[list[tuple[str, Any]], str]:
    """The Linear layers (with their positions in `sequential`) and the hidden activation.

    Layers are named by position, so "layer 2" is ``sequential[2]``. (Iterating the
    Sequential keeps a module used twice, such as one ReLU shared by every hidden
    layer; ``named_children`` would list it once.)
    """
    activations = {getattr(torch.nn, module): name for name, module in _TORCH_ACTIVATIONS.items()}
    activations[torch.nn.Identity] = "linear"
    linears: list[tuple[str, Any]] = []
    after_linear: list[tuple[str, str]] = []  # (Linear's name, activation) after each Linear
    previous = ""  # "linear", "activation" or "" at the start
    for position, module in enumerate(sequential):
        name = str(position)
        where = f"from_torch: layer {name} ({module})"
        if type(module) is torch.nn.Linear:
            if module.bias is None:
                raise ValueError(f"{where} has no bias (bias=False); every neuron of an "
                                 "nn.MLP has one")
            if linears and module.in_features != linears[-1][1].out_features:
                raise ValueError(
                    f"{where} takes {module.in_features} inputs, but the Linear before it "
                    f"(layer {linears[-1][0]}) gives {linears[-1][1].out_features}"
                )
            if previous == "linear":  # two Linears in a row: a linear hidden layer
                after_linear.append((linears[-1][0], "linear"))
            linears.append((name, module))
            previous = "linear"
        elif type(module) in activations:
            if previous != "linear":
                raise ValueError(f"{where}: an activation must follow a Linear layer "
                                 "(nn.MLP applies one after each hidden Linear)")
            after_linear.append((linears[-1][0], activations[type(module)]))
            previous = "activation"
        else:
            known = ", ".join(["Linear", *(m.__name__ for m in activations)])
            raise ValueError(f"{where} cannot be represented by an nn.MLP; it takes only "
                             f"{known}")
    if not linears:
        raise ValueError("from_torch: the Sequential has no Linear layer")
    if previous == "activation" and after_linear[-1][1] != "linear":
        name, kind = after_linear[-1]
        raise ValueError(
            f"from_torch: the last Linear (layer {name}) is followed by an activation "
            f"({sequential[-1]}); the last layer of an nn.MLP is linear (apply the "
            "activation in your loss instead)"
        )
    hidden = after_linear[: len(linears) - 1]  # drops an Identity after the last Linear
    kinds = {kind for _, kind in hidden}
    if len(kinds) > 1:
        first_name, first_kind = hidden[0]
        other_name, other_kind = next((n, k) for n, k in hidden if k != first_kind)
        raise ValueError(
            f"from_torch: the hidden layers use different activations ({first_kind} after "
            f"layer {first_name}, {other_kind} after layer {other_name}); an nn.MLP uses "
            "one activation for all of them"
        )
    return linears, kinds.pop() if kinds else "relu"


def _numbers(torch: Any, layer: str, what: str, tensor: Any, shape: tuple[int, ...]) -> Any:
    """The entries of a Linear's weight or bias as (lists of) Python floats, exactly."""
    where = f"from_torch: layer {layer}: {what}"
    if tuple(tensor.shape) != shape:
        raise ValueError(f"{where} has shape {tuple(tensor.shape)}, expected {shape}")
    if not tensor.is_floating_point():
        raise ValueError(f"{where} has dtype {tensor.dtype}; an nn.MLP holds real numbers "
                         "(float64, or float32/float16, which convert exactly)")
    numbers = tensor.detach().to(device="cpu", dtype=torch.float64).tolist()
    rows = numbers if len(shape) == 2 else [numbers]
    for j, row in enumerate(rows):
        for i, x in enumerate(row):
            if not math.isfinite(x):
                index = f"[{j}, {i}]" if len(shape) == 2 else f"[{i}]"
                raise ValueError(f"{where}{index} is {x}; an nn.MLP holds finite numbers only")
    return numbers
