"""static/graph.js, the front-end code the views share, run in headless Chromium against
the Python it must agree with."""

from __future__ import annotations

import json
import random

import pytest

from autograd.views.trace import number
from autograd.views.widget import STATIC
from tests.browser import CHROMIUM, Chromium


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    if CHROMIUM is None:
        pytest.skip("no Chromium installed (Debian: apt-get install chromium; see .ci/run)")
    folder = tmp_path_factory.mktemp("graph_js")
    path = folder / "graph.html"
    path.write_text("<!DOCTYPE html><meta charset='utf-8'><script>"
                    + (STATIC / "graph.js").read_text(encoding="utf-8") + "</script>")
    with Chromium(folder / "profile") as chromium:
        tab = chromium.new_page()
        tab.navigate(path.as_uri())
        yield tab


def test_numbers_read_as_the_drawings_print_them(page):
    rng = random.Random(0)
    samples = [0.0, -0.0, 1.0, -1.5, 0.28035, 1e-5, 9.9995e-5, 123456.0, 9999.5, 0.1 + 0.2,
               1.5e308, 5e-324, -2.5e-7, 1234.5, 12345.0]
    samples += [rng.uniform(-1, 1) * 10 ** rng.randint(-12, 12) for _ in range(300)]
    shown = page.evaluate(f"{json.dumps(samples)}.map(x => graphNumber(x, 4))")
    assert shown == [number(x) for x in samples]
    assert page.evaluate("graphNumber(2 / 3, 6)") == number(2 / 3, 6)
