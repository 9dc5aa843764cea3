"""The op table: every primitive operation of the engine, each declared once.

Each entry gives, side by side, the forward computation on floats, the local
derivative ∂out/∂input for each input, and the text of that formula. The
derivative rules receive the inputs and the output (``out``) and use only
``+ - * / **``, comparisons and the functions of this module, which accept
floats and Values alike; so one rule serves an ordinary backward pass (floats),
``create_graph=True`` (Values, for higher derivatives) and forward mode.

At the end of the module, Value's operators and methods are attached, each a
thin call of its table entry. To add your own primitive, use `define_op` the
same way the built-ins below do.
"""

from __future__ import annotations

import builtins
import math
import numbers
import operator
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from autograd.core import Op, Value, as_value


def define_op(
    name: str,
    forward: Callable[..., float],
    derivatives: Sequence[Callable[..., Any]],
    formulas: Sequence[str],
    symbol: str | None = None,
    num_params: int = 0,
) -> Op:
    """Declare a primitive with a fixed number of inputs; return it, ready to call.

    Args:
        name:        the op's name (shown as ``node.op``).
        forward:     ``forward(*inputs, *params) -> float`` on plain floats.
        derivatives: one function per input; the i-th is called as
                     ``d(*inputs, *params, out)`` and returns ∂out/∂input_i.
        formulas:    one text per input, e.g. ``"d(x^2)/dx = 2x"``.
        symbol:      what drawings show in the op's node (default: ``name``).
        num_params:  how many fixed numbers follow the inputs (like the ``3``
                     in ``x ** 3``); they are parameters, not graph parents.

    Example (a learner's own op, checked with ``autograd.gradcheck``)::

        square = define_op("square", forward=lambda x: x * x,
                           derivatives=[lambda x, out: 2 * x],
                           formulas=["d(x^2)/dx = 2x"])
        y = square(Value(3.0))      # a Value with op "square"
    """
    derivatives = tuple(derivatives)
    formulas = tuple(formulas)
    if not derivatives:
        raise ValueError(f"op {name!r} needs at least one derivative rule")
    if len(formulas) != len(derivatives):
        raise ValueError(
            f"op {name!r}: {len(derivatives)} derivative rule(s) but "
            f"{len(formulas)} formula(s); give one of each per input"
        )

    # local(args, out) runs once per node in every backward pass, so the usual
    # shapes, one or two inputs and no parameters, get a version that passes
    # the arguments one by one (no loop, no *args): the same result, faster.
    if len(derivatives) == 1 and num_params == 0:
        (d_x,) = derivatives

        def local(args: Sequence[Any], out: Any) -> list[Any]:
            (x,) = args
            return [d_x(x, out)]

    elif len(derivatives) == 2 and num_params == 0:
        d_a, d_b = derivatives

        def local(args: Sequence[Any], out: Any) -> list[Any]:
            a, b = args
            return [d_a(a, b, out), d_b(a, b, out)]

    else:

        def local(args: Sequence[Any], out: Any) -> list[Any]:
            return [derivative(*args, out) for derivative in derivatives]

    def formula(i: int, n: int) -> str:
        return formulas[i]

    return Op(name, forward, local, formula, symbol, len(derivatives), num_params)


# ---------------------------------------------------------------------------
# Forward computations with clear domain errors. (Op.run_forward prefixes each
# message with the op and its inputs, e.g. "log(-2): input must be positive".)
# ---------------------------------------------------------------------------


def _divide(a: float, b: float) -> float:
    if b == 0:
        raise ZeroDivisionError("division by zero")
    return a / b


def _power(base: float, exponent: float) -> float:
    if base == 0 and exponent < 0:
        raise ZeroDivisionError("0 cannot be raised to a negative power")
    if base < 0 and exponent != int(exponent):
        raise ValueError("a negative base needs an integer exponent")
    try:
        return float(base**exponent)
    except OverflowError:
        raise OverflowError("result is too large for a float") from None


def _exp(x: float) -> float:
    try:
        return math.exp(x)
    except OverflowError:
        raise OverflowError(
            "result is too large for a float (exp overflows above x = 709.78)"
        ) from None


def _log(x: float) -> float:
    if x <= 0:
        raise ValueError("log is defined only for positive inputs")
    return math.log(x)


def _sqrt(x: float) -> float:
    if x < 0:
        raise ValueError("sqrt is defined only for inputs >= 0")
    return math.sqrt(x)


def _sigmoid(x: float) -> float:
    # 1 / (1 + e^-x), written so that exp never sees a large positive number.
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def _logsumexp(*xs: float) -> float:
    # log Σ e^x_i = m + log Σ e^(x_i - m), m = max x_i: no term exceeds e^0 = 1.
    if not xs:
        raise ValueError("needs at least one input")
    m = max(xs)
    return m + math.log(builtins.sum(math.exp(x - m) for x in xs))


def _dot(*args: float) -> float:
    n = len(args) // 2
    return builtins.sum(map(operator.mul, args[:n], args[n:]))


def _pow_exponent_derivative(a: Any, b: Any, out: Any) -> Any:
    """∂(a^b)/∂b = a^b · ln a. Needs a > 0 (it is 0 at a = 0 for b > 0)."""
    if a > 0:
        return out * log(a)
    if a == 0 and b > 0:
        return 0.0
    raise ValueError(
        f"the derivative of a**b with respect to b needs a > 0, got a = {float(a):g}; "
        "for a fixed exponent write x ** 2 with a plain number"
    )


# ---------------------------------------------------------------------------
# The table. Binary ops: inputs (a, b). Unary ops: input x.
# ---------------------------------------------------------------------------

ADD = define_op(
    "add", symbol="+",
    forward=lambda a, b: a + b,
    derivatives=[lambda a, b, out: 1.0, lambda a, b, out: 1.0],
    formulas=["d(a+b)/da = 1", "d(a+b)/db = 1"],
)
SUB = define_op(
    "sub", symbol="-",
    forward=lambda a, b: a - b,
    derivatives=[lambda a, b, out: 1.0, lambda a, b, out: -1.0],
    formulas=["d(a-b)/da = 1", "d(a-b)/db = -1"],
)
MUL = define_op(
    "mul", symbol="×",
    forward=lambda a, b: a * b,
    derivatives=[lambda a, b, out: b, lambda a, b, out: a],
    formulas=["d(a·b)/da = b", "d(a·b)/db = a"],
)
DIV = define_op(
    "div", symbol="÷",
    forward=_divide,
    derivatives=[lambda a, b, out: 1.0 / b, lambda a, b, out: -a / (b * b)],
    formulas=["d(a/b)/da = 1/b", "d(a/b)/db = -a/b^2"],
)
POW = define_op(  # x ** n with a plain number n: n is a parameter, not a parent
    "pow", symbol="^{0:g}", num_params=1,
    forward=_power,
    derivatives=[lambda x, n, out: 0.0 if n == 0 else n * x ** (n - 1)],
    formulas=["d(x^n)/dx = n·x^(n-1)"],
)
POW_VALUE = define_op(  # a ** b with b a Value: both are parents
    "pow_value", symbol="^",
    forward=_power,
    derivatives=[
        lambda a, b, out: b * a ** (b - 1),
        _pow_exponent_derivative,
    ],
    formulas=["d(a^b)/da = b·a^(b-1)", "d(a^b)/db = a^b·ln(a)"],
)
NEG = define_op(
    "neg", symbol="-",
    forward=lambda x: -x,
    derivatives=[lambda x, out: -1.0],
    formulas=["d(-x)/dx = -1"],
)
EXP = define_op(
    "exp",
    forward=_exp,
    derivatives=[lambda x, out: out],
    formulas=["d exp(x)/dx = exp(x)"],
)
LOG = define_op(
    "log",
    forward=_log,
    derivatives=[lambda x, out: 1.0 / x],
    formulas=["d log(x)/dx = 1/x"],
)
TANH = define_op(
    "tanh",
    forward=math.tanh,
    derivatives=[lambda x, out: 1.0 - out * out],
    formulas=["d tanh(x)/dx = 1 - tanh(x)^2"],
)
SIGMOID = define_op(
    "sigmoid", symbol="σ",
    forward=_sigmoid,
    derivatives=[lambda x, out: out * (1.0 - out)],
    formulas=["d σ(x)/dx = σ(x)·(1 - σ(x))"],
)
RELU = define_op(
    "relu", symbol="ReLU",
    forward=lambda x: x if x > 0 else 0.0,
    derivatives=[lambda x, out: 1.0 if x > 0 else 0.0],  # 0 at the kink, like PyTorch
    formulas=["d relu(x)/dx = 1 if x > 0 else 0"],
)
ABS = define_op(
    "abs", symbol="|x|",
    forward=abs,
    derivatives=[lambda x, out: 1.0 if x > 0 else (-1.0 if x < 0 else 0.0)],
    formulas=["d|x|/dx = sign(x)"],
)
SQRT = define_op(
    "sqrt", symbol="√",
    forward=_sqrt,
    derivatives=[lambda x, out: 0.5 / out],
    formulas=["d √x/dx = 1/(2√x)"],
)
SIN = define_op(
    "sin",
    forward=math.sin,
    derivatives=[lambda x, out: cos(x)],
    formulas=["d sin(x)/dx = cos(x)"],
)
COS = define_op(
    "cos",
    forward=math.cos,
    derivatives=[lambda x, out: -sin(x)],
    formulas=["d cos(x)/dx = -sin(x)"],
)

# N-ary ops: one node for many inputs (a chain of binary nodes would be n - 1 nodes).
SUM = Op(
    "sum", symbol="Σ",
    forward=lambda *xs: builtins.sum(xs),
    local=lambda xs, out: [1.0] * len(xs),
    formula=lambda i, n: f"d(x0+...+x{n - 1})/dx{i} = 1",
)
DOT = Op(  # parents: w0..w(n-1), then x0..x(n-1)
    "dot", symbol="w·x",
    forward=_dot,
    local=lambda args, out: [*args[len(args) // 2:], *args[: len(args) // 2]],
    formula=lambda i, n: (
        f"d(w·x)/dw{i} = x{i}" if i < n // 2 else f"d(w·x)/dx{i - n // 2} = w{i - n // 2}"
    ),
)
LOGSUMEXP = Op(
    "logsumexp", symbol="logΣexp",
    forward=_logsumexp,
    local=lambda xs, out: [exp(x - out) for x in xs],
    formula=lambda i, n: f"d logsumexp(x)/dx{i} = exp(x{i} - logsumexp(x)) = softmax(x){i}",
)

#: Every built-in op by name.
OPS: dict[str, Op] = {
    op.name: op
    for op in (ADD, SUB, MUL, DIV, POW, POW_VALUE, NEG, EXP, LOG, TANH, SIGMOID,
               RELU, ABS, SQRT, SIN, COS, SUM, DOT, LOGSUMEXP)
}


# ---------------------------------------------------------------------------
# Functions. Each returns a Value when an input is a Value, else a plain float.
# ---------------------------------------------------------------------------


def exp(x: Any) -> Any:
    """e^x. Derivative: e^x. OverflowError above x ≈ 709.78."""
    return EXP(x)


def log(x: Any) -> Any:
    """Natural logarithm, for x > 0. Derivative: 1/x."""
    return LOG(x)


def tanh(x: Any) -> Any:
    """tanh x = (e^x - e^-x)/(e^x + e^-x). Derivative: 1 - tanh(x)^2."""
    return TANH(x)


def sigmoid(x: Any) -> Any:
    """σ(x) = 1/(1 + e^-x), stable for any x. Derivative: σ(x)(1 - σ(x))."""
    return SIGMOID(x)


def relu(x: Any) -> Any:
    """max(0, x). Derivative: 1 for x > 0, else 0 (0 at the kink)."""
    return RELU(x)


def sqrt(x: Any) -> Any:
    """√x, for x >= 0. Derivative: 1/(2√x) (infinite at 0)."""
    return SQRT(x)


def sin(x: Any) -> Any:
    """sin x. Derivative: cos x."""
    return SIN(x)


def cos(x: Any) -> Any:
    """cos x. Derivative: -sin x."""
    return COS(x)


def absolute(x: Any) -> Any:
    """|x|. Derivative: sign(x) (0 at the kink)."""
    return ABS(x)


def sum(values: Iterable[Any]) -> Any:  # noqa: A001 - mirrors builtins.sum on purpose
    """x0 + x1 + ... as ONE node. ∂/∂x_i = 1 for every i. Empty sum: 0.0."""
    return SUM(*values)


def dot(ws: Sequence[Any], xs: Sequence[Any]) -> Any:
    """Σ_i w_i·x_i as ONE node. ∂/∂w_i = x_i and ∂/∂x_i = w_i."""
    ws, xs = list(ws), list(xs)
    if len(ws) != len(xs):
        raise ValueError(f"dot needs two sequences of the same length, got {len(ws)} and {len(xs)}")
    return DOT(*ws, *xs)


def logsumexp(values: Iterable[Any]) -> Any:
    """log Σ_i e^(x_i), computed stably. ∂/∂x_i = softmax(x)_i."""
    values = list(values)
    if not values:
        raise ValueError("logsumexp needs at least one value")
    return LOGSUMEXP(*values)


#: The functions an expression (e.g. on the command line) may call, by name.
FUNCTIONS: dict[str, Callable[..., Any]] = {
    "exp": exp, "log": log, "tanh": tanh, "sigmoid": sigmoid, "relu": relu,
    "abs": absolute, "sqrt": sqrt, "sin": sin, "cos": cos,
}


# ---------------------------------------------------------------------------
# Value's operators and methods, each dispatched through its table entry.
# A plain number on either side of an operator becomes a constant leaf.
# ---------------------------------------------------------------------------


def _binary(op: Op) -> tuple[Callable[[Value, Any], Value], Callable[[Value, Any], Value]]:
    def method(self: Value, other: Any) -> Value:
        return op.apply((self, as_value(other)))

    def reflected(self: Value, other: Any) -> Value:
        return op.apply((as_value(other), self))

    return method, reflected


def _unary(op: Op) -> Callable[[Value], Value]:
    def method(self: Value) -> Value:
        return op.apply((self,))

    method.__name__ = op.name
    return method


def _power_method(self: Value, exponent: Any) -> Value:
    if isinstance(exponent, Value):
        return POW_VALUE.apply((self, exponent))
    if isinstance(exponent, bool) or not isinstance(exponent, numbers.Real):
        raise TypeError(f"pow: exponent must be a number or a Value, got {type(exponent).__name__}")
    return POW.apply((self,), (float(exponent),))


def _reflected_power(self: Value, base: Any) -> Value:
    return POW_VALUE.apply((as_value(base), self))


Value.__add__, Value.__radd__ = _binary(ADD)
Value.__sub__, Value.__rsub__ = _binary(SUB)
Value.__mul__, Value.__rmul__ = _binary(MUL)
Value.__truediv__, Value.__rtruediv__ = _binary(DIV)
Value.__pow__ = _power_method
Value.__rpow__ = _reflected_power
Value.__neg__ = _unary(NEG)
Value.__abs__ = _unary(ABS)
for _op in (EXP, LOG, TANH, SIGMOID, RELU, ABS, SQRT, SIN, COS):
    setattr(Value, _op.name, _unary(_op))
