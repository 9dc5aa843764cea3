"""Watch a network learn while it trains: ``nn.fit(..., live=True)`` in a notebook.

In a Jupyter notebook, ``fit(model, X, y, live=True)`` shows a `TrainingWidget` (an
anywidget) in the cell's output instead of the progress bar, and updates it as the run
goes, every ``record_every`` epochs, else a few times per epoch (every
⌈steps per epoch / 4⌉ steps, and after each epoch):

- the loss and accuracy curves so far (after each epoch, on the held-out set too if
  `fit` has one; with mini-batches, the loss of every step's batch as a thin line);
- for 2-D data the decision boundary with the points; otherwise sample images with the
  class predicted, and each class's accuracy after each epoch (as the replay shows);
- the network, drawn once as the replay draws it (`nn.replay`), each edge coloured by the
  sign and sized by the magnitude of its weight now;
- Pause, Resume and Step (one more optimizer step, then pause again);
- a click on a data point (or the list) shows that point's forward values and gradients
  at the current weights in the network; a click on a neuron, the gradient on each of
  its weights, ``dL/dw_j = x_j · dL/da``.

Every number is computed here, by the engine, as `nn.replay.View` computes the replay's:
the page only draws them. `fit` still returns its History. Outside a notebook (no IPython
kernel), ``live=True`` prints one line on stderr saying why and trains as without it.
A widget of your own can be given instead, ``fit(..., live=view)``: it is updated, not
displayed (show it where you like); outside a notebook too (no page then: only its state).

How the buttons reach a kernel that is busy training
----------------------------------------------------
A kernel reads the messages of widgets on its shell channel, and the cell running `fit`
holds the thread that handles them: without help, a click on Pause would be read after
the cell ends. ipykernel 7 has subshells (JEP 91): threads of their own that handle shell
messages while the main one runs a cell, and it sends a widget's messages to the subshell
its comm names (``_reply_subshell_for``). So while `fit` runs, the widget's comm names a
subshell that this module makes once per kernel; there the page's requests (custom
messages ``{"command": "pause" | "resume" | "step" | "point", "index": i}``) are only put
in a queue. Training reads that queue between two steps (`before_step`), and while paused
waits on it, a fraction of a second at a time (so interrupting the kernel still stops it).
Nothing ever waits for a page: without one (nbclient, nbmake) the queue stays empty and
training runs straight through. Where the kernel has no subshells (ipykernel 6, or a
kernel whose internals differ), the widget still updates but greys its buttons out while
training runs, and says why; a point clicked then is shown once training ends.

Alternatives, and why not: jupyter-ui-poll and ``kernel.do_one_iteration()`` run the
kernel's own loop from inside the cell, but ipykernel 7 has no ``do_one_iteration`` (and
jupyter-ui-poll silently does nothing there); a thread of our own reading the shell
socket would race with the kernel for its messages.
"""

from __future__ import annotations

import concurrent.futures
import html
import math
import queue
import threading
from collections.abc import Callable, Sequence
from typing import Any

import anywidget
import traitlets

from autograd import no_grad
from autograd.views import drawing
from autograd.views.drawing import DotNotFoundError, visible
from nn import replay_page
from nn.module import Module
from nn.replay import View, loss_text
from nn.train import History, LossFunction, history_png, measure, predict

__all__ = ["TrainingWidget", "live_view"]

TRAINING_EXPORT = "export default { render };"  # training.js's last line
RECORDS_PER_EPOCH = 4  # without record_every: the widget updates this often in an epoch
RESOLUTION = 32  # the boundary's grid, points per side (the replay's is 40: this is redrawn)
WAIT = 0.2  # seconds a paused run waits on its queue at a time (an interrupt gets through)
NO_CONTROLS = ("The buttons cannot reach this kernel while it trains: that needs a kernel "
               "with subshells (ipykernel 7 or later). A point clicked now is shown when "
               "training ends.")


def live_view(live: Any) -> TrainingWidget:
    """The widget `fit` updates for ``live=...``: True makes one and displays it in the
    cell's output; a TrainingWidget is used as it is."""
    if live is True:
        from IPython.display import display

        view = TrainingWidget()
        view._display = display(view, display_id=True)  # shown again when training ends
        return view
    if not isinstance(live, TrainingWidget):
        raise TypeError(f"live must be True, False or a nn.TrainingWidget, got "
                        f"{type(live).__name__}")
    return live


class TrainingWidget(anywidget.AnyWidget):
    """A run of `fit` as it goes (see the module docstring). Made by ``fit(...,
    live=True)``, or by you (``view = nn.TrainingWidget()``) and given as ``live=view``;
    a widget given to another run starts afresh.

    State shared with the page, all set here: `layout` (its HTML: the network's SVG
    included, made once per run), `static` (what every moment shares: `nn.replay.View`),
    `frame` (the latest moment: ``step``, ``epoch`` (steps / steps per epoch), ``w``
    every weight as it is, ``point`` the chosen point and ``points`` its numbers, the
    predictions, the boundary; after an epoch its ``loss`` and ``accuracy`` as `History`
    has them, mid-epoch the ``batch_loss`` of the step), `curves`, `status` (waiting,
    running, paused, done, stopped) and `controls` (whether the buttons reach the kernel
    while it trains). The page sends requests as custom messages.
    """

    _esm = (replay_page.drawing_script() + "\n" +
            replay_page.static_text(replay_page.STATIC / "training.js"))
    #: Where no `dot` program can run (browser Python), the module also lays the network out
    #: (layout.js: its render lays out the layout's DOT source, then runs training.js's).
    _ESM_LAYING_OUT = (replay_page.drawing_script() + "\n" +
                       replay_page.static_text(replay_page.STATIC / "training.js")
                       .replace(TRAINING_EXPORT, "") + "\n" +
                       replay_page.static_text(replay_page.LAYOUT_JS) +
                       "\nexport default { render: liveLaidOut };\n")
    _css = (replay_page.stylesheet(".training-live") + "\n" +
            replay_page.static_text(replay_page.STATIC / "training.css"))

    layout = traitlets.Unicode("").tag(sync=True)
    static = traitlets.Dict().tag(sync=True)
    frame = traitlets.Dict().tag(sync=True)
    curves = traitlets.Dict().tag(sync=True)
    status = traitlets.Unicode("waiting").tag(sync=True)
    controls = traitlets.Bool(False).tag(sync=True)

    def __init__(self, **kwargs: Any) -> None:
        try:  # the module anywidget sends: without a dot program, one that lays out
            drawing.find_dot()
            self._lays_out = False
        except DotNotFoundError:
            self._esm = self._ESM_LAYING_OUT
            self._lays_out = True
        super().__init__(**kwargs)
        self._requests: queue.SimpleQueue[dict[str, Any]] = queue.SimpleQueue()
        self._training = False
        self._model: Module[Any] | None = None
        self._view: View | None = None
        self._final: dict[str, float] | None = None  # the weights the last run ended with
        self._stop_listening: Callable[[], None] | None = None
        self._history: History | None = None  # the run's, for the picture a notebook saves
        self._display: Any = None  # the output showing it (live=True): updated at the end
        self.on_msg(self._on_message)

    def __repr__(self) -> str:
        step = self.frame.get("step")
        return f"<TrainingWidget: {self.status}" + (f" at step {step}>" if step else ">")

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        """The widget; its text, for where it cannot run (a saved notebook not run again),
        says what it was."""
        bundle = super()._repr_mimebundle_(**kwargs)
        if bundle is None:  # the widget has been closed
            return None
        data: dict[str, Any] = bundle[0] if isinstance(bundle, tuple) else bundle
        data["text/plain"] = ("<TrainingWidget: the live view of fit(..., live=True); run "
                              "the cell to see it>")
        if self._history is not None and self._history.losses:
            data["image/png"] = history_png(self._history)  # what a saved notebook shows
        return bundle

    # -- what fit tells it (nn.train.LiveView) ---------------------------------------

    def start(self, model: Module[Any], X: Sequence[Sequence[float]], y: Sequence[Any],
              X_test: Sequence[Sequence[float]] | None, y_test: Sequence[Any] | None, *,
              loss: str | LossFunction, loss_fn: LossFunction, l2: float, epochs: int,
              steps_per_epoch: int, record_every: int | None) -> None:
        """Lay the view out and show the weights before training (step 0)."""
        self._model, self._final = model, None
        self._data = (X, y, X_test, y_test, loss_fn, l2)
        self._epochs, self._steps_per_epoch = epochs, steps_per_epoch
        self._record_every = record_every
        self._every = max(1, math.ceil(steps_per_epoch / RECORDS_PER_EPOCH))
        self._view = view = View(model, X, y, X_test, y_test, loss_fn, loss_text(loss, l2),
                                 resolution=RESOLUTION)
        static = {**view.static, "epochs": epochs, "steps_per_epoch": steps_per_epoch}
        with no_grad():  # the point shown first: the first one the model gets wrong
            wrong = [i for i, point in enumerate(view.points)
                     if predict(model(point.x)) != static["points"][i]["y"]]
        self._point = wrong[0] if wrong else 0
        self._step = 0
        self._paused, self._steps_allowed, self._stepping = False, 0, False
        self._curves: dict[str, list[float]] = {
            "step_epoch": [], "step_loss": [], "epoch": [], "loss": [], "accuracy": [],
            "test_loss": [], "test_accuracy": []}
        numbers = self._measured()
        self._add_epoch(0, numbers)
        self.static = static  # before the layout: the page reads it when the layout comes
        self.layout = _layout(static, view, [p.data for _, p in model.named_parameters()],
                              record_every, in_page=self._lays_out)
        self._training = True
        self._record(numbers, class_accuracy=True)
        self._stop_listening = _listen_while_busy(self)
        self.controls = self._stop_listening is not None
        self.status = "running"

    def before_step(self) -> None:
        """Answer what the page asked; while paused, wait for Resume or Step."""
        while True:
            self._answer_requests()
            if not self._paused or self._steps_allowed:
                break
            try:  # block a little: Ctrl-C (interrupting the kernel) gets through in between
                self._answer(self._requests.get(timeout=WAIT))
            except queue.Empty:
                pass
        if self._paused:  # a step asked for: show it, then pause again
            self._steps_allowed -= 1
            self._stepping = True

    def after_step(self, step: int, loss: float) -> None:
        """Keep the step's batch loss; show the moment if one is due mid-epoch (the last
        step of an epoch is shown by `after_epoch`, with the epoch's numbers)."""
        self._step += 1
        self._curves["step_epoch"].append(self._step / self._steps_per_epoch)
        self._curves["step_loss"].append(loss)
        if step == self._steps_per_epoch:
            return
        if self._stepping or (self._record_every is None and step % self._every == 0):
            self._stepping = False
            self._record({"batch_loss": loss}, class_accuracy=False)

    def after_epoch(self, history: History) -> None:
        """Keep the epoch's numbers (as `history` has them) and show them when due."""
        self._history = history
        done = len(history.losses)
        numbers = {"loss": history.losses[-1], "accuracy": history.accuracies[-1]}
        if history.test_losses:
            numbers.update(test_loss=history.test_losses[-1],
                           test_accuracy=history.test_accuracies[-1])
        self._add_epoch(done, numbers)
        every = self._record_every
        if self._stepping or every is None or done % every == 0 or done == self._epochs:
            self._stepping = False
            self._record(numbers, class_accuracy=True)

    def finish(self, completed: bool) -> None:
        """Training is over (`completed`, or stopped by an error or an interrupt): the
        page's messages go back to the kernel's main thread, and what it asked meanwhile
        is answered with the weights the run ended with."""
        if self._stop_listening is not None:
            self._stop_listening()
            self._stop_listening = None
        if self._model is not None:
            self._final = self._model.state_dict()
        self._training = False
        self.status = "done" if completed else "stopped"
        self._answer_requests()
        if self._display is not None:  # the saved output gets the finished run's picture
            self._display.update(self)

    # -- what the page asks -----------------------------------------------------------

    def _on_message(self, _widget: Any, content: Any, _buffers: Any) -> None:
        """A request of the page. While training runs this may be another thread (the
        kernel's subshell): the request only goes into the queue `before_step` reads."""
        if not isinstance(content, dict):
            return
        self._requests.put(content)
        if not self._training:
            self._answer_requests()

    def _answer_requests(self) -> None:
        """Do what the page asked so far, in order."""
        while True:
            try:
                request = self._requests.get_nowait()
            except queue.Empty:
                return
            self._answer(request)

    def _answer(self, request: dict[str, Any]) -> None:
        """Pause, resume, step (while paused) or show a point; pausing a run that is over
        does nothing."""
        command = request.get("command")
        if command == "point":
            self._show_point(request.get("index"))
        elif not self._training:
            return
        elif command == "pause":
            self._paused = True
            self.status = "paused"
        elif command == "resume":
            self._paused, self._steps_allowed = False, 0
            self.status = "running"
        elif command == "step" and self._paused:
            self._steps_allowed += 1

    def _show_point(self, index: Any) -> None:
        """Show point `index`: its numbers at the weights of now (during a run: every
        number of the moment again) or, after it, at those the run ended with."""
        view, model = self._view, self._model
        if view is None or model is None or isinstance(index, bool) or \
                not isinstance(index, int) or not 0 <= index < len(view.points):
            return
        self._point = index
        if self._training:
            self._record({}, class_accuracy=False)
            return
        final = self._final if self._final is not None else model.state_dict()
        now = model.state_dict()
        model.load_state_dict(final)
        try:
            numbers = view.frame(model, [index], exact=True)["points"]
        finally:
            model.load_state_dict(now)
        self.frame = {**self.frame, "point": index, "points": numbers}

    # -- what the page shows --------------------------------------------------------------

    def _measured(self) -> dict[str, float]:
        """The loss and accuracy of the model now (and on the held-out set): as `fit`
        measures them after an epoch."""
        assert self._model is not None
        X, y, X_test, y_test, loss_fn, l2 = self._data
        params = self._model.parameters()
        loss, accuracy = measure(self._model, X, y, loss_fn, l2, params)
        numbers = {"loss": loss, "accuracy": accuracy}
        if X_test is not None and y_test is not None:
            numbers["test_loss"], numbers["test_accuracy"] = measure(
                self._model, X_test, y_test, loss_fn, 0.0, params)
        return numbers

    def _add_epoch(self, epoch: int, numbers: dict[str, float]) -> None:
        curves = self._curves
        curves["epoch"].append(epoch)
        for name in ("loss", "accuracy", "test_loss", "test_accuracy"):
            if name in numbers:
                curves[name].append(numbers[name])

    def _record(self, numbers: dict[str, float], *, class_accuracy: bool) -> None:
        """Send the moment: the curves so far, then every number of now."""
        assert self._view is not None and self._model is not None
        frame = {"step": self._step, "epoch": self._step / self._steps_per_epoch,
                 "point": self._point, **numbers,
                 **self._view.frame(self._model, [self._point], exact=True,
                                    class_accuracy=class_accuracy)}
        self.curves = {name: list(values) for name, values in self._curves.items()}
        self.frame = frame


def _layout(static: dict[str, Any], view: View, weights: list[float],
            record_every: int | None, in_page: bool = False) -> str:
    """The widget's HTML: what the run is, the buttons, then the replay's parts. Without a
    `dot` program (and a module that can: `in_page`), the network's DOT source and viz.js
    instead of its SVG, laid out by the page (layout.js) before training.js reads it."""
    steps = static["steps_per_epoch"]
    per_epoch = "one full-batch step" if steps == 1 else f"{steps} steps"
    data = f"{static['train_count']} training" + (
        f" and {static['test_count']} test" if static["test_count"] else "")
    every = max(1, math.ceil(steps / RECORDS_PER_EPOCH))
    often = (f"every {record_every} epochs" if record_every is not None and record_every > 1
             else "after each epoch" if record_every is not None or steps == 1
             else "after each step" if every == 1
             else f"every {every} steps and after each epoch")
    run = (f"{static['model']} on {data} points · loss {static['loss']} · "
           f"{static['epochs']} epochs of {per_epoch} · shown {often} · "
           f"{len(static['points'])} points to click")
    svg, dot = replay_page.network_picture(view.drawing.picture, static,
                                           replay_page.Widest.of_any(len(static["tracked"])),
                                           weights, prefix="", in_page=in_page)
    return "\n".join([
        f'<p class="run">{html.escape(visible(run))}</p>',
        '<div class="live-controls">'
        '<button type="button" class="pause" title="pause after this step">'
        "&#10074;&#10074; Pause</button>"
        '<button type="button" class="resume" title="go on training">&#9654; Resume</button>'
        '<button type="button" class="step" title="one more step, then pause again">'
        "Step &#9655;</button>"
        '<span class="status"></span><span class="position"></span></div>',
        f'<p class="no-controls" hidden>{NO_CONTROLS}</p>',
        '<div class="top">',
        replay_page.data_view(static, "step"),
        replay_page.charts(),
        replay_page.point_view(static),
        "</div>",
        '<div class="bottom">',
        '<section class="network-view">',
        f'<p class="legend">{replay_page.network_legend(static, "step", "the largest |w| so far")}'
        "</p>",
        '<div class="zoom"><button type="button" class="zoom-out" title="smaller">&minus;'
        '</button><button type="button" class="zoom-in" title="larger (then scroll)">+'
        '</button><button type="button" class="zoom-fit" title="as wide as the view">fit'
        "</button></div>",
        f'<div class="picture">{svg or replay_page.LAYING_OUT}</div>',
        "</section>",
        replay_page.NEURON_VIEW,
        "</div>",
    ] + ([replay_page.in_page_layout(dot)] if dot else []))


# ---------------------------------------------------------------------------
# Hearing the page while a cell trains (see the module docstring)
# ---------------------------------------------------------------------------

_SUBSHELLS: dict[int, str] = {}  # id of a kernel's shell channel thread -> our subshell
_SUBSHELL_LOCK = threading.Lock()


def _listen_while_busy(widget: anywidget.AnyWidget) -> Callable[[], None] | None:
    """Send the page's messages for `widget` to a subshell of this kernel until the
    returned function is called; None where the kernel cannot (no kernel, no subshells)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    kernel = getattr(get_ipython(), "kernel", None)
    thread = getattr(kernel, "shell_channel_thread", None)
    comm = getattr(widget, "comm", None)
    if (not getattr(kernel, "_supports_kernel_subshells", False) or thread is None
            or comm is None or not hasattr(comm, "_reply_subshell_for")):
        return None
    try:
        subshell = _subshell(thread)
    except Exception:  # the kernel's internals are not as this module knows them
        return None
    comm._reply_subshell_for = lambda data, default: subshell

    def stop() -> None:
        vars(comm).pop("_reply_subshell_for", None)  # the comm's own method again

    return stop


def _subshell(thread: Any) -> str:
    """The id of the subshell this module made in this kernel (made on first use, by the
    kernel's shell channel thread, as a client's create_subshell_request would)."""
    with _SUBSHELL_LOCK:
        known = _SUBSHELLS.get(id(thread))
        if known is not None and known in thread.manager.list_subshell():
            return known
        made: concurrent.futures.Future[str] = concurrent.futures.Future()

        def create() -> None:
            try:
                made.set_result(thread.manager._create_subshell())
            except BaseException as error:
                made.set_exception(error)

        thread.io_loop.add_callback(create)
        _SUBSHELLS[id(thread)] = subshell = made.result(timeout=30)
        return subshell
