"""Operations on grids of scalar nodes: a 2-D convolution built from dot nodes.

Deep-learning libraries call "convolution" what mathematicians call
cross-correlation (the kernel is not flipped)::

    out[i][j] = Σ_{a,b} image[i + a][j + b] · kernel[a][b]

Each output entry is ONE `autograd.dot` node over the kernel and the image
patch under it. Backpropagating through it gives the lecture's result: the
gradient with respect to the image is the "full" correlation of the upstream
gradient with the kernel flipped in both directions (see ``tests/test_nn_functional.py``
and the notebook on convolution).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from autograd import Value, dot, validate

__all__ = ["conv2d", "flip", "pad2d"]

Grid = list[list[Any]]


def conv2d(image: Sequence[Sequence[Any]], kernel: Sequence[Sequence[Any]],
           padding: int = 0) -> Grid:
    """'Valid' cross-correlation of `image` (H×W) with `kernel` (kh×kw).

    ``out[i][j] = Σ_{a<kh, b<kw} image[i+a][j+b] · kernel[a][b]`` for
    0 ≤ i ≤ H+2p−kh and 0 ≤ j ≤ W+2p−kw, where the image is first surrounded
    by `padding` (p) rows and columns of zeros. Entries may be numbers or
    Values; each output entry is one dot node (a float if no input is a Value).
    """
    image = _checked_grid(image, "image")
    kernel = _checked_grid(kernel, "kernel")
    padding = validate.integer(padding, "conv2d: padding", minimum=0)
    if padding:
        image = pad2d(image, padding)
    kh, kw = len(kernel), len(kernel[0])
    height, width = len(image), len(image[0])
    if kh > height or kw > width:
        raise ValueError(f"conv2d: kernel {kh}x{kw} is larger than the (padded) image "
                         f"{height}x{width}")
    weights = [w for row in kernel for w in row]
    return [
        [dot(weights, [image[i + a][j + b] for a in range(kh) for b in range(kw)])
         for j in range(width - kw + 1)]
        for i in range(height - kh + 1)
    ]


def pad2d(grid: Sequence[Sequence[Any]], padding: int) -> Grid:
    """`grid` surrounded by `padding` rows and columns of 0.0."""
    width = len(grid[0]) + 2 * padding
    zeros = [[0.0] * width for _ in range(padding)]
    middle = [[0.0] * padding + list(row) + [0.0] * padding for row in grid]
    return [list(r) for r in zeros] + middle + [list(r) for r in zeros]


def flip(grid: Sequence[Sequence[Any]]) -> Grid:
    """`grid` rotated by 180°: ``flip(k)[a][b] = k[kh−1−a][kw−1−b]``."""
    return [list(reversed(row)) for row in reversed(grid)]


def _checked_grid(grid: Any, what: str) -> Grid:
    if isinstance(grid, (str, bytes)) or not isinstance(grid, Sequence) or not grid:
        raise TypeError(f"conv2d: {what} must be a non-empty list of rows")
    rows = []
    for row in grid:
        if isinstance(row, (str, bytes)) or not isinstance(row, Sequence) or not row:
            raise TypeError(f"conv2d: every row of the {what} must be a non-empty list")
        if len(row) != len(grid[0]):
            raise ValueError(f"conv2d: the {what}'s rows have different lengths "
                             f"({len(grid[0])} and {len(row)})")
        for entry in row:
            if not isinstance(entry, Value) and not validate.is_real(entry):
                raise TypeError(f"conv2d: {what} entries must be numbers or Values, "
                                f"got {type(entry).__name__}")
        rows.append(list(row))
    return rows
