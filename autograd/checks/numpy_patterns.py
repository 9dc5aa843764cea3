"""One sentence on what the wrong entries of a numpy gradient have in common.

Per input, with h the hand gradient, r the right one (the engine's, else finite
differences) and x the input's own numbers at the checked entries:

- a constant factor: h = c·r at every entry, fitted by least squares,
  c = Σ h·r / Σ r². c = −1 is a sign flip; 2 or 1/2 usually come from a square
  (the gradient of reg·ΣW² is 2·reg·W); a whole number n is often a mean over
  the samples whose gradient was not divided by their number;
- a term in the input itself: h = c·r + b·x, fitted by least squares (the 2×2
  normal equations). With c = 1, h − r = b·W: the regularisation term's gradient
  is off; with another c, the data term is off by that factor;
- positions (2-D inputs): exactly one wrong entry in every row (one column per
  sample: the correct-class entries), or whole columns (or rows) wrong and the
  others right;
- whole inputs: some inputs right, others wrong (the mistake lies on the part of
  the backward pass only the wrong ones go through);
- an input the loss does not move with (engine and finite differences both 0), or a
  hand gradient that is 0 everywhere;
- a transposed gradient (its transpose right).

A fit counts only when it explains every checked entry within the check's own
tolerance, |h − fit| <= atol + rtol·|fit|. Each sentence comes in two levels:
"full" with the fitted numbers, "friendly" without them (no reference numbers).
Standard library only.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from autograd.checks.check_report import CheckEntry, is_close
from autograd.checks.numpy_report import InputResult

__all__ = ["describe"]

_NICE = 1e-6  # relative distance to a whole number (or its inverse) to call it one
_COLUMNS_SHOWN = 8


def describe(inputs: Sequence[InputResult], atol: float, rtol: float) -> tuple[str, str]:
    """(full, friendly): the sentence on the pattern of the wrong entries, or ("", "")."""
    for result in inputs:
        if result.transposed_wrong is not None:
            return _transposed(result)
    wrong = [r for r in inputs if not r.passed]
    if not wrong or any(r.problem for r in wrong):
        return "", ""
    for result in wrong:
        if all(abs(_reference(e)) <= atol for e in result.entries):
            text = (f"The loss does not change when {result.name} changes (the engine and finite "
                    f"differences give 0 at every checked entry): does f read {result.name} "
                    "from its argument? (for a method that reads self.params, pass that very "
                    "dict)")
            return text, text
    own = _own_pattern(wrong, atol, rtol)
    right = [r for r in inputs if r.passed]
    if right:
        full = friendly = (f"{_names(right)} {_be(right)} right and {_names(wrong)} "
                           f"{_be(wrong)} wrong: the mistake is in the steps of your backward "
                           f"pass that only {_names(wrong)} {'go' if len(wrong) > 1 else 'goes'}"
                           " through")
        if own is not None:
            return f"{full}; {_lower(own[0])}", f"{friendly}; {_lower(own[1])}"
        return full + ".", friendly + "."
    return own or ("", "")


# ------------------------------------------------------------------ per input


def _own_pattern(wrong: Sequence[InputResult], atol: float,
                 rtol: float) -> tuple[str, str] | None:
    """The first pattern found among the wrong inputs (a shared factor first)."""
    factors = [_factor(r, atol, rtol) for r in wrong]
    if len(wrong) > 1 and all(c is not None for c in factors):
        first = factors[0]
        assert first is not None
        if all(c is not None and math.isclose(c, first, rel_tol=1e-6) for c in factors):
            return _factor_sentence(_names(wrong), first)
    for result in wrong:
        if all(abs(e.values[0]) <= atol for e in result.entries):
            text = (f"Your gradient of {result.name} is 0 at every checked entry: not computed "
                    "yet, or overwritten (dW = np.zeros(...) after the loop, = where += "
                    "belongs)?")
            return text, text
    for result, factor in zip(wrong, factors):
        if factor is not None:
            return _factor_sentence(result.name, factor)
        with_input = _factor_and_input(result, atol, rtol)
        if with_input is not None:
            return _input_term_sentence(result.name, *with_input)
        where = _positions(result)
        if where is not None:
            return where
    return None


def _reference(entry: CheckEntry) -> float:
    """The right value of an entry: the engine's, else finite differences."""
    engine, numeric = entry.values[1], entry.values[2]
    return engine if math.isfinite(engine) else numeric


def _factor(result: InputResult, atol: float, rtol: float) -> float | None:
    """c when h = c·r at every checked entry (and c is not 1), else None."""
    h = [e.values[0] for e in result.entries]
    r = [_reference(e) for e in result.entries]
    if len(h) < 2 or sum(abs(v) > atol for v in r) < 2:
        return None
    c = sum(a * b for a, b in zip(h, r)) / sum(b * b for b in r)
    if math.isclose(c, 1.0, rel_tol=1e-6) or not all(
            is_close(a, c * b, atol, rtol) for a, b in zip(h, r)):
        return None
    return c


def _factor_and_input(result: InputResult, atol: float,
                      rtol: float) -> tuple[float, float] | None:
    """(c, b) when h = c·r + b·x at every checked entry, with b·x mattering, else None."""
    h = [e.values[0] for e in result.entries]
    r = [_reference(e) for e in result.entries]
    x = result.values
    if len(h) < 3:
        return None
    srr = sum(v * v for v in r)
    sxx = sum(v * v for v in x)
    srx = sum(a * b for a, b in zip(r, x))
    det = srr * sxx - srx * srx
    if srr == 0 or sxx == 0 or det <= 1e-9 * srr * sxx:  # r and x (nearly) proportional
        return None
    shr = sum(a * b for a, b in zip(h, r))
    shx = sum(a * b for a, b in zip(h, x))
    c = (shr * sxx - shx * srx) / det
    b = (srr * shx - srx * shr) / det
    fitted = [c * a + b * v for a, v in zip(r, x)]
    if not all(is_close(a, f, atol, rtol) for a, f in zip(h, fitted)):
        return None
    if max(abs(b * v) for v in x) <= atol:
        return None
    return c, b


def _nice(c: float) -> str | None:
    """"2", "-1", "1/2", "20" for a whole number or its inverse, else None."""
    if c == 0:
        return None
    for value, text in ((c, "{}"), (1 / c, "1/{}")):
        whole = round(value)
        if whole != 0 and abs(value - whole) <= _NICE * abs(whole):
            if text == "1/{}" and abs(whole) == 1:
                continue
            sign = "-" if whole < 0 else ""
            return sign + text.format(abs(whole))
    return None


def _factor_sentence(names: str, c: float) -> tuple[str, str]:
    nice = _nice(c)
    where = f"Every checked entry of {names}"
    if nice == "-1":
        why = "a sign flip (a − where + belongs, or Y − P where P − Y belongs)?"
        return f"{where} is −1 × the right value: {why}", f"{where} has the wrong sign: {why}"
    if nice in ("2", "1/2"):
        why = ("a factor 2 or 1/2 usually comes from a square: the regularisation term (the "
               "gradient of reg·ΣW² is 2·reg·W) or a ½ in the loss?")
        return (f"{where} is {nice} × the right value: {why}",
                f"{where} is off by the same factor: {why}")
    if nice is not None and not nice.startswith("-") and "/" not in nice:
        why = ("the loss averages over the samples: is the gradient divided by their "
               "number (num_train)?")
        return (f"{where} is {nice} × the right value: {why}",
                f"{where} is off by the same whole-number factor: {why}")
    if nice is not None and nice.startswith("1/"):
        why = "divided by the number of samples once too often?"
        return (f"{where} is {nice} of the right value: {why}",
                f"{where} is off by the same factor: {why}")
    shown = nice or f"{c:.4g}"
    return (f"{where} is {shown} × the right value: a constant factor in your formula.",
            f"{where} is off by the same constant factor.")


def _input_term_sentence(name: str, c: float, b: float) -> tuple[str, str]:
    reg = "(the gradient of reg·ΣW² is 2·reg·W)"
    if math.isclose(c, 1.0, rel_tol=1e-6):
        return (f"At every checked entry of {name}, yours − the right value = {b:.4g} × {name}: "
                f"the regularisation term? {reg}",
                f"At every checked entry of {name}, yours differs from the right value by the "
                f"same multiple of {name} itself: the regularisation term? {reg}")
    nice = _nice(c)
    shown = nice or f"{c:.4g}"
    if nice == "-1":
        return (f"Apart from a multiple of {name} ({b:.4g} × {name}), yours is −1 × the right "
                f"value at every checked entry of {name}: the sign of the data term is flipped?",
                f"Apart from a multiple of {name} itself, yours has the wrong sign at every "
                f"checked entry of {name}: the sign of the data term is flipped?")
    hint = (" (the loss averages over the samples: is the gradient divided by num_train?)"
            if nice is not None and "/" not in nice and not nice.startswith("-") else "")
    return (f"Apart from a multiple of {name} ({b:.4g} × {name}), yours is {shown} × the right "
            f"value at every checked entry of {name}: the data term is off by a constant "
            f"factor{hint}.",
            f"Apart from a multiple of {name} itself, yours is off by the same factor at every "
            f"checked entry of {name}: the data term is off by a constant factor{hint}.")


def _positions(result: InputResult) -> tuple[str, str] | None:
    """Exactly one wrong entry per row, or whole columns (rows) wrong, of a 2-D input."""
    if len(result.shape) != 2:
        return None
    rows, columns = result.shape
    wrong = {p for p, e in zip(result.positions, result.entries) if not e.passed}
    if result.full and rows > 1 and all(
            sum(1 for p in wrong if p[0] == i) == 1 for i in range(rows)):
        where = [p[1] for p in sorted(wrong)]
        text = (f"Exactly one entry in each row of {result.name} is wrong (columns "
                f"{_listed(where)}): one column per sample, the correct-class entries "
                f"{result.name}[i, y[i]]?")
        return text, text
    for axis, word, hint in ((1, "columns", ": something only those classes go through, "
                              "the correct class of your samples (the −1 at y[i])?"),
                             (0, "rows", ".")):
        lines = _whole_lines(result, wrong, axis)
        if lines is not None and 0 < len(lines) < result.shape[axis]:
            text = (f"The wrong entries of {result.name} fill exactly its {word} "
                    f"{_listed(lines)} (every other {word[:-1]} is right){hint}")
            return text, text
    return None


def _whole_lines(result: InputResult, wrong: set[tuple[int, ...]],
                 axis: int) -> list[int] | None:
    """The lines (columns for axis 1) whose checked entries are all wrong, when every
    other line's checked entries are all right and each wrong line has 2 or more."""
    by_line: dict[int, list[bool]] = {}
    for position in result.positions:
        by_line.setdefault(position[axis], []).append(position in wrong)
    lines = sorted(line for line, flags in by_line.items() if all(flags))
    if any(any(flags) and not all(flags) for flags in by_line.values()):
        return None
    if any(len(by_line[line]) < 2 for line in lines):
        return None
    return lines


# ------------------------------------------------------------------- wording


def _transposed(result: InputResult) -> tuple[str, str]:
    name = result.name
    if result.transposed_wrong == 0:
        text = (f"The gradient of {name} is transposed: its transpose is right at every checked "
                f"entry (a product written the other way round, or a missing .T?)")
    else:
        text = (f"The gradient of {name} is transposed, and its transpose is still wrong at "
                f"{result.transposed_wrong} of {result.checked} checked entries.")
    return text, text


def _names(results: Sequence[InputResult]) -> str:
    names = [r.name for r in results]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _be(results: Sequence[InputResult]) -> str:
    return "is" if len(results) == 1 else "are"


def _listed(numbers: Sequence[int]) -> str:
    shown = ", ".join(map(str, numbers[:_COLUMNS_SHOWN]))
    return shown + (", …" if len(numbers) > _COLUMNS_SHOWN else "")


def _lower(sentence: str) -> str:
    return sentence[:1].lower() + sentence[1:]
