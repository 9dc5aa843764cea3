"""Check the gradient of a numpy function exactly as a student writes it for homework.

A CS231n-style assignment asks for ``svm_loss_vectorized(W, X, y, reg)`` or
``softmax_loss_vectorized(W, X, y, reg)`` returning ``(loss, dW)``, and a
``TwoLayerNet.loss(X, y, reg)`` returning ``(loss, grads)`` with a dict of gradients.
`check_numpy_gradient` takes that function unchanged and checks, entry by entry, the
gradient it returns (hand) against two references:

- engine: the same function run on numpy object arrays of `autograd.Value` s, so
  ``X.dot(W)``, ``np.exp``, ``np.maximum(0, ·)``, ``np.sum`` build a graph, and
  d loss / d W[i, j] comes from reverse mode;
- numeric: central differences of the loss, the function run on floats,

      ∂L/∂W[i, j] ≈ (L(W + ε·E_ij) − L(W − ε·E_ij)) / (2ε),

  with error O(ε²) plus rounding of about 10⁻¹⁶·|L|/ε.

An entry is right when |hand − r| <= atol + rtol·|r| for both references r. Where the
loss has a corner along the entry (its slopes on the two sides differ and stay apart
as the step shrinks: max(0, ·) exactly at 0, as every ReLU of a net whose first layer
starts at zero), no single gradient exists: any value between the two slopes (a
subgradient) is right, marked kink, as in `check_hand_gradient`. Where the references
disagree otherwise (a kink within eps, or a part of the function the engine cannot
see) agreeing with either is right. Where the engine cannot run the function at all
(an op it cannot follow) or the loss it gets does not depend on an input (the input
was converted to float), the report says so and the check uses central differences
only.

Sampling: ``sample=k`` checks k entries per input, drawn without replacement with
``numpy.random.default_rng(seed)``, like the assignment's ``grad_check_sparse``. The
numeric column then costs 2k calls of the function, and 4 more at each entry whose two
slopes differ (``has_corner`` tries eps/2 and eps/4 there); the engine's graph is built only
through the sampled entries: the others are plain numbers (`_Plain`: floats on which
numpy's object loops can still call ``exp``, ``log``, ...).

numpy is imported by this module and `numpy_engine` only (and, once an array is seen, by
`arrays`): ``import autograd`` loads neither; ``autograd.check_numpy_gradient`` imports
this module on first use.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import math
import time
import warnings
from collections.abc import Callable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from autograd import validate
from autograd.checks.check_report import (
    ATOL,
    EPS,
    RTOL,
    CheckEntry,
    check_settings,
    compare,
    describe_settings,
    is_close,
    listed,
)
from autograd.checks.local_check import (
    Slopes,
    corner_entry,
    corner_note,
    has_corner,
    one_sided_slopes,
)
from autograd.checks.numpy_engine import engine_gradients
from autograd.checks.numpy_patterns import describe
from autograd.checks.numpy_report import FEEDBACK, InputResult, NumpyCheckReport, ReportTexts
from autograd.core import DOMAIN_ERRORS, Value

__all__ = ["SLOW_ENGINE", "check_numpy_gradient"]

SLOW_ENGINE = 10.0  # seconds: an engine run slower than this gets a note on how to speed up


def check_numpy_gradient(
    f: Callable[..., Any],
    inputs: Any,
    names: Sequence[str] | str | None = None,
    sample: int | None = None,
    seed: int | None = 0,
    eps: float = EPS,
    atol: float = ATOL,
    rtol: float = RTOL,
    *,
    feedback: str = "full",
    raise_on_failure: bool = False,
) -> NumpyCheckReport:
    """Check the gradient a numpy function returns, entry by entry, against the engine's.

    Args:
        f: the student's function, called with the inputs as positional arguments
           (one array, several, or one dict) and returning ``(loss, grad)``: the
           gradient of one input, a tuple of them in input order, or a dict keyed like
           the inputs. Pass the other arguments (X, y, reg) as the assignment's own
           gradient checks do, in a closure: ``lambda W: svm_loss_vectorized(W, X, y,
           reg)`` or ``functools.partial(svm_loss_vectorized, X=X, y=y, reg=reg)``.
        inputs: a numpy array, a list or tuple of arrays, or a dict of them (CS231n's
           ``params``). A dict is filled in place with each call's arrays and
           restored after (as the assignment's ``eval_numerical_gradient`` does), so
           ``lambda params: net.loss(X, y, reg)`` with ``inputs=net.params`` checks a
           method that reads ``self.params``.
        names: the inputs' names in the report (``W[3, 1]``); default: the names of
           f's parameters (``lambda W: ...`` gives W), a dict's keys, else x0, x1, ...
        sample: check this many entries of each input, drawn with ``seed``; None: all.
        eps, atol, rtol: the step of central differences and the tolerances.
        feedback: ``"full"`` (with numbers) or ``"friendly"`` (which input, which
           entries and the pattern, no reference numbers): how the report prints.
        raise_on_failure: raise AssertionError with the report unless it passes.

    Each entry checked passes when it is close to both the engine's value and the central
    difference. Where the loss has a kink along the entry (its slopes on the two sides
    differ and stay apart as the step shrinks, as max(0, z) at z = 0), any value between
    the two slopes (a subgradient) passes, marked kink, with a note; a value outside them
    fails with a note giving both slopes (as in `check_hand_gradient`). Where the two
    references disagree otherwise (within eps of a kink), agreeing with either passes.

    Returns a `NumpyCheckReport`: truthy when every checked entry is right, with
    ``score``, ``input_scores``, the wrong entries and the sentence on their pattern.
    """
    check_settings("check_numpy_gradient", eps, atol, rtol)
    validate.flag(raise_on_failure, "check_numpy_gradient: raise_on_failure")
    if not callable(f):
        raise TypeError(f"check_numpy_gradient: f must be a function, got {type(f).__name__}")
    if feedback not in FEEDBACK:
        raise ValueError(f"check_numpy_gradient: feedback must be one of {', '.join(FEEDBACK)}, "
                         f"got {validate.shown(feedback)}")
    if sample is not None:
        sample = validate.integer(sample, "check_numpy_gradient: sample", minimum=1)
    if seed is not None:
        seed = validate.integer(seed, "check_numpy_gradient: seed")
    call = _Call.of(f, inputs, names)
    loss, hand = call.split(call.run([a.copy() for a in call.arrays]), "f")
    if not math.isfinite(loss):
        raise ValueError(f"check_numpy_gradient: f's loss is {loss} at this point; gradients "
                         "need a finite loss")
    hands, notes = _hand_gradients(call, hand)
    chosen = _choose(call.arrays, sample, seed)
    positions = [[_position(i, array.shape) for i in picks.tolist()]
                 for picks, array in zip(chosen, call.arrays)]
    entry_names = [[_entry_name(name, p, array.shape) for p in places]
                   for name, places, array in zip(call.names, positions, call.arrays)]
    started = time.perf_counter()
    engine, could_not = engine_gradients(call.run, call.arrays, entry_names, chosen)
    slow = time.perf_counter() - started
    differences = [_numeric(call, k, picks, eps, loss, atol, rtol)
                   for k, picks in enumerate(chosen)]
    detached = [name for name, e, found in zip(call.names, engine, differences)
                if e is None and not could_not and _moves_the_loss(found, atol)]
    results = [_result(name, array, places, labels, picks, given, e, n, atol, rtol)
               for name, array, places, labels, picks, given, e, n in zip(
                   call.names, call.arrays, positions, entry_names, chosen, hands, engine,
                   differences)]
    if slow > SLOW_ENGINE:
        notes.append(f"the engine's run of f took {slow:.0f} s: most of it is spent on the "
                     "data's size (every sample's scores, and your gradient code, run on "
                     "Values); check on a few samples (X[:5], y[:5]) for speed")
    corners = {label for labels, found in zip(entry_names, differences)
               for label, difference in zip(labels, found) if difference.corner}
    texts = _texts(results, notes, could_not, detached, corners, atol, rtol)
    settings = describe_settings(eps, atol, rtol)
    if sample is not None:
        settings += f", sample={sample}, seed={seed}"
    report = NumpyCheckReport(_title(f), results, settings, texts, feedback,
                              sampled=any(not r.full for r in results))
    if raise_on_failure:
        report.raise_if_failed()
    return report


# ------------------------------------------------------------------- calling f


@dataclass
class _Call:
    """f with its inputs: float64 copies, their names, and how f takes them."""

    f: Callable[..., Any]
    arrays: list[np.ndarray]
    names: list[str]
    mapping: MutableMapping[str, Any] | None  # the caller's dict, filled in place per call

    @classmethod
    def of(cls, f: Callable[..., Any], inputs: Any,
           names: Sequence[str] | str | None) -> _Call:
        function = "check_numpy_gradient"
        if isinstance(inputs, Mapping):
            if names is not None:
                raise ValueError(f"{function}: a dict input names its arrays by its keys; "
                                 "leave names out")
            if not isinstance(inputs, MutableMapping):
                raise TypeError(f"{function}: a dict input must be a dict (it is filled in "
                                f"place for each call), got {type(inputs).__name__}")
            keys = [str(k) for k in inputs]
            return cls(f, [_array(inputs[k], str(k)) for k in inputs], keys, inputs)
        if isinstance(inputs, (list, tuple)):
            if not inputs:
                raise ValueError(f"{function}: needs at least one input")
            given = list(inputs)
        else:
            given = [inputs]
        if isinstance(names, str):
            names = [names]
        if names is None:
            names = _parameter_names(f, len(given)) or [f"x{i}" for i in range(len(given))]
        names = [str(n) for n in names]
        if len(names) != len(given):
            raise ValueError(f"{function}: {len(given)} inputs but {len(names)} names")
        if len(set(names)) != len(names):
            raise ValueError(f"{function}: the names must differ, got {names}")
        return cls(f, [_array(x, n) for x, n in zip(given, names)], names, None)

    def run(self, arrays: Sequence[Any]) -> Any:
        """f called with `arrays` (a dict input filled in place, then restored)."""
        if self.mapping is None:
            return self.f(*arrays)
        saved = dict(self.mapping)
        try:
            self.mapping.update(zip(self.names, arrays))
            return self.f(self.mapping)
        finally:
            self.mapping.clear()
            self.mapping.update(saved)

    def split(self, result: Any, what: str) -> tuple[float, Any]:
        """(loss as a float, the gradient part) of f's result, with clear errors."""
        if not (isinstance(result, (tuple, list)) and len(result) == 2):
            raise TypeError(
                f"check_numpy_gradient: {what} must return (loss, gradient), got "
                f"{type(result).__name__}; a function that returns only the loss has no "
                "hand gradient to check (use autograd.numerical_grad or gradcheck)")
        loss = result[0]
        if isinstance(loss, np.ndarray) and loss.size == 1:
            loss = loss.reshape(-1)[0]
        if isinstance(loss, Value):
            return loss.data, result[1]
        if not validate.is_real(loss):
            raise TypeError(f"check_numpy_gradient: {what}'s loss must be a number, got "
                            f"{type(loss).__name__}")
        return float(loss), result[1]

    def loss_at(self, arrays: Sequence[np.ndarray]) -> float:
        """The loss at `arrays` (copies: f may change what it gets), nan if f fails there."""
        try:
            loss, _ = self.split(self.run([a.copy() for a in arrays]), "f")
        except DOMAIN_ERRORS + (FloatingPointError,):
            return math.nan
        return loss


def _array(x: Any, name: str) -> np.ndarray:
    """A float64 copy of one input, or an error naming it."""
    function = "check_numpy_gradient"
    if isinstance(x, Value):
        raise TypeError(f"{function}: input {name} is a Value; pass numpy arrays (the check "
                        "makes the Values itself)")
    try:
        array = np.array(x)
    except (TypeError, ValueError) as error:
        raise TypeError(f"{function}: input {name} must be a numpy array, got "
                        f"{type(x).__name__} ({error})") from None
    if array.dtype.kind not in "iuf":
        raise TypeError(f"{function}: input {name} must be an array of real numbers, got "
                        f"dtype {array.dtype} ({type(x).__name__})")
    if array.size == 0:
        raise ValueError(f"{function}: input {name} is empty (shape {array.shape})")
    array = array.astype(np.float64)
    bad = np.argwhere(~np.isfinite(array))
    if bad.size:
        raise ValueError(f"{function}: input {_entry_name(name, tuple(bad[0]), array.shape)} "
                         f"is {array[tuple(bad[0])]}; gradients need finite inputs")
    return array


def _parameter_names(f: Callable[..., Any], count: int) -> list[str] | None:
    """The names of f's first `count` positional parameters (``lambda W: ...`` -> W)."""
    try:
        parameters = list(inspect.signature(f).parameters.values())
    except (TypeError, ValueError):
        return None
    positional = [p.name for p in parameters
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return positional[:count] if len(positional) >= count else None


def _title(f: Callable[..., Any]) -> str:
    """``numpy gradient check of svm_loss_vectorized`` (seen through a lambda or partial)."""
    target = f.func if isinstance(f, functools.partial) else f
    name = getattr(target, "__name__", "")
    code = getattr(target, "__code__", None)
    if name == "<lambda>" and code is not None:
        name = ""
        closure = [c.cell_contents for c in getattr(target, "__closure__", None) or ()]
        scope = {**getattr(target, "__globals__", {}), **dict(zip(code.co_freevars, closure))}
        for word in (*code.co_freevars, *code.co_names):
            found = scope.get(word)
            if inspect.isfunction(found):
                return f"numpy gradient check of {found.__name__}"
            if found is None or inspect.ismodule(found) or inspect.isclass(found):
                continue
            for attribute in code.co_names:
                if inspect.ismethod(getattr(found, attribute, None)):
                    return f"numpy gradient check of {type(found).__name__}.{attribute}"
    return f"numpy gradient check of {name}" if name else "numpy gradient check"


# ------------------------------------------------------------ the hand gradient


@dataclass
class _Hand:
    """One input's hand gradient: the array (None if there is none) and what is wrong."""

    array: np.ndarray | None
    problem: str = ""


_MISSING = object()


def _hand_gradients(call: _Call, hand: Any) -> tuple[list[_Hand], list[str]]:
    """Per input, the hand gradient; and notes (gradients of things that are not inputs)."""
    n = len(call.names)
    notes: list[str] = []
    if isinstance(hand, Mapping):
        extra = [str(k) for k in hand if str(k) not in call.names]
        if extra:
            notes.append(f"f's gradients for {', '.join(extra)} are not inputs: not checked")
        given: list[Any] = [hand.get(name, _MISSING) for name in call.names]
    elif call.mapping is not None:
        raise TypeError(f"check_numpy_gradient: the inputs are a dict, so f must return "
                        f"(loss, grads) with grads a dict keyed like them "
                        f"({', '.join(call.names)}); got {type(hand).__name__}")
    elif n == 1:
        given = [hand[0] if _wrapped_once(hand, call.arrays[0].shape) else hand]
    elif isinstance(hand, (tuple, list)) and len(hand) == n:
        given = list(hand)
    else:
        got = (f"{len(hand)} gradients" if isinstance(hand, (tuple, list))
               else type(hand).__name__)
        raise TypeError(f"check_numpy_gradient: f must return (loss, grads) with one gradient "
                        f"per input ({', '.join(call.names)}) in a tuple, or a dict keyed by "
                        f"their names; got {got}")
    return [_one_gradient(g, name, array.shape)
            for g, name, array in zip(given, call.names, call.arrays)], notes


def _wrapped_once(hand: Any, shape: tuple[int, ...]) -> bool:
    """True for ``(dW,)``: one gradient in a tuple or list, not the gradient as a list."""
    if not (isinstance(hand, (tuple, list)) and len(hand) == 1):
        return False
    try:
        return np.shape(hand) != shape
    except ValueError:  # ragged: not one array
        return True


def _one_gradient(g: Any, name: str, shape: tuple[int, ...]) -> _Hand:
    if g is _MISSING:
        return _Hand(None, f"f returned no gradient for {name} (its grads dict has no key "
                           f"{name!r})")
    if g is None:
        return _Hand(None, f"f returned None as the gradient of {name} (not written yet?)")
    try:
        array = np.asarray(g, dtype=np.float64)
    except (TypeError, ValueError):
        return _Hand(None, f"the gradient of {name} is not an array of numbers (got "
                           f"{type(g).__name__})")
    if array.shape != shape:
        problem = (f"the gradient of {name} has shape {_shape(array.shape)} but {name} has "
                   f"shape {_shape(shape)}")
        return _Hand(array, problem + ": every checked entry counts as wrong")
    return _Hand(array)


def _shape(shape: tuple[int, ...]) -> str:
    return f"({', '.join(map(str, shape))}{',' if len(shape) == 1 else ''})"


# ------------------------------------------------------------------- sampling


def _choose(arrays: Sequence[np.ndarray], sample: int | None,
            seed: int | None) -> list[np.ndarray]:
    """The flat indices checked in each input: all, or `sample` drawn without replacement."""
    rng = np.random.default_rng(seed)
    chosen = []
    for array in arrays:
        if sample is None or sample >= array.size:
            chosen.append(np.arange(array.size))
        else:
            chosen.append(np.sort(rng.choice(array.size, size=sample, replace=False)))
    return chosen


def _entry_name(name: str, position: tuple[int, ...], shape: tuple[int, ...]) -> str:
    """``W[3, 1]``, ``b[2]``, or the bare name for a 0-d input."""
    if not shape:
        return name
    return f"{name}[{', '.join(str(int(i)) for i in position)}]"


def _position(index: int, shape: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(int(i) for i in np.unravel_index(index, shape))


# ------------------------------------------------------------------ references


@dataclasses.dataclass(frozen=True)
class _Difference:
    """Finite differences of the loss along one entry: its slopes on the two sides
    (`Slopes`; nan where f fails), whether they agree (f smooth there, to the
    tolerances) and whether the loss has a corner there (`has_corner`)."""

    slopes: Slopes
    smooth: bool
    corner: bool

    @property
    def central(self) -> float:
        """(L(x + ε) − L(x − ε)) / (2ε)."""
        return self.slopes.central


def _numeric(call: _Call, k: int, picks: np.ndarray, eps: float, at: float, atol: float,
             rtol: float) -> list[_Difference]:
    """Finite differences of the loss at input k's chosen entries (the loss is `at`
    where nothing moves): L at each entry moved by ±ε, and where the two slopes
    differ, also by ±ε/2 and ±ε/4 to tell a corner from a kink beside the point."""
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # f's overflow warnings, 2k times
        return [_difference(_along(call, k, i), at, eps, atol, rtol) for i in picks.tolist()]


def _along(call: _Call, k: int, i: int) -> Callable[[float], float]:
    """The loss as a function of t, entry i (flat) of input k moved by t."""
    def loss_at(t: float) -> float:
        moved = list(call.arrays)
        shifted = call.arrays[k].copy()
        shifted.flat[i] += t
        moved[k] = shifted
        return call.loss_at(moved)
    return loss_at


def _difference(along: Callable[[float], float], at: float, eps: float, atol: float,
                rtol: float) -> _Difference:
    """One entry's `_Difference`: has_corner takes its smaller steps only where the two
    slopes differ (and both are numbers: f ran on both sides)."""
    slopes = one_sided_slopes(along, at, eps)
    finite = math.isfinite(slopes.left) and math.isfinite(slopes.right)
    corner = finite and has_corner(along, slopes, atol, rtol)
    return _Difference(slopes, slopes.agree(atol, rtol), corner)


def _moves_the_loss(found: Sequence[_Difference], atol: float) -> bool:
    """Whether central differences see the loss change with the input, away from corners
    (where the engine's max(0, ·) may pick its flat side, 0, and leave the input behind)."""
    return any(abs(d.central) > atol for d in found if not d.corner)


def _result(name: str, array: np.ndarray, positions: list[tuple[int, ...]],
            labels: list[str], picks: np.ndarray, hand: _Hand, engine: np.ndarray | None,
            differences: list[_Difference], atol: float, rtol: float) -> InputResult:
    """One input's entries compared, and what its hand gradient gets wrong as a whole."""
    nan = np.full(len(picks), math.nan)
    engine_values = nan if engine is None else engine
    usable = hand.array is not None and not hand.problem
    hand_values = hand.array.reshape(-1)[picks] if usable and hand.array is not None else nan
    entries = [_entry(label, float(h), float(e), d, atol, rtol)
               for label, h, e, d in zip(labels, hand_values, engine_values, differences)]
    transposed = None  # a transposed gradient: how many entries its transpose gets wrong
    flipped = hand.array is not None and hand.array.shape == array.shape[::-1]
    if flipped and array.ndim == 2 and hand.array is not None and (
            hand.problem or not all(entry.passed for entry in entries)):
        turned = hand.array.T.reshape(-1)[picks]
        transposed = sum(not _entry("", float(h), float(e), d, atol, rtol).passed
                         for h, e, d in zip(turned, engine_values, differences))
        if not hand.problem and transposed:  # a square input: only a right transpose tells
            transposed = None
    return InputResult(name, array.shape, positions, entries,
                       array.reshape(-1)[picks].tolist(), hand.problem,
                       transposed_wrong=transposed)


UNSEEN = "f is smooth here, but the engine does not see all of it: central differences judge"


def _entry(name: str, hand: float, engine: float, difference: _Difference, atol: float,
           rtol: float) -> CheckEntry:
    """hand against the engine and central differences (those that exist). At a corner
    of the loss, any value between its two slopes is right. Where the two references
    disagree and f is smooth, f has a part the engine cannot see: differences judge."""
    numeric = difference.central
    values = (hand, engine, numeric)
    references = [r for r in (engine, numeric) if math.isfinite(r)]
    if not references:
        return CheckEntry(name, values, math.nan, math.nan, passed=True, checked=False,
                          note="neither the engine nor central differences give a number here")
    if difference.corner:
        return corner_entry(name, hand, engine, difference.slopes, atol, rtol)
    if len(references) == 2 and difference.smooth and not is_close(engine, numeric, atol,
                                                                   rtol):
        judged = compare(name, hand, [numeric], atol, rtol)
        return CheckEntry(name, values, judged.abs_error, judged.rel_error, judged.passed,
                          note=UNSEEN)
    compared = compare(name, hand, references, atol, rtol)
    if len(references) == 2 and not is_close(engine, numeric, atol, rtol):
        right = is_close(hand, engine, atol, rtol) or is_close(hand, numeric, atol, rtol)
        return CheckEntry(name, values, compared.abs_error, compared.rel_error, right,
                          kink=True)
    return CheckEntry(name, values, compared.abs_error, compared.rel_error, compared.passed)


# ------------------------------------------------------------------------ texts


def _texts(results: Sequence[InputResult], notes: list[str], could_not: str,
           detached: list[str], corners: set[str], atol: float, rtol: float) -> ReportTexts:
    """The notes and the pattern sentence, in both levels of feedback; `corners` names
    the entries where the loss has a corner."""
    said = list(notes)
    if could_not:
        said.append(could_not)
    if detached:
        names = ", ".join(detached)
        example = detached[0]
        said.append(f"the loss does not depend on {names} through the engine: was it converted "
                    f"to float (np.asarray({example}, dtype=float), {example}.astype(float), "
                    f"float(...))? {names} {'is' if len(detached) == 1 else 'are'} compared "
                    "with central differences only")
    unseen = [e.name for r in results for e in r.entries if e.note == UNSEEN]
    if unseen:
        said.append(f"the engine and central differences disagree at {listed(unseen, 5)}, where "
                    "f is smooth (the same slope on both sides): a part of f the engine cannot "
                    "see (float(), .item(), .astype(float)); compared with central differences "
                    "only")
    at_corners = [e.name for r in results for e in r.entries if e.name in corners]
    if at_corners:
        said.append(corner_note(listed(at_corners, 5)) + " (a first layer initialised to "
                    "zero, for one, puts every ReLU input at 0)")
    kinks = [e.name for r in results for e in r.entries if e.kink and e.name not in corners]
    if kinks:
        said.append(f"the engine and central differences disagree at {listed(kinks, 5)}: a kink "
                    "within eps (max(0, ·) near 0), or a part of f the engine cannot see "
                    "(float(), .item(), .astype(float)); an entry there counts as right when it "
                    "agrees with either")
    full, friendly = describe(_off_corners(results, corners), atol, rtol)
    return ReportTexts(full, friendly, said, list(said))




def _off_corners(results: Sequence[InputResult], corners: set[str]) -> list[InputResult]:
    """The results without their entries at a corner, for the pattern sentence: there the
    engine's value is only one of the right ones, so no pattern is fitted to it."""
    kept = []
    for result in results:
        keep = [k for k, entry in enumerate(result.entries) if entry.name not in corners]
        if len(keep) == len(result.entries):
            kept.append(result)
            continue
        kept.append(dataclasses.replace(
            result, positions=[result.positions[k] for k in keep],
            entries=[result.entries[k] for k in keep], values=[result.values[k] for k in keep]))
    return kept
