"""The floor under softmax-ops: its own Python with one plain object per op, no graph.

    OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/floor.py

softmax-ops (`workloads.LearnerSoftmax`) builds 200 rows of ``log(Σ_j exp(z_j - m)) + m -
z_y`` with Python's lists, generators, ``max`` and ``sum``. Any engine whose nodes are Python
objects pays for that Python and for one object per op. This script times the same forward
pass with `Bare`, an object of one slot that computes the number and records nothing, beside
this engine's forward pass (best CPU time of 15 passes each, in turn): what is left between
the two is the engine's own cost of the forward pass.
"""

from __future__ import annotations

import math
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(1, str(HERE))

import workloads  # noqa: E402

from autograd import Value  # noqa: E402


class Bare:
    """A number with the operators softmax-ops uses, and nothing else."""

    __slots__ = ("data",)

    def __init__(self, data: float) -> None:
        self.data = data

    def __add__(self, other: Any) -> Bare:
        return Bare(self.data + (other.data if isinstance(other, Bare) else other))

    __radd__ = __add__

    def __sub__(self, other: Any) -> Bare:
        return Bare(self.data - (other.data if isinstance(other, Bare) else other))

    def __mul__(self, other: Any) -> Bare:
        return Bare(self.data * (other.data if isinstance(other, Bare) else other))

    def exp(self) -> Bare:
        return Bare(math.exp(self.data))

    def log(self) -> Bare:
        return Bare(math.log(self.data))


def forward(make: Any) -> Any:
    """`workloads.LearnerSoftmax.forward`, with `make` for the engine's Value."""
    losses = []
    for row, target in workloads.softmax_logits():
        z = [make(v) for v in row]
        m = max(row)
        losses.append(sum((zj - m).exp() for zj in z).log() + m - z[target])
    return sum(losses) * (1.0 / len(losses))


def main() -> None:
    best = {"bare objects, no graph": math.inf, "this engine": math.inf}
    for _ in range(15):
        for name, make in (("bare objects, no graph", Bare), ("this engine", Value)):
            start = time.process_time()
            root = forward(make)
            best[name] = min(best[name], time.process_time() - start)
            del root
    for name, seconds in best.items():
        print(f"softmax-ops forward, {name}: {seconds * 1e3:.1f} ms")


if __name__ == "__main__":
    main()
