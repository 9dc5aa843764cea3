"""backprop-lab's scalar reverse-mode automatic differentiation engine.

    >>> from autograd import Value
    >>> x = Value(3.0, label="x")
    >>> y = x * x + x
    >>> y.backward()
    >>> x.grad
    7.0

The engine (core, ops, backprop) imports only the standard library.
"""

from autograd.backprop import backward, grad, jvp, local_derivatives, topological_order, zero_grad
from autograd.checking import (
    GradcheckReport,
    check_hand_gradient,
    gradcheck,
    gradgradcheck,
    numerical_grad,
)
from autograd.core import Op, Value, is_grad_enabled, no_grad
from autograd.ops import (
    FUNCTIONS,
    OPS,
    absolute,
    cos,
    define_op,
    dot,
    exp,
    log,
    logsumexp,
    relu,
    sigmoid,
    sin,
    sqrt,
    sum,
    tanh,
)

__all__ = [
    "FUNCTIONS", "OPS", "Op", "Value", "absolute", "backward", "cos", "define_op",
    "dot", "exp", "grad", "is_grad_enabled", "jvp", "local_derivatives", "log",
    "logsumexp", "no_grad", "relu", "sigmoid", "sin", "sqrt", "sum", "tanh",
    "topological_order", "zero_grad",
]
__all__ += [  # gradient checking (autograd.checking)
    "GradcheckReport", "check_hand_gradient", "gradcheck", "gradgradcheck", "numerical_grad",
]

# Stepping through backprop (standard library only).
from autograd.stepper import backward_steps, format_steps, print_steps  # noqa: E402

__all__ += ["backward_steps", "format_steps", "print_steps"]


# Drawing and the player need the graphviz package: imported on first use, so
# `import autograd` stays standard-library only.
def draw_graph(root, **options):  # type: ignore[no-untyped-def]
    """Draw the graph of `root` (a graphviz.Digraph); see `autograd.drawing.draw_graph`."""
    from autograd.drawing import draw_graph as _draw_graph

    return _draw_graph(root, **options)


def player_html(root, **options):  # type: ignore[no-untyped-def]
    """A self-contained HTML player of root's backward pass; see `autograd.player`."""
    from autograd.player import player_html as _player_html

    return _player_html(root, **options)


def save_player(root, path, **options):  # type: ignore[no-untyped-def]
    """Write the HTML player of root's backward pass to `path`; see `autograd.player`."""
    from autograd.player import save_player as _save_player

    return _save_player(root, path, **options)


__all__ += ["draw_graph", "player_html", "save_player"]
