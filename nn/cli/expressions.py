"""The subcommands on expressions: ``backprop check``, ``graph`` and ``steps``.

Each parses a formula with `autograd.expression` (a whitelist over Python's
`ast`, never `eval`) at the given ``name=value`` points, then checks, draws or
steps through its gradient.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from autograd import Value, topological_order
from autograd.checks import checking
from autograd.expression import ExpressionError, Formula, formula_syntax, parse_assignments
from autograd.views import drawing, player
from autograd.views.stepper import backward_steps, format_steps, number
from nn.cli.common import (
    Command,
    UsageError,
    engine_error,
    output_file_option,
    real_option,
    reason,
    show_path,
    warning_line,
)

GRAPH_MAX_VALUES = 1000  # a bigger picture is unreadable and slow to lay out


def build_graph(args: argparse.Namespace) -> tuple[Formula, Value, dict[str, Value]]:
    """The formula ``args.expression`` parsed, and its graph at ``args.assignments``.

    Returns the formula (to evaluate again without parsing again), its output
    and the input Values it uses. Mistakes are a UsageError; variables given a
    value but not used by the formula are a warning line on stderr (their values
    cannot change any number shown, so the command goes on).
    """
    try:
        values = parse_assignments(args.assignments)
        formula = Formula(args.expression)
        output, inputs = formula.evaluate(values)
    except ExpressionError as error:
        raise UsageError(f"{args.command}: {error}") from None
    except (ArithmeticError, ValueError) as error:  # the engine refuses a number: log(-1)
        raise engine_error(args.command, error) from None
    unused = [name for name in values if name not in inputs]
    if unused:
        one = len(unused) == 1
        warning_line(f"{args.command}: warning: {', '.join(unused)} {'is' if one else 'are'} "
                     f"not used by the formula ({'its value is' if one else 'their values are'}"
                     " ignored)")
    return formula, output, inputs


_OPTION_SHAPED = re.compile(r"--[A-Za-z_][\w-]*")  # --x, --bogus, --no-grad


def meant_as_formula(text: str, assignments: list[str]) -> bool:
    """Whether an argument starting with ``--`` that argparse did not know is the formula.

    ``--x`` (that is -(-x)) and ``--bogus`` look alike: one shaped like an option
    is taken as the formula only if every name in it is given a value
    (``backprop check --x x=1``); anything else (``--x*y``) is no option at all.
    """
    if not _OPTION_SHAPED.fullmatch(text):
        return True
    try:
        names = Formula(text).names
        given = parse_assignments(assignments)
    except ExpressionError:
        return False
    return bool(names) and names <= given.keys()


def _add_expression_arguments(parser: argparse.ArgumentParser) -> None:
    parser.epilog = formula_syntax()
    parser.formatter_class = argparse.RawDescriptionHelpFormatter  # the epilog's lines as made
    parser.add_argument("expression",
                        help='a formula, e.g. "tanh(x*w + b)" (it may start with a minus)')
    parser.add_argument("assignments", nargs="*", default=[], metavar="name=value",
                        help="a value for each variable, e.g. x=0.5 (options may come before, "
                             "between or after them)")


# ---------------------------------------------------------------------------
# backprop check
# ---------------------------------------------------------------------------


# Central differences (f(x+eps) - f(x-eps)) / 2eps approximate the derivative only for a
# step small beside the scale on which f bends. Past 1 they measure something else: tanh at
# x = 2 gives 0.12 for 0.071 at eps = 1, and at eps = 10 or 100 the check reported a kink or
# blamed tanh's (correct) rule; above about 9e307, 2eps overflows and the error is nan.
# A tiny eps stays allowed: the check itself says when rounding swamps the differences.
# But not one near the smallest floats (`checking.MIN_EPS`): the check also steps by
# eps/4, eps/16 and less, which are 0 below about 1e-321.
MIN_EPS, MAX_EPS = checking.MIN_EPS, 1.0


def _check_arguments(parser: argparse.ArgumentParser) -> None:
    _add_expression_arguments(parser)
    parser.add_argument("--eps", type=real_option(MIN_EPS, MAX_EPS), default=checking.EPS,
                        help=f"finite-difference step, from {MIN_EPS:g} to {MAX_EPS:g} "
                             "(default %(default)g)")
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
    formula, output, inputs = build_graph(args)
    names = list(inputs)

    def rebuilt(*values: Value) -> Value:
        # the same formula on the checker's own leaves (for the gradient and for finite
        # differences, which move one input at a time): evaluated 2n + 1 times for n
        # inputs, parsed once
        return formula.evaluate(dict(zip(names, values)))[0]

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


def _graph_arguments(parser: argparse.ArgumentParser) -> None:
    _add_expression_arguments(parser)
    parser.add_argument("-o", "--output", required=True, metavar="FILE",
                        type=output_file_option(drawing.FORMATS),
                        help="the picture to write: .svg, .png or .dot")
    parser.add_argument("--rankdir", choices=("LR", "TB"), default="LR",
                        help="left-to-right (LR, default) or top-to-bottom (TB)")
    parser.add_argument("--no-grad", action="store_true",
                        help="draw without running backward (no gradients shown)")


def command_graph(args: argparse.Namespace) -> int:
    """Draw the graph of an expression, after one backward pass, to an .svg/.png/.dot file."""
    _, output, _ = build_graph(args)
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
    _, output, inputs = build_graph(args)
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


COMMANDS: tuple[Command, ...] = (
    Command("check", "compare the gradient of an expression with finite differences",
            _check_arguments, command_check),
    Command("graph", "draw the graph of an expression with its values and gradients",
            _graph_arguments, command_graph),
    Command("steps", "print backprop on an expression step by step (--html: a player)",
            _steps_arguments, command_steps),
)
