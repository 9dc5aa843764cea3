"""backward_steps: one step per non-leaf node, and all steps == one backward()."""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from autograd import (
    Constant,
    Value,
    backward_steps,
    clamp,
    define_op,
    format_steps,
    leaky_relu,
    logsumexp,
    print_steps,
    sigmoid,
    sqrt,
    tanh,
    topological_order,
)
from autograd import dot as vdot
from autograd import sum as vsum
from autograd.backprop import gradients

# ---------------------------------------------------------------------------
# Random expressions: a DAG whose nodes may be reused (several paths to a node)
# ---------------------------------------------------------------------------

UNARY: list[Callable[[Value], Value]] = [
    tanh, sigmoid, lambda a: a.sin(), lambda a: a.cos(), lambda a: -a,
    lambda a: a**2, lambda a: a**3, lambda a: (a * a + 1.0).log(), lambda a: (a * a + 1.0).sqrt(),
]
BINARY: list[Callable[[Value, Value], Value]] = [
    lambda a, b: a + b, lambda a, b: a - b, lambda a, b: a * b,
    lambda a, b: a / (b * b + 1.0), lambda a, b: vsum([a, b, a]),
    lambda a, b: vdot([a, b], [b, 2.0]),
]


@st.composite
def expression_plans(draw: st.DrawFn) -> tuple[list[float], list[tuple[int, int, int, int]]]:
    """Inputs and a list of (kind, op, i, j): node = op(pool[i], pool[j]) appended to the pool."""
    inputs = draw(st.lists(st.floats(-2, 2, allow_nan=False), min_size=1, max_size=3))
    plan = []
    for size in range(len(inputs), len(inputs) + draw(st.integers(1, 12))):
        kind = draw(st.integers(0, 1))
        op = draw(st.integers(0, len(UNARY if kind == 0 else BINARY) - 1))
        plan.append((kind, op, draw(st.integers(0, size - 1)), draw(st.integers(0, size - 1))))
    return inputs, plan


def build(inputs: list[float], plan: list[tuple[int, int, int, int]]) -> tuple[Value, list[Value]]:
    """The expression of a plan; returns the output (the last node) and the leaves."""
    leaves = [Value(x, label=f"x{k}") for k, x in enumerate(inputs)]
    pool = list(leaves)
    for kind, op, i, j in plan:
        pool.append(UNARY[op](pool[i]) if kind == 0 else BINARY[op](pool[i], pool[j]))
    return pool[-1], leaves


def grads_in_order(root: Value) -> list[object]:
    """Every node's .grad in a fixed order (NaN as a string, so == compares it too)."""
    return [node.grad if node.grad == node.grad else "nan" for node in topological_order(root)]


def build_finite(inputs: list[float], plan: list[tuple[int, int, int, int]]) -> Value:
    """`build`, rejecting (hypothesis.assume) plans whose values overflow."""
    try:
        root, _ = build(inputs, plan)
    except OverflowError:
        assume(False)
    assume(all(math.isfinite(node.data) for node in topological_order(root)))
    return root


@settings(max_examples=150, deadline=None)
@given(expression_plans())
def test_all_steps_leave_exactly_what_one_backward_leaves(case):
    inputs, plan = case
    by_backward = build_finite(inputs, plan)
    by_steps = build_finite(inputs, plan)
    by_backward.backward()
    steps = list(backward_steps(by_steps))
    # every node: root, intermediate nodes and leaves, bit for bit
    assert grads_in_order(by_steps) == grads_in_order(by_backward)
    non_leaves = [node for node in topological_order(by_steps) if node.operation is not None]
    assert len(steps) == len(non_leaves)


@settings(max_examples=60, deadline=None)
@given(expression_plans())
def test_steps_accumulate_on_top_of_earlier_gradients_like_backward(case):
    inputs, plan = case
    twice_backward = build_finite(inputs, plan)
    backward_then_steps = build_finite(inputs, plan)
    twice_backward.backward()
    twice_backward.backward()
    backward_then_steps.backward()
    for _ in backward_steps(backward_then_steps):
        pass
    assert grads_in_order(backward_then_steps) == grads_in_order(twice_backward)


@settings(max_examples=60, deadline=None)
@given(expression_plans())
def test_steps_follow_backward_order_and_the_chain_rule(case):
    inputs, plan = case
    root = build_finite(inputs, plan)
    expected = gradients(root)  # the engine's own pass, which touches nothing
    order = [node for node in reversed(topological_order(root)) if node.operation is not None]
    for index, step in enumerate(backward_steps(root)):
        assert step.index == index and step.total == len(order)
        assert step.node is order[index]
        assert step.upstream == expected[step.node]  # complete before it is passed on
        # every parent but the constants (numbers in the expression) receives
        assert [c.parent for c in step.contributions] == [
            p for p in step.node.parents if not isinstance(p, Constant)]
        for item in step.contributions:
            assert item.contribution == item.local * step.upstream
        # the step is applied before it is yielded: parents hold grad_after now
        last = {id(item.parent): item.grad_after for item in step.contributions}
        for item in step.contributions:
            assert item.parent.grad == last[id(item.parent)]


def test_x_times_x_shows_both_contributions_and_the_accumulation():
    x = Value(3.0, label="x")
    (step,) = list(backward_steps(x * x))
    assert [c.contribution for c in step.contributions] == [3.0, 3.0]
    assert [(c.grad_before, c.grad_after) for c in step.contributions] == [(0, 3), (3, 6)]
    text = str(step)
    assert "contribution 3 × 1 = 3" in text
    assert text.count("contribution 3 × 1 = 3") == 2
    assert "x.grad 0 -> 3" in text and "x.grad 3 -> 6" in text
    assert "accumulates 0 -> 3 -> 6" in text
    assert x.grad == 6.0


def test_a_step_prints_node_upstream_and_the_formula_from_the_op_table():
    x, w, b = Value(0.5, label="x"), Value(-1.5, label="w"), Value(2.0, label="b")
    out = tanh(x * w + b)
    first = next(backward_steps(out))
    text = str(first)
    t = math.tanh(0.5 * -1.5 + 2.0)
    assert first.node is out and first.upstream == 1.0
    assert "d tanh(add#4)/d add#4 = 1 - tanh(add#4)^2" in text  # the op's x is add#4
    assert f"{1 - t * t:.4g}" in text
    assert "upstream gradient d out/d tanh#5 = 1" in text


def test_the_table_has_one_row_per_parent_and_the_final_gradients():
    x, w, b = Value(0.5, label="x"), Value(-1.5, label="w"), Value(2.0, label="b")
    out = tanh(x * w + b)
    table = format_steps(backward_steps(out))
    lines = table.splitlines()
    assert lines[0].split()[:3] == ["step", "node", "upstream"]
    assert len(lines) == 2 + 5  # header, rule, tanh->add, add->mul, add->b, mul->x, mul->w
    t = math.tanh(1.25)
    assert f"0 -> {(1 - t * t) * -1.5:.4g}" in lines[-2]  # x.grad = w·(1 - tanh²)
    assert lines[-2].split()[:4] == ["3/3", "mul#2", f"{1 - t * t:.4g}", "x"]
    assert lines[-1].split()[0] == "w"  # the second parent's row leaves the step columns blank


def test_print_steps_prints_the_table_and_returns_the_steps(capsys):
    x = Value(3.0, label="x")
    steps = print_steps(x * x + x)
    out = capsys.readouterr().out
    assert len(steps) == 2 and "d(a·b)/da = b" in out and "4 -> 7" in out
    assert x.grad == 7.0


def test_stopping_early_shows_the_gradients_so_far():
    x, y = Value(2.0, label="x"), Value(5.0, label="y")
    product = x * y
    out = product.tanh()
    steps = backward_steps(out)
    assert out.grad == 0.0 and product.grad == 0.0  # nothing happens before the first next()
    next(steps)
    assert out.grad == 1.0
    assert product.grad == 1 - math.tanh(10.0) ** 2
    assert x.grad == 0.0 and y.grad == 0.0  # mul's step has not run yet
    next(steps)
    assert x.grad == 5.0 * product.grad and y.grad == 2.0 * product.grad


def test_a_leaf_output_has_no_step_but_gets_the_seed_like_backward():
    x = Value(1.5, label="x")
    assert list(backward_steps(x, grad=2.0)) == []
    assert x.grad == 2.0


def test_a_custom_op_shows_its_own_formula():
    cube = define_op("cube", forward=lambda a: a**3,
                     derivatives=[lambda a, out: 3 * a**2], formulas=["d(x^3)/dx = 3x^2"])
    x = Value(2.0, label="x")
    (step,) = list(backward_steps(cube(x)))
    assert step.contributions[0].formula == "d(x^3)/dx = 3x^2"
    assert "d(x^3)/dx = 3x^2 = 12" in str(step)
    assert x.grad == 12.0


def test_an_underivable_node_raises_before_any_gradient_changes():
    x = Value(0.0, label="x")
    out = sqrt(x) + x
    with pytest.raises(ZeroDivisionError, match="sqrt"):
        list(backward_steps(out))
    assert all(node.grad == 0.0 for node in topological_order(out))


def test_bad_output_is_a_type_error():
    with pytest.raises(TypeError, match="float"):
        list(backward_steps(3.0))  # type: ignore[arg-type]


@pytest.mark.parametrize("call, error, message", [
    (lambda y: format_steps(y), TypeError,
     r"format_steps takes the steps of backward_steps\(root\), got a Value"),
    (lambda y: format_steps(backward_steps(y), digits=-1), ValueError,
     "format_steps: digits must be an int from 1 to 17, got -1"),
    (lambda y: print_steps(y, digits="a"), TypeError,
     "format_steps: digits must be an int, got str 'a'"),
])
def test_format_steps_names_what_it_was_given(call, error, message):
    x = Value(3.0, label="x")
    with pytest.raises(error, match=message):
        call(x * x)
    assert x.grad == 0.0  # nothing ran


def test_a_grad_of_none_counts_as_zero_in_every_step_like_backward():
    # PyTorch's zero_grad(set_to_none=True) habit; backward() treats None as 0
    x = Value(3.0, label="x")
    y = x * x + x
    x.grad = None
    texts = [str(step) for step in backward_steps(y)]
    assert "x.grad 0 -> 1" in texts[0] and "accumulates 1 -> 4 -> 7" in texts[1]
    assert x.grad == 7.0
    same = Value(3.0, label="x")
    same.grad = None
    (same * same + same).backward()
    assert x.grad == same.grad


def test_the_seed_may_be_a_value_like_backward():
    x = Value(3.0, label="x")
    steps = list(backward_steps(x * x, Value(2.0)))
    assert steps[0].upstream == 2.0
    assert x.grad == 12.0


# ---------------------------------------------------------------------------
# The op's formula letters (a, b, x) are not the graph's names
# ---------------------------------------------------------------------------


def test_a_formula_is_written_with_the_inputs_names_not_the_ops_letters():
    # the op's "d(a·b)/da = b" read with these labels says 12 (this graph's b) where
    # the local derivative is c = 18
    a, b, c = Value(2.0, label="a"), Value(12.0, label="b"), Value(18.0, label="c")
    add_step, mul_step = [str(step) for step in backward_steps(a + b * c)]
    assert "-> b (input 1): local d(b·c)/db = c = 18;" in mul_step
    assert "-> c (input 2): local d(b·c)/dc = b = 12;" in mul_step
    assert "d(a·b)" not in mul_step
    # a name longer than a letter stands apart from the d of d/d...
    assert "-> a (input 1): local d(a+mul#3)/da = 1;" in add_step
    assert "-> mul#3 (input 2): local d(a+mul#3)/d mul#3 = 1;" in add_step


def test_a_unary_formula_names_its_input_not_an_x_of_the_graph():
    x, w = Value(0.5, label="x"), Value(-1.5, label="w")
    h = x * w
    h.label = "h"
    first = str(next(backward_steps(tanh(h))))
    t = math.tanh(-0.75)
    assert (f"-> h (input 1): local d tanh(h)/dh = 1 - tanh(h)^2 = {1 - t * t:.4g};"
            in first)


def test_where_names_would_mislead_the_letters_stay_and_are_explained():
    x = Value(3.0, label="x")
    (square,) = backward_steps(x * x)  # "d(x·x)/dx = x" would read as the whole derivative
    assert "-> x (input 1): local d(a·b)/da = b = 3 where a = x, b = x;" in str(square)
    assert "-> x (input 2): local d(a·b)/db = a = 3 where a = x, b = x;" in str(square)
    p, q = Value(2.0, label="x1*w1"), Value(0.5, label="x2*w2")  # labels that are formulas
    (add,) = backward_steps(p + q)
    assert "-> x1*w1 (input 1): local d(a+b)/da = 1 where a = x1*w1, b = x2*w2;" in str(add)
    e = Value(0.0, label="exp")  # a name the formula uses for something else: exp
    (power,) = backward_steps(e.exp())
    assert "-> exp (input 1): local d exp(x)/dx = exp(x) = 1 where x = exp;" in str(power)


def test_a_custom_formula_with_a_letter_glued_to_a_number_keeps_its_letters():
    cube = define_op("cube_for_letters", forward=lambda a: a**3,
                     derivatives=[lambda a, out: 3 * a**2], formulas=["d(x^3)/dx = 3x^2"])
    h = Value(2.0, label="h")
    (step,) = backward_steps(cube(h))  # "d(h^3)/dh = 3x^2" would leave x behind
    assert "-> h (input 1): local d(x^3)/dx = 3x^2 = 12 where x = h;" in str(step)


def test_the_table_writes_the_names_too_and_explains_the_letters_it_keeps():
    b, c = Value(12.0, label="b"), Value(18.0, label="c")
    rows = [line.split() for line in format_steps(backward_steps(b * c)).splitlines()]
    assert rows[2] == ["1/1", "mul#2", "1", "b", "d(b·c)/db", "=", "c", "18", "18",
                       "0", "->", "18"]
    assert rows[3] == ["c", "d(b·c)/dc", "=", "b", "12", "12", "0", "->", "12"]
    assert len(rows) == 4  # nothing left to explain
    x = Value(3.0, label="x")
    lines = format_steps(backward_steps(x * x)).splitlines()
    assert lines[2].split()[3:7] == ["x", "d(a·b)/da", "=", "b"]
    assert lines[-1].split() == ["where", "a", "=", "x,", "b", "=", "x"]
    assert lines[-1].index("where") == lines[2].index("d(a·b)/da")  # in the formula column


def test_a_number_exponent_is_written_as_its_number_not_an_unexplained_n():
    # pow's formula is "d(x^n)/dx = n·x^(n-1)"; its n is the setting, shown nowhere else
    x, n = Value(2.0, label="x"), Value(3.0, label="n")
    (cube,) = backward_steps(x**3)
    assert "-> x (input 1): local d(x^3)/dx = 3·x^(3-1) = 12;" in str(cube)
    (square,) = backward_steps(n**2)  # a label n no longer meets pow's n
    assert "-> n (input 1): local d(n^2)/dn = 2·n^(2-1) = 6;" in str(square)
    (inverse,) = backward_steps(x**-1)  # a negative number in brackets after ^
    assert "-> x (input 1): local d(x^(-1))/dx = -1·x^(-1-1) = -0.25;" in str(inverse)


def test_settings_such_as_slope_low_and_high_are_written_as_their_numbers():
    x, slope = Value(-1.0, label="x"), Value(-1.0, label="slope")
    (leaky,) = backward_steps(leaky_relu(x, 0.2))
    assert "-> x (input 1): local d leaky_relu(x)/dx = 1 if x > 0 else 0.2 = 0.2;" in str(leaky)
    (named,) = backward_steps(leaky_relu(slope, 0.2))
    assert ("-> slope (input 1): local d leaky_relu(slope)/d slope = 1 if slope > 0 "
            "else 0.2 = 0.2;") in str(named)
    low = Value(0.5, label="low")
    (clamped,) = backward_steps(clamp(low, -1.0, 1.0))
    assert ("-> low (input 1): local d clamp(low, -1, 1)/d low = 1 if -1 <= low <= 1 "
            "else 0 = 1;") in str(clamped)


def test_a_setting_glued_to_a_number_keeps_its_letter_and_is_explained():
    scaled = define_op("scaled_square", forward=lambda a, t: t * a * a,
                       derivatives=[lambda a, t, out: 2 * t * a],
                       formulas=["d(t·x^2)/dx = 2t·x"], num_settings=1, setting_names=["t"])
    y = Value(2.0, label="y")
    (step,) = backward_steps(scaled(y, 3.0))  # "2t" with t = 3 must not read 23
    assert "-> y (input 1): local d(t·y^2)/dy = 2t·y = 12 where t = 3;" in str(step)


def test_a_setting_letter_that_an_input_is_labelled_with_is_renamed():
    # "d(t·x^2)/dx = 2t·x where x = t, t = 3" said the node t (2) is 3
    scaled = define_op("scaled_square_of_t", forward=lambda a, t: t * a * a,
                       derivatives=[lambda a, t, out: 2 * t * a],
                       formulas=["d(t·x^2)/dx = 2t·x"], num_settings=1, setting_names=["t"])
    t = Value(2.0, label="t")
    (step,) = backward_steps(scaled(t, 3.0))
    assert "-> t (input 1): local d(k·t^2)/dt = 2k·t = 12 where k = 3;" in str(step)
    assert format_steps([step]).splitlines()[-1].split() == ["where", "k", "=", "3"]
    two_t = Value(2.0, label="2t")  # not a symbol: the letters stay, and "2t·x" read as it
    (step,) = backward_steps(scaled(two_t, 3.0))
    assert "-> 2t (input 1): local d(k·x^2)/dx = 2k·x = 12 where x = 2t, k = 3;" in str(step)


def test_logsumexp_writes_its_inputs_out_where_its_x_would_read_as_a_node():
    # "d logsumexp(x)/dx0 = exp(x0 - logsumexp(x)) = softmax(x)0 where x0 = x" read as the
    # logsumexp of the node x alone
    x, y = Value(1.0, label="x"), Value(2.0, label="y")
    (step,) = backward_steps(logsumexp([x, y]))
    assert ("-> x (input 1): local d logsumexp(x, y)/dx = exp(x - logsumexp(x, y)) = "
            "softmax(x, y)[0] = 0.2689;") in str(step)
    assert ("-> y (input 2): local d logsumexp(x, y)/dy = exp(y - logsumexp(x, y)) = "
            "softmax(x, y)[1] = 0.7311;") in str(step)
    # "softmax(x)0" beside the node x1 read as the entry of the node x0: the 0 is a position
    second, first = Value(2.0, label="x1"), Value(1.0, label="x0")
    (step,) = backward_steps(logsumexp([second, first]))
    assert ("-> x1 (input 1): local d logsumexp(x1, x0)/dx1 = exp(x1 - logsumexp(x1, x0)) = "
            "softmax(x1, x0)[0] = 0.7311;") in str(step)
    a, b = Value(1.0, label="a"), Value(2.0, label="b")
    (step,) = backward_steps(logsumexp([a, b]))
    assert ("-> b (input 2): local d logsumexp(a, b)/db = exp(b - logsumexp(a, b)) = "
            "softmax(a, b)[1] = 0.7311;") in str(step)


def test_logsumexp_of_many_inputs_keeps_letters_that_each_say_what_they_stand_for():
    zs = [Value(float(k), label=f"e^z{k}") for k in range(4)]  # not symbols: letters stay
    (step,) = backward_steps(logsumexp(zs))
    assert ("-> e^z2 (input 3): local d logsumexp(x0, ..., x3)/dx2 = "
            "exp(x2 - logsumexp(x0, ..., x3)) = softmax(x0, ..., x3)[2] = 0.2369 "
            "where x0 = e^z0, x2 = e^z2, x3 = e^z3;") in str(step)
    assert format_steps([step]).splitlines()[-1].split() == [
        "where", "x0", "=", "e^z0,", "x1", "=", "e^z1,", "x2", "=", "e^z2,", "x3", "=", "e^z3"]


def test_dot_writes_its_products_out_where_an_input_is_labelled_w_or_x():
    # "d(w·x)/dw0 = x0 where x0 = x" read as w times the node x
    w0, w1 = Value(1.0, label="w0"), Value(2.0, label="w1")
    x, y = Value(3.0, label="x"), Value(4.0, label="y")
    (step,) = backward_steps(vdot([w0, w1], [x, y]))
    assert "-> w0 (input 1): local d(w0·x + w1·y)/dw0 = x = 3;" in str(step)
    assert "-> y (input 4): local d(w0·x + w1·y)/dy = w1 = 2;" in str(step)
    # no input labelled w or x: w·x, as the drawing shows the dot node, stays
    a, b = Value(3.0, label="a"), Value(4.0, label="b")
    (step,) = backward_steps(vdot([w0, w1], [a, b]))
    assert "-> w0 (input 1): local d(w·x)/dw0 = a = 3;" in str(step)
    assert "-> b (input 4): local d(w·x)/db = w1 = 2;" in str(step)


def test_a_number_of_the_expression_is_written_as_the_number_the_drawing_shows():
    x = Value(3.0, label="x")
    (times,) = backward_steps(x * 2)
    assert str(times).splitlines()[0] == "step 1/1: mul#2 = mul(x, 2) = 6"
    assert "-> x (input 1): local d(x·2)/dx = 2;" in str(times)
    (minus,) = backward_steps(1 - x)
    assert "-> x (input 2): local d(1-x)/dx = -1;" in str(minus)
    y = Value(2.0, label="y")
    (over,) = backward_steps(-2 / y)  # -a/b^2 with a = -2: -(-2), not --2
    assert "-> y (input 2): local d(-2/y)/dy = -(-2)/y^2 = 0.5;" in str(over)


def test_a_name_that_is_d_and_another_name_keeps_the_letters():
    # "d(b·db)/db = db" cannot say whether db is the node db or d/d b
    b, db = Value(2.0, label="b"), Value(5.0, label="db")
    (step,) = backward_steps(b * db)
    assert "-> b (input 1): local d(a·b)/da = b = 5 where a = b, b = db;" in str(step)


def test_two_nodes_with_one_label_are_told_apart_by_their_inputs():
    first, second = Value(2.0, label="x"), Value(3.0, label="x")
    (step,) = backward_steps(first * second)  # "a = x, b = x" would say x·x
    assert ("-> x (input 1): local d(a·b)/da = b = 3 where a = x (input 1), "
            "b = x (input 2);") in str(step)


def test_a_label_that_reads_as_a_number_is_quoted_where_it_is_explained():
    two, w = Value(5.0, label="2"), Value(1.0, label="w")
    (step,) = backward_steps(two * w)  # "a = 2" would say the number 2, but a is 5
    assert '-> w (input 2): local d(a·b)/db = a = 5 where a = "2", b = w;' in str(step)


def test_the_tables_where_row_names_the_letters_in_input_order():
    # a sum's formulas name x0 and x3 first (d(x0+...+x3)/dx0): the row read x0, x3, x1, x2
    zs = [Value(float(k), label=f"e^z{k}") for k in range(4)]  # not symbols: letters stay
    table = format_steps(backward_steps(vsum(zs)))
    assert "where x0 = e^z0, x1 = e^z1, x2 = e^z2, x3 = e^z3" in table


def test_a_sum_of_one_to_three_terms_writes_them_out():
    # a sum of one read d(x+...+x)/dx = 1 once its letter took the input's name
    x, y = Value(1.0, label="x"), Value(2.0, label="y")
    assert "d(x)/dx = 1" in format_steps(backward_steps(vsum([x])))
    assert "d(x+y)/dy = 1" in format_steps(backward_steps(vsum([x, y])))


def test_a_where_row_runs_on_past_its_column_instead_of_widening_it():
    # the row "where x0 = e^z0, ..." (48 characters) made the formula column 48 wide
    zs = [Value(float(k), label=f"e^z{k}") for k in range(4)]
    header = format_steps(backward_steps(vsum(zs))).splitlines()[0]
    # the longest formula, d(x0+...+x3)/dx0 = 1, is 20 characters: then two spaces
    assert header.index("local  ") - header.index("local derivative") == 20 + 2
