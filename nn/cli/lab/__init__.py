"""``backprop lab DIR``: the lessons in a browser, nothing installed.

Writes a static folder a teacher copies to any web host (or serves on a LAN): Pyodide
(Python in WebAssembly), backprop-lab's wheel and the pure-Python wheels it needs there,
JupyterLite with lessons 00, 01 and 02 and the live widget, ``check.html`` (checks the
hosting) and the licences. The pages load nothing from any other host.

What it needs is downloaded once, pinned (`pins`), into a cache (`fetch`); the folder is
built from the cache and the project's clone (`site`). Modules:

- `pins`: every download's version and hash;
- `fetch`: the cache, and filling it (npm, pip);
- `wheels`: wheel metadata, and Pyodide's package list for the lab;
- `lessons`: the browser versions of the notebooks;
- `site`: the folder itself.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from nn.cli.common import (
    Command,
    UsageError,
    directory_problem,
    not_a_directory_problem,
    output_directory_problem,
    path_option,
    show_path,
)
from nn.cli.lab.fetch import CACHE_VARIABLE, Cache, default_cache


def _say(text: str) -> None:
    print(f"backprop lab: {text}", file=sys.stderr, flush=True)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("directory", nargs="?", metavar="DIR", type=path_option("folder"),
                        help="the folder to write the lab to (a lab built there before is "
                             "replaced)")
    parser.add_argument("--cache", type=_cache_folder, default=None, metavar="FOLDER",
                        help=f"where the downloads are kept (default: ${CACHE_VARIABLE}, else "
                             "~/.cache/backprop-lab)")
    parser.add_argument("--offline", action="store_true",
                        help="download nothing: build from the cache, or say what it lacks")
    parser.add_argument("--download-only", action="store_true",
                        help="fill the cache (npm and PyPI, pinned) and stop; no DIR")


def _cache_folder(text: str) -> Path:
    """--cache: a folder name, refused if a file stands where it (or a folder above it) goes."""
    folder = path_option("folder")(text)
    problem = not_a_directory_problem(folder)
    if problem is not None:
        raise argparse.ArgumentTypeError(problem)
    return folder


def _default_cache() -> Path:
    """`default_cache`, checked as --cache is (it may come from $BACKPROP_LAB_CACHE)."""
    folder = default_cache()
    problem = not_a_directory_problem(folder)
    if problem is not None:
        where = f"${CACHE_VARIABLE}" if os.environ.get(CACHE_VARIABLE) else "the default cache"
        raise UsageError(f"lab: {where}: {problem}; give another folder with --cache FOLDER")
    return folder


def run(args: argparse.Namespace) -> int:
    try:  # the builder reads wheels' requirements with `packaging` (the lab extra)
        from nn.cli.lab.site import build_lab, folder_size, source_root
    except ModuleNotFoundError as error:
        raise UsageError(f"lab: needs the Python module {error.name!r}: pip install "
                         "'backprop-lab[lab]'") from None
    cache = Cache(args.cache or _default_cache())
    if args.download_only:
        if args.directory is not None or args.offline:
            raise UsageError("lab: --download-only takes no DIR and no --offline")
        cache.fill(_say)
        print(f"the lab's downloads are in {cache.root}")
        return 0
    if args.directory is None:
        raise UsageError("lab: give the folder to write the lab to, e.g. 'backprop lab ./lab'")
    target: Path = args.directory
    problem = target_problem(target)
    if problem:
        raise UsageError(f"lab: {problem}")
    source = source_root()
    if args.offline:
        cache.require()
    else:
        cache.fill(_say)
    build_lab(target, cache, source, _say)
    size, files = folder_size(target)
    print(f"lab written to {target}: {size / 1e6:.1f} MB in {files} files")
    print(f"  upload the folder to any static web host (or, for one machine or a LAN: "
          f"python3 -m http.server --directory {target}),")
    print("  then open check.html there: it runs the README's first example in the browser")
    return 0


def is_lab(folder: Path) -> bool:
    """Whether `folder` holds a lab built before (which a new build replaces)."""
    return (folder / "check.html").is_file() and (folder / "jupyter-lite.json").is_file()


def target_problem(target: Path) -> str | None:
    """Why the lab cannot be written to `target`, or None."""
    problem = output_directory_problem(target)
    if problem is None and target.is_dir() and any(target.iterdir()) and not is_lab(target):
        problem = (f"{show_path(target)} is not empty and holds no lab built before: give a new "
                   "or empty folder")
    parent = target.absolute().parent
    if problem is None and parent.is_dir():  # the lab is built beside it, then moved in
        problem = directory_problem(parent)
    return problem


COMMANDS = (
    Command("lab", "write a static site of the lessons that runs in a browser (Pyodide, "
            "JupyterLite): nothing to install for students", add_arguments, run),
)
