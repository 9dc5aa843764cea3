"""Optimizers: updates against their formulas, no graph built, argument checks."""

from __future__ import annotations

import math

import pytest

from autograd import Value
from nn.optim import SGD, Adam, LinearDecay


def params_with_grads(data: list[float], grads: list[float]) -> list[Value]:
    params = [Value(x) for x in data]
    for p, g in zip(params, grads):
        p.grad = g
    return params


def test_plain_sgd_step() -> None:
    params = params_with_grads([1.0, -2.0], [0.5, -4.0])
    SGD(params, lr=0.1).step()
    assert [p.data for p in params] == pytest.approx([1.0 - 0.05, -2.0 + 0.4])
    assert all(p.is_leaf for p in params)  # updates touch .data only


def test_sgd_momentum_and_weight_decay_follow_the_formula() -> None:
    w = Value(2.0)
    opt = SGD([w], lr=0.1, momentum=0.9, weight_decay=0.01)
    v, data = 0.0, 2.0
    for g in [1.0, 1.0, -0.5]:
        w.grad = g
        opt.step()
        v = 0.9 * v + (g + 0.01 * data)
        data -= 0.1 * v
        assert w.data == pytest.approx(data)


def test_adam_follows_the_formula() -> None:
    w = Value(1.0)
    opt = Adam([w], lr=0.01, betas=(0.8, 0.9), eps=1e-8)
    m = v = 0.0
    data = 1.0
    for t, g in enumerate([0.3, -0.1, 0.2], start=1):
        w.grad = g
        opt.step()
        m = 0.8 * m + 0.2 * g
        v = 0.9 * v + 0.1 * g * g
        data -= 0.01 * (m / (1 - 0.8**t)) / (math.sqrt(v / (1 - 0.9**t)) + 1e-8)
        assert w.data == pytest.approx(data)


def test_adam_first_step_moves_by_lr() -> None:
    w = Value(0.0)
    w.grad = 123.0
    Adam([w], lr=0.05).step()
    assert w.data == pytest.approx(-0.05, rel=1e-6)  # m̂/√v̂ = sign(g) on step 1


def test_optimizers_minimise_a_quadratic() -> None:
    for make in (lambda p: SGD(p, lr=0.1, momentum=0.5), lambda p: Adam(p, lr=0.1)):
        x = Value(5.0)
        opt = make([x])
        for _ in range(300):
            opt.zero_grad()
            ((x - 3.0) ** 2).backward()
            opt.step()
        assert x.data == pytest.approx(3.0, abs=1e-3)


def test_zero_grad() -> None:
    params = params_with_grads([1.0, 2.0], [3.0, 4.0])
    SGD(params, lr=1.0).zero_grad()
    assert [p.grad for p in params] == [0.0, 0.0]


def test_lr_is_settable_and_checked() -> None:
    opt = SGD([Value(1.0)], lr=0.5)
    opt.lr = 0.25
    assert opt.lr == 0.25
    with pytest.raises(ValueError, match="lr must be > 0"):
        opt.lr = 0.0
    assert opt.lr == 0.25


def test_linear_decay_is_micrograds_schedule() -> None:
    schedule = LinearDecay(1.0, 0.1, 100)
    for k in (0, 1, 37, 99):
        assert schedule(k) == pytest.approx(1.0 - 0.9 * k / 100)
    assert schedule(500) == pytest.approx(0.1)


@pytest.mark.parametrize("make, error, words", [
    (lambda p: SGD(p, lr=-1.0), ValueError, "lr must be > 0"),
    (lambda p: SGD(p, lr=float("nan")), ValueError, "finite"),
    (lambda p: SGD(p, lr="0.1"), TypeError, "lr must be a real number, got str '0.1'"),
    (lambda p: SGD(p, lr=0.1, momentum=1.0), ValueError, "momentum"),
    (lambda p: SGD(p, lr=0.1, weight_decay=-0.1), ValueError, "weight_decay"),
    (lambda p: Adam(p, betas=(0.9,)), TypeError, "betas"),
    (lambda p: Adam(p, betas=(0.9, 1.5)), ValueError, "betas\\[1\\]"),
    (lambda p: Adam(p, eps=0.0), ValueError, "eps"),
    (lambda p: SGD([], lr=0.1), ValueError, "empty"),
    (lambda p: SGD([1.0], lr=0.1), TypeError, "Values"),
])
def test_bad_arguments(make, error, words) -> None:
    with pytest.raises(error, match=words):
        make([Value(1.0)])


def test_optimizers_take_a_model_as_well_as_its_parameters() -> None:
    from nn.module import MLP

    model = MLP(2, [3, 1], seed=0)
    for make in (lambda m: SGD(m, lr=0.1), lambda m: Adam(m, lr=0.01)):
        opt = make(model)
        assert opt.params == model.parameters()
        assert all(a is b for a, b in zip(opt.params, model.parameters()))
    before = model.state_dict()
    model([1.0, -1.0]).backward()
    SGD(model, lr=0.5).step()
    after = model.state_dict()
    for name, p in model.named_parameters():
        assert after[name] == pytest.approx(before[name] - 0.5 * p.grad)


@pytest.mark.parametrize("make", [lambda ps: SGD(ps, lr=0.1, momentum=0.9),
                                  lambda ps: Adam(ps, lr=0.1)])
def test_a_grad_of_none_counts_as_zero(make) -> None:
    # PyTorch's set_to_none habit: a parameter without a gradient is not moved
    w, v = Value(1.0), Value(2.0)
    w.grad, v.grad = None, 0.5
    make([w, v]).step()
    assert w.data == 1.0 and v.data < 2.0


def test_an_update_that_is_not_finite_changes_nothing_and_names_the_parameter() -> None:
    w, v = Value(1.0, label="w"), Value(-1e308, label="v")
    w.grad, v.grad = 1.0, 1e308
    with pytest.raises(FloatingPointError,
                       match="parameter 2 \\(v\\) -inf; nothing was changed: lower the learning"):
        SGD([w, v], lr=1e10).step()
    assert (w.data, v.data) == (1.0, -1e308)  # nothing was written
