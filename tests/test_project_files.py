"""What a newcomer reads before the code: the project's metadata and set-up docs agree with
what the build and the Makefile do."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    tomllib = pytest.importorskip("tomli")


def test_the_licence_is_an_spdx_string_so_installs_print_no_deprecation_warning():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert project["project"]["license"] == "MIT"  # a table is deprecated by setuptools 77
    requires = project["build-system"]["requires"]
    assert any(re.fullmatch(r"setuptools>=(7[7-9]|[89]\d|\d{3,})(\.\d+)*", r) for r in requires)


def test_the_development_page_says_what_make_test_runs():
    makefile = (ROOT / "Makefile").read_text()
    lint = re.search(r"^lint:.*\n((?:\t.*\n)+)", makefile, re.MULTILINE)
    assert lint and "mypy" in lint.group(1) and re.search(r"^test: lint", makefile, re.M)
    page = (ROOT / "docs" / "development.md").read_text()
    assert "`make test` runs `make lint`" in page and "mypy autograd nn" in page


def test_the_readme_warns_about_hips_autograd_sharing_the_package_name():
    readme = (ROOT / "README.md").read_text()
    assert "HIPS autograd" in readme and "virtualenv" in readme
