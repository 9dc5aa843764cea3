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
every generated node knows a bound on |its value| over that box. Every function
of the op table (`autograd.FUNCTIONS`, your `define_op` ops included) declares
the intervals where its tests draw inputs (its `autograd.Domain`: inside its
domain, clear of its kinks); an argument is fitted into one of them: as it is if
it fits, else as ``u*u + c`` or ``-c - u*u`` (``log(x*x + 1)``,
``relu(-0.5 - x*x)``), else squeezed as ``m + r*tanh(u)``. The operators keep
clear by construction: ``u / (v*v + c)`` with c >= 1, powers of ``u*u + c``. A
function is only chosen when its values over its domain interval (measured on a
grid, with a margin) stay within VALUE_BOUND. Hypothesis shrinks a failing case
towards a single variable, then towards the first ops of each list below.

Expressions print as formulas that `backprop check` and ``autograd.expression``
understand, and are called like functions: ``expression(*values)``.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

try:
    from hypothesis import strategies as st
except ImportError as error:  # pragma: no cover - depends on what is installed
    raise ImportError(
        'autograd.strategies needs hypothesis: pip install hypothesis (in a clone of '
        'backprop-lab, pip install -e ".[test]" installs it with the other test tools)'
    ) from error

from autograd import validate
from autograd.core import FUNCTIONS, OPS, Domain, Op, is_built_in

INPUT_BOUND = 2.0  # generated inputs lie in [-2, 2]
VALUE_BOUND = 50.0  # no generated sub-expression exceeds this in size on those inputs

# Binding strength of each kind of node, for printing with few parentheses.
_PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2, "%": 2, "neg": 3, "**": 4, "atom": 5}


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
    """function(arguments..., settings...), for a function of `autograd.FUNCTIONS`."""

    precedence = _PRECEDENCE["atom"]

    def __init__(self, function: str, arguments: Sequence[Node], bound: float,
                 settings: Sequence[float] = ()) -> None:
        self.function, self.arguments, self.bound = function, tuple(arguments), bound
        self.settings = tuple(settings)

    def evaluate(self, env: Mapping[str, Any]) -> Any:
        values = [argument.evaluate(env) for argument in self.arguments]
        return FUNCTIONS[self.function](*values, *self.settings)

    def children(self) -> tuple[Node, ...]:
        return self.arguments

    def __str__(self) -> str:
        parts = [str(a) for a in self.arguments] + [f"{s:g}" for s in self.settings]
        return f"{self.function}({', '.join(parts)})"


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
    "/": lambda a, b: a / b, "%": lambda a, b: a % b, "**": lambda a, b: a**b,
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
            # a - (b - c), a * (b % c): equal precedence on the right keeps its parentheses,
            # except a + (b + c) and a * (b * c)
            same = isinstance(self.right, BinaryOp) and self.right.symbol == self.symbol
            right_needs = self.right.precedence < self.precedence or (
                self.right.precedence == self.precedence and not (same and self.symbol in "+*"))
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


def _fitted(draw: Any, u: Node, low: float, high: float) -> Node:
    """`u` made to take values strictly inside (low, high), for any input in the box.

    As it is when it fits; else ``u*u + c`` (a positive interval) or ``-c - u*u``
    (a negative one) with c drawn from _SHIFTS; else ``m + r*tanh(u)``.
    """
    b = u.bound
    if low < -b and b < high:
        return u
    shifts = [c for c in _SHIFTS if (low >= 0 and low < c and b * b + c < high)
              or (high <= 0 and -c < high and -c - b * b > low)]
    if shifts:
        c = draw(st.sampled_from(shifts))
        return _square_plus(u, c) if low >= 0 else _minus_square(u, c)
    middle = round((low + high) / 2, 2)
    radius = math.floor(0.9 * min(middle - low, high - middle) * 100) / 100
    squeezed = BinaryOp("*", Constant(radius), Call("tanh", [u], 1.0), radius)
    if middle == 0:
        return squeezed
    return BinaryOp("+", Constant(middle), squeezed, abs(middle) + radius)


def _bound_over(op: Op, box: Sequence[tuple[float, float]], settings: tuple[float, ...]) -> float:
    """max |op| over `box` (one interval per input), measured on a grid, plus 25 %.

    Infinite if the op fails anywhere on the grid.
    """
    steps = 200 if len(box) == 1 else 40
    grids = [[low + (high - low) * k / steps for k in range(steps + 1)] for low, high in box]
    try:
        largest = max(abs(op.evaluate([*point, *settings])) for point in itertools.product(*grids))
    except (ArithmeticError, ValueError):
        return math.inf
    return 1.25 * largest + 1e-9


Combination = tuple[tuple[float, ...], tuple[tuple[float, float], ...], float]


@functools.cache
def _combinations(op: Op) -> tuple[Combination, ...]:
    """(settings, one interval per input, bound) for each way to call `op` safely.

    Each interval of the op's domains, shrunk towards its middle until the op's
    values over it stay within VALUE_BOUND (exp: [-5, 5] becomes [-3, 3]).
    """
    found: list[Combination] = []
    for domain in op.domains:
        for settings in domain.settings:
            for box in itertools.product(*domain.inputs):
                for shrink in (1.0, 0.8, 0.6, 0.4, 0.2):
                    shrunk = box if shrink == 1.0 else tuple(
                        ((low + high) / 2 - shrink * (high - low) / 2,
                         (low + high) / 2 + shrink * (high - low) / 2) for low, high in box)
                    bound = _bound_over(op, shrunk, tuple(settings))
                    if bound <= VALUE_BOUND:
                        found.append((tuple(settings), shrunk, bound))
                        break
    return tuple(found)


def _function_choices(children: Sequence[Node],
                      functions: Sequence[str]) -> list[Callable[[Any], Node]]:
    """One way to build a node per function in `functions` taking len(children) inputs."""
    choices: list[Callable[[Any], Node]] = []
    for name in functions:
        op = FUNCTIONS[name]
        combinations = _combinations(op) if op.arity == len(children) else ()
        if not combinations:
            continue

        def build(draw: Any, name: str = name,
                  combinations: tuple[Combination, ...] = combinations) -> Node:
            settings, box, bound = draw(st.sampled_from(combinations))
            arguments = [_fitted(draw, child, low, high)
                         for child, (low, high) in zip(children, box)]
            return Call(name, arguments, bound, settings)

        choices.append(build)
    return choices


def _unary_choices(u: Node, functions: Sequence[str]) -> list[Callable[[Any], Node]]:
    """Ways to build a node from one child `u`, simplest first; each keeps the bound."""
    b = u.bound
    choices: list[Callable[[Any], Node]] = [lambda draw: Negate(u)]
    choices += _function_choices([u], functions)
    if b * b + max(_SHIFTS) <= VALUE_BOUND:
        exponents = [p for p in (-1.0, 0.5, -0.5, 1.5)
                     if p < 0 or (b * b + max(_SHIFTS)) ** p <= VALUE_BOUND]

        def power(draw: Any) -> Node:  # (u*u + c) ** p, any real p: the base is >= c > 0
            c = draw(st.sampled_from(_SHIFTS))
            p = draw(st.sampled_from(exponents))
            bound = (b * b + c) ** p if p > 0 else c**p
            return BinaryOp("**", _square_plus(u, c), Constant(p), bound)

        choices.append(power)
    if b**2 <= VALUE_BOUND:
        choices.append(lambda draw: BinaryOp("**", u, Constant(2.0), b**2))
    if b**3 <= VALUE_BOUND:
        choices.append(lambda draw: BinaryOp("**", u, Constant(3.0), b**3))
    return choices


def _binary_choices(u: Node, v: Node, functions: Sequence[str]) -> list[Callable[[Any], Node]]:
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

    def remainder(draw: Any) -> Node:  # a % b with a/b kept strictly between integers
        domain = OPS["mod"].domains[0]
        (a_low, a_high), (b_low, b_high) = [draw(st.sampled_from(c)) for c in domain.inputs]
        a, b = _fitted(draw, u, a_low, a_high), _fitted(draw, v, b_low, b_high)
        return BinaryOp("%", a, b, max(abs(b_low), abs(b_high)))

    choices.append(remainder)
    if u.bound**2 + 1 <= VALUE_BOUND and (u.bound**2 + 1) ** v.bound <= VALUE_BOUND:
        # (u*u + 1) ** v: a Value exponent (op pow_value); the base is >= 1 > 0
        choices.append(lambda draw: BinaryOp(
            "**", _square_plus(u, 1.0), v, (u.bound**2 + 1) ** v.bound))
    choices += _function_choices([u, v], functions)
    return choices


def _draw_node(draw: Any, variables: Sequence[str], depth: int,
               functions: Sequence[str]) -> Node:
    """A random node with at most `depth` generated operations nested."""
    if depth == 0 or draw(st.integers(0, 3)) == 0:  # 0 (a leaf) is what shrinking reaches
        if draw(st.integers(0, 4)) < 4:
            return Variable(draw(st.sampled_from(list(variables))))
        return Constant(draw(st.integers(-6, 6)) / 2)
    if draw(st.booleans()):
        u = _draw_node(draw, variables, depth - 1, functions)
        v = _draw_node(draw, variables, depth - 1, functions)
        build = draw(st.sampled_from(_binary_choices(u, v, functions)))
    else:
        u = _draw_node(draw, variables, depth - 1, functions)
        build = draw(st.sampled_from(_unary_choices(u, functions)))
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


def _check_functions(functions: Sequence[str] | None) -> tuple[str, ...]:
    """The function names to draw from: every built-in one by default."""
    if functions is None:
        return tuple(name for name in FUNCTIONS if is_built_in(name))
    names = (functions,) if isinstance(functions, str) else tuple(functions)
    unknown = [name for name in names if name not in FUNCTIONS]
    if unknown:
        raise ValueError(f"unknown function(s) {', '.join(map(repr, unknown))}: use names of "
                         "autograd.FUNCTIONS (define_op registers yours)")
    return names


def expressions(
    variables: Sequence[str] = ("x",), max_depth: int = 3,
    functions: Sequence[str] | None = None,
) -> st.SearchStrategy[Expression]:
    """Random differentiable formulas over `variables` (see the module docstring).

    Safe for every input in [-INPUT_BOUND, INPUT_BOUND] (draw them with
    `inputs` or `values_in`). `max_depth` bounds how many operations are
    nested; a safe construction like ``log(2.5 + 2.2*tanh(x))`` counts as one,
    so the printed tree is at most 4·max_depth levels deep. The formulas use the
    operators and the `functions` named (default: every built-in function of the
    table; name your own `define_op` ops to put them to the test too).
    """
    names = _check_variables(variables)
    validate.integer(max_depth, "max_depth", minimum=0)
    chosen = _check_functions(functions)

    @st.composite
    def build(draw: Any) -> Expression:
        return Expression(_draw_node(draw, names, max_depth, chosen), names)

    return build()


def expressions_and_inputs(
    variables: Sequence[str] = ("x", "y"), max_depth: int = 3,
    functions: Sequence[str] | None = None,
) -> st.SearchStrategy[tuple[Expression, tuple[float, ...]]]:
    """Pairs (expression, inputs) ready for ``gradcheck(expression, inputs)``."""
    return st.tuples(expressions(variables, max_depth, functions), inputs(variables))


# ------------------------------------------------------ inputs for each op


def _in_intervals(intervals: Sequence[tuple[float, float]]) -> st.SearchStrategy[float]:
    return st.one_of(*[values_in(low, high) for low, high in intervals])


def _domain_inputs(op: Op, domain: Domain) -> st.SearchStrategy[tuple[tuple, tuple]]:
    settings = st.sampled_from(domain.settings)
    if op.arity is not None:
        inputs = st.tuples(*[_in_intervals(choices) for choices in domain.inputs])
    else:  # any number of inputs, in groups of the same size (dot: the ws, then the xs)
        inputs = st.integers(1, 5).flatmap(lambda n: st.tuples(*[
            _in_intervals(choices) for choices in domain.inputs for _ in range(n)]))
    return st.tuples(inputs, settings)


def op_inputs(name: str) -> st.SearchStrategy[tuple[tuple[float, ...], tuple[float, ...]]]:
    """(inputs, settings) for the op `name` of `autograd.OPS`, drawn from its domain.

    Inside the op's domain, away from its kinks (the intervals its table entry
    declares). Use as ``OPS[name](*inputs, *settings)``; e.g. for "pow" the
    settings hold the fixed exponent n of x ** n.
    """
    if name not in OPS:
        raise KeyError(f"no input strategy for op {name!r}: it is not in autograd.OPS")
    op = OPS[name]
    return st.one_of(*[_domain_inputs(op, domain) for domain in op.domains])


class _OpDomains(Mapping[str, Callable[[], st.SearchStrategy[tuple[tuple, tuple]]]]):
    """name -> a function giving `op_inputs(name)`, for every op of the table."""

    def __getitem__(self, name: str) -> Callable[[], st.SearchStrategy[tuple[tuple, tuple]]]:
        if name not in OPS:
            raise KeyError(name)
        return lambda: op_inputs(name)

    def __iter__(self) -> Iterator[str]:
        return iter(list(OPS))

    def __len__(self) -> int:
        return len(OPS)


#: For each op of the table: a function giving a strategy of (inputs, settings)
#: inside its domain (derived from the table, so a new op has one at once).
OP_DOMAINS: Mapping[str, Callable[[], st.SearchStrategy[tuple[tuple, tuple]]]] = _OpDomains()


__all__ = [
    "INPUT_BOUND", "OP_DOMAINS", "VALUE_BOUND", "Expression", "away_from_zero",
    "expressions", "expressions_and_inputs", "inputs", "op_inputs", "values_in",
]
