"""Compare backprop-lab with micrograd 0.1.0 (and micrograd-rust, PyTorch if installed).

    .venv/bin/python benchmarks/run.py            # everything, prints a markdown table
    .venv/bin/python benchmarks/run.py --quick    # fewer repeats, no million-node chain

Every (workload, engine) pair runs in a fresh subprocess (`measure.py`), so
memory and garbage-collector state never leak from one to the next. The ratio
"vs micrograd" is micrograd's best time divided by the engine's, from this
same run ("2.5x faster"; an engine that takes longer is "2.5x slower");
"memory vs micrograd" is bytes per node divided by micrograd's.
micrograd's backward recurses once per level of the graph: the row "micrograd"
runs with the recursion limit raised (so it completes wherever memory allows and
is the reference for the ratios), the row "micrograd, default limit" shows the
RecursionError a learner gets with Python's default limit. On the million-node chain
only the latter runs: raised, the recursion gave no result within 900 s.
micrograd-rust and torch run where installed (otherwise one line says so).

This is one pass, each pair once. To compare engines within a few percent (and to
compare another checkout of the engine), use `compare.py`: alternating rounds.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from workloads import (  # noqa: E402
    ENGINE_MODULES,
    ENGINES,
    EXPECTED,
    FACTORIES,
    OPTIONAL_ENGINES,
    WORKLOADS,
)

REPEATS = {"training": 10, "chain": 2, "sum": 5, "softmax": 10, "fold": 5, "softmax-ops": 10}
TIMEOUT_SECONDS = 900
#: The rows that are micrograd 0.1.0 itself (the reference of "vs micrograd").
MICROGRAD_ROWS = ("micrograd", "micrograd, default limit")


def child_environment() -> dict[str, str]:
    """The measuring processes' environment: OpenBLAS single-threaded, so that its
    spinning worker thread (if numpy is imported) does not compete with the engine."""
    return {**os.environ, "OPENBLAS_NUM_THREADS": "1"}


def installed_engines(engines: list[str]) -> list[str]:
    """`engines` less the optional ones not installed here, one line to stderr for each."""
    kept = []
    for engine in engines:
        if engine in OPTIONAL_ENGINES and importlib.util.find_spec(ENGINE_MODULES[engine]) is None:
            print(f"{engine}: not installed, skipped ({OPTIONAL_ENGINES[engine]})",
                  file=sys.stderr)
            continue
        kept.append(engine)
    return kept


def run_one(workload: str, engine: str, repeats: int, engine_path: str | None = None,
            trace_memory: bool = True) -> dict[str, Any]:
    """Measure one pair in a fresh interpreter; a crash becomes a failed result.

    `engine_path`: import this project's engine from that checkout (measure.py checks
    it did); `trace_memory=False` skips the tracemalloc step (no bytes/node).
    """
    command = [sys.executable, str(HERE / "measure.py"), workload, engine,
               "--repeats", str(repeats)]
    if engine_path is not None:
        command += ["--engine-path", engine_path]
    if not trace_memory:
        command.append("--no-memory")
    try:
        finished = subprocess.run(command, capture_output=True, text=True,
                                  timeout=TIMEOUT_SECONDS, check=False,
                                  env=child_environment())
    except subprocess.TimeoutExpired:
        return {"workload": workload, "engine": engine,
                "status": f"failed: no result within {TIMEOUT_SECONDS} s"}
    if finished.returncode != 0:
        last_line = (finished.stderr.strip().splitlines() or ["no output"])[-1]
        return {"workload": workload, "engine": engine,
                "status": f"failed: exit {finished.returncode}: {last_line}"}
    return json.loads(finished.stdout.strip().splitlines()[-1])


def agreement(result: dict[str, Any], reference: float | None) -> str:
    """Whether the engine's result (loss or gradient) matches the reference."""
    if "check" not in result or reference is None:
        return ""
    value, ref = result["check"], reference
    return "yes" if abs(value - ref) <= 1e-6 * max(1.0, abs(ref)) else f"NO ({value:.10g})"


def table(results: list[dict[str, Any]]) -> str:
    """The markdown table: one row per (workload, engine)."""
    lines = [
        "| workload | engine | completed | nodes | best time | vs micrograd "
        "| bytes/node | memory vs micrograd | peak MB | result agrees |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    by_pair = {(r["workload"], r["engine"]): r for r in results}
    for workload in WORKLOADS:
        micro = by_pair.get((workload, "micrograd"), {})
        # Memory per node is measured even where micrograd's backward fails (up to the
        # failure, the whole graph is built): such a row is the memory reference then.
        memory_reference = (micro.get("bytes_per_node")
                            or by_pair.get((workload, "micrograd, default limit"), {})
                            .get("bytes_per_node"))
        reference = EXPECTED.get(workload, micro.get("check"))
        for engine in ENGINES:
            r = by_pair.get((workload, engine))
            if r is None:
                continue
            status = "yes" if r["status"] == "ok" else r["status"]
            seconds = r.get("seconds")
            time_text = f"{seconds * 1000:.1f} ms" if seconds is not None else "—"
            speed = "—"
            if engine == "micrograd":
                speed = "reference" if seconds else "—"
            elif engine in MICROGRAD_ROWS:
                speed = "—"
            elif seconds and micro.get("seconds"):
                speed = speed_text(micro["seconds"], seconds)
            per_node = r.get("bytes_per_node")
            memory_text = f"{per_node:.0f}" if per_node is not None else "n/a"
            memory_ratio = "—"
            if per_node is not None and memory_reference:
                if engine not in MICROGRAD_ROWS:
                    memory_ratio = f"{per_node / memory_reference:.2f}"
                elif per_node == memory_reference:
                    memory_ratio = "1.00"
            nodes = f"{r['nodes']:,}" if "nodes" in r else "n/a"
            peak = f"{r['peak_bytes'] / 1e6:.1f}" if "peak_bytes" in r else "n/a"
            lines.append(
                f"| {workload} | {engine} | {status} | {nodes} | {time_text} | {speed} "
                f"| {memory_text} | {memory_ratio} | {peak} | {agreement(r, reference)} |"
            )
    return "\n".join(lines)


def speed_text(reference_seconds: float, seconds: float) -> str:
    """How an engine's time compares with the reference's: "2.5x faster" or, for an
    engine that takes longer, "2.5x slower" (never "0.4x faster")."""
    ratio = reference_seconds / seconds
    if ratio >= 1:
        return f"{ratio:.1f}x faster"
    return f"{1 / ratio:.1f}x slower"


def environment() -> str:
    versions = []
    for name in ("micrograd", "micrograd-rust", "torch"):
        try:
            from importlib.metadata import version

            versions.append(f"{name} {version(name)}")
        except Exception:  # noqa: BLE001 - any failure means "not installed" here
            versions.append(f"{name} not installed")
    return (f"Python {platform.python_version()} on {platform.machine()} "
            f"({platform.system()}), {', '.join(versions)}; "
            f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="3 repeats and no million-node chain (for a fast look)")
    parser.add_argument("--only", choices=list(WORKLOADS), action="append",
                        help="run only this workload (may be repeated)")
    args = parser.parse_args()
    workloads = args.only or [w for w in WORKLOADS if not (args.quick and w == "chain")]

    engines = installed_engines(ENGINES)
    results = []
    for workload in workloads:
        repeats = 3 if args.quick else REPEATS[workload]
        for engine in engines:
            if (workload, engine) not in FACTORIES:
                continue
            print(f"running {workload} / {engine} ...", file=sys.stderr, flush=True)
            results.append(run_one(workload, engine, repeats))

    print(environment())
    print()
    for workload in workloads:
        print(f"- **{workload}**: {WORKLOADS[workload]}")
    print()
    print(table(results))


if __name__ == "__main__":
    main()
