"""Measure ONE workload on ONE engine in this process; print the result as JSON.

    python benchmarks/measure.py training micrograd --repeats 5
    python benchmarks/measure.py fold backprop-lab --engine-path /tmp/old-engine

`run.py` and `compare.py` start this script once per (workload, engine) in a
fresh subprocess, so memory and garbage-collector state never leak between runs.
With ``--engine-path DIR`` this project's `autograd` and `nn` are imported from
DIR (another checkout, e.g. a `git worktree` of an older commit) instead of the
installed ones; the process checks that they really come from there and
reports the file it imported (``engine_file``) and whether that engine is a
compiled build (``compiled``: a true ``autograd.compiled``).

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
peak up to the failure, per node of the graph it had built. With ``--no-memory``
step 1 runs untraced (the same step, so every later step is the same too) and no
bytes/node are reported: `compare.py` traces memory in its first round only.
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

from workloads import (  # noqa: E402
    ENGINE_MODULES,
    FACTORIES,
    LARGE_STACK_ENGINES,
    OUR_ENGINES,
    RAISED_LIMIT_ENGINES,
)

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


def use_engine_from(path: str, engine: str) -> Path:
    """Import this project's engine (`autograd`, or `nn` for the nn rows) from the
    checkout at `path`: the directory goes first on sys.path, ahead of the editable
    install (whose finder comes after the path entries). Returns the directory."""
    root = Path(path).resolve()
    sys.path.insert(0, str(root))
    importlib.import_module(ENGINE_MODULES[engine])
    check_engine_origin(root)
    print(f"engine: autograd from {sys.modules['autograd'].__file__}", file=sys.stderr)
    return root


def check_engine_origin(root: Path) -> None:
    """Exit with an error if any loaded module of `autograd` or `nn` comes from
    outside `root`, so that a row is never labelled with the wrong engine."""
    for name, module in list(sys.modules.items()):
        if name.split(".")[0] not in ("autograd", "nn"):
            continue
        file = getattr(module, "__file__", None)  # None: a namespace package, not the engine
        if file is None or root not in Path(file).resolve().parents:
            raise SystemExit(f"--engine-path {root}: {name} was imported from {file}")


def engine_identity(engine: str) -> dict[str, Any]:
    """Where this project's engine came from, and whether it is a compiled build."""
    if engine not in OUR_ENGINES:
        return {}
    autograd = sys.modules["autograd"]
    return {"engine_file": autograd.__file__,
            "compiled": bool(getattr(autograd, "compiled", False))}


def measure(workload: str, engine: str, repeats: int,
            trace_memory: bool = True) -> dict[str, Any]:
    result: dict[str, Any] = {"workload": workload, "engine": engine}
    try:
        importlib.import_module(ENGINE_MODULES[engine])
    except ImportError:
        return {**result, "status": "not installed"}
    result.update(engine_identity(engine))
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
    if trace_memory:
        tracemalloc.start()
    root = bench.forward()
    error = None
    try:
        result["check"] = bench.finish(root)
    except RecursionError as exc:  # micrograd on a deep graph
        error = exc
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    if trace_memory and bench.parents is not None:
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
    parser.add_argument("--engine-path", metavar="DIR",
                        help="import autograd and nn from this checkout instead")
    parser.add_argument("--no-memory", action="store_true",
                        help="do not trace memory (no bytes/node)")
    args = parser.parse_args()
    engine_root = None
    if args.engine_path is not None:
        if args.engine not in OUR_ENGINES:
            parser.error(f"--engine-path is for {' / '.join(OUR_ENGINES)}, not {args.engine}")
        engine_root = use_engine_from(args.engine_path, args.engine)

    def run() -> dict[str, Any]:
        result = measure(args.workload, args.engine, args.repeats,
                         trace_memory=not args.no_memory)
        if engine_root is not None:
            check_engine_origin(engine_root)  # again: lazy imports of the steps included
        return result

    if args.engine not in LARGE_STACK_ENGINES:
        print(json.dumps(run()))
        return
    # A recursive backward (micrograd's with the recursion limit raised; micrograd-rust's
    # in Rust): run in a thread with a large stack so that it does not overflow the C stack.
    if args.engine in RAISED_LIMIT_ENGINES:
        sys.setrecursionlimit(RAISED_RECURSION_LIMIT)
    threading.stack_size(THREAD_STACK_BYTES)
    results: list[dict[str, Any]] = []
    worker = threading.Thread(target=lambda: results.append(run()))
    worker.start()
    worker.join()
    print(json.dumps(results[0]))


if __name__ == "__main__":
    main()
