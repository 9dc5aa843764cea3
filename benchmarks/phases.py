"""Where the time of one step goes, by phase: forward, topological order, chain rule, .grad.

    OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/phases.py
    OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/phases.py --also OLD=/tmp/old-engine

For each workload of the issue (the demo's training step, the 20,000-term fold, softmax
cross-entropy from binary ops) and each engine (this checkout, and any ``--also`` checkout
of an older commit, imported in its own process), one step is cut where backward's own
steps are: building the graph (forward), the nodes in order (`marked_order`), the chain
rule over them (`propagate`), and adding this pass's gradients to ``.grad``. The times are
the best of several steps, CPU time of the child process, in ms. The engine's internals are
called by name (one_pass, marked_order, propagate), so this reads engines that have them.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
WORKLOADS = {"training": "LabTraining", "fold": "LearnerFold", "softmax-ops": "LearnerSoftmax"}
STEPS = {"training": 15, "fold": 8, "softmax-ops": 20}
PHASES = ("forward", "order", "chain rule", "write .grad", "total")


def phases_of_one_step(workload: Any, core: Any) -> dict[str, float]:
    """One step of `workload`, timed phase by phase (seconds of CPU time)."""
    clock = time.process_time
    start = clock()
    root = workload.forward()
    built = clock()
    with core.one_pass():
        order = core.marked_order(root, include_constants=False)
        ordered = clock()
        root._pass = 1.0
        core.propagate(order, False)
        chained = clock()
        for node in order:  # what backward does once the pass is known to be finite
            node.grad = node.grad + node._pass
            node._pass = None
        written = clock()
    return {"forward": built - start, "order": ordered - built, "chain rule": chained - ordered,
            "write .grad": written - chained, "total": written - start}


def child(workload_name: str, engine_path: str | None) -> None:
    """Measure in this process and print the best of each phase as JSON."""
    if engine_path:
        sys.path.insert(0, engine_path)
    sys.path.insert(1, str(HERE))
    import workloads

    from autograd import core

    workload = getattr(workloads, WORKLOADS[workload_name])()
    phases_of_one_step(workload, core)  # warm-up
    best: dict[str, float] = {}
    for _ in range(STEPS[workload_name]):
        for phase, seconds in phases_of_one_step(workload, core).items():
            best[phase] = min(best.get(phase, seconds), seconds)
    print(json.dumps({"engine": core.__file__, **{k: v * 1e3 for k, v in best.items()}}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--also", action="append", default=[], metavar="NAME=DIR",
                        help="another checkout of the engine, e.g. a worktree of an old commit")
    parser.add_argument("--child", nargs=2, metavar=("WORKLOAD", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], args.child[1] or None)
        return
    engines = [("this checkout", "")]
    for item in args.also:
        name, _, path = item.rpartition("=")
        engines.append((name or path, str(Path(path).resolve())))
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1"}
    print("| workload | engine | " + " | ".join(PHASES) + " |")
    print("|---|---|" + "---:|" * len(PHASES))
    for workload in WORKLOADS:
        for name, path in engines:
            out = subprocess.run([sys.executable, __file__, "--child", workload, path],
                                 capture_output=True, text=True, env=env, check=True).stdout
            found = json.loads(out)
            cells = " | ".join(f"{found[phase]:.1f}" for phase in PHASES)
            print(f"| {workload} | {name} | {cells} |")


if __name__ == "__main__":
    main()
