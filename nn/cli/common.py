"""What every `backprop` subcommand shares: its errors, option types and output checks.

A subcommand is a `Command` (name, one-line summary, the function that adds
its options, the function that runs it). `nn.cli` collects the commands of
`nn.cli` and `nn.cli.training` and builds the parser; this module imports
neither, so the command modules depend on it and never on each other.

Errors a command raises:

- `UsageError`: something the user typed cannot work (a bad option, an
  expression the engine refuses, a file that cannot be written). `backprop`
  prints ``backprop: <message>`` as one line on stderr and exits with 2.
- `Interrupted`: Ctrl-C, after the command has saved what it could. One line,
  exit status 130 (128 + SIGINT, what a shell reports).
"""

from __future__ import annotations

import argparse
import math
import os
import re
import sys
import tempfile
from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path

from autograd.files import check_target

USAGE_ERROR = 2
INTERRUPTED = 130
MAX_MESSAGE = 400  # characters of an error line; longer ones are cut


class UsageError(Exception):
    """A mistake in what the user typed; printed as one line, exit status 2."""


class Interrupted(Exception):
    """Ctrl-C during a command; the message says what was kept. Exit status 130."""


@dataclass(frozen=True)
class Command:
    """One subcommand: ``backprop <name> ...``."""

    name: str
    summary: str  # one line, shown by `backprop --help`
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]  # returns the exit status


# ---------------------------------------------------------------------------
# Messages
# ---------------------------------------------------------------------------


def one_line(text: str, limit: int = MAX_MESSAGE) -> str:
    """`text` as one line of at most `limit` characters.

    Also turns a raw errno tuple that an ``str(OSError-like)`` may contain,
    ``(34, 'Numerical result out of range')``, into its words.
    """
    text = re.sub(r"\(\d+, '([^']*)'\)", r"\1", " ".join(text.split()))
    return text if len(text) <= limit else f"{text[:limit - 3]}..."


def warning_line(text: str) -> None:
    """Print ``backprop: <text>`` as one line on stderr, after what stdout holds so far.

    For something the user should know that does not stop the command (a variable
    given a value but not used); the exit status is not changed.
    """
    sys.stdout.flush()
    print(f"backprop: {one_line(text)}", file=sys.stderr)


def describe(error: BaseException) -> str:
    """The message of an exception the engine raised, as one line (its type if empty)."""
    return one_line(str(error)) or type(error).__name__


def reason(error: BaseException) -> str:
    """Why a file could not be written or used: an OSError's own words ("Permission
    denied", without the errno and file name), else the message, as one line."""
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return describe(error)


def engine_error(command: str, error: BaseException) -> UsageError:
    """A domain or overflow error of the engine, as a `UsageError` of `command`."""
    return UsageError(f"{command}: {describe(error)}")


def show_path(path: str | os.PathLike[str], limit: int = 80) -> str:
    """A file name as messages quote it: repr (so odd characters are visible), cut."""
    text = repr(str(path))
    return text if len(text) <= limit else f"{text[:limit - 4]}...{text[-1]}"


# ---------------------------------------------------------------------------
# Option types for argparse (each raises ArgumentTypeError with a clear message)
# ---------------------------------------------------------------------------


def real_option(low: float = -math.inf, high: float = math.inf, *,
                low_open: bool = False, high_open: bool = False) -> Callable[[str], float]:
    """A type for a finite number in an interval: ``real_option(0, low_open=True)`` is > 0."""
    if math.isinf(low) and math.isinf(high):
        wanted = "a finite number"
    elif math.isinf(high):
        wanted = f"a number {'>' if low_open else '>='} {low:g}"
    elif math.isinf(low):
        wanted = f"a number {'<' if high_open else '<='} {high:g}"
    else:
        wanted = (f"a number in {'(' if low_open else '['}{low:g}, "
                  f"{high:g}{')' if high_open else ']'}")

    def parse(text: str) -> float:
        try:
            number = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
        if not math.isfinite(number):
            raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
        too_low = number <= low if low_open else number < low
        too_high = number >= high if high_open else number > high
        if too_low or too_high:
            raise argparse.ArgumentTypeError(f"expected {wanted}, got {text}")
        return number

    return parse


def integer_option(low: int = 1, high: int | None = None) -> Callable[[str], int]:
    """A type for an integer from `low` to `high` (inclusive; None: no bound)."""
    wanted = ("a positive integer" if low == 1 and high is None else
              f"an integer >= {low}" if high is None else f"an integer from {low} to {high}")

    def parse(text: str) -> int:
        try:
            number = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {wanted}, got {text!r}") from None
        if number < low or (high is not None and number > high):
            raise argparse.ArgumentTypeError(f"expected {wanted}, got {number}")
        return number

    return parse


def integer_list_option(text: str) -> list[int]:
    """A type for layer sizes: ``16,16`` -> [16, 16]; an empty text is no layer."""
    if not text.strip():
        return []
    positive = integer_option(1)
    try:
        return [positive(part.strip()) for part in text.split(",")]
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(
            f"expected layer sizes like 16,16 (positive integers), got {text!r}") from None


def path_option(kind: str) -> Callable[[str], Path]:
    """A type for the name of a `kind` ("file" or "folder"), refused if empty:
    `Path` reads ``""`` as ``"."``, the current folder, which nobody means by it.
    A file name ending in a slash is refused too: `Path` drops the slash, and
    ``g.svg/`` would write the file ``g.svg``."""

    def parse(text: str) -> Path:
        if not text:
            raise argparse.ArgumentTypeError(f"the {kind} name is empty")
        if kind == "file" and text.endswith(tuple(filter(None, (os.sep, os.altsep)))):
            raise argparse.ArgumentTypeError(
                f"{show_path(text)} ends in {text[-1]}, so it names a folder, not a file")
        return Path(text)

    return parse


def output_file_option(suffixes: Collection[str]) -> Callable[[str], Path]:
    """A type for a file to write, checked now (see `output_file_problem`)."""

    def parse(text: str) -> Path:
        path = path_option("file")(text)
        problem = output_file_problem(path, suffixes)
        if problem is not None:
            raise argparse.ArgumentTypeError(problem)
        return path

    return parse


# ---------------------------------------------------------------------------
# Output checks: made before any work, so no work is lost to a bad file name
# ---------------------------------------------------------------------------


def output_file_problem(path: Path, suffixes: Collection[str] = ()) -> str | None:
    """Why `path` cannot be written, or None if it can (as far as can be told now).

    Checks the suffix, the length of the name, that `path` is not a directory
    or another special file, and that its directory exists and accepts a new file.
    """
    if suffixes and path.name.lower() in suffixes:  # ".svg": Path sees no suffix in it
        return f"{show_path(path)} has no name before the {path.name}"
    if suffixes and path.suffix.lower() not in suffixes:
        names = list(suffixes)
        listed = f"{', '.join(names[:-1])} or {names[-1]}" if len(names) > 1 else names[0]
        return f"{show_path(path)} must end in {listed}"
    try:
        problem = _name_problem(path.parent, path.name)
        if problem is None and path.is_dir():
            problem = f"{show_path(path)} is a directory"
        if problem is None:
            check_target(path)  # what the library refuses: a FIFO, a device, /dev/stdout
    except OSError as error:
        problem = f"cannot use {show_path(path)}: {reason(error)}"
    return problem or directory_problem(path.parent)


def output_directory_problem(directory: Path) -> str | None:
    """Why files cannot be written into `directory` (created if missing), or None."""
    problem = not_a_directory_problem(directory)
    if problem is not None:
        return problem
    if directory.is_dir():
        return directory_problem(directory)
    existing = _nearest_existing(directory)
    missing = directory.relative_to(existing).parts
    too_long = (_name_problem(existing, name) for name in missing)
    return next((p for p in too_long if p is not None), None) or directory_problem(existing)


def not_a_directory_problem(directory: Path) -> str | None:
    """Why `directory` can never be a directory, or None: something else (a file) stands
    where it, or a directory above it, should be. A missing directory is no problem here."""
    try:
        if directory.is_dir():
            return None
        if os.path.lexists(directory):
            return f"{show_path(directory)} exists and is not a directory"
        existing = _nearest_existing(directory)
        if not existing.is_dir():
            return f"{show_path(existing)} is not a directory"
    except OSError as error:
        return f"cannot use {show_path(directory)}: {reason(error)}"
    return None


def _nearest_existing(path: Path) -> Path:
    """The nearest of `path`'s parents that exists (at worst the root)."""
    return next(d for d in path.parents if os.path.lexists(d) or d == d.parent)


def directory_problem(directory: Path) -> str | None:
    """Why a new file cannot be created in `directory`, or None."""
    try:
        if not directory.exists():
            return f"directory {show_path(directory)} does not exist"
        if not directory.is_dir():
            return f"{show_path(directory)} is not a directory"
        # the only sure test (permissions, read-only disks, root): create a file
        with tempfile.TemporaryFile(dir=directory):
            pass
    except FileNotFoundError as error:
        if not directory.is_dir():  # removed meanwhile
            return f"cannot write in {show_path(directory)}: {reason(error)}"
        # the directory is there, yet the system answers "No such file or directory"
        # for a new file in it: a special file system such as /proc, whose files
        # only the kernel makes
        return (f"cannot write in {show_path(directory)}: it exists but does not accept "
                "new files")
    except OSError as error:
        return f"cannot write in {show_path(directory)}: {reason(error)}"
    return None


def _name_problem(directory: Path, name: str) -> str | None:
    limit = _name_limit(directory)
    size = len(os.fsencode(name))
    if size > limit:
        return f"the file name {show_path(name)} is too long ({size} bytes, at most {limit})"
    return None


def _name_limit(directory: Path) -> int:
    try:
        return os.pathconf(directory, "PC_NAME_MAX")
    except (OSError, ValueError, AttributeError):  # no pathconf (Windows) or no answer
        return 255
