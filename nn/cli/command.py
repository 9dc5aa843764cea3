"""The `backprop` command: `main`, the parser, and one line for every error.

The subcommands live by group: `nn.cli.expressions` (check, graph, steps) and
`nn.cli.training` (demo, train); what they share (errors, option types, output
checks) in `nn.cli.common`.

Every user error (a bad expression, an unknown name, a missing variable, a bad
option, a file that cannot be written) prints one line to stderr and exits
with status 2; Ctrl-C prints one line and exits with 130; no traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from nn.cli import expressions, training
from nn.cli.common import (
    INTERRUPTED,
    USAGE_ERROR,
    Command,
    Interrupted,
    UsageError,
    one_line,
)

INTERNAL_ERROR = 70  # a bug, not the user's mistake (EX_SOFTWARE of sysexits.h)
BROKEN_PIPE = 141  # 128 + SIGPIPE: what a shell reports for `... | head`

COMMANDS: tuple[Command, ...] = (*training.COMMANDS, *expressions.COMMANDS)


class _Parser(argparse.ArgumentParser):
    """argparse, but a bad option is one line on stderr and exit status 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        command = self.prog.removeprefix("backprop").strip()  # "train" or ""
        raise UsageError(f"{command}: {message}" if command else message)


def make_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="backprop", description="Learn and check backpropagation.",
                     epilog="Run 'backprop COMMAND --help' for the options of a command.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True,
                                parser_class=_Parser)
    for command in COMMANDS:
        subparser = sub.add_parser(command.name, help=command.summary,
                                   description=command.summary)
        subparser.set_defaults(run=command.run)
        command.add_arguments(subparser)
    return parser


def parse_arguments(parser: argparse.ArgumentParser, argv: list[str]) -> argparse.Namespace:
    """`parser.parse_args(argv)`, where an expression may start with a minus.

    argparse reads ``-log(sigmoid(x))`` as an unknown option. When parsing
    fails, each argument that starts with a single ``-`` is tried as the
    expression (hidden behind a space, which argparse never reads as an
    option); the first try that parses and puts it in the expression's place
    wins. Otherwise the first error stands.
    """
    try:
        return parser.parse_args(argv)
    except UsageError:
        for i, text in enumerate(argv):
            if i == 0 or not text.startswith("-") or text.startswith("--") or len(text) < 2:
                continue
            hidden = " " + text
            try:
                args = parser.parse_args([*argv[:i], hidden, *argv[i + 1:]])
            except UsageError:
                continue
            if getattr(args, "expression", None) == hidden:
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
    """Entry point of the `backprop` console script; returns the exit status."""
    argv = sys.argv[1:] if argv is None else list(argv)
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
        if os.environ.get("BACKPROP_TRACEBACK"):
            raise
        _error_line(f"backprop: unexpected error, please report it (set BACKPROP_TRACEBACK=1 "
                    f"for the details): {type(error).__name__}: {error}")
        return INTERNAL_ERROR


def _error_line(text: str) -> None:
    sys.stdout.flush()
    print(one_line(text), file=sys.stderr)


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

