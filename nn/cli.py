"""The `backprop` command: each subcommand is one small function below.

Every user error (a bad expression, an unknown name, a missing variable, a bad
option) prints one line to stderr and exits with status 2; no traceback.
"""

from __future__ import annotations

import argparse
import math
import pathlib
import sys
from collections.abc import Callable, Sequence

from autograd import Value, checking, grad
from autograd.expression import ExpressionError, evaluate, parse_assignments

USAGE_ERROR = 2


class UsageError(Exception):
    """A mistake in what the user typed; printed as one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    """argparse, but a bad option is one line on stderr and exit status 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{self.prog}: {message}")


def build_graph(expression: str, assignments: Sequence[str]) -> tuple[Value, dict[str, Value]]:
    """Parse `expression` with `name=value` assignments into a graph (UsageError if bad)."""
    try:
        return evaluate(expression, parse_assignments(assignments))
    except (ExpressionError, ArithmeticError, ValueError) as error:
        raise UsageError(str(error)) from None


def _add_expression_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("expression", help='a formula, e.g. "tanh(x*w + b)"')
    parser.add_argument("assignments", nargs="*", metavar="name=value",
                        help="a value for each variable, e.g. x=0.5")


# ---------------------------------------------------------------------------
# Subcommands
# ---------------------------------------------------------------------------


def command_demo(args: argparse.Namespace) -> int:
    """Train micrograd's two-moons MLP; write plots, graph and player to ./backprop-demo/."""
    from nn.cli_train import run_demo  # the training code lives in nn.cli_train

    return run_demo()


def _train_arguments(parser: argparse.ArgumentParser) -> None:
    from nn.cli_train import add_train_arguments

    add_train_arguments(parser)


def command_train(args: argparse.Namespace) -> int:
    """Train an MLP on a data set with the options given (see `backprop train -h`)."""
    from nn.cli_train import run_train

    return run_train(args)


def _tolerance(text: str) -> float:
    """A finite number >= 0 (argparse type for --atol and --rtol)."""
    try:
        number = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not math.isfinite(number) or number < 0:
        raise argparse.ArgumentTypeError(f"expected a finite number >= 0, got {text!r}")
    return number


def _step(text: str) -> float:
    """A finite number > 0 (argparse type for --eps)."""
    number = _tolerance(text)
    if number == 0:
        raise argparse.ArgumentTypeError("the step must be > 0, got 0")
    return number


def _check_arguments(parser: argparse.ArgumentParser) -> None:
    _add_expression_arguments(parser)
    parser.add_argument("--eps", type=_step, default=checking.EPS,
                        help="finite-difference step (default %(default)g)")
    parser.add_argument("--atol", type=_tolerance, default=checking.ATOL,
                        help="absolute tolerance (default %(default)g)")
    parser.add_argument("--rtol", type=_tolerance, default=checking.RTOL,
                        help="relative tolerance (default %(default)g)")


def command_check(args: argparse.Namespace) -> int:
    """Compare the engine's gradient of an expression with finite differences.

    Prints the gradcheck table; exit status 0 if every input passes
    (|analytic - numeric| <= atol + rtol*|numeric|), 1 if one does not.
    """
    output, inputs = build_graph(args.expression, args.assignments)
    names = list(inputs)
    if not names:
        raise UsageError(f"check: {args.expression!r} uses no variable: nothing to check")
    point = {name: value.data for name, value in inputs.items()}

    def rebuilt(*values: Value) -> Value:
        # the same expression at other values of the inputs (for finite differences)
        return evaluate(args.expression, {**point, **{
            name: value.data for name, value in zip(names, values)}})[0]

    try:
        analytic = grad(output, [inputs[name] for name in names])
        numeric = checking.numerical_grad(rebuilt, [inputs[name] for name in names], args.eps)
    except (ArithmeticError, ValueError) as error:
        raise UsageError(f"check: {error}") from None
    report = checking.compare_gradients(
        names, analytic, numeric, args.atol, args.rtol, title=f"gradcheck of {args.expression}",
        settings=f"eps={args.eps:g}, atol={args.atol:g}, rtol={args.rtol:g}")
    print(report)
    return 0 if report else 1


def _graph_arguments(parser: argparse.ArgumentParser) -> None:
    _add_expression_arguments(parser)
    parser.add_argument("-o", "--output", required=True, metavar="FILE",
                        help="the picture to write: .svg, .png or .dot")
    parser.add_argument("--rankdir", choices=("LR", "TB"), default="LR",
                        help="left-to-right (LR, default) or top-to-bottom (TB)")
    parser.add_argument("--no-grad", action="store_true",
                        help="draw without running backward (no gradients shown)")


def command_graph(args: argparse.Namespace) -> int:
    """Draw the graph of an expression, after one backward pass, to an .svg/.png/.dot file."""
    from autograd import drawing

    if pathlib.Path(args.output).suffix.lower() not in drawing.FORMATS:
        raise UsageError(f"graph: cannot write {args.output!r}: the file name must end in "
                         f"{', '.join(sorted(drawing.FORMATS))}")
    output, _ = build_graph(args.expression, args.assignments)
    try:
        if not args.no_grad:
            output.backward()
        picture = drawing.draw_graph(output, rankdir=args.rankdir, show_grad=not args.no_grad)
        drawing.save(picture, args.output)
    except OSError as error:
        raise UsageError(f"graph: cannot write {args.output!r}: {error.strerror}") from None
    except (drawing.DotNotFoundError, ArithmeticError, ValueError) as error:
        raise UsageError(f"graph: {error}") from None
    print(f"wrote {args.output}")
    return 0


def _steps_arguments(parser: argparse.ArgumentParser) -> None:
    _add_expression_arguments(parser)
    parser.add_argument("--html", metavar="FILE",
                        help="also write the step-by-step player, an HTML file")


def command_steps(args: argparse.Namespace) -> int:
    """Print the backward pass of an expression one step at a time (and the HTML player)."""
    from autograd.stepper import backward_steps, format_steps, number

    if args.html is not None and pathlib.Path(args.html).suffix.lower() not in (".html", ".htm"):
        raise UsageError(f"steps: the player is an HTML file: {args.html!r} should end in .html")
    output, inputs = build_graph(args.expression, args.assignments)
    try:
        steps = list(backward_steps(output))
    except (ArithmeticError, ValueError) as error:
        raise UsageError(f"steps: {error}") from None
    print(f"Backward pass of {args.expression}: {len(steps)} step(s), output = "
          f"{number(output.data)}\n")
    print(format_steps(steps))
    gradients = ", ".join(f"d out/d {name} = {number(value.grad)}"
                          for name, value in inputs.items())
    print(f"\nGradients: {gradients}" if gradients else "")
    if args.html is not None:
        from autograd import drawing, player

        try:
            player.save_player(output, args.html)
        except OSError as error:
            raise UsageError(f"steps: cannot write {args.html!r}: {error.strerror}") from None
        except (drawing.DotNotFoundError, ValueError) as error:
            raise UsageError(f"steps: {error}") from None
        print(f"wrote {args.html}")
    return 0


COMMANDS: dict[str, tuple[Callable[[argparse.Namespace], int], str]] = {
    "demo": (command_demo, "train micrograd's two-moons MLP and write pictures to "
                           "./backprop-demo/"),
    "train": (command_train, "train an MLP on moons, spirals, xor, blobs or digits"),
    "check": (command_check, "compare the gradient of an expression with finite differences"),
    "graph": (command_graph, "draw the graph of an expression with its values and gradients"),
    "steps": (command_steps, "print backprop on an expression step by step (--html: a player)"),
}

# Each subcommand that takes arguments adds them here: name -> fn(subparser).
ARGUMENTS: dict[str, Callable[[argparse.ArgumentParser], None]] = {
    "check": _check_arguments,
    "train": _train_arguments,
    "graph": _graph_arguments,
    "steps": _steps_arguments,
}


def make_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="backprop", description="Learn and check backpropagation.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for name, (handler, help_text) in COMMANDS.items():
        command = sub.add_parser(name, help=help_text, description=help_text)
        command.set_defaults(handler=handler)
        if name in ARGUMENTS:
            ARGUMENTS[name](command)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `backprop` console script."""
    try:
        args = make_parser().parse_args(argv)
        return args.handler(args)
    except UsageError as error:
        print(f"backprop: {error}" if not str(error).startswith("backprop") else str(error),
              file=sys.stderr)
        return USAGE_ERROR


if __name__ == "__main__":
    sys.exit(main())
