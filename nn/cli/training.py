"""The `backprop demo` and `backprop train` subcommands (`COMMANDS`, collected by `nn.cli`).

`backprop demo [DIR]` retraces micrograd's demo notebook: 100 two-moons points
with noise 0.1, an MLP 2-16-16-1 with ReLU, the loss
``mean_i max(0, 1 − y_i·s_i) + 1e-4 · Σ p²``, 100 full-batch SGD steps with
``lr = 1.0 − 0.9·k/100``. It writes its pictures to DIR (./backprop-demo/).

`backprop train --data X` trains an MLP on one of the data sets; every option
left out takes the data set's default (`DEFAULTS`), and the settings used are
printed first.

Both commands check that their outputs can be written before training, and
on Ctrl-C print one line, keep what was trained (``train --save``) and exit 130.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import random
import shlex
import signal
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from autograd import Value
from autograd.views import drawing, player
from nn import data as datasets
from nn import losses
from nn.cli.common import (
    Command,
    Interrupted,
    UsageError,
    describe,
    engine_error,
    integer_list_option,
    integer_option,
    output_directory_problem,
    output_file_option,
    output_file_problem,
    path_option,
    real_option,
    reason,
    show_path,
)
from nn.module import ACTIVATIONS, MLP
from nn.optim import SGD, Adam, LinearDecay
from nn.replay import save_training_player
from nn.train import (
    LOSSES,
    History,
    accuracy,
    fit,
    loss_function,
    measure,
    plot_decision_boundary,
    plot_history,
)

# ---------------------------------------------------------------------------
# backprop demo
# ---------------------------------------------------------------------------

DEMO_DIRECTORY = Path("backprop-demo")
DEMO_SEED = 1
DEMO_STEPS = 100
DEMO_FILES = ("decision_boundary.png", "loss.png", "network.svg", "network_player.html",
              "neuron_graph.svg", "neuron_player.html", "training.html")
DEMO_RECORD_EVERY = 5  # the replay's snapshots: epochs 0, 5, 10, ..., 100
REPLAY_SNAPSHOTS = 20  # backprop train --replay: about this many snapshots after epoch 0


def _demo_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("directory", nargs="?", type=path_option("folder"),
                        default=DEMO_DIRECTORY,
                        metavar="DIR", help="where to write the pictures (default "
                                            f"./{DEMO_DIRECTORY}/, created if missing)")


def command_demo(args: argparse.Namespace) -> int:
    """Train micrograd's moons demo, print progress, write plots and drawings to DIR."""
    directory: Path = args.directory
    _check_demo_outputs(directory)
    X, y = datasets.make_moons(100, noise=0.1, seed=DEMO_SEED)
    model = MLP(2, [16, 16, 1], activation="relu", seed=DEMO_SEED)
    print(f"micrograd's demo: {model} on 100 two-moons points (noise 0.1)")
    print("loss = mean(relu(1 - y*score)) + 1e-4 * sum(p^2); "
          f"{DEMO_STEPS} SGD steps, lr = 1.0 - 0.9*k/{DEMO_STEPS}", flush=True)

    steps_done = [0]

    def report(step: int, history: History) -> None:
        steps_done[0] = done = step + 1  # the loss and accuracy after `done` steps
        if done == 1 or done % 10 == 0:
            print(f"step {done:3d}  loss {history.losses[-1]:.4f}  "
                  f"accuracy {100 * history.accuracies[-1]:5.1f}%", flush=True)

    start = time.perf_counter()
    try:
        history = fit(model, X, y, loss="hinge", optimizer=SGD(model.parameters(), lr=1.0),
                      epochs=DEMO_STEPS, l2=1e-4,
                      lr_schedule=LinearDecay(1.0, 0.1, DEMO_STEPS), progress=False,
                      callback=report, record_every=DEMO_RECORD_EVERY)
    except KeyboardInterrupt:
        raise Interrupted(f"demo: interrupted after step {steps_done[0]} of {DEMO_STEPS}; "
                          "no file written") from None
    seconds = time.perf_counter() - start
    final_accuracy = accuracy(model, X, y)
    print(f"final loss {history.losses[-1]:.4f}, accuracy {100 * final_accuracy:.1f}% "
          f"(training took {seconds:.1f} s, {1000 * seconds / DEMO_STEPS:.0f} ms per step)")

    before = _demo_files(directory)
    made = [d for d in (directory, *directory.parents) if not os.path.lexists(d)]
    try:
        written = _write_demo_pictures(model, history, X, y, directory)
    except KeyboardInterrupt:
        raise Interrupted(_interrupted_writing(directory, before, made)) from None
    print("wrote:")
    for path in written:
        print(f"  {path}")
    return 0


def _write_demo_pictures(model: MLP, history: History, X: list[list[float]], y: list[int],
                         directory: Path) -> list[Path]:
    """Write the demo's plots, drawings and pages into `directory`; the files written."""
    written = [directory / "decision_boundary.png", directory / "loss.png"]
    try:
        directory.mkdir(parents=True, exist_ok=True)
        plot_decision_boundary(model, X, y, written[0], title="MLP 2-16-16-1 on two moons")
        plot_history(history, written[1])
    except OSError as error:
        raise UsageError(f"demo: cannot write in {show_path(directory)}: "
                         f"{reason(error)}") from None
    written += _draw_network(model, X, y, directory)
    written += _draw_one_neuron(model, X, directory)
    written += _demo_replay(model, history, X, y, directory)
    return written


def _demo_files(directory: Path) -> dict[str, int]:
    """The demo's files now in `directory`, each with its inode: every save writes a new
    file and renames it over the old one, so a file written since has another inode."""
    found = {}
    for name in DEMO_FILES:
        try:
            found[name] = (directory / name).stat().st_ino
        except OSError:
            continue
    return found


def _interrupted_writing(directory: Path, before: dict[str, int], made: list[Path]) -> str:
    """What Ctrl-C while the pictures were written says: those written by now (not an
    earlier run's); if none, the directories the demo made are removed again."""
    new = [name for name, inode in _demo_files(directory).items() if before.get(name) != inode]
    if new:
        return (f"demo: interrupted while writing the pictures; written in "
                f"{show_path(directory)}: {', '.join(new)}")
    for made_directory in made:  # deepest first; each is empty unless someone else wrote
        try:
            made_directory.rmdir()
        except OSError:
            break
    return "demo: interrupted while writing the pictures; none written"


def _demo_replay(model: MLP, history: History, X: list[list[float]], y: list[int],
                 directory: Path) -> list[Path]:
    """The page that replays the demo's training (its snapshots every 5 steps)."""
    path = directory / "training.html"
    if _try(f"the training replay {path}", lambda: save_training_player(
            model, history, X, y, path,
            title="micrograd's demo: an MLP 2-16-16-1 learns two moons")):
        return [path]
    return []


def _check_demo_outputs(directory: Path) -> None:
    problem = output_directory_problem(directory)
    if problem is None and directory.is_dir():
        problems = (output_file_problem(directory / name) for name in DEMO_FILES)
        problem = next((p for p in problems if p is not None), None)
    if problem is not None:
        raise UsageError(f"demo: {problem}; choose another directory: backprop demo DIR")


def _draw_one_neuron(model: MLP, X: list[list[float]], directory: Path) -> list[Path]:
    """The graph and the backprop player of one first-layer neuron on one input point.

    The neuron and point are the first whose ReLU is active (so gradients flow
    back to the weights); the nodes are labelled as in the lecture:
    ``a = b + w·x`` and ``h = relu(a)``.
    """
    neurons = model.layers[0].neurons
    active = ((j, x) for x in X for j, n in enumerate(neurons) if n(x).data > 0)
    j, x = next(active, (0, X[0]))
    out = neurons[j]([Value(x[0], "x0"), Value(x[1], "x1")])
    out.label = f"layer1.neuron{j}.h"
    pre_activation = out.parents[0]
    pre_activation.label = f"layer1.neuron{j}.a"
    pre_activation.parents[0].label = f"layer1.neuron{j}.w·x"
    model.zero_grad()  # training left the last step's gradients in the parameters
    out.backward()
    written = []
    graph_path = directory / "neuron_graph.svg"
    if _try(f"the graph {graph_path}", lambda: drawing.save(drawing.draw_graph(out), graph_path)):
        written.append(graph_path)
    player_path = directory / "neuron_player.html"
    if _try(f"the player {player_path}", lambda: player.save_player(out, player_path)):
        written.append(player_path)
    return written


def worst_point_loss(model: MLP, X: list[list[float]], y: list[int]) -> Value:
    """The hinge loss ``relu(1 − y·s)`` of the point the model classifies worst
    (the largest loss, so gradients flow back through the network), as a fresh
    graph with the inputs labelled ``x0``, ``x1`` and the result ``loss``."""
    def loss_at(i: int) -> Value:
        x = [Value(X[i][0], label="x0"), Value(X[i][1], label="x1")]
        loss = losses.binary_hinge(model(x), 1 if y[i] == 1 else -1)
        loss.label = "loss"
        return loss

    worst = max(range(len(X)), key=lambda i: loss_at(i).data)
    return loss_at(worst)


def _draw_network(model: MLP, X: list[list[float]], y: list[int],
                  directory: Path) -> list[Path]:
    """The whole trained network on its worst point, one node per neuron
    (``collapse=2``), and its backprop player, one frame per neuron."""
    loss = worst_point_loss(model, X, y)
    model.zero_grad()  # training left the last step's gradients in the parameters
    loss.backward()
    written = []
    graph_path = directory / "network.svg"
    if _try(f"the graph {graph_path}",
            lambda: drawing.save(drawing.draw_graph(loss, collapse=2), graph_path)):
        written.append(graph_path)
    player_path = directory / "network_player.html"
    if _try(f"the player {player_path}",
            lambda: player.save_player(loss, player_path, collapse=2,
                                       title="The demo's network, one neuron at a time")):
        written.append(player_path)
    return written


def _try(what: str, action: Callable[[], object]) -> bool:
    """Run `action`; if no `dot` program renders or the file cannot be written, say so
    and carry on (the plots are written already)."""
    try:
        action()
    except (RuntimeError, OSError) as error:  # DotNotFoundError is a RuntimeError
        print(f"skipped {what}: {describe(error)}")
        return False
    return True


# ---------------------------------------------------------------------------
# backprop train: data sets and their defaults
# ---------------------------------------------------------------------------

Loader = Callable[[int, int], tuple[list[list[float]], list[int]]]  # (n_samples, seed) -> X, y

# data set name -> (its loader, or None for digits; number of classes)
DATASETS: dict[str, tuple[Loader | None, int]] = {
    "moons": (lambda n, seed: datasets.make_moons(n, noise=0.1, seed=seed), 2),
    "spirals": (lambda n, seed: datasets.make_spirals(n, seed=seed), 3),
    "xor": (lambda n, seed: datasets.make_xor(n, seed=seed), 2),
    "blobs": (lambda n, seed: datasets.make_blobs(n, seed=seed), 3),
    "digits": (None, 10),
}
DIGITS_SAMPLES = 1797

@dataclass(frozen=True)
class Defaults:
    """What `backprop train` uses for the options left out, for one data set.

    The loss is not here: hinge for two classes, cross_entropy for more.
    """

    samples: int = 200
    hidden: tuple[int, ...] = (16, 16)
    activation: str = "relu"
    optimizer: str = "adam"
    lr: tuple[tuple[str, float], ...] = (("adam", 0.02), ("sgd", 0.1))  # by optimizer
    epochs: int = 60
    batch_size: int | None = 32  # None: the whole training set at each step


# Each run with these finishes in about 4 s (2-D sets, 95-100% test accuracy)
# or 9 s (digits, 95-96%) of CPU time on the 2-core machine (measured for issue 12).
DEFAULTS = {
    "moons": Defaults(), "spirals": Defaults(), "xor": Defaults(), "blobs": Defaults(),
    "digits": Defaults(samples=DIGITS_SAMPLES, hidden=(32,), epochs=3,
                       lr=(("adam", 0.01), ("sgd", 0.1))),
}

# What training needs in memory, measured with tracemalloc on MLPs of 300 to
# 40,000 parameters (rounded up): each parameter is a Value (about 220 bytes),
# and the graph of one batch holds about 30-80 bytes per sample and parameter.
BYTES_PER_PARAMETER = 250
BYTES_PER_SAMPLE_AND_PARAMETER = 100
BYTES_PER_NUMBER_OF_DATA = 50


# The most --samples: every epoch goes through each training sample, about 0.7 ms each for
# the default 2-16-16-1 net on the 2-core machine (16,000 training samples: 10.7 s per epoch).
# At 100,000 samples an epoch takes about a minute and the default 60 epochs about an hour;
# 100,000,000 passed the memory check (10 GB) but one epoch would take about 15 hours.
MAX_SAMPLES = 100_000

# The most --epochs. Full-batch plain SGD, as a course teaches it, needs thousands of epochs:
# xor --samples 40 --hidden 2 --activation sigmoid --optimizer sgd --lr 0.1 --batch-size all
# is at 56% training accuracy after 1,000 epochs and 91% after 5,000, at about 3 ms an epoch
# (100,000 epochs: 5 minutes). An epoch of the default run (moons, 160 training samples,
# 2-16-16-1, batches of 32) takes about 0.09 s on the 2-core machine, so 100,000 take about
# 2.5 hours; a few zeros too many (10,000,000) would have trained it for about 10 days.
MAX_EPOCHS = 100_000

WHOLE_SET = 0  # --batch-size all: one step per epoch on the whole training set

# Training has diverged when the loss after an epoch is over this many times the loss
# before training (at least 1). Runs that learn stay far below: on moons and spirals,
# SGD up to lr=100 and Adam up to lr=3 peak at most 160 times their first loss, while
# lr=1e9 reaches 1e17 in the first epoch (and Adam at lr=10, 2,000-18,000 times: it
# ends near chance).
DIVERGENCE_GROWTH = 1000
REFERENCE_SAMPLES = 64  # training samples the loss before training is measured on


def _batch_size(text: str) -> int:
    """--batch-size: a positive integer, or "all" (`WHOLE_SET`) for the whole training set."""
    if text.strip().lower() == "all":
        return WHOLE_SET
    try:
        return integer_option(1)(text)
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(
            f"expected a positive integer or 'all', got {text!r}") from None


def _train_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of `backprop train`; None means "the data set's default"."""
    parser.epilog = ("Options left out take defaults chosen for the data set (a run of a "
                     "few seconds); the first line printed shows the settings used.")
    per_data = " (default: per data set)"
    parser.add_argument("--data", choices=list(DATASETS), default="moons",
                        help="data set (default moons)")
    parser.add_argument("--samples", type=integer_option(1, MAX_SAMPLES), default=None,
                        metavar="N", help=f"number of points, at most {MAX_SAMPLES:,} (digits: "
                                          "a random subset of the 1797)" + per_data)
    parser.add_argument("--hidden", type=integer_list_option, default=None, metavar="SIZES",
                        help="hidden layer sizes, comma separated ('' for none)" + per_data)
    parser.add_argument("--activation", choices=list(ACTIVATIONS), default=None,
                        help="activation of the hidden layers" + per_data)
    parser.add_argument("--loss", choices=list(LOSSES), default=None,
                        help="(default: hinge for two classes, cross_entropy for more)")
    parser.add_argument("--optimizer", choices=["sgd", "adam"], default=None, help=per_data)
    parser.add_argument("--lr", type=real_option(0, low_open=True), default=None,
                        help="learning rate" + per_data)
    parser.add_argument("--momentum", type=real_option(0, 1, high_open=True), default=None,
                        help="SGD momentum (default 0)")
    parser.add_argument("--l2", type=real_option(0), default=0.0,
                        help="L2 penalty λ·Σw² (default 0)")
    parser.add_argument("--epochs", type=integer_option(1, MAX_EPOCHS), default=None,
                        help=f"passes over the training set, at most {MAX_EPOCHS:,}" + per_data)
    parser.add_argument("--batch-size", type=_batch_size, default=None, metavar="N",
                        help="samples per step, or 'all'" + per_data)
    parser.add_argument("--test-fraction", type=real_option(0, 1, low_open=True, high_open=True),
                        default=0.2, help="share of the data held out for testing (default 0.2)")
    parser.add_argument("--seed", type=int, default=0, help="seed for data, weights, batches")
    parser.add_argument("--plot", metavar="PNG", type=output_file_option([".png"]), default=None,
                        help="save the decision boundary (2-D data) or, for digits, the "
                             "loss and accuracy curves")
    parser.add_argument("--save", metavar="JSON", type=output_file_option(()), default=None,
                        help="save the trained model as JSON (load it with nn.load)")
    parser.add_argument("--replay", metavar="HTML", type=output_file_option([".html", ".htm"]),
                        default=None,
                        help=f"write a page that replays the training: about {REPLAY_SNAPSHOTS} "
                             "snapshots of the weights, the curves, the decision boundary (or "
                             "sample images), the network, and any point's backward pass")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def settings_for(args: argparse.Namespace) -> dict[str, Any]:
    """The options given, and the data set's defaults for those left out."""
    defaults = DEFAULTS[args.data]

    def given_or(name: str, default: Any) -> Any:
        value = getattr(args, name)
        return default if value is None else value

    optimizer = given_or("optimizer", defaults.optimizer)
    if optimizer != "sgd" and args.momentum is not None:
        raise UsageError(f"train: --momentum is for --optimizer sgd, not {optimizer}")
    batch_size = given_or("batch_size", defaults.batch_size)
    return {
        "samples": given_or("samples", defaults.samples),
        "hidden": list(given_or("hidden", defaults.hidden)),
        "activation": given_or("activation", defaults.activation),
        "loss": given_or("loss", "hinge" if DATASETS[args.data][1] == 2 else "cross_entropy"),
        "optimizer": optimizer,
        "lr": given_or("lr", dict(defaults.lr)[optimizer]),
        "momentum": given_or("momentum", 0.0),
        "l2": args.l2,
        "epochs": given_or("epochs", defaults.epochs),
        "batch_size": None if batch_size == WHOLE_SET else batch_size,
        "test_fraction": args.test_fraction,
        "seed": args.seed,
    }


def format_settings(data: str, settings: dict[str, Any]) -> str:
    """The settings as the options that give them, e.g. ``--hidden 16,16 --lr 0.02``."""
    parts = [f"--data {data}"]
    if DATASETS[data][0] is not None or settings["samples"] != DIGITS_SAMPLES:
        parts.append(f"--samples {settings['samples']}")
    parts += [f"--hidden {shlex.quote(','.join(map(str, settings['hidden'])))}",
              f"--activation {settings['activation']}", f"--loss {settings['loss']}",
              f"--optimizer {settings['optimizer']}", f"--lr {settings['lr']:g}"]
    if settings["optimizer"] == "sgd":
        parts.append(f"--momentum {settings['momentum']:g}")
    parts += [f"--l2 {settings['l2']:g}", f"--epochs {settings['epochs']}",
              f"--batch-size {settings['batch_size'] or 'all'}",
              f"--test-fraction {settings['test_fraction']:g}", f"--seed {settings['seed']}"]
    return " ".join(parts)


# ---------------------------------------------------------------------------
# backprop train
# ---------------------------------------------------------------------------


def command_train(args: argparse.Namespace) -> int:
    """Train an MLP as the options say; print loss, train and test accuracy."""
    _check_distinct_outputs(args)
    s = settings_for(args)
    n_classes = DATASETS[args.data][1]
    n_outputs = 1 if n_classes == 2 and s["loss"] != "cross_entropy" else n_classes
    n_features = 64 if args.data == "digits" else 2
    sizes = [n_features, *s["hidden"], n_outputs]
    _check_memory(sizes, s["samples"], s["batch_size"], s["test_fraction"])
    X, y = _load_data(args.data, s["samples"], args.seed)
    X_train, X_test, y_train, y_test = _split(X, y, s["test_fraction"], args.seed)
    init = "he" if args.data == "digits" else "uniform"
    model = MLP(n_features, sizes[1:], activation=s["activation"], seed=args.seed, init=init)
    optimizer: SGD | Adam = (SGD(model.parameters(), lr=s["lr"], momentum=s["momentum"])
                             if s["optimizer"] == "sgd" else Adam(model.parameters(), lr=s["lr"]))
    print(f"settings ({args.data}'s defaults for the options not given): "
          f"{format_settings(args.data, s)}")
    print(f"{model} on {args.data}: {len(X_train)} training and {len(X_test)} test samples",
          flush=True)
    start = time.perf_counter()
    history = _fit(model, optimizer, X_train, y_train, s, args)
    seconds = time.perf_counter() - start
    print(f"final training loss {history.losses[-1]:.4f}; accuracy: "
          f"train {100 * accuracy(model, X_train, y_train):.1f}%, "
          f"test {100 * accuracy(model, X_test, y_test):.1f}% "
          f"({seconds:.1f} s, {seconds / s['epochs']:.2f} s per epoch)")
    if args.save is not None:  # first: the plot may fail, the model must not be lost
        _save(model, args.save)
        print(f"wrote {args.save}")
    if args.plot is not None:
        saved = f" (the model is saved in {args.save})" if args.save is not None else ""
        try:
            if n_features == 2:
                title = f"MLP {'-'.join(map(str, sizes))} on {args.data}"
                plot_decision_boundary(model, X_train, y_train, args.plot, title=title,
                                       X_test=X_test, y_test=y_test)
            else:
                plot_history(history, args.plot)
        except (OSError, ValueError) as error:
            raise UsageError(f"train: cannot write the plot {show_path(args.plot)}: "
                             f"{reason(error)}{saved}") from None
        print(f"wrote {args.plot}")
    if args.replay is not None:
        _write_replay(model, history, X_train, y_train, X_test, y_test, args, sizes)
    return 0


OUTPUT_OPTIONS = ("save", "plot", "replay")  # in the order they are written


def _check_distinct_outputs(args: argparse.Namespace) -> None:
    """Refuse two of --save, --plot, --replay naming one file: the later would replace
    the earlier (the plot was written over the saved model)."""
    seen: dict[str, str] = {}  # the file, made absolute and normalised -> its option
    for option in OUTPUT_OPTIONS:
        path = getattr(args, option)
        if path is None:
            continue
        key = os.path.normpath(os.path.abspath(path))
        if key in seen:
            raise UsageError(f"train: --{seen[key]} and --{option} name the same file "
                             f"{show_path(path)}; give each its own name")
        seen[key] = option


def _write_replay(model: MLP, history: History, X_train: list[Any], y_train: list[Any],
                  X_test: list[Any], y_test: list[Any], args: argparse.Namespace,
                  sizes: list[int]) -> None:
    """Write the replay page (the model and the plot are written already)."""
    title = f"An MLP {'-'.join(map(str, sizes))} learns {args.data}"
    try:
        save_training_player(model, history, X_train, y_train, args.replay, X_test, y_test,
                             title=title)
    except (OSError, RuntimeError, ValueError) as error:  # DotNotFoundError: a RuntimeError
        saved = f" (the model is saved in {args.save})" if args.save is not None else ""
        raise UsageError(f"train: cannot write the replay {show_path(args.replay)}: "
                         f"{reason(error)}{saved}") from None
    print(f"wrote {args.replay} ({args.replay.stat().st_size / 1e6:.1f} MB)")


def _fit(model: MLP, optimizer: SGD | Adam, X: list[Any], y: list[Any],
         s: dict[str, Any], args: argparse.Namespace) -> History:
    """`fit`, with Ctrl-C and divergence each turned into one line.

    Divergence ends with "training diverged in epoch N: ...; lower the learning
    rate": fit's own message (a number overflowed, an update was not finite), or
    ours when the loss after an epoch is over `DIVERGENCE_GROWTH` times the loss
    before training (taken as at least 1), or when a number of the forward pass
    became nan once the weights had moved (huge weights: inf - inf).
    """
    params = model.parameters()
    initial = [p.data for p in params]
    done, weights = 0, initial  # epochs finished, the weights after the last
    before = _loss_before_training(model, X, y, s)
    limit = DIVERGENCE_GROWTH * max(before, 1.0)

    def after_epoch(epoch: int, history: History) -> None:
        nonlocal done, weights
        loss = history.losses[-1]
        if loss > limit:
            raise FloatingPointError(
                f"training diverged in epoch {epoch + 1}: the loss grew from {before:.3g} "
                f"before training to {loss:.3g}; lower the learning rate "
                f"(lr={optimizer.lr:g})")
        done, weights = epoch + 1, [p.data for p in params]

    record_every = None if args.replay is None else math.ceil(s["epochs"] / REPLAY_SNAPSHOTS)
    try:
        return fit(model, X, y, loss=s["loss"], optimizer=optimizer, epochs=s["epochs"],
                   batch_size=s["batch_size"], l2=s["l2"], seed=args.seed,
                   progress=not args.quiet, callback=after_epoch, record_every=record_every)
    except KeyboardInterrupt:
        message = f"train: interrupted after epoch {done} of {s['epochs']}"
        if args.save is not None:
            if done == 0:
                message += f"; no epoch finished, so {show_path(args.save)} was not written"
            else:
                for p, number in zip(params, weights):  # a step may have been cut short
                    p.data = number
                _save(model, args.save, interrupted=True)
                message += f"; saved the model after epoch {done} to {args.save}"
        raise Interrupted(message) from None
    except ValueError as error:
        if any(p.data != w for p, w in zip(params, initial)):
            # after updates, a ValueError of the engine is a nan from huge weights
            raise UsageError(f"train: training diverged in epoch {done + 1}: "
                             f"{describe(error)}; lower the learning rate "
                             f"(lr={optimizer.lr:g})") from None
        raise engine_error("train", error) from None
    except ArithmeticError as error:
        # divergence is fit's FloatingPointError (or ours, above), whose message names the
        # epoch and says to lower the learning rate: print it as it is, once
        raise engine_error("train", error) from None


def _loss_before_training(model: MLP, X: list[Any], y: list[Any], s: dict[str, Any]) -> float:
    """The loss (with its L2 term) of the untrained model on the first
    `REFERENCE_SAMPLES` training samples: enough to tell a loss that explodes."""
    return measure(model, X[:REFERENCE_SAMPLES], y[:REFERENCE_SAMPLES],
                   loss_function(s["loss"]), s["l2"], model.parameters())[0]


def _save(model: MLP, path: Path, interrupted: bool = False) -> None:
    """``model.save(path)``; a failure is one line (`Interrupted` after Ctrl-C)."""
    try:
        with _ignoring_ctrl_c():  # a second Ctrl-C must not cut the save short
            model.save(path)
    except (OSError, ValueError) as error:
        problem = f"cannot save the model to {show_path(path)}: {reason(error)}"
        if interrupted:
            raise Interrupted(f"train: interrupted, and {problem}") from None
        raise UsageError(f"train: {problem}") from None


@contextlib.contextmanager
def _ignoring_ctrl_c() -> Iterator[None]:
    try:
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    except ValueError:  # not the main thread: signals cannot be changed, nor received
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _check_memory(sizes: list[int], n_samples: int, batch_size: int | None,
                  test_fraction: float) -> None:
    """Refuse a model or data set that cannot fit in this machine's memory."""
    needed = memory_needed(sizes, n_samples, batch_size, test_fraction)
    available = available_memory()
    if available is not None and needed > available:
        n_params = sum((n_in + 1) * n_out for n_in, n_out in zip(sizes, sizes[1:]))
        raise UsageError(
            f"train: an MLP {'-'.join(map(str, sizes))} ({n_params:,} parameters) on "
            f"{n_samples:,} samples needs about {_gigabytes(needed)} of memory, more than "
            f"the {_gigabytes(available)} available; use smaller --hidden, --samples or "
            "--batch-size")


def memory_needed(sizes: list[int], n_samples: int, batch_size: int | None,
                  test_fraction: float) -> int:
    """Bytes of memory that training an MLP of these layer sizes needs, roughly."""
    n_params = sum((n_in + 1) * n_out for n_in, n_out in zip(sizes, sizes[1:]))
    n_train = n_samples - round(n_samples * test_fraction)
    batch = n_train if batch_size is None else min(batch_size, n_train)
    return (n_params * BYTES_PER_PARAMETER + batch * n_params * BYTES_PER_SAMPLE_AND_PARAMETER
            + n_samples * sizes[0] * BYTES_PER_NUMBER_OF_DATA)


def available_memory() -> int | None:
    """Bytes of memory free for a new program (Linux: MemAvailable), None if unknown."""
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, AttributeError):
        return None


def _gigabytes(n_bytes: int) -> str:
    return f"{n_bytes / 1e9:,.1f} GB"


def _load_data(name: str, n_samples: int, seed: int) -> tuple[list[Any], list[Any]]:
    """The data set `name` with `n_samples` points (digits: a random subset)."""
    loader, n_classes = DATASETS[name]
    least = n_classes if loader is not None else 2  # a point per class; digits: train, test
    if n_samples < least:
        raise UsageError(f"train: --samples {n_samples}: {name} needs at least {least} "
                         f"samples" + (" (one per class)" if loader is not None else ""))
    try:
        if loader is not None:
            return loader(n_samples, seed)
        X, y = datasets.load_digits()
    except (ImportError, ValueError) as error:
        # the loaders name their argument n_samples: the user typed --samples
        raise UsageError(f"train: {describe(error).replace('n_samples', '--samples')}") from None
    if n_samples > len(X):
        raise UsageError(f"train: --samples {n_samples}: digits has only {len(X)} samples")
    if n_samples < len(X):
        chosen = sorted(random.Random(seed).sample(range(len(X)), n_samples))
        X, y = [X[i] for i in chosen], [y[i] for i in chosen]
    return X, y


def _split(X: list[Any], y: list[Any], test_fraction: float,
           seed: int) -> tuple[list[Any], list[Any], list[Any], list[Any]]:
    n_test = round(len(X) * test_fraction)
    if n_test == 0 or n_test == len(X):
        empty = "test" if n_test == 0 else "training"
        raise UsageError(f"train: --test-fraction {test_fraction:g} of {len(X)} samples leaves "
                         f"no {empty} sample; use more --samples or another --test-fraction")
    try:
        return datasets.train_test_split(X, y, test_fraction=test_fraction, seed=seed)
    except ValueError as error:
        raise UsageError(f"train: {describe(error)}") from None


COMMANDS = (
    Command("demo", "train micrograd's two-moons MLP and write pictures to ./backprop-demo/ "
                    "(or DIR)", _demo_arguments, command_demo),
    Command("train", "train an MLP on moons, spirals, xor, blobs or digits",
            _train_arguments, command_train),
)
