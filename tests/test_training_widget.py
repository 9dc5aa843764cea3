"""fit(..., live=...): the live training widget (nn.live), in Python, in a real kernel and in a
notebook run by nbclient; its page is tested in test_training_widget_page.py.

Every expected number comes from the model itself at the moment the widget sends a frame
(its state_dict, `nn.train.measure`), from the History `fit` returns, or from a forward
pass written out by hand (tests/test_replay.py's `by_hand`) and `autograd.grad`.
"""

from __future__ import annotations

import json
import queue
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("anywidget")

import autograd  # noqa: E402
import nn  # noqa: E402
from nn.train import loss_function, measure  # noqa: E402
from tests.test_replay import SIZES, by_hand, close  # noqa: E402

HANG = 120.0  # seconds after which waiting for a kernel is taken to be a hang (no speed check)


def moons() -> dict[str, Any]:
    X, y = nn.make_moons(24, noise=0.1, seed=1)
    X_test, y_test = nn.make_moons(8, noise=0.1, seed=2)
    return {"X": X, "y": y, "X_test": X_test, "y_test": y_test}


class Recorder:
    """Each frame the widget sends, with what the model is at that moment: its weights and
    its loss and accuracy as fit measures them (on the training and the held-out set)."""

    def __init__(self, view: nn.TrainingWidget, model: nn.MLP, data: dict[str, Any],
                 l2: float = 0.0) -> None:
        self.model, self.data, self.l2 = model, data, l2
        self.seen: list[dict[str, Any]] = []
        view.observe(self.frame, names="frame")

    def frame(self, change: dict[str, Any]) -> None:
        model, data, hinge = self.model, self.data, loss_function("hinge")
        params = model.parameters()
        self.seen.append({
            "frame": change["new"], "weights": model.state_dict(),
            "measured": measure(model, data["X"], data["y"], hinge, self.l2, params),
            "test": measure(model, data["X_test"], data["y_test"], hinge, 0.0, params)})


# ---------------------------------------------------------------------------
# Outside a notebook
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("progress", [True, False])
def test_outside_a_kernel_live_true_says_why_in_one_line_and_trains_as_without(capsys,
                                                                               progress):
    data = moons()
    model = nn.MLP(2, [3, 1], seed=0)
    history = nn.fit(model, data["X"], data["y"], epochs=3, live=True, progress=progress)
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if "live" in line]
    instead = "showing the progress bar instead" if progress else "training without it"
    assert lines == [f"fit(live=True): no Jupyter kernel here, and the live view is a "
                     f"notebook widget; {instead}"]
    assert ("training:" in err) == progress  # tqdm's bar, as with live=False
    plain = nn.MLP(2, [3, 1], seed=0)
    assert nn.fit(plain, data["X"], data["y"], epochs=3, progress=False).losses == \
        history.losses
    with pytest.raises(TypeError, match="live must be True, False or a nn.TrainingWidget, "
                                        "got str"):
        nn.fit(model, data["X"], data["y"], epochs=1, live="yes", progress=False)


# ---------------------------------------------------------------------------
# A widget of one's own, in this process (no page: its state only)
# ---------------------------------------------------------------------------


def test_a_widget_given_to_fit_follows_the_run_with_the_models_own_numbers():
    data = moons()
    model = nn.MLP(2, SIZES[1:], seed=4)
    view = nn.TrainingWidget()
    recorder = Recorder(view, model, data, l2=1e-3)
    history = nn.fit(model, data["X"], data["y"], optimizer=nn.SGD(model, lr=0.5), epochs=3,
                     batch_size=8, l2=1e-3, X_test=data["X_test"], y_test=data["y_test"],
                     live=view, progress=False)
    names = view.static["parameters"]
    assert names == [name for name, _ in model.named_parameters()]
    frames = [seen["frame"] for seen in recorder.seen]
    assert [f["step"] for f in frames] == list(range(10))  # 3 steps an epoch: each one shown
    for seen in recorder.seen:
        frame = seen["frame"]
        assert dict(zip(names, frame["w"])) == seen["weights"]  # exactly the model's weights
        assert frame["epoch"] == frame["step"] / 3
        if frame["step"] % 3 == 0:  # after an epoch (or before training): fit's numbers
            assert (frame["loss"], frame["accuracy"]) == seen["measured"]
            assert (frame["test_loss"], frame["test_accuracy"]) == seen["test"]
        else:
            assert "loss" not in frame and frame["batch_loss"] > 0
    after_epochs = [f for f in frames if f["step"] and f["step"] % 3 == 0]
    assert [f["loss"] for f in after_epochs] == history.losses
    assert [f["accuracy"] for f in after_epochs] == history.accuracies
    assert [f["test_accuracy"] for f in after_epochs] == history.test_accuracies
    curves = view.curves
    assert curves["epoch"] == [0, 1, 2, 3] and curves["loss"][1:] == history.losses
    assert curves["loss"][0] == frames[0]["loss"] and len(curves["step_loss"]) == 9
    assert view.status == "done" and view.controls is False  # no kernel: no buttons
    assert model.state_dict() == recorder.seen[-1]["weights"]


def test_a_finished_run_saves_a_picture_of_its_curves_for_where_the_widget_cannot_run():
    # a saved notebook opened before it is run (untrusted) shows PNG, never a widget
    data = moons()
    model = nn.MLP(2, SIZES[1:], seed=4)
    view = nn.TrainingWidget()
    bundle = view._repr_mimebundle_()
    data_before = bundle[0] if isinstance(bundle, tuple) else bundle
    assert "image/png" not in data_before  # nothing trained yet: no picture to show
    nn.fit(model, data["X"], data["y"], epochs=2, live=view, progress=False)
    bundle = view._repr_mimebundle_()
    shown = bundle[0] if isinstance(bundle, tuple) else bundle
    assert shown["image/png"][:8] == b"\x89PNG\r\n\x1a\n"
    assert "application/vnd.jupyter.widget-view+json" in shown


def test_with_record_every_the_widget_shows_every_kth_epoch_and_the_last():
    data = moons()
    model = nn.MLP(2, [3, 1], seed=0)
    view = nn.TrainingWidget()
    recorder = Recorder(view, model, data)
    history = nn.fit(model, data["X"], data["y"], epochs=5, batch_size=8, record_every=2,
                     live=view, progress=False)
    assert [seen["frame"]["epoch"] for seen in recorder.seen] == [0, 2, 4, 5]
    assert [epoch for epoch, _ in history.snapshots] == [0, 2, 4, 5]
    for seen, (_, state) in zip(recorder.seen, history.snapshots):
        assert dict(zip(view.static["parameters"], seen["frame"]["w"])) == state
    assert view.curves["epoch"] == [0, 1, 2, 3, 4, 5]  # the curves keep every epoch


def test_a_clicked_point_shows_its_forward_values_and_gradients_as_autograd_computes_them():
    data = moons()
    model = nn.MLP(2, SIZES[1:], seed=4)
    view = nn.TrainingWidget()
    nn.fit(model, data["X"], data["y"], optimizer=nn.SGD(model, lr=0.5), epochs=2, live=view,
           progress=False)
    final = model.state_dict()
    static = view.static
    for i in (3, 17):
        view._handle_custom_msg({"command": "point", "index": i}, [])  # as the page sends it
        assert view.frame["point"] == i and list(view.frame["points"]) == [str(i)]
        numbers = view.frame["points"][str(i)]
        x, label = data["X"][i], data["y"][i]
        mine = by_hand(final, x, label)
        assert numbers[0] == pytest.approx(mine["loss"].data, rel=1e-9)
        for neuron in static["neurons"]:
            rows = dict(neuron["rows"])
            a, h = mine["a"][neuron["name"]], mine["h"][neuron["name"]]
            da, dh = autograd.grad(mine["loss"], [a, h])
            assert numbers[1 + 2 * rows["a"]] == pytest.approx(a.data, rel=1e-9)
            assert close(numbers[2 + 2 * rows["a"]], da)
            if "h" in rows:
                assert close(numbers[2 + 2 * rows["h"]], dh)
    model.load_state_dict({name: 0.0 for name in final})  # the model changes after the run:
    view._handle_custom_msg({"command": "point", "index": 5}, [])  # the run's end is shown
    assert view.frame["points"]["5"][0] == pytest.approx(
        by_hand(final, data["X"][5], data["y"][5])["loss"].data, rel=1e-9)
    assert model.state_dict() == {name: 0.0 for name in final}  # and the model is left so
    view._handle_custom_msg({"command": "point", "index": 999}, [])  # no such point
    assert view.frame["point"] == 5


def test_pause_step_point_and_resume_act_between_two_steps():
    # the page's requests as the kernel's subshell hands them over while training runs;
    # here each one is sent from an observer, when the widget shows what the last did
    data = moons()
    model = nn.MLP(2, [3, 1], seed=0)
    view = nn.TrainingWidget()
    events: list[tuple[str, int, Any]] = []
    target = 7  # the point the page asks for while paused (another than the one shown)

    def ask(command: str, **more: Any) -> None:
        view._handle_custom_msg({"command": command, **more}, [])

    def on_status(change: dict[str, Any]) -> None:
        events.append(("status", view.frame.get("step", -1), change["new"]))
        if change["new"] == "paused":
            ask("step")

    def on_frame(change: dict[str, Any]) -> None:
        nonlocal target
        frame = change["new"]
        if frame["step"] == 0 and frame["point"] == target:
            target = 6
        events.append(("frame", frame["step"], frame["point"]))
        if view.status == "paused" and frame["point"] != target:
            ask("point", index=target)
        elif view.status == "paused":
            ask("resume")

    view.observe(on_status, names="status")
    view.observe(on_frame, names="frame")

    def pause_after_the_first_epoch(epoch: int, history: nn.History) -> None:
        if epoch == 0:
            ask("pause")

    history = nn.fit(model, data["X"], data["y"], epochs=4, batch_size=12, live=view,
                     callback=pause_after_the_first_epoch, progress=False)
    assert len(history) == 4
    first = events[0][2]  # the point shown from the start (the first frame)
    after_pause = events[events.index(("status", 2, "paused")):]
    assert after_pause == [
        ("status", 2, "paused"),  # before step 3: paused; the page asks for one step
        ("frame", 3, first),  # step 3 done and shown; still paused: the page asks for a point
        ("frame", 3, target),  # that point at the weights of step 3; the page says resume
        ("status", 3, "running"),
        *[("frame", step, target) for step in range(4, 9)],  # 2 steps an epoch, each shown
        ("status", 8, "done")]


# ---------------------------------------------------------------------------
# In a real kernel: the buttons reach it while it trains
# ---------------------------------------------------------------------------


class Kernel:
    """A Python kernel of this virtualenv, driven as a front-end drives it: code to run,
    and the messages of one widget's comm both ways."""

    def __init__(self, cwd: Path) -> None:
        from jupyter_client.manager import start_new_kernel

        self.manager, self.client = start_new_kernel(kernel_name="python3", cwd=str(cwd))
        self.comm_id = ""

    def close(self) -> None:
        self.client.stop_channels()
        self.manager.shutdown_kernel(now=True)

    def run(self, code: str) -> str:
        return str(self.client.execute(code))

    def wait(self, found: Callable[[dict[str, Any]], Any], what: str) -> Any:
        """Read IOPub messages until `found` returns something true for one; return it."""
        deadline = time.monotonic() + HANG
        while True:
            try:
                message = self.client.get_iopub_msg(timeout=max(0.1, deadline -
                                                                time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"waited {HANG:g} s for {what}") from None
            result = found(message)
            if result:
                return result

    def state(self, message: dict[str, Any]) -> dict[str, Any]:
        """The widget state a message of our comm sends to the page ({} for another)."""
        content = message["content"]
        if message["msg_type"] != "comm_msg" or content.get("comm_id") != self.comm_id:
            return {}
        return dict(content["data"].get("state", {}))

    def send(self, request: dict[str, Any]) -> None:
        """A custom message of the page to the widget (what the page's model.send does)."""
        self.client.shell_channel.send(self.client.session.msg(
            "comm_msg", {"comm_id": self.comm_id,
                         "data": {"method": "custom", "content": request}}))


@pytest.fixture
def kernel(tmp_path) -> Iterator[Kernel]:
    pytest.importorskip("jupyter_client")
    started = Kernel(tmp_path)
    try:
        yield started
    finally:
        started.close()


def test_pause_step_and_resume_reach_a_kernel_busy_training(kernel):
    setup = kernel.run("import nn\nX, y = nn.make_moons(8, noise=0.1, seed=1)\n"
                       "model = nn.MLP(2, [3, 1], seed=0)\nview = nn.TrainingWidget()\n"
                       "print(view.comm.comm_id)")
    kernel.comm_id = kernel.wait(
        lambda m: m["msg_type"] == "stream" and m["parent_header"].get("msg_id") == setup
        and m["content"]["text"].strip(), "the widget's comm id").strip()
    training = kernel.run("nn.fit(model, X, y, epochs=10**7, live=view)")  # till interrupted
    controls = kernel.wait(lambda m: "controls" in kernel.state(m) and
                           [kernel.state(m)["controls"]], "the widget to say if it hears")[0]
    if not controls:
        pytest.skip("this kernel has no subshells (ipykernel < 7): the buttons wait")
    kernel.wait(lambda m: kernel.state(m).get("frame", {}).get("step", 0) >= 2, "step 2")
    kernel.send({"command": "pause"})
    shown: list[int] = []

    def paused(message: dict[str, Any]) -> bool:
        state = kernel.state(message)
        if "frame" in state:
            shown.append(state["frame"]["step"])
        return state.get("status") == "paused"

    kernel.wait(paused, "the run to pause")
    steps = shown[-1]  # the last step shown before the pause: the steps done
    kernel.send({"command": "step"})
    frame = kernel.wait(lambda m: kernel.state(m).get("frame"), "the step's frame")
    assert frame["step"] == steps + 1
    kernel.send({"command": "point", "index": 3})
    frame = kernel.wait(lambda m: kernel.state(m).get("frame"), "the point's frame")
    assert (frame["step"], frame["point"], list(frame["points"])) == (steps + 1, 3, ["3"])
    kernel.send({"command": "resume"})
    kernel.wait(lambda m: kernel.state(m).get("status") == "running", "the run to go on")
    kernel.wait(lambda m: kernel.state(m).get("frame", {}).get("step", 0) > steps + 1,
                "a later step")
    kernel.manager.interrupt_kernel()
    kernel.wait(lambda m: kernel.state(m).get("status") == "stopped", "the run to stop")
    reply = kernel.client.get_shell_msg(timeout=HANG)
    while reply["parent_header"].get("msg_id") != training:
        reply = kernel.client.get_shell_msg(timeout=HANG)
    assert reply["content"]["ename"] == "KeyboardInterrupt"


# ---------------------------------------------------------------------------
# A notebook run without any page (nbclient, as nbmake runs the notebooks)
# ---------------------------------------------------------------------------

SETUP = """
import ipywidgets
import nn
from nn.live import TrainingWidget
from nn.train import loss_function, measure

X, y = nn.make_moons(30, noise=0.1, seed=1)
model = nn.MLP(2, [4, 1], seed=0)
made, seen = [], []

def on_frame(change):  # what the model is when the widget sends a frame
    loss, accuracy = measure(model, X, y, loss_function("hinge"), 0.0, model.parameters())
    seen.append((change["new"], model.state_dict(), loss, accuracy))

def constructed(widget):  # ipywidgets calls this for every widget made: fit's too
    if isinstance(widget, TrainingWidget):
        widget.observe(on_frame, names="frame")
        made.append(widget)

ipywidgets.Widget.on_widget_constructed(constructed)
"""

TRAIN = """
history = nn.fit(model, X, y, optimizer=nn.SGD(model, lr=0.5), epochs=3, batch_size=10,
                 live=True)
"""

CHECK = """
(view,) = made
names = view.static["parameters"]
for frame, weights, loss, accuracy in seen:
    assert dict(zip(names, frame["w"])) == weights  # the weights sent: the model's then
    if "loss" in frame:
        assert (frame["loss"], frame["accuracy"]) == (loss, accuracy)  # and its loss
for epoch in (1, 2, 3):  # each epoch is shown while it runs and when it ends
    assert any(epoch - 1 < frame["epoch"] < epoch for frame, *_ in seen)
    assert [frame["loss"] for frame, *_ in seen if frame["epoch"] == epoch] == \\
        [history.losses[epoch - 1]]
assert view.status == "done" and len(history) == 3
print(json.dumps({"frames": len(seen), "controls": view.controls}))
"""


def test_fit_live_in_a_notebook_shows_a_widget_that_each_epoch_sends_the_models_numbers(
        tmp_path):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    cells = ["import json", SETUP, TRAIN, CHECK]
    notebook = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell(textwrap.dedent(code).strip()) for code in cells],
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}})
    path = tmp_path / "live.ipynb"
    nbformat.write(notebook, path)
    client = nbclient.NotebookClient(notebook, timeout=600, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path)}})
    client.execute()  # a failed assert in a cell raises here, with its traceback
    train_outputs = notebook.cells[2].outputs
    views = [o for o in train_outputs if o.get("output_type") == "display_data"
             and "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
    assert len(views) == 1  # fit showed the widget in the cell's output...
    streams = "".join(o.get("text", "") for o in train_outputs if o["output_type"] == "stream")
    assert "fit(live=True)" not in streams and "training:" not in streams  # ...not a bar
    (printed,) = [o["text"] for o in notebook.cells[3].outputs if o["output_type"] == "stream"]
    result = json.loads(printed)
    assert result["frames"] >= 4  # before training, and during and after each epoch
