"""Measure ONE workload on ONE engine in this process; print the result as JSON.

    python benchmarks/measure.py training micrograd --repeats 5

`run.py` starts this script once per (workload, engine) in a fresh
subprocess, so memory and garbage-collector state never leak between runs.

What is measured, the same way for every engine:

0. one untraced warm-up step (first-time imports and caches are not the graph);
1. memory: with `tracemalloc` on, one forward + backward (+ update); the peak
   of traced memory divided by the number of nodes of the graph (every node
   reachable from the output, leaves included, counted by one walk);
2. time: ``repeats`` times forward + backward (+ update) + dropping the graph,
   with the garbage collector in its default state; the best is reported, as
   CPU time of this process (`time.process_time`: other programs running on
   the machine do not inflate it) and as wall-clock time.

An engine that fails (micrograd's recursive backward raises RecursionError on
deep graphs) is reported as failed with the error; its memory is still the
peak up to the failure, per node of the graph it had built.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import json
import sys
import threading
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from workloads import ENGINE_MODULES, FACTORIES, RAISED_LIMIT_ENGINES  # noqa: E402

RAISED_RECURSION_LIMIT = 2_500_000
THREAD_STACK_BYTES = 1 << 30  # 1 GiB of stack for the deep recursion


def count_nodes(root: Any, parents: Callable[[Any], tuple[Any, ...]]) -> int:
    """Number of distinct nodes reachable from `root` (iterative walk)."""
    seen = {id(root)}
    stack = [root]
    while stack:
        for parent in parents(stack.pop()):
            if id(parent) not in seen:
                seen.add(id(parent))
                stack.append(parent)
    return len(seen)


def measure(workload: str, engine: str, repeats: int) -> dict[str, Any]:
    result: dict[str, Any] = {"workload": workload, "engine": engine}
    try:
        importlib.import_module(ENGINE_MODULES[engine])
    except ImportError:
        return {**result, "status": "not installed"}
    factory = FACTORIES.get((workload, engine))
    if factory is None:
        return {**result, "status": "no such workload"}
    bench = factory()

    # 0. Warm-up, untraced: first-time costs (lazy imports, caches) are not the graph's.
    warm_root = bench.forward()
    try:
        bench.finish(warm_root)
    except RecursionError:
        pass  # reported by the traced run below
    del warm_root

    # 1. Memory: one traced run, peak bytes per node of the graph.
    gc.collect()
    tracemalloc.start()
    root = bench.forward()
    error = None
    try:
        result["check"] = bench.finish(root)
    except RecursionError as exc:  # micrograd on a deep graph
        error = exc
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    if bench.parents is not None:
        nodes = count_nodes(root, bench.parents)
        result.update(nodes=nodes, peak_bytes=peak, bytes_per_node=peak / nodes)
    del root
    if error is not None:
        return {**result, "status": f"failed: {type(error).__name__} in backward"}

    # 2. Time: best of `repeats` full steps, dropping the graph included.
    cpu_times, wall_times = [], []
    for _ in range(repeats):
        cpu_start, wall_start = time.process_time(), time.perf_counter()
        root = bench.forward()
        bench.finish(root)
        del root
        cpu_times.append(time.process_time() - cpu_start)
        wall_times.append(time.perf_counter() - wall_start)
    return {**result, "status": "ok", "seconds": min(cpu_times),
            "wall_seconds": min(wall_times), "repeats": repeats}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workload")
    parser.add_argument("engine")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    if args.engine not in RAISED_LIMIT_ENGINES:
        print(json.dumps(measure(args.workload, args.engine, args.repeats)))
        return
    # A recursive backward (micrograd's) with the recursion limit raised: run in a
    # thread with a large stack so that deep recursion does not overflow the C stack.
    sys.setrecursionlimit(RAISED_RECURSION_LIMIT)
    threading.stack_size(THREAD_STACK_BYTES)
    results: list[dict[str, Any]] = []
    worker = threading.Thread(
        target=lambda: results.append(measure(args.workload, args.engine, args.repeats)))
    worker.start()
    worker.join()
    print(json.dumps(results[0]))


if __name__ == "__main__":
    main()
