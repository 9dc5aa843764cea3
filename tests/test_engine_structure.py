"""How the engine keeps a graph, which its speed and memory rest on (issue 23).

- a node of one or two inputs keeps them in two fields, not in a tuple: one object
  per node for the garbage collector, not two; `parents` still gives the tuple;
- a graph costs at most 160 bytes a node, backward pass included (169 before this
  layout; micrograd 0.1.0 needs 688 on the same fold, benchmarks/README.md);
- `autograd.compiled` says whether the engine runs compiled (`make fast`);
- one neuron's forward and backward pass run the 13 functions that
  docs/reading-the-engine.md walks through, in its order.
"""

from __future__ import annotations

import gc
import os
import re
import sys
import tracemalloc
from pathlib import Path

import pytest

import autograd
from autograd import Constant, Value, dot, topological_order


def test_a_node_of_one_or_two_inputs_keeps_them_without_a_tuple():
    x, y = Value(2.0), Value(3.0)
    for node, parents in ((x * y, (x, y)), (x.tanh(), (x,)), (x * x, (x, x)), (-x, (x,))):
        assert node.parents == parents and node.settings == ()
        assert not any(type(r) is tuple for r in gc.get_referents(node)), node.op


def test_nodes_of_many_inputs_or_with_settings_give_their_parents_and_settings():
    x, w = Value(2.0), Value(3.0)
    assert (x ** 3).parents == (x,) and (x ** 3).settings == (3.0,)
    assert x.clamp(0.0, 1.0).settings == (0.0, 1.0)
    assert dot([w, w], [x, 1.0]).parents[:3] == (w, w, x)
    assert type(dot([w, w], [x, 1.0]).parents[3]) is Constant
    assert x.parents == () and x.settings == ()


def test_a_leaf_made_under_no_grad_has_no_parents():
    x = Value(2.0)
    with autograd.no_grad():
        y = x * x
    assert y.parents == () and y.operation is None and y.is_leaf


def _bytes_per_node(build) -> float:
    build()  # first-time costs (imports, caches) are not the graph's
    gc.collect()
    tracemalloc.start()
    try:
        root = build()
        root.backward()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return peak / len(topological_order(root))


def test_a_graph_with_its_backward_pass_costs_at_most_160_bytes_a_node():
    def fold() -> Value:  # 20,000 products summed as a learner writes it
        xs = [Value(i / 20_000) for i in range(20_000)]
        ws = [Value(1 - i / 20_000) for i in range(20_000)]
        return sum(x * w for x, w in zip(xs, ws))  # type: ignore[return-value]

    assert _bytes_per_node(fold) <= 160


def test_make_test_fast_runs_the_compiled_engine_not_the_source():
    build = os.environ.get("BACKPROP_FAST_BUILD")
    if not build:  # the default `make test`: the engine's .py files themselves
        assert autograd.compiled is False
        assert Path(autograd.core.__file__).parent == Path(__file__).parent.parent / "autograd"
        return
    assert autograd.compiled is True  # a fallback to the .py files would pass unnoticed
    assert Path(autograd.core.__file__).is_relative_to(Path(build).resolve())


def test_nodes_hash_and_compare_by_identity_and_in_pure_python_at_cs_speed():
    x, y = Value(1.0), Value(1.0)
    assert x == x and x != y and len({x, y, x}) == 2 and {x: 1}[x] == 1
    if not autograd.compiled:  # a hash written in Python made grad() and the views 1.5x slower
        assert Value.__hash__ is object.__hash__ and Value.__eq__ is object.__eq__


def _functions_called_by(run) -> list[tuple[str, str]]:
    """(file, function) of every function of autograd/ that `run()` calls, in the order
    first called: Python's profiler sees each call of a Python function."""
    called: list[tuple[str, str]] = []

    def profile(frame, event, arg) -> None:  # type: ignore[no-untyped-def]
        path = Path(frame.f_code.co_filename)
        if event == "call" and path.parent.name == "autograd":
            key = (path.name, frame.f_code.co_qualname)
            if key not in called:
                called.append(key)

    sys.setprofile(profile)
    try:
        run()
    finally:
        sys.setprofile(None)
    return called


def _reading_guide_rows() -> list[tuple[str, str]]:
    """(file, function) of each row of docs/reading-the-engine.md's table, in order."""
    text = (Path(__file__).parent.parent / "docs" / "reading-the-engine.md").read_text()
    rows = re.findall(r"^\| \d+ \| `(\S+)`(?:'s rule)? \| (\S+) \|", text, re.MULTILINE)
    return [(file, "<lambda>" if "." not in name and file == "ops.py" else name)
            for name, file in rows]


@pytest.mark.skipif(autograd.compiled, reason="a compiled function makes no Python frame "
                    "for the profiler to see; the pure-Python run checks the path")
def test_the_reading_guide_lists_every_function_one_neuron_runs_in_order():
    x, w, b = Value(0.5), Value(-1.0), Value(0.3)
    (x * w + b).tanh().backward()  # first-time costs (imports) are not the path
    x, w, b = Value(0.5), Value(-1.0), Value(0.3)
    called = _functions_called_by(lambda: (x * w + b).tanh().backward())
    assert called == _reading_guide_rows()
    assert len(called) == 14  # 13 functions of the engine and tanh's rule
