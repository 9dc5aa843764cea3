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
