"""An op's derivative formula written in the graph's names, and numbers as views show them.

The op table writes each derivative with letters of its own: ``d(a·b)/da = b``. A learner
reads those letters as the graph's names, which mislead wherever the graph has its own
a or b. So a step's text writes the inputs' names in the letters' places (``d(x·w)/dx =
w``) where that reads unambiguously, and the settings' numbers in theirs (``d(x^3)/dx =
3·x^(3-1)``); elsewhere it keeps the letters and says what they stand for (``where a = x,
b = x`` for ``x * x``). An op on many inputs has letters for whole vectors too (the x of
``logsumexp(x)``, the w and x of ``w·x``): a learner cannot tell such an x from a node x, so
the vector is written out as its entries (``logsumexp(x, y)``, ``softmax(x, y)[0]``) unless
the drawing shows its letter too (the dot node reads w·x) and no input is named like it.
Used by the steps' text (`autograd.views.trace.format_step`, the stepper's table, the
player's captions), the widget's chain rule and the drawings' sockets. Standard library only.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence
from typing import Any

from autograd.core import Constant, Value


def number(x: Any, digits: int = 4) -> str:
    """`x` (a float, or a Value whose data is used) with `digits` significant digits."""
    value = x.data if isinstance(x, Value) else float(x)
    text = f"{value:.{digits}g}"
    return "0" if text == "-0" else text


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
_ENTRY = re.compile(r"([^\W\d]\w*?)(\d+)")  # an entry of an op's vector: x3 of x, w0 of w
_SPARE_LETTERS = "kcsuvpqrm"  # a setting's letter where its own is an input's name


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


def input_texts(node: Value, names: Sequence[str]) -> list[str]:
    """What a step's text calls each input of `node` (named `names` in the pass): its
    name, or for a number of the expression (a `Constant`) that number, as the drawings
    show it (``2``, not ``const#1``)."""
    return [number(parent, 6) if type(parent) is Constant else name
            for parent, name in zip(node.parents, names)]


def named_formulas(node: Value, names: Sequence[str],
                   formulas: Sequence[str]) -> list[tuple[str, list[tuple[str, str]]]]:
    """Each of `formulas` (the op's, of the step at `node`, whose inputs the pass names
    `names`) as a step's text shows it, with the letters it keeps that need explaining,
    as (letter, name) pairs.

    An op's formulas name its inputs with letters (``d(a·b)/da = b``); read as the
    graph's names they mislead where a node is labelled b but is not the op's b.
    So the inputs' names replace the letters (``d(x·w)/dx = w``) wherever that reads
    unambiguously; elsewhere the letters stay, and each one that is not its input's
    name is explained (``where a = x, b = x`` for ``x * x``). The op's settings are
    written as their numbers (``d(x^3)/dx = 3·x^(3-1)`` for ``x ** 3``), or explained
    (``where t = 3``) where a number would run into its neighbour (``2t``), under another
    letter (``2k·t where k = 3``) where an input is named t. A vector of an op on many
    inputs is written out as its entries where its letter could read as an input
    (``d logsumexp(x, y)/dx = exp(x - logsumexp(x, y)) = softmax(x, y)[0]``, not
    ``logsumexp(x)``), and an entry's position is in brackets, as Python indexes it.
    """
    shown = _Formulas(node, names)
    return [shown.show(formula) for formula in formulas]


def shown_formulas(node: Value, names: Sequence[str], formulas: Sequence[str]) -> list[str]:
    """Each formula as one text: `named_formulas`, with its letters explained after it
    when it keeps any (``d(a·b)/da = b where a = x, b = x``)."""
    return [f"{formula} {where_text(letters)}" if letters else formula
            for formula, letters in named_formulas(node, names, formulas)]


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

    def __init__(self, node: Value, names: Sequence[str]) -> None:
        self.letters = input_letters(node)
        self.names = input_texts(node, names)
        self.told = self._told(node, names)
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
        self.vectors = _vectors(self.letters)
        # a vector's letter stays where the drawing shows it too (dot's node reads w·x)
        # and no input has it for a name; elsewhere the vector is written out
        drawn = set(_WORD.findall(operation.symbol))
        self.written_out = {vector for vector in self.vectors
                            if vector not in drawn or vector in self.names}

    def show(self, formula: str) -> tuple[str, list[tuple[str, str]]]:
        """The formula in names, or with its letters and the pairs that explain them;
        its settings as numbers, or explained after the letters."""
        formula, settings = self._with_settings(formula)
        formula = self._written_out(formula)
        named = self._in_names(formula) if self.readable else None
        if named is not None:
            return named, settings
        return formula, self._kept(formula) + settings

    @staticmethod
    def _told(node: Value, names: Sequence[str]) -> list[str]:
        """How a ``where`` clause names each input: as the text does, but a label that
        reads as a number in quotes (``"2"``), and a label that two different inputs
        carry with the input's number (``x (input 1)``)."""
        parents = node.parents
        told = []
        for position, (parent, text) in enumerate(zip(parents, input_texts(node, names))):
            if type(parent) is not Constant and _NUMBER.fullmatch(text):
                text = f'"{text}"'
            if any(other is not parent and name == names[position]
                   for other, name in zip(parents, names)):
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
                 and word not in self.vectors and word != "d" and not word[0].isdigit()]
        if len(spare) == named.count(""):
            spares = iter(spare)
            named = [name or next(spares) for name in named]
        return {word: value for word, value in zip(named, self.settings) if word}

    def _with_settings(self, formula: str) -> tuple[str, list[tuple[str, str]]]:
        """`formula` with its settings' words replaced by their numbers, but for a word
        glued to something (``2t``): that one stays, with its (word, number) pair; under
        another letter (``2k``, ``where k = 3``) where an input is named as it reads
        (an input t, or 2t)."""
        settings = self._setting_words(formula)
        words = _WORD.findall(formula)
        kept = {word: value for word, value in settings.items()
                if any(_glued(other, {word}) for other in words)}
        numbers = {word: value for word, value in settings.items() if word not in kept}

        def placed(found: re.Match[str]) -> str:
            value = numbers.get(found[0])
            return found[0] if value is None else _placed(value, formula, found.start())

        formula = _WORD.sub(placed, formula)
        pairs = []
        for word, value in kept.items():
            if self._misread(word, formula):
                word, formula = self._relettered(word, formula)
            pairs.append((word, value))
        return formula, pairs

    def _misread(self, letter: str, formula: str) -> bool:
        """Whether `formula` writes `letter` (or a word holding it: ``2t``) as an input's
        name, so that it reads as that input."""
        return any((word == letter or _glued(word, {letter})) and word in self.names
                   for word in _WORD.findall(formula))

    def _relettered(self, letter: str, formula: str) -> tuple[str, str]:
        """A letter in place of `letter` (a setting's) that `formula` and the inputs'
        names do not use, and `formula` with it; (`letter`, `formula`) if none is left."""
        words = _WORD.findall(formula)
        used = set("".join(words)) | set(self.names) | set(self.letters)
        holding = {word for word in words if word == letter or _glued(word, {letter})}
        for spare in _SPARE_LETTERS:
            if spare in used:
                continue
            renamed = _WORD.sub(_replacing(holding, letter, spare), formula)
            if not self._misread(spare, renamed):
                return spare, renamed
        return letter, formula

    def _written_out(self, formula: str) -> str:
        """`formula` with the op's vectors written out as their entries where a letter
        for the whole vector would mislead: ``logsumexp(x0, x1)`` for ``logsumexp(x)``,
        ``w0·x0 + w1·x1`` for ``w·x``, first and last only from four entries
        (``x0, ..., x9``); a position after a vector in brackets (``softmax(x)[0]``,
        which read ``softmax(x)0`` beside an input x0)."""
        for vector in self.vectors:
            formula = re.sub(rf"\(({re.escape(vector)})\)(\d+)(?!\w)", r"(\1)[\2]", formula)
        out = self.written_out
        if not out:
            return formula

        def products(found: re.Match[str]) -> str:
            left, right = self.vectors[found[1]], self.vectors[found[2]]
            if len(left) != len(right) or not {found[1], found[2]} & out:
                return found[0]
            return _listed([f"{w}·{x}" for w, x in zip(left, right)], " + ")

        names = "|".join(re.escape(vector) for vector in self.vectors)
        formula = re.sub(rf"(?<!\w)({names})·({names})(?!\w)", products, formula)
        for vector in out:
            entries = _listed(self.vectors[vector], ", ")
            formula = re.sub(rf"\({re.escape(vector)}\)", f"({entries})", formula)
            formula = re.sub(rf"(?<!\w){re.escape(vector)}(?!\w)", f"({entries})", formula)
        return formula

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


def _vectors(letters: Collection[str]) -> dict[str, list[str]]:
    """The vectors of an op on many inputs, as vector -> its entries in order: ``{"w":
    ["w0", "w1"], "x": ["x0", "x1"]}`` from dot's letters; only whole ones (entries 0 to
    n-1), whose letter is not an input's letter itself."""
    entries: dict[str, dict[int, str]] = {}
    for letter in letters:
        found = _ENTRY.fullmatch(letter)
        if found is not None:
            entries.setdefault(found[1], {})[int(found[2])] = letter
    return {vector: [found[k] for k in range(len(found))] for vector, found in entries.items()
            if vector not in letters and sorted(found) == list(range(len(found)))}


def _listed(entries: Sequence[str], between: str) -> str:
    """`entries` with `between` between them; the first and the last only, from four on
    (``x0, ..., x9``)."""
    if len(entries) > 3:
        entries = [entries[0], "...", entries[-1]]
    return between.join(entries)


def _replacing(words: Collection[str], old: str, new: str) -> Callable[[re.Match[str]], str]:
    """For `re.sub` over a formula's words: each of `words` with `old` in it made `new`
    (``2t`` -> ``2k``), any other word as it is."""
    return lambda found: found[0].replace(old, new) if found[0] in words else found[0]


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
