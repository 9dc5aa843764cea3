"""record(): one backward pass written down, changing nothing."""

from __future__ import annotations

import pytest

import autograd
from autograd import Value
from autograd.views.formulas import named_formulas
from autograd.views.trace import Step, record


def _named(step: Step) -> list[tuple[str, list[tuple[str, str]]]]:
    return named_formulas(step.node, step.parent_names, [c.formula for c in step.contributions])


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


def test_letters_that_are_other_inputs_names_are_swapped_all_at_once():
    # atan2's letters are y (input 1) and x (input 2); here input 1 is the node x and
    # input 2 the node y. d atan2(u, v)/du = v/(u² + v²) = 2/(1 + 4) = 0.4 at u = 1, v = 2
    x, y = Value(1.0, label="x"), Value(2.0, label="y")
    (step,) = record(autograd.atan2(x, y)).steps
    assert _named(step) == [("d atan2(x, y)/dx = y/(y^2 + x^2)", []),
                                    ("d atan2(x, y)/dy = -x/(y^2 + x^2)", [])]
    assert "local d atan2(x, y)/dx = y/(y^2 + x^2) = 0.4;" in str(step)


def test_a_formula_that_names_no_input_is_shown_as_written():
    twice = autograd.define_op("twice_without_d", lambda a: 2 * a, [lambda a, out: 2.0],
                               ["2 (wrong or right, it names no input)"])
    h = Value(1.0, label="h")
    (step,) = record(twice(h)).steps
    assert _named(step) == [("2 (wrong or right, it names no input)", [])]
