"""``python -m nn.cli``: the same as the `backprop` command."""

import sys

from nn.cli.command import main

sys.exit(main())
