"""How big and how slow the training replay is: `nn.training_player_html` on fixed runs.

    .venv/bin/python benchmarks/replay.py          # prints a markdown table

The budget (issue "watch a network learn"): the demo's run (100 two-moons points,
MLP 2-16-16-1, 100 full-batch SGD steps, a snapshot every 5 steps) gives a page of
at most 3 MB built within 10 s on the 2-core machine. The size is asserted by a
test as behaviour (tests/test_cli_train.py, on `backprop demo`); the time only
here: the best wall-clock time of a few builds (training is not counted), since
Graphviz's layout runs in a child process that CPU time of this one would not
count. Run it on an otherwise idle machine.
"""

from __future__ import annotations

import platform
import sys
from typing import Any

from timing import REPEATS, best_wall_time

import nn


def demo_run() -> tuple[nn.MLP, nn.History, list[list[float]], list[int]]:
    """`backprop demo`'s training, with its snapshots every 5 steps."""
    X, y = nn.make_moons(100, noise=0.1, seed=1)
    model = nn.MLP(2, [16, 16, 1], activation="relu", seed=1)
    history = nn.fit(model, X, y, loss="hinge", optimizer=nn.SGD(model.parameters(), lr=1.0),
                     epochs=100, l2=1e-4, lr_schedule=nn.LinearDecay(1.0, 0.1, 100),
                     progress=False, record_every=5)
    return model, history, X, y


def train_run() -> tuple[nn.MLP, nn.History, list[Any], list[Any], list[Any], list[Any]]:
    """`backprop train --data moons --replay r.html` with its defaults: 160 training and
    40 test points, Adam, batches of 32, 60 epochs, a snapshot every 3."""
    X, y = nn.make_moons(200, noise=0.1, seed=0)
    X_train, X_test, y_train, y_test = nn.train_test_split(X, y, test_fraction=0.2, seed=0)
    model = nn.MLP(2, [16, 16, 1], activation="relu", seed=0)
    history = nn.fit(model, X_train, y_train, loss="hinge", optimizer=nn.Adam(model, lr=0.02),
                     epochs=60, batch_size=32, seed=0, progress=False, record_every=3)
    return model, history, X_train, y_train, X_test, y_test


def main() -> None:
    model, history, X, y = demo_run()
    trained, train_history, X_train, y_train, X_test, y_test = train_run()
    rows = [
        ("`backprop demo`: 100 points, MLP 2-16-16-1, 21 snapshots",
         lambda: str(nn.training_player_html(model, history, X, y))),
        ("`backprop train --replay` (moons defaults): 160 + 40 points, 21 snapshots",
         lambda: str(nn.training_player_html(trained, train_history, X_train, y_train,
                                             X_test, y_test))),
    ]
    print(f"Python {platform.python_version()} on {platform.machine()}, "
          f"best wall-clock time of {REPEATS}\n")
    print("| run | page size | build time |")
    print("|---|---:|---:|")
    for name, make in rows:
        seconds, page = best_wall_time(make)
        print(f"| {name} | {len(page.encode()) / 1e6:.2f} MB | {seconds:.1f} s |", flush=True)


if __name__ == "__main__":
    sys.exit(main())
