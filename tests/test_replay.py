"""The training replay (issue 14): one self-contained page per run, one frame of data per
snapshot, numbers the engine computed, and a page that moves in a browser.

Every expected number here comes from a forward pass written in this file with binary
Value operations (``b + Σ w_i·x_i`` and ``relu``) and `autograd.grad` on it, with the
weights of the snapshot: never from the replay's own code.
"""

from __future__ import annotations

import base64
import io
import json
import re
import time
from typing import Any

import pytest

import autograd
import nn
from autograd import Value
from nn import losses
from nn.replay import TrainingPlayer, save_training_player, training_player_html
from tests import test_player

browser = test_player.browser  # the headless-Chromium fixture and its DevTools client, reused

SIZES = [2, 4, 3, 1]  # the small run's MLP 2-4-3-1


@pytest.fixture(scope="module")
def run() -> dict[str, Any]:
    """A small run: 24 training and 8 test points, 6 epochs, a snapshot every 2."""
    X, y = nn.make_moons(24, noise=0.1, seed=1)
    X_test, y_test = nn.make_moons(8, noise=0.1, seed=2)
    model = nn.MLP(2, SIZES[1:], seed=4)
    history = nn.fit(model, X, y, optimizer=nn.SGD(model, lr=0.5), epochs=6, l2=1e-3,
                     record_every=2, progress=False, X_test=X_test, y_test=y_test)
    page = str(training_player_html(model, history, X, y, X_test, y_test))
    return {"model": model, "history": history, "X": X, "y": y, "X_test": X_test,
            "y_test": y_test, "page": page}


def data_of(page: str, name: str) -> Any:
    found = re.search(rf'<script type="application/json" class="{name}">(.*?)</script>',
                      page, re.S)
    assert found is not None
    return json.loads(found[1].replace("<\\/", "</"))


def by_hand(state: dict[str, float], x: list[float], label: int) -> dict[str, Any]:
    """The MLP's forward pass written out, and the hinge loss max(0, 1 − y·s) of one point:
    {"loss", "x": inputs, "a"/"h": {neuron name: Value}, "w": {parameter name: Value}}."""
    weights = {name: Value(value) for name, value in state.items()}
    inputs = [Value(v) for v in x]
    layer_in, a_of, h_of = inputs, {}, {}
    for layer in range(1, len(SIZES)):
        outputs = []
        for j in range(SIZES[layer]):
            name = f"layer{layer}.neuron{j}"
            a = weights[f"{name}.b"]
            for i, h in enumerate(layer_in):
                a = a + weights[f"{name}.w{i}"] * h
            a_of[name] = a
            h_of[name] = a.relu() if layer < len(SIZES) - 1 else a
            outputs.append(h_of[name])
        layer_in = outputs
    score = layer_in[0]
    loss = (1 - (1 if label == 1 else -1) * score).relu()
    return {"loss": loss, "x": inputs, "a": a_of, "h": h_of, "w": weights}


def four(x: float) -> str:
    text = f"{x:.4g}"
    return "0" if text == "-0" else text


def close(shown: str | float, expected: float) -> bool:
    """A number the page shows (4 significant digits) against the engine's."""
    return float(shown) == pytest.approx(expected, rel=2e-3, abs=1e-9)


# ---------------------------------------------------------------------------
# The page and its data
# ---------------------------------------------------------------------------


def test_the_page_is_self_contained_with_one_frame_per_snapshot(run):
    page, history = run["page"], run["history"]
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
    assert "http://" not in page.replace("http://www.w3.org", "")  # SVG namespaces only
    assert "https://" not in page
    frames = data_of(page, "frames")
    assert [f["epoch"] for f in frames] == [e for e, _ in history.snapshots] == [0, 2, 4, 6]
    for frame, (_, state) in zip(frames, history.snapshots):
        assert frame["w"] == pytest.approx(list(state.values()), rel=5e-4)
    assert page.count('<svg width="') == 1  # the network, laid out once (and 2 small charts)
    assert page.count('class="chart') == 2
    shown = training_player_html(run["model"], history, run["X"], run["y"])
    assert isinstance(shown, TrainingPlayer)
    displayed = shown._repr_html_()  # the same page, with ids of its own
    own = re.search(r'id="(training-replay-[0-9a-f]+)"', displayed)[1]
    mine = re.search(r'id="(training-replay-[0-9a-f]+)"', str(shown))[1]
    assert as_saved(displayed.replace(own, mine)) == str(shown)
    assert repr(shown).startswith("<training replay: ")


def as_saved(shown: str) -> str:
    """A notebook's copy of a page (`_repr_html_`) as the page saved to a file: its still
    picture left out and the parts its script shows back in their place."""
    shown = re.sub(r'<img class="still" [^>]*>\n', "", shown)
    found = re.search(r'<script type="text/html" class="page-source">(.*?)</script>\n',
                      shown, re.S)
    assert found is not None
    return shown[:found.start()] + found[1] + "\n" + shown[found.end():]


def still_png(shown: str) -> bytes:
    found = re.search(r'<img class="still" [^>]*src="data:image/png;base64,([^"]+)"', shown)
    assert found is not None, "no still picture"
    png = base64.b64decode(found[1])
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    return png


def test_a_replay_shown_in_a_notebook_carries_a_still_picture_and_hides_its_svg_from_text(
        run):
    # An untrusted notebook shows sanitized HTML: scripts and inline <svg> removed, but the
    # SVG's texts stayed as a paragraph of run-together words. Shown in a notebook, the
    # replay keeps its network's SVG inside a script (dropped whole) and shows a PNG of the
    # decision boundary at the last snapshot until its script runs.
    from PIL import Image

    shown = training_player_html(run["model"], run["history"], run["X"], run["y"],
                                 run["X_test"], run["y_test"])._repr_html_()
    outside_scripts = re.sub(r"<script[^>]*>.*?</script>", "", shown, flags=re.S)
    assert "<svg width=" not in outside_scripts and "layer1.neuron0" not in outside_scripts
    assert not re.search(r">(data|grad) -?[0-9]", outside_scripts)
    # hidden is dropped too: the controls, captions and an empty canvas showed
    assert "<canvas" not in outside_scripts and 'class="controls"' not in outside_scripts
    png = still_png(shown)
    assert 10_000 < len(png) < 60_000, len(png)  # a picture, small in the saved notebook
    image = Image.open(io.BytesIO(png)).convert("RGB")
    assert 300 <= image.width <= 800 and image.height >= 200, image.size
    colours = {colour for _, colour in image.getcolors(image.width * image.height)}
    assert {(0x7c, 0x3a, 0xed), (0x16, 0xa3, 0x4a)} <= colours  # the points of both classes
    still = shown.index('<img class="still"')
    assert shown.index('class="needs-js"') < still < shown.index('class="top"')  # in sight
    assert re.search(r'<script type="text/html" class="page-source">.*<svg width=', shown, re.S)
    assert '<img class="still"' not in run["page"]  # the page saved to a file is as it was


def test_every_points_values_and_gradients_are_the_engines_at_each_snapshot(run):
    frames = data_of(run["page"], "frames")
    static = data_of(run["page"], "replay-static")
    points = static["points"]
    assert [(p["split"], p["index"]) for p in points] == \
        [("train", i) for i in range(24)] + [("test", i) for i in range(8)]
    gradients_seen = 0
    for frame, (_, state) in zip(frames, run["history"].snapshots):
        for i in (0, 5, 17, 24, 31):
            point = points[i]
            data = run["X"] if point["split"] == "train" else run["X_test"]
            labels = run["y"] if point["split"] == "train" else run["y_test"]
            x, label = data[point["index"]], labels[point["index"]]
            assert point["x"] == pytest.approx(x, rel=5e-4) and point["y"] == label
            mine = by_hand(state, x, label)
            numbers = frame["points"][i]
            assert close(numbers[0], mine["loss"].data)
            for neuron in static["neurons"]:
                rows = dict(neuron["rows"])
                a, h = mine["a"][neuron["name"]], mine["h"][neuron["name"]]
                da, dh = autograd.grad(mine["loss"], [a, h])
                assert close(numbers[1 + 2 * rows["a"]], a.data)
                assert close(numbers[2 + 2 * rows["a"]], da)
                if "h" in rows:
                    assert close(numbers[1 + 2 * rows["h"]], h.data)
                    assert close(numbers[2 + 2 * rows["h"]], dh)
                gradients_seen += da != 0
            assert [track["name"] for track in static["inputs"]] == ["x0", "x1"]
            for j, track in enumerate(static["inputs"]):  # x0, x1: data and dL/dx
                (dx,) = autograd.grad(mine["loss"], [mine["x"][j]])
                assert close(numbers[1 + 2 * track["track"]], x[j])
                assert close(numbers[2 + 2 * track["track"]], dx)
    assert gradients_seen > 20  # the points chosen do send gradients back


def test_the_boundary_is_the_models_prediction_on_the_grid(run):
    static = data_of(run["page"], "replay-static")
    frames = data_of(run["page"], "frames")
    (x_min, x_max), (y_min, y_max) = static["bounds"]
    every = [*run["X"], *run["X_test"]]
    assert x_min == min(p[0] for p in every) - 0.5 and y_max == max(p[1] for p in every) + 0.5
    n = static["resolution"]
    model = nn.MLP(2, SIZES[1:], seed=99)
    changed = set()
    for frame, (_, state) in zip(frames, run["history"].snapshots):
        cells = base64.b64decode(frame["boundary"])
        assert len(cells) == n * n
        model.load_state_dict(state)
        for row in range(0, n, 7):  # rows from the top (largest x1), columns from the left
            for column in range(0, n, 5):
                x0 = x_min + (x_max - x_min) * column / (n - 1)
                x1 = y_max - (y_max - y_min) * row / (n - 1)
                score = model([x0, x1]).data
                assert cells[row * n + column] >> 4 == (1 if score > 0 else 0)
                assert cells[row * n + column] & 15 == round(15 * min(1.0, abs(score)))
        changed.add(frame["boundary"])
    assert len(changed) == len(frames)


def test_the_curves_start_before_training_and_then_are_the_historys(run):
    static = data_of(run["page"], "replay-static")
    history = run["history"]
    curves = static["curves"]
    assert curves["first"] == [0]
    assert curves["loss"][1:] == history.losses and curves["accuracy"][1:] == history.accuracies
    assert curves["test_accuracy"][1:] == history.test_accuracies
    initial = history.snapshots[0][1]
    hinge = [by_hand(initial, x, label)["loss"].data for x, label in zip(run["X"], run["y"])]
    l2 = 1e-3 * sum(w * w for w in initial.values())
    assert curves["loss"][0] == pytest.approx(sum(hinge) / len(hinge) + l2, rel=1e-12)
    without = data_of(str(training_player_html(run["model"], history, run["X"], run["y"])),
                      "replay-static")["curves"]  # no test set on the page: no test curves
    assert without["test_loss"] == without["test_accuracy"] == [] and \
        without["loss"] == curves["loss"]


def test_the_weights_of_each_edge_and_neuron_are_the_models(run):
    static = data_of(run["page"], "replay-static")
    names = static["parameters"]
    assert names == [name for name, _ in run["model"].named_parameters()]
    into = {}  # neuron name -> the weights its incoming edges carry
    for edge in static["edges"]:
        for k in edge["weights"]:
            into.setdefault(names[k].rsplit(".", 1)[0], []).append(names[k])
    for neuron in static["neurons"]:
        expected = [f"{neuron['name']}.w{i}" for i in range(SIZES[int(neuron["name"][5]) - 1])]
        assert [names[k] for k in neuron["weights"]] == expected
        assert sorted(into[neuron["name"]]) == sorted(expected)  # one edge per weight
        assert names[neuron["bias"]] == f"{neuron['name']}.b"


def test_with_more_points_than_max_points_the_rest_are_drawn_without_a_backward_pass(run):
    page = str(training_player_html(run["model"], run["history"], run["X"], run["y"],
                                    run["X_test"], run["y_test"], max_points=8))
    static, frames = data_of(page, "replay-static"), data_of(page, "frames")
    chosen = [(p["split"], p["index"]) for p in static["points"]]
    assert chosen == [("train", k) for k in (0, 4, 8, 12, 16, 20)] + [("test", 0), ("test", 4)]
    assert len(static["others"]) == 32 - 8 and len(frames[0]["points"]) == 8
    drawn = sorted(tuple(p["x"]) for p in static["points"] + static["others"])
    every = sorted(tuple(float(f"{v:.4g}") for v in x) for x in run["X"] + run["X_test"])
    assert drawn == every  # every point is on the plane (at 4 significant digits)
    model = nn.MLP(2, SIZES[1:], seed=99)
    for frame, (_, state) in zip(frames, run["history"].snapshots):
        model.load_state_dict(state)
        assert frame["others_predicted"] == [int(model(p["x"]).data > 0)
                                             for p in static["others"]]


def test_building_the_page_leaves_the_model_as_it_was(run):
    model, history = run["model"], run["history"]
    for p in model.parameters():
        p.grad = 0.25
    before = model.state_dict()
    training_player_html(model, history, run["X"], run["y"])
    assert model.state_dict() == before == history.snapshots[-1][1]
    assert all(p.grad == 0.25 for p in model.parameters())


def test_bad_arguments_are_clear_errors(run, tmp_path):
    model, X, y = run["model"], run["X"], run["y"]
    plain = nn.fit(model, X, y, epochs=1, progress=False)
    with pytest.raises(ValueError, match=r"no snapshots.*record_every"):
        training_player_html(model, plain, X, y)
    with pytest.raises(TypeError, match="History"):
        training_player_html(model, {"snapshots": []}, X, y)
    with pytest.raises(ValueError, match="both X_test and y_test"):
        training_player_html(model, run["history"], X, y, X_test=X)
    with pytest.raises(ValueError, match="should end in .html"):
        save_training_player(model, run["history"], X, y, tmp_path / "replay.svg")
    with pytest.raises(ValueError, match="max_points must be an int >= 1, got 0"):
        training_player_html(model, run["history"], X, y, max_points=0)
    with pytest.raises(ValueError, match="resolution must be an int from 2 to 200, got 1"):
        training_player_html(model, run["history"], X, y, resolution=1)
    for wrong in (2.5, "40", True):  # a wrong type is a TypeError, as everywhere else
        with pytest.raises(TypeError, match=r"resolution must be an int, got (float|str|bool)"):
            training_player_html(model, run["history"], X, y, resolution=wrong)
        with pytest.raises(TypeError, match=r"max_points must be an int, got (float|str|bool)"):
            training_player_html(model, run["history"], X, y, max_points=wrong)
    with pytest.raises(ValueError, match=r"unknown history.loss 'softmax'; choose one of hinge"):
        training_player_html(model, nn.History(snapshots=[(0, model.state_dict())],
                                               loss="softmax"), X, y)
    with pytest.raises(TypeError, match="history.loss must be a name or a function, got int"):
        training_player_html(model, nn.History(snapshots=[(0, model.state_dict())],
                                               loss=3), X, y)  # type: ignore[arg-type]
    neuron = nn.Neuron(2, seed=0)  # parameters w0, w1, b: no layer1.neuron0 to draw
    alone = nn.fit(neuron, X, y, epochs=1, record_every=1, progress=False)
    with pytest.raises(ValueError, match="one node per neuron.*layer1.neuron0.w0"):
        training_player_html(neuron, alone, X, y)
    other = nn.MLP(2, [3, 1], seed=0)  # another architecture than the snapshots'
    with pytest.raises(nn.ModelFileError, match="parameters do not match"):
        training_player_html(other, run["history"], X, y)
    assert list(tmp_path.iterdir()) == []
    path = save_training_player(model, run["history"], X, y, tmp_path / "replay.html")
    assert path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_numpy_arrays_and_numpy_ints_make_the_same_page(run):
    np = pytest.importorskip("numpy")
    arrays = [np.array(run[name]) for name in ("X", "y", "X_test", "y_test")]
    assert str(training_player_html(run["model"], run["history"], *arrays)) == run["page"]
    lists = training_player_html(run["model"], run["history"], run["X"], run["y"],
                                 max_points=5, resolution=10)
    numpy_ints = training_player_html(run["model"], run["history"], run["X"], run["y"],
                                      max_points=np.int64(5), resolution=np.int32(10))
    assert str(numpy_ints) == str(lists) != run["page"]


def test_other_inputs_show_sample_images_and_the_accuracy_of_each_class():
    pytest.importorskip("sklearn")
    X, y = nn.load_digits()
    X_train, y_train, X_test, y_test = X[:120], y[:120], X[120:180], y[120:180]
    model = nn.MLP(64, [5, 10], seed=0, init="he")
    history = nn.fit(model, X_train, y_train, loss="cross_entropy", epochs=2, batch_size=40,
                     optimizer=nn.Adam(model, lr=0.02), record_every=1, progress=False,
                     X_test=X_test, y_test=y_test)
    page = str(training_player_html(model, history, X_train, y_train, X_test, y_test,
                                    max_points=12))
    static, frames = data_of(page, "replay-static"), data_of(page, "frames")
    assert not static["two_d"] and static["summary"] == "inputs" and "boundary" not in frames[0]
    chosen = [(p["split"], p["y"]) for p in static["points"]]
    assert chosen[:10] == [("test", k) for k in range(10)] and len(chosen) == 12
    for frame, (_, state) in zip(frames, history.snapshots):
        model.load_state_dict(state)
        for k in range(10):
            of_k = [x for x, label in zip(X_test, y_test) if label == k]
            right = sum(nn.predict(model(x)) == k for x in of_k)
            assert frame["class_accuracy"][k] == pytest.approx(right / len(of_k), abs=1e-4)
        assert frame["predicted"] == [nn.predict(model(X_test[p["index"]]))
                                      for p in static["points"]]
    first = static["neurons"][0]
    assert first["sources"] == [["x", i] for i in range(64)]  # its inputs: the pixels
    assert 'id="training-replay' in page and "64 inputs" in page
    shown = training_player_html(model, history, X_train, y_train, X_test, y_test,
                                 max_points=12)._repr_html_()
    assert still_png(shown) == nn.train.history_png(history)  # no plane: the curves


def right_share(page: str) -> list[float]:
    """For each frame, the share of the page's points it marks right (predicted == y)."""
    static, frames = data_of(page, "replay-static"), data_of(page, "frames")
    points = static["points"]
    return [sum(frame["predicted"][i] == p["y"] for i, p in enumerate(points)) / len(points)
            for frame in frames]


@pytest.fixture(scope="module")
def words() -> dict[str, Any]:
    """A run whose labels are words, as fit takes them with a loss of your own."""
    X, y = nn.make_moons(16, noise=0.1, seed=1)
    names = ["cat", "dog"]
    labels = [names[t] for t in y]

    def loss(output: list[Value], label: str) -> Value:
        return losses.cross_entropy(output, names.index(label))

    model = nn.MLP(2, [3, 2], seed=1)
    history = nn.fit(model, X, labels, loss=loss, epochs=2, record_every=1, progress=False)
    return {"model": model, "history": history, "X": X, "labels": labels, "loss": loss,
            "page": str(training_player_html(model, history, X, labels))}


def test_labels_that_are_words_work_as_fit_takes_them(words):
    # issue 24, item 15: int('cat') failed; a label is shown as it is, and a point is right
    # or wrong as fit's accuracy counts it (a model's prediction is a class index)
    page, labels = words["page"], words["labels"]
    static = data_of(page, "replay-static")
    assert [p["label"] for p in static["points"]] == labels
    assert "class cat at (" in page and "class dog at (" in page
    assert right_share(page)[1:] == words["history"].accuracies
    X3 = [[*x, x[0] * x[1]] for x in words["X"]]  # not 2-D: sample images, per class
    model = nn.MLP(3, [3, 2], seed=1)
    history = nn.fit(model, X3, labels, loss=words["loss"], epochs=1, record_every=1,
                     progress=False)
    static = data_of(str(training_player_html(model, history, X3, labels)), "replay-static")
    assert {p["label"] for p in static["points"]} == {"cat", "dog"}


def test_a_label_that_is_no_class_index_is_kept_as_it_is_not_truncated():
    # issue 24, item 15: a label of 1.5 was shown as class 1; fit takes it (with a loss of
    # your own) and its accuracy counts a one-output model's label 1.5 as not the class 1
    X, y = nn.make_moons(16, noise=0.1, seed=1)
    targets = [1.5 if label == 1 else -0.5 for label in y]
    model = nn.MLP(2, [3, 1], seed=2)
    history = nn.fit(model, X, targets, loss=lambda s, t: (s - t) ** 2, epochs=3,
                     optimizer=nn.SGD(model, lr=0.05), record_every=1, progress=False)
    page = str(training_player_html(model, history, X, targets))
    static = data_of(page, "replay-static")
    assert [p["label"] for p in static["points"]] == [f"{t:g}" for t in targets]
    assert "class 1.5 at (" in page
    assert right_share(page)[1:] == history.accuracies


# ---------------------------------------------------------------------------
# In a real browser (headless Chromium; skipped without it)
# ---------------------------------------------------------------------------


def page_state(page) -> dict[str, Any]:
    return page.evaluate(
        "(() => { const r = document.querySelector('.training-replay');"
        " const edges = [...r.querySelectorAll('.picture .edge')].map(e => {"
        "   const p = e.querySelector('path'); return p.getAttribute('stroke') + ' ' +"
        "   p.getAttribute('stroke-width'); });"
        " return {epoch: r.dataset.epoch, point: r.dataset.point, neuron: r.dataset.neuron,"
        "  position: r.querySelector('.position').textContent, edges: edges,"
        "  boundary: r.querySelector('canvas.boundary').toDataURL(),"
        "  numbers: r.querySelector('.numbers').textContent}; })()")


def node_texts(page, name: str) -> list[str]:
    """The texts of the drawn node whose first text is `name` (a neuron, x0, loss)."""
    return page.evaluate(
        "[...document.querySelectorAll('.picture .node')].map(n =>"
        " [...n.querySelectorAll('text')].map(t => t.textContent))"
        f".find(t => t[0] === {json.dumps(name)})")


def click_at(page, x: float, y: float) -> None:
    for kind in ("mousePressed", "mouseReleased"):
        page.call("Input.dispatchMouseEvent", type=kind, x=x, y=y, button="left", clickCount=1)


def test_the_slider_keys_and_play_move_the_epoch_boundary_and_weights(browser, run, tmp_path):
    path = tmp_path / "replay.html"
    path.write_text(run["page"], encoding="utf-8")
    page = browser(path)
    start = page_state(page)
    assert start["epoch"] == "0" and start["position"] == "epoch 0 of 6"
    assert start["numbers"].startswith("Before training: loss ")
    page.click(".slider", where=0.98)  # the slider's right end: the last snapshot
    end = page_state(page)
    assert end["epoch"] == "6" and end["position"] == "epoch 6 of 6"
    assert end["boundary"] != start["boundary"]  # the boundary moved
    assert end["edges"] != start["edges"]  # the weights changed
    history = run["history"]
    assert end["numbers"].startswith(f"After epoch 6: loss {four(history.losses[-1])}, "
                                     f"accuracy {100 * history.accuracies[-1]:.1f}%")
    weights = history.snapshots[-1][1]
    edge = page.evaluate("(() => { const e = [...document.querySelectorAll('.picture .edge')]"
                         ".find(e => e.querySelector('title').textContent.startsWith("
                         "'layer2.neuron1.w3 ')); return [e.querySelector('title').textContent,"
                         " e.querySelector('path').getAttribute('stroke')]; })()")
    w = weights["layer2.neuron1.w3"]
    assert edge == [f"layer2.neuron1.w3 = {four(w)}", "#2563eb" if w > 0 else "#ea580c"]
    page.press("ArrowLeft", 37)
    assert page_state(page)["epoch"] == "4"
    page.press("Home", 36)
    assert page_state(page)["boundary"] == start["boundary"]
    page.click(".play")
    deadline = time.monotonic() + 30  # a timeout for a hung page, not a speed check
    while page_state(page)["epoch"] == "0":
        assert time.monotonic() < deadline, "play did not move"
        time.sleep(0.1)
    page.press(" ", 32)  # the space bar pauses
    paused = page_state(page)["epoch"]
    time.sleep(1.5)
    assert page_state(page)["epoch"] == paused
    assert "Play" in page.evaluate("document.querySelector('.play').textContent")
    hooked = browser(path, "#epoch=4")  # documented: open at an epoch
    assert page_state(hooked)["epoch"] == "4"


def test_clicking_a_point_shows_its_backward_pass_as_autograd_computes_it(browser, run,
                                                                         tmp_path):
    path = tmp_path / "replay.html"
    path.write_text(run["page"], encoding="utf-8")
    page = browser(path, "#epoch=2")
    static = data_of(run["page"], "replay-static")
    epoch, state = run["history"].snapshots[1]
    assert epoch == 2
    # a training point this snapshot gets wrong or nearly so: its gradients are not 0
    i = max(range(24), key=lambda k: by_hand(state, run["X"][k], run["y"][k])["loss"].data)
    x, label = run["X"][i], run["y"][i]
    (x_min, x_max), (y_min, y_max) = static["bounds"]
    box = page.evaluate("(() => { const r = document.querySelector('canvas.boundary')"
                        ".getBoundingClientRect(); return [r.left, r.top, r.width, r.height];"
                        " })()")
    click_at(page, box[0] + box[2] * (x[0] - x_min) / (x_max - x_min),
             box[1] + box[3] * (y_max - x[1]) / (y_max - y_min))
    assert page_state(page)["point"] == str(i)
    mine = by_hand(state, x, label)
    assert mine["loss"].data > 0
    assert node_texts(page, "loss") == ["loss", f"data {four(mine['loss'].data)}", "grad 1"]
    for j in (0, 1):
        (dx,) = autograd.grad(mine["loss"], [mine["x"][j]])
        shown = node_texts(page, f"x{j}")
        assert close(shown[1].removeprefix("data "), x[j]) and close(
            shown[2].removeprefix("grad "), dx)
    for name, a in mine["a"].items():
        h = mine["h"][name]
        da, dh = autograd.grad(mine["loss"], [a, h])
        texts = node_texts(page, name)  # name, data, grad, a, a, dL/da, [h, h, dL/dh,] summary
        assert texts[3] == "a" and close(texts[4], a.data) and close(texts[5], da)
        if name.startswith("layer3"):
            continue
        assert texts[6] == "h" and close(texts[7], h.data) and close(texts[8], dh)

    # the gradient on each weight of a neuron, shown as its input times dL/da
    neuron = "layer2.neuron1"
    centre = page.evaluate(
        "(() => { const n = [...document.querySelectorAll('.picture .node')].find(n =>"
        f" n.querySelector('text').textContent === '{neuron}');"
        " n.scrollIntoView(); const r = n.getBoundingClientRect();"
        " return [r.left + r.width / 2, r.top + r.height / 2]; })()")
    click_at(page, *centre)
    assert page_state(page)["neuron"] == neuron
    rows = page.evaluate("[...document.querySelectorAll('.weights tbody tr')]"
                         ".map(r => [...r.children].map(c => c.textContent))")
    names = [f"w{k}" for k in range(4)] + ["b"]
    expected = autograd.grad(mine["loss"], [mine["w"][f"{neuron}.{n}"] for n in names])
    assert [row[0] for row in rows] == names
    for row, n, grad in zip(rows, names, expected):
        assert close(row[1], state[f"{neuron}.{n}"])
        assert close(row[-1].split("=")[-1], grad)  # "x_j × dL/da = product"
    inputs = [mine["h"][f"layer1.neuron{k}"].data for k in range(4)]
    assert [close(row[3], h) for row, h in zip(rows, inputs)] == [True] * 4
    assert rows[0][2] == "layer1.neuron0 h"
    title = page.evaluate("document.querySelector('.neuron-title').textContent")
    assert title == f"{neuron} at epoch 2, on train point #{i}"

    page.press("End", 35)  # another epoch: the same point, its gradients then
    final = run["history"].snapshots[-1][1]
    later = by_hand(final, x, label)
    (da,) = autograd.grad(later["loss"], [later["a"]["layer3.neuron0"]])
    assert close(node_texts(page, "layer3.neuron0")[5], da)
    assert page_state(page)["point"] == str(i)


def test_choosing_a_point_from_the_list_works_too(browser, run, tmp_path):
    path = tmp_path / "replay.html"
    path.write_text(run["page"], encoding="utf-8")
    page = browser(path, "#epoch=6")
    page.evaluate("(() => { const s = document.querySelector('.point-list'); s.value = '30';"
                  " s.dispatchEvent(new Event('change')); })()")
    assert page_state(page)["point"] == "30"
    x, label = run["X_test"][6], run["y_test"][6]
    mine = by_hand(run["history"].snapshots[-1][1], x, label)
    assert node_texts(page, "loss")[1] == f"data {four(mine['loss'].data)}"
    text = page.evaluate("document.querySelector('.point-text').textContent")
    assert f"loss L = {four(mine['loss'].data)}" in text


def test_without_javascript_the_replay_says_it_needs_it_and_shows_no_numbers(browser, run,
                                                                            tmp_path):
    # issue 24, item 17: without JavaScript the network showed placeholder numbers that
    # looked real (h 0.002334 for an a of -0.0005462)
    path = tmp_path / "replay.html"
    path.write_text(run["page"], encoding="utf-8")
    page = browser(path)
    rendered = test_player.RENDERED
    assert not page.evaluate(f"{rendered}('.needs-js')")
    assert page.evaluate(f"{rendered}('.picture')") and page.evaluate(f"{rendered}('.controls')")
    test_player.without_javascript(page)
    assert page.evaluate(f"{rendered}('.needs-js')")
    assert "needs JavaScript" in page.evaluate("document.querySelector('.needs-js').textContent")
    for part in (".controls", ".top", ".picture", ".neuron-view"):
        assert not page.evaluate(f"{rendered}('{part}')"), part


def test_a_page_with_words_for_labels_plays_in_headless_chromium(browser, words, tmp_path):
    path = tmp_path / "words.html"
    path.write_text(words["page"], encoding="utf-8")
    page = browser(path, "#epoch=2")
    text = page.evaluate("document.querySelector('.point-text').textContent")
    assert re.search(r"\(wrong: the label is (cat|dog)\)", text), text
    assert page.evaluate("document.querySelector('.training-replay').dataset.epoch") == "2"


def test_the_notebooks_copy_of_a_replay_takes_its_svg_from_its_script_and_plays(browser, run,
                                                                                tmp_path):
    path = tmp_path / "shown.html"
    shown = training_player_html(run["model"], run["history"], run["X"], run["y"],
                                 run["X_test"], run["y_test"])._repr_html_()
    path.write_text(shown, encoding="utf-8")  # what Jupyter shows
    page = browser(path)
    assert 'class="page-source"' in shown
    assert page.evaluate("document.querySelector('.still, .page-source') === null")  # it ran
    assert page.evaluate("document.querySelectorAll('.picture svg').length") == 1
    assert page.evaluate(f"{test_player.RENDERED}('.picture')")
    start = page_state(page)
    assert start["epoch"] == "0" and start["position"] == "epoch 0 of 6"
    page.press("End", 35)
    end = page_state(page)
    assert end["epoch"] == "6" and end["edges"] != start["edges"]  # the weights moved
    static = data_of(shown, "replay-static")
    mine = by_hand(run["history"].snapshots[-1][1], *point_of(run, static))
    assert node_texts(page, "loss")[1] == f"data {four(mine['loss'].data)}"


def point_of(run: dict[str, Any], static: dict[str, Any]) -> tuple[list[float], int]:
    """The x and label of the point a page starts on."""
    point = static["points"][static["start_point"]]
    if point["split"] == "train":
        return run["X"][point["index"]], run["y"][point["index"]]
    return run["X_test"][point["index"]], run["y_test"][point["index"]]
