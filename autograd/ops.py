"""The op table: every built-in primitive of the engine, each declared once.

Each entry gives, side by side, the forward computation on floats, the local
derivative ∂out/∂input for each input, the text of that formula, and where the
property tests draw its inputs (its `Domain`). The rules receive the inputs and
the output ``out`` and use only ``+ - * / **``, comparisons and the functions of
this table, which accept floats and Values alike: one rule serves an ordinary
backward pass (floats), ``create_graph=True`` (Values) and forward mode.

Registering an entry makes the op known everywhere: `autograd.OPS`, the
functions an expression may call (`autograd.FUNCTIONS`), the strategies and the
property tests. Each entry is also the function itself: ``tanh(0.5)`` is a float,
``tanh(x)`` a new node; Value's operators and methods (autograd/core.py) are one
line each that applies their entry.

Adding a built-in op: one entry here (with a domain if it has one) and, where
PyTorch has a Tensor method of that name, one line in `Value`.

Kinks: where an op is not differentiable (relu and abs at 0, maximum at a tie,
clamp at its bounds), its rule returns one subgradient, the one PyTorch uses;
each entry's formula says which.
"""

from __future__ import annotations

import builtins
import math
import operator
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from autograd.core import (
    FUNCTIONS,
    Domain,
    Op,
    Value,
    between,
    is_built_in,
    nonzero,
    register,
)


def _built_in(op: Op) -> Op:
    return register(op, built_in=True)


def _number(x: Any) -> float:
    """The float in `x` (a Value's data): for rules that are piecewise constant."""
    return x.data if isinstance(x, Value) else x


# ---------------------------------------------------------------------------
# Forward computations on floats, with domain errors that say what is wrong.
# (The engine prefixes each message with the op and its inputs, e.g.
# "log(-2): log is defined only for inputs > 0".)
# ---------------------------------------------------------------------------

_TOO_LARGE = "the result is too large for a float"


def _divide(a: float, b: float) -> float:
    if b == 0:
        raise ZeroDivisionError("division by zero")
    return a / b


def _remainder(a: float, b: float) -> float:
    if b == 0:
        raise ZeroDivisionError("the remainder of a division by zero")
    return (a % b) + 0.0  # + 0.0 turns Python's -0.0 (of 0.0 % -1.0) into torch's +0.0


def _quotient(a: Any, b: Any) -> float:
    """a // b: the whole number q with a = q·b + (a mod b), as the forward's % used it.

    Not floor(a / b): 1.0 / 0.1 rounds up to exactly 10.0, while 1.0 // 0.1 is 9.0
    (0.1 is a little more than a tenth), and 1.0 % 0.1 is 1.0 - 9·0.1.
    """
    return float(_number(a) // _number(b))


def _power(base: float, exponent: float) -> float:
    if base == 0 and exponent < 0:
        raise ZeroDivisionError("0 cannot be raised to a negative power")
    if base < 0 and exponent != int(exponent):
        raise ValueError("a negative base needs an integer exponent")
    try:
        return float(base**exponent)
    except OverflowError:
        raise OverflowError(_TOO_LARGE) from None


def _overflows(function: Callable[[float], float], limit: str) -> Callable[[float], float]:
    def checked(x: float) -> float:
        try:
            return function(x)
        except OverflowError:
            raise OverflowError(f"{_TOO_LARGE} ({limit})") from None

    return checked


def _positive(function: Callable[[float], float], name: str) -> Callable[[float], float]:
    def checked(x: float) -> float:
        if x <= 0:
            raise ValueError(f"{name} is defined only for positive inputs")
        return function(x)

    return checked


def _log1p(x: float) -> float:
    if x <= -1:
        raise ValueError("log1p is defined only for inputs > -1")
    return math.log1p(x)


def _sqrt(x: float) -> float:
    if x < 0:
        raise ValueError("sqrt is defined only for inputs >= 0")
    return math.sqrt(x)


def _inverse_trig(function: Callable[[float], float], name: str) -> Callable[[float], float]:
    def checked(x: float) -> float:
        if not -1 <= x <= 1:
            raise ValueError(f"{name} is defined only for -1 <= x <= 1")
        return function(x)

    return checked


def _sigmoid(x: float) -> float:
    # 1 / (1 + e^-x), written so that exp never sees a large positive number.
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def _softplus(x: float) -> float:
    # log(1 + e^x) = max(x, 0) + log(1 + e^-|x|): exp never overflows.
    return builtins.max(x, 0.0) + math.log1p(math.exp(-builtins.abs(x)))


def _clamp(x: float, low: float, high: float) -> float:
    if low > high:
        raise ValueError("clamp needs low <= high")
    return low if x < low else high if x > high else x


def _logsumexp(*xs: float) -> float:
    # log Σ e^x_i = m + log Σ e^(x_i - m), m = max x_i: no term exceeds e^0 = 1.
    if not xs:
        raise ValueError("needs at least one input")
    m = builtins.max(xs)
    return m + math.log(builtins.sum(math.exp(x - m) for x in xs))


def _dot(*args: float) -> float:
    if len(args) % 2:
        raise ValueError(f"dot takes the ws then the xs, as many of each, got {len(args)} "
                         "inputs in all; call autograd.dot(ws, xs)")
    n = len(args) // 2
    return builtins.sum(map(operator.mul, args[:n], args[n:]))


def _pow_base_derivative(a: Any, b: Any, out: Any) -> Any:
    """∂(a^b)/∂a = b · a^(b-1); at a = b = 0, where a^(b-1) is 1/0, PyTorch's 0."""
    if _number(a) == 0 and _number(b) == 0:
        return 0.0
    return b * a ** (b - 1)


def _pow_exponent_derivative(a: Any, b: Any, out: Any) -> Any:
    """∂(a^b)/∂b = a^b · ln a. Needs a > 0; at a = 0 it is 0 for b >= 0 (for b = 0,
    where 0^b jumps from 1 to 0, PyTorch's value).

    (``a == 0`` would compare Values by identity: the numbers are compared.)
    """
    if a > 0:
        return out * log(a)
    if _number(a) == 0 and b >= 0:
        return 0.0
    raise ValueError(
        f"the derivative of a**b with respect to b needs a > 0, got a = {_number(a):g}; "
        "for a fixed exponent write x ** 2 with a plain number"
    )


# ---------------------------------------------------------------------------
# Operators (written as + - * / % ** and unary minus; not functions in expressions)
# ---------------------------------------------------------------------------

ADD = _built_in(Op(
    "add", operator.add, symbol="+", operator=True,
    derivatives=[1.0, 1.0],
    formulas=["d(a+b)/da = 1", "d(a+b)/db = 1"],
))
SUB = _built_in(Op(
    "sub", operator.sub, symbol="-", operator=True,
    derivatives=[1.0, -1.0],
    formulas=["d(a-b)/da = 1", "d(a-b)/db = -1"],
))
MUL = _built_in(Op(
    "mul", operator.mul, symbol="×", operator=True,
    derivatives=[lambda a, b, out: b, lambda a, b, out: a],
    formulas=["d(a·b)/da = b", "d(a·b)/db = a"],
))
DIV = _built_in(Op(
    "div", _divide, symbol="÷", operator=True,
    derivatives=[lambda a, b, out: 1.0 / b, lambda a, b, out: -out / b],  # -a/b² = -(a/b)/b
    formulas=["d(a/b)/da = 1/b", "d(a/b)/db = -a/b^2"],
    domain=Domain(inputs=(between(-3, 3), nonzero(0.5, 3))),
))
MOD = _built_in(Op(
    "mod", _remainder, symbol="%", operator=True,
    derivatives=[lambda a, b, out: 1.0, lambda a, b, out: -_quotient(a, b)],
    formulas=["d(a mod b)/da = 1", "d(a mod b)/db = -(a // b)"],
    # a mod b = a - b·floor(a/b) (the sign of b, like Python and torch.remainder);
    # it jumps where a/b is an integer: these inputs keep |a/b| strictly inside (0, 1).
    domain=Domain(inputs=(nonzero(0.1, 0.9), nonzero(1.0, 3.0))),
))
POW = _built_in(Op(  # x ** n with a plain number n: n is a setting, not a parent
    "pow", _power, symbol="^{0:g}", num_settings=1, setting_names=["exponent"], operator=True,
    derivatives=[lambda x, n, out: 0.0 if n == 0 else n * x ** (n - 1)],
    formulas=["d(x^n)/dx = n·x^(n-1)"],
    domain=[Domain(inputs=(between(-3, 3),), settings=((2.0,), (3.0,), (1.0,), (0.0,))),
            Domain(inputs=(nonzero(0.5, 3),), settings=((-1.0,), (-2.0,))),
            Domain(inputs=(between(0.2, 3),), settings=((0.5,), (1.5,), (-0.5,)))],
))
POW_VALUE = _built_in(Op(  # a ** b with b a Value: both are parents
    "pow_value", _power, symbol="^", operator=True,
    derivatives=[_pow_base_derivative, _pow_exponent_derivative],
    formulas=["d(a^b)/da = b·a^(b-1)", "d(a^b)/db = a^b·ln(a)"],
    domain=Domain(inputs=(between(0.2, 3), between(-2, 2))),
))
NEG = _built_in(Op(
    "neg", operator.neg, symbol="-", operator=True,
    derivatives=[-1.0],
    formulas=["d(-x)/dx = -1"],
))

# ---------------------------------------------------------------------------
# Functions of one input
# ---------------------------------------------------------------------------

exp = _built_in(Op(
    "exp", _overflows(math.exp, "exp overflows above x = 709.78"),
    derivatives=[lambda x, out: out],
    formulas=["d exp(x)/dx = exp(x)"],
    domain=Domain(inputs=(between(-5, 5),)),
    doc="e^x. Derivative: e^x. OverflowError above x ≈ 709.78.",
))
expm1 = _built_in(Op(
    "expm1", _overflows(math.expm1, "expm1 overflows above x = 709.78"),
    derivatives=[lambda x, out: out + 1.0],
    formulas=["d(exp(x)-1)/dx = exp(x)"],
    domain=Domain(inputs=(between(-5, 5),)),
    doc="e^x - 1, accurate for small x. Derivative: e^x.",
))
log = _built_in(Op(
    "log", _positive(math.log, "log"),
    derivatives=[lambda x, out: 1.0 / x],
    formulas=["d log(x)/dx = 1/x"],
    domain=Domain(inputs=(between(0.1, 10),)),
    doc="Natural logarithm, for x > 0. Derivative: 1/x.",
))
log1p = _built_in(Op(
    "log1p", _log1p,
    derivatives=[lambda x, out: 1.0 / (1.0 + x)],
    formulas=["d log(1+x)/dx = 1/(1+x)"],
    domain=Domain(inputs=(between(-0.9, 10),)),
    doc="log(1 + x), accurate for small x; for x > -1. Derivative: 1/(1 + x).",
))
_LN2, _LN10 = math.log(2.0), math.log(10.0)
log2 = _built_in(Op(
    "log2", _positive(math.log2, "log2"),
    derivatives=[lambda x, out: 1.0 / (x * _LN2)],
    formulas=["d log2(x)/dx = 1/(x·ln 2)"],
    domain=Domain(inputs=(between(0.1, 10),)),
    doc="Logarithm to base 2, for x > 0. Derivative: 1/(x ln 2).",
))
log10 = _built_in(Op(
    "log10", _positive(math.log10, "log10"),
    derivatives=[lambda x, out: 1.0 / (x * _LN10)],
    formulas=["d log10(x)/dx = 1/(x·ln 10)"],
    domain=Domain(inputs=(between(0.1, 10),)),
    doc="Logarithm to base 10, for x > 0. Derivative: 1/(x ln 10).",
))
sqrt = _built_in(Op(
    "sqrt", _sqrt, symbol="√",
    derivatives=[lambda x, out: 0.5 / out],
    formulas=["d √x/dx = 1/(2√x)"],
    domain=Domain(inputs=(between(0.1, 10),)),
    doc="√x, for x >= 0. Derivative: 1/(2√x) (none at 0).",
))
absolute = _built_in(Op(
    "abs", builtins.abs, symbol="|x|",
    derivatives=[lambda x, out: 1.0 if x > 0 else (-1.0 if x < 0 else 0.0)],
    formulas=["d|x|/dx = sign(x) (0 at x = 0)"],
    domain=Domain(inputs=(nonzero(0.01, 5),)),
    doc="|x|. Derivative: sign(x); at the kink x = 0 the rule uses 0, like PyTorch.",
))
relu = _built_in(Op(
    "relu", lambda x: 0.0 if x <= 0 else x, symbol="ReLU",  # a nan is not <= 0: it stays nan
    derivatives=[lambda x, out: 1.0 if x > 0 else 0.0],
    formulas=["d relu(x)/dx = 1 if x > 0 else 0"],
    domain=Domain(inputs=(nonzero(0.01, 5),)),
    doc="max(0, x). Derivative: 1 for x > 0, else 0; at the kink x = 0 the rule uses 0, "
        "like PyTorch.",
))
leaky_relu = _built_in(Op(
    "leaky_relu", lambda x, slope: slope * x if x <= 0 else x, symbol="LReLU",
    num_settings=1, setting_names=["slope"], defaults=[0.01],
    derivatives=[lambda x, slope, out: 1.0 if x > 0 else slope],
    formulas=["d leaky_relu(x)/dx = 1 if x > 0 else slope"],
    domain=Domain(inputs=(nonzero(0.01, 5),), settings=((0.01,), (0.2,))),
    doc="x for x > 0, else slope·x (slope 0.01 by default). Derivative: 1 for x > 0, "
        "else slope; at the kink x = 0 the rule uses slope, like PyTorch.",
))
sigmoid = _built_in(Op(
    "sigmoid", _sigmoid, symbol="σ",
    derivatives=[lambda x, out: out * (1.0 - out)],
    formulas=["d σ(x)/dx = σ(x)·(1 - σ(x))"],
    domain=Domain(inputs=(between(-8, 8),)),
    doc="σ(x) = 1/(1 + e^-x), stable for any x. Derivative: σ(x)(1 - σ(x)).",
))
softplus = _built_in(Op(
    "softplus", _softplus,
    derivatives=[lambda x, out: sigmoid(x)],
    formulas=["d log(1+exp(x))/dx = σ(x)"],
    domain=Domain(inputs=(between(-8, 8),)),
    doc="log(1 + e^x), stable for any x (a smooth relu). Derivative: σ(x).",
))
tanh = _built_in(Op(
    "tanh", math.tanh,
    derivatives=[lambda x, out: 1.0 - out * out],
    formulas=["d tanh(x)/dx = 1 - tanh(x)^2"],
    domain=Domain(inputs=(between(-5, 5),)),
    doc="tanh x = (e^x - e^-x)/(e^x + e^-x). Derivative: 1 - tanh²x.",
))
sin = _built_in(Op(
    "sin", math.sin,
    derivatives=[lambda x, out: cos(x)],
    formulas=["d sin(x)/dx = cos(x)"],
    domain=Domain(inputs=(between(-6, 6),)),
    doc="sin x. Derivative: cos x.",
))
cos: Op = _built_in(Op(  # (annotated: sin's rule above refers to it)
    "cos", math.cos,
    derivatives=[lambda x, out: -sin(x)],
    formulas=["d cos(x)/dx = -sin(x)"],
    domain=Domain(inputs=(between(-6, 6),)),
    doc="cos x. Derivative: -sin x.",
))
tan = _built_in(Op(
    "tan", math.tan,
    derivatives=[lambda x, out: 1.0 + out * out],
    formulas=["d tan(x)/dx = 1 + tan(x)^2"],
    domain=Domain(inputs=(between(-1.3, 1.3),)),  # clear of the poles at ±π/2
    doc="tan x. Derivative: 1 + tan²x.",
))
sinh = _built_in(Op(
    "sinh", _overflows(math.sinh, "sinh overflows above |x| = 710.47"),
    derivatives=[lambda x, out: cosh(x)],
    formulas=["d sinh(x)/dx = cosh(x)"],
    domain=Domain(inputs=(between(-4, 4),)),
    doc="sinh x = (e^x - e^-x)/2. Derivative: cosh x.",
))
cosh: Op = _built_in(Op(  # (annotated: sinh's rule above refers to it)
    "cosh", _overflows(math.cosh, "cosh overflows above |x| = 710.47"),
    derivatives=[lambda x, out: sinh(x)],
    formulas=["d cosh(x)/dx = sinh(x)"],
    domain=Domain(inputs=(between(-4, 4),)),
    doc="cosh x = (e^x + e^-x)/2. Derivative: sinh x.",
))
asin = _built_in(Op(
    "asin", _inverse_trig(math.asin, "asin"),
    derivatives=[lambda x, out: 1.0 / sqrt(1.0 - x * x)],
    formulas=["d asin(x)/dx = 1/√(1 - x^2)"],
    domain=Domain(inputs=(between(-0.9, 0.9),)),
    doc="arcsin x, for -1 <= x <= 1. Derivative: 1/√(1 - x²) (none at ±1).",
))
acos = _built_in(Op(
    "acos", _inverse_trig(math.acos, "acos"),
    derivatives=[lambda x, out: -1.0 / sqrt(1.0 - x * x)],
    formulas=["d acos(x)/dx = -1/√(1 - x^2)"],
    domain=Domain(inputs=(between(-0.9, 0.9),)),
    doc="arccos x, for -1 <= x <= 1. Derivative: -1/√(1 - x²) (none at ±1).",
))
atan = _built_in(Op(
    "atan", math.atan,
    derivatives=[lambda x, out: 1.0 / (1.0 + x * x)],
    formulas=["d atan(x)/dx = 1/(1 + x^2)"],
    domain=Domain(inputs=(between(-5, 5),)),
    doc="arctan x. Derivative: 1/(1 + x²).",
))
clamp = _built_in(Op(
    "clamp", _clamp, symbol="clamp[{0:g}, {1:g}]", num_settings=2,
    setting_names=["low", "high"],
    derivatives=[lambda x, low, high, out: 1.0 if low <= x <= high else 0.0],
    formulas=["d clamp(x, low, high)/dx = 1 if low <= x <= high else 0"],
    domain=Domain(inputs=(((-3, -1.1), (-0.9, 0.9), (1.1, 3)),), settings=((-1.0, 1.0),)),
    doc="x limited to [low, high]. Derivative: 1 inside, 0 outside; at the kinks "
        "x = low and x = high the rule uses 1, like PyTorch.",
))

# ---------------------------------------------------------------------------
# Functions of two inputs
# ---------------------------------------------------------------------------

def _hypot(a: Any, b: Any) -> Any:
    """√(a² + b²): for floats math.hypot, which never underflows (a² does below
    1e-154); for Values (second derivatives) the same formula as graph nodes."""
    if isinstance(a, Value) or isinstance(b, Value):
        return (a * a + b * b) ** 0.5
    return math.hypot(a, b)


atan2 = _built_in(Op(
    "atan2", math.atan2,
    derivatives=[lambda y, x, out: x / _hypot(x, y) / _hypot(x, y),  # no x² underflow
                 lambda y, x, out: -y / _hypot(x, y) / _hypot(x, y)],
    formulas=["d atan2(y, x)/dy = x/(x^2 + y^2)", "d atan2(y, x)/dx = -y/(x^2 + y^2)"],
    domain=Domain(inputs=(nonzero(0.3, 3), between(-3, 3))),  # clear of the cut y = 0, x < 0
    doc="The angle of the point (x, y), in (-π, π]. Derivatives: x/(x² + y²) and "
        "-y/(x² + y²) (none at the origin).",
))
_APART = [Domain(inputs=(between(0.5, 3), between(-3, 0.4))),  # clear of the tie a = b
          Domain(inputs=(between(-3, 0.4), between(0.5, 3)))]
maximum = _built_in(Op(
    "maximum", lambda a, b: b if a < b or b != b else a, symbol="max",  # a nan stays nan
    derivatives=[lambda a, b, out: 1.0 if a > b else (0.0 if a < b else 0.5),
                 lambda a, b, out: 1.0 if b > a else (0.0 if b < a else 0.5)],
    formulas=["d max(a, b)/da = 1 if a > b, 1/2 if a = b, else 0",
              "d max(a, b)/db = 1 if b > a, 1/2 if a = b, else 0"],
    domain=_APART,
    doc="The larger of a and b. Derivatives: 1 for the larger, 0 for the other; at a "
        "tie a = b each gets 1/2, like PyTorch.",
))
minimum = _built_in(Op(
    "minimum", lambda a, b: b if a > b or b != b else a, symbol="min",  # a nan stays nan
    derivatives=[lambda a, b, out: 1.0 if a < b else (0.0 if a > b else 0.5),
                 lambda a, b, out: 1.0 if b < a else (0.0 if b > a else 0.5)],
    formulas=["d min(a, b)/da = 1 if a < b, 1/2 if a = b, else 0",
              "d min(a, b)/db = 1 if b < a, 1/2 if a = b, else 0"],
    domain=_APART,
    doc="The smaller of a and b. Derivatives: 1 for the smaller, 0 for the other; at a "
        "tie a = b each gets 1/2, like PyTorch.",
))

# ---------------------------------------------------------------------------
# Ops on any number of inputs: ONE node for many inputs (a chain of binary
# nodes would be n - 1 nodes).
# ---------------------------------------------------------------------------

def _sum_formula(i: int, n: int) -> str:
    """d(x0+...+x9)/dx3 = 1; the terms written out when there are one to three."""
    terms = "+".join(f"x{k}" for k in range(n)) if n <= 3 else f"x0+...+x{n - 1}"
    return f"d({terms})/dx{i} = 1"


SUM = _built_in(Op(
    "sum", lambda *xs: builtins.sum(xs), symbol="Σ",
    local=lambda xs, out: [1.0] * len(xs),
    formula=_sum_formula,
))
DOT = _built_in(Op(  # parents: w0..w(n-1), then x0..x(n-1)
    "dot", _dot, symbol="w·x",
    local=lambda args, out: [*args[len(args) // 2:], *args[: len(args) // 2]],
    formula=lambda i, n: (
        f"d(w·x)/dw{i} = x{i}" if i < n // 2 else f"d(w·x)/dx{i - n // 2} = w{i - n // 2}"
    ),
    domain=Domain(inputs=(between(-3, 3), between(-3, 3))),
))
def _softmax_weight(x: Any, out: Any) -> Any:
    """∂ logsumexp/∂x = exp(x - out) (out = logsumexp, so x - out <= 0). Where x - out is
    below the floats (-1e308 - 1e308), e^(x - out) is 0, as the forward pass found it."""
    if _number(x) - _number(out) == -math.inf:
        return 0.0
    return exp(x - out)


LOGSUMEXP = _built_in(Op(
    "logsumexp", _logsumexp, symbol="logΣexp",
    local=lambda xs, out: [_softmax_weight(x, out) for x in xs],
    formula=lambda i, n: f"d logsumexp(x)/dx{i} = exp(x{i} - logsumexp(x)) = softmax(x){i}",
    domain=Domain(inputs=(between(-5, 5),)),
))


def _listed(values: Iterable[Any], who: str) -> list[Any]:
    """`values` as a list, or a TypeError saying what `who` needs."""
    if not isinstance(values, Iterable):
        raise TypeError(f"{who} needs a sequence of Values or numbers, got "
                        f"{type(values).__name__}")
    return list(values)


def sum(values: Iterable[Any]) -> Any:  # noqa: A001 - mirrors builtins.sum on purpose
    """x0 + x1 + ... as ONE node. ∂/∂x_i = 1 for every i. Empty sum: 0.0."""
    return SUM(*_listed(values, "sum"))


def dot(ws: Sequence[Any], xs: Sequence[Any]) -> Any:
    """Σ_i w_i·x_i as ONE node. ∂/∂w_i = x_i and ∂/∂x_i = w_i."""
    ws, xs = _listed(ws, "dot"), _listed(xs, "dot")
    if len(ws) != len(xs):
        raise ValueError(f"dot needs two sequences of the same length, got {len(ws)} and {len(xs)}")
    return DOT(*ws, *xs)


def logsumexp(values: Iterable[Any]) -> Any:
    """log Σ_i e^(x_i), computed stably. ∂/∂x_i = softmax(x)_i."""
    values = _listed(values, "logsumexp")
    if not values:
        raise ValueError("logsumexp needs at least one value")
    return LOGSUMEXP(*values)


#: The functions of this module: every built-in op that is a function, and the
#: ops on any number of inputs.
__all__ = ["absolute", "dot", "logsumexp", "sum",
           *(name for name in FUNCTIONS if is_built_in(name) and name != "abs")]
