"""Losses: the notes' worked hinge example, formulas, gradients and bad targets."""

from __future__ import annotations

import math
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd import Value, grad
from nn.losses import (
    binary_hinge,
    cross_entropy,
    l2,
    log_softmax,
    mean_loss,
    mse,
    multiclass_hinge,
    softmax,
)

finite = st.floats(min_value=-20, max_value=20, allow_nan=False)
logit_lists = st.lists(finite, min_size=2, max_size=8)


def values(numbers: list[float]) -> list[Value]:
    return [Value(x) for x in numbers]


# ---------------------------------------------------------------------------
# Multiclass hinge: seed 004's worked example
# ---------------------------------------------------------------------------


def test_worked_hinge_example_from_the_notes() -> None:
    # s = (-3, 1.0, 0.5, -1.0, -0.4), y = 2, Δ = 1. Terms s_j - s_y + 1 for j ≠ y:
    # j=0: -3 - 0.5 + 1 = -2.5 -> 0;   j=1: 1 - 0.5 + 1 = 1.5;
    # j=3: -1 - 0.5 + 1 = -0.5 -> 0;   j=4: -0.4 - 0.5 + 1 = 0.1.   L = 1.5 + 0.1 = 1.6
    scores = values([-3.0, 1.0, 0.5, -1.0, -0.4])
    loss = multiclass_hinge(scores, 2, margin=1.0)
    assert loss.data == pytest.approx(1.6)
    loss.backward()
    # dL/ds_j = 1 for each active margin (j = 1 and j = 4), 0 for inactive ones,
    # and dL/ds_y = -(number of active margins) = -2.
    assert [s.grad for s in scores] == [0.0, 1.0, -2.0, 0.0, 1.0]


def test_hinge_sums_with_one_node() -> None:
    loss = multiclass_hinge(values([1.0, 2.0, 3.0]), 0)
    assert loss.op == "sum" and len(loss.parents) == 2


@given(st.lists(finite, min_size=2, max_size=6), st.data(), st.floats(0.0, 3.0))
@settings(max_examples=50)
def test_hinge_matches_its_formula(scores: list[float], data: st.DataObject,
                                   margin: float) -> None:
    y = data.draw(st.integers(0, len(scores) - 1))
    expected = sum(max(0.0, s - scores[y] + margin) for j, s in enumerate(scores) if j != y)
    assert multiclass_hinge(values(scores), y, margin).data == pytest.approx(expected, abs=1e-9)


# ---------------------------------------------------------------------------
# Softmax and cross-entropy
# ---------------------------------------------------------------------------


@given(logit_lists, st.data())
@settings(max_examples=60)
def test_cross_entropy_gradient_is_softmax_minus_onehot(logits: list[float],
                                                        data: st.DataObject) -> None:
    y = data.draw(st.integers(0, len(logits) - 1))
    z = values(logits)
    gradients = grad(cross_entropy(z, y), z)
    exps = [math.exp(v - max(logits)) for v in logits]  # plain-float softmax, by hand
    probabilities = [e / sum(exps) for e in exps]
    for k, g in enumerate(gradients):
        assert g == pytest.approx(probabilities[k] - (1.0 if k == y else 0.0), abs=1e-9)


@given(logit_lists, st.data())
@settings(max_examples=40)
def test_cross_entropy_is_minus_log_probability(logits: list[float], data: st.DataObject) -> None:
    y = data.draw(st.integers(0, len(logits) - 1))
    m = max(logits)
    log_sum = m + math.log(sum(math.exp(v - m) for v in logits))
    assert cross_entropy(values(logits), y).data == pytest.approx(log_sum - logits[y], abs=1e-9)


def test_softmax_and_log_softmax_are_stable_for_huge_logits() -> None:
    z = values([1000.0, -1000.0, 999.0])
    p = softmax(z)
    assert sum(v.data for v in p) == pytest.approx(1.0)
    assert p[0].data == pytest.approx(1 / (1 + math.exp(-1)))
    assert log_softmax(z)[1].data == pytest.approx(-2000.0 - math.log1p(math.exp(-1)))
    loss = cross_entropy(z, 1)
    assert loss.data == pytest.approx(2000.0 + math.log1p(math.exp(-1)))
    loss.backward()
    assert all(math.isfinite(v.grad) for v in z)


def test_softmax_works_on_plain_numbers() -> None:
    p = softmax([0.0, math.log(3.0)])
    assert p == pytest.approx([0.25, 0.75])


# ---------------------------------------------------------------------------
# Binary hinge, mse, l2, mean
# ---------------------------------------------------------------------------


@given(finite, st.sampled_from([-1, 1]))
def test_binary_hinge_formula_and_gradient(score: float, y: int) -> None:
    s = Value(score)
    loss = binary_hinge(s, y)
    assert loss.data == pytest.approx(max(0.0, 1.0 - y * score))
    loss.backward()
    assert s.grad == (-y if y * score < 1 else 0.0)


@given(st.lists(st.tuples(finite, finite), min_size=1, max_size=6))
def test_mse_formula_and_gradient(pairs: list[tuple[float, float]]) -> None:
    preds = values([p for p, _ in pairs])
    targets = [t for _, t in pairs]
    loss = mse(preds, targets)
    n = len(pairs)
    assert loss.data == pytest.approx(sum((p - t) ** 2 for p, t in pairs) / n)
    loss.backward()
    for p, t in zip(preds, targets):
        assert p.grad == pytest.approx(2 * (p.data - t) / n)


def test_mse_of_one_number() -> None:
    p = Value(3.0)
    assert mse(p, 1.0).data == 4.0


@given(st.lists(finite, min_size=1, max_size=10), st.floats(0.0, 2.0))
def test_l2_formula_and_gradient(weights: list[float], lam: float) -> None:
    w = values(weights)
    penalty = l2(w, lam)
    assert penalty.data == pytest.approx(lam * sum(x * x for x in weights))
    penalty.backward()
    assert [p.grad for p in w] == pytest.approx([2 * lam * x for x in weights])


def test_mean_loss_averages() -> None:
    losses = values([1.0, 2.0, 6.0])
    mean = mean_loss(losses)
    assert mean.data == pytest.approx(3.0)
    mean.backward()
    assert [v.grad for v in losses] == pytest.approx([1 / 3] * 3)


# ---------------------------------------------------------------------------
# Bad targets and inputs: clear errors
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("loss", [cross_entropy, multiclass_hinge])
@pytest.mark.parametrize("target, error, words", [
    (3, ValueError, "out of range"),
    (-1, ValueError, "out of range"),
    (True, TypeError, "bool"),
    (1.0, TypeError, "float"),
    ("1", TypeError, "str"),
])
def test_bad_class_targets(loss, target, error, words) -> None:
    with pytest.raises(error, match=words):
        loss(values([0.1, 0.2, 0.3]), target)


@pytest.mark.parametrize("y", [0, 2, 0.5, -2])
def test_binary_hinge_needs_plus_or_minus_one(y) -> None:
    with pytest.raises(ValueError, match="-1 or \\+1"):
        binary_hinge(Value(0.3), y)


def test_binary_hinge_refuses_bool() -> None:
    with pytest.raises(TypeError, match="bool"):
        binary_hinge(Value(0.3), True)


def nan_score() -> Value:
    score = Value(0.3)
    score.data = math.nan  # by hand, as a diverged update once left it (issue 12, item 2)
    return score


def test_a_nan_score_is_an_error_not_a_hinge_loss_of_zero() -> None:
    # relu(nan) was 0.0, so a NaN score gave a hinge loss of exactly 0 and training went on
    with pytest.raises(ValueError, match="nan"):
        binary_hinge(nan_score(), 1)
    with pytest.raises(ValueError, match="nan"):
        binary_hinge(math.nan, -1)
    with pytest.raises(ValueError, match="nan"):
        multiclass_hinge([Value(0.1), nan_score(), Value(0.2)], 0)


def test_mse_length_mismatch() -> None:
    with pytest.raises(ValueError, match="2 prediction"):
        mse(values([1.0, 2.0]), [1.0])


def test_empty_inputs_are_refused() -> None:
    with pytest.raises(ValueError, match="at least one"):
        cross_entropy([], 0)
    with pytest.raises(ValueError, match="at least one"):
        mean_loss([])
    with pytest.raises(TypeError, match="list of scores"):
        softmax(Value(1.0))
    with pytest.raises(ValueError, match="lam"):
        l2(values([1.0]), -1.0)
    with pytest.raises(ValueError, match="l2: lam must be finite, got inf"):
        l2(values([1.0]), math.inf)


# ------------------------------------------- large logits: shift by the maximum first


def test_cross_entropy_is_exact_for_logits_of_1e15():
    # L = log(e^0 + e^0 + e^-3) after shifting by the maximum 1e15: log(2 + e^-3)
    logits = values([1e15, 1e15, 1e15 - 3])
    loss = cross_entropy(logits, 0)
    assert loss.data == pytest.approx(math.log(2 + math.exp(-3)), rel=1e-14)  # 0.71773...
    loss.backward()  # dL/dz0 = softmax_0 - 1 = 1/(2 + e^-3) - 1
    assert logits[0].grad == pytest.approx(1 / (2 + math.exp(-3)) - 1, rel=1e-12)


@pytest.mark.parametrize("scale", [1e8, 1e12, 1e15, -1e15])
def test_softmax_of_huge_logits_sums_to_one_and_matches_the_shifted_formula(scale):
    shifts = [0.0, -1.0, -3.0, 0.5]
    probabilities = softmax(values([scale + s for s in shifts]))
    # the logits are exactly scale + s (these floats are representable), so the softmax
    # is that of the shifts: e^{s_k} / Σ_j e^{s_j}
    total = sum(math.exp(s) for s in shifts)
    for p, s in zip(probabilities, shifts):
        assert p.data == pytest.approx(math.exp(s) / total, rel=1e-12)
    assert sum(p.data for p in probabilities) == pytest.approx(1.0, rel=1e-14)


def test_log_softmax_of_huge_logits_is_exact():
    log_p = log_softmax(values([1e15, 1e15, 1e15 - 3]))
    expected = -math.log(2 + math.exp(-3))
    assert [v.data for v in log_p] == pytest.approx([expected, expected, expected - 3],
                                                    rel=1e-13)


@pytest.mark.parametrize("call, error, words", [
    (lambda: multiclass_hinge([Value(1.0), Value(2.0)], 0, margin=math.nan), ValueError,
     "multiclass_hinge: margin must be finite, got nan"),
    (lambda: mse([Value(1.0)], [math.nan]), ValueError, "mse: target must be finite, got nan"),
    (lambda: cross_entropy([math.inf, 1.0], 0), ValueError,
     "cross_entropy: score must be finite, got inf"),
    (lambda: binary_hinge(0.5, Value(1.0)), TypeError,
     "binary_hinge: y is a label, a plain -1 or \\+1, got a Value"),
])
def test_a_loss_names_the_argument_that_is_not_a_finite_number(call, error, words) -> None:
    # before: relu's input, sum's input or "got nan" for an inf were blamed instead
    with pytest.raises(error, match=words):
        call()


# ------------------------- logits ±1e308 apart: the shift z - max z is below the floats
#
# For z = [1e308, -1e308], z_1 - max z = -2e308 is not a float, but e^(z_1 - max z) is far
# below the smallest float (e^-746 already rounds to 0): the probabilities are [1, 0], and a
# loss or a log-probability exists as a float exactly when it is at most 1.8e308 in size.
# Every number below is written out by hand (PyTorch 2.13, float64, gives the same ones;
# where the true value is beyond the floats it gives inf, and we name the overflow).

TOP = 1.7976931348623157e308  # the largest float
ZEROS_2 = [(0.0, 0.0)] * 2
ZEROS_3 = [(0.0, 0.0, 0.0)] * 3


@pytest.mark.parametrize("logits, expected, jacobian", [
    # ∂p_k/∂z_j = p_k·(δ_kj − p_j): 0 when p_k is 0, and when p_k is 1 (then p_j = δ_kj)
    ([1e308, -1e308], [1.0, 0.0], ZEROS_2),
    ([-1e308, 1e308, 0.0], [0.0, 1.0, 0.0], ZEROS_3),
    ([TOP, -TOP], [1.0, 0.0], ZEROS_2),
    # p = [0, 1/2, 1/2]: row 1 is 1/2·[0 − 0, 1 − 1/2, 0 − 1/2], row 2 likewise
    ([-TOP, TOP, TOP], [0.0, 0.5, 0.5], [(0.0, 0.0, 0.0), (0.0, 0.25, -0.25),
                                         (0.0, -0.25, 0.25)]),
])
def test_softmax_of_logits_whose_shift_leaves_the_floats(logits, expected, jacobian) -> None:
    assert softmax(logits) == expected  # plain numbers: plain floats
    z = values(logits)
    probabilities = softmax(z)
    assert [p.data for p in probabilities] == expected
    assert [grad(p, z) for p in probabilities] == jacobian


@pytest.mark.parametrize("logits, target, loss, gradient", [
    # L = logsumexp(z) − z_y and ∂L/∂z = softmax(z) − onehot(y), softmax as above
    ([1e308, -1e308], 0, 0.0, [0.0, 0.0]),                       # [1, 0] − [1, 0]
    ([-1e308, 1e308, 0.0], 1, 0.0, [0.0, 0.0, 0.0]),             # [0, 1, 0] − [0, 1, 0]
    ([-1e308, 1e308, 0.0], 2, 1e308, [0.0, 1.0, -1.0]),          # 1e308 − 0; [0, 1, 0] − [0, 0, 1]
    ([TOP, -TOP], 0, 0.0, [0.0, 0.0]),
    ([-TOP, TOP, TOP], 2, math.log(2), [0.0, 0.5, -0.5]),        # log(e^0 + e^0) − 0
])
def test_cross_entropy_of_logits_whose_shift_leaves_the_floats(logits, target, loss,
                                                               gradient) -> None:
    assert cross_entropy(logits, target) == loss
    z = values(logits)
    result = cross_entropy(z, target)
    assert result.data == loss
    result.backward()
    assert [v.grad for v in z] == gradient


@pytest.mark.parametrize("logits, target, words", [
    # −log softmax(z)_y ≥ max z − z_y = 1e308 − (−1e308) = 2e308: no float is that large
    ([1e308, -1e308], 1, "max(z) - z_1 = 1e+308 - (-1e+308)"),
    ([-1e308, 1e308, 0.0], 0, "max(z) - z_0 = 1e+308 - (-1e+308)"),
    ([TOP, -TOP], 1, "max(z) - z_1 = 1.79769e+308 - (-1.79769e+308)"),
])
def test_cross_entropy_beyond_the_floats_names_the_overflow(logits, target, words) -> None:
    z = values(logits)
    for argument in (logits, z):  # plain numbers, then Values
        with pytest.raises(OverflowError, match=r"^cross_entropy: the loss for target "
                           rf"{target} is too large for a float: it is at least "
                           + re.escape(words) + ", and the floats end at 1.79769e"):
            cross_entropy(argument, target)
    assert [v.data for v in z] == logits and [v.grad for v in z] == [0.0] * len(z)


@pytest.mark.parametrize("logits, entry, words", [
    # log softmax(z)_k ≤ z_k − max z = −1e308 − 1e308 = −2e308
    ([1e308, -1e308], 1, "z_1 - max(z) = -1e+308 - 1e+308"),
    ([-1e308, 1e308, 0.0], 0, "z_0 - max(z) = -1e+308 - 1e+308"),
])
def test_log_softmax_beyond_the_floats_names_the_overflow(logits, entry, words) -> None:
    z = values(logits)
    for argument in (logits, z):  # plain numbers, then Values
        with pytest.raises(OverflowError, match=r"^log_softmax: log softmax\(z\)_"
                           rf"{entry} is below every float: it is at most "
                           + re.escape(words) + ", and the floats end at -1.79769e"):
            log_softmax(argument)
    assert [v.data for v in z] == logits and [v.grad for v in z] == [0.0] * len(z)


def test_log_softmax_just_inside_the_floats_is_computed() -> None:
    # z_1 − max z = 0 − 1e308 is a float: log softmax = [0 − log(1 + e^-1e308), −1e308 − 0]
    assert log_softmax([1e308, 0.0]) == [0.0, -1e308]
    assert [v.data for v in log_softmax(values([0.0, -TOP]))] == [0.0, -TOP]
