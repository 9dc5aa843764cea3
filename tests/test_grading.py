"""Grading a numpy homework check: scores, partial credit per input, Gradescope's results.json.

The buggy two-layer net of test_numpy_homework has W2 and b2 right and W1 and b1 wrong (its
ReLU mask is forgotten, which only the first layer's gradients go through); the buggy SVM
gets every entry of W wrong except those where reg·|W| is within the tolerance. The expected
points follow from that, not from the checker.

Gradescope's fields are those of its "Autograder Specifications" page
(gradescope-autograders.readthedocs.io/en/latest/specs/, "Output format"): written out here
as a validator, so an export with a misspelt key, a bad status or a NaN fails.
"""

from __future__ import annotations

import io
import json
import math

import numpy as np
import pytest

import autograd
from autograd.checks.grading import (
    grade,
    gradescope_results,
    gradescope_tests,
    points_per_input,
    write_gradescope_results,
)
from tests.test_numpy_homework import NET_X, NET_Y, REG, W, X, Y, net, svm_loss_vectorized

POINTS = {"W1": 3.0, "b1": 1.0, "W2": 3.0, "b2": 1.0}


def net_report(bug=True, feedback="full"):
    model = net(bug=bug)
    return autograd.check_numpy_gradient(lambda params: model.loss(NET_X, NET_Y, reg=REG),
                                         model.params, feedback=feedback)


def svm_report(bug=True):
    return autograd.check_numpy_gradient(lambda W: svm_loss_vectorized(W, X, Y, REG, bug=bug), W)


def svm_right_entries():
    """How many entries of W the reg·W bug leaves within the tolerance of the right dW."""
    right = svm_loss_vectorized(W, X, Y, REG)[1]
    return int(np.sum(REG * np.abs(W) <= 1e-5 + 1e-3 * np.abs(right)))


# ------------------------------------------------------------------- scores


def test_scores_per_input_and_overall():
    report = net_report()
    assert report.input_scores == {"W1": 0.0, "b1": 0.0, "W2": 1.0, "b2": 1.0}
    assert report.score == pytest.approx((6 * 3 + 3) / (4 * 6 + 6 + 6 * 3 + 3))
    svm = svm_report()
    assert svm.score == pytest.approx(svm_right_entries() / W.size)
    assert svm_report(bug=False).score == 1.0


def test_points_per_input_split_a_total_or_name_every_input():
    report = net_report()
    assert points_per_input(report, 8) == {"W1": 2.0, "b1": 2.0, "W2": 2.0, "b2": 2.0}
    assert points_per_input(report, POINTS) == POINTS
    with pytest.raises(ValueError, match="missing b2; unknown b3"):
        points_per_input(report, {"W1": 1, "b1": 1, "W2": 1, "b3": 1})
    with pytest.raises(ValueError, match="points must be >= 0"):
        points_per_input(report, -1)


# ------------------------------------------------- nbgrader / otter partial credit


def test_one_input_wrong_still_earns_the_others_points():
    out = io.StringIO()
    earned = grade(net_report(), POINTS, file=out)
    assert earned == POINTS["W2"] + POINTS["b2"]
    text = out.getvalue()
    assert "W1: 0 of 3 points" in text and "W2: 3 of 3 points" in text
    assert text.rstrip().endswith("total: 4 of 8 points")
    assert "W2 and b2 are right and W1 and b1 are wrong" in text


def test_credit_by_entry_is_points_times_the_fraction_right():
    earned = grade(svm_report(), {"W": 6.0}, by="entry", file=io.StringIO())
    assert earned == pytest.approx(6.0 * svm_right_entries() / W.size)


def test_no_credit_is_a_failing_cell_because_nbgrader_counts_zero_as_full():
    with pytest.raises(AssertionError, match=r"W: 0 of 2 points(.|\n)*the regularisation term"):
        grade(svm_report(), 2.0)
    assert grade(svm_report(bug=False), 2.0, file=io.StringIO()) == 2.0


def test_one_test_case_per_input_scores_like_grade():
    """otter-grader and unittest give each case its own points: check_input is one case."""
    report = net_report()
    earned = 0.0
    for name, points in POINTS.items():
        try:
            report.check_input(name)
        except AssertionError as failure:
            assert str(failure).startswith(f"{name} (")
            continue
        earned += points
    assert earned == grade(report, POINTS, file=io.StringIO())


def test_graded_feedback_is_friendly_by_default():
    report = net_report()  # a report printed with numbers ...
    out = io.StringIO()
    grade(report, POINTS, file=out)  # ... graded without them
    for entry in report.failures:
        assert f"{entry.values[1]:.8g}" not in out.getvalue()
        assert f"{entry.values[2]:.8g}" not in out.getvalue()


# ------------------------------------------------------------------ Gradescope

_VISIBILITY = {"hidden", "after_due_date", "after_published", "visible"}
_FORMATS = {"text", "simple_format", "html", "md", "ansi"}
_TOP = {"score": float, "execution_time": float, "output": str, "output_format": _FORMATS,
        "test_output_format": _FORMATS, "test_name_format": _FORMATS,
        "visibility": _VISIBILITY, "stdout_visibility": _VISIBILITY, "extra_data": dict,
        "tests": list, "leaderboard": list}
_TEST = {"score": float, "max_score": float, "status": {"passed", "failed"}, "name": str,
         "name_format": _FORMATS, "number": str, "output": str, "output_format": _FORMATS,
         "tags": list, "visibility": _VISIBILITY, "extra_data": dict}


def _check_fields(obj, fields, where):
    for key, value in obj.items():
        assert key in fields, f"{where}: {key!r} is not a documented field"
        kind = fields[key]
        if isinstance(kind, set):
            assert value in kind, f"{where}.{key}: {value!r} not one of {sorted(kind)}"
        elif kind is float:
            assert isinstance(value, (int, float)) and not isinstance(value, bool), where
            assert math.isfinite(value), f"{where}.{key} is {value}"
        else:
            assert isinstance(value, kind), f"{where}.{key}: {type(value).__name__}"


def validate_results(results):
    """results.json as Gradescope documents it."""
    _check_fields(results, _TOP, "results")
    tests = results.get("tests", [])
    assert "score" in results or (tests and all("score" in t for t in tests)), \
        "a score is needed at the top level or on every test"
    for i, test in enumerate(tests):
        _check_fields(test, _TEST, f"tests[{i}]")
        if "max_score" in test and "score" in test:
            assert 0 <= test["score"] <= test["max_score"]
        assert all(isinstance(tag, str) for tag in test.get("tags", []))


def test_the_validator_rejects_what_gradescope_does_not_document():
    with pytest.raises(AssertionError, match="'points' is not a documented field"):
        validate_results({"tests": [{"score": 1, "points": 1}]})
    with pytest.raises(AssertionError, match="not one of"):
        validate_results({"tests": [{"score": 1, "status": "ok"}]})
    with pytest.raises(AssertionError, match="a score is needed"):
        validate_results({"tests": [{"name": "x"}]})


def test_gradescope_rows_give_partial_credit_per_input(tmp_path):
    rows = gradescope_tests(net_report(), POINTS, visibility="after_due_date")
    assert [r["name"] for r in rows] == [f"TwoLayerNet.loss: gradient of {n}" for n in POINTS]
    assert [r["score"] for r in rows] == [0.0, 0.0, 3.0, 1.0]
    assert [r["max_score"] for r in rows] == list(POINTS.values())
    assert [r["status"] for r in rows] == ["failed", "failed", "passed", "passed"]
    results = gradescope_results([rows, gradescope_tests(svm_report(bug=False), 2.0)],
                                 output="Gradient checks", execution_time=3)
    validate_results(results)
    path = write_gradescope_results(results, tmp_path / "results" / "results.json")

    def no_nan(constant):
        raise AssertionError(f"{constant} in results.json")

    written = json.loads(path.read_text(), parse_constant=no_nan)
    validate_results(written)
    assert sum(t["score"] for t in written["tests"]) == 4.0 + 2.0
    assert "W1 (4, 6): 0 of 24 checked entries right" in written["tests"][0]["output"]


def test_gradescope_refuses_what_would_not_validate():
    with pytest.raises(ValueError, match="unknown visibility 'sometimes'"):
        gradescope_tests(net_report(), POINTS, visibility="sometimes")
    with pytest.raises(ValueError, match="score must be a finite number"):
        gradescope_results([{"name": "x", "score": math.nan}])
