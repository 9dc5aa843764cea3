"""The HTML player: one SVG and frames as data, self-contained, the same numbers
as backward(), size budgets, and it really moves in a browser (headless Chromium
driven over the DevTools protocol)."""

from __future__ import annotations

import base64
import gzip
import json
import re
import shutil
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings

import autograd
import nn
from autograd import Value, backward_steps, player_html, save_player, tanh
from autograd.views.drawing import Picture
from autograd.views.player import STATIC, code_of
from autograd.views.trace import record
from nn import losses
from tests.test_performance_behaviour import random_graphs


def neuron() -> Value:
    x, w, b = Value(0.5, label="x"), Value(-1.5, label="w"), Value(2.0, label="b")
    return tanh(x * w + b)


def frames_of(page: str) -> list[dict[str, Any]]:
    """The frames of a player page: its data, as the page's script reads it."""
    found = re.search(r'<script type="application/json" class="frames">(.*?)</script>', page, re.S)
    assert found is not None
    return json.loads(found[1].replace("<\\/", "</"))


def texts_at(frames: list[dict[str, Any]], k: int) -> dict[str, list[str]]:
    """Every drawn node's texts at frame k, by replaying the frames' changes."""
    shown: dict[str, list[str]] = {}
    for frame in frames[:k + 1]:
        for node_id, index, text in frame["t"]:
            fields = shown.setdefault(node_id, [])
            fields.extend([""] * (index + 1 - len(fields)))
            fields[index] = text
    return shown


def test_one_frame_per_step_plus_the_initial_frame_each_with_its_text():
    x = Value(3.0, label="x")
    out = x * x + x
    frames = frames_of(player_html(out))
    same = Value(3.0, label="x")  # the same expression, stepped on its own
    expected_steps = [str(step) for step in backward_steps(same * same + same)]
    assert len(frames) == len(expected_steps) + 1 == 3
    assert "seeded" in frames[0]["c"]
    for frame, text in zip(frames[1:], expected_steps):
        assert frame["c"].startswith(text)
    assert "accumulates 1 -> 4 -> 7" in frames[2]["c"]
    assert frames[-1]["c"].endswith("Done. x.grad = 7")
    # x's row shows its gradient as the pass goes: 0, then 1 (from +), then 7 (and 3 + 3 from ×)
    assert [texts_at(frames, k)["v0"] for k in range(3)] == [
        ["x", "data 3", "grad 0"], ["x", "data 3", "grad 1"], ["x", "data 3", "grad 7"]]


def test_the_page_draws_the_graph_once_and_plays_frames_as_data():
    out = neuron()
    page = str(player_html(out))
    assert page.count("<svg") == 1  # one picture, not one per frame
    frames = frames_of(page)
    assert len(frames) == 4
    assert [frame["cur"][0] for frame in frames[1:]] == ["v5", "v4", "v2"]  # tanh, add, mul
    assert all(frame["t"] for frame in frames)  # every frame changes some number


def test_the_player_leaves_the_gradients_as_they_were():
    out = neuron()
    out.backward()
    before = [node.grad for node in autograd.topological_order(out)]
    player_html(out)
    assert [node.grad for node in autograd.topological_order(out)] == before


def test_a_player_made_after_backward_still_starts_from_zero_gradients(demo_net):
    out = neuron()
    out.backward()  # the nodes hold their gradients already; the page replays the pass
    start = texts_at(frames_of(player_html(out)), 0)
    assert [fields[-1] for fields in start.values()] == ["grad 0"] * 5 + ["grad 1"]
    x = Value(3.0, label="x")
    square = x * x
    square.backward()  # x.grad = 6 already: the captions count from 0 too, as the texts do
    caption = frames_of(player_html(square))[1]["c"]
    assert "its gradient accumulates 0 -> 3 -> 6" in caption and "6 -> 9" not in caption
    _, _, loss = demo_net
    loss.backward()
    frames = frames_of(player_html(loss, collapse=2))
    layer2 = next(k for k, f in enumerate(frames) if f["c"].startswith("layer2.neuron0:"))
    shown = texts_at(frames, layer2)
    layer1 = [fields for fields in shown.values() if fields[0].startswith("layer1.")]
    assert len(layer1) == 16  # the pass has not reached layer 1: all of it still shows 0,
    assert all(fields[-1].endswith("max |grad| 0") for fields in layer1)  # not loss.backward()'s
    autograd.zero_grad(loss)


def test_the_page_is_self_contained_and_displays_in_jupyter():
    page = player_html(neuron())
    assert str(page).startswith("<!DOCTYPE html>") and "</html>" in page
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", str(page))
    shown = page._repr_html_()  # ids of its own, a still picture (test_display.py)
    own = re.search(r'id="(backprop-player-[0-9a-f]+)"', shown)[1]
    mine = re.search(r'id="(backprop-player-[0-9a-f]+)"', str(page))[1]
    assert own != mine and shown.count(own) == str(page).count(mine)
    assert repr(page).startswith("<backprop player: 4 frames")


def test_save_player_writes_the_page_and_refuses_other_suffixes(tmp_path):
    out = neuron()
    path = save_player(out, tmp_path / "steps.html")
    assert path.read_text(encoding="utf-8") == str(player_html(out))
    with pytest.raises(ValueError, match="should end in .html"):
        save_player(out, tmp_path / "steps.svg")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["steps.html"]


def test_too_many_frames_is_a_clear_error_that_names_collapse():
    xs = [Value(float(i), label=f"x{i}") for i in range(5)]
    out = xs[0]
    for x in xs[1:]:
        out = out * x
    with pytest.raises(ValueError, match="5 frames, more than max_frames=3.*collapse=2"):
        player_html(out, max_frames=3)


@settings(max_examples=40, deadline=None)
@given(random_graphs())
def test_player_stepper_and_drawing_show_what_backward_leaves(graph):
    # through the one recorded trace: the player's last frame, the stepper's end state
    # and a drawing after backward() all hold backward()'s gradients
    root, leaves = graph
    picture = Picture(root)
    frames = frames_of(player_html(root, max_frames=1000))
    root.backward()
    expected = picture.texts(None)  # the texts of every node, with the .grad backward() left
    assert texts_at(frames, len(frames) - 1) == expected
    grads = [node.grad for node in autograd.topological_order(root)]
    autograd.zero_grad(root)
    for _ in backward_steps(root):
        pass
    assert [node.grad for node in autograd.topological_order(root)] == grads


# ---------------------------------------------------------------------------
# The network: a frame per neuron, and the budgets
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_net() -> tuple[nn.MLP, list[Value], Value]:
    X, y = nn.make_moons(100, noise=0.1, seed=1)
    model = nn.MLP(2, [16, 16, 1], seed=1)
    x = [Value(X[0][0], label="x0"), Value(X[0][1], label="x1")]
    return model, x, losses.binary_hinge(model(x), 1 if y[0] == 1 else -1)


def test_a_collapsed_player_has_one_frame_per_neuron(demo_net):
    _, _, loss = demo_net
    frames = frames_of(player_html(loss, collapse=2))
    neurons = [f for f in frames if f["cur"] and f["cur"][0].startswith("g")]
    assert len(neurons) == 33  # every neuron once, all its steps in one frame
    assert len(frames) == 1 + 33 + 3  # the start, the neurons, mul/sub/relu of the loss
    first = next(f for f in neurons if f["c"].startswith("layer2.neuron14:"))
    assert "gradient sent back to what feeds it: layer1.neuron0" in first["c"]
    dead = next(f for f in neurons if f["c"].startswith("layer2.neuron5:"))  # relu at a < 0
    assert "nothing flows back to the 16 before it" in dead["c"]
    done = frames[-1]["c"].split("Done. ")[1]
    assert re.match(r"x0\.grad = \S+, x1\.grad = \S+, layer", done)  # inputs first


def _one_neuron_frames(model: nn.MLP, x: Value) -> list[dict[str, Any]]:
    """The collapsed player's frames of `model` (one neuron per layer) at the input `x`."""
    return frames_of(player_html(model([x]), collapse=2))


def test_a_dead_neurons_caption_writes_the_derivative_that_stops_it_in_the_groups_names():
    # the caption said "(d relu(x)/dx = 1 if x > 0 else 0 = 0)" beside "h = relu(a)": relu's
    # own letter x, where the graph has an input x0 and the group calls relu's input a
    model = nn.MLP(1, [1, 1], seed=0)
    (first,), (second,) = (layer.neurons for layer in model.layers)
    first.w[0].data, first.b.data, second.w[0].data, second.b.data = 1.0, 0.5, 3.0, 0.0
    lines = _one_neuron_frames(model, Value(-2.0, label="x0"))[2]["c"].splitlines()
    assert lines[0] == "layer1.neuron0: steps 3-5 of 5, 3 node(s) inside the group"
    assert lines[1] == "  h = relu(a) = 0: upstream 3; sends a 0"  # a = 1·(-2) + 0.5 = -1.5
    assert lines[4] == ("  nothing flows back to the 1 before it: the local derivative of h "
                        "is 0 here (d relu(a)/da = 1 if a > 0 else 0 = 0), so it sends 0")


def test_a_dead_neurons_caption_says_what_the_letters_it_keeps_stand_for():
    # an input labelled x*y is not one symbol: the formula keeps dot's letters, explained
    model = nn.MLP(1, [1], seed=0)
    ((neuron,),) = (layer.neurons for layer in model.layers)
    neuron.w[0].data, neuron.b.data = 0.0, 1.0
    lines = _one_neuron_frames(model, Value(0.0, label="x*y"))[1]["c"].splitlines()
    assert lines[2] == "  w·x = dot(w0, x*y) = 0: upstream 1; sends w0 0, x*y 0"
    assert lines[3] == ("  nothing flows back to the 1 before it: the local derivative of w·x "
                        "is 0 here (d(w·x)/dw0 = x0 = 0 where x0 = x*y), so it sends 0")


def test_a_collapsed_players_captions_name_values_as_the_picture_shows_them(demo_net):
    # issue 24, item 17: captions said relu#295 where the picture shows a and h, and frame 0
    # said "101 step(s) follow" beside a slider of 36 frames
    _, _, loss = demo_net
    frames = frames_of(player_html(loss, collapse=2))
    steps = len(record(loss).steps)
    assert f"{steps} steps follow in {len(frames) - 1} frames" in frames[0]["c"]
    neurons = [f["c"] for f in frames if f["cur"] and f["cur"][0].startswith("g")]
    assert len(neurons) == 33
    for caption in neurons:
        assert not re.search(r"\b(relu|add|dot)#\d+", caption), caption
    hidden = next(c for c in neurons if c.startswith("layer2.neuron5:")).splitlines()
    assert hidden[1].startswith("  h = relu(a) = ") and hidden[2].startswith("  a = add(w·x, b) = ")
    assert hidden[3].startswith("  w·x = dot(w0, ..., layer1.neuron15) = ")
    assert "; sends a " in hidden[1] and "; sends w·x " in hidden[2] and ", b " in hidden[2]
    assert "; sends w0 " in hidden[3]


def _frame_flows(loss: Value) -> tuple[Picture, dict[tuple[Value, int], float]]:
    """The collapsed picture of `loss` and what each (node, input) link carries in its
    backward pass, from the recorded pass (not from the player)."""
    picture = Picture(loss, collapse=2)
    carried = {(step.node, item.position): item.contribution
               for step in record(loss).steps for item in step.contributions}
    return picture, carried


def test_a_frame_draws_red_only_the_edges_that_carry_a_gradient(demo_net):
    # issue 24, item 17: a dead neuron's frame drew all 16 incoming edges thick red (and
    # every neuron before it orange) while its caption said it sends 0
    _, _, loss = demo_net
    picture, carried = _frame_flows(loss)
    frames = frames_of(player_html(loss, collapse=2))
    links = {link.id: link for link in picture.links}
    dead = 0
    for frame in frames[1:]:
        current = frame["cur"][0]
        if not current.startswith("g"):
            continue
        mine = [link for link in picture.links if link.target == current]
        flow = {link.id: sum(carried.get(pair, 0.0) for pair in link.links) for link in mine}
        assert sorted(frame["act"]) == sorted(i for i, f in flow.items() if f != 0)
        assert sorted(frame.get("zero", [])) == sorted(i for i, f in flow.items() if f == 0)
        assert sorted(frame["rec"]) == sorted({links[i].source for i in frame["act"]})
        if mine and not frame["act"]:
            dead += 1
            assert "nothing flows back" in frame["c"], frame["c"]
    assert dead >= 3  # the untrained net has dead ReLUs in both hidden layers


def test_the_budgets_hold_for_the_demo_net(demo_net):
    # measured by benchmarks/players.py as well; here the sizes, as behaviour
    _, x, loss = demo_net
    model = demo_net[0]
    scalar = str(player_html(model(x)))  # one output of MLP(2, [16, 16, 1]), every node
    collapsed = str(player_html(loss, collapse=2))
    assert len(scalar.encode()) <= 3_000_000
    assert len(collapsed.encode()) <= 1_000_000


# ---------------------------------------------------------------------------
# In a real browser
# ---------------------------------------------------------------------------

CHROMIUM = next((found for name in ("chromium", "chromium-browser", "google-chrome")
                 if (found := shutil.which(name))), None)


class DevTools:
    """A minimal Chrome DevTools protocol client over one page's websocket."""

    def __init__(self, websocket_url: str) -> None:
        import websocket  # websocket-client, a test dependency

        self.socket = websocket.create_connection(websocket_url, timeout=20,
                                                  suppress_origin=True)
        self.next_id = 0

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        self.next_id += 1
        self.socket.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv())
            if message.get("id") == self.next_id:
                assert "error" not in message, message
                return message["result"]

    def evaluate(self, expression: str) -> Any:
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        return result["result"].get("value")

    def press(self, key: str, key_code: int) -> None:
        for kind in ("keyDown", "keyUp"):
            self.call("Input.dispatchKeyEvent", type=kind, key=key, code=key,
                      windowsVirtualKeyCode=key_code, nativeVirtualKeyCode=key_code)

    def click(self, selector: str, where: float = 0.5) -> None:
        """A real mouse click at `where` (0 = left edge, 1 = right edge) of the element."""
        box = self.evaluate(f"(() => {{ const r = document.querySelector('{selector}')"
                            ".getBoundingClientRect(); return [r.left, r.top, r.width, r.height];"
                            " })()")
        x, y = box[0] + box[2] * where, box[1] + box[3] / 2
        for kind in ("mousePressed", "mouseReleased"):
            self.call("Input.dispatchMouseEvent", type=kind, x=x, y=y, button="left",
                      clickCount=1)

    def shown(self) -> list[Any]:
        """[the frame shown, its caption, the position text]."""
        return self.evaluate(
            "(() => { const p = document.querySelector('.backprop-player');"
            " return [Number(p.dataset.current), p.querySelector('.caption').textContent,"
            " p.querySelector('.position').textContent]; })()")

    def texts_of(self, node_id: str) -> list[str]:
        """The texts the SVG shows now in one drawn node (by its id in the drawing)."""
        return self.evaluate(
            f"[...document.querySelector('.backprop-player [id=\"{node_id}\"]')"
            ".querySelectorAll('text')].map(t => t.textContent)")

    def classes_of(self, node_id: str) -> list[str]:
        return self.evaluate(
            f"[...document.querySelector('.backprop-player [id=\"{node_id}\"]').classList]")

    def close(self) -> None:
        self.socket.close()


@pytest.fixture
def browser(tmp_path) -> Iterator[Any]:
    """Open a file in headless Chromium; yields a function path -> DevTools."""
    if CHROMIUM is None:
        pytest.skip("no Chromium installed (Debian: apt-get install chromium; see .ci/run)")
    profile = tmp_path / "profile"
    process = subprocess.Popen(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--no-first-run", "--no-default-browser-check", f"--user-data-dir={profile}",
         "--remote-debugging-port=0", "--remote-allow-origins=*", "about:blank"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    clients: list[DevTools] = []
    try:
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 60  # a timeout for a hung browser, not a speed check
        while not port_file.exists() or not port_file.read_text().strip():
            assert process.poll() is None, "Chromium exited early"
            assert time.monotonic() < deadline, "Chromium did not start"
            time.sleep(0.1)
        port = int(port_file.read_text().split()[0])

        def open_page(path: Path, fragment: str = "") -> DevTools:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list") as response:
                pages = [t for t in json.load(response) if t["type"] == "page"]
            client = DevTools(pages[0]["webSocketDebuggerUrl"])
            clients.append(client)
            client.call("Page.enable")
            client.call("Page.navigate", url=path.as_uri() + fragment)
            while client.evaluate("document.readyState") != "complete" or not client.evaluate(
                    "document.querySelector('.position') !== null"):
                assert time.monotonic() < deadline + 60, "the page did not load"
                time.sleep(0.05)
            return client

        yield open_page
    finally:
        for client in clients:
            client.close()
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()



def test_the_player_moves_with_buttons_keys_and_slider_in_headless_chromium(browser, tmp_path):
    out = neuron()
    path = save_player(out, tmp_path / "player.html")
    captions = [frame["c"] for frame in frames_of(path.read_text(encoding="utf-8"))]
    assert len(captions) == 4  # the start and 3 steps

    page = browser(path)
    assert page.shown() == [0, captions[0], "frame 0 of 3"]
    page.press("ArrowRight", 39)
    assert page.shown() == [1, captions[1], "frame 1 of 3"]
    page.press("ArrowRight", 39)
    assert page.shown()[0] == 2
    page.press("ArrowLeft", 37)
    assert page.shown()[0] == 1
    page.click(".next")
    page.click(".next")
    assert page.shown() == [3, captions[3], "frame 3 of 3"]
    page.click(".next")  # past the end: stays on the last frame
    assert page.shown()[0] == 3
    page.click(".previous")
    assert page.shown()[0] == 2
    page.press("Home", 36)
    assert page.shown()[0] == 0
    assert page.texts_of("v0") == ["x", "data 0.5", "grad 0"]  # x before any step
    page.click(".slider", where=0.98)  # the slider's right end: the last frame
    assert page.shown()[0] == 3
    assert page.texts_of("v0") == ["x", "data 0.5", f"grad {-1.5 * (1 - 0.8483 ** 2):.4g}"]
    page.press("End", 35)
    page.click(".previous")
    assert page.shown()[0] == 2  # step 2 highlights add#4, and its parents receive
    assert "current" in page.classes_of("v4") and "receiving" in page.classes_of("v2")

    other = tmp_path / "again.html"  # another file: a new load, not just a new fragment
    shutil.copy(path, other)
    hooked = browser(other, "#frame=2")  # documented test hook: open at a frame
    assert hooked.shown()[0] == 2


def test_the_collapsed_player_updates_a_neuron_in_headless_chromium(browser, tmp_path, demo_net):
    _, _, loss = demo_net
    path = save_player(loss, tmp_path / "network.html", collapse=2)
    frames = frames_of(path.read_text(encoding="utf-8"))
    k = next(i for i, f in enumerate(frames) if f["c"].startswith("layer3.neuron0:"))
    page = browser(path, f"#frame={k - 1}")
    group = frames[k]["cur"][0]
    before = page.texts_of(group)
    page.press("ArrowRight", 39)
    assert page.shown()[0] == k and "current" in page.classes_of(group)
    after = page.texts_of(group)
    assert before != after and after == texts_at(frames, k)[group]  # its gradients arrived


def test_a_dead_neurons_frame_draws_no_red_edge_in_headless_chromium(browser, tmp_path, demo_net):
    # issue 24, item 17: the frame of a neuron that sends 0 drew its 16 edges thick red
    _, _, loss = demo_net
    picture, carried = _frame_flows(loss)
    path = save_player(loss, tmp_path / "network.html", collapse=2)
    frames = frames_of(path.read_text(encoding="utf-8"))
    k, edges = next((i, [link.id for link in mine]) for i, f in enumerate(frames) if f["cur"]
                    and (mine := [link for link in picture.links if link.target == f["cur"][0]])
                    and not any(carried.get(pair, 0.0) for link in mine for pair in link.links))
    page = browser(path, f"#frame={k}")
    assert page.shown()[0] == k
    assert len(edges) == 16 and frames[k]["cur"][0].startswith("g")  # a neuron of layer 2
    strokes = page.evaluate(
        f"{json.dumps(edges)}.map(id => getComputedStyle("
        "document.querySelector('.backprop-player [id=\"' + id + '\"] path')).stroke)")
    assert len(strokes) == 16 and "rgb(214, 39, 40)" not in strokes  # not the red of .active
    assert page.evaluate("document.querySelectorAll('.receiving').length") == 0


def without_javascript(page: Any) -> Any:
    """Reload the page with JavaScript turned off, as a reader who blocks scripts sees it."""
    page.call("Emulation.setScriptExecutionDisabled", value=True)
    page.call("Page.reload")
    time.sleep(0.2)
    while page.evaluate("document.readyState") != "complete":
        time.sleep(0.05)
    return page


RENDERED = ("(s => { const e = document.querySelector(s);"
            " return !!e && e.getClientRects().length > 0; })")  # is it drawn on the page?


def test_without_javascript_the_player_says_it_needs_it_and_shows_no_numbers(browser, tmp_path):
    # issue 24, item 17 (training.html, and the player alike): without JavaScript the picture
    # showed the widest number of every field, which looked real
    path = save_player(neuron(), tmp_path / "player.html")
    page = browser(path)
    assert not page.evaluate(f"{RENDERED}('.needs-js')")  # with JavaScript: the player
    assert page.evaluate(f"{RENDERED}('.picture')") and page.evaluate(f"{RENDERED}('.controls')")
    without_javascript(page)
    assert page.evaluate(f"{RENDERED}('.needs-js')")
    assert "needs JavaScript" in page.evaluate("document.querySelector('.needs-js').textContent")
    for part in (".picture", ".controls", ".caption"):
        assert not page.evaluate(f"{RENDERED}('{part}')"), part


# ---------------------------------------------------------------------------
# One front-end with the widget: static/graph.js + player.js, a pannable view, viz.js
# ---------------------------------------------------------------------------


@pytest.fixture
def chromium(tmp_path) -> Iterator[Any]:
    """Open a page (HTML text) in headless Chromium once its player has shown a frame;
    yields a function (html, name) -> tests.browser.Page."""
    from tests.browser import Chromium

    if CHROMIUM is None:
        pytest.skip("no Chromium installed (Debian: apt-get install chromium; see .ci/run)")
    with Chromium(tmp_path / "profile") as browser_:
        def open_page(page: str, name: str = "player") -> Any:
            path = tmp_path / f"{name}.html"
            path.write_text(page, encoding="utf-8")
            tab = browser_.new_page(width=1100, height=900)
            tab.navigate(path.as_uri())
            tab.wait_for("[...document.querySelectorAll('.backprop-player')]"
                         ".every(p => p.dataset.current !== undefined)", "the player's frame 0")
            return tab
        yield open_page


def node_texts(page: Any, node_id: str, player: int = 0) -> list[str]:
    """The texts one drawn node of the `player`-th player on the page shows now."""
    return page.evaluate(
        f"[...document.querySelectorAll('.backprop-player')[{player}]"
        f".querySelector('[id=\"{node_id}\"]').querySelectorAll('text')]"
        ".map(t => t.textContent)")


def hand_built_net() -> Value:
    """micrograd-style 2-2-1: two tanh neurons, one linear output, every value labelled."""
    x = [Value(2.0, label="x1"), Value(0.0, label="x2")]
    hidden = []
    for j in range(2):
        w = [Value(0.5 - j, label=f"w{j}{i}") for i in range(2)]
        b = Value(0.1, label=f"b{j}")
        hidden.append((w[0] * x[0] + w[1] * x[1] + b).tanh())
    v = [Value(-0.3, label="v0"), Value(0.8, label="v1")]
    out = v[0] * hidden[0] + v[1] * hidden[1]
    out.label = "out"
    return out


def test_a_hand_built_2_2_1_net_opens_readable_and_follows_the_step(chromium, tmp_path):
    # squeezed to the page's width, its node text was about 4 px high
    page = chromium(str(player_html(hand_built_net())), "net")
    page.screenshot(tmp_path / "net.png")
    heights = page.evaluate("[...document.querySelectorAll('.backprop-player .node text')]"
                            ".map(t => t.getBoundingClientRect().height)")
    assert min(h for h in heights if h > 0) >= 9.5  # about 10 px text or more
    frames = int(page.evaluate("document.querySelector('.backprop-player').dataset.frames"))
    for k in range(1, frames):  # the view follows the highlighted step
        page.click(".next")
        inside = page.evaluate(
            "(() => { const p = document.querySelector('.picture').getBoundingClientRect();"
            " const c = document.querySelector('.picture .node.current').getBoundingClientRect();"
            " return c.left >= p.left && c.right <= p.right && c.top >= p.top"
            " && c.bottom <= p.bottom; })()")
        assert inside, f"frame {k}: the current node is out of view"
    page.screenshot(tmp_path / "net_last.png")
    scale = float(page.evaluate("document.querySelector('.picture').dataset.scale"))
    page.click(".zoom-in")
    assert float(page.evaluate("document.querySelector('.picture').dataset.scale")) > scale
    page.click(".fit")  # the whole graph: every node inside the view
    assert page.evaluate(
        "(() => { const p = document.querySelector('.picture').getBoundingClientRect();"
        " return [...document.querySelectorAll('.picture .node')].every(n => {"
        " const r = n.getBoundingClientRect(); return r.left >= p.left - 1"
        " && r.right <= p.right + 1 && r.top >= p.top - 1 && r.bottom <= p.bottom + 1; }); })()")
    page.screenshot(tmp_path / "net_fit.png")


# What JupyterLab's style does to the HTML of an output (its selectors, as JupyterLab 4 has
# them): every svg at most as wide as the output, every pre without border or padding.
JUPYTERLAB_STYLE = """<style>
.jp-RenderedHTMLCommon img, .jp-RenderedHTMLCommon svg { max-width: 100%; height: auto; }
.jp-ThemedContainer .jp-RenderedHTMLCommon pre { border: 0; padding: 0;
  background-color: #ffffff; }
</style>"""


def test_inside_jupyterlabs_style_the_player_keeps_its_scale_and_caption(chromium, tmp_path):
    # seen in JupyterLab: max-width 100% squeezed the svg to the output's width under the
    # view's own scale (6 px text), and the caption lost its box
    page = str(player_html(hand_built_net()))
    body = page.split("<body>", 1)[1].split("</body>", 1)[0]
    page = page.replace(body, f'{JUPYTERLAB_STYLE}<div class="jp-ThemedContainer">'
                              f'<div class="jp-RenderedHTMLCommon">{body}</div></div>')
    tab = chromium(page, "jupyterlab_style")
    tab.screenshot(tmp_path / "jupyterlab_style.png")
    caption = tab.evaluate("(() => { const c = getComputedStyle("
                           "document.querySelector('.backprop-player .caption'));"
                           " return [c.borderTopStyle, c.paddingTop]; })()")
    assert caption[0] == "solid" and caption[1] != "0px"
    heights = tab.evaluate("[...document.querySelectorAll('.backprop-player .node text')]"
                           ".map(t => t.getBoundingClientRect().height)")
    assert min(h for h in heights if h > 0) >= 9.5


def test_the_picture_pans_with_a_drag_and_zooms_with_the_wheel(chromium):
    page = chromium(str(player_html(hand_built_net())), "pan")
    left, top, width, height = page.box(".picture")
    x, y = left + width / 2, top + height / 2
    where = "document.querySelector('.picture .node').getBoundingClientRect().left"
    before = page.evaluate(where)
    page.call("Input.dispatchMouseEvent", type="mousePressed", x=x, y=y, button="left",
              clickCount=1)
    page.call("Input.dispatchMouseEvent", type="mouseMoved", x=x + 120, y=y, button="left")
    page.call("Input.dispatchMouseEvent", type="mouseReleased", x=x + 120, y=y, button="left",
              clickCount=1)
    assert page.evaluate(where) == pytest.approx(before + 120, abs=1)  # dragged along
    scale = float(page.evaluate("document.querySelector('.picture').dataset.scale"))
    page.call("Input.dispatchMouseEvent", type="mouseWheel", x=x, y=y, deltaX=0, deltaY=-120)
    page.wait_for(f"Number(document.querySelector('.picture').dataset.scale) > {scale}",
                  "the wheel to zoom in")
    page.click(".zoom-out")
    page.click(".zoom-out")
    assert float(page.evaluate("document.querySelector('.picture').dataset.scale")) < scale


def test_two_copies_of_the_same_page_on_one_page_each_play_on_their_own(chromium):
    # the very same HTML twice (no fresh ids): each copy's script finds its own player
    page = str(player_html(neuron()))
    body = page.split("<body>", 1)[1].split("</body>", 1)[0]
    tab = chromium(page.replace(body, body + body), "twice")
    assert tab.evaluate("document.querySelectorAll('.backprop-player').length") == 2
    for _ in range(3):
        tab.click(".backprop-player:nth-of-type(2) .next")
    assert tab.evaluate("[...document.querySelectorAll('.backprop-player')]"
                        ".map(p => p.dataset.current)") == ["0", "3"]
    assert node_texts(tab, "v0", 0) == ["x", "data 0.5", "grad 0"]
    assert node_texts(tab, "v0", 1) == ["x", "data 0.5", "grad -0.4206"]
    assert tab.evaluate("[...document.querySelectorAll('.backprop-player')]"
                        ".map(p => p.querySelectorAll('.current').length)") == [0, 2]  # ×, its op


def test_the_script_and_style_are_the_shared_static_files():
    page = str(player_html(neuron()))
    for name in ("graph.js", "player.js"):  # their code, without the comment lines
        code = code_of((STATIC / name).read_text(encoding="utf-8"))
        assert len(code) > 1000 and code in page, name
    assert (STATIC / "player.css").read_text(encoding="utf-8") in page
    assert page.count("<script>") == 1 and page.count("<style>") == 1


def test_with_no_dot_program_the_page_lays_the_graph_out_with_viz_js(chromium, monkeypatch,
                                                                     tmp_path):
    from autograd.views import drawing, player

    viz = (STATIC / "viz.js").read_text(encoding="utf-8")
    with_dot = str(player_html(neuron()))
    assert viz[:2000] not in with_dot and len(with_dot.encode()) < 100_000  # pages stay small

    def no_dot(*args: Any, **kwargs: Any) -> bytes:
        raise drawing.DotNotFoundError("no dot here")

    monkeypatch.setattr(player, "render", no_dot)
    page = str(player_html(neuron()))
    assert "<svg" not in page
    packed = re.search(r'<script type="text/plain" class="renderer">(.*?)</script>', page)[1]
    assert gzip.decompress(base64.b64decode(packed)).decode("utf-8") == viz
    assert len(page.encode()) < 700_000  # viz.js packed (as JSON it would be 3.7 MB)
    tab = chromium(page, "viz")
    drawn = tab.evaluate("document.querySelectorAll('.picture g.node').length")
    assert drawn == with_dot.count('class="node"') == 9  # x, w, b, ×, +, tanh and their ops
    assert node_texts(tab, "v0") == ["x", "data 0.5", "grad 0"]
    for _ in range(3):
        tab.click(".next")
    assert node_texts(tab, "v0") == ["x", "data 0.5", "grad -0.4206"]
    assert "current" in tab.evaluate("[...document.querySelector('.picture [id=\"v2\"]')"
                                     ".classList]")
    tab.screenshot(tmp_path / "viz.png")


def test_the_notebooks_copy_of_a_player_takes_its_svg_from_its_script_and_plays(browser,
                                                                                tmp_path):
    out = neuron()
    path = tmp_path / "shown.html"
    path.write_text(player_html(out)._repr_html_(), encoding="utf-8")  # what Jupyter shows
    page = browser(path)
    assert page.evaluate("document.querySelector('.still') === null")  # the script ran
    assert page.evaluate("document.querySelectorAll('.picture svg').length") == 1
    page.click(".next")
    assert page.shown()[0] == 1
    assert page.texts_of("v0") == ["x", "data 0.5", "grad 0"]
