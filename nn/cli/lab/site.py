"""Building the lab's folder from the cache (`fetch`) and the project's clone.

In a temporary folder beside the target:

1. backprop-lab's wheel, built from the clone (pip and setuptools of the tools virtualenv);
2. Pyodide's runtime from its npm package, with the lab's wheels and its own package list
   (`wheels.package_list`) in ``static/pyodide/``;
3. the lessons (`lessons`), and JupyterLite built around them: its kernel set to load
   Pyodide from ``static/pyodide/`` with the lab's packages at start, never PyPI; the
   JupyterLab extensions of the widgets and of the kernel, and nothing else;
4. ``check.html`` (runs the README's first example), ``index.html`` (the lessons) and
   ``LICENSES/``;

then it replaces the target in one move.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import tarfile
import tempfile
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from autograd.views.player import json_in_html
from nn.cli.common import UsageError, show_path
from nn.cli.lab.fetch import Cache, Say, run_tool
from nn.cli.lab.lessons import Lessons, write_lessons
from nn.cli.lab.pins import (
    BROWSER_WHEELS,
    BUILD_TOOLS,
    EXTENSIONS,
    KERNEL,
    KERNEL_PACKAGES,
    PYODIDE,
    Wheel,
)
from nn.cli.lab.wheels import WheelFile, package_list

FILES = Path(__file__).parent / "files"
PYODIDE_FILES = ("pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip")
SOURCE = ("pyproject.toml", "README.md", "backprop_entry.py", "autograd", "nn")  # the wheel's
KERNEL_PLUGIN = "@jupyterlite/pyodide-kernel-extension:kernel"
SETTINGS = {  # JupyterLab's, for every student: no question about fetching news
    "@jupyterlab/apputils-extension:notification": {"fetchNews": "false",
                                                    "checkForUpdates": False},
}


def source_root() -> Path:
    """The clone this `nn` package belongs to; UsageError when it is installed from a wheel
    (the lab is built from the project's source: its notebooks and README are not in the
    wheel)."""
    root = Path(__file__).resolve().parents[3]
    project = root / "pyproject.toml"
    if not (project.is_file() and 'name = "backprop-lab"' in project.read_text("utf-8")
            and (root / "notebooks").is_dir()):
        raise UsageError("lab: run it from a clone of backprop-lab (it packs the project's "
                         "source, notebooks and README): 'make lab' there")
    return root


def build_lab(target: Path, cache: Cache, source: Path, say: Say) -> None:
    """Build the lab into `target` (replaced if it holds a lab built before)."""
    cache.require()
    target = target.absolute()  # the tools run in other working directories
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{target.name}-building-", dir=target.parent))
    try:
        lite, site = work / "lite", work / "site"
        say("building backprop-lab's wheel")
        project = _project_wheel(source, cache, work)
        wheels = _pyodide_folder(lite / "static" / "pyodide", cache, project, work)
        say(f"added Pyodide {PYODIDE.version} and {len(wheels)} wheels")
        lessons = write_lessons(source / "notebooks", lite / "files")
        _configure(lite)
        say("building JupyterLite")
        run_tool([str(cache.program("jupyter-lite")), "build", "--lite-dir", str(lite),
                  "--output-dir", str(site), "--contents", str(lite / "files"),
                  "--ignore-sys-prefix", "--no-sourcemaps",
                  *(f"--LiteBuildConfig.federated_extensions={cache.wheel(_pin(name))}"
                    for name in EXTENSIONS)], "jupyter lite build", cwd=lite)
        _pages(site, source, project, lessons)
        _licences(site / "LICENSES", wheels, cache, source)
        _replace(target, site)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _pyodide_folder(folder: Path, cache: Cache, project: Path, work: Path) -> list[WheelFile]:
    """Pyodide's runtime, every wheel of the lab and their package list, in `folder`."""
    info = _unpack_pyodide(cache.pyodide, folder)
    wheels = [WheelFile.read(path) for path in
              [*(cache.wheel(pin) for pin in BROWSER_WHEELS),
               *_kernel_wheels(cache.wheel(KERNEL), work / "kernel"), project]]
    listed = package_list(wheels, info)
    for wheel in wheels:
        shutil.copy2(wheel.path, folder / wheel.path.name)
    (folder / "pyodide-lock.json").write_text(json.dumps(listed, indent=1), "utf-8")
    return wheels


def folder_size(folder: Path) -> tuple[int, int]:
    """(bytes, files) of everything under `folder`."""
    files = [p for p in folder.rglob("*") if p.is_file()]
    return sum(p.stat().st_size for p in files), len(files)


def readme_example(readme: str) -> tuple[str, str]:
    """The README's first Python example and the output it shows right after it."""
    found = re.search(r"```python\n(.*?)```\s*```text\n(.*?)```", readme, re.DOTALL)
    if found is None:
        raise UsageError("lab: README.md has no ```python example followed by its ```text "
                         "output: check.html runs the first one")
    return found.group(1), found.group(2)


def _pin(name: str) -> Wheel:
    return next(pin for pin in (*BROWSER_WHEELS, KERNEL) if pin.name == name)


def _project_wheel(source: Path, cache: Cache, work: Path) -> Path:
    """backprop-lab's wheel, built from a copy of the clone's files that go into it."""
    copy, dist = work / "source", work / "dist"
    skip = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
    for name in SOURCE:
        if (source / name).is_dir():
            shutil.copytree(source / name, copy / name, ignore=skip)
        else:
            copy.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source / name, copy / name)
    run_tool([str(cache.program("python")), "-m", "pip", "wheel", "--quiet", "--no-deps",
          "--no-build-isolation", "--wheel-dir", str(dist), str(copy)], "pip wheel")
    return next(dist.glob("backprop_lab-*.whl"))


def _unpack_pyodide(tarball: Path, folder: Path) -> dict[str, Any]:
    """Pyodide's runtime files into `folder`; returns its package list's ``info``."""
    folder.mkdir(parents=True)
    with tarfile.open(tarball) as archive:
        for name in PYODIDE_FILES:
            member = archive.extractfile(f"package/{name}")
            assert member is not None, name
            (folder / name).write_bytes(member.read())
        lock = archive.extractfile("package/pyodide-lock.json")
        assert lock is not None
        info: dict[str, Any] = json.load(lock)["info"]
    return info


def _kernel_wheels(kernel: Path, folder: Path) -> list[Path]:
    """The kernel's own wheels, from the kernel extension's wheel (widgetsnbextension:
    only its stand-in for ipywidgets 8)."""
    folder.mkdir()
    found = []
    with zipfile.ZipFile(kernel) as archive:
        for name in archive.namelist():
            base = name.rsplit("/", 1)[-1]
            if "/static/pypi/" in name and base.endswith(".whl") and "-3.6." not in base:
                (folder / base).write_bytes(archive.read(name))
                found.append(folder / base)
    return found


def _configure(lite: Path) -> None:
    """JupyterLite's settings: Pyodide and the packages from this site only."""
    kernel = {"pyodideUrl": "./static/pyodide/pyodide.mjs", "disablePyPIFallback": True,
              "loadPyodideOptions": {"packages": list(KERNEL_PACKAGES)}}
    config = {"jupyter-lite-schema-version": 0,
              "jupyter-config-data": {"litePluginSettings": {KERNEL_PLUGIN: kernel}}}
    (lite / "jupyter-lite.json").write_text(json.dumps(config, indent=1), "utf-8")
    (lite / "overrides.json").write_text(json.dumps(SETTINGS, indent=1), "utf-8")


def _pages(site: Path, source: Path, project: Path, lessons: Lessons) -> None:
    """check.html and index.html (in place of JupyterLite's, which only redirects)."""
    code, output = readme_example((source / "README.md").read_text("utf-8"))
    config = {"wheel": f"static/pyodide/{project.name}", "code": code, "expected": output,
              "pyodide": PYODIDE.version}
    check = (FILES / "check.html").read_text("utf-8")
    (site / "check.html").write_text(check.replace("{{CONFIG}}", json_in_html(config)), "utf-8")
    why = dict(lessons.cut)
    items = [f'<li><a href="lab/index.html?path={html.escape(name)}" data-lesson='
             f'"{html.escape(name)}">{html.escape(_title(name))}</a>'
             f"{_why(why.get(name), 'one part left out: ')}</li>"
             for name in lessons.included]
    left = [f"<li>{html.escape(_title(name))}{_why(reason)}</li>"
            for name, reason in lessons.left_out]
    versions = (f"backprop-lab {WheelFile.read(project).version}, Pyodide {PYODIDE.version}, "
                f"JupyterLite (jupyterlite-core {_tool_version('jupyterlite-core')})")
    page = (FILES / "index.html").read_text("utf-8").replace("{{LESSONS}}", "\n".join(items))
    page = page.replace("{{LEFT_OUT}}", "\n".join(left)).replace("{{VERSIONS}}", versions)
    (site / "index.html").write_text(page, "utf-8")


def _title(notebook: str) -> str:
    return notebook.removesuffix(".ipynb").replace("_", " ")


def _why(reason: str | None, prefix: str = "") -> str:
    return f' <span class="why">— {html.escape(prefix + reason)}</span>' if reason else ""


def _tool_version(name: str) -> str:
    return next(tool.split("==")[1] for tool in BUILD_TOOLS if tool.startswith(f"{name}=="))


def _licences(folder: Path, wheels: Iterable[WheelFile], cache: Cache, source: Path) -> None:
    """LICENSES/: each bundled part's licence files, and README.md listing them."""
    rows = []
    for wheel in sorted(wheels, key=lambda w: w.name):
        files = wheel.licence_files()
        for name, data in files:
            (folder / f"{wheel.name}-{wheel.version}").mkdir(parents=True, exist_ok=True)
            (folder / f"{wheel.name}-{wheel.version}" / name).write_bytes(data)
        rows.append((f"{wheel.name} {wheel.version}", wheel.licence or "see its files",
                     f"{wheel.name}-{wheel.version}/" if files else "(no file in its wheel)"))
    pyodide = folder / f"pyodide-{PYODIDE.version}"
    pyodide.mkdir(parents=True)
    shutil.copy2(FILES / "MPL-2.0.txt", pyodide / "MPL-2.0.txt")
    shutil.copy2(FILES / "Python-LICENSE.txt", pyodide / "Python-LICENSE.txt")
    rows.insert(0, (f"Pyodide {PYODIDE.version} (static/pyodide/: CPython compiled to "
                    "WebAssembly, with its standard library)", "MPL-2.0; CPython: PSF-2.0",
                    pyodide.name + "/"))
    viz = folder / "viz.js"
    viz.mkdir()
    shutil.copy2(source / "autograd" / "views" / "static" / "viz.LICENSE.txt", viz)
    rows.insert(1, ("viz.js (Graphviz in WebAssembly, inside backprop-lab's wheel)",
                    "MIT; Graphviz: EPL-1.0", "viz.js/"))
    core = sorted(cache.tools.glob("lib*/**/jupyterlite_core-*.dist-info/licenses/*"),
                  key=str) or sorted(cache.tools.glob("**/jupyterlite_core-*.dist-info/LICENSE*"))
    jupyterlite = folder / "jupyterlite-core"
    jupyterlite.mkdir()
    for path in core:
        shutil.copy2(path, jupyterlite / path.name)
    rows.insert(2, ("JupyterLite (the app: build/, lab/, extensions/)", "BSD-3-Clause",
                    "jupyterlite-core/, and build/third-party-licenses.json for what the app "
                    "bundles"))
    lines = ["# Licences of what this lab bundles", "",
             "| part | licence | files |", "| --- | --- | --- |",
             *(f"| {part} | {licence} | {where} |" for part, licence, where in rows), ""]
    (folder / "README.md").write_text("\n".join(lines), "utf-8")


def _replace(target: Path, built: Path) -> None:
    """Move `built` to `target`; a lab there before is moved away first, then removed."""
    old = None
    if target.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{target.name}-old-", dir=target.parent))
        target.replace(old / "lab")
    try:
        built.replace(target)
    except OSError as error:
        if old is not None:
            (old / "lab").replace(target)
        raise UsageError(f"lab: cannot move the lab into {show_path(target)}: "
                         f"{error.strerror or error}") from None
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
