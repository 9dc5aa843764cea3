"""Safe evaluation of a formula such as ``"tanh(x*w + b)"`` into a graph of Values.

The text is parsed with Python's `ast` module and walked with a whitelist:
numbers, variable names, the arithmetic operators of the op table
(``+ - * / **``, and ``%`` once the table has ``mod``), unary minus and plus,
and calls of the engine's functions (`autograd.FUNCTIONS`). Anything else
(attribute access, subscripts, lambdas, comprehensions, keyword arguments,
strings, ``^``, ...) is an `ExpressionError` that names what was found.
Nothing is ever passed to `eval`.

Everything is computed through the op table, so the parser knows no op's
details. What it relies on:

- ``OPS["add"]``, ``"sub"``, ``"mul"``, ``"div"``, ``"mod"``, ``"neg"``, ``"pow"``
  (a number exponent, the op's setting, as ``x ** 2`` is in Python code) and
  ``"pow_value"`` (a Value exponent);
- for a function ``f`` of `autograd.FUNCTIONS` (an `autograd.Op`): ``op.arity``
  inputs, then up to ``op.num_settings`` fixed numbers (``op.setting_names``;
  the last ones may have defaults, ``op.defaults``), applied as
  ``op(*inputs, *numbers)``; so ``clamp(x, 0, 1)``, ``atan2(y, x)`` and an op of
  your own from `autograd.define_op` need no code here;
- calling an op on plain numbers gives a plain number (``2*3`` is 6, no node),
  and on at least one Value a Value.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Iterable, Mapping
from typing import Any

from autograd import FUNCTIONS, OPS, Value

MAX_LENGTH = 10_000  # characters of an expression
SHOWN = 60  # characters of an expression that an error message repeats

# Operators computed by the op table, by the name of their op.
_BINARY_OPS: dict[type[ast.AST], str] = {
    ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "div", ast.Mod: "mod",
}

_SYMBOLS: dict[type[ast.AST], str] = {
    ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**", ast.Mod: "%",
    ast.FloorDiv: "//", ast.MatMult: "@", ast.LShift: "<<", ast.RShift: ">>",
    ast.BitOr: "|", ast.BitXor: "^", ast.BitAnd: "&", ast.Invert: "~", ast.Not: "'not'",
}
_HINTS: dict[type[ast.AST], str] = {  # what people who type these usually mean
    ast.BitXor: "use ** for powers, e.g. x**2",
    ast.FloorDiv: "use / to divide",
    ast.Not: "use -x to negate",
    ast.Invert: "use -x to negate",
}

_WHAT = {  # friendlier names for the constructs people try
    ast.Attribute: "attribute access", ast.Subscript: "indexing", ast.Lambda: "lambda",
    ast.ListComp: "a comprehension", ast.GeneratorExp: "a comprehension",
    ast.SetComp: "a comprehension", ast.DictComp: "a comprehension",
    ast.Compare: "a comparison", ast.BoolOp: "and/or", ast.IfExp: "if/else",
    ast.List: "a list", ast.Tuple: "a tuple", ast.Dict: "a dict", ast.Set: "a set",
    ast.JoinedStr: "an f-string", ast.NamedExpr: "an assignment", ast.Starred: "*args",
}


class ExpressionError(ValueError):
    """A formula or a variable assignment that cannot be evaluated safely."""


def shorten(text: str, limit: int = SHOWN) -> str:
    """`text` as an error message repeats it: at most `limit` characters."""
    return text if len(text) <= limit else f"{text[:limit - 3]}..."


def parse_assignments(items: Iterable[str]) -> dict[str, float]:
    """``["x=0.5", "w=-1.5"]`` -> ``{"x": 0.5, "w": -1.5}``, with clear errors."""
    values: dict[str, float] = {}
    for item in items:
        name, sep, text = item.partition("=")
        name, text = name.strip(), text.strip()
        if not sep or not name.isidentifier():
            raise ExpressionError(f"expected name=number, got {shorten(item)!r}")
        if name in FUNCTIONS:
            raise ExpressionError(f"{name!r} is a function name; pick another variable name")
        if name in values:
            raise ExpressionError(f"variable {name!r} is given twice")
        try:
            number = float(text)
        except ValueError:
            raise ExpressionError(
                f"the value of {name} is not a number: {shorten(text)!r}") from None
        if not math.isfinite(number):
            raise ExpressionError(f"the value of {name} must be finite, got {shorten(text)!r}")
        values[name] = number
    return values


def evaluate(expression: str,
             variables: Mapping[str, float | Value]) -> tuple[Value, dict[str, Value]]:
    """Build the graph of `expression`; return its output and the input Values it uses.

    Each variable given as a number becomes a leaf labelled with its name; one
    given as a Value is used as it is (so a check can hand in its own leaves).
    Errors in the expression raise `ExpressionError`; domain errors of the
    engine (``log(-1)``) propagate as the engine's own ValueError,
    ZeroDivisionError or OverflowError.
    """
    tree = _parse(expression)
    inputs = {name: value if isinstance(value, Value) else Value(value, label=name)
              for name, value in variables.items()}
    try:
        output = _Evaluator(inputs, expression.strip()).visit(tree.body)
    except RecursionError:
        raise ExpressionError("the expression is nested too deeply") from None
    if not isinstance(output, Value):
        raise ExpressionError(f"the expression {shorten(expression)!r} uses no variable")
    used = {name: value for name, value in inputs.items() if _names_in(tree, name)}
    return output, used


def _parse(expression: str) -> ast.Expression:
    expression = expression.strip()
    if not expression:
        raise ExpressionError("the expression is empty")
    if len(expression) > MAX_LENGTH:
        raise ExpressionError(f"the expression is longer than {MAX_LENGTH} characters")
    try:
        return ast.parse(expression, mode="eval")
    except SyntaxError as error:
        raise ExpressionError(
            f"syntax error in {shorten(expression)!r}: {error.msg}") from None
    except (RecursionError, MemoryError):
        raise ExpressionError("the expression is nested too deeply") from None
    except UnicodeError:  # a command line with bytes that are not UTF-8
        raise ExpressionError(
            f"the expression {shorten(expression)!r} holds bytes that are not text") from None


def _names_in(tree: ast.AST, name: str) -> bool:
    return any(isinstance(node, ast.Name) and node.id == name for node in ast.walk(tree))


def _power(base: Value | float, exponent: Value | float) -> Value | float:
    """``x ** 2``: a number exponent is pow's setting; a Value one is pow_value."""
    if isinstance(exponent, Value):
        return OPS["pow_value"](base, exponent)
    return OPS["pow"](base, exponent)


def _operators() -> str:
    """The operators an expression may use, e.g. ``+ - * / **``."""
    usable = [symbol for kind, symbol in _SYMBOLS.items()
              if _BINARY_OPS.get(kind) in OPS or kind is ast.Pow]
    return " ".join(usable)


def _refuse_operator(kind: type[ast.AST]) -> ExpressionError:
    symbol = _SYMBOLS.get(kind, kind.__name__)
    hint = _HINTS.get(kind, f"use {_operators()} and functions such as exp(x)")
    return ExpressionError(f"the operator {symbol} is not allowed: {hint}")


class _Evaluator:
    """Walks the whitelisted node types; everything else is refused."""

    def __init__(self, inputs: Mapping[str, Value], source: str) -> None:
        self.inputs = inputs
        self.source = source  # the parsed text, to quote a number as it was written

    def visit(self, node: ast.AST) -> Value | float:
        if isinstance(node, ast.Constant):
            return _number(node.value, ast.get_source_segment(self.source, node))
        if isinstance(node, ast.Name):
            if node.id in self.inputs:
                return self.inputs[node.id]
            if node.id in FUNCTIONS:
                raise ExpressionError(f"{node.id} is a function: call it, e.g. {node.id}(x)")
            raise ExpressionError(f"no value given for variable {node.id!r} (add {node.id}=...)")
        if isinstance(node, ast.BinOp):
            kind = type(node.op)
            if kind is ast.Pow:
                return _power(self.visit(node.left), self.visit(node.right))
            if _BINARY_OPS.get(kind) not in OPS:
                raise _refuse_operator(kind)
            return OPS[_BINARY_OPS[kind]](self.visit(node.left), self.visit(node.right))
        if isinstance(node, ast.UnaryOp):
            if isinstance(node.op, ast.USub):
                return OPS["neg"](self.visit(node.operand))
            if isinstance(node.op, ast.UAdd):
                return self.visit(node.operand)
            raise _refuse_operator(type(node.op))
        if isinstance(node, ast.Call):
            return self._call(node)
        what = _WHAT.get(type(node), type(node).__name__)
        raise ExpressionError(
            f"{what} is not allowed: use numbers, variables, {_operators()} and "
            f"the functions {', '.join(sorted(FUNCTIONS))}"
        )

    def _call(self, node: ast.Call) -> Value | float:
        if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
            shown = node.func.id if isinstance(node.func, ast.Name) else ast.unparse(node.func)
            raise ExpressionError(
                f"unknown function {shorten(shown)!r}; known: {', '.join(sorted(FUNCTIONS))}"
            )
        name = node.func.id
        if node.keywords or any(isinstance(arg, ast.Starred) for arg in node.args):
            raise ExpressionError(f"{name}: write the arguments in order, e.g. {name}(x)")
        args = [self.visit(arg) for arg in node.args]
        op = FUNCTIONS[name]
        arity = op.arity or 1
        fewest, most = arity + op.num_settings - len(op.defaults), arity + op.num_settings
        if not fewest <= len(args) <= most:
            raise ExpressionError(f"{name} takes {_arguments(op)}, got {len(args)}")
        for setting_name, setting in zip(op.setting_names, args[arity:]):
            if isinstance(setting, Value):
                raise ExpressionError(
                    f"{name}: its {setting_name} must be a fixed number, not depend on "
                    "a variable")
        return op(*args)


def _number(value: object, written: str | None) -> float:
    """A number written in the expression: it stays a number (``x**2`` is pow(x; 2))."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ExpressionError(f"only numbers are allowed, got {shorten(repr(value))}")
    try:
        number = float(value)
    except OverflowError:  # an int literal of more than 308 digits
        number = math.inf
    if not math.isfinite(number):
        raise ExpressionError(
            f"the number {shorten(written or str(value))} is too large for a float")
    return number


def _arguments(op: Any) -> str:
    """E.g. ``"3 arguments (1 input, then the numbers low and high)"``."""
    total = (op.arity or 1) + op.num_settings
    if not op.num_settings:
        return f"exactly {total} argument{'s' if total != 1 else ''}"
    inputs = f"{op.arity} input{'s' if op.arity != 1 else ''}"
    numbers = " and ".join(op.setting_names)
    optional = f"; {', '.join(op.setting_names[-len(op.defaults):])} may be left out" \
        if op.defaults else ""
    return f"{total} arguments ({inputs}, then the number(s) {numbers}{optional})"
