"""The browser lab's budget: its size, how long it takes to build, and how long a student
waits, cold (first visit) and warm (the browser's cache filled).

    make lab-deps                                  # once: the pinned downloads
    .venv/bin/python benchmarks/lab_budget.py      # builds a lab in a temporary folder
    .venv/bin/python benchmarks/lab_budget.py --folder lab --no-build   # measure ./lab

The budget (issue 22): the folder under 60 MB; a build of a few minutes at most on the
2-core machine. Start times are measured in headless Chromium from a local server, with
every request for another host refused: check.html until it shows the README's output;
lesson 00 until its kernel is idle, then until Run All Cells has run every cell. A fresh
browser profile is the cold start, the same profile again the warm one. Never asserted in
a test; run it on an idle machine.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.browser import Chromium, LabNotebook, StaticServer  # noqa: E402

BUDGET_MB = 60
CACHE = ROOT / ".venv" / "lab-cache"
PARTS = {  # folder (in the lab) -> what it is
    "static/pyodide": "Pyodide and the wheels",
    "build": "JupyterLite (JupyterLab's code)",
    "extensions": "JupyterLab extensions (widgets, kernel)",
    "LICENSES": "licences",
}


def size_of(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def served_bytes(folder: Path, requests: list[str]) -> int:
    """What the server sent for `requests` (``GET /path``), by the size of the files."""
    total = 0
    for request in requests:
        method, _, request = request.partition(" ")
        if method != "GET":
            continue
        path = folder / urllib.parse.unquote(urllib.parse.urlsplit(request).path).lstrip("/")
        if path.is_dir():
            path = path / "index.html"
        if path.is_file():
            total += path.stat().st_size
    return total


def check_page(chromium: Chromium, server: StaticServer) -> tuple[float, dict[str, float]]:
    page = chromium.new_page()
    start = time.perf_counter()
    page.navigate(server.url("check.html"))
    page.wait_for("document.body.dataset.state !== 'running'", "check.html", 300)
    took = time.perf_counter() - start
    if page.evaluate("document.body.dataset.state") != "ok":
        raise SystemExit("check.html failed: "
                         + page.evaluate("document.getElementById('result').textContent"))
    return took, page.evaluate("window.checkTimes")


def lesson_00(chromium: Chromium, server: StaticServer) -> tuple[float, float]:
    """Seconds until the kernel is idle, and until every cell has run."""
    name = "00_start_here.ipynb"
    page = chromium.new_page()
    start = time.perf_counter()
    page.navigate(server.url(f"lab/index.html?path={name}"))
    notebook = LabNotebook(page, name, None, timeout=300)
    notebook.wait_for_idle_kernel(300)
    ready = time.perf_counter() - start
    notebook.run_all(timeout=300)
    return ready, time.perf_counter() - start


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--folder", type=Path, help="where the lab is (or is built)")
    options.add_argument("--no-build", action="store_true", help="measure --folder as it is")
    args = options.parse_args()
    work = Path(tempfile.mkdtemp(prefix="lab-budget-"))
    folder = args.folder or work / "lab"
    if not args.no_build:
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "nn.cli", "lab", str(folder), "--cache",
                        str(CACHE), "--offline"], cwd=ROOT, check=True)
        print(f"build (from the cache): {time.perf_counter() - start:.1f} s\n")
    total = size_of(folder)
    print("| part | MB |\n| --- | ---: |")
    for part, what in PARTS.items():
        print(f"| {what} (`{part}/`) | {size_of(folder / part) / 1e6:.1f} |")
    rest = total - sum(size_of(folder / part) for part in PARTS)
    print(f"| the rest (pages, lessons, settings) | {rest / 1e6:.1f} |")
    verdict = "within" if total / 1e6 < BUDGET_MB else "OVER"
    print(f"| **total** | **{total / 1e6:.1f}** ({verdict} the {BUDGET_MB} MB budget) |\n")

    print("| page | cold | warm | loaded on the first visit |\n| --- | --- | --- | ---: |")
    with StaticServer(folder) as server:
        for what, measure in (("check.html", check_page), ("lesson 00", lesson_00)):
            profile = work / f"profile-{what.replace(' ', '-')}"
            with Chromium(profile, block_outside=True) as chromium:
                first = len(server.requests)
                cold = measure(chromium, server)
                loaded = served_bytes(folder, server.requests[first:])
                warm = measure(chromium, server)
                if chromium.outside_requests():
                    raise SystemExit(f"{what} asked another host: {chromium.outside_requests()}")
            print(f"| {what} | {describe(what, cold)} | {describe(what, warm)} | "
                  f"{loaded / 1e6:.1f} MB |")


def describe(what: str, measured: tuple[float, Any]) -> str:
    if what == "check.html":
        took, steps = measured
        return f"{took:.1f} s (Python {steps['python']} s, install {steps['install']} s)"
    ready, ran = measured
    return f"kernel idle {ready:.1f} s, all cells run {ran:.1f} s"


if __name__ == "__main__":
    main()
