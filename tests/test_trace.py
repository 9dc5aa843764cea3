"""record(): one backward pass written down, changing nothing."""

from __future__ import annotations

import pytest

from autograd import Value
from autograd.views.trace import record


def test_a_grad_of_none_is_recorded_as_zero_like_backward_counts_it():
    x = Value(3.0, label="x")
    y = x * x + x
    x.grad = None  # PyTorch's zero_grad(set_to_none=True) habit
    trace = record(y)
    assert trace.before[x] == 0.0
    received = [c for step in trace.steps for c in step.contributions if c.parent is x]
    assert [c.grad_before for c in received] == [0.0, 1.0, 4.0]  # 0, +1 (from +), +3, +3
    assert trace.after(x) == 7.0
    assert x.grad is None  # recording changes nothing


def test_the_seed_may_be_a_value_as_backward_accepts():
    x = Value(3.0, label="x")
    trace = record(x * x, Value(2.0))
    assert trace.grad == 2.0 and type(trace.grad) is float
    assert trace.after(x) == 12.0


@pytest.mark.parametrize("bad, message", [("2", "str"), (float("nan"), "finite"),
                                          (True, "bool")])
def test_a_bad_seed_is_a_clear_error(bad, message):
    with pytest.raises((TypeError, ValueError), match=message):
        record(Value(1.0) * 2.0, bad)
