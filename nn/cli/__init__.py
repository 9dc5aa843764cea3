"""The `backprop` command (needs both packages: `autograd` never imports `nn`).

One module per command group, plus what they share:

- `nn.cli.command`: `main` (the command; the console script enters through the
  top-level `backprop_entry`, which catches Ctrl-C while this package loads), the
  parser, errors;
- `nn.cli.expressions`: ``backprop check``, ``graph``, ``steps`` on a formula;
- `nn.cli.training`: ``backprop demo`` and ``backprop train``;
- `nn.cli.common`: error types, option types, checks of output paths.
"""

from nn.cli.command import main

__all__ = ["main"]
