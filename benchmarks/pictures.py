"""How big and how slow the pictures of a network are: drawings and players.

    .venv/bin/python benchmarks/pictures.py          # prints a markdown table

The budgets (issue "seeing a whole network"): a player of the demo's network
at most 3 MB built within 5 s drawn value by value, at most 1 MB collapsed
(one frame per neuron). Sizes are asserted by tests as behaviour
(tests/test_player.py); times only here: the best wall-clock time of a few
runs, since Graphviz's layout runs in a child process that CPU time of this
one would not count. Run it on an otherwise idle machine.

Without a `dot` program (browser Python) a player carries its DOT source and viz.js
(Graphviz in WebAssembly, packed: about 0.6 MB) and lays itself out in the page: the last
row.
"""

from __future__ import annotations

import platform
import sys
from collections.abc import Callable
from unittest import mock

from timing import REPEATS, best_wall_time

import autograd
import nn
from autograd import Value, draw_graph, player_html
from autograd.views import drawing, player
from nn import losses


def demo_point() -> tuple[nn.MLP, list[Value], Value]:
    """The demo's MLP 2-16-16-1 on its first two-moons point, with the hinge loss."""
    X, y = nn.make_moons(100, noise=0.1, seed=1)
    model = nn.MLP(2, [16, 16, 1], activation="relu", seed=1)
    x = [Value(X[0][0], label="x0"), Value(X[0][1], label="x1")]
    return model, x, losses.binary_hinge(model(x), 1 if y[0] == 1 else -1)


def digits_point() -> Value:
    """An MLP 64-32-10 on one 8×8 digit, with softmax cross-entropy."""
    X, y = nn.load_digits()
    model = nn.MLP(64, [32, 10], seed=0, init="he")
    return losses.cross_entropy(model(X[0]), y[0])


def without_dot(make_page: Callable[[], str]) -> Callable[[], str]:
    """`make_page` as where no `dot` program runs: the page lays the graph out itself."""
    def no_dot(*args: object, **kwargs: object) -> bytes:
        raise drawing.DotNotFoundError("no dot program (as in browser Python)")

    def make() -> str:
        with mock.patch.object(player, "render", no_dot):
            return make_page()
    return make


def main() -> None:
    model, x, loss = demo_point()
    output = model(x)
    digits = digits_point()
    rows = [
        ("player, MLP 2-16-16-1 output, every value",
         len(autograd.topological_order(output)), lambda: str(player_html(output))),
        ("player, demo loss, collapse=2",
         len(autograd.topological_order(loss)), lambda: str(player_html(loss, collapse=2))),
        ("drawing (SVG), demo loss, collapse=2",
         len(autograd.topological_order(loss)),
         lambda: drawing.render(draw_graph(loss, collapse=2)).decode()),
        ("drawing (SVG), MLP 64-32-10 loss, collapse=2",
         len(autograd.topological_order(digits)),
         lambda: drawing.render(draw_graph(digits, collapse=2)).decode()),
        ("player, MLP 64-32-10 loss, collapse=2",
         len(autograd.topological_order(digits)), lambda: str(player_html(digits, collapse=2))),
        ("player, demo loss, collapse=2, no dot program (DOT + viz.js)",
         len(autograd.topological_order(loss)),
         without_dot(lambda: str(player_html(loss, collapse=2)))),
    ]
    print(f"Python {platform.python_version()} on {platform.machine()}, "
          f"best wall-clock time of {REPEATS}\n")
    print("| picture | values in the graph | size | build time |")
    print("|---|---:|---:|---:|")
    for name, nodes, make in rows:
        seconds, text = best_wall_time(make)
        print(f"| {name} | {nodes:,} | {len(text.encode()) / 1e6:.2f} MB | {seconds:.2f} s |",
              flush=True)


if __name__ == "__main__":
    sys.exit(main())
