"""fit, accuracy and plots on small data sets (each run takes well under a second)."""

from __future__ import annotations

import pytest

import nn
from autograd import Value
from nn.data import make_blobs, make_moons
from nn.module import MLP
from nn.optim import SGD, Adam, LinearDecay
from nn.train import accuracy, fit, plot_decision_boundary, plot_history, predict


def train_moons(seed: int = 0) -> tuple[MLP, nn.History, list, list]:
    X, y = make_moons(40, noise=0.1, seed=1)
    model = MLP(2, [8, 8, 1], seed=seed)
    history = fit(model, X, y, loss="hinge", optimizer=SGD(model.parameters(), lr=1.0),
                  epochs=60, l2=1e-4, lr_schedule=LinearDecay(1.0, 0.1, 60), progress=False)
    return model, history, X, y


def test_short_moons_run_lowers_the_loss_and_classifies_well() -> None:
    model, history, X, y = train_moons()
    assert len(history) == 60 and len(history.accuracies) == 60
    assert history.losses[-1] < 0.2 * history.losses[0]
    assert accuracy(model, X, y) >= 0.95
    assert history.lrs[0] == 1.0 and history.lrs[-1] == pytest.approx(1.0 - 0.9 * 59 / 60)


def test_training_is_deterministic() -> None:
    X, y = make_moons(30, seed=1)

    def run(seed: int) -> tuple[MLP, nn.History]:
        model = MLP(2, [6, 1], seed=seed)
        history = fit(model, X, y, optimizer=SGD(model.parameters(), lr=0.2), epochs=5,
                      batch_size=8, seed=seed, progress=False)
        return model, history

    (first, history1), (second, history2) = run(1), run(1)
    assert history1.losses == history2.losses
    assert first.state_dict() == second.state_dict()
    assert run(2)[1].losses != history1.losses


def test_full_batch_step_is_the_hand_written_loop() -> None:
    X, y = make_moons(10, seed=2)
    model_a, model_b = MLP(2, [4, 1], seed=5), MLP(2, [4, 1], seed=5)
    fit(model_a, X, y, loss="hinge", optimizer=SGD(model_a.parameters(), lr=0.3),
        epochs=2, l2=0.01, progress=False)
    params = model_b.parameters()
    for _ in range(2):  # the lecture's loop, written out with plain arithmetic on Values
        losses = [(1 - (2 * label - 1) * model_b(x)).relu() for x, label in zip(X, y)]
        loss = sum(losses) * (1 / len(losses)) + 0.01 * sum(p * p for p in params)
        for p in params:
            p.grad = 0.0
        loss.backward()
        for p in params:
            p.data -= 0.3 * p.grad
    assert model_a.state_dict() == pytest.approx(model_b.state_dict())


def test_minibatch_cross_entropy_with_adam_on_blobs() -> None:
    X, y = make_blobs(90, n_classes=3, seed=0)
    model = MLP(2, [8, 3], seed=0)
    history = fit(model, X, y, loss="cross_entropy", optimizer=Adam(model.parameters(), lr=0.05),
                  epochs=15, batch_size=16, progress=False)
    assert history.losses[-1] < history.losses[0]
    assert accuracy(model, X, y) >= 0.9


@pytest.mark.parametrize("loss", ["hinge", "mse"])
def test_multiclass_hinge_and_mse_train(loss) -> None:
    X, y = make_blobs(60, n_classes=3, seed=1)
    model = MLP(2, [8, 3], seed=1)
    history = fit(model, X, y, loss=loss, optimizer=SGD(model.parameters(), lr=0.05,
                  momentum=0.9), epochs=20, progress=False)
    assert history.losses[-1] < history.losses[0]
    assert accuracy(model, X, y) >= 0.85


def test_custom_loss_callable_and_callback() -> None:
    X, y = make_moons(20, seed=0)
    model = MLP(2, [4, 1], seed=0)
    seen = []

    def squared_margin(output: Value, label: int) -> Value:
        return (1 - (2 * label - 1) * output).relu() ** 2

    fit(model, X, y, loss=squared_margin, epochs=3, progress=False,
        callback=lambda epoch, history: seen.append((epoch, len(history))))
    assert seen == [(0, 1), (1, 2), (2, 3)]


def test_progress_bar_shows_loss_and_accuracy(capsys) -> None:
    X, y = make_moons(10, seed=0)
    fit(MLP(2, [4, 1], seed=0), X, y, epochs=2, progress=True)
    err = capsys.readouterr().err
    assert "loss=" in err and "acc=" in err


def test_predict_and_accuracy_conventions() -> None:
    assert predict(Value(0.3)) == 1 and predict(Value(-0.1)) == 0
    assert predict([Value(0.1), Value(2.0), Value(-1.0)]) == 1
    model = MLP(1, [1], seed=0)
    model.layers[0].neurons[0].w[0].data = 1.0  # score = x
    assert accuracy(model, [[1.0], [-1.0], [2.0]], [1, 0, 0]) == pytest.approx(2 / 3)
    assert accuracy(model, [[1.0], [-1.0]], [1, -1]) == 1.0


@pytest.mark.parametrize("kwargs, error, words", [
    ({"loss": "softmax"}, ValueError, "unknown loss 'softmax'"),
    ({"loss": 3}, TypeError, "loss"),
    ({"epochs": 0}, ValueError, "epochs"),
    ({"batch_size": 0}, ValueError, "batch_size"),
    ({"l2": -1.0}, ValueError, "l2"),
    ({"loss": "cross_entropy"}, ValueError, "at least 2 outputs"),
])
def test_bad_fit_arguments_change_nothing(kwargs, error, words) -> None:
    X, y = make_moons(10, seed=0)
    model = MLP(2, [3, 1], seed=0)
    before = model.state_dict()
    with pytest.raises(error, match=words):
        fit(model, X, y, progress=False, **kwargs)
    assert model.state_dict() == before


def test_labels_must_match_samples() -> None:
    with pytest.raises(ValueError, match="3 samples but 2 labels"):
        fit(MLP(2, [1]), [[0, 0]] * 3, [0, 1], progress=False)


def test_plots_are_png_files(tmp_path) -> None:
    X, y = make_moons(20, seed=0)
    model = MLP(2, [4, 1], seed=0)
    history = fit(model, X, y, epochs=3, progress=False)
    plot_decision_boundary(model, X, y, tmp_path / "boundary.png", resolution=20)
    plot_history(history, tmp_path / "history.png")
    for name in ("boundary.png", "history.png"):
        assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(ValueError, match="2-D"):
        plot_decision_boundary(MLP(3, [1]), [[0.0, 0.0, 0.0]], [0], tmp_path / "x.png")
    with pytest.raises(ValueError, match="empty"):
        plot_history(nn.History(), tmp_path / "y.png")
