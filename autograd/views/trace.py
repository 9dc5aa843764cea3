"""One backward pass, recorded: what ``backward()`` does, step by step, as data.

``record(root)`` runs the chain rule exactly as ``root.backward()`` would, in the
same order and with the same arithmetic, but changes nothing: it writes down

- the graph: its nodes in topological order and a readable name for each;
- one `Step` per non-leaf node, in the order backward processes them: the
  node's upstream gradient ∂out/∂node and, for each parent, the local
  derivative (its value and formula text), the contribution
  ``local × upstream`` and the parent's ``.grad`` before and after;
- the gradient of every node for this pass, and its ``.grad`` before and after.

The stepper (`autograd.backward_steps`), the drawings (`draw_graph(step=...)`)
and the player all read one `Trace`, so the numbers they show are one set of
numbers. Standard library only.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from autograd.backprop import local_derivatives
from autograd.core import Constant, Value, isfinite, seed_of, topological_order

ARROW = "->"


def number(x: Any, digits: int = 4) -> str:
    """`x` (a float, or a Value whose data is used) with `digits` significant digits."""
    value = x.data if isinstance(x, Value) else float(x)
    text = f"{value:.{digits}g}"
    return "0" if text == "-0" else text


def node_names(graph: Value | list[Value] | tuple[Value, ...]) -> dict[Value, str]:
    """A readable name for every node of a graph: its output, or its nodes in
    topological order.

    A node's own label if it has one; otherwise ``<op>#<k>`` for a computed node
    (``mul#2``), ``const#<k>`` for a number of the expression (a `Constant`,
    the ``1`` of ``1 - x``) and ``leaf#<k>`` for an unlabelled leaf Value, where
    ``k`` is the node's position in the order: inside a network, numbers grow in
    forward order. Drawings and step texts use the same names, so a table row can be
    found in the picture.
    """
    order = topological_order(graph) if isinstance(graph, Value) else graph
    names: dict[Value, str] = {}
    for k, node in enumerate(order):
        if node.label:
            names[node] = node.label
        elif type(node) is Constant:
            names[node] = f"const#{k}"
        elif node.operation is None:
            names[node] = f"leaf#{k}"
        else:
            names[node] = f"{node.op}#{k}"
    return names


@dataclass(frozen=True)
class Contribution:
    """What one step sends to one parent (the i-th input of the node's op).

    ``contribution = local * upstream`` and ``grad_after = grad_before + contribution``
    (up to float rounding: the pass adds up its own gradients first, then adds
    them to what ``.grad`` held, exactly like ``backward()``).
    """

    parent: Value
    position: int  # which input of the op: 0 for the first
    local: float  # ∂node/∂parent, from the op's rule
    formula: str  # the rule's text, e.g. "d(a·b)/da = b"
    contribution: float
    grad_before: Any
    grad_after: Any


@dataclass(frozen=True, eq=False)
class Step:
    """One step of a backward pass: one node passing its gradient to its parents.

    Attributes:
        index:    position in the pass, 0 for the first step (the output's).
        total:    number of steps in the pass.
        node:     the node whose gradient is passed on.
        name:     its readable name (see `node_names`).
        upstream: ∂out/∂node for this pass (complete: every path from the output
                  reached this node before its step).
        contributions: one `Contribution` per parent that receives, in argument
                  order; a parent used twice (``x * x``) appears twice; a
                  constant (a number in the expression) receives nothing.
        parent_names: readable names of all the node's parents, in argument order.
    """

    index: int
    total: int
    node: Value
    name: str
    upstream: float
    contributions: tuple[Contribution, ...]
    parent_names: tuple[str, ...]

    def __str__(self) -> str:
        return format_step(self)


@dataclass(frozen=True, eq=False)
class Trace:
    """A recorded backward pass from `root` (see the module docstring).

    Attributes:
        root:    the output.
        grad:    the starting gradient d root/d root (1.0 by default).
        order:   every node of the graph (constants too), parents before children.
        names:   node -> readable name.
        steps:   one `Step` per non-leaf node, in backward order.
        gradients: node -> d root/d node · grad for this pass (constants: none).
        before:  node -> its ``.grad`` when the trace was recorded (0.0 for a
                 ``.grad`` of None, which ``backward()`` counts as 0).
    """

    root: Value
    grad: float
    order: tuple[Value, ...]
    names: dict[Value, str]
    steps: tuple[Step, ...]
    gradients: dict[Value, float]
    before: dict[Value, Any]

    def after(self, node: Value) -> Any:
        """What ``node.grad`` holds once every step has run."""
        if node not in self.gradients:
            return self.before[node]
        return self.before[node] + self.gradients[node]


def record(root: Value, grad: float | Value = 1.0, *, from_zero: bool = False) -> Trace:
    """Record one backward pass from `root`, changing nothing (see the module docstring).

    Raises what ``root.backward(grad)`` would raise (a derivative that does not
    exist, an out-of-date graph, a gradient that overflows), before anything.
    Like ``backward()``, it takes a number or a Value (its data) as `grad`, and
    counts a ``.grad`` of None as 0. With `from_zero`, every ``.grad`` is taken to be
    0 before the pass (what the player and the widget show: one pass on its own).
    """
    seed: float = seed_of(root, grad, False)
    order = tuple(topological_order(root))
    names = node_names(order)
    before = {node: 0.0 if from_zero or node.grad is None else node.grad for node in order}
    gradients: dict[Value, float] = {} if type(root) is Constant else {root: seed}
    non_leaves = [node for node in reversed(order)
                  if node.operation is not None and type(node) is not Constant]
    steps: list[Step] = []
    for index, node in enumerate(non_leaves):
        upstream = gradients[node]
        if not isfinite(upstream):
            raise OverflowError(f"the gradient of {names[node]} overflows to {upstream}")
        operation = node.operation
        assert operation is not None
        count = len(node.parents)
        contributions = []
        for position, (parent, local) in enumerate(zip(node.parents,
                                                       local_derivatives(node))):
            if local is None:  # a constant: it receives nothing
                continue
            contribution = local * upstream
            so_far = gradients.get(parent)
            grad_before = before[parent] if so_far is None else before[parent] + so_far
            gradients[parent] = contribution if so_far is None else so_far + contribution
            contributions.append(Contribution(
                parent=parent, position=position, local=local,
                formula=operation.formula(position, count), contribution=contribution,
                grad_before=grad_before, grad_after=before[parent] + gradients[parent],
            ))
        steps.append(Step(
            index=index, total=len(non_leaves), node=node, name=names[node],
            upstream=upstream, contributions=tuple(contributions),
            parent_names=tuple(names[p] for p in node.parents),
        ))
    for node, gradient in gradients.items():
        if not isfinite(gradient):
            raise OverflowError(f"the gradient of {names[node]} overflows to {gradient}")
        if not isfinite(before[node] + gradient):  # what backward() would write to .grad
            raise OverflowError(
                f"the gradient of {names[node]} would overflow: its .grad "
                f"{float(before[node]):g} plus this pass's {gradient:g} is not a finite "
                "float (call autograd.zero_grad between passes); no .grad was changed")
    return Trace(root=root, grad=seed, order=order, names=names, steps=tuple(steps),
                 gradients=gradients, before=before)


# ---------------------------------------------------------------------------
# A step as text (what `print(step)` shows)
# ---------------------------------------------------------------------------


def format_step(step: Step, digits: int = 4) -> str:
    """A step as a block of text: the node, its upstream gradient, and one
    line per parent with the local derivative (formula and value), the
    contribution and the parent's gradient before -> after. A parent reached
    more than once in the step gets a line showing the whole accumulation.
    The formulas are written in the graph's names (see `named_formulas`).
    """
    n = lambda x: number(x, digits)
    node = step.node
    inputs = ", ".join([*input_texts(step), *(f"{p:g}" for p in node.settings)])
    lines = [
        f"step {step.index + 1}/{step.total}: {step.name} = {node.op}({inputs}) = {n(node.data)}",
        f"  upstream gradient d out/d {step.name} = {n(step.upstream)}",
    ]
    for item, (formula, letters) in zip(step.contributions, named_formulas(step)):
        parent_name = step.parent_names[item.position]
        where = f" {where_text(letters)}" if letters else ""
        lines.append(
            f"  -> {parent_name} (input {item.position + 1}): local "
            f"{_rule(formula, item.local, digits)}{where};"
            f" contribution {n(item.local)} × {n(step.upstream)} = {n(item.contribution)};"
            f" {parent_name}.grad {n(item.grad_before)} {ARROW} {n(item.grad_after)}"
        )
    for parent, parent_name in _repeated_parents(step):
        received = [c for c in step.contributions if c.parent is parent]
        path = f" {ARROW} ".join([n(received[0].grad_before)] + [n(c.grad_after) for c in received])
        lines.append(
            f"  {parent_name} receives {len(received)} contributions in this step: "
            f"its gradient accumulates {path}"
        )
    return "\n".join(lines)


def _rule(formula: str, local: float, digits: int) -> str:
    """``d(x·w)/dx = w = 3``; just ``d(x+w)/dx = 1`` when the rule is a constant."""
    value = number(local, digits)
    if formula.rsplit("=", 1)[-1].strip() == value:
        return formula
    return f"{formula} = {value}"


def _repeated_parents(step: Step) -> list[tuple[Value, str]]:
    seen: dict[Value, int] = {}
    first_name: dict[Value, str] = {}
    for item in step.contributions:
        parent, name = item.parent, step.parent_names[item.position]
        seen[parent] = seen.get(parent, 0) + 1
        first_name.setdefault(parent, name)
    return [(parent, first_name[parent]) for parent, count in seen.items() if count > 1]


# ---------------------------------------------------------------------------
# Formulas in the graph's names
# ---------------------------------------------------------------------------

_BY = re.compile(r"/d(\w+)")  # the input a formula differentiates by: d(a·b)/db -> b
_WORD = re.compile(r"\w+")
_SYMBOL = re.compile(r"[^\W\d][\w.]*(#\d+)?")  # reads as one symbol: x, w1, layer1.w2, mul#2
_SHORT = re.compile(r"[^\W\d_]\d*")  # short enough to follow the d of d/dx: x, w1
_NUMBER = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")  # a label such as 2
_NOT_CALLED = re.compile(r"\w+\b(?!\()")  # a word not followed by "(": n, not exp(
_OPERATORS = "^·*/×÷+-"  # after one of these, a negative number goes in brackets


def input_letters(node: Value) -> dict[str, int]:
    """The letter each input of the node's op has in the op's formulas, as letter ->
    position: ``{"a": 0, "b": 1}`` from ``d(a·b)/da = b`` and ``d(a·b)/db = a``.

    Empty when a formula names no input (no ``/d...``) or two formulas name the same one.
    """
    operation = node.operation
    if operation is None:
        return {}
    count = len(node.parents)
    letters: dict[str, int] = {}
    for position in range(count):
        found = _BY.search(operation.formula(position, count))
        if found is None or found[1] in letters:
            return {}
        letters[found[1]] = position
    return letters


def input_texts(step: Step) -> list[str]:
    """What a step's text calls each input of its node: its name, or for a number of
    the expression (a `Constant`) that number, as the drawings show it (``2``, not
    ``const#1``)."""
    return [number(parent, 6) if type(parent) is Constant else name
            for parent, name in zip(step.node.parents, step.parent_names)]


def named_formulas(step: Step) -> list[tuple[str, list[tuple[str, str]]]]:
    """Each contribution's formula as a step's text shows it, with the letters it keeps
    that need explaining, as (letter, name) pairs.

    An op's formulas name its inputs with letters (``d(a·b)/da = b``); read as the
    graph's names they mislead where a node is labelled b but is not the op's b.
    So the inputs' names replace the letters (``d(x·w)/dx = w``) wherever that reads
    unambiguously; elsewhere the letters stay, and each one that is not its input's
    name is explained (``where a = x, b = x`` for ``x * x``). The op's settings are
    written as their numbers (``d(x^3)/dx = 3·x^(3-1)`` for ``x ** 3``), or explained
    (``where t = 3``) where a number would run into its neighbour (``2t``).
    """
    formulas = _Formulas(step)
    return [formulas.show(item.formula) for item in step.contributions]


def shown_formulas(step: Step) -> list[str]:
    """Each contribution's formula as one text: `named_formulas`, with its letters
    explained after it when it keeps any (``d(a·b)/da = b where a = x, b = x``)."""
    return [f"{formula} {where_text(letters)}" if letters else formula
            for formula, letters in named_formulas(step)]


def where_text(letters: Sequence[tuple[str, str]]) -> str:
    """``where a = x, b = x``: what the letters of a formula stand for."""
    return "where " + ", ".join(f"{letter} = {name}" for letter, name in letters)


def _placed(text: str, formula: str, start: int) -> str:
    """`text` written at `start` in `formula`: a negative number in brackets right
    after an operator (``x^(-1)``, ``-(-2)/x^2``), else as it is."""
    before = formula[:start].rstrip()
    if text.startswith("-") and before.endswith(tuple(_OPERATORS)):
        return f"({text})"
    return text


class _Formulas:
    """One step's formulas in the graph's names: its op's letters, its inputs' names,
    its settings' numbers."""

    def __init__(self, step: Step) -> None:
        node = step.node
        self.letters = input_letters(node)
        self.names = input_texts(step)
        self.told = self._told(step)
        self.characters = set("".join(self.letters))
        names = [name for parent, name in zip(node.parents, self.names)
                 if type(parent) is not Constant]  # a number needs no checks
        # the names can stand in the letters' places: each reads as one symbol (not
        # x1*w1), none repeats (d(x·x)/dx = x would read as the whole derivative), no
        # letter starts like the d of d/dx, and no name is d and another (db and b:
        # /db would read either way)
        self.readable = (bool(self.letters) and len(set(self.names)) == len(self.names)
                         and all(_SYMBOL.fullmatch(name) for name in names)
                         and not any(letter.startswith("d") for letter in self.letters)
                         and not any(f"d{name}" in names for name in names))
        self.taken = set(names) if self.readable else set()
        operation = node.operation
        assert operation is not None
        self.setting_names = operation.setting_names
        self.settings = [number(value, 6) for value in node.settings]

    def show(self, formula: str) -> tuple[str, list[tuple[str, str]]]:
        """The formula in names, or with its letters and the pairs that explain them;
        its settings as numbers, or explained after the letters."""
        formula, settings = self._with_settings(formula)
        named = self._in_names(formula) if self.readable else None
        if named is not None:
            return named, settings
        return formula, self._kept(formula) + settings

    @staticmethod
    def _told(step: Step) -> list[str]:
        """How a ``where`` clause names each input: as the text does, but a label that
        reads as a number in quotes (``"2"``), and a label that two different inputs
        carry with the input's number (``x (input 1)``)."""
        parents = step.node.parents
        told = []
        for position, (parent, text) in enumerate(zip(parents, input_texts(step))):
            if type(parent) is not Constant and _NUMBER.fullmatch(text):
                text = f'"{text}"'
            if any(other is not parent and name == step.parent_names[position]
                   for other, name in zip(parents, step.parent_names)):
                text = f"{text} (input {position + 1})"
            told.append(text)
        return told

    def _setting_words(self, formula: str) -> dict[str, str]:
        """The words `formula` writes the settings with, as word -> number: each
        setting's name (slope, low), else the words its left side adds to the inputs'
        letters, in order (pow's n in ``d(x^n)/dx``)."""
        words = set(_WORD.findall(formula))
        named = [name if name in words else "" for name in self.setting_names]
        left = formula.split("/d", 1)[0]
        spare = [word for word in _NOT_CALLED.findall(left)
                 if word not in self.letters and word not in named
                 and word != "d" and not word[0].isdigit()]
        if len(spare) == named.count(""):
            spares = iter(spare)
            named = [name or next(spares) for name in named]
        return {word: value for word, value in zip(named, self.settings) if word}

    def _with_settings(self, formula: str) -> tuple[str, list[tuple[str, str]]]:
        """`formula` with its settings' words replaced by their numbers, but for a word
        glued to something (``2t``): that one stays, with its (word, number) pair."""
        settings = self._setting_words(formula)
        words = _WORD.findall(formula)
        kept = {word: value for word, value in settings.items()
                if any(_glued(other, {word}) for other in words)}
        numbers = {word: value for word, value in settings.items() if word not in kept}

        def placed(found: re.Match[str]) -> str:
            value = numbers.get(found[0])
            return found[0] if value is None else _placed(value, formula, found.start())

        return _WORD.sub(placed, formula), list(kept.items())

    def _in_names(self, formula: str) -> str | None:
        """`formula` with each letter replaced by its input's name, or None where that
        could mislead: a name the formula uses for something else, a letter glued to
        something (3x)."""
        others = {word for word in _WORD.findall(formula)
                  if word not in self.letters and self._by(word) is None}
        if others & self.taken or any(_glued(word, self.letters) for word in others):
            return None

        def named(found: re.Match[str]) -> str:
            word = found[0]
            if word in self.letters:
                return _placed(self.names[self.letters[word]], formula, found.start())
            letter = self._by(word)
            if letter is None:
                return word
            name = self.names[self.letters[letter]]
            return f"d{name}" if _SHORT.fullmatch(name) else f"d {name}"

        return _WORD.sub(named, formula)

    def _kept(self, formula: str) -> list[tuple[str, str]]:
        """The (letter, name) pairs of the letters `formula` uses that are not their
        inputs' names, in input order."""
        used: set[str] = set()
        for word in _WORD.findall(formula):
            letter = word if word in self.letters else self._by(word)
            if letter is not None:
                used.add(letter)
            elif _glued(word, self.letters):
                used.update(_inside(word, self.letters))
        return [(letter, self.told[position]) for letter, position in self.letters.items()
                if letter in used and letter != self.told[position]]

    def _by(self, word: str) -> str | None:
        """The letter of ``da`` (the d of d/da, then a letter), else None."""
        return word[1:] if word.startswith("d") and word[1:] in self.letters else None


def _glued(word: str, letters: Collection[str]) -> bool:
    """Whether `word` is letters run together with numbers or each other (``3x``,
    ``ab``): made only of the letters' characters and digits, and holding a letter."""
    characters = set("".join(letters))
    return (word not in letters and all(c.isdigit() or c in characters for c in word)
            and bool(_inside(word, letters)))


def _inside(word: str, letters: Collection[str]) -> list[str]:
    """The letters that are part of `word`."""
    return [word[i:j] for i in range(len(word)) for j in range(i + 1, len(word) + 1)
            if word[i:j] in letters]
