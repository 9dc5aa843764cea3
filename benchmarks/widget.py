"""How long the live graph takes to appear, and how much it sends to the page.

    .venv/bin/python benchmarks/widget.py          # prints a markdown table

The budget (issue "live views"): the widget's first display of the demo net (the
collapsed MLP 2-16-16-1 on one two-moons point: 442 values, 37 frames) in under 2 s on
the 2-core machine; a change of a leaf (``w.set``: recompute, a backward pass and every
frame's texts) well under that. Measured here as the best wall-clock time of a few runs
(the layout runs in a child process), never asserted in a test. Run it on an idle machine.
"""

from __future__ import annotations

import json
import platform
import sys

from timing import REPEATS, best_wall_time

import autograd
import nn
from autograd import Value
from autograd.views import widget
from nn import losses


def demo_net() -> Value:
    X, y = nn.make_moons(100, noise=0.1, seed=1)
    model = nn.MLP(2, [16, 16, 1], seed=1)
    x = [Value(X[0][0], label="x0"), Value(X[0][1], label="x1")]
    return losses.binary_hinge(model(x), 1 if y[0] == 1 else -1)


def neuron() -> Value:
    x, w, b = Value(0.5, label="x"), Value(-1.5, label="w"), Value(2.0, label="b")
    return (x * w + b).tanh()


def main() -> None:
    print(f"Python {sys.version.split()[0]} on {platform.machine()}; best of {REPEATS}\n")
    print("| graph | first display (s) | w.set (s) | state sent (KB) | PNG (KB) |")
    print("|---|---|---|---|---|")
    for name, make, options, change in (
            ("neuron tanh(x·w + b)", neuron, {}, {"x": 0.3}),
            ("demo net, collapse=2", demo_net, {"collapse": 2}, {"x0": 0.25})):
        root = make()
        first, view = best_wall_time(lambda: autograd.widget(root, **options))  # noqa: B023
        changed, _ = best_wall_time(lambda: view.set(**change))  # noqa: B023
        state = json.dumps({key: getattr(view, key) for key in widget.GraphWidget.STATE})
        bundle = view._repr_mimebundle_()
        data = bundle[0] if isinstance(bundle, tuple) else bundle
        png = len(data.get("image/png", b""))
        print(f"| {name} | {first:.2f} | {changed:.2f} | {len(state) / 1000:.0f} | "
              f"{png / 1000:.0f} |")


if __name__ == "__main__":
    main()
