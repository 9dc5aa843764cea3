"""check_numpy_gradient on the three classic numpy homework functions, as students write them.

Each function is written the way the CS231n-style assignment asks for it (numpy only, a
loss and its gradient in one function), once right and once with a mistake students make:

- svm_loss_vectorized(W, X, y, reg): the regularisation gradient written reg·W instead of
  2·reg·W, so yours − right = −reg·W at every entry;
- softmax_loss_vectorized(W, X, y, reg): the −1 at the correct class forgotten, so exactly
  the columns of W of the classes in y are wrong (the data below has 3 samples and 5
  classes, labels 0, 3, 3: columns 0 and 3);
- TwoLayerNet.loss(X, y, reg) reading self.params: the ReLU's mask forgotten in the
  backward pass, so W2 and b2 are right and W1 and b1 wrong.

The expected wrong entries are worked out here from the mistake itself (which columns, which
inputs, the factor −reg), never from the checker's output.
"""

from __future__ import annotations

import functools
import re

import numpy as np
import pytest

import autograd
from autograd import Value

REG = 0.1


# ------------------------------------------------------------ the homework


def svm_loss_vectorized(W, X, y, reg, bug=False):
    num_train = X.shape[0]
    scores = X.dot(W)
    correct_class_scores = scores[np.arange(num_train), y].reshape(-1, 1)
    margins = np.maximum(0, scores - correct_class_scores + 1)
    margins[np.arange(num_train), y] = 0
    loss = np.sum(margins) / num_train
    loss += reg * np.sum(W * W)
    counts = (margins > 0).astype(float)
    counts[np.arange(num_train), y] = -np.sum(counts, axis=1)
    dW = X.T.dot(counts) / num_train
    dW += reg * W if bug else 2 * reg * W  # the bug: d/dW of reg·ΣW² taken as reg·W
    return loss, dW


def softmax_loss_vectorized(W, X, y, reg, bug=False):
    num_train = X.shape[0]
    scores = X.dot(W)
    scores -= np.max(scores, axis=1, keepdims=True)
    exp_scores = np.exp(scores)
    probs = exp_scores / np.sum(exp_scores, axis=1, keepdims=True)
    loss = -np.sum(np.log(probs[np.arange(num_train), y])) / num_train
    loss += reg * np.sum(W * W)
    dscores = probs.copy()
    if not bug:  # the bug: the −1 at the correct class forgotten
        dscores[np.arange(num_train), y] -= 1
    dW = X.T.dot(dscores) / num_train + 2 * reg * W
    return loss, dW


class TwoLayerNet:
    """input - fully connected - ReLU - fully connected - softmax, parameters in self.params."""

    def __init__(self, input_size, hidden_size, output_size, std=0.5, seed=0, bug=False,
                 relu_derivative=None):
        rng = np.random.default_rng(seed)
        self.params = {
            "W1": std * rng.standard_normal((input_size, hidden_size)),
            "b1": 0.1 * rng.standard_normal(hidden_size),
            "W2": std * rng.standard_normal((hidden_size, output_size)),
            "b2": 0.1 * rng.standard_normal(output_size),
        }
        self.bug = bug
        self.relu_derivative = relu_derivative  # relu'(z) as the student writes it, if given

    def loss(self, X, y=None, reg=0.0):
        W1, b1 = self.params["W1"], self.params["b1"]
        W2, b2 = self.params["W2"], self.params["b2"]
        N = X.shape[0]
        pre = X.dot(W1) + b1
        hidden = np.maximum(0, pre)
        scores = hidden.dot(W2) + b2
        if y is None:
            return scores
        shifted = scores - np.max(scores, axis=1, keepdims=True)
        exp_scores = np.exp(shifted)
        probs = exp_scores / np.sum(exp_scores, axis=1, keepdims=True)
        loss = -np.sum(np.log(probs[np.arange(N), y])) / N
        loss += reg * (np.sum(W1 * W1) + np.sum(W2 * W2))
        grads = {}
        dscores = probs.copy()
        dscores[np.arange(N), y] -= 1
        dscores /= N
        grads["W2"] = hidden.T.dot(dscores) + 2 * reg * W2
        grads["b2"] = np.sum(dscores, axis=0)
        dhidden = dscores.dot(W2.T)
        if self.relu_derivative is not None:
            dhidden = dhidden * self.relu_derivative(pre)
        elif not self.bug:  # the bug: the ReLU's mask forgotten
            dhidden[hidden <= 0] = 0
        grads["W1"] = X.T.dot(dhidden) + 2 * reg * W1
        grads["b1"] = np.sum(dhidden, axis=0)
        return loss, grads


# ----------------------------------------------------------------- the data

rng = np.random.default_rng(231)
D, C, N = 6, 5, 3
W = 0.5 * rng.standard_normal((D, C))
X = rng.standard_normal((N, D))
Y = np.array([0, 3, 3])  # classes 1, 2 and 4 have no sample: their columns stay right
NET_X = rng.standard_normal((5, 4))
NET_Y = np.array([0, 1, 2, 1, 0])


def net(bug=False):
    return TwoLayerNet(4, 6, 3, seed=3, bug=bug)


def test_the_data_is_off_the_kinks():
    """No hinge margin and no ReLU input within 1e-3 of 0, so every derivative exists."""
    scores = X.dot(W)
    margins = scores - scores[np.arange(N), Y][:, None] + 1
    margins[np.arange(N), Y] = 1.0
    assert np.all(np.abs(margins) > 1e-3)
    p = net().params
    pre = NET_X.dot(p["W1"]) + p["b1"]
    assert np.all(np.abs(pre) > 1e-3) and np.any(pre < 0) and np.any(pre > 0)


# ------------------------------------------------- correct homework passes


@pytest.mark.parametrize("loss", [svm_loss_vectorized, softmax_loss_vectorized])
def test_a_correct_linear_classifier_passes(loss):
    report = autograd.check_numpy_gradient(lambda W: loss(W, X, Y, REG), W)
    assert report and report.score == 1.0
    assert [r.name for r in report.inputs] == ["W"]
    assert report.input("W").checked == D * C
    assert all(e.checked and not e.kink for e in report.entries)
    assert report.pattern == "" and report.notes == []  # the engine ran the function (dW += …)
    assert all(np.isfinite(e.values[1]) for e in report.entries)


def test_a_correct_two_layer_net_passes_with_its_params_dict():
    model = net()
    before = {k: v.copy() for k, v in model.params.items()}
    report = autograd.check_numpy_gradient(lambda params: model.loss(NET_X, NET_Y, reg=REG),
                                           model.params)
    assert report, str(report)
    assert report.notes == []  # the engine ran the net's own code
    assert [r.name for r in report.inputs] == ["W1", "b1", "W2", "b2"]
    assert report.input_scores == {"W1": 1.0, "b1": 1.0, "W2": 1.0, "b2": 1.0}
    # the dict is the model's own again, with the same arrays
    assert set(model.params) == set(before)
    assert all(np.array_equal(model.params[k], before[k]) for k in before)


def test_the_engine_column_is_the_engine_run_on_the_same_function():
    """At one entry, the engine's number is autograd's gradient of the student's loss run
    on Values, and the numeric one is a central difference, computed here by hand."""
    report = autograd.check_numpy_gradient(lambda W: softmax_loss_vectorized(W, X, Y, REG), W)
    cells = np.empty(W.shape, dtype=object)
    for index in np.ndindex(W.shape):
        cells[index] = Value(float(W[index]))
    loss, _ = softmax_loss_vectorized(cells, X, Y, REG)
    (expected,) = autograd.grad(loss, [cells[2, 3]])
    up, down = W.copy(), W.copy()
    up[2, 3] += 1e-6
    down[2, 3] -= 1e-6
    numeric = (softmax_loss_vectorized(up, X, Y, REG)[0]
               - softmax_loss_vectorized(down, X, Y, REG)[0]) / 2e-6
    hand, engine, central = report["W[2, 3]"].values
    assert engine == pytest.approx(expected, rel=1e-12)
    assert central == pytest.approx(numeric, rel=1e-9)
    assert hand == softmax_loss_vectorized(W, X, Y, REG)[1][2, 3]


# ------------------------------------------------ buggy homework is named


def test_the_svm_regularisation_bug_names_every_entry_and_the_term():
    report = autograd.check_numpy_gradient(
        lambda W: svm_loss_vectorized(W, X, Y, REG, bug=True), W)
    assert not report
    # yours − right = −reg·W: wrong wherever reg·|W| exceeds atol + rtol·|right|, the right
    # gradient being the correct function's
    right = svm_loss_vectorized(W, X, Y, REG)[1]
    expected = {f"W[{i}, {j}]" for i, j in np.ndindex(W.shape)
                if REG * abs(W[i, j]) > 1e-5 + 1e-3 * abs(right[i, j])}
    assert 0 < len(W.flat) - len(expected) < 5  # a few small entries of W pass
    assert {e.name for e in report.failures} == expected
    assert report.pattern == (
        "At every checked entry of W, yours − the right value = -0.1 × W: the regularisation "
        "term? (the gradient of reg·ΣW² is 2·reg·W)")
    assert str(report).endswith(report.pattern)


def test_the_softmax_bug_names_the_columns_of_the_correct_classes():
    report = autograd.check_numpy_gradient(
        functools.partial(softmax_loss_vectorized, X=X, y=Y, reg=REG, bug=True), W)
    assert not report
    # the missing −1 changes dW[:, c] by Σ_{i: y_i = c} X[i] / N: columns 0 and 3 only
    assert {e.name for e in report.failures} == {f"W[{i}, {j}]" for i in range(D)
                                                 for j in (0, 3)}
    assert report.pattern.startswith("The wrong entries of W fill exactly its columns 0, 3 "
                                     "(every other column is right)")
    assert "the correct class" in report.pattern
    assert report.title == "numpy gradient check of softmax_loss_vectorized"


def test_the_two_layer_net_bug_is_in_w1_and_b1_only():
    model = net(bug=True)
    report = autograd.check_numpy_gradient(lambda params: model.loss(NET_X, NET_Y, reg=REG),
                                           model.params)
    assert not report
    assert report.input_scores["W2"] == report.input_scores["b2"] == 1.0
    assert report.input("W1").score < 1 and report.input("b1").score < 1
    # without the mask, dhidden is wrong exactly where the ReLU is off: b1[j] is wrong iff
    # some sample has unit j off (and a nonzero upstream gradient there)
    p = model.params
    off = NET_X.dot(p["W1"]) + p["b1"] <= 0
    assert {e.name for e in report.input("b1").wrong} == {
        f"b1[{j}]" for j in range(6) if off[:, j].any()}
    assert report.pattern == (
        "W2 and b2 are right and W1 and b1 are wrong: the mistake is in the steps of your "
        "backward pass that only W1 and b1 go through.")
    assert report.title == "numpy gradient check of TwoLayerNet.loss"


# ------------------------------- a zero-initialised first layer: every ReLU at its kink

PIXELS = np.abs(NET_X)  # inputs >= 0, as pixels are
KINK_NOTE = re.compile(r"the loss has a kink here, and yours, (\S+), lies outside its slopes on "
                       r"either side \((\S+) on the left, (\S+) on the right\)")
GROUPED_NOTE = re.compile(r"note: yours lies outside the loss's slopes on either side at (\d+) "
                          r"of its kinks: (.*); and (\d+) more \(report\.failures lists them "
                          r"all, each with its note\)")
SHOWN_ENTRY = re.compile(r"(\w+\[\d+, \d+\]), yours (\S+) \((\S+) on the left, (\S+) on the "
                         r"right\)")


def zero_initialised(relu_derivative):
    """The net with W1 and b1 initialised to zero (a common bug): every ReLU input is 0."""
    model = TwoLayerNet(4, 6, 3, seed=3, relu_derivative=relu_derivative)
    model.params["W1"][:] = 0.0
    model.params["b1"][:] = 0.0
    return model


def right_slopes(model):
    """The loss's slopes on the right of W1 = 0 and b1 = 0, worked out by hand.

    Every hidden unit is 0, so every sample's scores are b2: probs = softmax(b2) and
    dscores = (probs − onehot(y)) / N, and dL/dhidden = G = dscores·W2ᵀ. Moving W1[i, j] by
    t > 0 makes hidden[n, j] = X[n, i]·t (X >= 0): the slope on the right is (Xᵀ·G)[i, j].
    Moving it by t < 0 keeps every hidden unit at 0: the slope on the left is 0 (exactly,
    without regularisation). b1[j] moves every sample's unit j: ΣG[:, j] on the right, 0 on
    the left. So relu'(0) = s gives yours = s × the slope on the right.
    """
    p = model.params
    probs = np.exp(p["b2"]) / np.sum(np.exp(p["b2"]))
    dscores = (probs - np.eye(3)[NET_Y]) / len(NET_Y)
    G = dscores.dot(p["W2"].T)
    return {"W1": PIXELS.T.dot(G), "b1": G.sum(axis=0)}


def check_zero_initialised(relu_derivative):
    model = zero_initialised(relu_derivative)
    return autograd.check_numpy_gradient(lambda params: model.loss(PIXELS, NET_Y, reg=0.0),
                                         model.params)


FIRST_LAYER = [f"W1[{i}, {j}]" for i in range(4) for j in range(6)] + [
    f"b1[{j}]" for j in range(6)]


def test_a_zero_initialised_first_layer_puts_a_kink_at_every_entry():
    """Every ReLU input is exactly 0, and every slope on the right is far from 0 (so a
    relu'(0) outside [0, 1] is outside the slopes at every entry of W1 and b1)."""
    model = zero_initialised(None)
    p = model.params
    assert np.all(PIXELS.dot(p["W1"]) + p["b1"] == 0)
    slopes = right_slopes(model)
    assert all(np.all(np.abs(s) > 1e-3) for s in slopes.values())


@pytest.mark.parametrize(("relu_derivative", "at_zero"), [
    (lambda z: z >= 0, 1.0),  # relu'(0) = 1: a subgradient
    (lambda z: z > 0, 0.0),  # relu'(0) = 0: the engine's choice
    (lambda z: np.where(z > 0, 1.0, np.where(z < 0, 0.0, 0.5)), 0.5),
])
def test_a_relu_derivative_between_0_and_1_at_the_kink_passes(relu_derivative, at_zero):
    report = check_zero_initialised(relu_derivative)
    assert report, str(report)
    assert report.input_scores == {"W1": 1.0, "b1": 1.0, "W2": 1.0, "b2": 1.0}
    assert [e.name for e in report.kinks] == FIRST_LAYER  # W2 and b2: no kink
    slopes = right_slopes(zero_initialised(None))
    for name in ("W1", "b1"):  # yours is relu'(0) × the slope on the right
        result = report.input(name)
        hand = np.array([e.values[0] for e in result.entries])
        assert hand == pytest.approx(at_zero * slopes[name].reshape(-1), rel=1e-9, abs=1e-12)
        numeric = np.array([e.values[2] for e in result.entries])  # (0 + right) / 2
        assert numeric == pytest.approx(slopes[name].reshape(-1) / 2, rel=1e-4)
    assert any(note.startswith("the loss has a kink at W1[0, 0], W1[0, 1]")
               and "any value between the two slopes passes" in note for note in report.notes)
    assert not any(e.note for e in report.entries)
    assert report.pattern == ""


@pytest.mark.parametrize(("relu_derivative", "at_zero"), [
    (lambda z: 2.0 * (z >= 0), 2.0),
    (lambda z: np.where(z > 0, 1.0, -1.0), -1.0),
])
def test_a_relu_derivative_outside_0_and_1_at_the_kink_fails_naming_both_slopes(
        relu_derivative, at_zero):
    report = check_zero_initialised(relu_derivative)
    assert not report
    assert report.input_scores == {"W1": 0.0, "b1": 0.0, "W2": 1.0, "b2": 1.0}
    assert [e.name for e in report.failures] == FIRST_LAYER
    slopes = right_slopes(zero_initialised(None))
    expected = [*slopes["W1"].reshape(-1), *slopes["b1"]]
    for entry, right in zip(report.failures, expected):
        assert entry.kink
        yours, left, measured = KINK_NOTE.fullmatch(entry.note).groups()
        assert float(yours) == pytest.approx(at_zero * right, rel=1e-5)
        assert left == "0"
        assert float(measured) == pytest.approx(right, rel=1e-4)
    text = str(report)
    (note,) = [line for line in text.splitlines()  # one note on them, not 30
               if line.startswith("note: ") and "slopes on either side" in line]
    head, shown, rest = GROUPED_NOTE.fullmatch(note).groups()
    assert head == "30"  # every entry of W1 and b1
    assert rest == "27"
    first = SHOWN_ENTRY.findall(shown)
    assert [name for name, *_ in first] == ["W1[0, 0]", "W1[0, 1]", "W1[0, 2]"]
    for (_, yours, left, measured), (i, j) in zip(first, [(0, 0), (0, 1), (0, 2)]):
        assert float(yours) == pytest.approx(at_zero * slopes["W1"][i, j], rel=1e-5)
        assert left == "0"
        assert float(measured) == pytest.approx(slopes["W1"][i, j], rel=1e-4)
    friendly = report.text("friendly")
    assert "W1 (4, 6): 0 of 24 checked entries right" in friendly
    assert "on the right" not in friendly  # no reference numbers
    assert "does not change" not in report.pattern  # it does: the engine's 0 is one choice


def test_away_from_the_kinks_a_relu_derivative_of_2_still_fails():
    """The net of the other tests, every ReLU input away from 0: relu'(z) = 2 where z > 0
    doubles dhidden where the unit is on, so W1 and b1 are wrong and no entry is a kink."""
    model = TwoLayerNet(4, 6, 3, seed=3, relu_derivative=lambda z: 2.0 * (z > 0))
    report = autograd.check_numpy_gradient(lambda params: model.loss(NET_X, NET_Y, reg=REG),
                                           model.params)
    assert not report and not report.kinks
    assert report.input_scores["W2"] == report.input_scores["b2"] == 1.0
    p = model.params
    on = NET_X.dot(p["W1"]) + p["b1"] > 0
    assert {e.name for e in report.input("b1").wrong} == {
        f"b1[{j}]" for j in range(6) if on[:, j].any()}
    assert not any("kink" in note for note in report.notes)


def test_the_three_reports_read_as_a_student_sees_them():
    svm = autograd.check_numpy_gradient(lambda W: svm_loss_vectorized(W, X, Y, REG, bug=True),
                                        W)
    text = str(svm)
    assert text.startswith("numpy gradient check of svm_loss_vectorized: FAILED (")
    lines = text.splitlines()
    assert lines[1].split() == ["input", "shape", "checked", "right", "score"]
    right = 30 - len(svm.failures)
    assert lines[2].split() == ["W", "(6,", "5)", "30", "of", "30", str(right),
                                f"{right / 30:.2f}"]
    first = svm.failures[0]
    row = next(line for line in text.splitlines() if line.startswith(first.name + " "))
    assert row.split()[-1] == "FAIL" and f"{first.values[0]:.8g}" in row
    friendly = svm.text("friendly")
    assert "W (6, 5): " in friendly and first.name in friendly
    assert f"{first.values[1]:.8g}" not in friendly  # no reference numbers
    assert "-0.1" not in friendly


# -------------------------------------------------------------- calls as written


def test_names_come_from_the_functions_parameters():
    report = autograd.check_numpy_gradient(lambda weights: softmax_loss_vectorized(
        weights, X, Y, REG), W, sample=3)
    assert [r.name for r in report.inputs] == ["weights"]
    assert report.entries[0].name.startswith("weights[")
    named = autograd.check_numpy_gradient(lambda w: softmax_loss_vectorized(w, X, Y, REG), W,
                                          names="W", sample=3)
    assert named.entries[0].name.startswith("W[")


def test_several_inputs_as_a_tuple_and_their_gradients_as_a_tuple():
    def affine_loss(w, b):
        out = X.dot(w) + b
        return np.sum(out * out), (2 * X.T.dot(out), 2 * np.sum(out, axis=0))

    report = autograd.check_numpy_gradient(affine_loss, [W, np.zeros(C)])
    assert report and [r.name for r in report.inputs] == ["w", "b"]


def test_the_function_runs_on_copies_and_the_inputs_stay_as_they_were():
    seen = []

    def loss(w):
        seen.append(w.dtype)
        total = np.sum(w * w)
        w *= 0  # a student's function that scribbles on its input
        return total, 2 * W

    before = W.copy()
    assert autograd.check_numpy_gradient(loss, W)
    assert np.array_equal(W, before)
    assert np.dtype(object) in seen and np.dtype(np.float64) in seen


def test_import_autograd_does_not_import_numpy():
    import subprocess
    import sys

    code = ("import sys, autograd; assert 'numpy' not in sys.modules; "
            "autograd.check_numpy_gradient; assert 'numpy' in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)
