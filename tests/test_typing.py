"""A learner's typed code type-checks: Value's operators and methods are written in
the class (nothing attached at import time), and the package ships py.typed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import autograd

LEARNER_CODE = '''
from autograd import Value, grad

def neuron(x: Value, w: Value, b: Value) -> Value:
    return (x * w + b).tanh()

x, w, b = Value(0.5, label="x"), Value(-1.5, label="w"), Value(2.0, label="b")
y: Value = neuron(x, w, b) ** 2 + 1.0 / (1 + x.exp()) - abs(w) % 3
y.backward()
gradient: float = x.grad + y.item()
dx, dw = grad(y, [x, w])
'''

WRONG_CODE = '''
from autograd import Value

y: Value = Value(1.0).no_such_method()
'''


def _mypy(tmp_path: Path, code: str) -> subprocess.CompletedProcess[str]:
    source = tmp_path / "learner.py"
    source.write_text(code)
    # An editable install is an import hook that mypy does not follow: point it at the code.
    package_root = str(Path(autograd.__file__).parent.parent)
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--no-error-summary", "--cache-dir",
         str(tmp_path / "cache"), str(source)],
        capture_output=True, text=True, check=False, cwd=tmp_path,
        env={**os.environ, "MYPYPATH": package_root})


def test_a_learners_typed_code_type_checks_and_a_wrong_method_does_not(tmp_path):
    ok = _mypy(tmp_path, LEARNER_CODE)
    assert ok.returncode == 0, ok.stdout
    wrong = _mypy(tmp_path, WRONG_CODE)
    assert wrong.returncode == 1 and '"Value" has no attribute "no_such_method"' in wrong.stdout


def test_the_packages_say_they_are_typed():
    import nn

    for package in (autograd, nn):
        assert (Path(package.__file__).parent / "py.typed").is_file()
