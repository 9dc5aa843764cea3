"""check_graph: each node's local derivative against finite differences of its own op.

Expected numbers are worked out by hand in the comments. Wrong ops are declared
with `define_op` (names starting with "cg_", so they never clash with other tests).
"""

from __future__ import annotations

import math

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import autograd
from autograd import OPS, StaleGraphError, Value, check_graph, define_op
from autograd.core import is_built_in
from autograd.strategies import expressions_and_inputs, op_inputs

BUILT_IN = sorted(name for name in OPS if is_built_in(name))

# d(a·b)/da = b and d(a·b)/db = a, both written twice as large.
doubled_mul = define_op("cg_doubled_mul", lambda a, b: a * b,
                        [lambda a, b, out: 2 * b, lambda a, b, out: 2 * a],
                        ["d(a·b)/da = 2b (wrong)", "d(a·b)/db = 2a (wrong)"])


def names(report):
    return [entry.name for entry in report]


# ------------------------------------------------------------ a wrong op


def test_a_wrong_op_fails_exactly_its_own_entries():
    x, y = Value(0.4, label="x"), Value(-1.3, label="y")
    out = (doubled_mul(x.tanh(), y) + x * y).sin()
    report = check_graph(out)
    # topological order: x 0, tanh 1, y 2, cg_doubled_mul 3, mul 4, add 5, sin 6
    assert names(report) == ["tanh#1 input 1", "cg_doubled_mul#3 input 1",
                             "cg_doubled_mul#3 input 2", "mul#4 input 1", "mul#4 input 2",
                             "add#5 input 1", "add#5 input 2", "sin#6 input 1"]
    assert not report
    assert [e.name for e in report.failures] == ["cg_doubled_mul#3 input 1",
                                                 "cg_doubled_mul#3 input 2"]
    # the rule says 2y and 2·tanh(x); the op's true slopes are y and tanh(x)
    rule, numeric = report["cg_doubled_mul#3 input 1"].values
    assert rule == pytest.approx(-2.6) and numeric == pytest.approx(-1.3, abs=1e-8)
    rule, numeric = report["cg_doubled_mul#3 input 2"].values
    assert rule == pytest.approx(2 * math.tanh(0.4))
    assert numeric == pytest.approx(math.tanh(0.4), abs=1e-8)
    assert report.culprit is report["cg_doubled_mul#3 input 1"]
    assert not report.kinks


def test_one_wrong_rule_of_two_fails_only_that_input():
    half_wrong = define_op("cg_half_wrong", lambda a, b: a * b,
                           [lambda a, b, out: b, lambda a, b, out: b],  # d/db should be a
                           ["d(a·b)/da = b", "d(a·b)/db = b (wrong)"])
    a, b = Value(2.0, label="a"), Value(5.0, label="b")
    report = check_graph(half_wrong(a, b) * 3)
    assert [e.name for e in report.failures] == ["cg_half_wrong#2 input 2"]
    assert report["cg_half_wrong#2 input 2"].values == pytest.approx((5.0, 2.0), abs=1e-8)
    assert report["cg_half_wrong#2 input 1"].passed and report["mul#4 input 1"].passed


def test_the_culprit_is_the_first_wrong_node_in_forward_order():
    x = Value(1.5, label="x")
    inner = doubled_mul(x, x)                  # x 0, cg_doubled_mul 1
    out = doubled_mul(inner.sin(), inner)      # sin 2, cg_doubled_mul 3
    report = check_graph(out)
    assert [e.name for e in report.failures] == ["cg_doubled_mul#1 input 1",
                                                 "cg_doubled_mul#1 input 2",
                                                 "cg_doubled_mul#3 input 1",
                                                 "cg_doubled_mul#3 input 2"]
    assert report.culprit.name == "cg_doubled_mul#1 input 1"


def test_the_last_line_names_node_op_input_values_and_formula():
    x, y = Value(0.4, label="x"), Value(-1.3, label="y")
    report = check_graph(doubled_mul(x, y))
    assert str(report).splitlines()[-1] == (
        'The culprit is cg_doubled_mul#2 (op cg_doubled_mul), input 1 (x): its rule '
        '"d(a·b)/da = 2b (wrong)" gives -2.6 where finite differences of cg_doubled_mul\'s '
        'forward give -1.3.')


def test_constants_get_no_entry():
    x = Value(3.0, label="x")
    report = check_graph(2 * x + 1)  # const 0, x 1, mul 2, const 3, add 4
    assert names(report) == ["mul#2 input 2", "add#4 input 1"]
    assert report["mul#2 input 2"].values[0] == 2.0  # d(2x)/dx


def test_a_leaf_alone_has_no_entries_and_passes():
    report = check_graph(Value(1.0))
    assert report and len(report) == 0


def test_the_same_parent_twice_is_two_inputs():
    x = Value(3.0, label="x")
    report = check_graph(x * x)  # d(a·b)/da = b = 3 and d(a·b)/db = a = 3, each alone
    assert names(report) == ["mul#1 input 1", "mul#1 input 2"]
    assert [e.values[0] for e in report] == [3.0, 3.0]
    assert all(e.values[1] == pytest.approx(3.0, abs=1e-8) for e in report)


def test_settings_are_held_fixed():
    x = Value(2.0, label="x")
    report = check_graph(x**3 + autograd.clamp(x, -1, 3) + autograd.leaky_relu(-x, 0.2))
    assert report and not report.kinks
    assert report["pow#1 input 1"].values[0] == 12.0  # 3x² at 2
    assert report["leaky_relu#5 input 1"].values[0] == 0.2  # the slope for -x < 0


# ------------------------------------------------------------------ kinks


@pytest.mark.parametrize(
    ("make", "name", "rule", "central", "left", "right"),
    [
        (lambda x: x.relu(), "relu#1 input 1", 0.0, 0.5, 0.0, 1.0),
        (lambda x: x.abs(), "abs#1 input 1", 0.0, 0.0, -1.0, 1.0),
        (lambda x: autograd.maximum(x, 0.0), "maximum#2 input 1", 0.5, 0.5, 0.0, 1.0),
        (lambda x: x.clamp(0.0, 1.0), "clamp#1 input 1", 1.0, 0.5, 0.0, 1.0),
    ],
)
def test_a_kink_is_reported_and_does_not_fail(make, name, rule, central, left, right):
    x = Value(0.0, label="x")
    report = check_graph(make(x) * 2)
    assert report, str(report)
    entry = report[name]
    assert entry.kink and entry.passed and entry.status == "kink"
    assert entry.values == pytest.approx((rule, central), abs=1e-9)
    assert report.kinks == [entry]
    assert f"slope {left:g} on the left, {right:g} on the right" in entry.note
    assert "1 at a kink" in report.verdict()
    assert str(report).splitlines()[2].endswith("kink")


def test_the_relu_kink_is_explained_in_words():
    report = check_graph(Value(0.0, label="x").relu())
    assert ("relu(x) at x = 0 is not differentiable: the rule uses 0, finite differences "
            "see 0.5") in report["relu#1 input 1"].note
    assert "note: relu#1 input 1: relu#1 = relu(x) at x = 0" in str(report)


def test_a_custom_op_with_a_corner_is_a_kink_when_its_rule_picks_a_side():
    # f(x) = x for x > 0, 3x for x <= 0: slopes 3 on the left, 1 on the right.
    corner = define_op("cg_corner", lambda x: x if x > 0 else 3 * x,
                       [lambda x, out: 1.0 if x > 0 else 3.0], ["1 if x > 0 else 3"])
    report = check_graph(corner(Value(0.0, label="x")))
    entry = report["cg_corner#1 input 1"]
    assert entry.kink and entry.passed
    assert entry.values == pytest.approx((3.0, 2.0), abs=1e-9)  # central: (1 + 3)/2


def test_a_rule_outside_the_slopes_at_a_corner_fails():
    corner = define_op("cg_bad_corner", lambda x: abs(x),
                       [lambda x, out: 1.0 if x > 0 else (-1.0 if x < 0 else 5.0)],
                       ["sign(x), and 5 at 0 (wrong)"])
    report = check_graph(corner(Value(0.0, label="x")))
    entry = report["cg_bad_corner#1 input 1"]
    assert entry.kink and not entry.passed and entry.status == "FAIL"
    assert "outside the slopes on either side (-1 on the left, 1 on the right)" in entry.note
    assert report.culprit is entry and "is wrong at a kink" in report.diagnosis


def test_a_corner_just_beside_the_point_is_no_kink():
    # relu at x = 3e-7 is differentiable (slope 1), but x - eps < 0: with eps = 1e-6 the
    # left slope is 0.3 and the central difference 0.65; with eps/4 the corner is out of reach.
    report = check_graph(Value(3e-7, label="x").relu())
    entry = report["relu#1 input 1"]
    assert entry.passed and not entry.kink
    assert entry.values == pytest.approx((1.0, 1.0), abs=1e-6)
    assert "finite differences see 0.65 (a pole or a corner within eps)" in entry.note


def test_a_jump_is_a_kink_whatever_the_rule_says():
    step = define_op("cg_step", lambda x: 1.0 if x > 0 else 0.0, [0.0], ["0"])
    entry = check_graph(step(Value(0.0, label="x")))["cg_step#1 input 1"]
    assert entry.kink and entry.passed and "it jumps there" in entry.note
    assert entry.values == pytest.approx((0.0, 0.5 / 1e-6))  # (1 - 0)/(2 eps)


def test_a_pole_beside_the_point_is_not_taken_for_a_jump_that_excuses_a_wrong_rule():
    # 1/x at 3e-7 with eps = 1e-6: the step +-eps straddles the pole and looks like a jump;
    # with eps/4 it does not, and there the wrong sign of the rule shows.
    wrong = define_op("cg_recip_wrong", lambda x: 1 / x, [lambda x, out: 1 / x**2],
                      ["1/x² (sign wrong)"])
    report = check_graph(wrong(Value(3e-7, label="x")))
    entry = report["cg_recip_wrong#1 input 1"]
    assert not entry.passed and not entry.kink
    assert report.culprit is entry


def test_a_rule_that_fails_at_a_kink_fails_and_asks_for_a_slope():
    # backward() would raise there: the check must not pass it as a kink
    sign_rule = define_op("cg_abs_sign", abs, [lambda x, out: x / abs(x)], ["x/|x|"])
    report = check_graph(sign_rule(Value(0.0, label="x")))
    entry = report["cg_abs_sign#1 input 1"]
    assert not entry.passed and entry.kink
    assert "a slope between -1 (left) and 1 (right)" in entry.note
    assert not report


def test_smooth_ops_off_their_kinks_are_not_kinks():
    x = Value(0.3, label="x")
    report = check_graph(x.relu() + x.abs() + autograd.maximum(x, 0.1) + x.clamp(0, 1))
    assert report and not report.kinks


# ------------------------------------------- where finite differences struggle


def test_a_step_outside_the_domain_is_not_checked_and_says_why():
    x = Value(1e-9, label="x")
    report = check_graph(x.sqrt() * 2)  # sqrt at 1e-9 - 1e-6 does not exist
    entry = report["sqrt#1 input 1"]
    assert entry.passed and not entry.checked and entry.status == "n/a"
    assert entry.values[0] == pytest.approx(0.5 / math.sqrt(1e-9))  # the rule still shows
    assert math.isnan(entry.values[1])
    assert "not checked" in entry.note and "sqrt(-9.99e-07)" in entry.note
    assert "input - eps" in entry.note
    assert report and report.verdict() == "PASSED (1 not checked)"
    assert report.unchecked == [entry]
    assert "n/a" in str(report)


def test_near_a_singularity_the_rule_passes_against_refined_differences():
    # log at 1e-5 with eps = 1e-6: the central difference errs by f'''·eps²/6 = 0.33 %.
    report = check_graph(Value(1e-5, label="x").log())
    entry = report["log#1 input 1"]
    assert entry.passed and entry.checked and not entry.kink
    assert entry.values[0] == pytest.approx(1e5)
    assert entry.values[1] == pytest.approx(1e5, rel=1e-5)  # the refined estimate
    assert "refined with eps/2" in entry.note


def test_near_a_singularity_a_wrong_rule_still_fails():
    bad_log = define_op("cg_bad_log", math.log, [lambda x, out: 1.01 / x], ["1.01/x (wrong)"])
    report = check_graph(bad_log(Value(1e-5, label="x")))
    assert not report and report.failures[0].name == "cg_bad_log#1 input 1"


def test_order_2_reports_a_rule_that_returns_no_number_instead_of_raising():
    no_number = define_op("cg_no_number", lambda x: x * x, [lambda x, out: None], ["None"])
    report = check_graph(no_number(Value(2.0, label="x")), order=2)
    assert not report and "the rule fails" in report["cg_no_number#1 input 1"].note


def test_a_rule_that_fails_where_the_op_is_smooth_fails_and_says_why():
    broken = define_op("cg_broken", lambda x: x * x,
                       [lambda x, out: 1 / (x - 2)], ["1/(x - 2) (wrong)"])
    report = check_graph(broken(Value(2.0, label="x")))
    entry = report["cg_broken#1 input 1"]
    assert not entry.passed and "the rule fails" in entry.note
    assert "fails (cannot differentiate cg_broken(2)" in report.diagnosis


# ---------------------------------------------------------------- order 2


def test_order_2_checks_each_rule_under_create_graph():
    cube = define_op("cg_cube", lambda x: x**3, [lambda x, out: 3 * float(x) ** 2],
                     ["d(x^3)/dx = 3x^2"])
    x = Value(1.5, label="x")
    first = check_graph(cube(x))
    assert first  # the number 3x² = 6.75 is right
    second = check_graph(cube(x), order=2)
    assert names(second) == ["cg_cube#1 input 1", "cg_cube#1 input 1 by input 1"]
    entry = second["cg_cube#1 input 1 by input 1"]
    assert not entry.passed
    assert entry.values == pytest.approx((0.0, 9.0), abs=1e-5)  # float() cuts it; 6x = 9
    assert "returns a plain number" in second.diagnosis


def test_order_2_of_a_product_has_the_mixed_derivatives():
    a, b = Value(2.0, label="a"), Value(5.0, label="b")
    report = check_graph(a * b, order=2)
    # rule for a is b: d/da = 0, d/db = 1; rule for b is a: d/da = 1, d/db = 0
    assert names(report) == ["mul#2 input 1", "mul#2 input 1 by input 1",
                             "mul#2 input 1 by input 2", "mul#2 input 2",
                             "mul#2 input 2 by input 1", "mul#2 input 2 by input 2"]
    assert [e.values[0] for e in report] == [5.0, 0.0, 1.0, 2.0, 1.0, 0.0]
    assert report


def test_order_2_needs_recording():
    x = Value(1.0)
    y = x * x
    with autograd.no_grad(), pytest.raises(RuntimeError, match="outside no_grad"):
        check_graph(y, order=2)


# ------------------------------------------------------- nothing changes


def test_check_graph_changes_no_grad_and_no_data():
    x, y = Value(0.4, label="x"), Value(-1.3, label="y")
    out = (doubled_mul(x.tanh(), y) + x.relu() * y).sin()
    out.backward()
    nodes = autograd.topological_order(out)
    before = [(node.data, node.grad) for node in nodes]
    check_graph(out)
    check_graph(out, order=2)
    assert [(node.data, node.grad) for node in nodes] == before


def test_a_graph_changed_after_it_was_built_is_refused():
    x = Value(2.0)
    y = x.exp()
    x.data = 3.0
    with pytest.raises(StaleGraphError):
        check_graph(y)


@pytest.mark.parametrize(
    ("kwargs", "error", "words"),
    [
        ({"eps": 0.0}, ValueError, "eps"),
        ({"atol": -1.0}, ValueError, "atol"),
        ({"order": 3}, ValueError, "order must be 1 or 2"),
        ({"order": 1.5}, TypeError, "order"),
    ],
)
def test_bad_settings_are_clear_errors(kwargs, error, words):
    with pytest.raises(error, match=words):
        check_graph(Value(1.0) * 2, **kwargs)


def test_the_root_must_be_a_value():
    with pytest.raises(TypeError, match="check_graph needs a Value"):
        check_graph(3.0)


# ------------------------------------------- every built-in op (hypothesis)


def _graph(name, args, settings):
    leaves = [Value(a, label=f"x{i}") for i, a in enumerate(args)]
    return OPS[name](*leaves, *settings)


@pytest.mark.parametrize("name", BUILT_IN)
@given(data=st.data())
def test_every_built_in_op_passes_with_no_kink_inside_its_domain(name, data):
    args, settings = data.draw(op_inputs(name), label="inputs, settings")
    out = _graph(name, args, settings)
    report = check_graph(out.sin() * 1.5)  # the op, then a chain after it
    assert report and not report.kinks and not report.unchecked, \
        f"{name}{args} {settings}\n{report}"


@pytest.mark.parametrize("name", BUILT_IN)
@given(data=st.data())
def test_every_built_in_rule_is_right_under_create_graph(name, data):
    args, settings = data.draw(op_inputs(name), label="inputs, settings")
    report = check_graph(_graph(name, args, settings), order=2)
    assert report and not report.kinks and not report.unchecked, \
        f"{name}{args} {settings}\n{report}"


@given(expressions_and_inputs(["x", "y", "z"], max_depth=4))
def test_random_expressions_of_built_in_ops_pass(case):
    expression, point = case
    out = expression(*[Value(p, label=n) for p, n in zip(point, expression.variables)])
    assume(isinstance(out, Value))  # an expression without a variable is a number
    report = check_graph(out)
    assert report and not report.kinks, f"{expression} at {point}\n{report}"


def test_a_rule_that_rounding_hides_is_not_called_checked():
    # f = x² + 1e8 at x = 1: f' = 2, but f's rounding (about 1e8 · 2e-16 / 1e-6 per
    # difference quotient) is larger than the tolerance: 2.3 must not pass as checked
    shifted = define_op("shifted_square_for_test", forward=lambda x: x * x + 1e8,
                        derivatives=[lambda x, out: 2 * x + 0.3], formulas=["2x + 0.3"])
    report = check_graph(shifted(Value(1.0)))
    (entry,) = report
    assert entry.status == "n/a" and not entry.checked
    assert "cannot tell the rule's 2.3" in entry.note
    # and gradcheck, which sees 2.3 against 2.0, does not call every rule right
    from autograd import gradcheck
    assert gradcheck(shifted, [1.0]).diagnosis.startswith(
        "No local derivative that could be checked is wrong, but shifted_square_for_test#1 "
        "input 1 could not be checked (finite differences are only good to about")
