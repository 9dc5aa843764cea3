"""check_numpy_gradient: sampling, the engine's fallback, gradients of the wrong shape, the
pattern sentences, and clear errors for what cannot be checked.

Every expected number here comes from the function under check (its own loss and gradient
formula) or from the mistake planted in it, never from the checker's output.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

import autograd
from autograd import Value, check_numpy_gradient
from autograd.checks import numpy_engine

rng = np.random.default_rng(5)
W = rng.standard_normal((4, 3))
X = rng.standard_normal((5, 4))
Y = np.array([2, 0, 1, 1, 2])


def squares(W, factor=1.0):
    """L = ΣW², dL/dW = 2W (times `factor`: a planted mistake)."""
    return np.sum(W * W), factor * 2 * W


def softmax_loss(x, y, bug=False):
    """CS231n's layer function: the loss of scores x and dx (bug: the −1 forgotten)."""
    shifted = x - np.max(x, axis=1, keepdims=True)
    probs = np.exp(shifted) / np.sum(np.exp(shifted), axis=1, keepdims=True)
    n = x.shape[0]
    loss = -np.sum(np.log(probs[np.arange(n), y])) / n
    dx = probs.copy()
    if not bug:
        dx[np.arange(n), y] -= 1
    return loss, dx / n


def linear_softmax(W, X, y, reg, per_sample=True):
    """softmax on X·W with reg·ΣW²; per_sample=False forgets to divide dW by N."""
    n = X.shape[0]
    loss, dscores = softmax_loss(X.dot(W), y)
    dW = X.T.dot(dscores) * (1 if per_sample else n)
    return loss + reg * np.sum(W * W), dW + 2 * reg * W


# ------------------------------------------------------------------- sampling


def test_sample_checks_exactly_the_entries_drawn_with_the_seed():
    big = rng.standard_normal((40, 10))
    calls = {"floats": 0, "values": []}

    def loss(w):
        if w.dtype == object:
            calls["values"].append(sum(isinstance(v, Value) for v in w.flat))
        else:
            calls["floats"] += 1
        return squares(w)

    report = check_numpy_gradient(loss, big, sample=7, seed=3)
    drawn = np.sort(np.random.default_rng(3).choice(400, size=7, replace=False))
    assert [e.name for e in report.entries] == [f"w[{i // 10}, {i % 10}]" for i in drawn]
    assert calls["values"] == [7]  # one run on Values, with a Value at each drawn entry only
    assert calls["floats"] == 1 + 2 * 7  # the hand gradient, then ±eps per entry
    assert report.input("w").checked == 7 and report.input("w").size == 400
    assert "7 of 400" in str(report) and "sampled entries (of 400)" in report.text("friendly")
    for entry, index in zip(report.entries, drawn):
        hand, engine, numeric = entry.values
        assert hand == engine == 2 * big.flat[index]  # d(w²)/dw, exact in floating point
        assert numeric == pytest.approx(2 * big.flat[index], abs=1e-6)  # rounding: 1e-16·L/ε


def test_a_sampled_check_gives_the_numbers_of_the_full_check():
    f = lambda W: linear_softmax(W, X, Y, 0.3)  # noqa: E731
    full = check_numpy_gradient(f, W)
    sampled = check_numpy_gradient(f, W, sample=5, seed=11)
    assert len(sampled.entries) == 5
    for entry in sampled.entries:
        reference = full[entry.name]
        assert entry.values[0] == reference.values[0]
        assert entry.values[2] == reference.values[2]
        assert entry.values[1] == pytest.approx(reference.values[1], rel=1e-12)


def test_a_sample_larger_than_the_input_checks_everything():
    report = check_numpy_gradient(squares, W, sample=100)
    assert len(report.entries) == W.size and not report.sampled


# ------------------------------------------------------------ the engine's part


def test_an_op_the_engine_cannot_follow_falls_back_to_central_differences():
    def arcsin_loss(w):
        return np.sum(np.arcsin(w / 10)), 1 / np.sqrt(1 - (w / 10) ** 2) / 10

    report = check_numpy_gradient(arcsin_loss, W)
    assert report and all(np.isnan(e.values[1]) for e in report.entries)
    note = report.notes[-1]
    assert note.startswith("the engine could not follow f (TypeError: ")
    assert "arcsin" in note and "in arcsin_loss, line" in note
    assert note.endswith("every entry is compared with central differences only")
    wrong = check_numpy_gradient(lambda w: (arcsin_loss(w)[0], 2 * arcsin_loss(w)[1]), W)
    assert not wrong and len(wrong.failures) == W.size


def test_a_loss_converted_to_float_is_diagnosed_as_detached():
    def detached(w):
        w = np.asarray(w, dtype=float)  # the graph is gone: the loss is a plain float
        return np.sum(w * w), 2 * w

    report = check_numpy_gradient(detached, W)
    assert report  # the hand gradient is right: central differences confirm it
    assert any(note.startswith("the loss does not depend on w through the engine: was it "
                               "converted to float") for note in report.notes)
    assert not any("kink" in note for note in report.notes)


def test_masks_and_maximum_zeros_run_on_values():
    """``np.maximum(0, ·)`` keeps plain 0s and masks are bool arrays: the engine still runs."""
    def relu_exp(w):
        h = np.maximum(0, w)
        return np.sum(np.exp(h)), np.exp(h) * (w > 0)

    report = check_numpy_gradient(relu_exp, W)
    assert report and not report.notes
    assert all(not np.isnan(e.values[1]) for e in report.entries)


def test_a_bool_mask_multiplying_values_needs_no_fallback(monkeypatch):
    """The two-layer net's ``dhidden * (hidden > 0)``: the mask multiplies Values."""
    seen = []
    original = numpy_engine._could_not_follow
    monkeypatch.setattr(numpy_engine, "_could_not_follow",
                        lambda error: seen.append(error) or original(error))

    def masked(w):
        h = X.dot(w)
        mask = h > 0
        return np.sum(h * mask), X.T.dot(mask * 1.0)

    assert check_numpy_gradient(masked, W)
    assert seen == []


def test_the_engine_takes_a_bool_operand_as_the_constant_it_is():
    """The engine itself: Value * True is the Value times 1, a mask entry a constant."""
    x = Value(3.0)
    product = x * True
    (slope,) = autograd.grad(product, [x])
    assert product.data == 3.0 and slope == 1.0
    assert (x * np.False_).data == 0.0


def test_a_slow_engine_run_says_how_to_speed_it_up(monkeypatch):
    from autograd.checks import numpy_check

    assert check_numpy_gradient(squares, W).notes == []
    monkeypatch.setattr(numpy_check, "SLOW_ENGINE", -1.0)  # every run is slow
    (note,) = check_numpy_gradient(squares, W).notes
    assert note.startswith("the engine's run of f took 0 s") and "X[:5], y[:5]" in note


# --------------------------------------------------- gradients that do not fit


def test_a_transposed_gradient_is_named_and_its_transpose_checked():
    report = check_numpy_gradient(lambda w: (squares(w)[0], squares(w)[1].T), W)
    assert not report and report.score == 0.0
    assert report.input("w").problem.startswith(
        "the gradient of w has shape (3, 4) but w has shape (4, 3)")
    assert report.pattern == ("The gradient of w is transposed: its transpose is right at "
                              "every checked entry (a product written the other way round, "
                              "or a missing .T?)")


def test_a_transposed_gradient_of_a_square_input_is_named_too():
    """The shape cannot tell: X·W with a square W, its gradient 2·Xᵀ·X·W returned transposed."""
    square = rng.standard_normal((4, 4))

    def loss(w, transposed):
        dw = 2 * X.T.dot(X.dot(w))
        return np.sum(X.dot(w) ** 2), dw.T if transposed else dw

    assert check_numpy_gradient(lambda w: loss(w, False), square).pattern == ""
    report = check_numpy_gradient(lambda w: loss(w, True), square)
    assert not report and report.input("w").problem == ""
    assert report.pattern.startswith("The gradient of w is transposed: its transpose is right")
    other = check_numpy_gradient(lambda w: (loss(w, False)[0], 3 * loss(w, False)[1]), square)
    assert "transposed" not in other.pattern


def test_a_gradient_of_another_shape_fails_that_input_only():
    def affine(w, b):
        out = X.dot(w) + b
        return np.sum(out * out), (2 * X.T.dot(out), 2 * np.sum(out, axis=1))  # b: wrong axis

    report = check_numpy_gradient(affine, [W, np.zeros(3)])
    assert report.input_scores == {"w": 1.0, "b": 0.0}
    assert report.input("b").problem.startswith("the gradient of b has shape (5,) but b has "
                                                "shape (3,)")


def test_a_missing_gradient_is_a_wrong_input_not_a_crash():
    report = check_numpy_gradient(lambda p: (np.sum(p["a"] * p["b"]), {"a": p["b"]}),
                                  {"a": W, "b": 2 * W})
    assert report.input_scores == {"a": 1.0, "b": 0.0}
    assert "no gradient for b" in report.input("b").problem
    none = check_numpy_gradient(lambda w: (np.sum(w), None), W)
    assert none.input("w").problem == ("f returned None as the gradient of w (not written "
                                       "yet?)")


# ------------------------------------------------------------------- patterns


@pytest.mark.parametrize(("factor", "says"), [
    (-1.0, "Every checked entry of w is −1 × the right value: a sign flip"),
    (2.0, "Every checked entry of w is 2 × the right value: a factor 2 or 1/2 usually comes "
          "from a square: the regularisation term"),
    (0.5, "Every checked entry of w is 1/2 × the right value: a factor 2 or 1/2"),
    (0.731, "Every checked entry of w is 0.731 × the right value: a constant factor"),
])
def test_a_constant_factor_is_named(factor, says):
    report = check_numpy_gradient(lambda w: squares(w, factor), W)
    assert not report and report.pattern.startswith(says)


def test_a_sum_that_should_be_a_mean_is_named_with_and_without_regularisation():
    bare = check_numpy_gradient(lambda w: linear_softmax(w, X, Y, 0.0, per_sample=False), W)
    assert bare.pattern == ("Every checked entry of w is 5 × the right value: the loss averages "
                            "over the samples: is the gradient divided by their number "
                            "(num_train)?")
    regularised = check_numpy_gradient(lambda w: linear_softmax(w, X, Y, 0.3, per_sample=False),
                                       W)
    # yours = 5·data + 0.6·W = 5·(data + 0.6·W) − 2.4·W
    assert regularised.pattern.startswith("Apart from a multiple of w (-2.4 × w), yours is 5 × "
                                          "the right value at every checked entry of w")


def test_the_correct_class_entries_of_scores_are_named():
    scores = rng.standard_normal((5, 3))
    report = check_numpy_gradient(lambda x: softmax_loss(x, Y, bug=True), scores)
    assert {e.name for e in report.failures} == {f"x[{i}, {Y[i]}]" for i in range(5)}
    assert report.pattern == ("Exactly one entry in each row of x is wrong (columns 2, 0, 1, 1, "
                              "2): one column per sample, the correct-class entries x[i, y[i]]?")


def test_an_input_the_loss_ignores_is_named():
    """A params dict copied before the check: the net's method never sees the Values."""
    params = {"W": W.copy()}
    own = {"W": W.copy()}
    report = check_numpy_gradient(lambda p: (np.sum(own["W"] ** 2), {"W": 2 * own["W"]}),
                                  params)
    assert not report
    assert report.pattern.startswith("The loss does not change when W changes")
    assert "pass that very dict" in report.pattern


def test_a_dict_is_put_back_even_when_f_fails():
    params = {"W": W, "b": np.zeros(3)}
    own = dict(params)

    def broken(p):
        assert p is params and p["W"] is not W  # f gets that very dict, filled with copies
        raise KeyError("W3")  # the student's bug

    with pytest.raises(KeyError, match="W3"):
        check_numpy_gradient(broken, params)
    assert params == own and all(params[k] is own[k] for k in own)


def test_a_gradient_left_at_zero_is_named():
    report = check_numpy_gradient(lambda w: (np.sum(w * w), np.zeros_like(w)), W)
    assert len(report.failures) == W.size
    assert report.pattern.startswith("Your gradient of w is 0 at every checked entry")


def test_one_gradient_in_a_tuple_is_the_gradient():
    assert check_numpy_gradient(lambda w: (np.sum(w * w), (2 * w,)), W)
    ragged = check_numpy_gradient(lambda w: (np.sum(w * w), (2 * w, 1.0)), W)
    assert ragged.input("w").problem  # two things for one input: not its gradient


def test_a_kink_counts_as_right_when_yours_is_one_of_its_slopes():
    at_zero = W.copy()
    at_zero[1, 2] = 0.0

    def relu_sum(w):
        return np.sum(np.maximum(0, w)), (w > 0).astype(float)

    report = check_numpy_gradient(relu_sum, at_zero)
    assert report and [e.name for e in report.kinks] == ["w[1, 2]"]
    assert any(note.startswith("the loss has a kink at w[1, 2]") for note in report.notes)


AT_ZERO = np.array([[0.0, 1.5], [-0.7, 2.0]])  # Σ max(0, w) has a corner along w[0, 0]


def relu_sum(w, at_zero):
    """L = Σ max(0, w): dL/dw is 1 where w > 0, 0 where w < 0, and yours is `at_zero` at
    w = 0, where the slope is 0 on the left and 1 on the right."""
    return np.sum(np.maximum(0, w)), np.where(w > 0, 1.0, np.where(w < 0, 0.0, at_zero))


@pytest.mark.parametrize("at_zero", [0.0, 0.3, 0.5, 1.0])
def test_at_a_corner_any_value_between_its_two_slopes_passes(at_zero):
    report = check_numpy_gradient(lambda w: relu_sum(w, at_zero), AT_ZERO)
    assert report and [e.name for e in report.kinks] == ["w[0, 0]"]
    assert report["w[0, 0]"].values[0] == at_zero and report["w[0, 0]"].note == ""
    (note,) = report.notes
    assert note.startswith("the loss has a kink at w[0, 0] (its slopes on the two sides differ")
    assert "any value between the two slopes passes" in note


@pytest.mark.parametrize(("at_zero", "shown"), [(2.0, "2"), (-1.0, "-1"), (1.1, "1.1")])
def test_at_a_corner_a_value_outside_its_two_slopes_fails_naming_both(at_zero, shown):
    report = check_numpy_gradient(lambda w: relu_sum(w, at_zero), AT_ZERO)
    assert not report and [e.name for e in report.failures] == ["w[0, 0]"]
    entry = report["w[0, 0]"]
    assert entry.kink
    assert entry.note == (f"the loss has a kink here, and yours, {shown}, lies outside its "
                          "slopes on either side (0 on the left, 1 on the right)")
    assert f"w[0, 0]: {entry.note}" in str(report)
    assert "on the right" not in report.text("friendly")


def outside_notes(report, feedback="full"):
    """The report's printed notes on entries where yours lies outside a corner's slopes."""
    return [line for line in report.text(feedback).splitlines()
            if line.startswith("note: ") and "outside" in line and "slopes" in line]


def test_one_entry_outside_a_corners_slopes_keeps_its_own_note():
    report = check_numpy_gradient(lambda w: relu_sum(w, 2.0), AT_ZERO)
    assert outside_notes(report) == [
        "note: w[0, 0]: the loss has a kink here, and yours, 2, lies outside its slopes on "
        "either side (0 on the left, 1 on the right)"]
    assert outside_notes(report, "friendly") == []


STEEPNESS = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])


def steep_relu_sum(w):
    """L = Σ c·max(0, w) with c = STEEPNESS, at w = 0 (a corner along every entry): the slope
    along w[i, j] is 0 on the left and c[i, j] on the right. Yours is c + 1: outside both."""
    return np.sum(STEEPNESS * np.maximum(0, w)), STEEPNESS + 1


def test_many_entries_outside_a_corners_slopes_make_one_note_with_the_first_few():
    report = check_numpy_gradient(steep_relu_sum, np.zeros((2, 3)))
    assert not report and len(report.failures) == 6 and all(e.kink for e in report.failures)
    assert outside_notes(report) == [
        "note: yours lies outside the loss's slopes on either side at 6 of its kinks: "
        "w[0, 0], yours 2 (0 on the left, 1 on the right); "
        "w[0, 1], yours 3 (0 on the left, 2 on the right); "
        "w[0, 2], yours 4 (0 on the left, 3 on the right); "
        "and 3 more (report.failures lists them all, each with its note)"]
    # every entry keeps its own numbers, and its note, for a program to read
    last = report["w[1, 2]"]
    assert last.note == ("the loss has a kink here, and yours, 7, lies outside its slopes on "
                         "either side (0 on the left, 6 on the right)")
    assert last.slopes == (0.0, pytest.approx(6.0, rel=1e-6))
    assert outside_notes(report, "friendly") == []  # friendly: no slopes, no note on them
    assert "on the right" not in report.text("friendly")


def test_two_entries_outside_a_corners_slopes_are_both_shown_in_one_note():
    at_zero = np.array([[0.0, 0.0, 1.5]])  # corners along w[0, 0] and w[0, 1]
    report = check_numpy_gradient(lambda w: (np.sum(np.maximum(0, w)), np.full(w.shape, 2.0)),
                                  at_zero)
    assert [e.name for e in report.failures] == ["w[0, 0]", "w[0, 1]", "w[0, 2]"]
    assert outside_notes(report) == [
        "note: yours lies outside the loss's slopes on either side at 2 of its kinks: "
        "w[0, 0], yours 2 (0 on the left, 1 on the right); "
        "w[0, 1], yours 2 (0 on the left, 1 on the right)"]


def test_away_from_the_corner_a_wrong_value_still_fails_and_is_no_kink():
    report = check_numpy_gradient(lambda w: (relu_sum(w, 0.0)[0], 2 * (w >= 0)), AT_ZERO)
    assert [e.name for e in report.failures] == ["w[0, 0]", "w[0, 1]", "w[1, 1]"]
    assert [e.name for e in report.kinks] == ["w[0, 0]"]  # w[0, 1], w[1, 1]: 2 where 1 is right
    assert report["w[0, 1]"].values == (2.0, 1.0, pytest.approx(1.0, abs=1e-9))


def test_only_a_corner_costs_more_calls_of_f():
    """±eps per entry, and at a corner (only where the two slopes differ) ±eps/2, ±eps/4."""
    calls = []

    def counted(w):
        if w.dtype != object:
            calls.append(1)
        return relu_sum(w, 1.0)

    check_numpy_gradient(counted, AT_ZERO)
    assert len(calls) == 1 + 2 * 4 + 4  # the hand gradient, ±eps at 4 entries, the corner
    calls.clear()
    check_numpy_gradient(counted, AT_ZERO + 0.25)  # no entry at 0
    assert len(calls) == 1 + 2 * 4


def test_within_eps_of_a_kink_agreeing_with_either_reference_passes():
    """w = 3e-7 < eps: the step straddles the kink, but smaller steps do not (no corner at
    the point): the slopes are 1 on the right and 0.3 on the left, central 0.65."""
    near = AT_ZERO + np.array([[3e-7, 0.0], [0.0, 0.0]])
    right = check_numpy_gradient(lambda w: relu_sum(w, 1.0), near)
    assert right and [e.name for e in right.kinks] == ["w[0, 0]"]
    assert right["w[0, 0]"].values == (1.0, 1.0, pytest.approx(0.65, abs=1e-6))
    assert any(note.startswith("the engine and central differences disagree at w[0, 0]")
               for note in right.notes)
    assert not any("the loss has a kink" in note for note in right.notes)
    wrong = check_numpy_gradient(lambda w: (relu_sum(w, 1.0)[0], 0.3 * (w > 0)), near)
    assert [e.name for e in wrong.failures] == ["w[0, 0]", "w[0, 1]", "w[1, 1]"]


@pytest.mark.parametrize("f", [
    lambda w: linear_softmax(w, X, Y, 0.3, per_sample=False),  # 5 × apart from −2.4·w
    lambda w: linear_softmax(w, X, Y, 0.0, per_sample=False),  # 5 ×
    lambda w: squares(w, -1.0), lambda w: squares(w, 2.0), lambda w: squares(w, 0.731),
    lambda w: (squares(w)[0], squares(w)[1] + 0.25 * w),  # + 0.25·w
])
def test_friendly_feedback_shows_no_reference_number(f):
    report = check_numpy_gradient(f, W, feedback="friendly")
    text = str(report)
    assert text == report.text("friendly") and "FAILED" in text and report.pattern
    decimals = set(re.findall(r"\d+\.\d+", text))
    assert decimals <= {f"{report.input('w').score:.2f}"}  # only the student's own score
    for entry in report.entries:
        for reference in entry.values[1:]:
            assert f"{reference:.4g}" not in text and f"{abs(reference):.4g}" not in text
    for secret in ("5 ×", "−1 ×", "2 ×", "1/2 ×", "× w"):  # the fitted factors
        assert secret not in text


def test_raise_on_failure_raises_with_the_report():
    with pytest.raises(AssertionError, match="is 2 × the right value"):
        check_numpy_gradient(lambda w: squares(w, 2.0), W, raise_on_failure=True)
    assert check_numpy_gradient(squares, W, raise_on_failure=True)


# --------------------------------------------------------------------- errors


@pytest.mark.parametrize(("call", "error", "words"), [
    (lambda: check_numpy_gradient("f", W), TypeError, "f must be a function"),
    (lambda: check_numpy_gradient(squares, np.array(["a", "b"])), TypeError,
     "input W must be an array of real numbers, got dtype <U1"),
    (lambda: check_numpy_gradient(squares, W > 0), TypeError, "got dtype bool"),
    (lambda: check_numpy_gradient(squares, np.zeros((0, 3))), ValueError, "input W is empty"),
    (lambda: check_numpy_gradient(squares, np.array([1.0, np.inf])), ValueError,
     r"input W\[1\] is inf"),
    (lambda: check_numpy_gradient(squares, [W, W], names=["W"]), ValueError,
     "2 inputs but 1 names"),
    (lambda: check_numpy_gradient(lambda p: (0.0, {}), {"a": W}, names=["a"]), ValueError,
     "leave names out"),
    (lambda: check_numpy_gradient(lambda w: np.sum(w), W), TypeError,
     r"f must return \(loss, gradient\), got float64"),
    (lambda: check_numpy_gradient(lambda p: (np.sum(p["a"]), [p["a"]]), {"a": W}), TypeError,
     "grads a dict keyed like them"),
    (lambda: check_numpy_gradient(lambda a, b: (np.sum(a), [a]), [W, W]), TypeError,
     r"one gradient per input \(a, b\)"),
    (lambda: check_numpy_gradient(squares, W, sample=0), ValueError, "sample must be an int >= 1"),
    (lambda: check_numpy_gradient(squares, W, feedback="kind"), ValueError,
     "feedback must be one of full, friendly"),
    (lambda: check_numpy_gradient(lambda w: (np.nan, w), W), ValueError, "loss is nan"),
])
def test_what_cannot_be_checked_is_a_clear_error(call, error, words):
    with pytest.raises(error, match=words):
        call()


def test_where_f_is_smooth_a_part_the_engine_cannot_see_does_not_make_a_kink():
    # L = ΣW² + s²/2 with s = ΣW taken out as a float: dL/dW = 2W + s everywhere, smooth.
    # The engine sees only 2W; a hand gradient of 2W agrees with it, and is wrong.
    W = np.array([[1.0, -2.0], [0.5, 3.0]])  # s = 2.5

    def f(W, right):
        s = float(np.sum(W))
        return np.sum(W * W) + 0.5 * s * s, (2 * W + s if right else 2 * W)

    wrong = check_numpy_gradient(lambda W: f(W, right=False), [W])
    right = check_numpy_gradient(lambda W: f(W, right=True), [W])
    assert not wrong and right
    assert not wrong.kinks and not right.kinks
    assert [e.values[2] for e in wrong] == pytest.approx([4.5, -1.5, 3.5, 8.5])  # 2W + 2.5
    assert any("where f is smooth" in note for note in wrong.notes)


@pytest.mark.parametrize("flag", ["no", 0])
def test_raise_on_failure_must_be_a_bool(flag):
    with pytest.raises(TypeError, match="check_numpy_gradient: raise_on_failure must be True "
                                        f"or False, got {type(flag).__name__}"):
        check_numpy_gradient(squares, W, raise_on_failure=flag)
