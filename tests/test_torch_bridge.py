"""nn.to_torch / nn.from_torch: the same MLP in PyTorch, with the same numbers.

- round trips MLP -> torch -> MLP (and torch -> MLP -> torch) keep every weight exactly;
- the same inputs give the same outputs, and every loss of `nn.losses` the same
  parameter gradients, to 1e-12, for every activation (random models and inputs);
- a Sequential that an MLP cannot represent is an error naming the layer.

The losses' torch twins below use PyTorch's own functions where it has one
(cross_entropy, multi_margin_loss, mse_loss, softmax, log_softmax), so our losses
are checked against an independent implementation.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import nn
from nn import losses
from nn.module import ACTIVATIONS, MLP

torch = pytest.importorskip(
    "torch", reason="PyTorch is not installed (the optional 'torch' extra): "
                    "pip install torch --index-url https://download.pytorch.org/whl/cpu")
F = torch.nn.functional

TOLERANCE = 1e-12


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=TOLERANCE, abs_tol=TOLERANCE)


# ----------------------------------------------------------------- strategies


@st.composite
def models(draw: Any, nout: int | None = None, activation: str | None = None,
           min_hidden: int = 0) -> MLP:
    """A random MLP: 1-3 layers of 1-5 neurons, any activation, random weights AND biases."""
    nin = draw(st.integers(1, 4), label="nin")
    hidden = draw(st.lists(st.integers(1, 5), min_size=min_hidden, max_size=2),
                  label="hidden sizes")
    last = nout if nout is not None else draw(st.integers(1, 3), label="nout")
    if activation is None:
        activation = draw(st.sampled_from(sorted(ACTIVATIONS)), label="activation")
    seed = draw(st.integers(0, 2**32 - 1), label="seed")
    model = MLP(nin, [*hidden, last], activation=activation, seed=seed)
    rng = random.Random(seed)
    for layer in model.layers:  # MLP biases start at 0: make them random too
        for neuron in layer.neurons:
            neuron.b.data = rng.uniform(-1.0, 1.0)
    return model


def batches(nin: int) -> st.SearchStrategy[list[list[float]]]:
    point = st.lists(st.floats(-3, 3, allow_nan=False), min_size=nin, max_size=nin)
    return st.lists(point, min_size=1, max_size=4)


def as_tensor(rows: list[list[float]]) -> Any:
    return torch.tensor(rows, dtype=torch.float64)


# ------------------------------------------------------------------ round trips


@given(models())
def test_round_trip_mlp_torch_mlp_keeps_every_weight_exactly(model):
    back = nn.from_torch(nn.to_torch(model))
    assert back.state_dict() == model.state_dict()  # ==, not approx
    assert (back.nin, back.nouts) == (model.nin, model.nouts)
    if len(model.layers) > 1:  # with no hidden layer the activation is never used
        assert back.activation == model.activation


@given(models())
def test_round_trip_torch_mlp_torch_keeps_every_tensor_exactly(model):
    tmodel = nn.to_torch(model)
    again = nn.to_torch(nn.from_torch(tmodel))
    assert [type(m) for m in again] == [type(m) for m in tmodel]
    for mine, theirs in zip(again.parameters(), tmodel.parameters()):
        assert torch.equal(mine, theirs)


def test_to_torch_puts_neuron_j_in_row_j_as_float64():
    model = MLP(3, [4, 2], activation="tanh", seed=7)
    tmodel = nn.to_torch(model)
    assert [type(m) for m in tmodel] == [torch.nn.Linear, torch.nn.Tanh, torch.nn.Linear]
    for linear, layer in zip(tmodel[::2], model.layers):
        assert linear.weight.dtype == linear.bias.dtype == torch.float64
        assert tuple(linear.weight.shape) == (layer.nout, layer.nin)
        for j, neuron in enumerate(layer.neurons):
            assert linear.weight[j].tolist() == [w.data for w in neuron.w]
            assert linear.bias[j].item() == neuron.b.data


@pytest.mark.parametrize("activation, module", [
    ("relu", "ReLU"), ("tanh", "Tanh"), ("sigmoid", "Sigmoid"), ("linear", None)])
def test_each_activation_becomes_its_torch_module(activation, module):
    tmodel = nn.to_torch(MLP(2, [3, 3, 1], activation=activation, seed=0))
    expected = [torch.nn.Linear] + ([getattr(torch.nn, module)] if module else [])
    assert [type(m) for m in tmodel] == expected * 2 + [torch.nn.Linear]


def test_the_two_models_do_not_share_weights():
    model = MLP(2, [2, 1], seed=0)
    tmodel = nn.to_torch(model)
    with torch.no_grad():
        tmodel[0].weight.add_(1.0)
    assert tmodel[0].weight[0, 0].item() == model.layers[0].neurons[0].w[0].data + 1.0


# ------------------------------------------------------- outputs and gradients


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
@given(data=st.data())
def test_same_inputs_give_the_same_outputs(activation, data):
    model = data.draw(models(activation=activation, min_hidden=1), label="model")
    X = data.draw(batches(model.nin), label="X")
    theirs = nn.to_torch(model)(as_tensor(X)).tolist()
    for x, row in zip(X, theirs):
        out = model(x)
        ours = [v.data for v in out] if isinstance(out, list) else [out.data]
        assert len(ours) == len(row)
        assert all(close(a, b) for a, b in zip(ours, row)), (ours, row)


def _outputs(model: MLP, X: list[list[float]]) -> list[list[Any]]:
    outs = [model(x) for x in X]
    return [out if isinstance(out, list) else [out] for out in outs]


# Each loss of nn.losses, over a batch: (number of outputs it needs, a function
# drawing its targets, ours(outputs, targets, model), theirs(outputs, targets, tmodel)).
LossCase = tuple[int | None, Callable[..., Any], Callable[..., Any], Callable[..., Any]]


def _classes(k: int) -> Callable[..., Any]:
    return lambda draw, n: draw(st.lists(st.integers(0, k - 1), min_size=n, max_size=n))


def _coefficients(k: int) -> Callable[..., Any]:
    row = st.lists(st.floats(-2, 2, allow_nan=False), min_size=k, max_size=k)
    return lambda draw, n: draw(st.lists(row, min_size=n, max_size=n))


def _signs(draw: Any, n: int) -> list[float]:
    return draw(st.lists(st.sampled_from([-1.0, 1.0]), min_size=n, max_size=n))


def _weighted(parts: list[list[Any]], coefficients: list[list[float]]) -> Any:
    return sum(c * p for row, cs in zip(parts, coefficients) for p, c in zip(row, cs))


LOSS_CASES: dict[str, LossCase] = {
    "cross_entropy": (
        3, _classes(3),
        lambda outs, ys, model: losses.mean_loss(
            [losses.cross_entropy(o, y) for o, y in zip(outs, ys)]),
        lambda out, ys, tmodel: F.cross_entropy(out, torch.tensor(ys)),
    ),
    "multiclass_hinge": (  # torch divides the sum over j != y by the number of classes
        3, _classes(3),
        lambda outs, ys, model: losses.mean_loss(
            [losses.multiclass_hinge(o, y, margin=0.7) for o, y in zip(outs, ys)]),
        lambda out, ys, tmodel: 3 * F.multi_margin_loss(out, torch.tensor(ys), margin=0.7),
    ),
    "binary_hinge": (
        1, _signs,
        lambda outs, ts, model: losses.mean_loss(
            [losses.binary_hinge(o[0], t) for o, t in zip(outs, ts)]),
        lambda out, ts, tmodel: torch.relu(1 - torch.tensor(ts) * out[:, 0]).mean(),
    ),
    "mse": (
        2, _coefficients(2),
        lambda outs, ts, model: losses.mean_loss([losses.mse(o, t) for o, t in zip(outs, ts)]),
        lambda out, ts, tmodel: F.mse_loss(out, as_tensor(ts)),
    ),
    "softmax": (  # a weighted sum of the probabilities, so every one gets a gradient
        3, _coefficients(3),
        lambda outs, cs, model: _weighted([losses.softmax(o) for o in outs], cs),
        lambda out, cs, tmodel: (F.softmax(out, dim=1) * as_tensor(cs)).sum(),
    ),
    "log_softmax": (
        3, _coefficients(3),
        lambda outs, cs, model: _weighted([losses.log_softmax(o) for o in outs], cs),
        lambda out, cs, tmodel: (F.log_softmax(out, dim=1) * as_tensor(cs)).sum(),
    ),
    "l2": (  # the data term keeps the outputs in the graph; l2 covers every parameter
        None, lambda draw, n: None,
        lambda outs, _, model: _weighted(outs, [[1.0] * len(o) for o in outs])
        + losses.l2(model.parameters(), 0.01),
        lambda out, _, tmodel: out.sum() + 0.01 * sum((p**2).sum() for p in tmodel.parameters()),
    ),
    "mean_loss": (
        None, lambda draw, n: None,
        lambda outs, _, model: losses.mean_loss([o[0] * o[-1] for o in outs]),
        lambda out, _, tmodel: (out[:, 0] * out[:, -1]).mean(),
    ),
}


def test_every_loss_has_a_torch_twin():
    assert set(LOSS_CASES) == set(losses.__all__)


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
@pytest.mark.parametrize("name", sorted(LOSS_CASES))
@given(data=st.data())
def test_same_loss_gives_the_same_gradients(name, activation, data):
    nout, draw_targets, ours, theirs = LOSS_CASES[name]
    model = data.draw(models(nout, activation, min_hidden=1), label="model")
    X = data.draw(batches(model.nin), label="X")
    targets = draw_targets(data.draw, len(X))
    tmodel = nn.to_torch(model)

    loss = ours(_outputs(model, X), targets, model)
    model.zero_grad()
    loss.backward()
    torch_loss = theirs(tmodel(as_tensor(X)), targets, tmodel)
    torch_loss.backward()

    assert close(loss.data, torch_loss.item()), (loss.data, torch_loss.item())
    by_name = dict(model.named_parameters())
    linears = [m for m in tmodel if isinstance(m, torch.nn.Linear)]
    for k, linear in enumerate(linears, start=1):
        for j in range(linear.out_features):
            for i in range(linear.in_features):
                ours_w = by_name[f"layer{k}.neuron{j}.w{i}"].grad
                assert close(ours_w, linear.weight.grad[j, i].item()), (k, j, i)
            assert close(by_name[f"layer{k}.neuron{j}.b"].grad, linear.bias.grad[j].item())


# ------------------------------------------------------------------ from_torch


def test_from_torch_reads_an_ordinary_pytorch_model():
    torch.manual_seed(0)
    tmodel = torch.nn.Sequential(torch.nn.Linear(2, 8), torch.nn.Tanh(),
                                 torch.nn.Linear(8, 8), torch.nn.Tanh(), torch.nn.Linear(8, 3))
    model = nn.from_torch(tmodel)  # float32 weights: float64 holds them exactly
    assert (model.nin, model.nouts, model.activation) == (2, [8, 8, 3], "tanh")
    assert model.layers[2].neurons[1].w[5].data == tmodel[4].weight[1, 5].item()
    x = [0.25, -0.5]
    expected = tmodel(torch.tensor([x])).tolist()[0]
    assert [v.data for v in model(x)] == pytest.approx(expected, rel=1e-6)  # float32 rounding


def test_from_torch_takes_linear_hidden_layers_with_or_without_identity():
    for middle in ([], [torch.nn.Identity()]):
        tmodel = torch.nn.Sequential(torch.nn.Linear(2, 3), *middle, torch.nn.Linear(3, 1))
        assert nn.from_torch(tmodel).activation == "linear"
    single = nn.from_torch(torch.nn.Sequential(torch.nn.Linear(4, 2)))
    assert (single.nin, single.nouts) == (4, [2])


def _linear(nin: int, nout: int, **options: Any) -> Any:
    return torch.nn.Linear(nin, nout, dtype=torch.float64, **options)


def _with_nan() -> Any:
    linear = _linear(2, 2)
    with torch.no_grad():
        linear.weight[1, 0] = float("nan")
    return torch.nn.Sequential(linear)


def _complex() -> Any:
    linear = _linear(2, 2)
    linear.weight = torch.nn.Parameter(torch.zeros(2, 2, dtype=torch.complex128))
    return torch.nn.Sequential(linear)


def _wrong_shape() -> Any:
    linear = _linear(2, 2)
    linear.weight = torch.nn.Parameter(torch.zeros(3, 2, dtype=torch.float64))
    return torch.nn.Sequential(linear)


BAD_SEQUENTIALS = {
    "another layer type": (
        lambda: torch.nn.Sequential(_linear(2, 3), torch.nn.Dropout(0.5), _linear(3, 1)),
        "layer 1 (Dropout(p=0.5, inplace=False)) cannot be represented"),
    "another activation": (
        lambda: torch.nn.Sequential(_linear(2, 3), torch.nn.GELU(), _linear(3, 1)),
        "layer 1 (GELU(approximate='none')) cannot be represented"),
    "no bias": (
        lambda: torch.nn.Sequential(_linear(2, 3), torch.nn.ReLU(), _linear(3, 1, bias=False)),
        "layer 2 (Linear(in_features=3, out_features=1, bias=False)) has no bias"),
    "sizes that do not chain": (
        lambda: torch.nn.Sequential(_linear(2, 3), torch.nn.ReLU(), _linear(4, 1)),
        "layer 2 (Linear(in_features=4, out_features=1, bias=True)) takes 4 inputs, "
        "but the Linear before it (layer 0) gives 3"),
    "two activations": (
        lambda: torch.nn.Sequential(_linear(2, 3), torch.nn.ReLU(), torch.nn.Tanh(), _linear(3, 1)),
        "layer 2 (Tanh()): an activation must follow a Linear layer"),
    "activation first": (
        lambda: torch.nn.Sequential(torch.nn.ReLU(), _linear(2, 1)),
        "layer 0 (ReLU()): an activation must follow a Linear layer"),
    "activation after the last layer": (
        lambda: torch.nn.Sequential(_linear(2, 3), torch.nn.ReLU(), _linear(3, 1), torch.nn.ReLU()),
        "the last Linear (layer 2) is followed by an activation (ReLU())"),
    "mixed activations": (
        lambda: torch.nn.Sequential(_linear(2, 3), torch.nn.ReLU(), _linear(3, 3),
                                    torch.nn.Sigmoid(), _linear(3, 1)),
        "different activations (relu after layer 0, sigmoid after layer 2)"),
    "no linear layer": (lambda: torch.nn.Sequential(), "has no Linear layer"),
    "a weight that is nan": (_with_nan, "layer 0: weight[1, 0] is nan"),
    "complex weights": (_complex, "layer 0: weight has dtype torch.complex128"),
    "a weight of the wrong shape": (_wrong_shape, "layer 0: weight has shape (3, 2), "
                                                  "expected (2, 2)"),
    "a nested Sequential": (
        lambda: torch.nn.Sequential(torch.nn.Sequential(_linear(2, 1))),
        "layer 0 (Sequential(\n  (0): Linear(in_features=2, out_features=1, bias=True)\n)) "
        "cannot be represented"),
}


@pytest.mark.parametrize("case", sorted(BAD_SEQUENTIALS))
def test_from_torch_names_the_layer_it_cannot_represent(case):
    build, message = BAD_SEQUENTIALS[case]
    with pytest.raises(ValueError) as error:
        nn.from_torch(build())
    assert message in str(error.value)


def test_layers_are_named_by_position_even_in_a_named_sequential():
    from collections import OrderedDict
    tmodel = torch.nn.Sequential(OrderedDict(hidden=_linear(2, 3), act=torch.nn.ReLU(),
                                             out=_linear(3, 1, bias=False)))
    with pytest.raises(ValueError, match=r"layer 2 \(Linear.*\) has no bias"):
        nn.from_torch(tmodel)


def test_one_activation_module_shared_by_every_hidden_layer():
    relu = torch.nn.ReLU()
    tmodel = torch.nn.Sequential(_linear(2, 3), relu, _linear(3, 3), relu, _linear(3, 1))
    model = nn.from_torch(tmodel)
    assert (model.nouts, model.activation) == ([3, 3, 1], "relu")
    x = [0.3, -0.8]
    assert model(x).data == pytest.approx(tmodel(torch.tensor([x], dtype=torch.float64)).item(),
                                          rel=1e-12, abs=1e-12)


def test_wrong_types_are_type_errors():
    with pytest.raises(TypeError, match="to_torch needs an nn.MLP, got Layer"):
        nn.to_torch(nn.Layer(2, 3))
    with pytest.raises(TypeError, match="from_torch needs a torch.nn.Sequential, got Linear"):
        nn.from_torch(_linear(2, 3))
