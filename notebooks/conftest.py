"""pytest hooks for the notebooks, which nbmake runs as one test item each.

A notebook that needs an optional package is skipped, with the reason and the
install command, when that package cannot be imported: `make test` on a fresh
clone without PyTorch stays green, and runs the notebook once torch is there.
"""

from __future__ import annotations

import importlib

import pytest

# notebook file name -> (the module it needs, how to install it)
OPTIONAL_NEEDS = {
    "05_from_scalars_to_tensors.ipynb": (
        "torch", "pip install torch --index-url https://download.pytorch.org/whl/cpu"),
}


def _importable(module: str) -> bool:
    try:
        importlib.import_module(module)
    except ImportError:
        return False
    return True


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        need = OPTIONAL_NEEDS.get(item.path.name) if getattr(item, "nbmake", False) else None
        if need is not None and not _importable(need[0]):
            module, install = need
            item.add_marker(pytest.mark.skip(
                reason=f"{item.path.name} needs {module}, which is not installed: {install}"))
