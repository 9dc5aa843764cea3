"""The cache of what `backprop lab` downloads (`pins`): filled once, checked at every build.

Layout of the cache folder (default ``~/.cache/backprop-lab``, or ``$BACKPROP_LAB_CACHE``):

- ``pyodide-<version>.tgz``: the npm package, fetched with ``npm pack``;
- ``wheels/``: the browser's wheels, fetched with ``pip download`` (pure Python only);
- ``tools/``: a virtualenv with the build tools (`pins.BUILD_TOOLS`), so that the project's
  own environment gets none of them (JupyterLite's kernel extension would load into a
  JupyterLab installed there).

Every file is checked against its pinned hash, after a download and before each build.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from nn.cli.common import UsageError, one_line
from nn.cli.lab.pins import BROWSER_WHEELS, BUILD_TOOLS, KERNEL, PYODIDE, PYTHON_VERSION, Wheel

CACHE_VARIABLE = "BACKPROP_LAB_CACHE"
TOOLS_STAMP = "backprop-lab-tools.txt"  # in the tools virtualenv: what was installed

Say = Callable[[str], None]


def default_cache() -> Path:
    """``$BACKPROP_LAB_CACHE``, else ``backprop-lab`` in the user's cache folder."""
    if os.environ.get(CACHE_VARIABLE):
        return Path(os.environ[CACHE_VARIABLE])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "backprop-lab"


class Cache:
    """The folder of downloads; `missing` says what it lacks, `fill` fetches that."""

    def __init__(self, root: Path) -> None:
        self.root = root.absolute()  # its programs run in other working directories
        self.wheels = self.root / "wheels"
        self.tools = self.root / "tools"
        self.pyodide = self.root / f"{PYODIDE.name}-{PYODIDE.version}.tgz"

    def program(self, name: str) -> Path:
        """A program of the tools virtualenv (``python``, ``jupyter-lite``)."""
        folder = "Scripts" if os.name == "nt" else "bin"
        return self.tools / folder / (f"{name}.exe" if os.name == "nt" else name)

    def wheel(self, pin: Wheel) -> Path:
        """The cached file of `pin` (it may not exist yet)."""
        stem = re.sub(r"[-_.]+", "_", pin.name).lower()
        found = [p for p in self.wheels.glob("*.whl")
                 if p.name.lower().startswith(f"{stem}-{pin.version}-")]
        return found[0] if found else self.wheels / f"{stem}-{pin.version}-py3-none-any.whl"

    def missing(self) -> list[str]:
        """What the cache lacks or holds damaged, in words (empty: ready to build)."""
        found = []
        if not _tools_ready(self):
            found.append("the build tools (" + ", ".join(BUILD_TOOLS) + ")")
        if not _integrity_ok(self.pyodide):
            found.append(self.pyodide.name)
        bad = [pin for pin in (*BROWSER_WHEELS, KERNEL) if not _sha256_ok(self.wheel(pin), pin)]
        if len(bad) > 3:
            found.append(f"{len(bad)} of its {len(BROWSER_WHEELS) + 1} wheels")
        elif bad:
            found.append("the wheels of " + ", ".join(f"{pin.name} {pin.version}" for pin in bad))
        return found

    def require(self) -> None:
        """Raise a UsageError naming what is missing, if anything is."""
        missing = self.missing()
        if missing:
            raise UsageError(f"lab: the cache {str(self.root)!r} lacks {'; '.join(missing)}: "
                             "run 'backprop lab --download-only' (or 'make lab-deps') first")

    def fill(self, say: Say) -> None:
        """Download whatever is missing (from the npm registry and PyPI), then check it all."""
        self.root.mkdir(parents=True, exist_ok=True)
        if not _tools_ready(self):
            say(f"installing the build tools into {self.tools}")
            _install_tools(self)
        if not _integrity_ok(self.pyodide):
            say(f"downloading {PYODIDE.name} {PYODIDE.version} (npm)")
            _npm_pack(self)
        wanted = [pin for pin in (*BROWSER_WHEELS, KERNEL)
                  if not _sha256_ok(self.wheel(pin), pin)]
        if wanted:
            say(f"downloading {len(wanted)} wheels (PyPI)")
            self.wheels.mkdir(exist_ok=True)
            for pin in wanted:  # a damaged file: pip would keep it ("already downloaded")
                self.wheel(pin).unlink(missing_ok=True)
            run_tool([str(self.program("python")), "-m", "pip", "download", "--quiet", "--no-deps",
                  "--only-binary=:all:", "--platform", "any", "--implementation", "py",
                  "--abi", "none", "--python-version", PYTHON_VERSION, "--dest",
                  str(self.wheels), *(f"{pin.name}=={pin.version}" for pin in wanted)],
                 "pip download")
        self.require()


def run_tool(command: Sequence[str], what: str, cwd: Path | None = None) -> str:
    """Run `command`; its output, or a UsageError with the last line it wrote."""
    try:
        done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    except OSError as error:
        raise UsageError(f"lab: cannot run {what} ({command[0]}): "
                         f"{error.strerror or error}") from None
    if done.returncode != 0:
        lines = [line for line in (done.stderr + done.stdout).splitlines() if line.strip()]
        last = lines[-1] if lines else f"exit status {done.returncode}"
        raise UsageError(one_line(f"lab: {what} failed: {last}"))
    return done.stdout


def _tools_ready(cache: Cache) -> bool:
    stamp = cache.tools / TOOLS_STAMP
    return (cache.program("python").exists() and stamp.exists()
            and stamp.read_text(encoding="utf-8").split() == list(BUILD_TOOLS))


def _install_tools(cache: Cache) -> None:
    if cache.tools.exists():
        shutil.rmtree(cache.tools)
    run_tool([sys.executable, "-m", "venv", str(cache.tools)], "python -m venv")
    run_tool([str(cache.program("python")), "-m", "pip", "install", "--quiet", *BUILD_TOOLS],
         "pip install (the build tools)")
    (cache.tools / TOOLS_STAMP).write_text("\n".join(BUILD_TOOLS) + "\n", encoding="utf-8")


def _npm_pack(cache: Cache) -> None:
    npm = shutil.which("npm")
    if npm is None:
        raise UsageError(f"lab: npm not found: it is needed once, to download "
                         f"{PYODIDE.name} {PYODIDE.version} from the npm registry (install "
                         "Node.js, or run 'backprop lab --download-only' where npm is)")
    name = run_tool([npm, "pack", "--silent", f"{PYODIDE.name}@{PYODIDE.version}"], "npm pack",
                cwd=cache.root).strip().splitlines()[-1]
    if (cache.root / name) != cache.pyodide:
        (cache.root / name).replace(cache.pyodide)
    if not _integrity_ok(cache.pyodide):
        cache.pyodide.unlink()
        raise UsageError(f"lab: {cache.pyodide.name} from npm does not match its pinned hash")


def _integrity_ok(path: Path) -> bool:
    if not path.is_file():
        return False
    digest = base64.b64encode(hashlib.sha512(path.read_bytes()).digest()).decode("ascii")
    return f"sha512-{digest}" == PYODIDE.integrity


def _sha256_ok(path: Path, pin: Wheel) -> bool:
    return path.is_file() and hashlib.sha256(path.read_bytes()).hexdigest() == pin.sha256
