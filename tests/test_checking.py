"""Gradient checking: numerical_grad, gradcheck, gradgradcheck, check_hand_gradient.

Expected derivatives are worked out by hand in the comments; wrong ops are
declared with `define_op` so that each check must catch a known mistake.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import autograd
from autograd import (
    Value,
    check_hand_gradient,
    define_op,
    gradcheck,
    gradgradcheck,
    numerical_grad,
)
from autograd.checks.checking import GradcheckReport, is_close

# ------------------------------------------------------------ numerical_grad


def test_numerical_grad_of_a_cube_is_three_x_squared():
    (g,) = numerical_grad(lambda x: x**3, [2.0])
    assert g == pytest.approx(12.0, abs=1e-6)  # 3·2² = 12


def test_numerical_grad_gives_one_float_per_input():
    grads = numerical_grad(lambda x, y: x * y + y, [3.0, 4.0])
    assert isinstance(grads, tuple) and all(type(g) is float for g in grads)
    assert grads == pytest.approx((4.0, 4.0), abs=1e-6)  # (y, x + 1)


def test_numerical_grad_accepts_values_and_functions_that_return_numbers():
    x = Value(0.5, label="x")
    (g,) = numerical_grad(lambda v: math.sin(v.data), [x])  # a float, not a Value
    assert g == pytest.approx(math.cos(0.5), abs=1e-8)
    assert x.data == 0.5 and x.grad == 0.0


def test_numerical_grad_calls_f_with_values_labelled_like_the_inputs():
    seen = []

    def f(a, b):
        seen.append((type(a), a.label, b.label))
        return a * b

    numerical_grad(f, [Value(1.0, label="w"), 2.0])
    assert seen and all(entry == (Value, "w", "x1") for entry in seen)


def test_numerical_grad_error_shrinks_like_eps_squared():
    # exp'''(0) = 1: the central difference errs by about eps²/6.
    big = abs(numerical_grad(autograd.exp, [0.0], eps=1e-2)[0] - 1.0)
    small = abs(numerical_grad(autograd.exp, [0.0], eps=1e-3)[0] - 1.0)
    assert big == pytest.approx(1e-4 / 6, rel=0.01)
    assert small < big / 50


@pytest.mark.parametrize(
    ("inputs", "error", "words"),
    [
        (3.0, TypeError, "list or tuple"),
        ([], ValueError, "at least one"),
        (["a"], TypeError, "x0 must be a number"),
        ([True], TypeError, "bool"),
        ([math.nan], ValueError, "x0 is nan"),
        ([1.0, math.inf], ValueError, "x1 is inf"),
    ],
)
def test_numerical_grad_refuses_bad_inputs_with_a_clear_message(inputs, error, words):
    with pytest.raises(error, match=words):
        numerical_grad(lambda *xs: xs[0], inputs)


@pytest.mark.parametrize("eps", [0.0, -1e-6, math.nan, math.inf])
def test_eps_must_be_a_positive_finite_number(eps):
    with pytest.raises(ValueError, match="eps"):
        numerical_grad(lambda x: x, [1.0], eps=eps)
    with pytest.raises(ValueError, match="eps"):
        gradcheck(lambda x: x, [1.0], eps=eps)


@pytest.mark.parametrize("eps", [5e-324, 1e-310])
def test_an_eps_too_small_to_step_by_its_sixteenth_is_refused_naming_the_least(eps):
    # before, at 5e-324: ZeroDivisionError "float division by zero" (eps/4 is 0.0)
    words = rf"eps must be at least 1e-300 \(the check also steps by eps/16.*got {eps!r}"
    for check in (lambda: gradcheck(lambda x: x * x, [1.0], eps=eps),
                  lambda: check_hand_gradient(lambda x: x * x, lambda x: 2 * x, [1.0], eps=eps)):
        with pytest.raises(ValueError, match=words):
            check()
    assert gradcheck(lambda x: x * x, [1.0], eps=1e-300).entries  # the least still runs


def test_f_must_return_a_value_or_a_number():
    with pytest.raises(TypeError, match="f must return a Value or a number, got list"):
        numerical_grad(lambda x: [x], [1.0])


def test_a_step_outside_the_domain_names_the_input():
    with pytest.raises(ValueError, match=r"r = 1e-07 - 1e-06.*log"):
        numerical_grad(autograd.log, [Value(1e-7, label="r")])


# ----------------------------------------------------------------- gradcheck


def test_gradcheck_passes_a_correct_function_and_prints_a_table():
    report = gradcheck(lambda x, y: autograd.log(1 + autograd.exp(x * y)), [0.3, -2.0])
    assert report and report.passed and not report.failures
    text = str(report)
    for word in ("gradcheck", "PASSED", "analytic", "numeric", "abs err", "rel err", "pass"):
        assert word in text
    # d/dx log(1 + e^(xy)) = y·σ(xy), d/dy = x·σ(xy), with σ(-0.6) = 1/(1 + e^0.6)
    sigma = 1 / (1 + math.exp(0.6))
    assert report["x0"].values[0] == pytest.approx(-2.0 * sigma, rel=1e-12)
    assert report["x1"].values[0] == pytest.approx(0.3 * sigma, rel=1e-12)


def test_rows_are_named_by_labels_else_by_position():
    report = gradcheck(lambda a, b, c: a * b * c, [Value(1.0, label="w"), 2.0, Value(3.0)])
    assert [entry.name for entry in report] == ["w", "x1", "x2"]
    assert len(report) == 3 and report[1] is report["x1"]


def test_gradcheck_does_not_touch_the_callers_values():
    x = Value(0.7, label="x")
    x.grad = 5.0
    gradcheck(lambda v: v.tanh() * v, [x])
    assert x.data == 0.7 and x.grad == 5.0 and x.label == "x"


def test_the_same_value_passed_twice_is_two_separate_inputs():
    x = Value(3.0)
    report = gradcheck(lambda a, b: a * b, [x, x])  # ∂(ab)/∂a = b = 3, ∂/∂b = a = 3
    assert report
    assert [e.values[0] for e in report] == [3.0, 3.0]


def test_a_derivative_below_atol_passes_with_a_note_saying_how_little_was_checked():
    # x³ at x = 1e-3: 3x² = 3e-6; a rule 4 times too large passes within atol = 1e-5
    cube = define_op("cube_small_for_test", forward=lambda x: x ** 3,
                     derivatives=[lambda x, out: 12 * x * x], formulas=["12x^2"])
    report = gradcheck(cube, [1e-3])
    assert report
    assert "checked only to within it" in report["x0"].note
    assert not gradcheck(cube, [1e-3], atol=1e-9)
    assert gradcheck(lambda x: x * 0.0, [1.0])["x0"].note == ""  # a zero is no such case


@pytest.mark.parametrize("call, message", [
    (lambda: gradcheck(3, [1.0]), "gradcheck: f must be a function, got int 3"),
    (lambda: gradgradcheck(lambda x: x * x, [1.0, 2.0]),
     r"gradgradcheck: f is called with 2 argument\(s\), one per input, but its signature "
     r"is \(x\)"),
    (lambda: check_hand_gradient(None, lambda x: x, [1.0]),
     "check_hand_gradient: loss_fn must be a function, got NoneType None"),
    (lambda: check_hand_gradient(lambda x: x * x, lambda x, y: x, [1.0]),
     r"check_hand_gradient: grad_fn is called with 1 argument\(s\)"),
])
def test_the_functions_given_to_a_check_are_checked_first(call, message):
    with pytest.raises(TypeError, match=message):
        call()


def test_inputs_with_the_same_label_get_rows_of_their_own():
    # ∂(ab)/∂a = b = 2 and ∂(ab)/∂b = a = 3; by label alone, report["v"] was the first row
    report = gradcheck(lambda a, b: a * b, [Value(3.0, label="v"), Value(2.0, label="v")])
    assert [e.name for e in report] == ["v (input 0)", "v (input 1)"]
    assert report["v (input 1)"].values[0] == 3.0


def test_a_function_that_ignores_its_inputs_has_zero_gradient():
    report = gradcheck(lambda x: 4.0, [1.0])
    assert report and report["x0"].values == (0.0, 0.0)


def test_report_lookup_of_an_unknown_entry_is_a_key_error_listing_entries():
    report = gradcheck(lambda x: x, [1.0])
    with pytest.raises(KeyError, match="x0"):
        report["nope"]


def _wrong_ops():
    """Custom ops, each with a classic mistake in one local derivative."""
    twice = define_op(  # d(x²)/dx written as 4x: a factor of 2
        "square", forward=lambda x: x * x,
        derivatives=[lambda x, out: 4 * x], formulas=["d(x^2)/dx = 4x (wrong)"])
    sign = define_op(  # d sin/dx written as -cos: a sign
        "my_sin", forward=math.sin,
        derivatives=[lambda x, out: -autograd.cos(x)], formulas=["-cos(x) (wrong)"])
    missing = define_op(  # d(a·b + a)/da written as b: the "+ 1" forgotten
        "mul_add", forward=lambda a, b: a * b + a,
        derivatives=[lambda a, b, out: b, lambda a, b, out: a],
        formulas=["d/da = b (wrong)", "d/db = a"])
    return {
        "factor of 2": (lambda x, y: twice(x) + y, "x"),
        "sign": (lambda x, y: sign(x) * y, "x"),
        "missing term": (lambda x, y: missing(x, y), "x"),
    }


@pytest.mark.parametrize("mistake", ["factor of 2", "sign", "missing term"])
def test_gradcheck_catches_a_wrong_local_derivative_and_names_the_input(mistake):
    f, wrong_input = _wrong_ops()[mistake]
    report = gradcheck(f, [Value(0.8, label="x"), Value(-1.3, label="y")])
    assert not report
    assert [entry.name for entry in report.failures] == [wrong_input]
    assert report["y"].passed
    failing_rows = [line for line in str(report).splitlines() if line.endswith("FAIL")]
    assert len(failing_rows) == 1 and failing_rows[0].startswith("x ")
    assert "FAILED (1 of 2 entries)" in str(report)


def test_raise_on_failure_raises_assertion_error_with_the_table():
    f, _ = _wrong_ops()["sign"]
    with pytest.raises(AssertionError, match=r"(?s)gradcheck: FAILED.*x0 .*FAIL"):
        gradcheck(f, [0.8, 2.0], raise_on_failure=True)
    assert gradcheck(lambda x: x * x, [0.8], raise_on_failure=True)  # no raise when it passes


def test_the_html_table_marks_failures_for_jupyter():
    f, _ = _wrong_ops()["factor of 2"]
    page = gradcheck(f, [Value(0.8, label="x<1>"), 1.0])._repr_html_()
    assert "<table>" in page and "FAIL" in page and "x&lt;1&gt;" in page
    assert page.count("<tr") == 3  # the header and one row per input


def test_tolerance_is_atol_plus_rtol_times_the_reference():
    assert is_close(1.0 + 0.9e-3, 1.0, atol=0.0, rtol=1e-3)
    assert not is_close(1.0 + 1.1e-3, 1.0, atol=0.0, rtol=1e-3)
    assert is_close(0.9e-5, 0.0, atol=1e-5, rtol=1e-3)
    assert not is_close(1.1e-5, 0.0, atol=1e-5, rtol=1e-3)
    assert not is_close(math.nan, 1.0) and not is_close(math.inf, math.inf)


def test_gradcheck_uses_its_tolerances():
    # exp at 0: analytic 1, numeric 1 + about eps²/6: fails with a tiny rtol and atol.
    assert gradcheck(autograd.exp, [0.0], eps=1e-2)
    assert not gradcheck(autograd.exp, [0.0], eps=1e-2, atol=0.0, rtol=1e-6)


@given(st.floats(-3, 3), st.floats(-3, 3))
def test_gradcheck_passes_every_smooth_two_input_formula_we_try(x, y):
    f = lambda a, b: autograd.tanh(a * b) + autograd.sin(a) * b**2 + a / (b * b + 1)
    assert gradcheck(f, [x, y]), str(gradcheck(f, [x, y]))


# ------------------------------------------------------------- gradgradcheck


def test_gradgradcheck_of_x_squared_y_matches_the_hand_hessian():
    # f = x²y: H = [[2y, 2x], [2x, 0]] = [[10, 6], [6, 0]] at x = 3, y = 5
    report = gradgradcheck(lambda x, y: x * x * y, [Value(3.0, label="x"), Value(5.0, label="y")])
    assert report
    assert [e.name for e in report] == ["∂²f/∂x²", "∂²f/∂x∂y", "∂²f/∂y∂x", "∂²f/∂y²"]
    assert [e.values[0] for e in report] == pytest.approx([10.0, 6.0, 6.0, 0.0])


def test_gradgradcheck_catches_a_rule_that_is_right_only_to_first_order():
    # float(x) cuts the rule off the graph: first derivatives right, second ones 0.
    cube = define_op("cube", forward=lambda x: x**3,
                     derivatives=[lambda x, out: 3 * float(x) ** 2],
                     formulas=["d(x^3)/dx = 3x^2"])
    assert gradcheck(cube, [1.5])
    report = gradgradcheck(cube, [1.5])
    assert not report
    assert report["∂²f/∂x0²"].values == pytest.approx((0.0, 9.0), abs=1e-5)  # 6x = 9


@pytest.mark.parametrize("f", [
    define_op("cube_wrong_first_for_test", forward=lambda x: x**3,
              derivatives=[lambda x, out: 2 * x * x], formulas=["2x^2"]),  # 3x² is right
    lambda x: x.data ** 3 + x * 0,  # the engine sees no x³ at all
])
def test_gradgradcheck_fails_when_the_first_derivatives_it_builds_on_are_wrong(f):
    # the Hessian's differences are taken of the engine's first derivative: with that
    # wrong, they agree with a wrong second derivative (8 or 0 for 6x = 12 at x = 2)
    report = gradgradcheck(f, [2.0])
    assert not report
    assert not report["∂f/∂x0"].passed
    assert report["∂f/∂x0"].values[1] == pytest.approx(12.0, rel=1e-6)  # 3x² at 2, numeric
    assert any("first derivatives" in note for note in report.notes)


def test_gradgradcheck_of_a_linear_function_is_all_zeros():
    report = gradgradcheck(lambda x, y: 2 * x - y, [1.0, 2.0])
    assert report and all(e.values == (0.0, 0.0) for e in report)


def test_gradgradcheck_raise_on_failure():
    cube = define_op("cube", forward=lambda x: x**3,
                     derivatives=[lambda x, out: 3 * float(x) ** 2], formulas=["3x^2"])
    with pytest.raises(AssertionError, match="gradgradcheck: FAILED"):
        gradgradcheck(cube, [1.5], raise_on_failure=True)


# ------------------------------------------------------- check_hand_gradient
#
# Multiclass hinge loss (seed 000): L = Σ_{j≠y} max(0, s_j − s_y + 1).
# With margin_j = s_j − s_y + 1:  ∂L/∂s_j = 1[margin_j > 0] for j ≠ y,
# and ∂L/∂s_y = −Σ_{j≠y} 1[margin_j > 0].


def hinge(scores, y):
    return sum(max(0, s - scores[y] + 1) for j, s in enumerate(scores) if j != y)


def hinge_gradient(scores, y):
    positive = [j != y and scores[j] - scores[y] + 1 > 0 for j in range(len(scores))]
    return [-float(sum(positive)) if j == y else float(positive[j]) for j in range(len(scores))]


def sign_flipped_hinge_gradient(scores, y):
    return [-g for g in hinge_gradient(scores, y)]


SCORES = [2.2, 2.5, 0.3, 2.0]  # y = 1: margins 0.7, -, -1.2, 0.5 -> gradient [1, -2, 0, 1]


def test_the_correct_hinge_gradient_passes():
    report = check_hand_gradient(lambda s: hinge(s, 1), lambda s: hinge_gradient(s, 1),
                                 [SCORES], names=["s"])
    assert report
    assert [e.name for e in report] == ["s[0]", "s[1]", "s[2]", "s[3]"]
    assert [e.values[0] for e in report] == [1.0, -2.0, 0.0, 1.0]  # the hand formula
    assert [e.values[1] for e in report] == [1.0, -2.0, 0.0, 1.0]  # the engine
    assert "hand" in str(report) and "engine" in str(report)


def test_a_sign_flipped_hinge_gradient_fails_naming_the_entries():
    report = check_hand_gradient(lambda s: hinge(s, 1),
                                 lambda s: sign_flipped_hinge_gradient(s, 1),
                                 [SCORES], names=["s"])
    assert not report
    assert [e.name for e in report.failures] == ["s[0]", "s[1]", "s[3]"]  # s[2]: 0 = -0
    assert report["s[1]"].abs_error == pytest.approx(4.0)  # +2 instead of -2
    assert "s[1]" in str(report) and "FAILED (3 of 4 entries)" in str(report)


@given(st.lists(st.floats(-3, 3), min_size=2, max_size=6), st.data())
def test_the_hinge_gradient_passes_at_any_point_off_the_kinks(scores, data):
    y = data.draw(st.integers(0, len(scores) - 1))
    assume(all(abs(s - scores[y] + 1) > 1e-3 for j, s in enumerate(scores) if j != y))
    report = check_hand_gradient(lambda s: hinge(s, y), lambda s: hinge_gradient(s, y), [scores])
    assert report, str(report)


def linear_hinge(W, x, y):
    scores = [sum(w * xi for w, xi in zip(row, x)) for row in W]
    return hinge(scores, y)


def linear_hinge_gradient(W, x, y, forget_the_correct_row=False):
    """dL/dW = c xᵀ with c = the score gradient above (seed 000: dL/dW = Cᵀ X)."""
    scores = [sum(w * xi for w, xi in zip(row, x)) for row in W]
    c = hinge_gradient(scores, y)
    if forget_the_correct_row:
        c[y] = 0.0
    dW = [[c_k * xi for xi in x] for c_k in c]
    dx = [sum(c[k] * W[k][i] for k in range(len(W))) for i in range(len(x))]
    return dW, dx


W = [[0.2, -0.5, 1.0], [1.5, 1.3, 0.1], [0.4, 0.25, -0.3]]
X = [1.0, 0.5, -2.0]  # scores: -2.05, 1.95, 1.125; y = 2: margins -2.175, 1.825


def test_hand_gradient_of_a_weight_matrix_passes_and_names_entries_like_w_1_2():
    report = check_hand_gradient(lambda w, x: linear_hinge(w, x, 2),
                                 lambda w, x: linear_hinge_gradient(w, x, 2), [W, X],
                                 names=["W", "x"])
    assert report
    assert report["W[1][2]"].values[0] == -2.0  # 1[margin_1 > 0] · x_2 = 1 · -2
    assert [e.name for e in report][:4] == ["W[0][0]", "W[0][1]", "W[0][2]", "W[1][0]"]
    assert len(report) == 9 + 3


def test_a_forgotten_row_is_named_entry_by_entry():
    report = check_hand_gradient(
        lambda w, x: linear_hinge(w, x, 2),
        lambda w, x: linear_hinge_gradient(w, x, 2, forget_the_correct_row=True),
        [W, X], names=["W", "x"])
    assert {e.name for e in report.failures} == {"W[2][0]", "W[2][1]", "W[2][2]", "x[0]",
                                                  "x[1]", "x[2]"}
    assert report["W[2][2]"].abs_error == pytest.approx(2.0)  # hand 0, engine -1·-2


def test_grad_fn_gets_floats_and_loss_fn_gets_values():
    seen = {}

    def loss(w):
        seen["loss"] = type(w[0])
        return w[0] * w[1]

    def formula(w):
        seen["grad"] = type(w[0])
        return [w[1], w[0]]

    assert check_hand_gradient(loss, formula, [[2.0, 3.0]])
    assert seen == {"loss": Value, "grad": float}


def test_several_scalar_inputs_and_a_tuple_of_gradients():
    assert check_hand_gradient(lambda a, b: a * a * b, lambda a, b: (2 * a * b, a * a),
                               [1.5, -2.0])
    assert not check_hand_gradient(lambda a, b: a * a * b, lambda a, b: (a * b, a * a),
                                   [1.5, -2.0])


def test_a_gradient_of_the_wrong_shape_is_a_clear_error():
    with pytest.raises(ValueError, match=r"shaped like its input; w has shape \(2,\); "
                                         r"grad_fn returned shape \(1,\)"):
        check_hand_gradient(lambda w: w[0] + w[1], lambda w: [1.0], [[1.0, 2.0]], names=["w"])
    with pytest.raises(ValueError, match=r"W has shape \(2, 1\) but its gradient has shape "
                                         r"\(1, 2\)"):
        check_hand_gradient(lambda W, x: W[0][0] * x[0], lambda W, x: ([[1.0, 0.0]], [0.0]),
                            [[[1.0], [2.0]], [3.0]], names=["W", "x"])


def test_an_input_that_is_not_numbers_is_a_clear_error():
    with pytest.raises(TypeError, match=r"x0\[1\] must be a number"):
        check_hand_gradient(lambda w: w[0], lambda w: [1.0, 0.0], [[1.0, "2"]])
    with pytest.raises(ValueError, match="2 inputs but 1 names"):
        check_hand_gradient(lambda a, b: a, lambda a, b: (1.0, 0.0), [1.0, 2.0], names=["a"])


def test_a_point_on_a_kink_gets_a_note():
    # y = 1, s_0 = 1.5: margin_0 = 1.5 - 2.5 + 1 = 0 exactly, the kink of max(0, m).
    scores = [1.5, 2.5, 0.3]
    report = check_hand_gradient(lambda s: hinge(s, 1), lambda s: hinge_gradient(s, 1),
                                 [scores], names=["s"])
    assert report.notes and "s[0]" in report.notes[0] and "kink" in report.notes[0]
    assert "note:" in str(report)
    # the hand formula makes the engine's choice there (0 for max(0, m) at m = 0): no failure
    assert report and [entry.name for entry in report.kinks] == ["s[0]", "s[1]"]  # s_0 - s_1
    assert report.verdict() == "PASSED (2 at a kink)"


def test_report_class_is_exported():
    assert isinstance(gradcheck(lambda x: x, [1.0]), GradcheckReport)
    assert autograd.GradcheckReport is GradcheckReport


@pytest.mark.parametrize("check", [gradcheck, gradgradcheck])
@pytest.mark.parametrize("flag", ["no", 0, None])
def test_raise_on_failure_must_be_a_bool(check, flag):
    # "no" is truthy: taken as True it would raise on a failure the caller meant to see
    with pytest.raises(TypeError, match=f"{check.__name__}: raise_on_failure must be True or "
                                        f"False, got {type(flag).__name__}"):
        check(lambda x: x * x, [0.8], raise_on_failure=flag)
