"""The HTML player: one frame per step, self-contained, and it really moves in a
browser (headless Chromium driven over the DevTools protocol)."""

from __future__ import annotations

import html
import json
import math
import re
import shutil
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from autograd import Value, backward_steps, player_html, save_player, tanh, topological_order


def neuron() -> Value:
    x, w, b = Value(0.5, label="x"), Value(-1.5, label="w"), Value(2.0, label="b")
    return tanh(x * w + b)


def frames_of(page: str) -> list[tuple[str, str]]:
    """(svg, caption) of each frame, in order."""
    found = re.findall(r'<div class="frame" data-index="(\d+)"[^>]*><div class="picture">'
                       r'(.*?)</div><pre class="caption">(.*?)</pre></div>', page, re.S)
    assert [int(index) for index, _, _ in found] == list(range(len(found)))
    return [(svg, html.unescape(caption)) for _, svg, caption in found]


def test_one_frame_per_step_plus_the_initial_frame_each_with_its_text():
    x = Value(3.0, label="x")
    out = x * x + x
    page = player_html(out)
    same = Value(3.0, label="x")  # the same expression, stepped on its own
    expected_steps = [str(step) for step in backward_steps(same * same + same)]
    frames = frames_of(page)
    assert len(frames) == len(expected_steps) + 1 == 3
    assert "seeded" in frames[0][1]
    for (svg, caption), text in zip(frames[1:], expected_steps):
        assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>")
        assert caption.startswith(text)
    assert "accumulates 1 -> 4 -> 7" in frames[2][1]
    assert frames[-1][1].endswith("Done. x.grad = 7")
    # the step's grads are drawn: x's record shows 7 only in the last frame
    assert "grad 7" in frames[-1][0] and "grad 7" not in frames[1][0]


def node_positions(svg: str) -> dict[str, list[float]]:
    """Graphviz node name -> the coordinates of its outline, from one frame's SVG."""
    found = re.findall(r'<g id="node\d+" class="node">\s*<title>(\w+)</title>\s*'
                       r'<(?:polygon|ellipse)[^>]*?(points="[^"]*"|cx="[^"]*" cy="[^"]*")', svg)
    return {name: [float(x) for x in re.findall(r"-?\d+(?:\.\d+)?", shape)]
            for name, shape in found}


def same_place(a: dict[str, list[float]], b: dict[str, list[float]]) -> bool:
    """The same nodes at the same places, to a tenth of a point (Graphviz rounds)."""
    return a.keys() == b.keys() and all(
        len(a[k]) == len(b[k]) and all(abs(x - y) <= 0.1 for x, y in zip(a[k], b[k])) for k in a)


def test_nothing_moves_between_frames():
    frames = frames_of(player_html(neuron()))
    sizes = {re.search(r'viewBox="([^"]+)"', svg)[1] for svg, _ in frames}
    assert len(sizes) == 1
    positions = [node_positions(svg) for svg, _ in frames]
    assert len(positions[0]) == 9  # 6 values and 3 ops
    assert all(same_place(p, positions[0]) for p in positions[1:])
    # while the drawn numbers do change
    assert len({svg for svg, _ in frames}) == len(frames)


def test_the_player_leaves_the_gradients_as_they_were():
    out = neuron()
    out.backward()
    before = [node.grad for node in topological_order(out)]
    player_html(out)
    assert [node.grad for node in topological_order(out)] == before


def test_the_page_is_self_contained_and_displays_in_jupyter():
    page = player_html(neuron())
    assert page._repr_html_() == str(page)
    assert "<script src" not in page and "<link" not in page and "@import" not in page
    # the only http(s) text is the SVG namespace names, which are never fetched
    urls = set(re.findall(r'https?://[^"\s]+', page))
    assert urls <= {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}


def test_save_player_writes_the_page_and_refuses_other_suffixes(tmp_path):
    out = neuron()
    path = save_player(out, tmp_path / "steps.html")
    assert path.read_text(encoding="utf-8") == str(player_html(out))
    with pytest.raises(ValueError, match="should end in .html"):
        save_player(out, tmp_path / "steps.svg")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["steps.html"]


def test_too_many_frames_is_a_clear_error():
    xs = [Value(float(i), label=f"x{i}") for i in range(5)]
    out = xs[0]
    for x in xs[1:]:
        out = out * x
    with pytest.raises(ValueError, match="4 steps, more than max_frames=3"):
        player_html(out, max_frames=3)


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
        """[indices of the visible frames, the visible caption, the position text]."""
        return self.evaluate(
            "(() => { const shown = [...document.querySelectorAll('.frame')]"
            ".filter(f => !f.hidden && f.offsetHeight > 0);"
            " return [shown.map(f => Number(f.dataset.index)),"
            " shown.length ? shown[0].querySelector('.caption').textContent : '',"
            " document.querySelector('.position').textContent]; })()")

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
    texts = frames_of(path.read_text(encoding="utf-8"))
    captions = [caption for _, caption in texts]
    assert len(captions) == 4  # the start and 3 steps

    page = browser(path)
    assert page.shown() == [[0], captions[0], "frame 0 of 3"]
    page.press("ArrowRight", 39)
    assert page.shown() == [[1], captions[1], "frame 1 of 3"]
    page.press("ArrowRight", 39)
    assert page.shown()[0] == [2]
    page.press("ArrowLeft", 37)
    assert page.shown()[0] == [1]
    page.click(".next")
    page.click(".next")
    assert page.shown() == [[3], captions[3], "frame 3 of 3"]
    page.click(".next")  # past the end: stays on the last frame
    assert page.shown()[0] == [3]
    page.click(".previous")
    assert page.shown()[0] == [2]
    page.press("Home", 36)
    assert page.shown()[0] == [0]
    page.click(".slider", where=0.98)  # the slider's right end: the last frame
    assert page.shown()[0] == [3]
    page.press("End", 35)
    page.click(".previous")
    assert page.shown()[0] == [2]
    # the frame shown is the one drawn for that step: step 2 highlights add#4
    t = math.tanh(1.25)
    red_texts = page.evaluate(
        "[...[...document.querySelectorAll('.frame')].find(f => !f.hidden)"
        ".querySelectorAll('text[fill=\"#d62728\"]')].map(t => t.textContent)")
    assert f"upstream {1 - t * t:.4g}" in red_texts and "add#4" in red_texts

    other = tmp_path / "again.html"  # another file: a new load, not just a new fragment
    shutil.copy(path, other)
    hooked = browser(other, "#frame=2")  # documented test hook: open at a frame
    assert hooked.shown()[0] == [2]
