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
import re
import textwrap
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from autograd import FUNCTIONS, OPS, Op, Value

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
    """``["x=0.5", "w=-1.5"]`` -> ``{"x": 0.5, "w": -1.5}``, with clear errors.

    Names are normalised as Python normalises the names of the formula (NFKC),
    so a variable typed in fullwidth letters, ``ｘ=1``, is the formula's ``ｘ``.
    """
    values: dict[str, float] = {}
    for item in items:
        name, sep, text = item.partition("=")
        name, text = name.strip(), text.strip()
        if not sep or not name.isidentifier():
            raise ExpressionError(f"expected name=number, got {shorten(item)!r}")
        # as Python reads a name in the formula: ｘ (fullwidth) is x, ﬁ is fi
        name = unicodedata.normalize("NFKC", name)
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


class Formula:
    """A formula parsed once, to be evaluated at as many points as needed.

    ``Formula("x*w + b")`` parses and checks the text's length and syntax
    (`ExpressionError`), and turns the tree into one small function per node
    (refusing what is not arithmetic); `evaluate` runs them at one point, building
    the graph. A gradient check of n variables evaluates the formula 2n + 1 times:
    the text is parsed, and its tree walked, only here, once.
    """

    def __init__(self, expression: str) -> None:
        self.text = expression.strip()
        self.tree = _parse(expression)
        #: every name the formula mentions: its variables and the functions it calls
        self.names = frozenset(node.id for node in ast.walk(self.tree)
                               if isinstance(node, ast.Name))
        try:
            self._code = _Compiler(self.text).compile(self.tree.body)
        except RecursionError:
            raise ExpressionError("the expression is nested too deeply") from None

    def __repr__(self) -> str:
        return f"Formula({shorten(self.text)!r})"

    def evaluate(self, variables: Mapping[str, float | Value]
                 ) -> tuple[Value, dict[str, Value]]:
        """Build the graph at `variables`; return its output and the input Values it uses.

        Each variable given as a number becomes a leaf labelled with its name;
        one given as a Value is used as it is (so a check can hand in its own
        leaves). Variables the formula does not mention are left out of the
        inputs returned. Errors in the formula raise `ExpressionError`; domain
        errors of the engine (``log(-1)``) propagate as the engine's own
        ValueError, ZeroDivisionError or OverflowError.
        """
        inputs = {name: value if isinstance(value, Value) else Value(value, label=name)
                  for name, value in variables.items()}
        try:
            output = self._code(inputs)
        except RecursionError:
            raise ExpressionError("the expression is nested too deeply") from None
        if not isinstance(output, Value):
            raise ExpressionError(f"the expression {shorten(self.text)!r} uses no variable")
        used = {name: value for name, value in inputs.items() if name in self.names}
        return output, used


def evaluate(expression: str,
             variables: Mapping[str, float | Value]) -> tuple[Value, dict[str, Value]]:
    """Build the graph of `expression`; return its output and the input Values it uses.

    The same as ``Formula(expression).evaluate(variables)``: to evaluate one
    formula at many points, make the `Formula` once.
    """
    return Formula(expression).evaluate(variables)


def _parse(expression: str) -> ast.Expression:
    expression = expression.strip()
    if not expression:
        raise ExpressionError("the expression is empty")
    if len(expression) > MAX_LENGTH:
        raise ExpressionError(f"the expression is longer than {MAX_LENGTH} characters")
    try:
        return ast.parse(expression, mode="eval")
    except SyntaxError as error:
        raise ExpressionError(f"syntax error in {shorten(expression)!r}: "
                              f"{_as_on_paper(expression) or error.msg}") from None
    except (RecursionError, MemoryError):
        raise ExpressionError("the expression is nested too deeply") from None
    except UnicodeError:  # a command line with bytes that are not UTF-8
        raise ExpressionError(
            f"the expression {shorten(expression)!r} holds bytes that are not text") from None


# Signs of math on paper that Python writes otherwise
_PAPER_SIGNS = {"−": "-", "–": "-", "×": "*", "·": "*", "÷": "/"}
_NUMBER_THEN_NAME = re.compile(r"(?<![\w.])(\d+\.?\d*)([A-Za-z_]\w*)")  # 2x, 3.5y


def _as_on_paper(expression: str) -> str:
    """What to write instead, where a syntax error comes from math as written on paper:
    ``2x`` for 2*x, or a sign such as − or × for - and *; "" otherwise."""
    for sign, written in _PAPER_SIGNS.items():
        if sign in expression:
            return (f"write {written} for the {sign!r} "
                    f"(U+{ord(sign):04X}, {unicodedata.name(sign).lower()})")
    product = _NUMBER_THEN_NAME.search(expression)
    if product is not None and not product[2].startswith(("e", "E", "j", "J")):
        number, name = product.groups()
        return f"multiplication needs *: write {number}*{name}, not {number}{name}"
    return ""


def _power(base: Value | float, exponent: Value | float) -> Value | float:
    """``x ** 2``: a number exponent is pow's setting; a Value one is pow_value."""
    if isinstance(exponent, Value):
        return OPS["pow_value"](base, exponent)
    return OPS["pow"](base, exponent)


def formula_syntax(width: int = 79) -> str:
    """What a formula may use, for a command's help, in lines of at most `width`
    characters: the operators, then every function with its arguments
    (``clamp(x, low, high)``), none cut in two."""
    intro = textwrap.fill(
        f"A formula uses numbers, variables, the operators {_operators()}, parentheses and "
        "these functions (their settings, such as low and high, are fixed numbers; those "
        "in [ ] may be left out):", width)
    lines = [intro]
    line = " "
    for signature in (_signature(name, op) for name, op in sorted(FUNCTIONS.items())):
        if len(line) > 1 and len(line) + len(signature) + 2 >= width:  # room for a comma
            lines.append(line + ",")
            line = " "
        line += (", " if len(line) > 1 else " ") + signature
    lines.append(line)
    return "\n".join(lines)


def _signature(name: str, op: Any) -> str:
    """How a function is called: ``exp(x)``, ``atan2(a, b)``, ``leaky_relu(x[, slope])``."""
    arity = op.arity or 1
    inputs = ["x"] if arity == 1 else [chr(ord("a") + i) for i in range(arity)]
    required = len(op.setting_names) - len(op.defaults)
    optional = "".join(f"[, {setting}]" for setting in op.setting_names[required:])
    return f"{name}({', '.join([*inputs, *op.setting_names[:required]])}{optional})"


def _operators() -> str:
    """The operators an expression may use, e.g. ``+ - * / **``."""
    usable = [symbol for kind, symbol in _SYMBOLS.items()
              if _BINARY_OPS.get(kind) in OPS or kind is ast.Pow]
    return " ".join(usable)


def _refuse_operator(kind: type[ast.AST]) -> ExpressionError:
    symbol = _SYMBOLS.get(kind, kind.__name__)
    hint = _HINTS.get(kind, f"use {_operators()} and functions such as exp(x)")
    return ExpressionError(f"the operator {symbol} is not allowed: {hint}")


_Code = Callable[[Mapping[str, Value]], "Value | float"]  # inputs -> the node's value


class _Compiler:
    """Turns the whitelisted node types into closures, once; everything else is refused.

    Each closure takes the inputs (name -> Value) and returns the node's value:
    a Value, or a plain number where no variable is involved (``2*3`` is 6).
    What depends on the inputs is found out when the closures run: a variable
    without a value, an engine's domain error (``log(-1)``), a setting such as
    clamp's low that depends on a variable.
    """

    def __init__(self, source: str) -> None:
        self.source = source  # the parsed text, to quote a number as it was written

    def compile(self, node: ast.AST) -> _Code:
        if isinstance(node, ast.Constant):
            number = _number(node, self.source)
            return lambda inputs: number
        if isinstance(node, ast.Name):
            return _variable(node.id)
        if isinstance(node, ast.BinOp):
            kind = type(node.op)
            if kind is not ast.Pow and _BINARY_OPS.get(kind) not in OPS:
                raise _refuse_operator(kind)
            left, right = self.compile(node.left), self.compile(node.right)
            if kind is ast.Pow:
                return lambda inputs: _power(left(inputs), right(inputs))
            return _binary(OPS[_BINARY_OPS[kind]], left, right)
        if isinstance(node, ast.UnaryOp):
            if isinstance(node.op, ast.USub):
                return _unary(OPS["neg"], self.compile(node.operand))
            if isinstance(node.op, ast.UAdd):
                return self.compile(node.operand)
            raise _refuse_operator(type(node.op))
        if isinstance(node, ast.Call):
            return self._call(node)
        what = _WHAT.get(type(node), type(node).__name__)
        raise ExpressionError(
            f"{what} is not allowed: use numbers, variables, {_operators()} and "
            f"the functions {', '.join(sorted(FUNCTIONS))}"
        )

    def _call(self, node: ast.Call) -> _Code:
        if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
            shown = node.func.id if isinstance(node.func, ast.Name) else ast.unparse(node.func)
            if isinstance(node.func, ast.Constant):  # 2(x+1), as on paper
                raise ExpressionError(f"unknown function {shown!r}: multiplication needs *: "
                                      f"write {shown}*{shorten(ast.unparse(node)[len(shown):])}")
            raise ExpressionError(
                f"unknown function {shorten(shown)!r}; known: {', '.join(sorted(FUNCTIONS))}"
            )
        name = node.func.id
        if node.keywords or any(isinstance(arg, ast.Starred) for arg in node.args):
            raise ExpressionError(f"{name}: write the arguments in order, e.g. {name}(x)")
        codes = [self.compile(arg) for arg in node.args]
        op = FUNCTIONS[name]
        arity = op.arity or 1
        fewest, most = arity + op.num_settings - len(op.defaults), arity + op.num_settings
        if not fewest <= len(codes) <= most:
            raise ExpressionError(f"{name} takes {_arguments(op)}, got {len(codes)}")
        if op.arity == len(codes) == 1 and not op.num_settings:
            return _unary(op, codes[0])
        if op.arity == len(codes) == 2 and not op.num_settings:
            return _binary(op, codes[0], codes[1])
        settings = list(zip(op.setting_names, range(arity, len(codes))))

        def call(inputs: Mapping[str, Value]) -> Value | float:
            args = [code(inputs) for code in codes]
            for setting_name, i in settings:
                if isinstance(args[i], Value):
                    raise ExpressionError(
                        f"{name}: its {setting_name} must be a fixed number, not depend on "
                        "a variable")
            return op(*args)

        return call


def _variable(name: str) -> _Code:
    """The input named `name`; an error naming it if it has no value."""
    def load(inputs: Mapping[str, Value]) -> Value:
        try:
            return inputs[name]
        except KeyError:
            if name in FUNCTIONS:
                raise ExpressionError(f"{name} is a function: call it, e.g. {name}(x)") from None
            if any(sign in name for sign in _PAPER_SIGNS):  # x·y: · may be in a name
                raise ExpressionError(
                    f"{name!r} reads as one name: {_as_on_paper(name)}") from None
            other_case = [given for given in inputs if given.lower() == name.lower()]
            hint = f"; names are case-sensitive, and {other_case[0]} was given" \
                if other_case else ""
            raise ExpressionError(
                f"no value given for variable {name!r} (add {name}=...{hint})") from None

    return load


def _unary(op: Op, operand: _Code) -> _Code:
    """``op(x)``; on a Value, by the op's fast path for one input (as ``x.exp()`` is)."""
    def apply(inputs: Mapping[str, Value]) -> Value | float:
        x = operand(inputs)
        return op.apply1(x) if isinstance(x, Value) else op(x)

    return apply


def _binary(op: Op, left: _Code, right: _Code) -> _Code:
    """``op(a, b)``; on a Value, by the op's fast path for two inputs (as ``a + b`` is)."""
    def apply(inputs: Mapping[str, Value]) -> Value | float:
        a, b = left(inputs), right(inputs)
        if isinstance(a, Value) or isinstance(b, Value):
            return op.apply2(a, b)
        return op(a, b)

    return apply


def _number(node: ast.Constant, source: str) -> float:
    """A number written in the expression: it stays a number (``x**2`` is pow(x; 2)).

    A number too large for a float is quoted as written in `source` (looked up
    only then: finding a node's text reads the source from its start).
    """
    value = node.value
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ExpressionError(f"only numbers are allowed, got {shorten(repr(value))}")
    try:
        number = float(value)
    except OverflowError:  # an int literal of more than 308 digits
        number = math.inf
    if not math.isfinite(number):
        written = ast.get_source_segment(source, node) or str(value)
        raise ExpressionError(f"the number {shorten(written)} is too large for a float")
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
