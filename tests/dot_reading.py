"""Reading the DOT source that draw_graph writes back into nodes, edges and texts
(small, enough for what the drawings hold), for the drawing tests."""

from __future__ import annotations

import html
import re

NODE = re.compile(r'^\s*(\w+) \[(.*)\]$')
EDGE = re.compile(r'^\s*(\w+)(?::\w+(?::\w+)?)? -> (\w+)((?::\w+)*)(?: \[(.*)\])?$')
ATTRIBUTE = re.compile(r'(\w+)=(<(?:[^<>]|<[^<>]*>)*>|"(?:[^"\\]|\\.)*"|[^ \]]+)')
CELL = re.compile(r"<TD[^>]*>(.*?)</TD>")


def attributes(text: str | None) -> dict[str, str]:
    if not text:
        return {}
    return {key: value.strip('"') for key, value in ATTRIBUTE.findall(text)}


def parse(source: str) -> tuple[dict[str, dict[str, str]], list[tuple[str, str, dict[str, str]]]]:
    """Node id -> attributes; edges (tail, head, attributes); a head's port is in 'port'."""
    nodes: dict[str, dict[str, str]] = {}
    edges = []
    for line in source.splitlines():
        if (edge := EDGE.match(line)) is not None:
            attrs = attributes(edge[4])
            if attrs.get("style") == "invis":
                continue  # keeps leaves in order: a layout aid, not an edge of the graph
            if edge[3]:
                attrs["port"] = edge[3].split(":")[1]
            edges.append((edge[1], edge[2], attrs))
        elif (node := NODE.match(line)) is not None and node[1] not in ("node", "edge", "graph"):
            nodes[node[1]] = attributes(node[2])
    return nodes, edges


def texts(attrs: dict[str, str]) -> list[str]:
    """The texts a node shows: its cells, or its plain label."""
    label = attrs.get("label", "")
    cells = CELL.findall(label)
    if not cells:
        return [html.unescape(re.sub(r"<[^>]+>", "", label.strip("<>")))]
    return [html.unescape(re.sub(r"<[^>]+>", "", cell)) for cell in cells]


def find(nodes: dict[str, dict[str, str]], title: str) -> str:
    """The id of the value node whose first text is `title`."""
    matches = [i for i, a in values(nodes).items() if texts(a)[0] == title]
    assert len(matches) == 1, (title, matches)
    return matches[0]


def values(nodes: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
    """The nodes that draw a Value as a row `name | data | grad`."""
    return {i: a for i, a in nodes.items() if a.get("shape") == "plain" and not i.endswith("_op")}


