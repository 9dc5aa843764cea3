"""Alternating comparison: this engine against micrograd-rust and micrograd, round after round.

    .venv/bin/python benchmarks/compare.py                      # 9 rounds, the issue's 3 workloads
    .venv/bin/python benchmarks/compare.py --rounds 3 --also OLD=/tmp/old-engine
    .venv/bin/python benchmarks/compare.py --only fold --engine "backprop-lab nn"

Every run of a (workload, engine) is a fresh process (`measure.py`, with
OPENBLAS_NUM_THREADS=1) that reports its best CPU time of a few steps. A round
runs every engine once per workload, in turn (A B C A B C ...), so a slow spell
of the machine falls on all of them alike; the table gives the MEDIAN over
rounds of each process's best time. Its headline column is

    ratio = micrograd-rust's time / ours      (above 1: faster than the compiled peer)

with the same ratio per round (each engine against the micrograd-rust process
of its own round) as min-max, and "vs micrograd" = micrograd's time / ours.
Memory is traced in the first round only: bytes per node, and that over micrograd's.

``--also NAME=DIR`` (repeatable) adds this project's engine imported from
another checkout, e.g. a ``git worktree`` of an older commit, as a row named
NAME (``--also DIR`` names it ``backprop-lab@DIR``): today's engine, the new one
and micrograd-rust in one table. A row whose engine says it is compiled
(``autograd.compiled`` true, a mypyc build) is labelled "(compiled)".
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from run import (  # noqa: E402
    REPEATS,
    agreement,
    environment,
    installed_engines,
    run_one,
)
from workloads import ENGINES, EXPECTED, FACTORIES, OUR_ENGINES, WORKLOADS  # noqa: E402

ISSUE_WORKLOADS = ["training", "fold", "softmax-ops"]
DEFAULT_ENGINES = ["backprop-lab", "micrograd", "micrograd-rust"]
RUST = "micrograd-rust"
MICROGRAD = "micrograd"


@dataclass
class Runner:
    """One row of the table per workload: an engine of workloads.py, maybe from another
    checkout (`path`), and every round's result."""

    label: str
    engine: str
    path: str | None = None
    results: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def ok(self, workload: str) -> list[dict[str, Any]]:
        return [r for r in self.results.get(workload, []) if r.get("status") == "ok"]

    def median(self, workload: str) -> float | None:
        times = [r["seconds"] for r in self.ok(workload)]
        return statistics.median(times) if times else None

    def seconds_by_round(self, workload: str) -> list[float | None]:
        return [r.get("seconds") if r.get("status") == "ok" else None
                for r in self.results.get(workload, [])]

    def shown_label(self) -> str:
        compiled = any(r.get("compiled") for rs in self.results.values() for r in rs)
        return f"{self.label} (compiled)" if compiled else self.label


def parse_also(spec: str) -> tuple[str, str]:
    """``NAME=DIR`` or ``DIR`` (named ``backprop-lab@DIR``); DIR must hold an engine."""
    name, sep, path = spec.partition("=")
    if not sep:
        name, path = f"backprop-lab@{spec}", spec
    if not (Path(path) / "autograd").is_dir():
        raise argparse.ArgumentTypeError(f"{path} has no autograd/ package")
    return name, path


def checkout_description(path: Path) -> str:
    """The git commit of a checkout, and whether its engine has uncommitted changes."""
    def git(*args: str) -> str:
        done = subprocess.run(["git", "-C", str(path), *args], capture_output=True,
                              text=True, check=False)
        return done.stdout.strip() if done.returncode == 0 else ""

    commit = git("rev-parse", "--short", "HEAD")
    if not commit:
        return "not a git checkout"
    dirty = git("status", "--porcelain", "--", "autograd", "nn")
    return f"commit {commit}" + (", with uncommitted changes in autograd/ or nn/" if dirty else "")


def make_runners(engines: list[str], also: list[tuple[str, str]]) -> list[Runner]:
    """This project's engines first, then the other checkouts', then the peers."""
    ours = [e for e in engines if e in OUR_ENGINES]
    runners = [Runner(engine, engine) for engine in ours]
    for name, path in also:
        for engine in ours or ["backprop-lab"]:
            suffix = engine.removeprefix("backprop-lab")
            runners.append(Runner(name + suffix, engine, str(Path(path).resolve())))
    runners += [Runner(engine, engine) for engine in engines if engine not in OUR_ENGINES]
    return runners


def run_rounds(runners: list[Runner], workloads: list[str], rounds: int,
               repeats: dict[str, int]) -> None:
    """Every round: each workload, each engine in turn; memory traced in round 1 only."""
    for round_index in range(rounds):
        for workload in workloads:
            for runner in runners:
                if (workload, runner.engine) not in FACTORIES:
                    continue
                result = run_one(workload, runner.engine, repeats[workload],
                                 engine_path=runner.path, trace_memory=round_index == 0)
                runner.results.setdefault(workload, []).append(result)
                seconds = result.get("seconds")
                shown = f"{seconds * 1000:.1f} ms" if seconds is not None else result["status"]
                print(f"round {round_index + 1}/{rounds}  {workload:<12} {runner.label:<32}"
                      f" {shown}", file=sys.stderr, flush=True)


def ratio_text(numerator: float | None, denominator: float | None) -> str:
    return f"{numerator / denominator:.2f}" if numerator and denominator else "—"


def per_round_ratios(rust: Runner | None, runner: Runner, workload: str) -> str:
    """min-max over rounds of rust's time / this engine's, each pair from one round."""
    if rust is None:
        return "—"
    pairs = zip(rust.seconds_by_round(workload), runner.seconds_by_round(workload))
    ratios = [r / s for r, s in pairs if r and s]
    return f"{min(ratios):.2f}–{max(ratios):.2f}" if ratios else "—"


def table(runners: list[Runner], workloads: list[str]) -> str:
    lines = [
        "| workload | engine | rounds ok | median time | min–max | **ratio = rust / ours** "
        "| ratio per round | vs micrograd | bytes/node | memory vs micrograd | result agrees |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    rust = next((r for r in runners if r.engine == RUST), None)
    micro = next((r for r in runners if r.engine == MICROGRAD), None)
    for workload in workloads:
        rust_median = rust.median(workload) if rust else None
        micro_median = micro.median(workload) if micro else None
        micro_memory = (micro.results.get(workload) or [{}])[0].get("bytes_per_node") \
            if micro else None
        reference = EXPECTED.get(workload)
        if reference is None:  # micrograd's result, else the first engine's
            checks = [r.ok(workload)[0]["check"] for r in (micro, *runners)
                      if r is not None and r.ok(workload)]
            reference = checks[0] if checks else None
        for runner in runners:
            results = runner.results.get(workload)
            if not results:
                continue
            ok = runner.ok(workload)
            if not ok:
                lines.append(f"| {workload} | {runner.shown_label()} | 0/{len(results)} "
                             f"| {results[0]['status']} | | | | | | | |")
                continue
            times = [r["seconds"] for r in ok]
            median = statistics.median(times)
            spread = f"{min(times) * 1000:.1f}–{max(times) * 1000:.1f} ms"
            first = results[0]
            memory = first.get("bytes_per_node")
            memory_text = f"{memory:.0f}" if memory is not None else "n/a"
            memory_ratio = (f"{memory / micro_memory:.2f}"
                            if memory is not None and micro_memory else "—")
            if runner is rust:
                ratio, speed_ratio = "1.00 (reference)", "—"
            else:
                ratio = ratio_text(rust_median, median)
                speed_ratio = per_round_ratios(rust, runner, workload)
            vs_micro = ("reference" if runner is micro
                        else f"{micro_median / median:.1f}x" if micro_median and median else "—")
            lines.append(
                f"| {workload} | {runner.shown_label()} | {len(ok)}/{len(results)} "
                f"| {median * 1000:.1f} ms | {spread} | **{ratio}** | {speed_ratio} "
                f"| {vs_micro} | {memory_text} | {memory_ratio} | {agreement(ok[0], reference)} |"
            )
    return "\n".join(lines)


def legend(runners: list[Runner]) -> str:
    """Where each row's engine came from."""
    lines = []
    for runner in runners:
        if not runner.results:
            continue  # no workload of this run exists for it
        files = {r["engine_file"] for rs in runner.results.values() for r in rs
                 if "engine_file" in r}
        if files:
            file = Path(sorted(files)[0])
            lines.append(f"- **{runner.shown_label()}**: `autograd` from `{file}` "
                         f"({checkout_description(file.parent.parent)})")
        elif runner.engine == MICROGRAD:
            lines.append(f"- **{runner.label}**: micrograd 0.1.0, recursion limit raised")
        elif runner.engine == RUST:
            lines.append(f"- **{runner.label}**: micrograd-rust 0.1.0 (compiled); relu and log "
                         "emulated exactly (workloads.py); it never frees a graph, so its steps "
                         "include no freeing; its memory is not visible to tracemalloc")
        else:
            lines.append(f"- **{runner.label}**")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=9,
                        help="rounds of every (workload, engine); the median is reported")
    parser.add_argument("--only", choices=list(WORKLOADS), action="append",
                        help=f"workload (repeatable; default: {', '.join(ISSUE_WORKLOADS)})")
    parser.add_argument("--engine", choices=ENGINES, action="append",
                        help=f"engine (repeatable; default: {', '.join(DEFAULT_ENGINES)})")
    parser.add_argument("--also", type=parse_also, action="append", default=[],
                        metavar="[NAME=]DIR",
                        help="this project's engine from another checkout DIR too, as row NAME")
    parser.add_argument("--repeats", type=int,
                        help="steps per process, the best kept (default: as run.py)")
    parser.add_argument("--json", type=Path, metavar="FILE",
                        help="also write every round's results to FILE")
    args = parser.parse_args()
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")

    workloads = args.only or ISSUE_WORKLOADS
    engines = installed_engines(args.engine or DEFAULT_ENGINES)
    runners = make_runners(engines, args.also)
    repeats = {w: args.repeats or REPEATS[w] for w in workloads}
    run_rounds(runners, workloads, args.rounds, repeats)

    if args.json:
        args.json.write_text(json.dumps(
            [{"label": r.label, "engine": r.engine, "path": r.path, "results": r.results}
             for r in runners], indent=1))
    print(environment())
    print(f"{args.rounds} alternating rounds, a fresh process per (workload, engine) per "
          "round, OPENBLAS_NUM_THREADS=1; per process the best CPU time of "
          + ", ".join(f"{repeats[w]} ({w})" for w in workloads)
          + " steps; the median over rounds.")
    print()
    for workload in workloads:
        print(f"- **{workload}**: {WORKLOADS[workload]}")
    print()
    print(legend(runners))
    print()
    print(table(runners, workloads))


if __name__ == "__main__":
    main()
