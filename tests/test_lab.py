"""`backprop lab DIR` (issue 22): the lab built from a clean clone, then used as a student
and a teacher would, in headless Chromium, served from 127.0.0.1 with every request for any
other host refused (and noted: `Chromium(block_outside=True)`).

The lab is built once for the module, offline, from the cache that ``make lab-deps`` fills
(``.venv/lab-cache``): the download is an install step, never part of a test. The folder's
size and start times are measured by benchmarks/lab_budget.py, not asserted here.
"""

from __future__ import annotations

import hashlib
import html.parser
import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from nn.cli.lab import lessons, pins
from nn.cli.lab.fetch import Cache
from tests.browser import (
    CHROMIUM,
    Chromium,
    LabNotebook,
    Page,
    StaticServer,
    type_1_into_x1,
)

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / ".venv" / "lab-cache"  # what `make lab-deps` fills
LAN_NAME = "lab.test"  # 127.0.0.1 under a name: to the browser, a plain-http site on a LAN


@dataclass
class Built:
    folder: Path
    given: str  # the DIR `backprop lab` was given (relative)
    said: str  # what it printed


def clean_clone(target: Path) -> Path:
    """The files a clone would have once this working tree is committed: those git tracks
    or would track (nothing it ignores: no .venv, build/, caches)."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others",
                             "--exclude-standard"], cwd=ROOT, capture_output=True, check=True)
    for name in filter(None, listed.stdout.decode().split("\0")):
        if (ROOT / name).is_file():  # (a tracked file deleted in the work tree is skipped)
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, target / name)
    return target


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    missing = Cache(CACHE).missing()
    if missing:
        pytest.fail(f"the lab's downloads are not in {CACHE}: run 'make lab-deps' first "
                    f"(it lacks {'; '.join(missing)})")
    clone = clean_clone(tmp_path_factory.mktemp("clone"))
    folder = tmp_path_factory.mktemp("hosted") / "lab"
    given = os.path.relpath(folder, clone)  # relative paths, as `make lab` gives them
    done = subprocess.run([sys.executable, "-m", "nn.cli", "lab", given, "--cache",
                           os.path.relpath(CACHE, clone), "--offline"], cwd=clone,
                          capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr
    return Built(folder, given, done.stdout)


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Chromium]:
    if CHROMIUM is None:
        pytest.skip("no Chromium installed (Debian: apt-get install chromium; see .ci/run)")
    with Chromium(tmp_path_factory.mktemp("profile"), block_outside=True,
                  lan_name=LAN_NAME) as chromium:
        yield chromium


def readme_example() -> tuple[str, str]:
    """The README's first Python example and the output it shows (read here on purpose,
    not with the builder's own function)."""
    readme = (ROOT / "README.md").read_text()
    code = readme.split("```python\n", 1)[1].split("```", 1)[0]
    output = readme.split(code, 1)[1].split("```text\n", 1)[1].split("```", 1)[0]
    return code, output


# ---------------------------------------------------------------------------
# The folder
# ---------------------------------------------------------------------------


def test_backprop_lab_writes_the_folder_a_teacher_uploads(built):
    folder = built.folder
    size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    files = sum(1 for p in folder.rglob("*") if p.is_file())
    assert f"lab written to {built.given}: {size / 1e6:.1f} MB in {files} files" in built.said
    for page in ("index.html", "check.html", "lab/index.html", "static/pyodide/pyodide.mjs",
                 "static/pyodide/pyodide.asm.wasm", "LICENSES/README.md"):
        assert (folder / page).is_file(), page
    assert sorted(p.name for p in (folder / "files").glob("*.ipynb")) == list(lessons.LESSONS)

    # Pyodide's package list: exactly the wheels beside it, their hashes right, and
    # backprop-lab needing in the browser neither graphviz-pure nor matplotlib
    pyodide = folder / "static" / "pyodide"
    listed = json.loads((pyodide / "pyodide-lock.json").read_text())["packages"]
    assert {p.name for p in pyodide.glob("*.whl")} == {e["file_name"] for e in listed.values()}
    for entry in listed.values():
        data = (pyodide / entry["file_name"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"], entry["name"]
        assert set(entry["depends"]) <= set(listed), entry["name"]
    assert sorted(listed["backprop-lab"]["depends"]) == ["anywidget", "graphviz"]
    assert {pin.name for pin in pins.BROWSER_WHEELS} | set(pins.KERNEL_PACKAGES) <= set(listed)

    # the kernel: Pyodide from this folder, the lab's packages loaded at start, never PyPI
    config = json.loads((folder / "jupyter-lite.json").read_text())["jupyter-config-data"]
    kernel = config["litePluginSettings"]["@jupyterlite/pyodide-kernel-extension:kernel"]
    assert kernel["pyodideUrl"] == "./static/pyodide/pyodide.mjs"
    assert kernel["disablePyPIFallback"] is True
    assert kernel["loadPyodideOptions"]["packages"] == list(pins.KERNEL_PACKAGES)
    assert {e["name"] for e in config["federated_extensions"]} == {
        "anywidget", "@jupyter-widgets/jupyterlab-manager", "@jupyterlite/pyodide-kernel-extension"}

    # the front page: the lessons, and each notebook left out with its reason
    front = (folder / "index.html").read_text()
    for name in lessons.LESSONS:
        assert f'href="lab/index.html?path={name}"' in front
    assert "04 classic backprop bugs <span class=\"why\">— needs matplotlib and numpy" in front
    # a lesson with a part cut says it is one part (it read "— left out: ...", as if the
    # whole lesson were)
    assert '<span class="why">— one part left out: a cell that writes a PNG file' in front
    assert '<span class="why">— one part left out: the hand backward pass of section 5' in front
    # ■ cannot interrupt the browser's kernel (it has no interrupt): the page says what works
    assert ("cannot be interrupted here: ■ does\nnothing. Use <b>Kernel ▸ Restart Kernel</b>"
            in front)

    # the licences: a row and a folder for every wheel, Pyodide's and JupyterLite's too
    licences = (folder / "LICENSES" / "README.md").read_text()
    for entry in listed.values():
        assert f"| {entry['name']} {entry['version']} |" in licences
    assert (folder / "LICENSES" / f"pyodide-{pins.PYODIDE.version}" / "MPL-2.0.txt").is_file()
    assert any((folder / "LICENSES" / "jupyterlite-core").iterdir())
    assert (folder / "LICENSES" / "ipython-9.12.0" / "LICENSE").is_file()


# Hosts that serve packages or scripts to pages: a lab must take nothing from them. Each
# place one is named in the lab's code is listed in ALLOWED with why nothing is loaded
# from it there; test_the_settings_the_allowed_mentions_rely_on checks those reasons.
PACKAGE_HOSTS = ("cdn.jsdelivr.net", "unpkg.com", "cdnjs.cloudflare.com", "esm.sh",
                 "cdn.skypack.dev", "ga.jspm.io", "pypi.org", "files.pythonhosted.org",
                 "fonts.googleapis.com", "fonts.gstatic.com", "raw.githubusercontent.com",
                 "ajax.googleapis.com", "code.jquery.com")
ALLOWED = {
    ("static/pyodide/pyodide.mjs", "https://cdn.jsdelivr.net/pyodide/v${"):
        "Pyodide's package CDN: only Node.js uses it (pyodide.asm.mjs sets cdnURL IN_NODE); "
        "a browser loads packages from the folder of pyodide-lock.json",
    ("extensions/@jupyterlite/pyodide-kernel-extension/static/*.js",
     "https://cdn.jsdelivr.net/pyodide/v"): "the kernel's default pyodideUrl, which "
        "jupyter-lite.json replaces with ./static/pyodide/pyodide.mjs",
    ("extensions/@jupyterlite/pyodide-kernel-extension/static/schema/kernel.v0.schema.json",
     "https://cdn.jsdelivr.net/pyodide/v"): "the same default, in the settings' schema",
    ("extensions/@jupyterlite/pyodide-kernel-extension/static/schema/kernel.v0.schema.json",
     "https://pypi.org/pypi/"): "the description of disablePyPIFallback, set to true",
    ("build/*.js", "https://raw.githubusercontent.com/ajv-validator/ajv/master/lib/refs/data.json"):
        "a JSON schema's $id: an identifier that ajv never fetches",
    ("build/*.js", "https://raw.githubusercontent.com/jupyter-server/jupyter_server/main/"):
        "a link in a setting's description (help text)",
}
LOADING_ATTRIBUTES = {"script": "src", "img": "src", "iframe": "src", "source": "src",
                      "video": "src", "audio": "src", "embed": "src", "object": "data",
                      "link": "href", "base": "href"}


def outside(url: str) -> bool:
    """Whether `url` names another host than the one serving the page."""
    parts = urllib.parse.urlsplit(url.strip())
    return bool(parts.netloc) and parts.hostname not in ("127.0.0.1", "localhost")


class Loads(html.parser.HTMLParser):
    """The URLs a page's elements load (scripts, styles, pictures, frames...)."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "link" and not {"stylesheet", "preload", "modulepreload", "icon",
                                  "manifest", "prefetch"} & set((found.get("rel") or "").split()):
            return
        url = found.get(LOADING_ATTRIBUTES.get(tag, ""))
        if url:
            self.urls.append(url)


def package_host_mentions(folder: Path) -> set[tuple[str, str]]:
    """(file, URL) for each URL of a `PACKAGE_HOSTS` host in the lab's scripts and data."""
    hosts = "|".join(re.escape(host) for host in PACKAGE_HOSTS)
    pattern = re.compile(r"(?:https?:)?//(?:" + hosts + r")[^\s\"'`)<>\\]*")
    found = set()
    for path in folder.rglob("*"):
        if path.suffix in (".js", ".mjs", ".json", ".html", ".css", ".ipynb") and path.is_file():
            for url in pattern.findall(path.read_text("utf-8", errors="replace")):
                found.add((path.relative_to(folder).as_posix(), url))
    return found


def test_no_page_of_the_lab_loads_anything_from_another_host(built):
    folder = built.folder
    loaded = []
    for page in folder.rglob("*.html"):
        parser = Loads()
        parser.feed(page.read_text("utf-8"))
        loaded += [(page.name, url) for url in parser.urls if outside(url)]
    for sheet in folder.rglob("*.css"):
        for url in re.findall(r"url\(\s*['\"]?([^'\")\s]+)|@import\s+['\"]([^'\"]+)",
                              sheet.read_text("utf-8")):
            loaded += [(sheet.name, u) for u in url if u and outside(u)]
    # the settings the app reads: no address of another host anywhere in them
    settings = [*folder.rglob("jupyter-lite.json"), folder / "overrides.json",
                folder / "static" / "pyodide" / "pyodide-lock.json",
                *folder.glob("extensions/**/pypi/all.json"), folder / "api/contents/all.json"]
    settings_text = [p.read_text() for p in settings]
    settings_text += [json.dumps(json.loads(p.read_text())["metadata"])
                      for p in folder.rglob("jupyter-lite.ipynb")]
    for text in settings_text:
        loaded += [("settings", url) for url in re.findall(r"\"((?:https?|wss?):)?//[^\"]*\"",
                                                             text)]
    assert loaded == []

    mentions = package_host_mentions(folder)
    unexplained = {(path, url) for path, url in mentions
                   if not any(Path(path).match(glob) and url.startswith(prefix)
                              for glob, prefix in ALLOWED)}
    assert unexplained == set(), "explain each in ALLOWED, or stop the lab loading from it"
    assert mentions, "the scan finds nothing: the pattern is broken"


def test_the_settings_the_allowed_mentions_rely_on(built):
    config = json.loads((built.folder / "jupyter-lite.json").read_text())
    kernel = config["jupyter-config-data"]["litePluginSettings"][
        "@jupyterlite/pyodide-kernel-extension:kernel"]
    assert kernel["pyodideUrl"].startswith("./") and kernel["disablePyPIFallback"] is True
    assert "IN_NODE?(this.installBaseUrl" in (
        built.folder / "static" / "pyodide" / "pyodide.asm.mjs").read_text()


# ---------------------------------------------------------------------------
# check.html, as a teacher opens it
# ---------------------------------------------------------------------------


def open_check(browser: Chromium, server: StaticServer) -> Page:
    page = browser.new_page(width=1100, height=800)
    page.navigate(server.url("check.html"))
    page.wait_for("document.body.dataset.state !== 'running'", "check.html to finish", 240)
    return page


def test_check_html_runs_the_readme_example_and_draws_it_with_nothing_from_outside(
        built, browser, tmp_path):
    with StaticServer(built.folder) as server:
        page = open_check(browser, server)
        page.screenshot(tmp_path / "check.png")
        result = page.evaluate("document.getElementById('result').textContent")
        state = page.evaluate("document.body.dataset.state")
        assert state == "ok", (result, list(page.console))
        assert result == readme_example()[1].rstrip()
        nodes = page.evaluate("[...document.querySelectorAll('#graph svg g.node')].map(g =>"
                              " [...g.querySelectorAll('text')].map(t => t.textContent)"
                              ".join(' '))")
        assert "x data 0.5 grad -0.4206" in nodes and "w data -1.5 grad 0.1402" in nodes
        wheel = next((built.folder / "static/pyodide").glob("backprop_lab-*.whl")).name
        assert f"GET /static/pyodide/{wheel}" in server.requests  # micropip installed it
    assert browser.outside_requests() == []


def test_check_html_names_what_failed_in_one_line(built, browser):
    # a host that does not serve WebAssembly (here: one file missing)
    with StaticServer(built.folder, refuse=["/static/pyodide/pyodide.asm.wasm"]) as server:
        page = open_check(browser, server)
        result = page.evaluate("document.getElementById('result').textContent")
    assert page.evaluate("document.body.dataset.state") == "failed"
    assert result == ("failed while finding Pyodide's files: static/pyodide/pyodide.asm.wasm: "
                      "HTTP 404 Not Found")
    assert "\n" not in result


def lesson_width(browser: Chromium, server: StaticServer, width: int) -> float:
    """The width of lesson 00's cells once opened from the front page in a window
    `width` pixels wide."""
    page = browser.new_page(width=width, height=844)
    page.navigate(server.url("index.html"))
    page.click(page.mark("[...document.querySelectorAll('a')].find(a => a.textContent ==="
                         " '00 start here')", "the link to lesson 00"))
    return float(page.wait_for(
        "(() => { const cell = document.querySelector('.jp-Notebook .jp-Cell .jp-InputArea');"
        " const width = cell ? cell.getBoundingClientRect().width : 0;"
        " return width > 0 && width; })()", "lesson 00's cells", 120))


def test_a_lesson_opened_on_a_phone_gets_the_width_of_the_screen(built, browser):
    """On a phone JupyterLab opens its file browser beside the lesson, which left the
    lesson's cells a few pixels wide: there the front page opens the lessons in the
    Notebook interface (one document, the whole width)."""
    with StaticServer(built.folder) as server:
        assert lesson_width(browser, server, 390) > 300
        assert lesson_width(browser, server, 1280) > 600  # JupyterLab, as before


# ---------------------------------------------------------------------------
# Lesson 00 in JupyterLite, as a student runs it
# ---------------------------------------------------------------------------

def test_lesson_00_runs_in_the_lab_and_its_widget_follows_x1(built, browser, tmp_path):
    """As served on a LAN over plain http (the harder case: no service worker, which
    browsers allow only on https and localhost)."""
    name = "00_start_here.ipynb"
    with StaticServer(built.folder) as server:
        page = browser.new_page(width=1280, height=1000)
        page.navigate(server.url(f"lab/index.html?path={name}", host=LAN_NAME))
        assert page.evaluate("window.isSecureContext") is False
        notebook = LabNotebook(page, name, None, timeout=120)
        notebook.wait_until_rendered(120)
        # the outputs saved in the lesson, before any cell runs: each line as printed (a
        # list of lines in the file once showed with a comma at the start of each line)
        saved = page.wait_for(f"[...{notebook.panel}.querySelectorAll('[data-mime-type="
                              "\"application/vnd.jupyter.stdout\"]')].map(o => o.textContent)"
                              ".filter(text => text)", "the saved outputs of lesson 00")
        assert "Value(data=0.707107, grad=0, label='o', op='tanh')\nparents of o: ['n']" in saved[0]
        assert not any("\n," in text for text in saved), saved
        notebook.run_all(timeout=300)
        notebook.screenshot(tmp_path / "00_run.png")
        prompts = notebook.prompts()
        assert all(re.fullmatch(r"\[\d+\]:", p) for p in prompts), prompts
        errors = page.evaluate(f"{notebook.panel}.querySelectorAll("
                               "'[data-mime-type=\"application/vnd.jupyter.stderr\"]').length")
        assert errors == 0

        # the student types 1 into x1's box: the kernel in the page recomputes, the picture
        # follows
        type_1_into_x1(page, notebook.panel, timeout=60)
        notebook.screenshot(tmp_path / "00_after_x1.png")
    assert browser.outside_requests() == []


def test_a_request_for_another_host_is_refused_and_noted(tmp_path):
    """What the tests above rely on: with block_outside, a page's request for another host
    (from the page or from a worker) never leaves the machine, and is noted."""
    if CHROMIUM is None:
        pytest.skip("no Chromium installed (Debian: apt-get install chromium; see .ci/run)")
    (tmp_path / "asks.html").write_text(
        "<script>fetch('https://cdn.jsdelivr.net/npm/a').catch(() => null);"
        "new Worker(URL.createObjectURL(new Blob(["
        "\"fetch('https://unpkg.com/b').catch(() => null)\"])));</script>")
    with StaticServer(tmp_path) as server, Chromium(tmp_path / "profile",
                                                    block_outside=True) as chromium:
        page = chromium.new_page()
        page.navigate(server.url("asks.html"))
        assert page.evaluate("fetch('https://cdn.jsdelivr.net/npm/a').then(() => 'got it',"
                             " () => 'refused')") == "refused"
        deadline = time.monotonic() + 30  # the worker's request comes in its own time
        while not any("unpkg.com" in line for line in chromium.outside_requests()):
            assert time.monotonic() < deadline, chromium.outside_requests()
            time.sleep(0.1)
        hosts = " ".join(chromium.outside_requests())
    assert "CONNECT cdn.jsdelivr.net:443" in hosts and "CONNECT unpkg.com:443" in hosts
