"""The `backprop demo` and `backprop train` subcommands (wired up in `nn.cli`).

`backprop demo` retraces micrograd's demo notebook: 100 two-moons points with
noise 0.1, an MLP 2-16-16-1 with ReLU, the loss
``mean_i max(0, 1 − y_i·s_i) + 1e-4 · Σ p²``, 100 full-batch SGD steps with
``lr = 1.0 − 0.9·k/100``. It writes its pictures to ./backprop-demo/.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import autograd
from autograd import Value, drawing
from nn import data as datasets
from nn.cli import UsageError
from nn.module import ACTIVATIONS, MLP
from nn.optim import SGD, Adam, LinearDecay
from nn.train import LOSSES, accuracy, fit, plot_decision_boundary, plot_history

DEMO_DIRECTORY = Path("backprop-demo")
DEMO_SEED = 1
DEMO_STEPS = 100

# data set name -> (loader taking (n_samples, seed) or None, number of classes)
DATASETS = {
    "moons": (lambda n, seed: datasets.make_moons(n, noise=0.1, seed=seed), 2),
    "spirals": (lambda n, seed: datasets.make_spirals(n, seed=seed), 3),
    "xor": (lambda n, seed: datasets.make_xor(n, seed=seed), 2),
    "blobs": (lambda n, seed: datasets.make_blobs(n, seed=seed), 3),
    "digits": (None, 10),
}


# ---------------------------------------------------------------------------
# backprop demo
# ---------------------------------------------------------------------------


def run_demo(directory: Path = DEMO_DIRECTORY) -> int:
    """Train micrograd's moons demo, print progress, write plots and drawings."""
    X, y = datasets.make_moons(100, noise=0.1, seed=DEMO_SEED)
    model = MLP(2, [16, 16, 1], activation="relu", seed=DEMO_SEED)
    print(f"micrograd's demo: {model} on 100 two-moons points (noise 0.1)")
    print("loss = mean(relu(1 - y*score)) + 1e-4 * sum(p^2); "
          f"{DEMO_STEPS} SGD steps, lr = 1.0 - 0.9*k/{DEMO_STEPS}")

    def report(step: int, history: Any) -> None:
        if step % 10 == 0 or step == DEMO_STEPS - 1:
            print(f"step {step:3d}  loss {history.losses[-1]:.4f}  "
                  f"accuracy {100 * history.accuracies[-1]:5.1f}%")

    start = time.perf_counter()
    history = fit(model, X, y, loss="hinge", optimizer=SGD(model.parameters(), lr=1.0),
                  epochs=DEMO_STEPS, l2=1e-4, lr_schedule=LinearDecay(1.0, 0.1, DEMO_STEPS),
                  progress=False, callback=report)
    seconds = time.perf_counter() - start
    final_accuracy = accuracy(model, X, y)
    print(f"final loss {history.losses[-1]:.4f}, accuracy {100 * final_accuracy:.1f}% "
          f"(training took {seconds:.1f} s, {1000 * seconds / DEMO_STEPS:.0f} ms per step)")

    directory.mkdir(parents=True, exist_ok=True)
    written = [directory / "decision_boundary.png", directory / "loss.png"]
    plot_decision_boundary(model, X, y, written[0], title="MLP 2-16-16-1 on two moons")
    plot_history(history, written[1])
    written += _draw_one_neuron(model, X, directory)
    print("wrote:")
    for path in written:
        print(f"  {path}")
    return 0


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
    out.backward()
    written = []
    graph_path = directory / "neuron_graph.svg"
    if _try(f"the graph {graph_path}", lambda: drawing.save(drawing.draw_graph(out), graph_path)):
        written.append(graph_path)
    player_path = directory / "neuron_player.html"
    if _try(f"the player {player_path}", lambda: autograd.save_player(out, player_path)):
        written.append(player_path)
    return written


def _try(what: str, action: Any) -> bool:
    """Run `action`; if no `dot` program renders or the file cannot be written, say so
    and carry on (the plots are written already)."""
    try:
        action()
    except (RuntimeError, OSError) as error:  # DotNotFoundError is a RuntimeError
        print(f"skipped {what}: {error}")
        return False
    return True


# ---------------------------------------------------------------------------
# backprop train
# ---------------------------------------------------------------------------


def add_train_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of `backprop train`."""
    parser.add_argument("--data", choices=list(DATASETS), default="moons",
                        help="data set (default moons)")
    parser.add_argument("--samples", type=_positive_int, default=200,
                        help="number of points for the 2-D data sets (default 200)")
    parser.add_argument("--hidden", type=_layer_sizes, default=[16, 16],
                        help="hidden layer sizes, comma separated (default 16,16; '' for none)")
    parser.add_argument("--activation", choices=[a for a in ACTIVATIONS], default="relu")
    parser.add_argument("--loss", choices=list(LOSSES), default="hinge")
    parser.add_argument("--optimizer", choices=["sgd", "adam"], default="sgd")
    parser.add_argument("--lr", type=_positive_float, default=None,
                        help="learning rate (default 0.1 for sgd, 0.01 for adam)")
    parser.add_argument("--momentum", type=_fraction, default=0.0, help="SGD momentum")
    parser.add_argument("--l2", type=_non_negative_float, default=0.0,
                        help="L2 penalty λ·Σw² (default 0)")
    parser.add_argument("--epochs", type=_positive_int, default=100)
    parser.add_argument("--batch-size", type=_positive_int, default=None,
                        help="samples per step (default: the whole training set)")
    parser.add_argument("--test-fraction", type=_open_fraction, default=0.2,
                        help="share of the data held out for testing (default 0.2)")
    parser.add_argument("--seed", type=int, default=0, help="seed for data, weights, batches")
    parser.add_argument("--plot", metavar="PNG", type=_png_path, default=None,
                        help="save the decision boundary (2-D data) or, for digits, the "
                             "loss and accuracy curves")
    parser.add_argument("--save", metavar="JSON", type=_writable_path, default=None,
                        help="save the trained model as JSON (load it with nn.load)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def run_train(args: argparse.Namespace) -> int:
    """Train an MLP as the options say; print loss, train and test accuracy."""
    X, y, n_classes = _load_data(args.data, args.samples, args.seed)
    binary = n_classes == 2 and args.loss != "cross_entropy"
    n_outputs = 1 if binary else n_classes
    X_train, X_test, y_train, y_test = datasets.train_test_split(
        X, y, test_fraction=args.test_fraction, seed=args.seed)
    init = "he" if args.data == "digits" else "uniform"
    model = MLP(len(X[0]), [*args.hidden, n_outputs], activation=args.activation,
                seed=args.seed, init=init)
    if args.optimizer == "sgd":
        optimizer: SGD | Adam = SGD(model.parameters(), lr=args.lr or 0.1,
                                    momentum=args.momentum)
    else:
        optimizer = Adam(model.parameters(), lr=args.lr or 0.01)
    print(f"{model} on {args.data}: {len(X_train)} training and {len(X_test)} test samples, "
          f"loss {args.loss}, {args.optimizer} lr {optimizer.lr:g}")
    start = time.perf_counter()
    try:
        history = fit(model, X_train, y_train, loss=args.loss, optimizer=optimizer,
                      epochs=args.epochs, batch_size=args.batch_size, l2=args.l2,
                      seed=args.seed, progress=not args.quiet)
    except ArithmeticError as error:  # a NaN/inf loss, or an overflow in exp or x**2
        raise UsageError(f"train: training diverged ({error}); lower the learning rate"
                         if not isinstance(error, FloatingPointError) else f"train: {error}"
                         ) from None
    seconds = time.perf_counter() - start
    print(f"final training loss {history.losses[-1]:.4f}; accuracy: "
          f"train {100 * accuracy(model, X_train, y_train):.1f}%, "
          f"test {100 * accuracy(model, X_test, y_test):.1f}% "
          f"({seconds:.1f} s, {seconds / args.epochs:.2f} s per epoch)")
    if args.plot is not None:
        if len(X[0]) == 2:
            sizes = "-".join(str(n) for n in [model.nin, *model.nouts])
            plot_decision_boundary(model, X, y, args.plot, title=f"MLP {sizes} on {args.data}")
        else:
            plot_history(history, args.plot)
        print(f"wrote {args.plot}")
    if args.save is not None:
        model.save(args.save)
        print(f"wrote {args.save}")
    return 0


def _load_data(name: str, n_samples: int, seed: int) -> tuple[list, list, int]:
    loader, n_classes = DATASETS[name]
    if loader is None:
        try:
            X, y = datasets.load_digits()
        except ImportError as error:
            raise UsageError(f"train: {error}") from None
        return X, y, n_classes
    try:
        X, y = loader(n_samples, seed)
    except ValueError as error:
        raise UsageError(f"train: {error}") from None
    return X, y, n_classes


# Option types: each raises argparse.ArgumentTypeError with a clear message.


def _positive_int(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {n}")
    return n


def _float(text: str) -> float:
    try:
        x = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if x != x or x in (float("inf"), float("-inf")):
        raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
    return x


def _positive_float(text: str) -> float:
    x = _float(text)
    if x <= 0:
        raise argparse.ArgumentTypeError(f"expected a number > 0, got {text}")
    return x


def _non_negative_float(text: str) -> float:
    x = _float(text)
    if x < 0:
        raise argparse.ArgumentTypeError(f"expected a number >= 0, got {text}")
    return x


def _fraction(text: str) -> float:
    x = _float(text)
    if not 0 <= x < 1:
        raise argparse.ArgumentTypeError(f"expected a number in [0, 1), got {text}")
    return x


def _open_fraction(text: str) -> float:
    x = _float(text)
    if not 0 < x < 1:
        raise argparse.ArgumentTypeError(f"expected a number between 0 and 1, got {text}")
    return x


def _layer_sizes(text: str) -> list[int]:
    if not text.strip():
        return []
    try:
        return [_positive_int(part.strip()) for part in text.split(",")]
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(
            f"expected layer sizes like 16,16 (positive integers), got {text!r}") from None


def _writable_path(text: str) -> Path:
    path = Path(text)
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise argparse.ArgumentTypeError(f"directory {str(parent)!r} does not exist")
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"{text!r} is a directory")
    return path


def _png_path(text: str) -> Path:
    if not text.lower().endswith(".png"):
        raise argparse.ArgumentTypeError(f"the plot is a PNG file: expected a name ending in "
                                         f".png, got {text!r}")
    return _writable_path(text)
