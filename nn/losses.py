"""Loss functions built from scalar nodes (each returns a Value to call backward on).

Per-sample losses take one model output and one target; average a batch with
`mean_loss` (``(1/n) Σ_i L_i``, one sum node). Add `l2` for weight decay.

==================  ==========================================================
softmax(z)_k        e^{z_k} / Σ_j e^{z_j}  =  exp(s_k − logsumexp(s)),  s = z − max z
log_softmax(z)_k    s_k − logsumexp(s)
cross_entropy       −log softmax(z)_y = logsumexp(s) − s_y; ∂/∂z = softmax(z) − onehot(y)
multiclass_hinge    Σ_{j≠y} max(0, s_j − s_y + Δ)          (SVM loss, margin Δ)
binary_hinge        max(0, 1 − y·s),  y ∈ {−1, +1}
mse                 (1/n) Σ_i (p_i − t_i)²
l2                  λ · Σ_k w_k²       (one dot node: w · w)
==================  ==========================================================

Every function accepts numbers as well as Values; with numbers only, the result
is a plain float (handy for checking by hand).
"""

from __future__ import annotations

import math
import sys
from collections.abc import Sequence
from typing import Any

from autograd import Value, dot, exp, logsumexp, relu, validate
from autograd import sum as sum_all

__all__ = ["binary_hinge", "cross_entropy", "l2", "log_softmax", "mean_loss", "mse",
           "multiclass_hinge", "softmax"]


def shifted(logits: Sequence[Any]) -> list[Any]:
    """z_k − max_j z_j for each k (the maximum is a constant), or None where that
    difference is below the floats: the stable softmax's first step.

    softmax and log softmax do not change when every logit moves by the same number,
    and their gradients do not either (∂(z_k − m)/∂z_k = 1), so shifting by the largest
    logit changes nothing but the rounding: the largest shifted logit is 0, every
    exponent is ≤ 0, and no large term cancels later (for logits near 1e15 the
    unshifted ``logsumexp(z) − z_y`` keeps only 3 digits of the loss).

    Logits ±1e308 apart are the exception: −1e308 − 1e308 is no float. That logit's
    e^(z_k − max z) is far below the smallest float (e^−746 already rounds to 0), so its
    probability is 0.0 and its term adds nothing to Σ_j e^(z_j − max z) (which is ≥ 1):
    None marks it, and the callers leave it out of their logsumexp.
    """
    numbers = [_number(z) for z in logits]
    m = max(numbers)
    return [None if x - m == -math.inf else z - m for z, x in zip(logits, numbers)]


def softmax(logits: Sequence[Any]) -> list[Any]:
    """softmax(z)_k = e^{z_k} / Σ_j e^{z_j} = exp(s_k − logsumexp(s)), s = z − max z.

    Shifted by the maximum (`shifted`), every exponent is ≤ 0: no overflow for z = 1000,
    and the probabilities still sum to 1 for logits of 1e15. A logit so far below the
    largest that s_k is below the floats (−1e308 next to 1e308) has probability 0.0 (a
    new Value for a Value: its derivatives, p_k·(δ_kj − p_j), are 0 too).
    """
    logits = _checked_scores(logits, "softmax")
    scores = shifted(logits)
    lse = logsumexp([s for s in scores if s is not None])
    return [exp(s - lse) if s is not None else Value(0.0) if isinstance(z, Value) else 0.0
            for s, z in zip(scores, logits)]


def log_softmax(logits: Sequence[Any]) -> list[Any]:
    """log softmax(z)_k = s_k − logsumexp(s), s = z − max z (stable for large |z|).

    OverflowError where a log-probability is below the floats (−1e308 next to 1e308:
    at most −1e308 − 1e308).
    """
    logits = _checked_scores(logits, "log_softmax")
    scores = shifted(logits)
    for k, s in enumerate(scores):
        if s is None:
            raise OverflowError(
                f"log_softmax: log softmax(z)_{k} is below every float: it is at most "
                f"z_{k} - max(z) = {_number(logits[k]):g} - {_largest(logits):g}, and the "
                f"floats end at -{sys.float_info.max:g}")
    lse = logsumexp(scores)
    return [s - lse for s in scores]


def cross_entropy(logits: Sequence[Any], target: int) -> Any:
    """L = −log softmax(z)_y = logsumexp(s) − s_y, s = z − max z, for the class y = `target`.

    Its gradient with respect to the logits is softmax(z) − onehot(y). The shift by the
    maximum (`shifted`) keeps the loss exact for large logits. A logit whose shift is
    below the floats (−1e308 next to 1e308) has probability 0: left out of the logsumexp,
    its gradient is 0.0; if it is the target's, the loss is at least 2e308, an
    OverflowError (PyTorch gives inf).
    """
    logits = _checked_scores(logits, "cross_entropy")
    y = checked_class(target, len(logits), "cross_entropy")
    scores = shifted(logits)
    if scores[y] is None:
        raise OverflowError(
            f"cross_entropy: the loss for target {y} is too large for a float: it is at "
            f"least max(z) - z_{y} = {_largest(logits):g} - ({_number(logits[y]):g}), "
            f"and the floats end at {sys.float_info.max:g}")
    return logsumexp([s for s in scores if s is not None]) - scores[y]


def multiclass_hinge(scores: Sequence[Any], target: int, margin: float = 1.0) -> Any:
    """L = Σ_{j≠y} max(0, s_j − s_y + Δ): the multiclass SVM loss with margin Δ.

    ∂L/∂s_j = 1[s_j − s_y + Δ > 0] for j ≠ y, and ∂L/∂s_y = −(number of such j).
    The terms are added by one sum node.
    """
    scores = _checked_scores(scores, "multiclass_hinge")
    y = checked_class(target, len(scores), "multiclass_hinge")
    delta = _checked_real(margin, "multiclass_hinge: margin")
    s_y = scores[y]
    terms = [relu(s_j - s_y + delta) for j, s_j in enumerate(scores) if j != y]
    return sum_all(terms)


def binary_hinge(score: Any, y: int | float) -> Any:
    """L = max(0, 1 − y·s) for a label y ∈ {−1, +1} and a score s.

    ∂L/∂s = −y when y·s < 1, else 0.
    """
    _checked_real(score, "binary_hinge: score")
    if isinstance(y, Value):
        raise TypeError("binary_hinge: y is a label, a plain -1 or +1, got a Value "
                        "(use y.data if it holds the label)")
    label = _checked_real(y, "binary_hinge: y")
    if label not in (-1.0, 1.0):
        raise ValueError(f"binary_hinge: y must be -1 or +1, got {y!r} "
                         "(map 0/1 labels with y = 2*label - 1)")
    return relu(1.0 - label * score)


def mse(preds: Any, targets: Any) -> Any:
    """L = (1/n) Σ_i (p_i − t_i)²: mean squared error over n outputs.

    `preds` and `targets` are equally long sequences, or two single numbers.
    """
    if not isinstance(preds, Sequence) and not isinstance(targets, Sequence):
        preds, targets = [preds], [targets]  # one prediction, one target
    if not isinstance(preds, Sequence):
        raise TypeError(f"mse: preds must be a sequence like targets, got {type(preds).__name__}")
    if not isinstance(targets, Sequence):
        raise TypeError(f"mse: targets must be a sequence like preds, got {type(targets).__name__}")
    if len(preds) != len(targets):
        raise ValueError(f"mse: {len(preds)} prediction(s) but {len(targets)} target(s)")
    if not preds:
        raise ValueError("mse needs at least one prediction")
    for p in preds:
        _checked_real(p, "mse: prediction")
    t = [_checked_real(value, "mse: target") for value in targets]
    return sum_all([(p - t_i) ** 2 for p, t_i in zip(preds, t)]) * (1.0 / len(preds))


def l2(params: Sequence[Any], lam: float) -> Any:
    """λ · Σ_k w_k², the L2 penalty (its gradient is 2λ·w_k).

    Σ w² is ONE dot node, w · w (each w appears twice among its parents).
    """
    lam = _checked_real(lam, "l2: lam")
    if not isinstance(lam, Value):
        lam = validate.finite(lam, "l2: lam")
    if lam < 0:
        raise ValueError(f"l2: lam must be >= 0, got {lam}")
    params = list(params)
    if not params:
        return 0.0
    return lam * dot(params, params)


def mean_loss(losses: Sequence[Any]) -> Any:
    """(1/n) Σ_i L_i: the batch mean, one sum node and one multiplication."""
    losses = list(losses)
    if not losses:
        raise ValueError("mean_loss needs at least one loss")
    return sum_all(losses) * (1.0 / len(losses))


# ---------------------------------------------------------------------------
# Checks with clear messages
# ---------------------------------------------------------------------------


def _checked_real(x: Any, what: str) -> Any:
    """`x` if it is a Value or a finite real number (not bool), else a TypeError, or a
    ValueError naming nan or inf (which a Value never holds either)."""
    if isinstance(x, Value):
        return x
    if not validate.is_real(x):
        raise TypeError(f"{what} must be a number or a Value, got {type(x).__name__} "
                        f"{validate.shown(x)}")
    return validate.finite(x, what)


def _number(x: Any) -> float:
    """The float in `x`: a Value's data, or a (checked) number."""
    return x.data if isinstance(x, Value) else float(x)


def _largest(logits: Sequence[Any]) -> float:
    """max z, as a float."""
    return max(_number(z) for z in logits)


def _checked_scores(scores: Any, what: str) -> list[Any]:
    if isinstance(scores, (Value, str, bytes)) or not isinstance(scores, Sequence):
        raise TypeError(f"{what} needs a list of scores, got {type(scores).__name__}")
    if not scores:
        raise ValueError(f"{what} needs at least one score")
    return [_checked_real(s, f"{what}: score") for s in scores]


def checked_class(target: Any, n_classes: int, what: str) -> int:
    """`target` as an int if it is a class index 0..n_classes−1 (TypeError for 1.0 or
    True, ValueError for one out of range); `what` names the caller in messages."""
    if not validate.is_integer(target):
        raise TypeError(f"{what}: target must be a class index (int), "
                        f"got {type(target).__name__} {validate.shown(target)}")
    if not 0 <= target < n_classes:
        raise ValueError(f"{what}: target {target} is out of range for {n_classes} classes "
                         f"(0 to {n_classes - 1})")
    return int(target)
