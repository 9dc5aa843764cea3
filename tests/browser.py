"""Headless Chromium over the DevTools protocol, and a real JupyterLab to open in it.

Not a test file: the helpers of the tests that look at what a learner sees in a
browser (`tests/test_jupyterlab.py`).

- `Chromium`: starts ``chromium --headless`` with a fresh profile; `Chromium.new_page`
  gives a `Page`.
- `Page`: a minimal DevTools protocol client for one tab: evaluate JavaScript, wait for
  a condition, click an element with a real mouse event, type keys, take a screenshot.
- `JupyterLab`: starts ``jupyter lab`` on 127.0.0.1 (a free port, a random token, its
  settings and state in a temporary directory, no request to any outside host) and
  stops it; `JupyterLab.open_notebook` opens a notebook in a `Page` and gives a
  `LabNotebook`, which reads what its output areas show and runs all its cells as a
  learner does (the menu Run > Run All Cells).

- `StaticServer`: serves a folder on 127.0.0.1 as a static web host does (the lab that
  ``backprop lab`` builds).
- `Chromium(..., block_outside=True)`: every request to a host other than 127.0.0.1 goes to
  a proxy that refuses it and notes it (`Chromium.outside_requests`), from pages and from
  their workers alike.

Every timeout here guards against a hang; none is a speed assertion.
"""

from __future__ import annotations

import base64
import collections
import functools
import http.server
import json
import math
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

CHROMIUM: str | None = next((found for name in ("chromium", "chromium-browser", "google-chrome")
                             if (found := shutil.which(name))), None)
"""The Chromium program found on PATH, or None."""

HANG = 90.0
"""The default number of seconds after which a wait is taken to be a hang."""


class BrowserError(AssertionError):
    """Chromium, a page or JupyterLab did not do what was waited for."""


def _stop(process: subprocess.Popen[Any], grace: float = 20.0) -> None:
    """Terminate `process`, and kill it if it has not exited after `grace` seconds."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=grace)


def _free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# ---------------------------------------------------------------------------
# Chromium and its pages
# ---------------------------------------------------------------------------


# Keys that `Page.press` knows by name: (code, Windows virtual key code).
_KEYS: dict[str, tuple[str, int]] = {
    "Enter": ("Enter", 13), "Escape": ("Escape", 27), "Tab": ("Tab", 9),
    "Backspace": ("Backspace", 8), "Delete": ("Delete", 46), "Home": ("Home", 36),
    "End": ("End", 35), "ArrowLeft": ("ArrowLeft", 37), "ArrowUp": ("ArrowUp", 38),
    "ArrowRight": ("ArrowRight", 39), "ArrowDown": ("ArrowDown", 40),
}
# The modifier names of `Page.press`, with the DevTools protocol's bit for each.
_MODIFIERS = {"Alt": 1, "Control": 2, "Meta": 4, "Shift": 8}


class Page:
    """A minimal DevTools protocol client over one tab's websocket.

    Console messages and uncaught exceptions of the page are kept (the last 200) in
    `console`, for a failing test to show. A JavaScript dialog (alert, confirm, and the
    "Leave site?" that JupyterLab asks for before leaving a changed notebook) is accepted
    at once and noted in `console`: an open dialog would block the page.
    """

    def __init__(self, websocket_url: str, *, width: int = 1280, height: int = 1000) -> None:
        import websocket  # websocket-client, a test dependency

        self.socket = websocket.create_connection(websocket_url, timeout=HANG,
                                                  suppress_origin=True)
        self.next_id = 0
        self.marks = 0  # elements marked by `mark` so far
        self.console: collections.deque[str] = collections.deque(maxlen=200)
        self.call("Runtime.enable")
        self.call("Page.enable")  # for its dialogs
        self.call("Emulation.setDeviceMetricsOverride", width=width, height=height,
                  deviceScaleFactor=1, mobile=False)

    # -- the protocol -------------------------------------------------------

    def send(self, method: str, **params: Any) -> int:
        """Send one command without waiting for its answer; returns its id."""
        self.next_id += 1
        self.socket.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        return self.next_id

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        """Send one command and return its result; BrowserError if it failed. Events
        arriving meanwhile are handled by `_on_event`."""
        sent = self.send(method, **params)
        while True:
            message = json.loads(self.socket.recv())
            if message.get("id") == sent:
                if "error" in message:
                    raise BrowserError(f"{method} failed: {message['error']}")
                return dict(message["result"])
            if "method" in message:
                self._on_event(message["method"], message.get("params", {}))

    def _on_event(self, method: str, params: dict[str, Any]) -> None:
        """Keep console messages and exceptions; accept dialogs; drop other events."""
        if method == "Runtime.consoleAPICalled":
            texts = [str(arg.get("value", arg.get("description", ""))) for arg in params["args"]]
            self.console.append(f"console.{params['type']}: {' '.join(texts)}")
        elif method == "Runtime.exceptionThrown":
            details = params["exceptionDetails"]
            text = details.get("exception", {}).get("description") or details.get("text")
            self.console.append(f"uncaught: {text}")
        elif method == "Page.javascriptDialogOpening":
            self.console.append(f"dialog {params['type']} accepted: {params['message']!r}")
            self.send("Page.handleJavaScriptDialog", accept=True)  # its answer is dropped

    def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression in the page (a promise is awaited);
        a JavaScript exception raises BrowserError with its message."""
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True,
                           awaitPromise=True)
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            text = details.get("exception", {}).get("description") or details.get("text")
            raise BrowserError(f"JavaScript failed: {text}\nin: {expression}")
        return result["result"].get("value")

    def wait_for(self, expression: str, what: str, timeout: float = HANG,
                 interval: float = 0.1) -> Any:
        """Evaluate `expression` until its value is truthy (in Python: a DOM element
        comes back as ``{}``, so test ``!!element``) and return that value.

        Raises BrowserError naming `what` (what was waited for) after `timeout` seconds:
        a guard against a hang, not a speed assertion.
        """
        deadline = time.monotonic() + timeout
        while True:
            value = self.evaluate(expression)
            if value:
                return value
            if time.monotonic() > deadline:
                raise BrowserError(f"waited {timeout:g} s for {what}; last value {value!r}")
            time.sleep(interval)

    # -- navigating and looking ---------------------------------------------

    def navigate(self, url: str, timeout: float = HANG) -> None:
        """Load `url` and wait until the document has loaded."""
        result = self.call("Page.navigate", url=url)
        if result.get("errorText"):
            raise BrowserError(f"could not load {url}: {result['errorText']}")
        time.sleep(0.2)  # let the new document replace the old one before asking its state
        # (the old one may still answer "complete" just after Page.navigate returns)
        self.wait_for("document.readyState === 'complete'", f"{url} to load", timeout)

    def screenshot(self, path: str | os.PathLike[str]) -> Path:
        """Save what the tab shows now (its viewport) as a PNG file; returns the path."""
        data = self.call("Page.captureScreenshot", format="png")["data"]
        target = Path(path)
        target.write_bytes(base64.b64decode(data))
        return target

    # -- mouse and keyboard -------------------------------------------------

    def box(self, selector: str) -> tuple[float, float, float, float]:
        """(left, top, width, height) of the first element matching `selector`, scrolled
        into view first; BrowserError when there is none or it has no size."""
        found = self.evaluate(
            f"(() => {{ const e = document.querySelector({json.dumps(selector)});"
            " if (!e) return null; e.scrollIntoView({block: 'nearest'});"
            " const r = e.getBoundingClientRect(); return [r.left, r.top, r.width, r.height];"
            " })()")
        if not found:
            raise BrowserError(f"no element matches {selector!r}")
        left, top, width, height = found
        if width <= 0 or height <= 0:
            raise BrowserError(f"{selector!r} is not shown (size {width} x {height})")
        return left, top, width, height

    def mark(self, expression: str, what: str) -> str:
        """A selector for the element a JavaScript `expression` finds (for elements that
        no selector names, such as a menu item by its label): the element gets a
        unique data attribute. BrowserError naming `what` when it finds none."""
        self.marks += 1
        found = self.evaluate(f"(() => {{ const e = ({expression}); if (!e) return false;"
                              f" e.dataset.cdpMark = '{self.marks}'; return true; }})()")
        if not found:
            raise BrowserError(f"found no {what}")
        return f"[data-cdp-mark='{self.marks}']"

    def click(self, selector: str, where: float = 0.5) -> None:
        """A real mouse click (move, press, release) on the first element matching
        `selector`, at `where` of its width (0 = left edge, 1 = right edge), once the
        element has stopped moving (a menu is placed after it opens)."""
        deadline = time.monotonic() + HANG
        before, now = None, self.box(selector)
        while now != before:
            if time.monotonic() > deadline:
                raise BrowserError(f"{selector!r} kept moving")
            time.sleep(0.05)
            before, now = now, self.box(selector)
        left, top, width, height = now
        x, y = left + width * where, top + height / 2
        self.call("Input.dispatchMouseEvent", type="mouseMoved", x=x, y=y)
        for kind in ("mousePressed", "mouseReleased"):
            self.call("Input.dispatchMouseEvent", type=kind, x=x, y=y, button="left",
                      clickCount=1)

    def press(self, key: str, *modifiers: str) -> None:
        """Press and release one key: a name of `_KEYS` (``"Enter"``, ``"Escape"``, ...)
        or one character, with modifiers among ``"Shift"``, ``"Control"``, ``"Alt"``,
        ``"Meta"``: ``page.press("Enter", "Shift")`` is Shift+Enter."""
        bits = 0
        for modifier in modifiers:
            bits |= _MODIFIERS[modifier]
        if key in _KEYS:
            code, key_code = _KEYS[key]
            text = "\r" if key == "Enter" else ""
        elif len(key) == 1:
            code = f"Key{key.upper()}" if key.isalpha() else ""
            key_code, text = ord(key.upper()), key
        else:
            raise ValueError(f"unknown key {key!r}: use one character or one of {list(_KEYS)}")
        if bits & ~_MODIFIERS["Shift"]:
            text = ""  # Control+S and the like type nothing
        self.call("Input.dispatchKeyEvent", type="keyDown", key=key, code=code,
                  windowsVirtualKeyCode=key_code, nativeVirtualKeyCode=key_code,
                  modifiers=bits, text=text, unmodifiedText=text)
        self.call("Input.dispatchKeyEvent", type="keyUp", key=key, code=code,
                  windowsVirtualKeyCode=key_code, nativeVirtualKeyCode=key_code,
                  modifiers=bits)

    def type_text(self, text: str) -> None:
        """Type `text` into the element that has the focus (as an input method would)."""
        self.call("Input.insertText", text=text)

    def close(self) -> None:
        self.socket.close()


class Chromium:
    """Headless Chromium with a fresh profile, as a context manager.

    >>> with Chromium(tmp_path / "profile") as chromium:  # doctest: +SKIP
    ...     page = chromium.new_page()
    ...     page.navigate("http://127.0.0.1:8888/")
    """

    def __init__(self, profile: str | os.PathLike[str], program: str | None = None, *,
                 block_outside: bool = False, lan_name: str | None = None) -> None:
        """`block_outside`: send every request for a host other than 127.0.0.1 (Chromium
        reaches loopback addresses without a proxy) to a `RefusingProxy`, which refuses it
        and notes it in `outside_requests`.

        `lan_name`: a host name (e.g. ``lab.test``) that Chromium resolves to 127.0.0.1 and
        reaches directly. A page served under it over plain http is, to the browser, a site
        on the network (not a secure context: no service workers), as a LAN address is."""
        self.lan_name = lan_name
        self.profile = Path(profile)
        self.program = program or CHROMIUM
        if self.program is None:
            raise BrowserError("no Chromium installed (Debian: apt-get install chromium)")
        self.process: subprocess.Popen[bytes] | None = None
        self.port = 0
        self.pages: list[Page] = []
        self.proxy = RefusingProxy() if block_outside else None

    def outside_requests(self, *, chromium_services: bool = False) -> list[str]:
        """What was asked of hosts other than 127.0.0.1 (with `block_outside`): each
        request's first line, e.g. ``CONNECT cdn.example.org:443 HTTP/1.1``; those for
        `CHROMIUM_SERVICES` only with `chromium_services`."""
        asked = list(self.proxy.requests) if self.proxy is not None else []
        return [line for line in asked
                if chromium_services or _host_asked(line) not in CHROMIUM_SERVICES]

    def __enter__(self) -> Chromium:
        assert self.program is not None
        self.profile.mkdir(parents=True, exist_ok=True)
        port_file = self.profile / "DevToolsActivePort"
        port_file.unlink(missing_ok=True)  # an earlier run's, naming a closed port
        proxy = []
        if self.proxy is not None:
            self.proxy.start()
            proxy = [f"--proxy-server=http://127.0.0.1:{self.proxy.port}"]
        if self.lan_name is not None:
            proxy += [f"--host-resolver-rules=MAP {self.lan_name} 127.0.0.1",
                      f"--proxy-bypass-list={self.lan_name}"]
        self.process = subprocess.Popen(
            [self.program, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--no-default-browser-check", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--window-size=1280,1000",
             f"--user-data-dir={self.profile}", "--remote-debugging-port=0",
             "--remote-allow-origins=*", *proxy, "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + HANG
            while not port_file.exists() or not port_file.read_text().strip():
                if self.process.poll() is not None:
                    raise BrowserError("Chromium exited early")
                if time.monotonic() > deadline:
                    raise BrowserError("Chromium did not start")
                time.sleep(0.1)
            self.port = int(port_file.read_text().split()[0])
        except BaseException:
            _stop(self.process)
            if self.proxy is not None:
                self.proxy.stop()
            raise
        return self

    def new_page(self, *, width: int = 1280, height: int = 1000) -> Page:
        """A new tab showing about:blank, its viewport `width` x `height` CSS pixels."""
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}/json/new?about:blank", method="PUT")
        with urllib.request.urlopen(request, timeout=HANG) as response:
            target = json.load(response)
        page = Page(target["webSocketDebuggerUrl"], width=width, height=height)
        self.pages.append(page)
        return page

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        for page in self.pages:
            page.close()
        if self.process is not None:
            _stop(self.process)
        if self.proxy is not None:
            self.proxy.stop()


CHROMIUM_SERVICES = frozenset({"accounts.google.com", "clients2.google.com",
                               "update.googleapis.com", "optimizationguide-pa.googleapis.com",
                               "content-autofill.googleapis.com"})
"""Hosts that Chromium's own services ask for (sign-in, component updates, network time,
hints, form autofill) even with background networking off: no page asks them."""


def _host_asked(line: str) -> str:
    """The host of a proxy request's first line: ``CONNECT host:443 ...`` or
    ``GET http://host/path ...``."""
    target = line.split()[1] if len(line.split()) > 1 else ""
    if "://" in target:
        return urllib.parse.urlsplit(target).hostname or ""
    return target.rsplit(":", 1)[0]


class RefusingProxy:
    """An HTTP proxy on 127.0.0.1 that answers every request 403 Forbidden without
    contacting anyone, and keeps each request's first line in `requests` (thread-safe
    enough: lines are only appended)."""

    def __init__(self) -> None:
        requests: list[str] = []
        self.requests = requests

        class Refuse(http.server.BaseHTTPRequestHandler):
            def handle_one_request(self) -> None:
                line = self.rfile.readline(65537).decode("latin-1").strip()
                if line:
                    requests.append(line)
                    self.wfile.write(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n"
                                     b"Connection: close\r\n\r\n")
                self.close_connection = True

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Refuse)
        self.server.daemon_threads = True
        self.port = int(self.server.server_address[1])
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        if self.thread.is_alive():
            self.server.shutdown()
        self.server.server_close()


# ---------------------------------------------------------------------------
# A static web host
# ---------------------------------------------------------------------------


class StaticServer:
    """`folder` served over HTTP on 127.0.0.1 (a free port), as a context manager: what a
    static web host does, with the types a browser insists on for modules (.mjs) and
    WebAssembly (.wasm). Every request it answered is kept in `requests`, as its method and
    path (``GET /check.html``).

    `refuse`: paths (e.g. ``"/service-worker.js"``) answered 404 as if the file were not
    there.
    """

    TYPES = {".mjs": "text/javascript", ".js": "text/javascript", ".wasm": "application/wasm",
             ".json": "application/json", ".whl": "application/octet-stream"}

    def __init__(self, folder: str | os.PathLike[str], *, refuse: Sequence[str] = ()) -> None:
        self.folder = Path(folder)
        self.requests: list[str] = []
        requests, refused = self.requests, set(refuse)

        class Files(http.server.SimpleHTTPRequestHandler):
            extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map,
                              **StaticServer.TYPES}

            def send_head(self) -> Any:
                requests.append(f"{self.command} {self.path}")
                if urllib.parse.urlsplit(self.path).path in refused:
                    self.send_error(404)
                    return None
                return super().send_head()

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass  # quiet: `requests` keeps what was asked

        handler = functools.partial(Files, directory=str(self.folder))
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.port = int(self.server.server_address[1])
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, path: str = "", host: str = "127.0.0.1") -> str:
        """The address of `path` (relative to the folder) on this server, under `host` (a
        name that resolves to 127.0.0.1, e.g. a `Chromium` `lan_name`)."""
        return f"http://{host}:{self.port}/{path.lstrip('/')}"

    def __enter__(self) -> StaticServer:
        self.thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.server.shutdown()
        self.server.server_close()


# ---------------------------------------------------------------------------
# JupyterLab
# ---------------------------------------------------------------------------


# The user settings JupyterLab starts with, by plugin.
_LAB_SETTINGS: dict[str, dict[str, Any]] = {
    # it would ask once whether to fetch news (a toast over the page), and then fetch them
    "@jupyterlab/apputils-extension/notification": {"fetchNews": "false",
                                                    "checkForUpdates": False},
    # every cell laid out, so that an output below the window can be measured too (by
    # default, cells out of view skip layout: content-visibility); what each cell shows
    # once scrolled to is the same
    "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
}


class JupyterLab:
    """``jupyter lab`` serving `root` on 127.0.0.1, as a context manager.

    A free port and a random token; its configuration, data, runtime, settings and
    workspaces live in a temporary directory (nothing of the user's is read or written);
    no request leaves the machine (no news, no update check). Its output goes to
    `log_path` (`log()` reads it), for a failing test to show.

    >>> with JupyterLab(tmp_path) as lab:  # doctest: +SKIP
    ...     notebook = lab.open_notebook(page, "demo.ipynb")
    """

    def __init__(self, root: str | os.PathLike[str], *,
                 log_path: str | os.PathLike[str] | None = None,
                 python_path: Sequence[str | os.PathLike[str]] = ()) -> None:
        """`root`: the folder served; `log_path`: where its output goes (else a file in
        its temporary state folder, deleted at the end); `python_path`: folders put on
        PYTHONPATH for the server and so for its kernels (e.g. the project's root)."""
        self.root = Path(root).resolve()
        self.python_path = [str(Path(folder).resolve()) for folder in python_path]
        self.state = Path(tempfile.mkdtemp(prefix="jupyterlab-state-"))
        self.log_path = Path(log_path) if log_path is not None else self.state / "jupyter.log"
        self.port = _free_port()
        self.token = secrets.token_hex(16)
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str, query: str = "") -> str:
        """The address of `path` on the server (e.g. ``"lab/tree/a.ipynb"``), with the token
        (and `query`, e.g. ``"reset"``)."""
        query = f"{query}&" if query else ""
        return f"{self.base_url}/{path.lstrip('/')}?{query}token={self.token}"

    def log(self) -> str:
        """What the server has written so far (its log)."""
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return ""

    def _environment(self) -> dict[str, str]:
        folders = {name: self.state / name.lower() for name in (
            "JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR",
            "JUPYTERLAB_SETTINGS_DIR", "JUPYTERLAB_WORKSPACES_DIR", "IPYTHONDIR")}
        for folder in folders.values():
            folder.mkdir(parents=True, exist_ok=True)
        for plugin, settings in _LAB_SETTINGS.items():
            path = folders["JUPYTERLAB_SETTINGS_DIR"] / f"{plugin}.jupyterlab-settings"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(settings), encoding="utf-8")
        environment = {key: value for key, value in os.environ.items()
                       if not key.startswith(("JUPYTER", "IPYTHON"))}
        environment.update({name: str(folder) for name, folder in folders.items()})
        environment["PYTHONUNBUFFERED"] = "1"
        if self.python_path:
            environment["PYTHONPATH"] = os.pathsep.join(
                [*self.python_path, *filter(None, [environment.get("PYTHONPATH")])])
        return environment

    def __enter__(self) -> JupyterLab:
        command = [
            sys.executable, "-m", "jupyterlab", "--no-browser",
            "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={self.port}",
            "--ServerApp.port_retries=0", f"--ServerApp.root_dir={self.root}",
            f"--IdentityProvider.token={self.token}",
            "--LabApp.news_url=None",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        ]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            command.append("--allow-root")  # Jupyter refuses root otherwise (CI runs as root)
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(command, cwd=self.root, env=self._environment(),
                                            stdout=log, stderr=subprocess.STDOUT)
        try:
            self._wait_until_it_answers()
        except BaseException:
            _stop(self.process)
            raise
        return self

    def _wait_until_it_answers(self, timeout: float = HANG) -> None:
        assert self.process is not None
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise BrowserError(f"jupyter lab exited ({self.process.returncode}):\n"
                                   f"{self.log()}")
            try:
                with urllib.request.urlopen(self.url("api/status"), timeout=5) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if time.monotonic() > deadline:
                raise BrowserError(f"jupyter lab did not answer in {timeout:g} s:\n{self.log()}")
            time.sleep(0.25)

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        if self.process is not None:
            _stop(self.process)
        shutil.rmtree(self.state, ignore_errors=True)

    def api(self, path: str, method: str = "GET") -> Any:
        """The JSON answer of the server's REST API at `path` (e.g. ``"api/sessions"``)."""
        request = urllib.request.Request(self.url(path), method=method)
        with urllib.request.urlopen(request, timeout=HANG) as response:
            body = response.read()
        return json.loads(body) if body else None

    def shut_down_kernels(self, timeout: float = HANG) -> None:
        """Stop every running kernel and its session (so that the next notebook opened
        starts afresh), once none is starting: a kernel shut down while JupyterLab waits
        for its first reply holds up the server's next kernel connection for a minute."""
        deadline = time.monotonic() + timeout
        while any(kernel["execution_state"] in ("starting", "unknown")
                  for kernel in self.api("api/kernels")) and time.monotonic() < deadline:
            time.sleep(0.1)
        for session in self.api("api/sessions"):
            self.api(f"api/sessions/{session['id']}", method="DELETE")

    def open_notebook(self, page: Page, name: str, *, alone: bool = True,
                      timeout: float = HANG) -> LabNotebook:
        """Open the notebook `name` (a path relative to the root) in `page`, and wait until
        JupyterLab shows its cells and their saved outputs, before anything is run.

        `alone`: reset JupyterLab's workspace first (``?reset``), so that the notebooks
        opened before are not reopened in other tabs.
        """
        quoted = urllib.parse.quote(name)
        page.navigate(self.url(f"lab/tree/{quoted}", "reset" if alone else ""), timeout)
        notebook = LabNotebook(page, name, self, timeout)
        notebook.wait_until_rendered(timeout)
        return notebook


# What an output area shows: for each output, its rendered mime type and its visible
# pictures and text. A JavaScript function of one output element.
_OUTPUT_SUMMARY = """
(output) => {
  const visible = (e) => {
    const r = e.getBoundingClientRect(), style = getComputedStyle(e);
    return r.width > 0 && r.height > 0 && style.visibility !== 'hidden'
      && style.display !== 'none';
  };
  const size = (e) => { const r = e.getBoundingClientRect();
                        return {width: Math.round(r.width), height: Math.round(r.height)}; };
  const shown = [];
  for (const e of output.querySelectorAll('img, svg, canvas, iframe, pre, video')) {
    if (!visible(e) || e.parentElement.closest('svg')) continue;
    const item = {tag: e.tagName.toLowerCase(), ...size(e)};
    if (item.tag === 'img') { item.naturalWidth = e.naturalWidth;
                              item.naturalHeight = e.naturalHeight;
                              item.src = (e.getAttribute('src') || '').slice(0, 40); }
    if (item.tag === 'pre') item.textLength = e.textContent.length;
    shown.push(item);
  }
  const rendered = output.matches('[data-mime-type]') ? output
                   : output.querySelector('[data-mime-type]');
  return {
    mimeType: rendered ? rendered.getAttribute('data-mime-type') : null,
    trusted: output.classList.contains('jp-mod-trusted'),
    ...size(output),
    scrollWidth: output.scrollWidth, clientWidth: output.clientWidth,
    elements: shown,
    text: output.innerText,
  };
}
"""


class LabNotebook:
    """A notebook open in JupyterLab in a `Page`: what it shows, and running it."""

    def __init__(self, page: Page, name: str, lab: JupyterLab | None = None,
                 timeout: float = HANG) -> None:
        """The notebook `name` that JupyterLab (`lab`, its server, when known) shows in
        `page` in its current tab."""
        self.page = page
        self.name = name
        self.lab = lab
        label = json.dumps(name.rsplit("/", 1)[-1])
        panel_id = page.wait_for(
            "(() => { const tab = [...document.querySelectorAll("
            "'#jp-main-dock-panel .lm-TabBar-tab.lm-mod-current')]"
            f".find(t => t.querySelector('.lm-TabBar-tabLabel').textContent.trim() === {label});"
            " return tab ? tab.dataset.id : null; })()",
            f"a tab showing {name}", timeout)
        self.panel = f"document.getElementById({json.dumps(panel_id)})"
        """A JavaScript expression: the notebook's panel (its toolbar and its cells)."""

    def wait_until_rendered(self, timeout: float = HANG) -> None:
        """Wait until the notebook's panel has loaded (no spinner) and shows its cells,
        each with its input area, and every saved output has been rendered."""
        self.page.wait_for(
            f"(() => {{ const panel = {self.panel}; if (!panel) return false;"
            " if (panel.querySelector('.jp-Spinner')) return false;"
            " const cells = panel.querySelectorAll('.jp-Cell');"
            " if (!cells.length) return false;"
            " const pending = panel.querySelector('.jp-OutputArea-output:empty');"
            " return !pending && [...cells].every(c => !!c.querySelector('.jp-InputArea'))"
            "   && panel.querySelector('.jp-Notebook').getBoundingClientRect().height > 0;"
            " })()",
            f"JupyterLab to show the cells of {self.name}", timeout)
        self.wait_for_images(timeout)

    def wait_for_images(self, timeout: float = HANG) -> None:
        """Wait until every <img> of the notebook has loaded or failed to (``complete``):
        before that, a picture that will show has no natural size yet."""
        self.page.wait_for(
            f"[...{self.panel}.querySelectorAll('img')].every(img => img.complete)",
            f"the pictures of {self.name} to load", timeout)

    def cell_count(self) -> int:
        """How many cells (code, markdown, raw) the notebook shows."""
        return int(self.page.evaluate(f"{self.panel}.querySelectorAll('.jp-Cell').length"))

    def outputs(self) -> list[list[dict[str, Any]]]:
        """For each code cell, in order, what each of its outputs shows: a dict with
        the rendered ``mimeType`` (the ``data-mime-type`` JupyterLab sets), whether it
        was rendered as ``trusted``, the output's ``width``/``height`` and
        ``scrollWidth``/``clientWidth`` (wider: a scrollbar), ``elements`` (its
        visible img/svg/canvas/iframe/pre, each with its tag and size; an img with its
        ``naturalWidth`` (0: it did not load); a pre with its ``textLength``) and its
        visible ``text``. Waits for the pictures to load first."""
        self.wait_for_images()
        return list(self.page.evaluate(
            f"(() => {{ const summary = {_OUTPUT_SUMMARY};"
            f" return [...{self.panel}.querySelectorAll('.jp-CodeCell')].map(cell =>"
            "   [...cell.querySelectorAll('.jp-OutputArea-output')].map(summary)); })()"))

    def prompts(self) -> list[str]:
        """The input prompt of every code cell: ``"[1]:"`` once run, ``"[*]:"`` while
        running, ``"[ ]:"`` when never run."""
        return list(self.page.evaluate(
            f"[...{self.panel}.querySelectorAll('.jp-CodeCell .jp-InputPrompt')]"
            ".map(p => p.textContent.trim())"))

    def kernel_status(self) -> tuple[str, str | None]:
        """What the notebook's toolbar says of its kernel: its name (``"No Kernel"``
        before one is chosen) and its status (``"idle"``, ``"busy"``, ``"connecting"``,
        ...; ``"idle"`` also while there is no kernel yet)."""
        name, status = self.page.evaluate(
            f"(() => {{ const panel = {self.panel};"
            " const name = panel.querySelector('[data-jp-item-name=kernelName]');"
            " const status = panel.querySelector('.jp-Notebook-ExecutionIndicator');"
            " return [name ? name.textContent.trim() : '',"
            "         status ? status.dataset.status || null : null]; })()")
        return name, status

    def wait_for_idle_kernel(self, timeout: float = HANG) -> None:
        """Wait until the notebook is connected to its kernel and the kernel is idle:
        the toolbar names a kernel and says idle, and (when the notebook knows its
        server) the server counts a connection to the notebook's idle kernel. Running a
        cell before that clears it instead (its output and its count go)."""
        deadline = time.monotonic() + timeout
        while True:
            name, status = self.kernel_status()
            if name not in ("", "No Kernel") and status == "idle" and self._server_says_ready():
                return
            if time.monotonic() > deadline:
                raise BrowserError(f"waited {timeout:g} s for the kernel of {self.name} to be"
                                   f" idle; it shows {name!r}, {status!r}")
            time.sleep(0.1)

    def _server_says_ready(self) -> bool:
        if self.lab is None:
            return True
        kernels = [session["kernel"] for session in self.lab.api("api/sessions")
                   if session["path"] == self.name and session.get("kernel")]
        return any(kernel["execution_state"] == "idle" and kernel.get("connections", 1) > 0
                   for kernel in kernels)

    def run_all(self, timeout: float = HANG) -> None:
        """Run all cells as a learner does, with the mouse: the menu Run > Run All Cells.

        Waits until every code cell has been run (its prompt went to ``[*]:``: a saved
        notebook shows its old counts before it is run), shows an execution count
        (``[n]:``) and the kernel is idle. A cell that fails stops the run: BrowserError
        with what the outputs show.
        """
        self.wait_for_idle_kernel(timeout)
        total = self.page.evaluate(
            f"(() => {{ const prompts = [...{self.panel}"
            ".querySelectorAll('.jp-CodeCell .jp-InputPrompt')];"
            " window.backpropRan = new Set();"
            " window.backpropWatch = prompts.map((prompt, i) => {"
            "   const watch = new MutationObserver(() => {"
            "     if (prompt.textContent.trim() === '[*]:') window.backpropRan.add(i); });"
            "   watch.observe(prompt, {childList: true, characterData: true, subtree: true});"
            "   return watch; });"
            " return prompts.length; })()")
        self.menu("Run", "Run All Cells")
        state = (f"(() => {{ const panel = {self.panel};"
                 " const prompts = [...panel.querySelectorAll('.jp-CodeCell .jp-InputPrompt')]"
                 "   .map(p => p.textContent.trim());"
                 " const status = panel.querySelector('.jp-Notebook-ExecutionIndicator');"
                 " return {ran: window.backpropRan.size, prompts,"
                 "   idle: !!status && status.dataset.status === 'idle'}; })()")
        deadline = time.monotonic() + timeout
        stopped_since: float | None = None
        while True:
            now = self.page.evaluate(state)
            numbered = all(re.fullmatch(r"\[\d+\]:", prompt) for prompt in now["prompts"])
            if now["ran"] == total and numbered and now["idle"]:
                break
            if now["idle"] and "[*]:" not in now["prompts"]:
                stopped_since = stopped_since or time.monotonic()
                if time.monotonic() - stopped_since > 5:  # idle, nothing queued: it stopped
                    shown = [[output["text"] for output in cell] for cell in self.outputs()]
                    raise BrowserError(f"running {self.name} stopped: prompts "
                                       f"{now['prompts']}, outputs {shown}")
            else:
                stopped_since = None
            if time.monotonic() > deadline:
                raise BrowserError(f"waited {timeout:g} s for all cells of {self.name} to run;"
                                   f" {now}")
            time.sleep(0.1)
        self.page.evaluate("window.backpropWatch.forEach(watch => watch.disconnect())")

    def menu(self, *labels: str, timeout: float = HANG) -> None:
        """Click through JupyterLab's menus with the mouse, by the labels a learner
        reads: ``menu("Run", "Run All Cells")`` opens Run in the menu bar and clicks
        Run All Cells in it (an enabled item)."""
        first, *rest = labels
        self.page.click(self.page.mark(
            "[...document.querySelectorAll('#jp-MainMenu .lm-MenuBar-item')]"
            f".find(item => item.textContent.trim() === {json.dumps(first)})",
            f"the menu {first!r}"))
        for label in rest:
            find = ("[...document.querySelectorAll('.lm-Menu .lm-Menu-item')]"
                    ".find(item => item.querySelector('.lm-Menu-itemLabel').textContent.trim()"
                    f" === {json.dumps(label)} && !item.classList.contains('lm-mod-disabled')"
                    " && item.getBoundingClientRect().width > 0)")
            self.page.wait_for(f"!!({find})", f"the menu item {label!r}", timeout)
            self.page.click(self.page.mark(find, f"the menu item {label!r}"))

    def screenshot(self, path: str | os.PathLike[str]) -> Path:
        """Save what the tab shows now as a PNG file."""
        return self.page.screenshot(path)


# ---------------------------------------------------------------------------
# Notebook 00's live widget, as a learner uses it (tests/test_jupyterlab.py in JupyterLab,
# tests/test_lab.py in the browser lab)
# ---------------------------------------------------------------------------

# In a notebook's panel: the widget of the cell that shows it, and what a node shows.
WIDGET = ("[...{panel}.querySelectorAll('.backprop-widget')]"
          ".find(w => w.querySelector('.bw-viewport svg'))")
NODE_TEXTS = ("(() => {{ const widget = {widget}; if (!widget) return null;"
              " const node = [...widget.querySelectorAll('g.node')].find(g =>"
              "   (g.querySelector('text') || {{}}).textContent === {name});"
              " return node ? [...node.querySelectorAll('text')].map(t => t.textContent)"
              "   : null; }})()")


def type_1_into_x1(page: Page, panel: str, timeout: float = 30) -> tuple[str, str, float]:
    """In notebook 00's neuron widget (x1 = 2, w1 = -3, ...): the last frame shows x1 = 2 and
    its gradient w1·(1 - o²) = -1.5; typing 1 into x1's box recomputes (in the kernel) and
    the picture follows. Returns the widget's and x1's expressions and the new o = tanh(n)."""
    widget = WIDGET.format(panel=panel)
    page.wait_for(f"!!({widget})", "the live widget to draw its graph")
    page.evaluate(f"{widget}.scrollIntoView({{block: 'center'}})")
    x1 = NODE_TEXTS.format(widget=widget, name=json.dumps("x1"))
    page.evaluate(f"(() => {{ const w = {widget}; const s = w.querySelector('.bw-slider');"
                  " s.value = s.max; s.dispatchEvent(new Event('input')); })()")
    assert page.wait_for(x1, "x1's node") == ["x1", "data 2", "grad -1.5"]
    page.evaluate(f"(() => {{ const f = {widget}.querySelector('input[data-name=\"x1\"]');"
                  " f.focus(); f.select(); })()")
    page.type_text("1")
    page.press("Enter")
    o = math.tanh(1.0 * -3.0 + 6.8813735870195432)
    shown = json.dumps(["x1", "data 1", f"grad {-3.0 * (1 - o * o):.4g}"],
                       separators=(",", ":"))  # as JSON.stringify writes it
    assert page.wait_for(f"JSON.stringify({x1}) === {json.dumps(shown)} && {x1}",
                         "x1's node to show the new point", timeout)
    return widget, x1, o

