"""check_hand_backward: a hand-derived backward pass checked stage by stage.

The net is the two-layer ReLU/softmax net of the lecture notes (seeds/001, one
sample per row): a1 = X·W1 + b1, h1 = relu(a1), scores = h1·W2 + b2,
L = mean cross-entropy + λ/(2m)·(ΣW1² + ΣW2²). Its hand backward pass:

    dscores = (softmax(scores) − Y)/m
    dW2 = h1ᵀ·dscores + λ/m·W2        db2 = column sums of dscores
    dh1 = dscores·W2ᵀ
    da1 = dh1 ⊙ 1[a1 > 0]
    dW1 = Xᵀ·da1 + λ/m·W1             db1 = column sums of da1

Each planted slip is a mistake learners make at that stage; everything computed
after it inherits it, so the first wrong stage must be the slipped one.
"""

from __future__ import annotations

import math
import random

import numpy as np
import pytest

import autograd
from autograd import Value, check_hand_backward, check_hand_gradient

rng = random.Random(7)
M, N, H, K, LAM = 4, 3, 5, 3, 0.1  # samples, features, hidden units, classes
X = [[rng.uniform(-1, 1) for _ in range(N)] for _ in range(M)]
LABELS = [rng.randrange(K) for _ in range(M)]
W1 = [[rng.uniform(-1, 1) for _ in range(H)] for _ in range(N)]
B1 = [rng.uniform(-0.5, 0.5) for _ in range(H)]
W2 = [[rng.uniform(-1, 1) for _ in range(K)] for _ in range(H)]
B2 = [rng.uniform(-0.5, 0.5) for _ in range(K)]
POINT, NAMES = [W1, B1, W2, B2], ["W1", "b1", "W2", "b2"]


def linear(x, W, b):
    """Row vector x·W + b: output j is dot(x, column j of W) + b_j."""
    return [autograd.dot(x, [row[j] for row in W]) + b[j] for j in range(len(b))]


def forward(W1, b1, W2, b2):
    a1 = [linear(x, W1, b1) for x in X]
    h1 = [[a.relu() for a in row] for row in a1]
    scores = [linear(h, W2, b2) for h in h1]
    data = autograd.sum([autograd.logsumexp(s) - s[t] for s, t in zip(scores, LABELS)]) / M
    weights = [w for W in (W1, W2) for row in W for w in row]
    loss = data + LAM / (2 * M) * autograd.sum([w * w for w in weights])
    return loss, {"scores": scores, "h1": h1, "a1": a1}


def backward(W1, b1, W2, b2, slip=None):
    """The hand backward pass above, in numpy; `slip` plants one mistake."""
    Xa, W1, b1, W2, b2 = (np.array(v) for v in (X, W1, b1, W2, b2))
    a1 = Xa @ W1 + b1
    h1 = np.maximum(a1, 0.0)
    scores = h1 @ W2 + b2
    p = np.exp(scores - scores.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    Y = np.eye(K)[LABELS]
    dscores = (p - Y) / M
    if slip == "scores":
        dscores = (Y - p) / M                    # the sign of softmax − one-hot flipped
    dh1 = dscores @ W2.T
    if slip == "h1":
        dh1 = p @ W2.T / M                       # softmax used where softmax − Y belongs
    da1 = dh1 * (a1 > 0)
    if slip == "a1":
        da1 = dh1 * (dh1 > 0)                    # the ReLU mask taken from the gradient
    dW1 = Xa.T @ da1 + LAM / M * W1
    if slip == "W1":
        dW1 = Xa.T @ da1                         # the L2 term forgotten
    grads = {"scores": dscores, "h1": dh1, "a1": da1, "W1": dW1, "b1": da1.sum(axis=0),
             "W2": h1.T @ dscores + LAM / M * W2, "b2": dscores.sum(axis=0)}
    if slip == "W1 transposed":
        grads["W1"] = dW1.T
    return grads


def slipped(slip):
    return lambda *args: backward(*args, slip=slip)


def test_the_point_is_off_the_relu_kinks_and_some_units_are_off():
    a1 = np.array(X) @ np.array(W1) + np.array(B1)
    assert np.all(np.abs(a1) > 1e-3)
    assert 0 < (a1 > 0).sum() < a1.size  # the mask matters


def test_the_correct_hand_backward_passes():
    report = check_hand_backward(forward, backward, POINT, NAMES)
    assert report and report.first_wrong is None and report.diagnosis == ""
    sizes = {"scores": M * K, "h1": M * H, "a1": M * H, "W1": N * H, "b1": H,
             "W2": H * K, "b2": K}
    assert len(report) == sum(sizes.values())
    assert set(report.stages) == set(sizes)
    assert report["h1[2][4]"].values[0] == backward(*POINT)["h1"][2][4]  # yours, by element
    assert report.columns == ("hand", "engine", "numeric")


def test_stages_go_from_the_loss_back_to_the_inputs():
    stages = check_hand_backward(forward, backward, POINT, NAMES).stages
    position = stages.index
    assert position("scores") < position("h1") < position("a1") < position("W1")
    assert position("a1") < position("b1")
    assert position("scores") < position("W2") and position("scores") < position("b2")
    entries = [e.name for e in check_hand_backward(forward, backward, POINT, NAMES)]
    assert entries[0] == "scores[0][0]"  # entries follow the stages


@pytest.mark.parametrize("slip", ["scores", "h1", "a1", "W1"])
def test_a_slip_is_reported_at_its_own_stage(slip):
    report = check_hand_backward(forward, slipped(slip), POINT, NAMES)
    assert not report
    assert report.first_wrong == slip
    wrong_stages = {e.name.split("[")[0] for e in report.failures}
    assert slip in wrong_stages
    before = report.stages[:report.stages.index(slip)]
    assert not wrong_stages & set(before)  # every stage before it is right


@pytest.mark.parametrize(
    ("slip", "sentence"),
    [
        ("a1", "dL/dh1 is right, dL/da1 is wrong: between them is h1 = relu(a1)"),
        ("h1", "dL/dscores is right, dL/dh1 is wrong: between them is "
               "scores = dot(h1, W2) + b2"),
        # the slip forgets the L2 term: W1's other path to the loss, which the line names
        ("W1", "dL/da1 is right, dL/dW1 is wrong: between them is a1 = dot(…, W1) + b1, and "
               "W1 also reaches the loss another way, in L = sum(logsumexp(scores) - "
               "scores)/4 + 0.0125*sum(W1*W1, …): dL/dW1 adds the paths"),
        ("scores", "dL/dscores, the first stage from the loss, is wrong: between them is "
                   "L = sum(logsumexp(scores) - scores)/4 + …"),
    ],
)
def test_the_last_line_says_what_lies_between_the_right_and_the_wrong_stage(slip, sentence):
    report = check_hand_backward(forward, slipped(slip), POINT, NAMES)
    last = str(report).splitlines()[-1]
    assert last.startswith(sentence + " (at "), last
    assert last.endswith(".") and last == report.diagnosis
    first = next(e for e in report.failures if e.name.startswith(slip + "["))
    assert f"(at {first.name} yours is " in last


def test_the_a1_slip_is_wrong_exactly_where_the_masks_differ():
    report = check_hand_backward(forward, slipped("a1"), POINT, NAMES)
    a1 = np.array(X) @ np.array(W1) + np.array(B1)
    dh1 = backward(*POINT)["h1"]
    differ = (a1 > 0) != (dh1 > 0)
    wrong = {e.name for e in report.failures if e.name.startswith("a1[")}
    assert wrong == {f"a1[{i}][{j}]" for i, j in zip(*np.nonzero(differ & (dh1 != 0)))}


def test_a_gradient_of_the_wrong_shape_names_the_stage_and_both_shapes():
    with pytest.raises(ValueError, match=r"the gradient for W1 has shape \(5, 3\) but W1 "
                                         r"has shape \(3, 5\)"):
        check_hand_backward(forward, slipped("W1 transposed"), POINT, NAMES)


def test_a_flattened_stage_is_a_shape_error_too():
    def flat_scores(*args):
        grads = backward(*args)
        return {"scores": grads["scores"].ravel()}

    with pytest.raises(ValueError, match=r"scores has shape \(12,\) but scores has shape "
                                         r"\(4, 3\)"):
        check_hand_backward(forward, flat_scores, POINT, NAMES)


def test_any_subset_of_stages_can_be_checked():
    report = check_hand_backward(forward, lambda *a: {"a1": backward(*a)["a1"]}, POINT, NAMES)
    assert report and report.stages == ["a1"] and len(report) == M * H


def test_a_single_wrong_stage_says_it_is_the_first_from_the_loss():
    report = check_hand_backward(forward, lambda *a: {"W1": backward(*a, slip="W1")["W1"]},
                                 POINT, NAMES)
    assert report.first_wrong == "W1"
    assert report.diagnosis.startswith("dL/dW1, the first stage from the loss, is wrong: "
                                       "between them is L = ")


# ------------------------------------------------------- a small exact case


def tanh_of_square(x):
    u = x * x
    return u.tanh(), {"u": u}


def test_scalar_stages_hold_the_hand_worked_numbers():
    # L = tanh(u), u = x²: dL/du = 1 - tanh²(u), dL/dx = 2x·(1 - tanh²(u)); at x = 0.5
    x = 0.5
    du = 1 - math.tanh(x * x) ** 2
    report = check_hand_backward(tanh_of_square, lambda x: {"u": du, "x": 2 * x * du},
                                 [x], names=["x"])
    assert report and report.stages == ["u", "x"]
    assert report["u"].values[1] == pytest.approx(du, rel=1e-12)  # the engine's
    assert report["x"].values[1] == pytest.approx(2 * x * du, rel=1e-12)
    assert report["u"].values[2] == pytest.approx(du, rel=1e-8)  # finite differences


def test_the_between_sentence_of_the_small_case():
    x = 0.5
    du = 1 - math.tanh(x * x) ** 2
    wrong_u = check_hand_backward(tanh_of_square,
                                  lambda x: {"u": 1 - math.tanh(x * x), "x": 2 * x * du},
                                  [x], names=["x"])
    assert wrong_u.first_wrong == "u"
    assert wrong_u.diagnosis.startswith(
        "dL/du, the first stage from the loss, is wrong: between them is L = tanh(u)")
    wrong_x = check_hand_backward(tanh_of_square, lambda x: {"u": du, "x": x * du},
                                  [x], names=["x"])
    assert wrong_x.first_wrong == "x"
    assert wrong_x.diagnosis == (
        f"dL/du is right, dL/dx is wrong: between them is u = x*x (at x yours is "
        f"{x * du:.6g}, the engine's {2 * x * du:.6g}).")


# ------------------------------------------------------------- the calls


def test_forward_gets_values_and_backward_gets_floats():
    seen = {}

    def fwd(w):
        seen["forward"] = type(w[0])
        return w[0] * w[1], {}

    def bwd(w):
        seen["backward"] = type(w[0])
        w[0] = 99.0  # a copy: the point does not change
        return {"w": [3.0, 2.0]}

    point = [2.0, 3.0]
    assert check_hand_backward(fwd, bwd, [point], names=["w"])
    assert seen == {"forward": Value, "backward": float} and point == [2.0, 3.0]


@pytest.mark.parametrize(
    ("fwd", "bwd", "error", "words"),
    [
        (lambda x: x * 2, lambda x: {}, TypeError, r"forward must return \(loss, intermediates\)"),
        (lambda x: ([x], {}), lambda x: {}, TypeError, "the loss must be a Value"),
        (lambda x: (x * 2, [x]), lambda x: {}, TypeError, "intermediates must be a dict"),
        (lambda x: (x * 2, {"x0": x * 2}), lambda x: {}, ValueError, "has the name of an input"),
        (lambda x: (x * 2, {"u": 3.0}), lambda x: {}, TypeError, "u must be a Value of the graph"),
        (lambda x: (x * 2, {}), lambda x: [2.0], TypeError, "backward must return a dict"),
        (lambda x: (x * 2, {}), lambda x: {"y": 1.0}, ValueError, r"'y', which is not a stage"),
        (lambda x: (x * 2, {}), lambda x: {"x0": "2"}, TypeError, "gradient x0 must be a number"),
    ],
)
def test_mistakes_in_the_calls_are_clear_errors(fwd, bwd, error, words):
    with pytest.raises(error, match=words):
        check_hand_backward(fwd, bwd, [1.5])


def test_names_must_match_the_inputs():
    with pytest.raises(ValueError, match="2 inputs but 1 names"):
        check_hand_backward(lambda a, b: (a * b, {}), lambda a, b: {}, [1.0, 2.0], names=["a"])
    with pytest.raises(ValueError, match="names must differ"):
        check_hand_backward(lambda a, b: (a * b, {}), lambda a, b: {}, [1.0, 2.0],
                            names=["a", "a"])


def test_check_hand_gradient_is_the_one_stage_case():
    report = check_hand_gradient(lambda a, b: a * a * b, lambda a, b: (a * b, a * a),
                                 [1.5, -2.0], names=["a", "b"])
    assert not report and report.first_wrong == "a"  # 2ab wanted, ab given
    assert report.stages == ["a", "b"] and report.diagnosis == ""


def test_a_loss_partly_made_from_data_is_judged_by_finite_differences_not_the_engine():
    # L = x · x.data is x² as a function: dL/dx = 2x = 6 at x = 3. The engine sees only
    # the first x (3), so the two disagree where L is smooth: no kink, the engine is blind
    def loss(x):
        return x * x.data

    right = check_hand_gradient(loss, lambda x: 2 * x, [3.0])
    wrong = check_hand_gradient(loss, lambda x: x, [3.0])  # what the engine says: 3
    assert right and not wrong
    assert not right.kinks and not wrong.kinks
    assert any("through the engine" in note for note in right.notes)


def _two_paths(x, y):
    """L = h·x + a with a = x·y, h = tanh(a): a and x each reach L two ways."""
    a = x * y
    h = a.tanh()
    return h * x + a, {"a": a, "h": h}


def test_the_between_sentence_names_a_second_path_past_the_right_stage():
    x, y = 0.5, 0.8
    h = math.tanh(x * y)
    dh = x  # dL/dh
    da = dh * (1 - h * h) + 1  # through h, and directly: 1.42782
    dx, dy = h + da * y, da * x  # x: directly (h) and through a
    right = {"h": dh, "a": da, "x": dx, "y": dy}
    assert check_hand_backward(_two_paths, lambda x, y: right, [x, y], names=["x", "y"])
    no_direct_a = check_hand_backward(_two_paths, lambda x, y: {**right, "a": da - 1},
                                      [x, y], names=["x", "y"])
    assert no_direct_a.diagnosis.startswith(
        "dL/dh is right, dL/da is wrong: between them is h = tanh(a), and a also reaches "
        "the loss another way, in L = h*x + a: dL/da adds the paths")
    no_direct_x = check_hand_backward(_two_paths, lambda x, y: {**right, "x": da * y},
                                      [x, y], names=["x", "y"])
    assert "and x also reaches the loss another way, in L = h*x + a" in no_direct_x.diagnosis
    one_path_y = check_hand_backward(_two_paths, lambda x, y: {**right, "y": dy + 1},
                                     [x, y], names=["x", "y"])
    assert one_path_y.diagnosis.startswith(
        "dL/da is right, dL/dy is wrong: between them is a = x*y (at y")


@pytest.mark.parametrize("call, error, message", [
    (lambda: check_hand_gradient(lambda x, y: x * y, lambda x, y: (y, x), [1.0, 2.0],
                                 names="xy"),
     TypeError, "check_hand_gradient: names must be a list of names, one per input, got str"),
    (lambda: check_hand_gradient(lambda *xs: 0.0, lambda *xs: (), []),
     ValueError, "check_hand_gradient: needs at least one input"),
    (lambda: check_hand_gradient(lambda s: 0.0, lambda s: s, [np.zeros(0)]),
     ValueError, r"check_hand_gradient: input x0 has no entries \(an empty list or array\)"),
])
def test_the_inputs_and_their_names_are_checked(call, error, message):
    with pytest.raises(error, match=message):
        call()


# ------------------------------------------------------------------ kinks


@pytest.mark.parametrize("hand", [0.0, 0.5, 1.0])
def test_relu_at_zero_is_a_kink_where_any_slope_between_0_and_1_passes(hand):
    # relu at 0: slope (0 - 0)/eps = 0 on the left, (eps - 0)/eps = 1 on the right
    report = check_hand_gradient(lambda x: x.relu(), lambda x: hand, [0.0], names=["x"])
    assert report, report
    assert report["x"].kink and report.verdict() == "PASSED (1 at a kink)"
    assert "x" in report.notes[0] and "kink" in report.notes[0]


@pytest.mark.parametrize("hand", [-1.0, 0.3, 1.0])
def test_abs_at_zero_is_the_same_kind_of_kink(hand):
    # abs at 0: slope (0 - eps)/eps = -1 on the left, 1 on the right; the engine and the
    # central difference both say 0, yet 0.3 is as valid a subgradient as 0
    report = check_hand_gradient(lambda x: x.abs(), lambda x: hand, [0.0], names=["x"])
    assert report, report
    assert report["x"].kink and report.verdict() == "PASSED (1 at a kink)"


@pytest.mark.parametrize("loss, hand, left, right", [
    (lambda x: x.relu(), 1.5, "0", "1"),
    (lambda x: x.relu(), -0.5, "0", "1"),
    (lambda x: x.abs(), 2.0, "-1", "1"),
])
def test_at_a_kink_a_value_outside_the_slopes_is_wrong_and_the_note_says_so(
        loss, hand, left, right):
    report = check_hand_gradient(loss, lambda x: hand, [0.0], names=["x"])
    assert not report and report["x"].kink and report.first_wrong == "x"
    assert report["x"].note == (
        f"the loss has a kink here, and yours, {hand:g}, lies outside its slopes on either "
        f"side ({left} on the left, {right} on the right)")
    assert [line for line in str(report).splitlines() if "on either side" in line] == [
        f"note: x: {report['x'].note}"]


STEEPNESS = [1.0, 2.0, 3.0, 4.0, 5.0]


def steep_relu_sum(x):
    """L = Σ c_i·relu(x_i) with c = STEEPNESS: at x_i = 0 the slope along x_i is 0 on the
    left and c_i on the right."""
    return sum(v.relu() * c for v, c in zip(x, STEEPNESS))


def on_either_side(report):
    return [line for line in str(report).splitlines() if "on either side" in line]


def test_many_entries_outside_a_kinks_slopes_make_one_note_with_the_first_few():
    yours = [c + 1 for c in STEEPNESS]  # outside [0, c_i] at every entry
    report = check_hand_gradient(steep_relu_sum, lambda x: yours, [[0.0] * 5], names=["x"])
    assert not report and len(report.failures) == 5
    assert on_either_side(report) == [
        "note: yours lies outside the loss's slopes on either side at 5 of its kinks: "
        "x[0], yours 2 (0 on the left, 1 on the right); "
        "x[1], yours 3 (0 on the left, 2 on the right); "
        "x[2], yours 4 (0 on the left, 3 on the right); "
        "and 2 more (report.failures lists them all, each with its note)"]
    assert report["x[4]"].note == ("the loss has a kink here, and yours, 6, lies outside its "
                                   "slopes on either side (0 on the left, 5 on the right)")
    assert report["x[4]"].slopes == (0.0, pytest.approx(5.0, rel=1e-6))
    assert "at 5 of its kinks" in report._repr_html_()


def test_entries_outside_a_kinks_slopes_share_one_note_across_stages():
    # x[0] and x[1] are kinks of L = relu(x0) + 2·relu(x1) + 3·relu(w); so is w
    def loss(x, w):
        return x[0].relu() + x[1].relu() * 2 + w.relu() * 3

    report = check_hand_gradient(loss, lambda x, w: ([-1.0, 2.5], 3.5), [[0.0, 0.0], 0.0],
                                 names=["x", "w"])
    assert [e.name for e in report.failures] == ["x[0]", "x[1]", "w"]
    assert on_either_side(report) == [
        "note: yours lies outside the loss's slopes on either side at 3 of its kinks: "
        "x[0], yours -1 (0 on the left, 1 on the right); "
        "x[1], yours 2.5 (0 on the left, 2 on the right); "
        "w, yours 3.5 (0 on the left, 3 on the right)"]


def test_a_kink_inside_a_larger_loss_takes_its_own_slopes():
    # L = 3·relu(2x - 1) at x = 0.5: slopes 0 on the left, 3·2 = 6 on the right
    def loss(x):
        return (x * 2 - 1).relu() * 3

    assert check_hand_gradient(loss, lambda x: 6.0, [0.5])
    assert check_hand_gradient(loss, lambda x: 2.0, [0.5])
    assert not check_hand_gradient(loss, lambda x: 6.5, [0.5])


@pytest.mark.parametrize("flag", ["no", 1])
def test_raise_on_failure_must_be_a_bool(flag):
    message = "raise_on_failure must be True or False, got " + type(flag).__name__
    with pytest.raises(TypeError, match="check_hand_gradient: " + message):
        check_hand_gradient(lambda x: x * x, lambda x: 2 * x, [0.8], raise_on_failure=flag)
    with pytest.raises(TypeError, match="check_hand_backward: " + message):
        check_hand_backward(lambda x: (x * x, {}), lambda x: {"x0": 2 * x}, [0.8],
                            raise_on_failure=flag)
