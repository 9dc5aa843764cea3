"""The entry point of the `backprop` console script: Ctrl-C is one line from the start.

The command itself is `nn.cli.main`. Importing it loads the engine, `nn` and
their dependencies, which takes a noticeable fraction of a second; a Ctrl-C in
that time used to end in a ``KeyboardInterrupt`` traceback. This module lies
outside both packages (importing anything inside `nn` first runs
``nn/__init__.py``, which imports the rest), imports nothing but `sys`, and
imports the command only inside its handling of Ctrl-C.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

INTERRUPTED = 130  # 128 + SIGINT, as nn.cli.common.INTERRUPTED (not imported: see above)


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``backprop`` (`nn.cli.main`); Ctrl-C while it starts is one line, status 130."""
    try:
        from nn.cli.command import main as run_command

        return run_command(argv)
    except KeyboardInterrupt:  # once the command runs, it handles Ctrl-C itself
        print("backprop: interrupted", file=sys.stderr)
        return INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
