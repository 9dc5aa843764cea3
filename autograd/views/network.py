"""Groups of nodes: the boxes of a drawing, and the units of a collapsed network view.

A label with dots names a place in a model: ``layer1.neuron3.w0`` is the weight
w0 of neuron 3 of layer 1. Its *path* is ``("layer1", "neuron3")``, the boxes it
sits in. An unlabelled computed node joins the deepest box among its parameter
parents (the ``w·x`` of neuron 3 joins neuron 3), so a whole neuron shares one
path.

``collapse=k`` draws each group of depth k (``layer1.neuron3`` for k = 2) as ONE
node. What such a node shows is worked out here (`Group`):

- the values that leave the group, with data and grad. For a neuron, its
  pre-activation ``a`` and its activation ``h = g(a)``;
- a summary of what is inside: how many parameters, the largest |grad| among them.

Standard library only.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from autograd.core import Constant, Value

__all__ = ["Group", "cluster_path", "groups_of", "natural", "paths_of"]


def cluster_path(label: str) -> tuple[str, ...]:
    """``"layer1.neuron0.w0"`` -> ``("layer1", "neuron0")``; no dot -> ``()``."""
    return tuple(label.split(".")[:-1])


def paths_of(order: Sequence[Value]) -> dict[Value, tuple[str, ...]]:
    """The box (a path) of every node, given the nodes parents first.

    A labelled node goes where its label says. An unlabelled computed node goes
    to the deepest box among its parameter parents (``w·x`` of neuron 0 joins
    neuron 0); with none, to the box of its parents if they all share one (the
    ``relu`` of neuron 0), else to no box (a loss over several neurons).
    """
    paths: dict[Value, tuple[str, ...]] = {}
    for node in order:
        if node.label or node.operation is None:
            paths[node] = cluster_path(node.label)
            continue
        from_parameters = [paths[p] for p in node.parents if p.operation is None and paths[p]]
        if from_parameters:
            paths[node] = max(from_parameters, key=len)
        else:
            boxes = {paths[p] for p in node.parents}  # a constant's box is none: ()
            paths[node] = boxes.pop() if len(boxes) == 1 else ()
    return paths


def natural(path: tuple[str, ...]) -> list[tuple[str, int]]:
    """Sort key: neuron2 before neuron10 (digit runs compare as numbers)."""
    return [(text, int(digits) if digits else -1)
            for part in path for text, digits in re.findall(r"(\D*)(\d*)", part)]


@dataclass(eq=False)
class Group:
    """The nodes of one box at the collapse depth, drawn as one node.

    Attributes:
        path:    e.g. ``("layer1", "neuron3")``; ``name`` joins it with dots.
        nodes:   its nodes, parents first.
        shown:   ``(role, node)`` rows to show: the values that leave the group,
                 each preceded by its input when it is a one-input function of a
                 value computed in the group (a neuron's ``a`` before ``h``).
        parameters: its labelled leaves (weights and biases).
    """

    path: tuple[str, ...]
    nodes: list[Value] = field(default_factory=list)
    activation: str = ""  # the op of h = g(a), for a neuron
    shown: list[tuple[str, Value]] = field(default_factory=list)
    parameters: list[Value] = field(default_factory=list)

    @property
    def name(self) -> str:
        return ".".join(self.path)


def groups_of(order: Sequence[Value], root: Value, depth: int,
              paths: dict[Value, tuple[str, ...]]) -> dict[tuple[str, ...], Group]:
    """The groups at `depth`, in natural order (layer1.neuron2 before layer1.neuron10)."""
    groups: dict[tuple[str, ...], Group] = {}
    for node in order:
        path = paths[node]
        if len(path) >= depth and type(node) is not Constant:
            group = groups.setdefault(path[:depth], Group(path[:depth]))
            group.nodes.append(node)
            if node.operation is None and node.label:
                group.parameters.append(node)
    inside = {node: key for key, group in groups.items() for node in group.nodes}
    leaving: set[Value] = {root} if root in inside else set()
    for node in order:
        for parent in node.parents:
            if parent in inside and inside[parent] != inside.get(node):
                leaving.add(parent)
    for group in groups.values():
        group.shown = _rows(group, [n for n in group.nodes if n in leaving], inside)
    return dict(sorted(groups.items(), key=lambda item: natural(item[0])))


def _rows(group: Group, leaving: list[Value],
          inside: dict[Value, tuple[str, ...]]) -> list[tuple[str, Value]]:
    """The rows of a group's node: a neuron shows ``a`` and ``h``, other groups what leaves."""
    rows: list[tuple[str, Value]] = []
    for node in leaving:
        (before,) = node.parents if len(node.parents) == 1 else (None,)
        activation = (node.operation is not None and before is not None
                      and before.operation is not None and inside.get(before) == group.path)
        if activation and len(leaving) == 1:
            rows += [("a", before), ("h", node)]  # type: ignore[list-item]
            group.activation = node.op
        elif len(leaving) == 1 and group.parameters and node.op in ("add", "dot", "sum"):
            rows.append(("a", node))  # a linear neuron: its pre-activation is its output
        else:
            rows.append((node.label.split(".")[-1] if node.label else node.op, node))
    return rows
