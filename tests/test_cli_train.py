"""`backprop demo` and `backprop train`: outputs, files, and one-line errors (exit 2)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import autograd
import nn
from nn.cli import command as cli
from nn.cli import main


def run(argv: list[str], capsys) -> tuple[int, str, str]:
    status = main(argv)
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_demo_reaches_full_accuracy_and_writes_its_files(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    status, out, err = run(["demo", "runs/first"], capsys)  # a directory of the user's choice
    assert status == 0, err
    final = re.search(r"final loss ([\d.]+), accuracy ([\d.]+)%", out)
    assert final is not None
    assert float(final.group(1)) < 0.05 and float(final.group(2)) == 100.0
    directory = tmp_path / "runs" / "first"
    for name in ("decision_boundary.png", "loss.png"):
        path = directory / name
        assert path.read_bytes()[:4] == b"\x89PNG" and str(path.relative_to(tmp_path)) in out
    assert "step   1" in out and "step  90" in out and "step 100" in out  # after each step
    replay = (directory / "training.html").read_text(encoding="utf-8")
    assert len(replay.encode()) <= 3_000_000  # the budget of issue 14, for this fixed run
    frames = json.loads(re.search(r'class="frames">(.*?)</script>', replay, re.S)[1])
    assert [frame["epoch"] for frame in frames] == list(range(0, 101, 5))
    assert len(frames[0]["points"]) == 100  # every point's backward pass, at every snapshot
    assert "runs/first/training.html" in out
    network = (directory / "network.svg").read_text()
    assert "<svg" in network and "layer2.neuron15" in network and "layer3.neuron0" in network
    assert "data-frames" in (directory / "network_player.html").read_text()
    svg = (directory / "neuron_graph.svg").read_text()
    assert "<svg" in svg and "layer1" in svg and ">h<" in svg  # h = relu(a), the neuron's output
    html = (directory / "neuron_player.html").read_text()
    assert html.lstrip().lower().startswith("<!doctype html")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["runs"]  # no ./backprop-demo


def test_demo_pictures_show_fresh_gradients_not_the_last_training_step(
        tmp_path, monkeypatch) -> None:
    from autograd.views import drawing
    from nn.cli import training as cli_train
    from tests.dot_reading import find, parse, texts, values
    from tests.test_network_view import four, groups

    X, y = nn.make_moons(30, noise=0.1, seed=1)
    model = nn.MLP(2, [4, 4, 1], activation="relu", seed=1)
    nn.fit(model, X, y, loss="hinge", optimizer=nn.SGD(model.parameters(), lr=0.5), epochs=3,
           progress=False)
    assert any(p.grad != 0 for p in model.parameters())  # what training leaves behind
    drawn: dict[str, str] = {}
    monkeypatch.setattr(drawing, "save", lambda graph, path: drawn.setdefault(path.name,
                                                                              graph.source))
    for draw in (lambda: cli_train._draw_network(model, X, y, tmp_path),
                 lambda: cli_train._draw_one_neuron(model, X, tmp_path)):
        for p in model.parameters():
            p.grad = 1000.0  # a leftover no picture may show, added to or not
        draw()

    nodes, _ = parse(drawn["network.svg"])
    fresh = cli_train.worst_point_loss(model, X, y)  # the same point, a new graph
    assert fresh.data > 0  # a misclassified point: gradients flow
    assert texts(nodes[find(nodes, "loss = ReLU")])[1:] == [f"data {four(fresh.data)}", "grad 1"]
    for node_id, name in groups(nodes).items():
        parameters = [p for p in autograd.topological_order(fresh)
                      if p.label.startswith(name + ".")]
        largest = max(abs(g) for g in autograd.grad(fresh, parameters))
        assert texts(nodes[node_id])[-1].endswith(f"max |grad| {four(largest)}"), name

    nodes, _ = parse(drawn["neuron_graph.svg"])
    shown = {texts(a)[0]: texts(a)[1:] for a in values(nodes).values()}
    for i in (0, 1):  # h = relu(w·x + b), active: dh/dw_i = x_i, dh/db = 1
        assert shown[f"w{i}"][1] == "grad " + shown[f"x{i}"][0].removeprefix("data ")
    assert shown["b"][1] == "grad 1"


def test_demo_writes_to_backprop_demo_by_default() -> None:
    args = cli.make_parser().parse_args(["demo"])
    assert args.directory == Path("backprop-demo")


def test_train_on_moons_writes_plot_and_model(tmp_path, capsys) -> None:
    plot, model_path = tmp_path / "out.png", tmp_path / "model.json"
    status, out, err = run(["train", "--data", "moons", "--samples", "60", "--hidden", "8",
                            "--epochs", "30", "--lr", "0.5", "--quiet", "--plot", str(plot),
                            "--save", str(model_path)], capsys)
    assert status == 0, err
    test_accuracy = float(re.search(r"test ([\d.]+)%", out).group(1))
    assert test_accuracy >= 75.0
    assert plot.read_bytes()[:4] == b"\x89PNG"
    model = nn.load(model_path)
    assert isinstance(model, nn.MLP) and model.nouts == [8, 1]


def test_train_writes_a_replay_of_about_20_snapshots(tmp_path, capsys) -> None:
    replay = tmp_path / "replay.html"
    status, out, err = run(["train", "--data", "blobs", "--samples", "40", "--hidden", "4",
                            "--epochs", "45", "--quiet", "--replay", str(replay)], capsys)
    assert status == 0, err
    page = replay.read_text(encoding="utf-8")
    frames = json.loads(re.search(r'class="frames">(.*?)</script>', page, re.S)[1])
    assert [frame["epoch"] for frame in frames] == [0, *range(3, 46, 3)]  # every 3 epochs
    assert len(frames[0]["points"]) == 40  # 32 training and 8 test points
    assert f"wrote {replay} (" in out and "An MLP 2-4-3 learns blobs" in page


def test_train_multiclass_with_adam_and_batches(capsys) -> None:
    status, out, err = run(["train", "--data", "blobs", "--samples", "60", "--hidden", "8",
                            "--loss", "cross_entropy", "--optimizer", "adam", "--lr", "0.05",
                            "--epochs", "5", "--batch-size", "16", "--quiet"], capsys)
    assert status == 0, err
    assert "MLP(2-8-3" in out


@pytest.mark.parametrize("argv, words", [
    (["--data", "mnist"], "invalid choice: 'mnist'"),
    (["--hidden", "16,x"], "layer sizes"),
    (["--hidden", "16,0"], "layer sizes"),
    (["--lr", "-1"], "expected a number > 0"),
    (["--lr", "nan"], "finite"),
    (["--epochs", "0"], "argument --epochs: expected an integer from 1 to 100000, got 0"),
    (["--batch-size", "two"], "positive integer"),
    (["--loss", "softmax"], "invalid choice: 'softmax'"),
    (["--optimizer", "rmsprop"], "invalid choice"),
    (["--activation", "gelu"], "invalid choice"),
    (["--plot", "out.jpg"], ".png"),
    (["--save", "/no/such/dir/model.json"], "does not exist"),
    (["--replay", "replay.png"], "must end in .html or .htm"),
    (["--replay", "/no/such/dir/replay.html"], "does not exist"),
    (["--test-fraction", "1"], "a number in (0, 1)"),
    (["--momentum", "1.5"], "[0, 1)"),
    (["--momentum", "0.9"], "--momentum is for --optimizer sgd, not adam"),
    (["--bogus"], "unrecognized arguments: --bogus"),
    (["--save", ""], "argument --save: the file name is empty"),  # was "'.' is a directory"
    (["--plot", ""], "argument --plot: the file name is empty"),
    (["--replay", ""], "argument --replay: the file name is empty"),
    (["--plot", ".png"], "argument --plot: '.png' has no name before the .png"),
])
def test_bad_options_exit_2_with_one_clear_line(argv, words, capsys) -> None:
    status, out, err = run(["train", *argv], capsys)
    assert status == 2
    assert out == ""
    assert err.count("\n") == 1 and words in err
    assert "Traceback" not in err


def test_diverging_training_is_a_clear_error(capsys) -> None:
    status, _, err = run(["train", "--data", "blobs", "--samples", "30", "--loss", "mse",
                          "--optimizer", "sgd", "--lr", "1e30", "--epochs", "3", "--quiet"], capsys)
    assert status == 2
    assert "lower the learning rate" in err and err.count("\n") == 1


def test_demo_without_a_dot_program_writes_the_players_and_replay_and_skips_the_rest(
        tmp_path, monkeypatch, capsys) -> None:
    from autograd.views import drawing
    from nn.cli import training as cli_train

    def no_dot() -> str:
        raise drawing.DotNotFoundError("no Graphviz 'dot' program found")

    monkeypatch.setattr(drawing, "find_dot", no_dot)
    model = nn.MLP(2, [3, 1], seed=0)
    X, y = [[0.5, -0.5], [1.0, 1.0]], [0, 1]
    written = cli_train._draw_network(model, X, y, tmp_path)
    written += cli_train._draw_one_neuron(model, X, tmp_path)
    history = nn.fit(model, X, y, epochs=2, record_every=1, progress=False)
    written += cli_train._demo_replay(model, history, X, y, tmp_path)
    out = capsys.readouterr().out
    pages = [tmp_path / "network_player.html", tmp_path / "neuron_player.html",
             tmp_path / "training.html"]
    assert written == pages  # the players and the replay lay their graphs out in the page
    assert all('class="renderer"' in path.read_text() for path in pages)
    assert f"skipped the graph {tmp_path / 'network.svg'}: no Graphviz 'dot'" in out
    assert f"skipped the graph {tmp_path / 'neuron_graph.svg'}: no Graphviz 'dot'" in out
    assert "skipped the training replay" not in out
    assert sorted(tmp_path.iterdir()) == sorted(pages)  # no half-written file left behind


@pytest.mark.parametrize("outputs, words", [
    (["--save", "out.png", "--plot", "out.png"],
     "train: --save and --plot name the same file 'out.png'; give each its own name"),
    (["--save", "run.html", "--replay", "./run.html"],
     "train: --save and --replay name the same file 'run.html'; give each its own name"),
])
def test_two_outputs_naming_one_file_are_refused_before_training(tmp_path, monkeypatch, capsys,
                                                                outputs, words) -> None:
    # the plot used to be written over the saved model: exit 0, two "wrote out.png", no model
    monkeypatch.chdir(tmp_path)
    status, out, err = run(["train", "--epochs", "1", "--quiet", *outputs], capsys)
    assert status == 2
    assert out == ""
    assert err == f"backprop: {words}\n"
    assert list(tmp_path.iterdir()) == []


def test_a_save_name_ending_in_a_slash_is_refused_before_training(tmp_path, monkeypatch,
                                                                  capsys) -> None:
    # "models/" trained, then saved the model as a file named "models"
    monkeypatch.chdir(tmp_path)
    status, out, err = run(["train", "--epochs", "1", "--quiet", "--save", "models/"], capsys)
    assert (status, out) == (2, "")
    assert err == ("backprop: train: argument --save: 'models/' ends in /, so it names a "
                   "folder, not a file\n")
    assert list(tmp_path.iterdir()) == []
