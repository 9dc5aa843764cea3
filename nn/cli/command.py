"""The `backprop` command: `main`, the parser, and one line for every error.

The subcommands live by group: `nn.cli.expressions` (check, graph, steps),
`nn.cli.training` (demo, train) and `nn.cli.lab` (lab); what they share (errors,
option types, output checks) in `nn.cli.common`.

Every user error (a bad expression, an unknown name, a missing variable, a bad
option, a file that cannot be written) prints one line to stderr and exits
with status 2; Ctrl-C prints one line and exits with 130; no traceback. What
the user should know but does not stop the command (a variable given a value
the formula does not use) is a warning line on stderr; the status is unchanged.
"""

from __future__ import annotations

import argparse
import errno
import importlib.metadata
import os
import sys
from collections.abc import Sequence

from nn.cli import expressions, lab, training
from nn.cli.common import (
    INTERRUPTED,
    USAGE_ERROR,
    Command,
    Interrupted,
    UsageError,
    one_line,
    reason,
)

INTERNAL_ERROR = 70  # a bug, not the user's mistake (EX_SOFTWARE of sysexits.h)
BROKEN_PIPE = 141  # 128 + SIGPIPE: what a shell reports for `... | head`

COMMANDS: tuple[Command, ...] = (*training.COMMANDS, *expressions.COMMANDS, *lab.COMMANDS)


DISTRIBUTION = "backprop-lab"  # the name pip knows the project by


class _Parser(argparse.ArgumentParser):
    """argparse, but a bad option is one line on stderr and exit status 2.

    The parser of `make_parser` also keeps each command's parser in `commands`.
    """

    commands: dict[str, argparse.ArgumentParser]

    def error(self, message: str) -> None:  # type: ignore[override]
        command = self.prog.removeprefix("backprop").strip()  # "train" or ""
        raise UsageError(f"{command}: {message}" if command else message)


class _VersionAction(argparse.Action):
    """``--version``: the installed version of backprop-lab (read when asked)."""

    def __init__(self, option_strings: list[str], dest: str = argparse.SUPPRESS,
                 help: str | None = None) -> None:  # noqa: A002 (argparse's name)
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, help=help)

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: object, option_string: str | None = None) -> None:
        print(f"{parser.prog} {installed_version()}")
        parser.exit()


def installed_version() -> str:
    """The version of backprop-lab that pip installed (its metadata, not a copy here)."""
    try:
        return importlib.metadata.version(DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        return f"(version unknown: {DISTRIBUTION} is not installed)"


def make_parser() -> _Parser:
    parser = _Parser(prog="backprop", description="Learn and check backpropagation.",
                     epilog="Run 'backprop COMMAND --help' for the options of a command.")
    parser.add_argument("--version", action=_VersionAction,
                        help="print the installed version and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True,
                                parser_class=_Parser)
    parser.commands = {}
    for command in COMMANDS:
        subparser = sub.add_parser(command.name, help=command.summary,
                                   description=command.summary)
        subparser.set_defaults(run=command.run, command=command.name)
        command.add_arguments(subparser)
        parser.commands[command.name] = subparser
    return parser


def parse_arguments(parser: _Parser, argv: list[str]) -> argparse.Namespace:
    """Parse ``backprop COMMAND ...``: options may come before, between or after the
    command's other arguments, and an expression may start with ``-`` or ``--``.

    The command's arguments are parsed with argparse's intermixed parsing, so
    ``graph "x*x" -o f.svg x=1`` gives x=1 to the expression. argparse reads
    ``-log(sigmoid(x))`` and ``--x`` as unknown options: when parsing fails, each
    argument that starts with ``-`` is tried as the expression (hidden behind a
    space, which argparse never reads as an option); the first try that parses
    and puts it in the expression's place wins. One shaped like an option
    (``--bogus``) wins only if every name in it is given a value (``--x x=1``).
    Otherwise the first error stands. Without a command (``--help``,
    ``--version``, a misspelt command), the whole parser answers.
    """
    command = parser.commands.get(argv[0]) if argv else None
    if command is None:
        try:
            return parser.parse_args(argv)
        except UsageError as error:
            # argparse names the missing COMMAND first: `backprop --bogus` is an unknown option
            option = argv[0] if argv and argv[0] != "--" else ""
            if "required: COMMAND" in str(error) and option.startswith("-"):
                raise UsageError(f"unrecognized arguments: {option}") from None
            raise
    rest = argv[1:]
    try:
        return command.parse_intermixed_args(rest)
    except UsageError:
        for i, text in enumerate(rest):
            if not text.startswith("-") or len(text) < 2 or text == "--":
                continue
            hidden = " " + text
            try:
                args = command.parse_intermixed_args([*rest[:i], hidden, *rest[i + 1:]])
            except UsageError:
                continue
            if getattr(args, "expression", None) == hidden and (
                    not text.startswith("--")
                    or expressions.meant_as_formula(text, args.assignments)):
                args.expression = text
                return args
        raise


def print_usage(parser: argparse.ArgumentParser) -> None:
    """What `backprop` alone prints: the usage, the commands, where to read more."""
    width = max(len(command.name) for command in COMMANDS)
    lines = [parser.format_usage().rstrip(), "", "commands:"]
    lines += [f"  {command.name:<{width}}  {command.summary}" for command in COMMANDS]
    lines += ["", "Run 'backprop --help' for more, 'backprop COMMAND --help' for a command's "
                  "options."]
    print("\n".join(lines), file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """The `backprop` command on `argv` (default: the command line); returns the exit status.

    The console script calls it through `backprop_entry.main`, which turns a Ctrl-C
    while this module is still being imported into one line as well.
    """
    argv = sys.argv[1:] if argv is None else list(argv)
    if sys.stdout is None:  # started with stdout closed (`>&-`): every result would vanish
        _error_line("backprop: the standard output is closed: nothing was done")
        return USAGE_ERROR
    _never_fail_on_characters()
    try:
        return _run(argv)
    except BrokenPipeError:
        # The reader went away (`backprop steps ... | head`): stop quietly, as a
        # program killed by SIGPIPE does, and let nothing flush to the pipe again.
        _silence_stdout()
        return BROKEN_PIPE


def _run(argv: list[str]) -> int:
    parser = make_parser()
    try:
        if not argv:
            print_usage(parser)
            return USAGE_ERROR
        args = parse_arguments(parser, argv)
        status: int = args.run(args)
        sys.stdout.flush()  # a closed pipe shows here, inside the try
        return status
    except UsageError as error:
        _error_line(f"backprop: {error}")
        return USAGE_ERROR
    except Interrupted as error:
        _error_line(f"backprop: {error}")
        return INTERRUPTED
    except KeyboardInterrupt:
        _error_line("backprop: interrupted")
        return INTERRUPTED
    except BrokenPipeError:
        raise  # handled by main
    except MemoryError:  # sizes the memory estimate let through
        _error_line("backprop: out of memory: try smaller sizes")
        return USAGE_ERROR
    except Exception as error:  # a bug: still one line, unless asked for the traceback
        if _stdout_full(error):  # not a bug
            _silence_stdout()  # what it holds can never be written: drop it, now and at exit
            _error_line(f"backprop: cannot write to the standard output: {reason(error)}")
            return USAGE_ERROR
        if os.environ.get("BACKPROP_TRACEBACK"):
            raise
        _error_line(f"backprop: unexpected error, please report it (set BACKPROP_TRACEBACK=1 "
                    f"for the details): {type(error).__name__}: {error}")
        return INTERNAL_ERROR


def _error_line(text: str) -> None:
    if sys.stdout is not None:
        sys.stdout.flush()
    print(one_line(text), file=sys.stderr)


def _stdout_full(error: Exception) -> bool:
    """Whether `error`, which reached `_run`, is stdout refusing what is printed: a disk
    or quota full (``> /dev/full``). Errors writing a file name that file, and each
    command turns them into a UsageError; one without a name is a write to stdout."""
    return (isinstance(error, OSError) and error.filename is None
            and error.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG))


def _never_fail_on_characters() -> None:
    """Print any file name, even on an ASCII terminal or with bytes that are not
    UTF-8: characters the output cannot encode are shown as escapes (``\\xe9``)."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")


def _silence_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # no real file descriptor (e.g. captured in a test)
        pass

