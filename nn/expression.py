"""Safe evaluation of a formula such as ``"tanh(x*w + b)"`` into a graph of Values.

The text is parsed with Python's `ast` module and walked with a whitelist:
numbers, variable names, ``+ - * / **``, unary minus/plus and calls of the
engine's functions (`autograd.FUNCTIONS`). Anything else (attribute access,
subscripts, lambdas, comprehensions, keyword arguments, strings, ...) is an
`ExpressionError` that says what was found. Nothing is ever passed to `eval`.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Iterable, Mapping

from autograd import FUNCTIONS, OPS, Value

MAX_LENGTH = 10_000

# Operators go through the op table, so numbers combine into numbers
# (``2*3`` is 6.0, no node) and an error names the op: ``div(1, 0): ...``.
_BINARY = {ast.Add: OPS["add"], ast.Sub: OPS["sub"], ast.Mult: OPS["mul"], ast.Div: OPS["div"],
           ast.Mod: OPS["mod"]}
_UNARY = {ast.USub: OPS["neg"], ast.UAdd: lambda a: a}

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


def parse_assignments(items: Iterable[str]) -> dict[str, float]:
    """``["x=0.5", "w=-1.5"]`` -> ``{"x": 0.5, "w": -1.5}``, with clear errors."""
    values: dict[str, float] = {}
    for item in items:
        name, sep, text = item.partition("=")
        name, text = name.strip(), text.strip()
        if not sep or not name.isidentifier():
            raise ExpressionError(f"expected name=number, got {item!r}")
        if name in FUNCTIONS:
            raise ExpressionError(f"{name!r} is a function name; pick another variable name")
        if name in values:
            raise ExpressionError(f"variable {name!r} is given twice")
        try:
            number = float(text)
        except ValueError:
            raise ExpressionError(f"the value of {name} is not a number: {text!r}") from None
        if not math.isfinite(number):
            raise ExpressionError(f"the value of {name} must be finite, got {text!r}")
        values[name] = number
    return values


def evaluate(expression: str, variables: Mapping[str, float]) -> tuple[Value, dict[str, Value]]:
    """Build the graph of `expression`; return its output and the input Values.

    Each variable becomes a leaf labelled with its name. Errors in the
    expression raise `ExpressionError`; domain errors of the engine (``log(-1)``)
    propagate as the engine's own ValueError/ZeroDivisionError/OverflowError.
    """
    tree = _parse(expression)
    inputs = {name: Value(value, label=name) for name, value in variables.items()}
    try:
        output = _Evaluator(inputs).visit(tree.body)
    except RecursionError:
        raise ExpressionError("the expression is nested too deeply") from None
    if not isinstance(output, Value):
        raise ExpressionError(f"the expression {expression!r} uses no variable")
    used = {name: value for name, value in inputs.items() if _names_in(tree, name)}
    return output, used


def _parse(expression: str) -> ast.Expression:
    if not expression.strip():
        raise ExpressionError("the expression is empty")
    if len(expression) > MAX_LENGTH:
        raise ExpressionError(f"the expression is longer than {MAX_LENGTH} characters")
    try:
        return ast.parse(expression, mode="eval")
    except SyntaxError as error:
        raise ExpressionError(f"syntax error in {expression!r}: {error.msg}") from None
    except (RecursionError, MemoryError):
        raise ExpressionError("the expression is nested too deeply") from None


def _names_in(tree: ast.AST, name: str) -> bool:
    return any(isinstance(node, ast.Name) and node.id == name for node in ast.walk(tree))


def _power(base: Value | float, exponent: Value | float) -> Value | float:
    """``x ** 2``: a number exponent is pow's parameter; a Value one is pow_value."""
    if isinstance(exponent, Value):
        return OPS["pow_value"](base, exponent)
    return OPS["pow"](base, exponent)


class _Evaluator:
    """Walks the whitelisted node types; everything else is refused."""

    def __init__(self, inputs: Mapping[str, Value]) -> None:
        self.inputs = inputs

    def visit(self, node: ast.AST) -> Value | float:
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
                raise ExpressionError(f"only numbers are allowed, got {node.value!r}")
            return float(node.value)  # a number, as in Python code: x**2 is pow(x; 2)
        if isinstance(node, ast.Name):
            if node.id in self.inputs:
                return self.inputs[node.id]
            if node.id in FUNCTIONS:
                raise ExpressionError(f"{node.id} is a function: call it, e.g. {node.id}(x)")
            raise ExpressionError(f"no value given for variable {node.id!r} (add {node.id}=...)")
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
            return _power(self.visit(node.left), self.visit(node.right))
        if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            return _BINARY[type(node.op)](self.visit(node.left), self.visit(node.right))
        if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
            return _UNARY[type(node.op)](self.visit(node.operand))
        if isinstance(node, ast.Call):
            return self._call(node)
        what = _WHAT.get(type(node), type(node).__name__)
        raise ExpressionError(
            f"{what} is not allowed: use numbers, variables, + - * / % ** and "
            f"the functions {', '.join(sorted(FUNCTIONS))}"
        )

    def _call(self, node: ast.Call) -> Value | float:
        if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
            shown = node.func.id if isinstance(node.func, ast.Name) else ast.unparse(node.func)
            raise ExpressionError(
                f"unknown function {shown!r}; known: {', '.join(sorted(FUNCTIONS))}"
            )
        op = FUNCTIONS[node.func.id]
        wanted = f"{op.arity} input(s)" + (f" and {op.num_settings} number(s) "
                                             f"({', '.join(op.setting_names)})"
                                             if op.num_settings else "")
        if node.keywords or not op.arity <= len(node.args) <= op.arity + op.num_settings:
            raise ExpressionError(f"{node.func.id} takes {wanted}")
        arguments = [self.visit(argument) for argument in node.args]
        for name, setting in zip(op.setting_names, arguments[op.arity:]):
            if isinstance(setting, Value):
                raise ExpressionError(f"{node.func.id}: the {name} must be a number")
        return op(*arguments)
