"""The front-end files of the views (``static/``), as the pages and widgets inline them.

A page must open offline from a file and a notebook output must need no server, so every
view inlines what it uses: the shared graph.js, its own script and style, and, where no
`dot` program laid the graph out beforehand (browser Python), viz.js (Graphviz compiled
to WebAssembly) to lay it out in the page.
"""

from __future__ import annotations

import base64
import functools
import gzip
import json
import pathlib

STATIC = pathlib.Path(__file__).parent / "static"

__all__ = ["STATIC", "code_of", "in_page_drawing", "packed_renderer", "static_file"]


@functools.cache
def static_file(name: str) -> str:
    """The text of a front-end file in ``static/`` (read once)."""
    return (STATIC / name).read_text(encoding="utf-8")


@functools.cache
def packed_renderer() -> str:
    """viz.js as a page without `dot` carries it: base64 of its gzip (0.6 MB; as JSON it
    would be 3.7 MB, its WebAssembly being a string of control characters, each a 6-byte
    escape). The page unpacks it (graph.js: graphUnpack)."""
    source = (STATIC / "viz.js").read_bytes()
    return base64.b64encode(gzip.compress(source, mtime=0)).decode("ascii")


def code_of(source: str) -> str:
    """JavaScript `source` without its comment lines and blank lines: the code a page
    inlines (the comments are read in the files)."""
    return "\n".join(line for line in source.splitlines()
                     if line.strip() and not line.lstrip().startswith("//"))


def in_page_drawing(dot: str) -> str:
    """A drawing as an HTML fragment that lays its DOT source out itself, with viz.js:
    what `draw_graph` displays in a notebook where there is no `dot` program. Every copy
    finds its own elements (from its script), so it may be shown more than once."""
    data = json.dumps(dot).replace("<", "\\u003c").replace(">", "\\u003e")
    return "\n".join([
        '<div class="backprop-drawing" style="overflow-x: auto">',
        f'<script type="application/json" class="dot">{data}</script>',
        f'<script type="text/plain" class="renderer">{packed_renderer()}</script>',
        "<script>(function () {", code_of(static_file("graph.js")),
        "const root = document.currentScript.parentElement;",
        "graphUnpack(root.querySelector('script.renderer').textContent.trim())",
        "  .then(function (viz) {",
        "    return graphLayOut(JSON.parse(root.querySelector('script.dot').textContent), viz);",
        "  })",
        "  .then(function (svg) { svg.style.maxWidth = '100%'; svg.style.height = 'auto';",
        "                         root.append(svg); })",
        "  .catch(function (error) { root.append('could not lay out the graph: ' + error); });",
        "})();</script>",
        "</div>",
    ])
