"""Neuron, Layer, MLP: shapes, parameter order and labels, forward math, save/load."""

from __future__ import annotations

import json
import math
import random
import subprocess
import sys

import numpy as np
import pytest

import nn
from autograd import Value, grad, topological_order
from nn.module import MLP, Layer, ModelFileError, Neuron


def micrograd_parameter_count(nin: int, nouts: list[int]) -> int:
    """micrograd: each neuron of a layer with n inputs has n weights and 1 bias."""
    sizes = [nin, *nouts]
    return sum((sizes[i] + 1) * sizes[i + 1] for i in range(len(nouts)))


def test_parameter_count_matches_micrograd_formula() -> None:
    assert micrograd_parameter_count(2, [16, 16, 1]) == 337  # micrograd's demo says 337
    for nin, nouts in [(2, [16, 16, 1]), (3, [4, 4, 1]), (64, [32, 10]), (2, [16, 1, 1])]:
        assert len(MLP(nin, nouts).parameters()) == micrograd_parameter_count(nin, nouts)


def test_parameter_order_is_layer_neuron_weights_then_bias() -> None:
    model = MLP(2, [3, 1], seed=0)
    names = [name for name, _ in model.named_parameters()]
    expected = []
    for layer, (nin, nout) in enumerate([(2, 3), (3, 1)], start=1):
        for j in range(nout):
            expected += [f"layer{layer}.neuron{j}.w{i}" for i in range(nin)]
            expected.append(f"layer{layer}.neuron{j}.b")
    assert names == expected
    assert [p.label for p in model.parameters()] == expected
    # the same objects, in the same order, as walking the structure by hand
    by_hand = [p for layer in model.layers for n in layer.neurons for p in (*n.w, n.b)]
    assert all(a is b for a, b in zip(model.parameters(), by_hand))


def test_labels_are_unique() -> None:
    names = [name for name, _ in MLP(4, [8, 8, 3]).named_parameters()]
    assert len(set(names)) == len(names)


def test_neuron_computes_activation_of_dot_plus_bias() -> None:
    x = [0.5, -2.0, 1.5]
    for activation, g in [("relu", lambda a: max(0.0, a)), ("tanh", math.tanh),
                          ("sigmoid", lambda a: 1 / (1 + math.exp(-a))),
                          ("linear", lambda a: a)]:
        neuron = Neuron(3, activation, seed=1)
        neuron.b.data = 0.25
        a = sum(w.data * xi for w, xi in zip(neuron.w, x)) + 0.25
        assert neuron(x).data == pytest.approx(g(a))


def test_pre_activation_is_one_dot_node_plus_the_bias() -> None:
    neuron = Neuron(5, "tanh", seed=0)
    out = neuron([1.0, 2.0, 3.0, 4.0, 5.0])
    assert out.op == "tanh"
    (pre,) = out.parents
    assert pre.op == "add"
    product, bias = pre.parents
    assert product.op == "dot" and bias is neuron.b
    assert list(product.parents[:5]) == neuron.w


def test_inputs_become_values_once_per_forward() -> None:
    model = MLP(3, [4, 2], seed=0)
    out = model([1.0, 2.0, 3.0])
    first_layer_dots = [n for n in topological_order(out[0]) if n.op == "dot"][:4]
    input_nodes = {id(node) for dot in first_layer_dots for node in dot.parents[3:]}
    assert len(input_nodes) == 3  # every neuron of layer 1 reads the same 3 Values


def test_mlp_forward_matches_hand_computation() -> None:
    model = MLP(2, [3, 2], activation="tanh", seed=3)
    x = [0.3, -0.7]
    hidden = [math.tanh(sum(w.data * xi for w, xi in zip(n.w, x)) + n.b.data)
              for n in model.layers[0].neurons]
    outputs = [sum(w.data * h for w, h in zip(n.w, hidden)) + n.b.data  # last layer linear
               for n in model.layers[1].neurons]
    got = model(x)
    assert isinstance(got, list) and [v.data for v in got] == pytest.approx(outputs)


def test_single_output_is_a_value_and_values_are_accepted() -> None:
    model = MLP(2, [4, 1], activation="tanh", seed=0)
    x = [Value(0.4), Value(-0.8)]
    out = model(x)
    assert isinstance(out, Value)
    gradients = grad(out, x)
    eps = 1e-6
    for i in range(2):  # central differences on plain numbers
        up = [v.data + (eps if k == i else 0.0) for k, v in enumerate(x)]
        down = [v.data - (eps if k == i else 0.0) for k, v in enumerate(x)]
        numeric = (model(up).data - model(down).data) / (2 * eps)
        assert gradients[i] == pytest.approx(numeric, rel=1e-5, abs=1e-8)


def test_single_neuron_layers_work() -> None:
    model = MLP(2, [16, 1, 1], seed=0)  # micrograd fails on this one
    out = model([0.5, 0.5])
    assert isinstance(out, Value)
    out.backward()
    assert len(model.layers[1].neurons) == 1
    layer = Layer(3, 1, seed=0)
    assert isinstance(layer([1, 2, 3]), list) and len(layer([1, 2, 3])) == 1


def test_last_layer_is_linear_hidden_layers_use_the_activation() -> None:
    model = MLP(2, [3, 3, 2], activation="sigmoid")
    assert [layer.activation for layer in model.layers] == ["sigmoid", "sigmoid", "linear"]


def test_seeded_initialisation_is_reproducible() -> None:
    a, b, c = MLP(2, [8, 1], seed=7), MLP(2, [8, 1], seed=7), MLP(2, [8, 1], seed=8)
    assert a.state_dict() == b.state_dict() != c.state_dict()
    weights = [p.data for name, p in a.named_parameters() if not name.endswith(".b")]
    assert all(-1.0 <= w <= 1.0 for w in weights)
    assert all(p.data == 0.0 for name, p in a.named_parameters() if name.endswith(".b"))


def test_uniform_init_draws_like_micrograd() -> None:
    # micrograd draws random.uniform(-1, 1) for each weight, layer by layer, neuron by
    # neuron, and sets each bias to 0: the same seed gives the same starting weights.
    draws = random.Random(1337)
    model = MLP(2, [3, 2, 1], seed=1337)
    for name, p in model.named_parameters():
        assert p.data == (0.0 if name.endswith(".b") else draws.uniform(-1, 1)), name


def test_he_init_scales_with_fan_in() -> None:
    model = MLP(64, [32, 10], seed=0, init="he")
    first = [w.data for n in model.layers[0].neurons for w in n.w]
    assert max(abs(w) for w in first) <= math.sqrt(6 / 64)
    assert max(abs(w) for w in first) > 0.5 * math.sqrt(6 / 64)


def test_zero_grad_resets_parameters() -> None:
    model = MLP(2, [4, 1], seed=0)
    model([1.0, 2.0]).backward()
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


def test_repr_is_readable() -> None:
    assert repr(MLP(2, [16, 16, 1])) == "MLP(2-16-16-1, activation='relu', 337 parameters)"
    assert repr(Layer(3, 2, "tanh")) == "Layer(3, 2, activation='tanh')"


@pytest.mark.parametrize("make, error, words", [
    (lambda: MLP(2, []), TypeError, "nouts"),
    (lambda: MLP(2, [0, 1]), ValueError, "layer size"),
    (lambda: MLP(2, [2.5]), TypeError, "layer size"),
    (lambda: MLP(0, [1]), ValueError, "nin"),
    (lambda: MLP(2, [1], activation="softplus"), ValueError, "activation 'softplus'"),
    (lambda: Neuron(True), TypeError, "bool"),
    (lambda: MLP(2, [3], init="xavier"), ValueError, "init"),
])
def test_bad_architectures_are_refused(make, error, words) -> None:
    with pytest.raises(error, match=words):
        make()


def test_wrong_number_of_inputs() -> None:
    with pytest.raises(ValueError, match="expects 2 inputs, got 3"):
        MLP(2, [3, 1])([1.0, 2.0, 3.0])


BATCH = (r"takes one sample at a time, 2 numbers or Values; got a batch of 2 samples\? "
         r"Call it on each: \[model\(x\) for x in X\]")


@pytest.mark.parametrize("given, error, words", [
    # before: "object of type 'float' has no len()", naming neither the model nor the input
    (5.0, TypeError, r"MLP\(2-3-1, .*\) takes one sample: a sequence of 2 numbers or Values, "
                     "got float: 5.0"),
    ({"a": 1.0, "b": 2.0}, TypeError, "takes one sample: a sequence of 2 numbers or Values, "
                                      "got dict"),
    ("ab", TypeError, "takes one sample: a sequence of 2 numbers or Values, got str"),
    # before: "Value needs a real number (int or float), got list: [1, 2]"
    ([[1, 2], [3, 4]], TypeError, BATCH),
    (np.array([[1.0, 2.0], [3.0, 4.0]]), TypeError, BATCH),
    # before: "expects 2 inputs, got 1"
    ([[1.0, 2.0]], TypeError, r"got a batch of 1 sample\? Call"),
    ([1.0, None], TypeError, r"MLP\(2-3-1, .*\): input 1: .*got NoneType"),
    ([1.0, math.nan], ValueError, r"MLP\(2-3-1, .*\): input 1: .*finite number, got nan"),
], ids=["number", "dict", "str", "batch", "batch-array", "batch-of-one", "None", "nan"])
def test_what_is_not_one_sample_is_named(given, error, words) -> None:
    with pytest.raises(error, match=words):
        MLP(2, [3, 1])(given)


# ---------------------------------------------------------------------------
# state_dict, save and load
# ---------------------------------------------------------------------------


def test_save_then_load_round_trips_exactly(tmp_path) -> None:
    model = MLP(3, [5, 2], activation="tanh", seed=4)
    for p in model.parameters():
        p.data = p.data / 3.0 + 1e-17  # numbers that need all 17 digits
    path = tmp_path / "model.json"
    model.save(path)
    again = nn.load(path)
    assert isinstance(again, MLP) and again.config() == model.config()
    assert again.state_dict() == model.state_dict()
    x = [0.1, 0.2, 0.3]
    assert [v.data for v in again(x)] == [v.data for v in model(x)]
    fresh = MLP(3, [5, 2], activation="tanh", seed=99)
    fresh.load(path)
    assert fresh.state_dict() == model.state_dict()
    assert not list(tmp_path.glob(".*.tmp"))  # the temporary file was renamed away


def test_loading_into_a_model_takes_the_saved_seed_into_its_config(tmp_path) -> None:
    # load() copied the weights of a seed-1 model but config() kept seed=2, so saving
    # it again wrote a file claiming weights it does not hold
    path = tmp_path / "model.json"
    MLP(2, [2, 1], seed=1).save(path)
    target = MLP(2, [2, 1], seed=2)
    target.load(path)
    assert target.config()["seed"] == 1
    assert target.config() == nn.load(path).config()
    unseeded = tmp_path / "unseeded.json"
    MLP(2, [2, 1]).save(unseeded)
    target.load(unseeded)
    assert target.config()["seed"] is None


def test_save_is_json_not_pickle(tmp_path) -> None:
    path = tmp_path / "m.json"
    MLP(2, [2, 1], seed=0).save(path)
    document = json.loads(path.read_text())
    assert document["class"] == "MLP" and len(document["parameters"]) == 9


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", "linear"])
def test_a_model_pickles_and_copies_as_a_pytorch_module_does(activation) -> None:
    import copy
    import pickle

    model = MLP(2, [3, 1], activation=activation, seed=4)
    # before: "Can't pickle <function <lambda>>" for every model (its output layer is linear)
    for twin in (pickle.loads(pickle.dumps(model)), copy.deepcopy(model)):
        assert twin.config() == model.config()
        assert [p.data for p in twin.parameters()] == [p.data for p in model.parameters()]
        assert twin([0.5, -1.0]).data == model([0.5, -1.0]).data
        twin.parameters()[0].data += 1.0  # its own parameters, not the original's
        assert twin.parameters()[0].data != model.parameters()[0].data


def corrupt_variants(document: dict) -> dict[str, str]:
    wrong_value = json.loads(json.dumps(document))
    first = next(iter(wrong_value["parameters"]))
    wrong_value["parameters"][first] = "0.5"
    missing = json.loads(json.dumps(document))
    del missing["parameters"][first]
    extra = json.loads(json.dumps(document))
    extra["parameters"]["layer9.neuron0.b"] = 1.0
    other_arch = json.loads(json.dumps(document))
    other_arch["config"]["nouts"] = [3, 1]
    return {
        "truncated": json.dumps(document)[:-40],
        "not json": "hello",
        "wrong format": json.dumps({"format": "something else"}),
        "string parameter": json.dumps(wrong_value),
        "missing parameter": json.dumps(missing),
        "extra parameter": json.dumps(extra),
        "other architecture": json.dumps(other_arch),
        "nan": json.dumps(document).replace(str(document["parameters"][first]), "NaN", 1),
    }


def test_corrupt_or_mismatched_files_are_refused_and_change_nothing(tmp_path) -> None:
    source = MLP(2, [2, 1], seed=1)
    source.save(tmp_path / "good.json")
    document = json.loads((tmp_path / "good.json").read_text())
    for name, text in corrupt_variants(document).items():
        path = tmp_path / f"{name}.json"
        path.write_text(text)
        target = MLP(2, [2, 1], seed=2)
        before = target.state_dict()
        with pytest.raises(ModelFileError):
            target.load(path)
        assert target.state_dict() == before, name
        assert target.config()["seed"] == 2, name  # not the file's seed either
        if name != "other architecture":  # that one is a valid file of another model
            with pytest.raises(ModelFileError):
                nn.load(path)


def test_loading_another_architecture_names_both(tmp_path) -> None:
    MLP(2, [4, 1], seed=0).save(tmp_path / "m.json")
    target = MLP(2, [3, 1], seed=0)
    before = target.state_dict()
    with pytest.raises(ModelFileError, match=r"nouts=\[4, 1\].*nouts=\[3, 1\]"):
        target.load(tmp_path / "m.json")
    assert target.state_dict() == before


def test_load_state_dict_validates_before_writing() -> None:
    model = MLP(2, [2, 1], seed=0)
    before = model.state_dict()
    state = dict(before)
    state[list(state)[-1]] = float("inf")
    state = {name: value + 1.0 for name, value in state.items()}
    with pytest.raises(ModelFileError, match="layer2.neuron0.b must be finite, got inf"):
        model.load_state_dict(state)
    assert model.state_dict() == before
    with pytest.raises(ModelFileError, match="True|bool"):
        model.load_state_dict({name: True for name in before})
    assert model.state_dict() == before


def test_load_state_dict_names_the_missing_and_the_unknown_parameters() -> None:
    model = MLP(2, [2, 1], seed=0)
    before = model.state_dict()
    state = {name: 0.5 for name in before if name != "layer1.neuron1.w0"}
    state.update({"layer9.neuron0.b": 1.0, "layer9.neuron1.b": 1.0})
    with pytest.raises(ModelFileError,
                       match=r"^parameters do not match this MLP \(9 parameters\): missing 1 "
                             r"parameter\(s\), e\.g\. 'layer1\.neuron1\.w0'; 2 unknown "
                             r"parameter\(s\), e\.g\. 'layer9\.neuron0\.b'$"):
        model.load_state_dict(state)
    assert model.state_dict() == before


def test_save_refuses_non_finite_parameters(tmp_path) -> None:
    model = MLP(2, [1], seed=0)
    model.parameters()[0].data = float("nan")
    with pytest.raises(ValueError, match="layer1.neuron0.w0"):
        model.save(tmp_path / "m.json")
    assert not (tmp_path / "m.json").exists()


def test_neuron_and_layer_save_and_load(tmp_path) -> None:
    for model in (Neuron(3, "tanh", seed=0), Layer(2, 3, "sigmoid", seed=0)):
        model.save(tmp_path / "x.json")
        again = nn.load(tmp_path / "x.json")
        assert type(again) is type(model) and again.state_dict() == model.state_dict()


# ---------------------------------------------------------------------------
# Calling a module runs its forward
# ---------------------------------------------------------------------------


def test_calling_a_module_runs_its_forward() -> None:
    class Double(nn.Module[Value]):
        def __init__(self) -> None:
            self.scale = Value(2.0, "scale")

        def forward(self, x):
            return self.scale * x[0]

        def named_parameters(self):
            return [("scale", self.scale)]

    double = Double()
    assert double([Value(3.0)]).data == 6.0
    model = MLP(2, [3, 1], seed=0)
    assert model([0.5, -1.0]).data == model.forward([0.5, -1.0]).data
    assert [v.data for v in Layer(2, 2, seed=0)([1.0, 2.0])] == [
        v.data for v in Layer(2, 2, seed=0).forward([1.0, 2.0])]
    with pytest.raises(NotImplementedError, match="Module must define forward"):
        nn.Module()([1.0])


# ---------------------------------------------------------------------------
# Files name weights by the structure (issue 12, item 9)
# ---------------------------------------------------------------------------


def test_relabelled_parameters_still_save_and_load(tmp_path) -> None:
    model = MLP(2, [2, 1], seed=0)
    model.layers[0].neurons[1].w[0].label = "the weight I am watching"
    model.parameters()[-1].label = "output bias"
    names = [name for name, _ in model.named_parameters()]
    assert names[3] == "layer1.neuron1.w0" and names[-1] == "layer2.neuron0.b"
    model.save(tmp_path / "m.json")
    saved = json.loads((tmp_path / "m.json").read_text())["parameters"]
    assert list(saved) == names
    assert nn.load(tmp_path / "m.json").state_dict() == model.state_dict()
    again = MLP(2, [2, 1], seed=5)
    again.load(tmp_path / "m.json")
    assert again.state_dict() == model.state_dict()


def test_equal_labels_never_drop_a_weight(tmp_path) -> None:
    model = MLP(2, [2, 1], seed=3)
    for p in model.parameters():
        p.label = "w"
    model.save(tmp_path / "m.json")
    assert len(json.loads((tmp_path / "m.json").read_text())["parameters"]) == 9
    loaded = nn.load(tmp_path / "m.json")
    assert [p.data for p in loaded.parameters()] == [p.data for p in model.parameters()]


def test_a_layer_or_neuron_with_a_name_round_trips(tmp_path) -> None:
    # `name` sets the labels only; the file's names come from the structure
    for model in (Layer(2, 2, "tanh", seed=1, name="hidden"), Neuron(2, seed=1, name="n")):
        model.save(tmp_path / "x.json")
        assert nn.load(tmp_path / "x.json").state_dict() == model.state_dict()
    assert Layer(2, 2, name="hidden").parameters()[0].label == "hidden.neuron0.w0"


def test_files_written_by_format_version_1_still_load(tmp_path) -> None:
    # written by hand, as version 1 has written them since the start
    (tmp_path / "v1.json").write_text("""{
 "format": "backprop-lab model", "version": 1, "class": "MLP",
 "config": {"nin": 1, "nouts": [2, 1], "activation": "tanh", "seed": 7, "init": "uniform"},
 "parameters": {"layer1.neuron0.w0": 0.5, "layer1.neuron0.b": -0.25,
                "layer1.neuron1.w0": 1.5, "layer1.neuron1.b": 0.0,
                "layer2.neuron0.w0": 2.0, "layer2.neuron0.w1": -1.0, "layer2.neuron0.b": 0.125}
}""")
    model = nn.load(tmp_path / "v1.json")
    assert [p.data for p in model.parameters()] == [0.5, -0.25, 1.5, 0.0, 2.0, -1.0, 0.125]
    assert model([1.0]).data == pytest.approx(
        2.0 * math.tanh(0.25) - 1.0 * math.tanh(1.5) + 0.125)


# ---------------------------------------------------------------------------
# Loading never trusts the file (issue 12, item 12)
# ---------------------------------------------------------------------------


def test_load_checks_the_parameter_count_before_building_the_model(tmp_path,
                                                                   monkeypatch) -> None:
    path = tmp_path / "huge.json"
    path.write_text('{"format": "backprop-lab model", "version": 1, "class": "MLP", '
                    '"config": {"nin": 100000, "nouts": [100000, 1], "seed": 0}, '
                    '"parameters": {"layer1.neuron0.b": 0.0}}')
    assert len(path.read_bytes()) < 181  # the file had 181 bytes

    def never(*args, **kwargs):
        raise AssertionError("the model was built before the file was checked")

    monkeypatch.setattr(MLP, "__init__", never)
    with pytest.raises(ModelFileError, match=r"10,000,200,001 parameters but the file holds 1"):
        nn.load(path)


@pytest.mark.parametrize("config, words", [
    ({"nin": "2", "nouts": [1]}, "nin must be an int"),
    ({"nin": 2, "nouts": [0]}, r"nouts\[0\] must be an int >= 1"),
    ({"nin": 2, "nouts": 3}, "nouts must be a non-empty list"),
    ({"nin": 2}, "nouts must be a non-empty list"),
    ({"nin": 2, "nouts": [1], "colour": "red"}, "colour"),
])
def test_bad_configs_are_model_file_errors(tmp_path, config, words) -> None:
    document = {"format": "backprop-lab model", "version": 1, "class": "MLP",
                "config": config, "parameters": {f"p{i}": 0.0 for i in range(3)}}
    (tmp_path / "m.json").write_text(json.dumps(document))
    with pytest.raises(ModelFileError, match=words):
        nn.load(tmp_path / "m.json")


def tampered(tmp_path, replace: str, by: str) -> tuple[MLP, dict, object]:
    """A saved MLP(2, [2, 1]) whose text has `replace` swapped for `by`, and a
    model of the same architecture to load it into."""
    source = MLP(2, [2, 1], seed=1)
    for p in source.parameters():
        p.data = 0.5
    path = tmp_path / "m.json"
    source.save(path)
    text = path.read_text()
    assert replace in text
    path.write_text(text.replace(replace, by, 1))
    target = MLP(2, [2, 1], seed=2)
    return target, target.state_dict(), path


@pytest.mark.parametrize("weight, words", [
    ("1" + "0" * 400, "too large for a float"),  # int -> float overflows
    ("1" + "0" * 5000, "invalid JSON.*digits"),  # Python refuses to parse it
])
def test_huge_integer_weights_are_model_file_errors(tmp_path, weight, words) -> None:
    target, before, path = tampered(tmp_path, "0.5", weight)
    with pytest.raises(ModelFileError, match=words):
        target.load(path)
    assert target.state_dict() == before
    with pytest.raises(ModelFileError, match=words):
        nn.load(path)


def test_deeply_nested_json_is_a_model_file_error(tmp_path) -> None:
    target, before, path = tampered(tmp_path, "0.5", "[" * 100_000 + "]" * 100_000)
    with pytest.raises(ModelFileError, match="nested too deeply"):
        target.load(path)
    assert target.state_dict() == before
    with pytest.raises(ModelFileError, match="nested too deeply"):
        nn.load(path)


def test_files_above_the_size_limit_are_refused(tmp_path, monkeypatch) -> None:
    assert nn.module.MAX_FILE_BYTES >= 16 * 2**20  # the real limit fits a large model
    model = MLP(2, [2, 1], seed=0)
    model.save(tmp_path / "m.json")
    size = (tmp_path / "m.json").stat().st_size
    monkeypatch.setattr(nn.module, "MAX_FILE_BYTES", size - 1)
    with pytest.raises(ModelFileError, match=f"{size:,} bytes; saved models are at most"):
        nn.load(tmp_path / "m.json")
    monkeypatch.setattr(nn.module, "MAX_FILE_BYTES", size)
    assert nn.load(tmp_path / "m.json").state_dict() == model.state_dict()


READ_SPECIAL_FILES = """
import os, sys, nn
fifo = os.path.join(sys.argv[1], "fifo.json")
os.mkfifo(fifo)
for path in (fifo, "/dev/zero", sys.argv[1]):
    try:
        nn.load(path)
    except nn.ModelFileError as error:
        print(error)
"""


def test_fifos_devices_and_directories_are_refused_without_reading(tmp_path) -> None:
    # in a child process with a memory limit and a timeout: reading /dev/zero
    # would never end, and opening a FIFO would wait for a writer forever
    def limit_memory() -> None:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (2 * 2**30, 2 * 2**30))

    result = subprocess.run([sys.executable, "-c", READ_SPECIAL_FILES, str(tmp_path)],
                            capture_output=True, text=True, timeout=120,
                            preexec_fn=limit_memory)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        f"{tmp_path / 'fifo.json'}: not a saved model (a FIFO, not a regular file)",
        "/dev/zero: not a saved model (a device, not a regular file)",
        f"{tmp_path}: not a saved model (a directory, not a regular file)",
    ]


def test_a_missing_file_is_file_not_found(tmp_path) -> None:
    with pytest.raises(FileNotFoundError):
        nn.load(tmp_path / "nothing.json")


# ---------------------------------------------------------------------------
# Every problem of a config is a ModelFileError naming its key (issue 24, item 10)
# ---------------------------------------------------------------------------

HUGE = int("1" * 4001)  # JSON reads it; its message could not be formatted


def model_file(tmp_path, class_name: str, config: dict, count: int, **fields) -> object:
    """A model file of `class_name` with `config` and `count` zero parameters p0, p1, ..."""
    document = {"format": "backprop-lab model", "version": 1, "class": class_name,
                "config": config, "parameters": {f"p{i}": 0.0 for i in range(count)}}
    path = tmp_path / "m.json"
    path.write_text(json.dumps({**document, **fields}))
    return path


@pytest.mark.parametrize("class_name, config, count, words", [
    ("Neuron", {"nin": 2, "rng": 5}, 3, r"unknown key 'rng' in the config of Neuron \(it "
                                         r"takes nin, activation, init, seed, name\)"),
    ("Layer", {"nin": 2, "nout": 1, "rng": {"uniform": 1}}, 3, "unknown key 'rng'"),
    ("Neuron", {"nin": HUGE}, 3, r"nin must be at most 67,108,864, got an int of 13288 bits"),
    ("Layer", {"nin": HUGE, "nout": HUGE}, 3, "nin must be at most 67,108,864"),
    ("MLP", {"nin": 2, "nouts": [2, HUGE]}, 3, r"nouts\[1\] must be at most 67,108,864"),
    ("MLP", {"nin": 2, "nouts": [1], "seed": True}, 3, "seed must be an int or null, got "
                                                       "bool True"),
    ("MLP", {"nin": 2, "nouts": [1], "seed": 1.5}, 3, "seed must be an int or null"),
    ("Layer", {"nin": 2, "nout": 1, "name": 5}, 3, "name must be a str, got int 5"),
    ("Neuron", {"nin": 2, "name": "n" * 1001}, 3, "name must be at most 1000 characters"),
])
def test_every_config_key_is_checked_before_the_model_is_built(tmp_path, monkeypatch,
                                                               class_name, config, count,
                                                               words) -> None:
    path = model_file(tmp_path, class_name, config, count)

    def never(*args, **kwargs):
        raise AssertionError("the model was built before its config was checked")

    monkeypatch.setattr(nn.module._MODEL_CLASSES[class_name], "__init__", never)
    with pytest.raises(ModelFileError, match=words) as caught:
        nn.load(path)
    assert str(caught.value).startswith(f"{path}: ") and len(str(caught.value)) < 300


@pytest.mark.parametrize("version", [True, 1.0])
def test_the_version_must_be_the_int_1(tmp_path, version) -> None:
    path = model_file(tmp_path, "Neuron", {"nin": 2}, 3, version=version)
    with pytest.raises(ModelFileError, match=f"unsupported version {version}"):
        nn.load(path)
    with pytest.raises(ModelFileError, match=f"unsupported version {version}"):
        Neuron(2).load(path)


def test_loading_into_a_model_checks_the_config_too(tmp_path) -> None:
    # True == 1, so {"nin": true} once passed for the config of Neuron(1)
    model = Neuron(1, seed=0)
    before = model.state_dict()
    document = {"format": "backprop-lab model", "version": 1, "class": "Neuron",
                "config": {"nin": True, "activation": "relu", "init": "uniform"},
                "parameters": {"w0": 0.5, "b": 0.25}}
    (tmp_path / "m.json").write_text(json.dumps(document))
    with pytest.raises(ModelFileError, match="nin must be an int, got bool True"):
        model.load(tmp_path / "m.json")
    assert model.state_dict() == before


def test_a_huge_class_name_is_shown_cut(tmp_path) -> None:
    path = model_file(tmp_path, "M" * 100_000, {"nin": 2}, 3)
    with pytest.raises(ModelFileError, match="unknown model class 'MMM") as caught:
        nn.load(path)
    assert len(str(caught.value)) < 300


def test_an_mlp_seed_is_an_int_so_that_every_saved_model_loads(tmp_path) -> None:
    # the seed is saved in the config, and a file may only hold an int or null there
    with pytest.raises(TypeError, match="seed must be an int, got float 1.5"):
        MLP(2, [1], seed=1.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="seed must be an int, got bool True"):
        MLP(2, [1], seed=True)
    np = pytest.importorskip("numpy")
    model = MLP(2, [1], seed=np.int64(3))  # saved as the int 3 (json cannot write an int64)
    model.save(tmp_path / "m.json")
    again = nn.load(tmp_path / "m.json")
    assert again.config()["seed"] == 3 and again.state_dict() == MLP(2, [1], seed=3).state_dict()
