"""Optimizers: they read each parameter's ``.grad`` and change its ``.data``.

A step changes every parameter or, if one would become nan or infinite, none
(FloatingPointError naming it); a ``.grad`` of None counts as 0.

An update is plain float arithmetic on ``.data``: it builds no graph. The
learning rate ``lr`` is an attribute you may change between steps; a schedule
is any function ``epoch -> lr`` (see `LinearDecay`, and `nn.fit`'s
``lr_schedule``)::

    opt = SGD(model, lr=1.0)           # or SGD(model.parameters(), lr=1.0)
    for k in range(100):
        opt.lr = 1.0 - 0.9 * k / 100      # micrograd's demo schedule
        opt.zero_grad(); loss = ...; loss.backward(); opt.step()
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from autograd import Value, validate
from nn.module import Module

__all__ = ["SGD", "Adam", "LinearDecay", "Optimizer"]


class Optimizer:
    """What SGD and Adam share: the parameter list, ``lr`` and ``zero_grad``.

    `params` is a model (its ``parameters()`` are used) or any iterable of Values.
    """

    def __init__(self, params: Module[Any] | Iterable[Value], lr: float) -> None:
        self.params = list(params.parameters() if isinstance(params, Module) else params)
        if not self.params:
            raise ValueError(f"{type(self).__name__} got an empty parameter list")
        for p in self.params:
            if not isinstance(p, Value):
                raise TypeError(f"{type(self).__name__}: parameters must be Values, "
                                f"got {type(p).__name__}")
        self.lr = lr

    @property
    def lr(self) -> float:
        """The learning rate (a positive, finite number; settable)."""
        return self._lr

    @lr.setter
    def lr(self, value: float) -> None:
        self._lr = validate.positive(value, "lr")

    def zero_grad(self) -> None:
        """Set every parameter's ``.grad`` to 0.0."""
        for p in self.params:
            p.grad = 0.0

    def step(self) -> None:
        raise NotImplementedError

    def _grads(self) -> list[float]:
        """Each parameter's gradient as a float; None counts as 0 (PyTorch's set_to_none)."""
        grads = []
        for p in self.params:
            g = p.grad
            if g is None:
                g = 0.0
            elif type(g) is not float:
                g = float(g)  # a Value after backward(create_graph=True): use its number
            grads.append(g)
        return grads

    def _write(self, new_data: list[float]) -> None:
        """Set every parameter's ``.data`` to `new_data`; if one of them is not finite,
        raise FloatingPointError naming it and change nothing (a Value never holds
        nan or inf)."""
        for k, (p, x) in enumerate(zip(self.params, new_data)):
            if not math.isfinite(x):
                name = f" ({p.label})" if p.label else ""
                raise FloatingPointError(
                    f"the update would make parameter {k + 1}{name} {x}; nothing was changed: "
                    f"lower the learning rate (lr={self.lr:g})")
        for p, x in zip(self.params, new_data):
            p.data = x


class SGD(Optimizer):
    """Stochastic gradient descent, with optional momentum and weight decay.

    For each parameter w with gradient g (PyTorch's convention):
    ``g ← g + weight_decay·w``;  ``v ← momentum·v + g``;  ``w ← w − lr·v``.
    With momentum 0 this is ``w ← w − lr·g``.
    """

    def __init__(self, params: Module[Any] | Iterable[Value], lr: float,
                 momentum: float = 0.0, weight_decay: float = 0.0) -> None:
        super().__init__(params, lr)
        self.momentum = validate.in_interval(momentum, "momentum", 0, 1, include_high=False)
        self.weight_decay = validate.non_negative(weight_decay, "weight_decay")
        self.velocity = [0.0] * len(self.params)

    def step(self) -> None:
        """Update every parameter once from its current ``.grad``."""
        lr, mu, wd = self.lr, self.momentum, self.weight_decay
        grads = self._grads()
        if mu == 0.0 and wd == 0.0:  # the common case, kept simple
            self._write([p.data - lr * g for p, g in zip(self.params, grads)])
            return
        velocity = [mu * v + g + wd * p.data
                    for p, g, v in zip(self.params, grads, self.velocity)]
        self._write([p.data - lr * v for p, v in zip(self.params, velocity)])
        self.velocity = velocity


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015): steps scaled by running gradient statistics.

    With t the step number, for each parameter w with gradient g:
    ``m ← β1·m + (1−β1)·g``;  ``v ← β2·v + (1−β2)·g²``;
    ``m̂ = m/(1−β1^t)``;  ``v̂ = v/(1−β2^t)``;  ``w ← w − lr·m̂/(√v̂ + ε)``.
    """

    def __init__(self, params: Module[Any] | Iterable[Value], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8) -> None:
        super().__init__(params, lr)
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise TypeError(f"Adam: betas must be a pair of numbers, got {validate.shown(betas)}")
        self.beta1 = validate.in_interval(betas[0], "betas[0]", 0, 1, include_high=False)
        self.beta2 = validate.in_interval(betas[1], "betas[1]", 0, 1, include_high=False)
        self.eps = validate.positive(eps, "eps")
        self.t = 0
        self.m = [0.0] * len(self.params)
        self.v = [0.0] * len(self.params)

    def step(self) -> None:
        """Update every parameter once from its current ``.grad``."""
        t = self.t + 1
        b1, b2 = self.beta1, self.beta2
        correction1 = 1.0 - b1**t
        correction2 = 1.0 - b2**t
        grads = self._grads()
        m = [b1 * m_i + (1.0 - b1) * g for m_i, g in zip(self.m, grads)]
        v = [b2 * v_i + (1.0 - b2) * g * g for v_i, g in zip(self.v, grads)]
        self._write([p.data - self.lr * (m_i / correction1)
                     / (math.sqrt(v_i / correction2) + self.eps)
                     for p, m_i, v_i in zip(self.params, m, v)])
        self.t, self.m, self.v = t, m, v


class LinearDecay:
    """A schedule ``epoch -> lr`` going linearly from `start` to `end` over `epochs`.

    ``lr(k) = start + (end − start)·k/epochs``, held at `end` after that.
    micrograd's demo uses ``LinearDecay(1.0, 0.1, 100)``: ``lr = 1.0 − 0.9·k/100``.
    """

    def __init__(self, start: float, end: float, epochs: int) -> None:
        self.start = validate.positive(start, "LinearDecay: start")
        self.end = validate.positive(end, "LinearDecay: end")
        self.epochs = validate.integer(epochs, "LinearDecay: epochs", minimum=1)

    def __call__(self, epoch: int) -> float:
        fraction = min(epoch, self.epochs) / self.epochs
        return self.start + (self.end - self.start) * fraction

    def __repr__(self) -> str:
        return f"LinearDecay({self.start:g}, {self.end:g}, {self.epochs})"

