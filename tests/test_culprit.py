"""A failing gradcheck or gradgradcheck says where: the culprit node, or what else is wrong.

Each test plants one known mistake and checks that the report's last line
names it. Numbers in the expected sentences are worked out by hand (with math).
"""

from __future__ import annotations

import math
import re

import pytest

import autograd
from autograd import (
    Value,
    check_graph,
    check_hand_backward,
    check_hand_gradient,
    define_op,
    gradcheck,
    gradgradcheck,
)

# d(x²)/dx written as 4x: a factor of 2.
wrong_square = define_op("wc_square", lambda x: x * x, [lambda x, out: 4 * x],
                         ["d(x^2)/dx = 4x (wrong)"])
# Right as a number, but float() cuts it off the graph: second derivatives come out 0.
float_cube = define_op("wc_cube", lambda x: x**3, [lambda x, out: 3 * float(x) ** 2],
                       ["d(x^3)/dx = 3x^2"])


def last_line(report) -> str:
    return str(report).splitlines()[-1]


def one_sentence(text: str) -> bool:
    return text.endswith(".") and re.search(r"\.\s+[A-Z]", text) is None


def bigger(x, y):
    """A wrong op buried in a larger expression: sin(wc_square(tanh x)·y) + exp(y)·x."""
    return (wrong_square(x.tanh()) * y).sin() + y.exp() * x


# ------------------------------------------------------------ a wrong op


def test_gradcheck_names_the_wrong_op_inside_a_bigger_expression():
    x, y = Value(0.8, label="x"), Value(-1.3, label="y")
    report = gradcheck(bigger, [x, y])
    assert not report
    # topological order: x 0, tanh 1, wc_square 2, y 3, mul 4, sin 5, ...
    assert report.culprit is not None and report.culprit.name == "wc_square#2 input 1"
    assert report.culprit is report.node_check["wc_square#2 input 1"]
    assert [e.name for e in report.node_check.failures] == ["wc_square#2 input 1"]
    t = math.tanh(0.8)
    assert last_line(report) == (
        f"The culprit is wc_square#2 (op wc_square), input 1 (tanh#1): its rule "
        f"\"d(x^2)/dx = 4x (wrong)\" gives {4 * t:.6g} where finite differences of "
        f"wc_square's forward give {2 * t:.6g}.")
    assert one_sentence(last_line(report)) and report.diagnosis == last_line(report)


def test_the_culprit_is_the_first_wrong_node_in_forward_order():
    also_wrong = define_op("wc_also_wrong", math.sin, [lambda x, out: -autograd.cos(x)],
                           ["-cos(x) (wrong)"])
    report = gradcheck(lambda x: also_wrong(wrong_square(x)), [Value(0.7, label="x")])
    assert report.culprit.name == "wc_square#1 input 1"  # before wc_also_wrong#2
    assert {e.name for e in report.node_check.failures} == {"wc_square#1 input 1",
                                                            "wc_also_wrong#2 input 1"}


def test_a_wrong_rule_off_the_paths_from_the_inputs_is_not_blamed():
    # wc_square(c) with a constant c feeds the output but no input reaches it, so its
    # wrong rule never enters the gradient; the check fails for another reason.
    report = gradcheck(lambda x: x.relu() * wrong_square(Value(3.0)), [Value(0.0, label="x")])
    assert report.culprit is None
    assert "wc_square" not in [e.name.split("#")[0] for e in report.node_check]
    assert "relu#1 = relu(x) at x = 0 is not differentiable" in last_line(report)


def test_a_passing_check_runs_no_node_check():
    report = gradcheck(lambda x: x.tanh(), [0.3])
    assert report.culprit is None and report.node_check is None and report.diagnosis == ""


def test_raise_on_failure_carries_the_sentence():
    with pytest.raises(AssertionError, match="The culprit is wc_square#2"):
        gradcheck(bigger, [0.8, -1.3], raise_on_failure=True)


# -------------------------------------------- every rule is right, yet it fails


def test_a_function_returning_a_plain_float_is_told_so():
    report = gradcheck(lambda x: math.sin(x.data), [0.5])
    assert not report and report.culprit is None
    assert last_line(report).startswith("f returned a plain float (0.479426), not a Value")
    assert one_sentence(last_line(report))


def test_a_value_that_does_not_depend_on_the_inputs_is_told_so():
    report = gradcheck(lambda x: Value(x.data) * 2, [Value(1.5, label="x")])
    assert report.culprit is None
    assert last_line(report).startswith(
        "f's result does not depend on the Values it was given")
    assert "finite differences see 2:" in last_line(report)


def test_an_input_that_does_not_reach_the_output_is_named():
    report = gradcheck(lambda x, y: x * y.data, [Value(0.5, label="x"), Value(2.0, label="y")])
    assert [e.name for e in report.failures] == ["y"]
    assert report.culprit is None
    assert last_line(report).startswith("The input y does not reach the output")


def test_a_number_taken_from_an_input_is_found_as_a_constant():
    # x * x.data: the graph sees 1.5·x (derivative 1.5), f is x² (derivative 3).
    report = gradcheck(lambda x: x * x.data, [Value(1.5, label="x")])
    assert report.culprit is None
    assert last_line(report).startswith(
        "Every local rule is right, but const#1 = 1.5 is a constant of the graph that "
        "becomes 1.500001 when x moves by eps")


def test_a_graph_that_changes_with_the_input_is_told_so():
    # f(x) = x² for x <= 1, x³ above: at 1 the graph is x·x, the function has a corner.
    report = gradcheck(lambda x: x * x if x.data <= 1 else x * x * x, [Value(1.0, label="x")])
    assert report.culprit is None
    assert "f records a different graph when x moves by eps" in last_line(report)


def test_a_kink_is_explained_instead_of_a_bare_fail():
    report = gradcheck(lambda x: x.relu(), [Value(0.0, label="x")])
    assert not report and report.culprit is None
    assert last_line(report) == (
        "The check fails at a kink: relu#1 = relu(x) at x = 0 is not differentiable: the "
        "rule uses 0, finite differences see 0.5 (slope 0 on the left, 1 on the right).")
    assert [e.name for e in report.kinks] == ["relu#1 input 1"]


def test_a_point_within_eps_of_a_kink_is_told_so_not_blamed_on_eps_or_the_rule():
    # relu at 5e-7 with eps = 1e-6: x - eps = -5e-7 lies past the kink at 0. By hand,
    # f's slope on the left is (5e-7 - 0)/1e-6 = 0.5, on the right (1.5e-6 - 5e-7)/1e-6
    # = 1, and the central difference 0.75 mixes them; the rule's 1 is right.
    report = gradcheck(lambda x: x.relu(), [Value(5e-7, label="x")])
    assert not report and report.culprit is None
    assert report["x"].values == pytest.approx((1.0, 0.75))
    assert last_line(report) == (
        "The check fails because x = 5e-07 is within eps = 1e-06 of a kink of relu#1 "
        "(op relu): f's slopes on its two sides differ (0.5 on the left, 1 on the right), "
        "so the central difference 0.75 mixes them and means nothing there; relu#1's rule "
        "agrees with finite differences over a smaller step, so it is not at fault: check at "
        "a point further than eps from the kink.")


def test_a_kink_within_eps_inside_a_larger_function_is_named():
    # f = 3·relu(2x) at x = 3e-7: 2x - 2eps < 0. f(3e-7) = 1.8e-6, f(-7e-7) = 0,
    # f(1.3e-6) = 7.8e-6: slopes 1.8 on the left, 6 on the right; the engine says 6
    report = gradcheck(lambda x: (x * 2).relu() * 3, [3e-7])
    assert not report and report.culprit is None
    assert "within eps = 1e-06 of a kink of relu#3 (op relu)" in report.diagnosis
    assert "(1.8 on the left, 6 on the right)" in report.diagnosis
    assert "numerical" not in report.diagnosis and "another eps" not in report.diagnosis


def test_a_pole_within_eps_is_not_called_a_kink():
    # 1/x at 5e-7: x - eps = -5e-7 is past the pole at 0; the engine's -1/x² = -4e12
    # lies outside f's slopes (4e12 on the left, -1.33e12 on the right): not a corner
    report = gradcheck(lambda x: 1 / x, [5e-7])
    assert not report and report.culprit is None
    assert "kink" not in report.diagnosis
    assert "refined with eps/2" not in report.diagnosis  # it agrees at a smaller step
    assert ("at div#2 the rule agrees with finite differences only over a smaller step: "
            "a pole or a corner lies within eps") in report.diagnosis


def test_tolerances_finer_than_finite_differences_are_called_numerical():
    report = gradcheck(autograd.exp, [0.3], atol=0.0, rtol=0.0)
    assert not report and report.culprit is None
    assert "the disagreement is numerical" in last_line(report)
    assert "allows 0;" in last_line(report)


def test_near_a_pole_the_rules_are_right_and_eps_is_blamed():
    # log at 1e-5, eps = 1e-6: the central difference errs by 0.33 % (> rtol = 0.1 %).
    report = gradcheck(autograd.log, [1e-5])
    assert not report and report.culprit is None
    assert "the disagreement is numerical" in last_line(report)
    assert "at log#1 the rule agrees with finite differences only once they are refined" \
        in last_line(report)


# ------------------------------------------------------------ second order


def test_gradgradcheck_names_a_rule_that_leaves_the_graph():
    x, y = Value(1.5, label="x"), Value(0.5, label="y")
    report = gradgradcheck(lambda x, y: float_cube(x) * y + y.sin(), [x, y])
    assert not report
    assert report.culprit.name == "wc_cube#1 input 1 by input 1"
    assert report.culprit.values == pytest.approx((0.0, 9.0), abs=1e-5)  # 6x = 9
    assert last_line(report) == (
        "The culprit is wc_cube#1 (op wc_cube), input 1 (x): under create_graph the "
        "derivative of its rule \"d(x^3)/dx = 3x^2\" by input 1 (x) is 0 where finite "
        "differences of the rule give 9; called with Values the rule returns a plain "
        "number, so it leaves the graph (float(), .data or a math function in the rule?).")


def test_gradgradcheck_names_a_rule_half_cut_off_the_graph():
    # 3·x·x.data is a Value, but its derivative by x is 3·x.data = 4.5, not 6x = 9.
    half = define_op("wc_half_cut", lambda x: x**3, [lambda x, out: 3 * x * float(x)],
                     ["d(x^3)/dx = 3x^2"])
    report = gradgradcheck(lambda x: half(x), [Value(1.5, label="x")])
    assert report.culprit.name == "wc_half_cut#1 input 1 by input 1"
    assert report.culprit.values == pytest.approx((4.5, 9.0), abs=1e-5)
    assert "returns a plain number" not in report.diagnosis


def test_gradgradcheck_names_a_wrong_first_order_rule_first():
    report = gradgradcheck(lambda x: wrong_square(x) * x, [Value(0.7, label="x")])
    assert not report
    assert report.culprit.name == "wc_square#1 input 1"  # not a "by input" entry


def test_a_second_order_check_at_a_kink_is_explained():
    report = gradgradcheck(lambda x: x.relu() * x, [Value(0.0, label="x")])
    assert not report and report.culprit is None
    # relu has a corner at 0, so x·relu(x) has no second derivative there
    assert last_line(report).startswith(
        "The check fails at a kink: relu#1 = relu(x) at x = 0 is not differentiable")
    assert "relu#1 input 1 by input 1" in [e.name for e in report.kinks]


# ------------------------------------------------ nothing changes, anywhere


def _snapshot(values):
    nodes = {node for v in values for node in autograd.topological_order(v)}
    return {node: (node.data, node.grad) for node in nodes}


CHECKS = {
    "gradcheck (failing)": lambda x, y, out: gradcheck(bigger, [x, y]),
    "gradcheck (kink)": lambda x, y, out: gradcheck(lambda a: (a - x.data).relu(), [x]),
    "gradgradcheck (failing)": lambda x, y, out: gradgradcheck(
        lambda a, b: float_cube(a) * b, [x, y]),
    "check_graph": lambda x, y, out: check_graph(out),
    "check_graph order 2": lambda x, y, out: check_graph(out, order=2),
    "check_hand_gradient": lambda x, y, out: check_hand_gradient(
        lambda a, b: a * b, lambda a, b: (b, a + 1), [x, y]),
    "check_hand_backward": lambda x, y, out: check_hand_backward(
        lambda a, b: ((a * b).tanh(), {"p": a * b}),
        lambda a, b: {"p": 0.5, "x0": b}, [x, y]),
}


@pytest.mark.parametrize("check", list(CHECKS))
def test_no_check_changes_grad_or_data(check):
    x, y = Value(0.8, label="x"), Value(-1.3, label="y")
    out = bigger(x, y)
    out.backward()
    x.grad, y.grad = 5.0, -7.0  # something to keep
    before = _snapshot([out])
    CHECKS[check](x, y, out)
    assert _snapshot([out]) == before


def test_the_culprit_is_on_the_paths_of_the_inputs_that_fail():
    # x1 reaches the output only through badA(x1)·0, so its row is right (0 = 0) even
    # though badA's rule is wrong; x0's row fails (x0² given, 3x0² = 12 right at x0 = 2)
    bad_a = define_op("bad_a_for_test", forward=lambda x: x * x,
                      derivatives=[lambda x, out: 4 * x], formulas=["4x"])
    bad_b = define_op("bad_b_for_test", forward=lambda x: x ** 3,
                      derivatives=[lambda x, out: x * x], formulas=["x^2"])
    report = gradcheck(lambda x, y: bad_a(y) * 0.0 + bad_b(x), [2.0, 1.0])
    assert [e.status for e in report] == ["FAIL", "pass"]
    assert re.fullmatch(r"bad_b_for_test#\d+ input 1", report.culprit.name)
