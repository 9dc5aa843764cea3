"""Hypothesis profiles shared by the whole test suite.

- "ci" (the default, and whenever the CI environment variable is set):
  deterministic (derandomize=True, so every run tries the same examples and a
  failure reproduces exactly), no deadline (timing is never asserted), a
  modest number of examples, and the blob to reproduce a failure printed.
- "dev": random examples, more of them, for hunting bugs locally.

Pick one with HYPOTHESIS_PROFILE=dev (it wins over CI).
"""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Callable

# `make test-fast` runs the tests against the engine compiled with mypyc: the folder of
# that build goes first on the path, before anything imports autograd (and
# tests/test_engine_structure.py checks that the compiled engine is the one running).
FAST_BUILD = os.environ.get("BACKPROP_FAST_BUILD", "")
if FAST_BUILD:
    sys.path.insert(0, FAST_BUILD)

import pytest  # noqa: E402
from hypothesis import settings  # noqa: E402

from autograd import Constant, Value  # noqa: E402

settings.register_profile(
    "ci", derandomize=True, deadline=None, max_examples=50, print_blob=True, database=None
)
# derandomize=False is spelled out: with CI set, Hypothesis's own defaults are
# derandomized, and "dev" must stay random even when someone runs it on CI.
settings.register_profile(
    "dev", derandomize=False, deadline=None, max_examples=300, print_blob=True
)


def _profile_name() -> str:
    chosen = os.environ.get("HYPOTHESIS_PROFILE", "").strip()
    if chosen:
        return chosen
    return "ci"  # also what CI (CI=true) gets: the suite is deterministic by default


settings.load_profile(_profile_name())


@pytest.fixture
def live_values() -> Callable[[], int]:
    """A function counting the Values alive now (every Value is tracked by the gc module),
    for tests that a dropped graph is freed."""
    kinds = (Value, Constant)  # type() rather than isinstance: some objects misbehave when asked
    return lambda: sum(1 for obj in gc.get_objects() if type(obj) in kinds)
