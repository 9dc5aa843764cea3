"""The `backprop` command: `main`, and the subcommands on expressions (check, graph, steps).

The training subcommands (demo, train) live in `nn.cli_train`; what all
subcommands share (errors, option types, output checks) in `nn.cli_common`.

Every user error (a bad expression, an unknown name, a missing variable, a bad
option, a file that cannot be written) prints one line to stderr and exits
with status 2; Ctrl-C prints one line and exits with 130; no traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from autograd import Value, checking, drawing, player, topological_order
from autograd.expression import ExpressionError, evaluate, parse_assignments
from autograd.stepper import backward_steps, format_steps, number
from nn import cli_train
from nn.cli_common import (
    INTERRUPTED,
    USAGE_ERROR,
    Command,
    Interrupted,
    UsageError,
    engine_error,
    one_line,
    output_file_option,
    output_file_problem,
    real_option,
    reason,
    show_path,
)

GRAPH_MAX_VALUES = 1000  # a bigger picture is unreadable and slow to lay out
INTERNAL_ERROR = 70  # a bug, not the user's mistake (EX_SOFTWARE of sysexits.h)
BROKEN_PIPE = 141  # 128 + SIGPIPE: what a shell reports for `... | head`


def build_graph(args: argparse.Namespace) -> tuple[Value, dict[str, Value]]:
    """The graph of ``args.expression`` at ``args.assignments`` (UsageError if bad)."""
    try:
        return evaluate(args.expression, parse_assignments(args.assignments))
    except ExpressionError as error:
        raise UsageError(f"{args.command}: {error}") from None
    except (ArithmeticError, ValueError) as error:  # the engine refuses a number: log(-1)
        raise engine_error(args.command, error) from None


def _add_expression_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("expression",
                        help='a formula, e.g. "tanh(x*w + b)" (it may start with a minus)')
    parser.add_argument("assignments", nargs="*", metavar="name=value",
                        help="a value for each variable, e.g. x=0.5")


# ---------------------------------------------------------------------------
# backprop check
# ---------------------------------------------------------------------------


def _check_arguments(parser: argparse.ArgumentParser) -> None:
    _add_expression_arguments(parser)
    parser.add_argument("--eps", type=real_option(0, low_open=True), default=checking.EPS,
                        help="finite-difference step (default %(default)g)")
    parser.add_argument("--atol", type=real_option(0), default=checking.ATOL,
                        help="absolute tolerance (default %(default)g)")
    parser.add_argument("--rtol", type=real_option(0), default=checking.RTOL,
                        help="relative tolerance (default %(default)g)")


def command_check(args: argparse.Namespace) -> int:
    """Compare the engine's gradient of an expression with finite differences.

    Prints the gradcheck table; exit status 0 if every input passes
    (|analytic - numeric| <= atol + rtol*|numeric|), 1 if one does not. A
    failure ends with one sentence saying where or why: the op whose local
    rule is wrong (only an op of your own can be), a kink the point sits on
    (relu(x) at x = 0), or tolerances finer than finite differences can meet.
    A kink where the check still passes (abs(x) at x = 0) gets a note.
    """
    output, inputs = build_graph(args)
    names = list(inputs)
    point: dict[str, float | Value] = {name: value.data for name, value in inputs.items()}

    def rebuilt(*values: Value) -> Value:
        # the same expression on the checker's own leaves (for the gradient and for
        # finite differences, which move one input at a time)
        return evaluate(args.expression, {**point, **dict(zip(names, values))})[0]

    try:
        report = checking.gradcheck(rebuilt, [inputs[name] for name in names],
                                    args.eps, args.atol, args.rtol)
        if report:  # a kink can pass (abs(x) at 0: both sides average to the rule's 0)
            kinks = checking.check_graph(output, args.eps, args.atol, args.rtol).kinks
            report.notes += [entry.note for entry in kinks]
    except (ArithmeticError, ValueError) as error:
        raise engine_error("check", error) from None
    report.title = f"gradcheck of {args.expression}"
    print(report)
    return 0 if report else 1


# ---------------------------------------------------------------------------
# backprop graph
# ---------------------------------------------------------------------------


def _picture_path(text: str) -> Path:
    """The -o file: .svg, .png or .dot, in a directory that can be written."""
    problem = output_file_problem(Path(text), drawing.FORMATS)
    if problem is not None:
        raise argparse.ArgumentTypeError(problem)
    return Path(text)


def _graph_arguments(parser: argparse.ArgumentParser) -> None:
    _add_expression_arguments(parser)
    parser.add_argument("-o", "--output", required=True, metavar="FILE", type=_picture_path,
                        help="the picture to write: .svg, .png or .dot")
    parser.add_argument("--rankdir", choices=("LR", "TB"), default="LR",
                        help="left-to-right (LR, default) or top-to-bottom (TB)")
    parser.add_argument("--no-grad", action="store_true",
                        help="draw without running backward (no gradients shown)")


def command_graph(args: argparse.Namespace) -> int:
    """Draw the graph of an expression, after one backward pass, to an .svg/.png/.dot file."""
    output, _ = build_graph(args)
    size = len(topological_order(output))
    if size > GRAPH_MAX_VALUES:
        raise UsageError(f"graph: the expression makes {size} values; a picture shows at most "
                         f"{GRAPH_MAX_VALUES} (draw a part of it)")
    try:
        if not args.no_grad:
            output.backward()
        picture = drawing.draw_graph(output, rankdir=args.rankdir, show_grad=not args.no_grad,
                                     max_nodes=GRAPH_MAX_VALUES)
        drawing.save(picture, args.output)
    except OSError as error:
        raise UsageError(f"graph: cannot write {show_path(args.output)}: "
                         f"{reason(error)}") from None
    except (RuntimeError, ArithmeticError, ValueError) as error:  # RuntimeError: dot failed
        raise engine_error("graph", error) from None
    print(f"wrote {args.output}")
    return 0


# ---------------------------------------------------------------------------
# backprop steps
# ---------------------------------------------------------------------------


def _steps_arguments(parser: argparse.ArgumentParser) -> None:
    _add_expression_arguments(parser)
    parser.add_argument("--html", metavar="FILE", type=output_file_option((".html", ".htm")),
                        help="also write the step-by-step player, an HTML file")


def command_steps(args: argparse.Namespace) -> int:
    """Print the backward pass of an expression one step at a time (and the HTML player).

    The player is written before the table is printed, so a failure prints
    only its error line.
    """
    output, inputs = build_graph(args)
    try:
        steps = list(backward_steps(output))
    except (ArithmeticError, ValueError) as error:
        raise engine_error("steps", error) from None
    if args.html is not None:
        _write_player(output, args.html, len(steps))
    print(f"Backward pass of {args.expression}: {len(steps)} step(s), output = "
          f"{number(output.data)}\n")
    print(format_steps(steps))
    gradients = ", ".join(f"d out/d {name} = {number(value.grad)}"
                          for name, value in inputs.items())
    print(f"\nGradients: {gradients}" if gradients else "")
    if args.html is not None:
        print(f"wrote {args.html}")
    return 0


def _write_player(output: Value, path: Path, n_steps: int) -> None:
    if n_steps + 1 > player.MAX_FRAMES:
        raise UsageError(f"steps: the backward pass has {n_steps} steps; the player shows at "
                         f"most {player.MAX_FRAMES - 1} (leave out --html to print them)")
    try:
        player.save_player(output, path, max_frames=player.MAX_FRAMES)
    except OSError as error:
        raise UsageError(f"steps: cannot write {show_path(path)}: {reason(error)}") from None
    except (RuntimeError, ArithmeticError, ValueError) as error:  # RuntimeError: dot failed
        raise engine_error("steps", error) from None


# ---------------------------------------------------------------------------
# The parser and main
# ---------------------------------------------------------------------------

COMMANDS: tuple[Command, ...] = (
    *cli_train.COMMANDS,
    Command("check", "compare the gradient of an expression with finite differences",
            _check_arguments, command_check),
    Command("graph", "draw the graph of an expression with its values and gradients",
            _graph_arguments, command_graph),
    Command("steps", "print backprop on an expression step by step (--html: a player)",
            _steps_arguments, command_steps),
)


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


if __name__ == "__main__":
    sys.exit(main())
