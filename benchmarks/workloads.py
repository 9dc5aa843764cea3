"""The benchmark workloads, written once per engine.

Each workload is a small class with three methods:

- ``forward() -> root``: build the graph (the timed part starts here);
- ``finish(root) -> float``: backward pass (and, for training, the SGD update);
  returns a number that every engine must agree on (a loss or a gradient);
- ``parents(node)``: the node's inputs, so `count_nodes` can count the graph
  the same way for every engine.

Engines:

- ``backprop-lab``: this project's `autograd`, used directly (an MLP written
  here from Values with one `autograd.dot` node per neuron);
- ``backprop-lab nn``: the same workloads through `nn.MLP`, `nn.losses`, `nn.optim`;
- ``micrograd``: micrograd 0.1.0 exactly as its demo uses it (its own `nn.MLP`,
  Python's left-fold ``sum``); it has no ``exp``/``log``, so the softmax workload
  adds them to its ``Value`` in micrograd's own closure style;
- ``micrograd-rust``: micrograd-rust 0.1.0, a compiled (Rust) scalar engine with
  micrograd's API, only if installed (``../shared/tools/build_micrograd_rust.sh``).
  It has no ``relu`` or ``log`` and takes float constants only on the left of an
  operator: the adapter below writes micrograd's workloads for it with exact values
  and gradients (see `rust_relu`, `rust_log`);
- ``torch``: PyTorch with 0-d tensors, one scalar per tensor (only if installed).

The data and the initial weights come from the same seeds for every engine
(Python's ``random``, drawn in the same order), so their results must agree.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from typing import Any

# ---------------------------------------------------------------------------
# Sizes
# ---------------------------------------------------------------------------

MOONS_SAMPLES = 100
MLP_SIZES = [2, 16, 16, 1]
L2_ALPHA = 1e-4
SEED = 1337

CHAIN_NODES = 1_000_000  # including the two leaves x and a
SUM_TERMS = 20_000
SOFTMAX_CLASSES = 10
SOFTMAX_SAMPLES = 200


def make_moons(n: int, noise: float = 0.1, seed: int = SEED) -> tuple[list[list[float]], list[int]]:
    """Two interleaved half circles with Gaussian noise; labels -1 and +1.

    Upper moon: (cos t, sin t); lower moon: (1 - cos t, 0.5 - sin t), t in [0, π].
    """
    rng = random.Random(seed)
    points, labels = [], []
    half = n // 2
    for i in range(n):
        upper = i < half
        count = half if upper else n - half
        t = math.pi * (i if upper else i - half) / max(count - 1, 1)
        x, y = (math.cos(t), math.sin(t)) if upper else (1 - math.cos(t), 0.5 - math.sin(t))
        points.append([x + rng.gauss(0, noise), y + rng.gauss(0, noise)])
        labels.append(-1 if upper else 1)
    return points, labels


def learning_rate(step: int) -> float:
    """micrograd's demo schedule: 1.0 decaying linearly to 0.1 over 100 steps."""
    return 1.0 - 0.9 * (step % 100) / 100


def chain_multiplier() -> float:
    return 1.0000001


def lab_parents(node: Any) -> Any:
    return node.parents


def micrograd_parents(node: Any) -> Any:
    return node._prev  # a set: x*x has one parent there


# ---------------------------------------------------------------------------
# backprop-lab, used directly
# ---------------------------------------------------------------------------


class LabTraining:
    """micrograd's demo step: hinge loss + L2 on an MLP 2-16-16-1, backward, SGD."""

    def __init__(self) -> None:
        from autograd import Value

        self.X, self.y = make_moons(MOONS_SAMPLES)
        random.seed(SEED)  # same draws, same order as micrograd's MLP
        self.layers = []  # per layer: a list of (weights, bias) per neuron
        for nin, nout in zip(MLP_SIZES, MLP_SIZES[1:]):
            layer = [([Value(random.uniform(-1, 1)) for _ in range(nin)], Value(0.0))
                     for _ in range(nout)]
            self.layers.append(layer)
        self.params = [p for layer in self.layers for w, b in layer for p in (*w, b)]
        self.step = 0

    def model(self, x: list[Any]) -> Any:
        from autograd import dot

        last = len(self.layers) - 1
        for i, layer in enumerate(self.layers):
            x = [dot(w, x) + b for w, b in layer]
            if i < last:
                x = [a.relu() for a in x]
        return x[0]

    def forward(self) -> Any:
        from autograd import Value, dot
        from autograd import sum as sum_all

        scores = [self.model([Value(a), Value(b)]) for a, b in self.X]
        losses = [(1 - yi * score).relu() for yi, score in zip(self.y, scores)]
        data_loss = sum_all(losses) * (1.0 / len(losses))
        reg_loss = L2_ALPHA * dot(self.params, self.params)
        return data_loss + reg_loss

    def finish(self, loss: Any) -> float:
        for p in self.params:
            p.grad = 0.0
        loss.backward()
        lr = learning_rate(self.step)
        for p in self.params:
            p.data -= lr * p.grad
        self.step += 1
        return loss.data

    parents = staticmethod(lab_parents)


class LabChain:
    """y = x · a · a · ... · a: a chain of CHAIN_NODES - 2 multiplications."""

    def __init__(self) -> None:
        from autograd import Value

        self.x = Value(1.0)
        self.a = Value(chain_multiplier())

    def forward(self) -> Any:
        y = self.x
        a = self.a
        for _ in range(CHAIN_NODES - 2):
            y = y * a
        return y

    def finish(self, y: Any) -> float:
        self.x.grad = 0.0
        y.backward()
        return self.x.grad  # = a ** (CHAIN_NODES - 2)

    parents: Any = staticmethod(lab_parents)  # None in subclasses: no node count


class LabSumOfProducts:
    """Σ_i x_i · w_i over SUM_TERMS pairs of leaves, as ONE autograd.sum node."""

    def forward(self) -> Any:
        from autograd import Value
        from autograd import sum as sum_all

        rng = random.Random(SEED)
        self.xs = [Value(rng.uniform(-1, 1)) for _ in range(SUM_TERMS)]
        self.ws = [Value(rng.uniform(-1, 1)) for _ in range(SUM_TERMS)]
        return sum_all([x * w for x, w in zip(self.xs, self.ws)])

    def finish(self, total: Any) -> float:
        total.backward()
        return total.data + self.ws[-1].grad  # the sum, plus dΣ/dw_last = x_last

    parents = staticmethod(lab_parents)


def softmax_logits() -> list[tuple[list[float], int]]:
    """SOFTMAX_SAMPLES rows of SOFTMAX_CLASSES logits, each with a target class."""
    rng = random.Random(SEED)
    return [([rng.gauss(0, 3) for _ in range(SOFTMAX_CLASSES)], rng.randrange(SOFTMAX_CLASSES))
            for _ in range(SOFTMAX_SAMPLES)]


class LabSoftmax:
    """Mean softmax cross-entropy, logsumexp(z) - z_y, over SOFTMAX_SAMPLES rows."""

    def forward(self) -> Any:
        from autograd import Value, logsumexp
        from autograd import sum as sum_all

        self.logits = []
        losses = []
        for row, target in softmax_logits():
            z = [Value(v) for v in row]
            self.logits.append(z)
            losses.append(logsumexp(z) - z[target])
        return sum_all(losses) * (1.0 / len(losses))

    def finish(self, loss: Any) -> float:
        loss.backward()
        return loss.data + self.logits[0][0].grad

    parents = staticmethod(lab_parents)


# ---------------------------------------------------------------------------
# backprop-lab through nn (nn.MLP, nn.losses, nn.optim)
# ---------------------------------------------------------------------------


class NnTraining(LabTraining):
    def __init__(self) -> None:
        import nn

        self.X, self.y = make_moons(MOONS_SAMPLES)
        self.net = nn.MLP(2, MLP_SIZES[1:], seed=SEED)  # same U(-1, 1) draws as random.seed
        self.params = self.net.parameters()
        self.optimizer = nn.SGD(self.params, lr=1.0)
        self.step = 0

    def forward(self) -> Any:
        from nn import losses

        scores = [self.net(x) for x in self.X]
        data_loss = losses.mean_loss([losses.binary_hinge(s, yi) for s, yi in zip(scores, self.y)])
        return data_loss + losses.l2(self.params, L2_ALPHA)

    def finish(self, loss: Any) -> float:
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.lr = learning_rate(self.step)
        self.optimizer.step()
        self.step += 1
        return loss.data


class NnSoftmax(LabSoftmax):
    def forward(self) -> Any:
        from autograd import Value
        from nn import losses

        self.logits = []
        per_row = []
        for row, target in softmax_logits():
            z = [Value(v) for v in row]
            self.logits.append(z)
            per_row.append(losses.cross_entropy(z, target))
        return losses.mean_loss(per_row)


# ---------------------------------------------------------------------------
# micrograd 0.1.0
# ---------------------------------------------------------------------------


class MicrogradTraining:
    """micrograd's demo.ipynb step, with its own nn.MLP and Python's sum."""

    def __init__(self) -> None:
        from micrograd.nn import MLP

        self.X, self.y = make_moons(MOONS_SAMPLES)
        random.seed(SEED)
        self.net = MLP(MLP_SIZES[0], MLP_SIZES[1:])
        self.params = self.net.parameters()
        self.step = 0

    def forward(self) -> Any:
        from micrograd.engine import Value

        inputs = [list(map(Value, row)) for row in self.X]
        scores = list(map(self.net, inputs))
        losses = [(1 + -yi * score).relu() for yi, score in zip(self.y, scores)]
        data_loss = sum(losses) * (1.0 / len(losses))
        reg_loss = L2_ALPHA * sum(p * p for p in self.params)
        return data_loss + reg_loss

    def finish(self, loss: Any) -> float:
        self.net.zero_grad()
        loss.backward()
        lr = learning_rate(self.step)
        for p in self.params:
            p.data -= lr * p.grad
        self.step += 1
        return loss.data

    parents = staticmethod(micrograd_parents)


class MicrogradChain(LabChain):
    def __init__(self) -> None:
        from micrograd.engine import Value

        self.x = Value(1.0)
        self.a = Value(chain_multiplier())

    parents = staticmethod(micrograd_parents)


class MicrogradSumOfProducts:
    """Python's left-fold sum, as micrograd's Neuron does it."""

    def forward(self) -> Any:
        from micrograd.engine import Value

        rng = random.Random(SEED)
        self.xs = [Value(rng.uniform(-1, 1)) for _ in range(SUM_TERMS)]
        self.ws = [Value(rng.uniform(-1, 1)) for _ in range(SUM_TERMS)]
        return sum(x * w for x, w in zip(self.xs, self.ws))

    finish = LabSumOfProducts.finish
    parents = staticmethod(micrograd_parents)


def add_exp_log_to_micrograd() -> None:
    """micrograd 0.1.0 has no exp or log: add both in its own closure style."""
    from micrograd.engine import Value

    if hasattr(Value, "exp"):
        return

    def exp(self: Any) -> Any:
        out = Value(math.exp(self.data), (self,), "exp")

        def _backward() -> None:
            self.grad += out.data * out.grad
        out._backward = _backward
        return out

    def log(self: Any) -> Any:
        out = Value(math.log(self.data), (self,), "log")

        def _backward() -> None:
            self.grad += (1 / self.data) * out.grad
        out._backward = _backward
        return out

    Value.exp = exp
    Value.log = log


class MicrogradSoftmax:
    """log Σ_j exp(z_j - m) + m - z_y with m = max z, Python's sum, exp/log added."""

    def forward(self) -> Any:
        from micrograd.engine import Value

        add_exp_log_to_micrograd()
        self.logits = []
        losses = []
        for row, target in softmax_logits():
            z = [Value(v) for v in row]
            self.logits.append(z)
            m = max(row)
            losses.append(sum((zj - m).exp() for zj in z).log() + m - z[target])
        return sum(losses) * (1.0 / len(losses))

    finish = LabSoftmax.finish
    parents = staticmethod(micrograd_parents)


# ---------------------------------------------------------------------------
# PyTorch, 0-d tensors (runs only where torch is installed)
# ---------------------------------------------------------------------------


def _scalar(x: float, requires_grad: bool = True) -> Any:
    import torch

    return torch.tensor(float(x), dtype=torch.float64, requires_grad=requires_grad)


class TorchTraining:
    def __init__(self) -> None:
        self.X, self.y = make_moons(MOONS_SAMPLES)
        random.seed(SEED)
        self.layers = []
        for nin, nout in zip(MLP_SIZES, MLP_SIZES[1:]):
            self.layers.append([([_scalar(random.uniform(-1, 1)) for _ in range(nin)],
                                 _scalar(0.0)) for _ in range(nout)])
        self.params = [p for layer in self.layers for w, b in layer for p in (*w, b)]
        self.step = 0

    def forward(self) -> Any:
        last = len(self.layers) - 1
        losses = []
        for row, yi in zip(self.X, self.y):
            x = [_scalar(v, requires_grad=False) for v in row]
            for i, layer in enumerate(self.layers):
                x = [sum((wi * xi for wi, xi in zip(w, x)), b) for w, b in layer]
                if i < last:
                    x = [a.relu() for a in x]
            losses.append((1 - yi * x[0]).relu())
        data_loss = sum(losses) * (1.0 / len(losses))
        return data_loss + L2_ALPHA * sum(p * p for p in self.params)

    def finish(self, loss: Any) -> float:
        import torch

        for p in self.params:
            p.grad = None
        loss.backward()
        lr = learning_rate(self.step)
        with torch.no_grad():
            for p in self.params:
                p -= lr * p.grad
        self.step += 1
        return float(loss)

    parents = None  # torch's graph is not made of Python objects: no node count


class TorchChain:
    def __init__(self) -> None:
        self.x = _scalar(1.0)
        self.a = _scalar(chain_multiplier())

    forward = LabChain.forward

    def finish(self, y: Any) -> float:
        self.x.grad = None  # torch accumulates into .grad, as we do
        y.backward()
        return float(self.x.grad)

    parents = None


class TorchSumOfProducts:
    def forward(self) -> Any:
        rng = random.Random(SEED)
        self.xs = [_scalar(rng.uniform(-1, 1)) for _ in range(SUM_TERMS)]
        self.ws = [_scalar(rng.uniform(-1, 1)) for _ in range(SUM_TERMS)]
        return sum(x * w for x, w in zip(self.xs, self.ws))

    def finish(self, total: Any) -> float:
        total.backward()
        return float(total) + float(self.ws[-1].grad)

    parents = None


class TorchSoftmax:
    def forward(self) -> Any:
        import torch

        self.logits = []
        losses = []
        for row, target in softmax_logits():
            z = [_scalar(v) for v in row]
            self.logits.append(z)
            losses.append(torch.logsumexp(torch.stack(z), dim=0) - z[target])
        return sum(losses) * (1.0 / len(losses))

    def finish(self, loss: Any) -> float:
        loss.backward()
        return float(loss) + float(self.logits[0][0].grad)

    parents = None


# ---------------------------------------------------------------------------
# Learner code: the same lines for every engine, written with binary operators
# the way a learner writes them (no `sum`/`dot`/`logsumexp` nodes)
# ---------------------------------------------------------------------------


def _engine_value(engine: str) -> Any:
    """The scalar type of an engine, and whether it is torch."""
    if engine == "micrograd":
        add_exp_log_to_micrograd()
        from micrograd.engine import Value as MicroValue

        return MicroValue
    if engine == "torch":
        return _scalar
    if engine == "micrograd-rust":
        from micrograd_rust import Value as RustValue

        return RustValue
    from autograd import Value

    return Value


def _number(x: Any) -> float:
    """A scalar's number, for every engine (torch tensors have no .data float)."""
    return float(x) if not hasattr(x, "data") or not isinstance(x.data, float) else x.data


def _grad(x: Any) -> float:
    return float(x.grad)


class LearnerFold:
    """Σ_i x_i · w_i written as ``sum(x * w for x, w in zip(xs, ws))``: Python's left fold
    of binary ``+`` over binary ``*`` nodes (about 3 nodes per term, 20,000 deep)."""

    engine = "backprop-lab"

    def forward(self) -> Any:
        make = _engine_value(self.engine)
        rng = random.Random(SEED)
        self.xs = [make(rng.uniform(-1, 1)) for _ in range(SUM_TERMS)]
        self.ws = [make(rng.uniform(-1, 1)) for _ in range(SUM_TERMS)]
        return sum(x * w for x, w in zip(self.xs, self.ws))

    def finish(self, total: Any) -> float:
        total.backward()
        return _number(total) + _grad(self.ws[-1])  # the sum, plus dΣ/dw_last = x_last

    parents: Any = staticmethod(lab_parents)  # None in subclasses: no node count


class LearnerSoftmax:
    """Mean softmax cross-entropy over 200 rows of 10 logits, from binary ops, exp and log:
    ``log(Σ_j exp(z_j - m)) + m - z_y`` with m = max z (the max trick) and Python's sum."""

    engine = "backprop-lab"

    def forward(self) -> Any:
        make = _engine_value(self.engine)
        self.logits = []
        losses = []
        for row, target in softmax_logits():
            z = [make(v) for v in row]
            self.logits.append(z)
            m = max(row)
            losses.append(sum((zj - m).exp() for zj in z).log() + m - z[target])
        return sum(losses) * (1.0 / len(losses))

    def finish(self, loss: Any) -> float:
        loss.backward()
        return _number(loss) + _grad(self.logits[0][0])

    parents: Any = staticmethod(lab_parents)  # None in subclasses: no node count


class MicrogradLearnerFold(LearnerFold):
    engine = "micrograd"
    parents = staticmethod(micrograd_parents)


class MicrogradLearnerSoftmax(LearnerSoftmax):
    engine = "micrograd"
    parents = staticmethod(micrograd_parents)


class TorchLearnerFold(LearnerFold):
    engine = "torch"
    parents = None


class TorchLearnerSoftmax(LearnerSoftmax):
    engine = "torch"
    parents = None


# ---------------------------------------------------------------------------
# micrograd-rust 0.1.0 (compiled; runs only where `import micrograd_rust` works)
# ---------------------------------------------------------------------------
#
# Its Value has + - * / ** tanh exp and backward, but no relu or log, and its operators
# take a float only on the left (``2.0 * v`` and ``1 + v`` work, ``v + 2.0`` raises
# TypeError). The workloads below are micrograd's, written for it with the constants on
# the left (same numbers: float + and * commute exactly) and relu and log emulated with
# exact values and gradients from the ops it has. Its parents are not visible from Python
# and its nodes live on the Rust heap, invisible to tracemalloc: no node count, no bytes/node.
# It never frees a graph (each node's backward closure holds its own node: an Rc cycle),
# so its steps pay nothing for dropping the graph, where the other engines' do.


def rust_relu(v: Any) -> Any:
    """relu(v) as the product of v with a 0/1 constant taken from its data.

    Exact: the value is v (times 1.0) or 0.0, the gradient reaching v is the upstream
    gradient times 1.0 or 0.0, as micrograd's relu (``(out.data > 0) * out.grad``). The
    graph keeps every node behind a dead relu, so backward visits as many nodes as
    micrograd's; it costs one constant leaf and one product where micrograd has one node.
    """
    return (1.0 if v.data > 0 else 0.0) * v


def rust_log(v: Any) -> Any:
    """log(v) as ``log(x) + (1/x) · (v - x)`` with the float x = v.data.

    Exact: ``-x + v`` is exactly 0.0 (x is v's own data), so the value is the float
    log(x) itself; the gradient reaching v is ``(1/x) · upstream``, micrograd's
    ``(1 / self.data) * out.grad``. Three nodes (an add, a product, an add) and their
    three constants where micrograd has one node; only first derivatives are right,
    which is all backward needs.
    """
    x = v.data
    return math.log(x) + (1.0 / x) * (-x + v)


class RustTraining:
    """micrograd's demo step as micrograd's nn.MLP computes it: each neuron
    ``sum((wi*xi ...), b)``, relu on the hidden layers; constants on the left."""

    def __init__(self) -> None:
        from micrograd_rust import Value

        self.X, self.y = make_moons(MOONS_SAMPLES)
        random.seed(SEED)  # same draws, same order as micrograd's MLP
        self.layers = [[([Value(random.uniform(-1, 1)) for _ in range(nin)], Value(0.0))
                        for _ in range(nout)]
                       for nin, nout in zip(MLP_SIZES, MLP_SIZES[1:])]
        self.params = [p for layer in self.layers for w, b in layer for p in (*w, b)]
        self.step = 0

    def model(self, x: list[Any]) -> Any:
        last = len(self.layers) - 1
        for i, layer in enumerate(self.layers):
            x = [sum((wi * xi for wi, xi in zip(w, x)), b) for w, b in layer]
            if i < last:
                x = [rust_relu(a) for a in x]
        return x[0]

    def forward(self) -> Any:
        from micrograd_rust import Value

        scores = [self.model([Value(a), Value(b)]) for a, b in self.X]
        losses = [rust_relu(1 + -yi * score) for yi, score in zip(self.y, scores)]
        data_loss = (1.0 / len(losses)) * sum(losses)
        reg_loss = L2_ALPHA * sum(p * p for p in self.params)
        return data_loss + reg_loss

    finish = LabTraining.finish  # zero the parameters' grads, backward, SGD: the same

    parents = None


class RustChain(LabChain):
    """The million-node chain; its backward recurses in Rust (run with a large stack)."""

    def __init__(self) -> None:
        from micrograd_rust import Value

        self.x = Value(1.0)
        self.a = Value(chain_multiplier())

    parents = None


class RustLearnerFold(LearnerFold):
    """The left fold as is: ``sum`` starts from ``0 + x·w``, a constant on the left."""

    engine = "micrograd-rust"
    parents = None


class RustLearnerSoftmax(LearnerSoftmax):
    """micrograd's softmax cross-entropy with the constants on the left and `rust_log`."""

    engine = "micrograd-rust"

    def forward(self) -> Any:
        make = _engine_value(self.engine)
        self.logits = []
        losses = []
        for row, target in softmax_logits():
            z = [make(v) for v in row]
            self.logits.append(z)
            m = max(row)
            losses.append(m + rust_log(sum((-m + zj).exp() for zj in z)) - z[target])
        return (1.0 / len(losses)) * sum(losses)

    parents = None


# ---------------------------------------------------------------------------
# The registry run.py and measure.py use
# ---------------------------------------------------------------------------

WORKLOADS: dict[str, str] = {
    "training": "micrograd demo step: MLP 2-16-16-1, 100 moons, hinge + L2, backward, SGD",
    "chain": f"{CHAIN_NODES:,}-node chain y = y·a, forward + backward",
    "sum": f"sum of {SUM_TERMS:,} products x_i·w_i, forward + backward",
    "softmax": f"softmax cross-entropy, {SOFTMAX_CLASSES} logits × {SOFTMAX_SAMPLES} rows",
    "fold": f"sum of {SUM_TERMS:,} products as a learner writes it: Python's sum of binary "
            "+ over binary *",
    "softmax-ops": f"softmax cross-entropy, {SOFTMAX_CLASSES} logits × {SOFTMAX_SAMPLES} rows, "
                   "from binary ops, exp and log (Python's sum)",
}
ENGINES = ["backprop-lab", "backprop-lab nn", "micrograd", "micrograd, default limit",
           "micrograd-rust", "torch"]
ENGINE_MODULES = {"backprop-lab": "autograd", "backprop-lab nn": "nn",
                  "micrograd": "micrograd", "micrograd, default limit": "micrograd",
                  "micrograd-rust": "micrograd_rust", "torch": "torch"}
#: This project's engines: the ones `compare.py --also` can take from another checkout.
OUR_ENGINES = ("backprop-lab", "backprop-lab nn")
#: Engines that only run where installed (the rest are the project's own or its "bench" extra).
OPTIONAL_ENGINES = {"micrograd-rust": "build it with ../shared/tools/build_micrograd_rust.sh "
                                      ".venv/bin/python",
                    "torch": "see docs/pytorch.md"}
#: micrograd's backward recurses once per level of the graph. "micrograd" runs with
#: the recursion limit raised (and a large thread stack) so that it completes where it
#: can; "micrograd, default limit" shows what a learner gets with Python's default.
RAISED_LIMIT_ENGINES = {"micrograd"}
#: Engines run in a thread with a large stack: micrograd with the limit raised, and
#: micrograd-rust, whose topological sort recurses in Rust (the chain is 1,000,000 deep).
LARGE_STACK_ENGINES = {"micrograd", "micrograd-rust"}

FACTORIES: dict[tuple[str, str], Callable[[], Any]] = {
    ("training", "backprop-lab"): LabTraining,
    ("training", "backprop-lab nn"): NnTraining,
    ("training", "micrograd"): MicrogradTraining,
    ("training", "torch"): TorchTraining,
    ("chain", "backprop-lab"): LabChain,
    # ("chain", "micrograd") is left out: with the limit raised, micrograd's 1,000,000-deep
    # recursion gave no result within 900 s of CPU time (2026-11-24), so only its
    # RecursionError at the default limit is shown.
    ("chain", "torch"): TorchChain,
    ("sum", "backprop-lab"): LabSumOfProducts,
    ("sum", "micrograd"): MicrogradSumOfProducts,
    ("sum", "torch"): TorchSumOfProducts,
    ("softmax", "backprop-lab"): LabSoftmax,
    ("softmax", "backprop-lab nn"): NnSoftmax,
    ("softmax", "micrograd"): MicrogradSoftmax,
    ("softmax", "torch"): TorchSoftmax,
    ("fold", "backprop-lab"): LearnerFold,
    ("fold", "micrograd"): MicrogradLearnerFold,
    ("fold", "micrograd, default limit"): MicrogradLearnerFold,
    ("fold", "torch"): TorchLearnerFold,
    ("softmax-ops", "backprop-lab"): LearnerSoftmax,
    ("softmax-ops", "micrograd"): MicrogradLearnerSoftmax,
    ("softmax-ops", "torch"): TorchLearnerSoftmax,
    ("sum", "micrograd, default limit"): MicrogradSumOfProducts,
    ("chain", "micrograd, default limit"): MicrogradChain,
    # micrograd-rust has no one-node sum or logsumexp: like micrograd's, its "sum" and
    # "softmax" rows are the learner's fold and softmax from binary ops.
    ("training", "micrograd-rust"): RustTraining,
    ("chain", "micrograd-rust"): RustChain,
    ("sum", "micrograd-rust"): RustLearnerFold,
    ("softmax", "micrograd-rust"): RustLearnerSoftmax,
    ("fold", "micrograd-rust"): RustLearnerFold,
    ("softmax-ops", "micrograd-rust"): RustLearnerSoftmax,
}

#: The exact answer where one is known in closed form (the others are compared
#: across engines).
EXPECTED: dict[str, float] = {"chain": chain_multiplier() ** (CHAIN_NODES - 2)}
