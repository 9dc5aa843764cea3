"""backprop-lab's scalar reverse-mode automatic differentiation engine.

    >>> from autograd import Value
    >>> x = Value(3.0, label="x")
    >>> y = x * x + x
    >>> y.backward()
    >>> x.grad
    7.0

The package has three parts (docs/development.md has the map):

- the engine, at the top, standard library only: `autograd.core` (`Value`, its
  operators and methods, `Op`, the reverse pass), `autograd.ops` (the table of
  built-in ops, each also a function: `autograd.tanh`), `autograd.backprop`
  (`grad` without touching .grad, `jvp`: forward mode), and `autograd.expression`
  (the safe formula parser of the backprop command);
- `autograd.views`: the recorded pass, the stepper, drawings and the player;
- `autograd.checks`: gradient checks, their reports, hypothesis strategies.
"""

from typing import Any

from autograd.backprop import grad, jvp, local_derivatives, recompute, zero_grad
from autograd.checks.checking import (
    CheckEntry,
    GradcheckReport,
    HandBackwardReport,
    check_graph,
    gradcheck,
    gradgradcheck,
    numerical_grad,
)
from autograd.checks.hand_backward import check_hand_backward, check_hand_gradient
from autograd.core import (
    FUNCTIONS,
    OPS,
    Constant,
    Domain,
    Op,
    StaleGraphError,
    Value,
    backward,
    compiled,
    topological_order,
)
from autograd.define_op import define_op
from autograd.one_pass import is_grad_enabled, no_grad
from autograd.ops import *  # noqa: F403 - every built-in function of the op table
from autograd.ops import __all__ as _functions
from autograd.ops import absolute
from autograd.views.stepper import backward_steps, format_steps, print_steps

abs = absolute  # noqa: A001 - autograd.abs, like torch.abs (not in __all__: no shadowing)

__all__ = [
    "FUNCTIONS", "OPS", "Constant", "Domain", "Op", "StaleGraphError", "Value", "backward",
    "compiled", "define_op", "grad", "is_grad_enabled", "jvp", "local_derivatives", "no_grad",
    "recompute", "topological_order", "zero_grad", *_functions,
]
__all__ += [  # gradient checking (autograd.checks.checking, local_check, hand_backward)
    "CheckEntry", "GradcheckReport", "HandBackwardReport", "check_graph", "check_hand_backward",
    "check_hand_gradient", "gradcheck", "gradgradcheck", "numerical_grad",
]
__all__ += ["backward_steps", "format_steps", "print_steps"]  # stepping (standard library)


# Drawing and the player need the graphviz package, autograd.strategies needs
# hypothesis and check_against_torch needs PyTorch, so they are imported on first
# use (PEP 562 module __getattr__):
# `import autograd` stays standard-library only, and `autograd.draw_graph` is the
# real function with its real signature.
_LAZY = {
    "draw_graph": "autograd.views.drawing",
    "player_html": "autograd.views.player",
    "save_player": "autograd.views.player",
    "check_against_torch": "autograd.checks.torch_check",
    "check_numpy_gradient": "autograd.checks.numpy_check",  # needs numpy
    "widget": "autograd.views.widget",  # needs anywidget
}


def __getattr__(name: str) -> Any:
    import importlib

    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    if name == "strategies":  # a submodule that needs hypothesis: imported on first use
        return importlib.import_module("autograd.strategies")
    raise AttributeError(f"module 'autograd' has no attribute {name!r}")


def __dir__() -> list[str]:
    """The names of the module, those imported on first use included (tab completion)."""
    return sorted({*globals(), *_LAZY, "strategies"})


__all__ += ["check_against_torch", "check_numpy_gradient", "draw_graph", "player_html",  # noqa: F405 - _LAZY
            "save_player", "widget"]
