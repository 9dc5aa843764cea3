"""Hypothesis strategies for your own property tests (needs hypothesis).

The public name of `autograd.checks.strategies`, where they are written::

    from autograd.strategies import expressions_and_inputs, op_inputs, values_in
"""

from autograd.checks.strategies import *  # noqa: F403 - the public names of the strategies
from autograd.checks.strategies import __all__ as __all__
