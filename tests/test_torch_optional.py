"""PyTorch stays optional: nothing loads it until the bridge is used, and without it
the bridge says how to install it and the torch tests and notebook are skipped.

These tests run whether torch is installed or not: "torch is missing" is played
by ``sys.modules["torch"] = None``, which makes ``import torch`` fail.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import autograd
import nn

ROOT = Path(__file__).resolve().parent.parent
CPU_INDEX = "--index-url https://download.pytorch.org/whl/cpu"


def _run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, timeout=300)


def test_importing_the_packages_does_not_import_torch():
    result = _run("import sys, autograd, nn, nn.torch_bridge, autograd.checks.torch_check\n"
                  "print('torch' in sys.modules)")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


@pytest.fixture
def without_torch(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)  # import torch -> ImportError


def test_to_torch_without_torch_says_how_to_install_a_cpu_build(without_torch):
    with pytest.raises(ImportError, match="nn.to_torch needs PyTorch") as error:
        nn.to_torch(nn.MLP(2, [1], seed=0))
    assert CPU_INDEX in str(error.value)
    with pytest.raises(ImportError, match="nn.from_torch needs PyTorch"):
        nn.from_torch(object())


def test_check_against_torch_without_torch_says_how_to_install(without_torch):
    with pytest.raises(ImportError, match="check_against_torch needs PyTorch") as error:
        autograd.check_against_torch(autograd.Value(1.0).exp())
    assert CPU_INDEX in str(error.value)


def test_without_torch_its_tests_and_notebook_are_skipped_with_the_reason():
    targets = ["tests/test_torch_bridge.py", "tests/test_torch_check.py",
               "notebooks/05_from_scalars_to_tensors.ipynb", "tests/test_readme.py"]
    code = ("import sys; sys.modules['torch'] = None\n"
            "import pytest\n"
            f"sys.exit(pytest.main(['-p', 'no:cacheprovider', '-rs', *{targets!r}]))")
    result = _run(code)
    assert result.returncode == 0, result.stdout + result.stderr
    assert " 4 skipped" in result.stdout, result.stdout  # the README's torch example too
    assert "PyTorch is not installed" in result.stdout
    assert ("05_from_scalars_to_tensors.ipynb needs torch, which is not installed: "
            f"pip install torch {CPU_INDEX}") in result.stdout
