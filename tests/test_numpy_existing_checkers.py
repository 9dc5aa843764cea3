"""The older checkers take what a numpy student passes them (issue 25, item 3).

- `gradcheck` and `numerical_grad`: a 1-D array is one input per entry;
- `check_hand_gradient`: an array input reaches the loss as an object array of Values and
  the gradient function as a float array, so ``W * W`` and ``X.dot(W)`` work in both; a dict
  of inputs gives both functions one dict; a gradient function returning a dict for list
  inputs is told what to return; a loss converted to float is diagnosed as detached;
- `check_hand_backward`: the plain 0s of ``np.maximum(0, ·)`` among an intermediate's
  Values are constants, not checked, with a note suggesting ``autograd.relu``.
"""

from __future__ import annotations

import numpy as np
import pytest

from autograd import (
    Value,
    check_hand_backward,
    check_hand_gradient,
    gradcheck,
    numerical_grad,
)

rng = np.random.default_rng(9)
W = rng.standard_normal((3, 2))
X = rng.standard_normal((4, 3))


def test_gradcheck_takes_a_1d_array_as_one_input_per_entry():
    point = np.array([0.5, -1.5])
    report = gradcheck(lambda a, b: (a * b).tanh(), point)
    listed = gradcheck(lambda a, b: (a * b).tanh(), [0.5, -1.5])
    assert report and [e.values for e in report] == [e.values for e in listed]
    assert numerical_grad(lambda a: a * a, np.array(3.0)) == pytest.approx((6.0,))
    assert gradcheck(lambda a, b: a * b, [np.array(2.0), np.float64(3.0)])


def test_gradcheck_points_a_matrix_at_check_numpy_gradient():
    with pytest.raises(TypeError, match=r"2-D array of shape \(3, 2\).*check_numpy_gradient"):
        gradcheck(lambda w: w, W)


def test_hand_gradient_functions_get_arrays_and_losses_get_arrays_of_values():
    seen = {}

    def loss(w):
        seen["loss"] = (type(w), w.dtype, type(w[0, 0]))
        scores = X.dot(w)
        return np.sum(scores * scores) + np.sum(w * w)

    def gradient(w):
        seen["gradient"] = (type(w), w.dtype)
        w[0, 0] = 99.0  # a copy: the point does not change
        return 2 * X.T.dot(X.dot(W)) + 2 * W

    point = W.copy()
    report = check_hand_gradient(loss, gradient, [point], names=["W"])
    assert report and point[0, 0] == W[0, 0]
    assert seen["loss"] == (np.ndarray, np.dtype(object), Value)
    assert seen["gradient"] == (np.ndarray, np.dtype(np.float64))
    assert [e.name for e in report][:2] == ["W[0][0]", "W[0][1]"]
    wrong = check_hand_gradient(loss, lambda w: 2 * X.T.dot(X.dot(w)), [W], names=["W"])
    assert not wrong and len(wrong.failures) == W.size  # the 2W of ΣW² forgotten everywhere


def test_a_dict_of_inputs_gives_both_functions_one_dict():
    params = {"W": W, "b": np.array([0.5, -0.5])}

    def loss(p):
        out = X.dot(p["W"]) + p["b"]
        return np.sum(out * out)

    def gradients(p):
        out = X.dot(p["W"]) + p["b"]
        return {"b": 2 * out.sum(axis=0), "W": 2 * X.T.dot(out)}

    report = check_hand_gradient(loss, gradients, params)
    assert report and report.stages == ["W", "b"]
    with pytest.raises(ValueError, match="grad_fn's dict has no gradient for b"):
        check_hand_gradient(loss, lambda p: {"W": gradients(p)["W"]}, params)


def test_a_grads_dict_for_list_inputs_gets_a_message_that_says_so():
    with pytest.raises(ValueError, match=r"grad_fn returned a dict \(keys W, b\) but the inputs "
                                         r"are a list: return one gradient per input"):
        check_hand_gradient(lambda w, b: np.sum(w) * b, lambda w, b: {"W": w, "b": b},
                            [W, 2.0], names=["W", "b"])


def test_a_loss_converted_to_float_is_called_detached_not_a_kink():
    def loss(w):
        return np.sum(np.asarray(w, dtype=float) ** 2)  # the student's conversion

    right = check_hand_gradient(loss, lambda w: 2 * w, [W], names=["W"])
    assert right  # finite differences confirm 2W
    assert right.notes == [
        "the loss does not depend on W through the engine: was it converted to float (float(), "
        ".data, np.asarray(W, dtype=float))? Finite differences see the loss change, so it is "
        "compared with them only"]
    wrong = check_hand_gradient(loss, lambda w: 3 * w, [W], names=["W"])
    assert not wrong and wrong.diagnosis.startswith(
        "The loss does not depend on W through the engine: was it converted to float")
    assert not any("kink" in note for note in wrong.notes)


def test_the_zeros_of_np_maximum_are_constants_of_the_graph():
    a = np.array([[0.7, -0.4], [-1.2, 0.3]])

    def forward(x):
        h = np.maximum(0, 3 * x)  # the int 0 where x < 0
        return np.sum(h * h), {"h": h}

    def backward(x, slip=False):
        h = np.maximum(0, 3 * x)
        dh = 2 * h + (1.0 if slip else 0.0)
        return {"h": dh, "x": 3 * dh * (x > 0)}

    report = check_hand_backward(forward, backward, [a], names=["x"])
    assert report
    skipped = [e.name for e in report if not e.checked]
    assert skipped == ["h[0][1]", "h[1][0]"]  # exactly where a < 0
    assert any("autograd.relu" in note and "h[0][1], h[1][0]" in note for note in report.notes)
    slipped = check_hand_backward(forward, lambda x: backward(x, slip=True), [a], names=["x"])
    assert not slipped and slipped.first_wrong == "h"
    # the +1 reaches x where the ReLU lets it through: where a > 0
    assert {e.name for e in slipped.failures} == {"h[0][0]", "h[1][1]", "x[0][0]", "x[1][1]"}


def test_hand_backward_takes_a_dict_of_inputs():
    params = {"W": W}

    def forward(p):
        s = X.dot(p["W"])
        return np.sum(s * s), {"s": s}

    def backward(p):
        s = X.dot(p["W"])
        return {"s": 2 * s, "W": X.T.dot(2 * s)}

    report = check_hand_backward(forward, backward, params)
    assert report and report.stages == ["s", "W"]
