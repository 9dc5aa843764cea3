"""Hypothesis strategies for property tests of derivatives (needs hypothesis).

Generate random differentiable formulas and inputs where every op is inside its
domain, away from kinks, and every intermediate value stays bounded, so finite
differences are accurate and a correct engine always passes `gradcheck`::

    from hypothesis import given
    from autograd import gradcheck
    from autograd.strategies import expressions_and_inputs

    @given(expressions_and_inputs(["x", "y"]))
    def test_engine_gradients_match_finite_differences(case):
        expression, inputs = case                  # e.g. tanh(x*y) + log(x*x + 1)
        assert gradcheck(expression, inputs), f"{expression} at {inputs}"

How the safety is guaranteed: inputs lie in [-INPUT_BOUND, INPUT_BOUND] and
every generated node knows a bound on |its value| over that box. Ops with a
restricted domain or a kink only ever see arguments that keep clear of it:
``log(u*u + c)``, ``sqrt(u*u + c)``, ``relu(u*u + c)`` or ``relu(-c - u*u)``,
``abs(...)`` likewise, ``u / (v*v + c)`` with c >= 0.5, and powers of ``u*u + c``.
An op is only chosen when the result's bound stays within VALUE_BOUND (so
``exp`` only sees arguments up to 3). Hypothesis shrinks a failing case
towards a single variable, then towards the first ops of each list below.

Expressions print as formulas that `backprop check` and ``autograd.expression``
understand, and are called like functions: ``expression(*values)``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

try:
    from hypothesis import strategies as st
except ImportError as error:  # pragma: no cover - depends on what is installed
    raise ImportError(
        'autograd.strategies needs hypothesis: pip install "backprop-lab[test]" '
        "(or pip install hypothesis)"
    ) from error

from autograd.ops import FUNCTIONS

INPUT_BOUND = 2.0  # generated inputs lie in [-2, 2]
VALUE_BOUND = 50.0  # no generated sub-expression exceeds this in size on those inputs

# Binding strength of each kind of node, for printing with few parentheses.
_PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2, "neg": 3, "**": 4, "atom": 5}


# ------------------------------------------------------------------- the tree


class Node:
    """One node of a formula. ``bound``: |value| <= bound for inputs in the box."""

    bound: float
    precedence: int

    def evaluate(self, env: Mapping[str, Any]) -> Any:
        raise NotImplementedError

    def children(self) -> tuple[Node, ...]:
        return ()


class Variable(Node):
    precedence = _PRECEDENCE["atom"]

    def __init__(self, name: str) -> None:
        self.name = name
        self.bound = INPUT_BOUND

    def evaluate(self, env: Mapping[str, Any]) -> Any:
        return env[self.name]

    def __str__(self) -> str:
        return self.name


class Constant(Node):
    def __init__(self, value: float) -> None:
        self.value = float(value)
        self.bound = abs(self.value)
        self.precedence = _PRECEDENCE["neg" if self.value < 0 else "atom"]

    def evaluate(self, env: Mapping[str, Any]) -> Any:
        return self.value  # a plain float: x ** 2 stays the op "pow" with n = 2

    def __str__(self) -> str:
        return f"{self.value:g}"


class Call(Node):
    """function(argument), for a function of `autograd.FUNCTIONS`."""

    precedence = _PRECEDENCE["atom"]

    def __init__(self, function: str, argument: Node, bound: float) -> None:
        self.function, self.argument, self.bound = function, argument, bound

    def evaluate(self, env: Mapping[str, Any]) -> Any:
        return FUNCTIONS[self.function](self.argument.evaluate(env))

    def children(self) -> tuple[Node, ...]:
        return (self.argument,)

    def __str__(self) -> str:
        return f"{self.function}({self.argument})"


class Negate(Node):
    precedence = _PRECEDENCE["neg"]

    def __init__(self, operand: Node) -> None:
        self.operand, self.bound = operand, operand.bound

    def evaluate(self, env: Mapping[str, Any]) -> Any:
        return -self.operand.evaluate(env)

    def children(self) -> tuple[Node, ...]:
        return (self.operand,)

    def __str__(self) -> str:
        text = str(self.operand)
        return f"-({text})" if self.operand.precedence <= self.precedence else f"-{text}"


_ARITHMETIC: dict[str, Callable[[Any, Any], Any]] = {
    "+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b,
    "/": lambda a, b: a / b, "**": lambda a, b: a**b,
}


class BinaryOp(Node):
    """left symbol right, for + - * / ** (the exponent may be a Constant or a node)."""

    def __init__(self, symbol: str, left: Node, right: Node, bound: float) -> None:
        self.symbol, self.left, self.right, self.bound = symbol, left, right, bound
        self.precedence = _PRECEDENCE[symbol]

    def evaluate(self, env: Mapping[str, Any]) -> Any:
        return _ARITHMETIC[self.symbol](self.left.evaluate(env), self.right.evaluate(env))

    def children(self) -> tuple[Node, ...]:
        return (self.left, self.right)

    def __str__(self) -> str:
        left, right = str(self.left), str(self.right)
        if self.symbol == "**":  # right-associative, and binds tighter than unary minus
            left_needs = self.left.precedence <= self.precedence
            right_needs = self.right.precedence < _PRECEDENCE["neg"]
        else:  # left-associative: a - (b - c) and a / (b * c) keep their parentheses
            left_needs = self.left.precedence < self.precedence
            right_needs = self.right.precedence < self.precedence or (
                self.right.precedence == self.precedence and self.symbol in "-/")
        if left_needs:
            left = f"({left})"
        if right_needs:
            right = f"({right})"
        spaced = self.symbol in "+-"
        return f"{left} {self.symbol} {right}" if spaced else f"{left}{self.symbol}{right}"


class Expression:
    """A generated formula over named variables: printable and callable.

    ``str(e)`` is the formula, e.g. ``"tanh(x*y) + log(x*x + 1)"``.
    ``e(*values)`` evaluates it with one value (float or Value) per variable,
    in the order of ``e.variables``: so ``gradcheck(e, inputs)`` works.
    ``e.bound`` bounds |e| for inputs in [-INPUT_BOUND, INPUT_BOUND].
    """

    def __init__(self, tree: Node, variables: Sequence[str]) -> None:
        self.tree = tree
        self.variables = tuple(variables)

    def __call__(self, *values: Any) -> Any:
        if len(values) != len(self.variables):
            raise TypeError(f"{self} takes {len(self.variables)} value(s) "
                            f"({', '.join(self.variables)}), got {len(values)}")
        return self.evaluate(dict(zip(self.variables, values)))

    def evaluate(self, env: Mapping[str, Any]) -> Any:
        """The value with variables taken from `env` (name -> float or Value)."""
        return self.tree.evaluate(env)

    @property
    def bound(self) -> float:
        return self.tree.bound

    @property
    def depth(self) -> int:
        """Levels of nodes below the root (0 for a single variable or constant)."""
        deepest, stack = 0, [(self.tree, 0)]
        while stack:
            node, level = stack.pop()
            deepest = max(deepest, level)
            stack.extend((child, level + 1) for child in node.children())
        return deepest

    def __str__(self) -> str:
        return str(self.tree)

    def __repr__(self) -> str:
        return f"Expression({str(self)!r})"


# ------------------------------------------------------- safe constructions


_SHIFTS = (1.0, 0.5, 2.0)  # c in u*u + c: keeps log, sqrt, kinks and divisions clear of 0


def _square_plus(u: Node, c: float) -> Node:
    """u*u + c  (>= c > 0)."""
    square = BinaryOp("*", u, u, u.bound**2)
    return BinaryOp("+", square, Constant(c), u.bound**2 + c)


def _minus_square(u: Node, c: float) -> Node:
    """-c - u*u  (<= -c < 0)."""
    square = BinaryOp("*", u, u, u.bound**2)
    return BinaryOp("-", Constant(-c), square, u.bound**2 + c)


def _unary_choices(u: Node) -> list[Callable[[Any], Node]]:
    """Ways to build a node from one child `u`, simplest first; each keeps the bound."""
    b = u.bound
    choices: list[Callable[[Any], Node]] = [
        lambda draw: Negate(u),
        lambda draw: Call("tanh", u, 1.0),
        lambda draw: Call("sigmoid", u, 1.0),
        lambda draw: Call("sin", u, 1.0),
        lambda draw: Call("cos", u, 1.0),
    ]
    if b <= 3:
        choices.append(lambda draw: Call("exp", u, math.exp(b)))
    if b * b + max(_SHIFTS) <= VALUE_BOUND:
        def log(draw: Any) -> Node:
            c = draw(st.sampled_from(_SHIFTS))
            return Call("log", _square_plus(u, c), max(math.log(b * b + c), -math.log(c)))

        def sqrt(draw: Any) -> Node:
            c = draw(st.sampled_from(_SHIFTS))
            return Call("sqrt", _square_plus(u, c), math.sqrt(b * b + c))

        def kink(function: str) -> Callable[[Any], Node]:
            def build(draw: Any) -> Node:
                c = draw(st.sampled_from(_SHIFTS))
                inner = _minus_square(u, c) if draw(st.booleans()) else _square_plus(u, c)
                return Call(function, inner, b * b + c)
            return build

        exponents = [p for p in (-1.0, 0.5, -0.5, 1.5)
                     if p < 0 or (b * b + max(_SHIFTS)) ** p <= VALUE_BOUND]

        def power(draw: Any) -> Node:  # (u*u + c) ** p, any real p: the base is >= c > 0
            c = draw(st.sampled_from(_SHIFTS))
            p = draw(st.sampled_from(exponents))
            bound = (b * b + c) ** p if p > 0 else c**p
            return BinaryOp("**", _square_plus(u, c), Constant(p), bound)

        choices += [log, sqrt, kink("relu"), kink("abs"), power]
    if b**2 <= VALUE_BOUND:
        choices.append(lambda draw: BinaryOp("**", u, Constant(2.0), b**2))
    if b**3 <= VALUE_BOUND:
        choices.append(lambda draw: BinaryOp("**", u, Constant(3.0), b**3))
    return choices


def _binary_choices(u: Node, v: Node) -> list[Callable[[Any], Node]]:
    """Ways to combine two children, simplest first. Division is always allowed."""
    choices: list[Callable[[Any], Node]] = []
    if u.bound + v.bound <= VALUE_BOUND:
        choices.append(lambda draw: BinaryOp("+", u, v, u.bound + v.bound))
        choices.append(lambda draw: BinaryOp("-", u, v, u.bound + v.bound))
    if u.bound * v.bound <= VALUE_BOUND:
        choices.append(lambda draw: BinaryOp("*", u, v, u.bound * v.bound))

    def divide(draw: Any) -> Node:  # u / (v*v + c), c >= 1: never near a division by 0
        c = draw(st.sampled_from((1.0, 2.0)))
        return BinaryOp("/", u, _square_plus(v, c), u.bound / c)

    choices.append(divide)
    if u.bound**2 + 1 <= VALUE_BOUND and (u.bound**2 + 1) ** v.bound <= VALUE_BOUND:
        # (u*u + 1) ** v: a Value exponent (op pow_value); the base is >= 1 > 0
        choices.append(lambda draw: BinaryOp(
            "**", _square_plus(u, 1.0), v, (u.bound**2 + 1) ** v.bound))
    return choices


def _draw_node(draw: Any, variables: Sequence[str], depth: int) -> Node:
    """A random node with at most `depth` generated operations nested."""
    if depth == 0 or draw(st.integers(0, 3)) == 0:  # 0 (a leaf) is what shrinking reaches
        if draw(st.integers(0, 4)) < 4:
            return Variable(draw(st.sampled_from(list(variables))))
        return Constant(draw(st.integers(-6, 6)) / 2)
    if draw(st.booleans()):
        u, v = _draw_node(draw, variables, depth - 1), _draw_node(draw, variables, depth - 1)
        build = draw(st.sampled_from(_binary_choices(u, v)))
    else:
        u = _draw_node(draw, variables, depth - 1)
        build = draw(st.sampled_from(_unary_choices(u)))
    return build(draw)


def _check_variables(variables: Sequence[str]) -> tuple[str, ...]:
    if isinstance(variables, str):
        variables = [variables]
    names = tuple(variables)
    if not names:
        raise ValueError("expressions need at least one variable name")
    for name in names:
        if not isinstance(name, str) or not name.isidentifier() or name in FUNCTIONS:
            raise ValueError(f"bad variable name {name!r}: use identifiers that are not "
                             f"function names ({', '.join(sorted(FUNCTIONS))})")
    if len(set(names)) != len(names):
        raise ValueError(f"variable names must be distinct, got {names}")
    return names


# ------------------------------------------------------------ the strategies


def values_in(low: float = -INPUT_BOUND, high: float = INPUT_BOUND) -> st.SearchStrategy[float]:
    """Finite floats in [low, high] (shrinking towards simple numbers such as 0 and 1)."""
    if not low <= high:
        raise ValueError(f"values_in needs low <= high, got {low} and {high}")
    return st.floats(low, high, allow_nan=False, allow_infinity=False)


def away_from_zero(low: float = 0.1, high: float = 5.0) -> st.SearchStrategy[float]:
    """Floats with low <= |x| <= high, either sign: for kinks (relu, abs) and divisors."""
    if not 0 < low <= high:
        raise ValueError(f"away_from_zero needs 0 < low <= high, got {low} and {high}")
    return st.tuples(values_in(low, high), st.booleans()).map(lambda p: -p[0] if p[1] else p[0])


def inputs(variables: Sequence[str] = ("x",)) -> st.SearchStrategy[tuple[float, ...]]:
    """One value in [-INPUT_BOUND, INPUT_BOUND] per variable: the inputs expressions expect."""
    names = _check_variables(variables)
    return st.tuples(*[values_in() for _ in names])


def expressions(
    variables: Sequence[str] = ("x",), max_depth: int = 3
) -> st.SearchStrategy[Expression]:
    """Random differentiable formulas over `variables` (see the module docstring).

    Safe for every input in [-INPUT_BOUND, INPUT_BOUND] (draw them with
    `inputs` or `values_in`). `max_depth` bounds how many operations are
    nested; a safe construction like ``log(u*u + 1)`` counts as one, so the
    printed tree is at most 3·max_depth levels deep.
    """
    names = _check_variables(variables)
    if isinstance(max_depth, bool) or not isinstance(max_depth, int) or max_depth < 0:
        raise ValueError(f"max_depth must be an int >= 0, got {max_depth!r}")

    @st.composite
    def build(draw: Any) -> Expression:
        return Expression(_draw_node(draw, names, max_depth), names)

    return build()


def expressions_and_inputs(
    variables: Sequence[str] = ("x", "y"), max_depth: int = 3
) -> st.SearchStrategy[tuple[Expression, tuple[float, ...]]]:
    """Pairs (expression, inputs) ready for ``gradcheck(expression, inputs)``."""
    return st.tuples(expressions(variables, max_depth), inputs(variables))


# ------------------------------------------------- inputs for the built-in ops


def _lists(element: st.SearchStrategy[float]) -> st.SearchStrategy[list[float]]:
    return st.lists(element, min_size=1, max_size=5)


def _pow_arguments() -> st.SearchStrategy[tuple[tuple[float, ...], tuple[float, ...]]]:
    # x ** n: any x for n = 0..3, x away from 0 for n < 0, x > 0 for a fractional n
    def for_exponent(n: float) -> st.SearchStrategy[tuple[tuple[float, ...], tuple[float, ...]]]:
        if n != int(n):
            base = values_in(0.2, 3.0)
        elif n < 0:
            base = away_from_zero(0.5, 3.0)
        else:
            base = values_in(-3.0, 3.0)
        return base.map(lambda x: ((x,), (n,)))

    exponents = st.sampled_from((2.0, 3.0, 1.0, 0.0, -1.0, -2.0, 0.5, 1.5, -0.5))
    return exponents.flatmap(for_exponent)


def _plain(*elements: st.SearchStrategy[float]) -> st.SearchStrategy[tuple[tuple, tuple]]:
    return st.tuples(*elements).map(lambda args: (tuple(args), ()))


def _dot_arguments() -> st.SearchStrategy[tuple[tuple, tuple]]:
    pairs = _lists(st.tuples(values_in(-3, 3), values_in(-3, 3)))
    return pairs.map(lambda ps: (tuple(w for w, _ in ps) + tuple(x for _, x in ps), ()))


#: For each built-in op: a strategy of (inputs, params) inside its domain and
#: away from its kinks, with values small enough for accurate finite differences.
OP_DOMAINS: dict[str, Callable[[], st.SearchStrategy[tuple[tuple, tuple]]]] = {
    "add": lambda: _plain(values_in(-3, 3), values_in(-3, 3)),
    "sub": lambda: _plain(values_in(-3, 3), values_in(-3, 3)),
    "mul": lambda: _plain(values_in(-3, 3), values_in(-3, 3)),
    "div": lambda: _plain(values_in(-3, 3), away_from_zero(0.5, 3.0)),
    "pow": _pow_arguments,
    "pow_value": lambda: _plain(values_in(0.2, 3.0), values_in(-2, 2)),
    "neg": lambda: _plain(values_in(-3, 3)),
    "exp": lambda: _plain(values_in(-5, 5)),
    "log": lambda: _plain(values_in(0.1, 10)),
    "tanh": lambda: _plain(values_in(-5, 5)),
    "sigmoid": lambda: _plain(values_in(-8, 8)),
    "relu": lambda: _plain(away_from_zero(0.01, 5.0)),
    "abs": lambda: _plain(away_from_zero(0.01, 5.0)),
    "sqrt": lambda: _plain(values_in(0.1, 10)),
    "sin": lambda: _plain(values_in(-6, 6)),
    "cos": lambda: _plain(values_in(-6, 6)),
    "sum": lambda: _lists(values_in(-3, 3)).map(lambda xs: (tuple(xs), ())),
    "dot": _dot_arguments,
    "logsumexp": lambda: _lists(values_in(-5, 5)).map(lambda xs: (tuple(xs), ())),
}


def op_inputs(name: str) -> st.SearchStrategy[tuple[tuple[float, ...], tuple[float, ...]]]:
    """(inputs, params) for the built-in op `name`, inside its domain, away from kinks.

    Use as ``OPS[name](*inputs, params=params)``; e.g. for "pow" the params hold
    the fixed exponent n of x ** n.
    """
    if name not in OP_DOMAINS:
        known = ", ".join(sorted(OP_DOMAINS))
        raise KeyError(f"no input strategy for op {name!r}; known: {known}")
    return OP_DOMAINS[name]()


__all__ = [
    "INPUT_BOUND", "OP_DOMAINS", "VALUE_BOUND", "Expression", "away_from_zero",
    "expressions", "expressions_and_inputs", "inputs", "op_inputs", "values_in",
]
