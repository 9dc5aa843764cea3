"""fit, accuracy and plots on small data sets (each run takes well under a second)."""

from __future__ import annotations

import math
import re

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
    ({"record_every": 0}, ValueError, "record_every"),
    ({"record_every": 2.5}, TypeError, "record_every"),
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


# ---------------------------------------------------------------------------
# Labels are checked before training (issue 12, item 7)
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("loss", ["mse", "hinge", "cross_entropy"])
def test_non_integer_labels_are_refused_for_a_multiclass_model(loss) -> None:
    X, y = make_blobs(30, n_classes=3, seed=0)
    y = [*y[:-1], 1.5]
    model = MLP(2, [4, 3], seed=0)
    before = model.state_dict()
    with pytest.raises(TypeError, match=r"target must be a class index \(int\), got float 1.5"):
        fit(model, X, y, loss=loss, epochs=2, progress=False)
    assert model.state_dict() == before


def test_a_bad_label_late_in_the_data_is_refused_before_any_update() -> None:
    X, y = make_blobs(60, n_classes=3, seed=0)
    y = [*y[:-1], 3]  # out of range for 3 classes, in the last minibatch
    model = MLP(2, [4, 3], seed=0)
    before = model.state_dict()
    with pytest.raises(ValueError, match="mse: target 3 is out of range for 3 classes"):
        fit(model, X, y, loss="mse", batch_size=4, seed=0, epochs=1, progress=False)
    assert model.state_dict() == before


@pytest.mark.parametrize("label", [0.5, True, "1"])
def test_one_output_models_need_labels_0_1_or_minus_1(label) -> None:
    X, y = make_moons(10, seed=0)
    with pytest.raises(ValueError, match="labels 0/1 or -1/\\+1"):
        fit(MLP(2, [3, 1], seed=0), X, [*y[:-1], label], loss="mse", progress=False)


# ---------------------------------------------------------------------------
# History: measured after each epoch's update (issue 12, item 30)
# ---------------------------------------------------------------------------


def test_history_records_loss_and_accuracy_after_each_epoch() -> None:
    X, y = make_moons(40, noise=0.1, seed=1)
    model = MLP(2, [8, 1], seed=0)
    measured = []

    def at_end_of_epoch(epoch: int, history: nn.History) -> None:
        hand_loss = sum(max(0.0, 1 - (2 * label - 1) * model(x).data)
                        for x, label in zip(X, y)) / len(X)
        hand_loss += 1e-3 * sum(p.data ** 2 for p in model.parameters())
        measured.append((accuracy(model, X, y), hand_loss))

    history = fit(model, X, y, optimizer=SGD(model, lr=0.5), epochs=12, l2=1e-3,
                  progress=False, callback=at_end_of_epoch)
    assert history.accuracies == [a for a, _ in measured]
    assert history.losses == pytest.approx([loss for _, loss in measured], rel=1e-12)
    assert history.accuracies[-1] == accuracy(model, X, y)
    assert len(set(history.accuracies)) > 1  # the run moves, so before/after would differ
    assert history.test_losses == [] and history.test_accuracies == []


def test_history_measures_a_held_out_set() -> None:
    X, y = make_blobs(60, n_classes=3, seed=0)
    X_test, y_test = make_blobs(30, n_classes=3, seed=9)
    model = MLP(2, [6, 3], seed=0)
    seen = []
    history = fit(model, X, y, loss="cross_entropy", optimizer=nn.Adam(model, lr=0.05),
                  epochs=4, batch_size=16, progress=False, X_test=X_test, y_test=y_test,
                  callback=lambda epoch, h: seen.append(accuracy(model, X_test, y_test)))
    assert history.test_accuracies == seen and len(history.test_losses) == 4
    final = [nn.losses.cross_entropy([v.data for v in model(x)], label)
             for x, label in zip(X_test, y_test)]
    assert history.test_losses[-1] == pytest.approx(sum(final) / len(final), rel=1e-12)
    with pytest.raises(ValueError, match="both X_test and y_test"):
        fit(model, X, y, X_test=X_test, progress=False)
    with pytest.raises(ValueError, match="30 samples but 29 labels in X_test"):
        fit(model, X, y, X_test=X_test, y_test=y_test[:-1], progress=False)


def test_snapshots_every_k_epochs_after_the_last_and_before_training() -> None:
    X, y = make_moons(30, noise=0.1, seed=1)
    X_test, y_test = make_moons(12, noise=0.1, seed=2)
    model = MLP(2, [6, 1], seed=3)
    initial = model.state_dict()
    history = fit(model, X, y, optimizer=SGD(model, lr=0.5), epochs=7, l2=1e-3,
                  record_every=3, progress=False, X_test=X_test, y_test=y_test)
    assert [epoch for epoch, _ in history.snapshots] == [0, 3, 6, 7]
    assert history.snapshots[0][1] == initial
    assert history.snapshots[-1][1] == model.state_dict()
    again = MLP(2, [6, 1], seed=99)  # other weights: each snapshot must bring its own
    for epoch, state in history.snapshots[1:]:
        again.load_state_dict(state)
        assert accuracy(again, X, y) == history.accuracies[epoch - 1]
        assert accuracy(again, X_test, y_test) == history.test_accuracies[epoch - 1]
        hinge = sum(max(0.0, 1 - (2 * label - 1) * again(x).data)
                    for x, label in zip(X, y)) / len(X)
        l2 = 1e-3 * sum(w ** 2 for w in state.values())
        assert history.losses[epoch - 1] == pytest.approx(hinge + l2, rel=1e-12)
    assert len({tuple(state.values()) for _, state in history.snapshots}) == 4  # copies
    assert (history.loss, history.l2, history.steps_per_epoch) == ("hinge", 1e-3, 1)


def test_snapshots_are_only_kept_when_asked_and_batches_count_steps() -> None:
    X, y = make_moons(20, seed=0)
    model = MLP(2, [3, 1], seed=0)
    assert fit(model, X, y, epochs=2, progress=False).snapshots == []
    history = fit(model, X, y, epochs=2, batch_size=8, record_every=5, progress=False)
    assert [epoch for epoch, _ in history.snapshots] == [0, 2]  # the last, though 2 < 5
    assert history.steps_per_epoch == 3  # batches of 8, 8 and 4


def test_progress_bar_prints_the_numbers_the_history_keeps(capsys) -> None:
    X, y = make_moons(20, seed=0)
    model = MLP(2, [4, 1], seed=0)
    history = fit(model, X, y, epochs=3, progress=True, X_test=X[:5], y_test=y[:5])
    err = capsys.readouterr().err
    assert f"loss={history.losses[-1]:.4f}" in err
    assert f"acc={100 * history.accuracies[-1]:.1f}%" in err
    assert f"test_acc={100 * history.test_accuracies[-1]:.1f}%" in err


# ---------------------------------------------------------------------------
# Parameters stay finite (issue 12, item 2)
# ---------------------------------------------------------------------------


def test_an_update_that_makes_a_parameter_infinite_stops_training() -> None:
    model = MLP(1, [1], seed=0)
    model.layers[0].neurons[0].w[0].data = 0.0  # score 0, target 1: d(mse)/dw = -2
    before = model.state_dict()
    with pytest.raises(FloatingPointError,
                       match=r"in epoch 1: the update would make parameter 1 "
                             r"\(layer1.neuron0.w0\) inf"):
        fit(model, [[1.0]], [1], loss="mse", optimizer=SGD(model.parameters(), lr=1e308),
            epochs=1, progress=False)
    assert model.state_dict() == before  # the weights from before that step


# ---------------------------------------------------------------------------
# Plots: argument checks (issue 12, item 26)
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("resolution, error", [
    (1, ValueError), (0, ValueError), (1001, ValueError), (2.5, TypeError), (True, TypeError),
])
def test_plot_resolution_is_checked(tmp_path, resolution, error) -> None:
    X, y = make_moons(10, seed=0)
    with pytest.raises(error, match="resolution must be an int"):
        plot_decision_boundary(MLP(2, [2, 1]), X, y, tmp_path / "b.png", resolution=resolution)
    assert list(tmp_path.iterdir()) == []
    plot_decision_boundary(MLP(2, [2, 1]), X, y, tmp_path / "b.png", resolution=2)
    assert (tmp_path / "b.png").read_bytes()[:4] == b"\x89PNG"


def test_plots_take_png_svg_or_pdf_and_refuse_other_names(tmp_path) -> None:
    history = nn.History(losses=[1.0, 0.5], accuracies=[0.5, 0.9],
                         test_losses=[1.1, 0.7], test_accuracies=[0.4, 0.8])
    plot_history(history, tmp_path / "h.svg")
    plot_history(history, tmp_path / "h.PDF")
    assert (tmp_path / "h.svg").read_text().count("<svg") == 1
    assert (tmp_path / "h.PDF").read_bytes()[:5] == b"%PDF-"
    for name in ("h", "h.jpeg.txt"):
        with pytest.raises(ValueError, match=r"unknown file type .* use one of .png, .svg, .pdf"):
            plot_history(history, tmp_path / name)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["h.PDF", "h.svg"]


# ---------------------------------------------------------------------------
# Plots a reader can read (issue 14, item 4)
# ---------------------------------------------------------------------------


def test_the_boundary_plot_names_its_axes_classes_and_marks_test_points() -> None:
    from nn.train import _boundary_figure, class_colour

    X, y = make_blobs(24, n_classes=3, seed=0)
    X_test, y_test = make_blobs(9, n_classes=3, seed=5)
    model = MLP(2, [4, 3], seed=0)
    axes = _boundary_figure(model, X, y, 10, None, X_test, y_test).axes[0]
    assert (axes.get_xlabel(), axes.get_ylabel()) == ("x0", "x1")
    legend = [text.get_text() for text in axes.get_legend().get_texts()]
    assert legend == ["class 0", "class 1", "class 2", "training point", "test point"]
    train, test = [c for c in axes.collections if len(c.get_offsets()) in (24, 9)]
    assert [list(p) for p in test.get_offsets()] == [list(p) for p in X_test]
    assert test.get_paths()[0] != train.get_paths()[0]  # another marker (triangles)
    from matplotlib.colors import to_hex
    assert [to_hex(c) for c in test.get_facecolors()] == [class_colour(k) for k in y_test]
    without = _boundary_figure(model, X, y, 10, None, None, None).axes[0]
    assert "test point" not in [t.get_text() for t in without.get_legend().get_texts()]
    with pytest.raises(ValueError, match="both X_test and y_test"):
        _boundary_figure(model, X, y, 10, None, X_test, None)


def test_the_history_plot_says_what_one_epoch_is() -> None:
    from nn.train import _history_figure

    X, y = make_moons(20, seed=0)
    model = MLP(2, [3, 1], seed=0)
    full = fit(model, X, y, epochs=2, progress=False)
    batches = fit(model, X, y, epochs=2, batch_size=8, progress=False)
    by_hand = nn.History(losses=[1.0, 0.5], accuracies=[0.5, 0.9])
    labels = [[axes.get_xlabel() for axes in _history_figure(h).axes]
              for h in (full, batches, by_hand)]
    assert labels == [["epoch (one full-batch step each)"] * 2, ["epoch (3 steps each)"] * 2,
                      ["epoch"] * 2]
    line = _history_figure(full).axes[0].get_lines()[0]
    assert list(line.get_xdata()) == [1, 2] and list(line.get_ydata()) == full.losses


def test_a_one_epoch_history_plot_marks_its_single_point() -> None:
    # issue 24, item 16: a line through one point draws nothing (empty axes)
    from nn.train import _history_figure

    one = nn.History(losses=[0.7], accuracies=[0.5], test_losses=[0.8], test_accuracies=[0.4])
    for axes in _history_figure(one).axes:
        assert all(line.get_marker() not in (None, "None", "") for line in axes.get_lines())
    two = nn.History(losses=[0.7, 0.6], accuracies=[0.5, 0.6])
    assert _history_figure(two).axes[0].get_lines()[0].get_marker() in (None, "None", "")


def test_the_boundary_plot_takes_word_labels_as_fit_counts_them() -> None:
    # issue 24, item 15's rule for plots: int("cat") failed; a label no prediction equals
    # is grey, and 1.5 is not class 1
    from matplotlib.colors import to_hex

    from nn.train import NO_CLASS_COLOUR, _boundary_figure, class_colour

    X = [[0.0, 0.0], [1.0, 1.0], [0.0, 1.0], [1.0, 0.0]]
    model = MLP(2, [3, 2], seed=0)
    axes = _boundary_figure(model, X, ["cat", 1, 1.5, 0], 10, None, None, None).axes[0]
    (points,) = [c for c in axes.collections if len(c.get_offsets()) == 4]
    assert [to_hex(c) for c in points.get_facecolors()] == [
        NO_CLASS_COLOUR, class_colour(1), NO_CLASS_COLOUR, class_colour(0)]


# ---------------------------------------------------------------------------
# numpy arrays are data too; an overflow is divergence (review findings)
# ---------------------------------------------------------------------------


def test_fit_accuracy_and_the_boundary_plot_take_numpy_arrays(tmp_path) -> None:
    np = pytest.importorskip("numpy")
    from nn.train import _boundary_figure

    X, y = make_blobs(24, n_classes=3, seed=0)
    X_test, y_test = make_blobs(9, n_classes=3, seed=5)
    arrays = np.array(X), np.array(y), np.array(X_test), np.array(y_test)
    lists = MLP(2, [4, 3], seed=0)
    fit(lists, X, y, loss="cross_entropy", epochs=3, progress=False, X_test=X_test,
        y_test=y_test)
    model = MLP(2, [4, 3], seed=0)
    fit(model, *arrays[:2], loss="cross_entropy", epochs=3, progress=False,
        X_test=arrays[2], y_test=arrays[3])
    assert model.state_dict() == lists.state_dict()
    assert accuracy(model, *arrays[2:]) == accuracy(lists, X_test, y_test)
    axes = _boundary_figure(model, *arrays[:2], 10, None, *arrays[2:]).axes[0]
    train, test = [c for c in axes.collections if len(c.get_offsets()) in (24, 9)]
    assert [list(p) for p in test.get_offsets()] == X_test
    assert "test point" in [t.get_text() for t in axes.get_legend().get_texts()]
    plot_decision_boundary(model, arrays[0], arrays[1], tmp_path / "b.png", resolution=5)
    assert (tmp_path / "b.png").read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize("X, y, loss, batch_size, weight, lr, epoch, words", [
    # the second batch's forward pass: the first step made w0 about 1e10
    ([[1.0], [1e300]], [1, 0], "hinge", 1, None, 1e10, 1, r"dot\(1e\+10, 1e\+300\) overflows"),
    # the backward pass: dL/dw0 = x0 · 2(s - 1) = 1e200 · 2e154
    ([[1e200]], [1], "mse", None, 1e-46, 1e-3, 1, r"the gradient overflows at dot\("),
    # measuring the loss after the epoch: s² with s about 2.4e305
    ([[10.0]], [1], "mse", None, None, 1e150, 2, r"pow\(2\.40272e\+305, 2\)"),
])
def test_an_overflow_is_divergence_that_names_the_epoch(X, y, loss, batch_size, weight, lr,
                                                        epoch, words) -> None:
    model = MLP(1, [1], seed=0)
    if weight is not None:
        model.layers[0].neurons[0].w[0].data = weight
    with pytest.raises(FloatingPointError,
                       match=rf"^training diverged in epoch {epoch}: {words}.*; lower the "
                             rf"learning rate \(lr={re.escape(f'{lr:g}')}\)$"):
        fit(model, X, y, loss=loss, optimizer=SGD(model, lr=lr), epochs=3,
            batch_size=batch_size, progress=False)


def test_a_forward_pass_that_turns_nan_is_divergence_too() -> None:
    # lr = 1e200 makes the weights about 1e200 after one step; the next forward pass
    # meets inf - inf in a tanh-free MLP and the engine refuses the nan
    model = MLP(1, [4, 1], seed=0)
    X, y = [[-2.0], [-1.0], [1.0], [2.0]], [0, 0, 1, 1]
    with pytest.raises(FloatingPointError, match=r"^training diverged in epoch \d: .*nan"):
        fit(model, X, y, loss="mse", optimizer=SGD(model, lr=1e200), epochs=3,
            progress=False)
    assert all(math.isfinite(p.data) for p in model.parameters())


def test_fit_refuses_an_optimizer_of_another_model() -> None:
    model, other = MLP(1, [2, 1], seed=0), MLP(1, [2, 1], seed=1)
    before = [p.data for p in model.parameters()]
    with pytest.raises(ValueError, match="the optimizer holds none of the model's parameters"):
        fit(model, [[1.0], [-1.0]], [1, 0], optimizer=SGD(other, lr=0.1), epochs=2,
            progress=False)
    assert [p.data for p in model.parameters()] == before


@pytest.mark.parametrize("outputs, y, error, words", [
    ([1], [5], ValueError, r"y\[0\]: a label of a one-output model is 1 \(or 0 or -1\), got 5"),
    ([3], [1, 3], ValueError, r"y\[1\]: target 3 is out of range for 3 classes \(0 to 2\)"),
    ([3], [1.0, 2], TypeError, r"y\[0\]: target must be a class index \(int\), got float"),
])
def test_accuracy_refuses_labels_the_model_cannot_output(outputs, y, error, words) -> None:
    # label 5 for a one-output model counted as class 0: accuracy 1.0 for a wrong label
    model = MLP(1, outputs, seed=0)
    with pytest.raises(error, match=words):
        accuracy(model, [[-2.0]] * len(y), y)


# ---------------------------------------------------------------------------
# Every input and label is checked before the first update (issue 24, item 11)
# ---------------------------------------------------------------------------


def _with(rows: list, index: int, row: object) -> list:
    return [*rows[:index], row, *rows[index + 1:]]


@pytest.mark.parametrize("where, row, error, words", [
    ("X", [float("nan"), 0.0], ValueError, r"^X\[30\]\[0\] must be finite, got nan$"),
    ("X", [0.0, float("-inf")], ValueError, r"^X\[30\]\[1\] must be finite, got -inf$"),
    ("X", [0.0, 0.0, 0.0], ValueError, r"^X\[30\] has 3 numbers, the model reads 2$"),
    ("X", [0.0], ValueError, r"^X\[30\] has 1 number, the model reads 2$"),
    ("X", [0.0, "1"], TypeError, r"^X\[30\]\[1\] must be a real number, got str '1'$"),
    ("X", [0.0, True], TypeError, r"^X\[30\]\[1\] must be a real number, got bool True$"),
    ("X", 0.5, TypeError, r"^X\[30\] must be a sequence of 2 numbers, got float 0.5$"),
    ("X", [0, 10**400], ValueError, r"^X\[30\]\[1\] is too large for a float"),
    ("X_test", [float("nan"), 0.0], ValueError, r"^X_test\[3\]\[0\] must be finite, got nan$"),
    ("X_test", [1.0], ValueError, r"^X_test\[3\] has 1 number, the model reads 2$"),
])
def test_a_bad_input_is_refused_naming_its_row_before_any_update(where, row, error,
                                                                 words) -> None:
    X, y = make_moons(40, seed=0)
    X_test, y_test = make_moons(8, seed=1)
    if where == "X":
        X = _with(X, 30, row)
    else:
        X_test = _with(X_test, 3, row)
    model = MLP(2, [3, 1], seed=0)
    before = model.state_dict()
    with pytest.raises(error, match=words):
        fit(model, X, y, batch_size=1, epochs=2, progress=False, X_test=X_test, y_test=y_test)
    assert model.state_dict() == before


def test_a_model_without_nin_has_its_numbers_checked_not_its_row_lengths() -> None:
    class Sum(nn.Module[Value]):  # reads rows of any length
        def __init__(self) -> None:
            self.w = Value(0.5, "w")

        def forward(self, x):
            return self.w * sum(x)

        def named_parameters(self):
            return [("w", self.w)]

    model = Sum()
    X = [[1.0, 0.0], [0.0, -1.0, 0.5], [Value(2.0)], [1.0, float("nan")]]
    with pytest.raises(ValueError, match=r"^X\[3\]\[1\] must be finite, got nan$"):
        fit(model, X, [1, 0, 1, 1], batch_size=1, progress=False)
    assert model.w.data == 0.5
    fit(model, X[:3], [1, 0, 1], batch_size=1, epochs=1, progress=False)
    assert model.w.data != 0.5


@pytest.mark.parametrize("where, label, error, words", [
    ("y", 5, ValueError, r"^y\[30\]: a one-output model needs labels 0/1 or -1/\+1, got int 5$"),
    ("y", None, ValueError, r"^y\[30\]: a one-output model needs labels"),
    ("y_test", 0.5, ValueError, r"^y_test\[3\]: a one-output model needs labels"),
])
def test_a_bad_label_is_refused_naming_its_index(where, label, error, words) -> None:
    X, y = make_moons(40, seed=0)
    X_test, y_test = make_moons(8, seed=1)
    if where == "y":
        y = _with(y, 30, label)
    else:
        y_test = _with(y_test, 3, label)
    model = MLP(2, [3, 1], seed=0)
    before = model.state_dict()
    with pytest.raises(error, match=words):
        fit(model, X, y, batch_size=1, progress=False, X_test=X_test, y_test=y_test)
    assert model.state_dict() == before


def test_a_bad_class_label_names_its_index() -> None:
    X, y = make_blobs(30, n_classes=3, seed=0)
    with pytest.raises(TypeError, match=r"^y\[29\]: cross_entropy: target must be a class "
                                        r"index \(int\), got float 1.5"):
        fit(MLP(2, [4, 3], seed=0), X, _with(y, 29, 1.5), loss="cross_entropy",
            progress=False)
