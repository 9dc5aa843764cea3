"""backprop-lab's scalar reverse-mode automatic differentiation engine.

    >>> from autograd import Value
    >>> x = Value(3.0, label="x")
    >>> y = x * x + x
    >>> y.backward()
    >>> x.grad
    7.0

The engine (core, op, ops, backprop) imports only the standard library:

- `autograd.core`: `Value` (a node; its operators and methods) and the reverse pass;
- `autograd.op`: `Op`, one primitive declared once (forward, derivatives, formulas);
- `autograd.ops`: the table of built-in ops, each also a function (`autograd.tanh`);
- `autograd.backprop`: `grad` (derivatives without touching .grad) and `jvp` (forward mode).
"""

from typing import Any

from autograd.backprop import grad, jvp, local_derivatives, zero_grad
from autograd.checking import (
    CheckEntry,
    GradcheckReport,
    HandBackwardReport,
    check_graph,
    gradcheck,
    gradgradcheck,
    numerical_grad,
)
from autograd.core import (
    FUNCTIONS,
    OPS,
    Constant,
    StaleGraphError,
    Value,
    backward,
    is_grad_enabled,
    no_grad,
    topological_order,
)
from autograd.hand_backward import check_hand_backward, check_hand_gradient
from autograd.op import Domain, Op
from autograd.ops import *  # noqa: F403 - every built-in function of the op table
from autograd.ops import __all__ as _functions
from autograd.ops import absolute

abs = absolute  # noqa: A001 - autograd.abs, like torch.abs (not in __all__: no shadowing)

__all__ = [
    "FUNCTIONS", "OPS", "Constant", "Domain", "Op", "StaleGraphError", "Value", "backward",
    "grad", "is_grad_enabled", "jvp", "local_derivatives", "no_grad", "topological_order",
    "zero_grad", *_functions,
]
__all__ += [  # gradient checking (autograd.checking, local_check, hand_backward)
    "CheckEntry", "GradcheckReport", "HandBackwardReport", "check_graph", "check_hand_backward",
    "check_hand_gradient", "gradcheck", "gradgradcheck", "numerical_grad",
]

# Stepping through backprop (standard library only).
from autograd.stepper import backward_steps, format_steps, print_steps  # noqa: E402

__all__ += ["backward_steps", "format_steps", "print_steps"]


# Drawing and the player need the graphviz package, autograd.strategies needs
# hypothesis and check_against_torch needs PyTorch, so they are imported on first
# use (PEP 562 module __getattr__):
# `import autograd` stays standard-library only, and `autograd.draw_graph` is the
# real function with its real signature.
_LAZY = {
    "draw_graph": "autograd.drawing",
    "player_html": "autograd.player",
    "save_player": "autograd.player",
    "check_against_torch": "autograd.torch_check",
}


def __getattr__(name: str) -> Any:
    import importlib

    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    if name == "strategies":  # a submodule that needs hypothesis: imported on first use
        return importlib.import_module("autograd.strategies")
    raise AttributeError(f"module 'autograd' has no attribute {name!r}")


__all__ += ["check_against_torch", "draw_graph", "player_html", "save_player"]  # noqa: F405 - _LAZY
