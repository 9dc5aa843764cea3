"""Wheels as the browser's Python loads them: their metadata, and Pyodide's package list.

Pyodide loads a package by name from ``pyodide-lock.json`` beside it: for each package its
file, hash, top-level modules and the packages it needs. The npm package's list names
about 350 packages whose files it does not hold, so the lab writes its own: exactly the
wheels it ships, each one's dependencies worked out from its metadata as the browser would
(``sys_platform == "emscripten"``), and the build stops if one is missing or of a version
its dependent refuses. That is the check that backprop-lab installs in the browser.
"""

from __future__ import annotations

import email.parser
import hashlib
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from nn.cli.common import UsageError

LICENCE_WORDS = ("licen", "copying", "notice", "authors")  # file names that hold licences


@dataclass(frozen=True)
class WheelFile:
    """One wheel: where it is and what its metadata says."""

    path: Path
    name: str  # canonical (lower case, dashes)
    version: str
    requires: tuple[Requirement, ...]
    imports: tuple[str, ...]  # its top-level modules and packages
    licence: str  # the licence its metadata names

    @classmethod
    def read(cls, path: Path) -> WheelFile:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            metadata = next(n for n in names if n.endswith(".dist-info/METADATA"))
            fields = email.parser.Parser().parsestr(archive.read(metadata).decode("utf-8"))
        tops = {n.split("/")[0].removesuffix(".py") for n in names
                if not n.split("/")[0].endswith((".dist-info", ".data"))}
        licence = fields.get("License-Expression") or fields.get("License") or ""
        return cls(path, canonicalize_name(fields["Name"]), fields["Version"],
                   tuple(Requirement(r) for r in fields.get_all("Requires-Dist") or ()),
                   tuple(sorted(tops)), licence.splitlines()[0] if licence else "")

    def licence_files(self) -> list[tuple[str, bytes]]:
        """The licence files in its .dist-info: (file name, content)."""
        with zipfile.ZipFile(self.path) as archive:
            return [(n.rsplit("/", 1)[-1], archive.read(n)) for n in archive.namelist()
                    if ".dist-info/" in n and not n.endswith("/")
                    and any(w in n.rsplit("/", 1)[-1].lower() for w in LICENCE_WORDS)]


def browser_environment(python: str) -> dict[str, str]:
    """The values of PEP 508 markers in Pyodide running Python `python` (e.g. 3.14.2)."""
    return {"sys_platform": "emscripten", "platform_system": "Emscripten", "os_name": "posix",
            "platform_machine": "wasm32", "implementation_name": "cpython",
            "platform_python_implementation": "CPython", "python_full_version": python,
            "python_version": ".".join(python.split(".")[:2]), "extra": ""}


def package_list(wheels: Sequence[WheelFile], info: dict[str, Any]) -> dict[str, Any]:
    """Pyodide's package list (``pyodide-lock.json``) of `wheels`, with its `info` header.

    UsageError if a wheel needs, in the browser, a package that is not among `wheels` or
    one whose version it refuses.
    """
    environment = browser_environment(str(info["python"]))
    shipped = {w.name: w for w in wheels}
    packages = {}
    for wheel in wheels:
        depends = []
        for requirement in wheel.requires:
            if requirement.marker is not None and not requirement.marker.evaluate(environment):
                continue
            needed = canonicalize_name(requirement.name)
            found = shipped.get(needed)
            if found is None or not requirement.specifier.contains(found.version,
                                                                    prereleases=True):
                have = f"the lab has {found.version}" if found else "the lab does not have it"
                raise UsageError(f"lab: {wheel.name} {wheel.version} needs {requirement} in the "
                                 f"browser, and {have}")
            depends.append(needed)
        packages[wheel.name] = {
            "name": wheel.name, "version": wheel.version, "file_name": wheel.path.name,
            "install_dir": "site", "sha256": hashlib.sha256(wheel.path.read_bytes()).hexdigest(),
            "package_type": "package", "imports": list(wheel.imports), "depends": depends,
            "unvendored_tests": False, "shared_library": False,
        }
    return {"info": info, "packages": packages}
