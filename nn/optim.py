"""Optimizers: they read each parameter's ``.grad`` and change its ``.data``.

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
        grads = []
        for p in self.params:
            g = p.grad
            if type(g) is not float:
                g = float(g)  # a Value after backward(create_graph=True): use its number
            grads.append(g)
        return grads


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
        if mu == 0.0 and wd == 0.0:  # the common case, kept simple and fast
            for p, g in zip(self.params, grads):
                p.data -= lr * g
            return
        for i, (p, g) in enumerate(zip(self.params, grads)):
            g = g + wd * p.data
            self.velocity[i] = mu * self.velocity[i] + g
            p.data -= lr * self.velocity[i]


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
        self.t += 1
        b1, b2 = self.beta1, self.beta2
        correction1 = 1.0 - b1**self.t
        correction2 = 1.0 - b2**self.t
        m, v = self.m, self.v
        for i, (p, g) in enumerate(zip(self.params, self._grads())):
            m[i] = b1 * m[i] + (1.0 - b1) * g
            v[i] = b2 * v[i] + (1.0 - b2) * g * g
            p.data -= self.lr * (m[i] / correction1) / (math.sqrt(v[i] / correction2) + self.eps)


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

