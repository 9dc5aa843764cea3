"""Wall-clock timing shared by the page benchmarks (pictures.py, replay.py)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

#: Calls per measurement; the best (smallest) time is reported.
REPEATS = 3


def best_wall_time(make: Callable[[], T], repeats: int = REPEATS) -> tuple[float, T]:
    """The best wall-clock time of `repeats` calls of `make`, and the last result.

    Wall-clock, not CPU time: the Graphviz layout runs in a child process.
    """
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        result = make()
        times.append(time.perf_counter() - start)
    return min(times), result
