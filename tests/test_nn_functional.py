"""conv2d: the cross-correlation formula, and its input gradient (seed 004):
the full correlation of the upstream gradient with the flipped kernel."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd import Value, dot
from autograd import sum as sum_all
from nn.functional import conv2d, flip

small = st.floats(min_value=-3, max_value=3, allow_nan=False)


def grids(min_side: int, max_side: int) -> st.SearchStrategy[list[list[float]]]:
    return st.integers(min_side, max_side).flatmap(
        lambda h: st.integers(min_side, max_side).flatmap(
            lambda w: st.lists(st.lists(small, min_size=w, max_size=w), min_size=h, max_size=h)))


def correlate_full(grid: list[list[float]], kernel: list[list[float]]) -> list[list[float]]:
    """'Full' cross-correlation on plain floats, written independently of conv2d:
    out[i][j] = Σ_{a,b} grid[i + a - (kh-1)][j + b - (kw-1)] · kernel[a][b], zeros outside."""
    kh, kw = len(kernel), len(kernel[0])
    h, w = len(grid), len(grid[0])
    out = []
    for i in range(h + kh - 1):
        row = []
        for j in range(w + kw - 1):
            total = 0.0
            for a in range(kh):
                for b in range(kw):
                    r, c = i + a - (kh - 1), j + b - (kw - 1)
                    if 0 <= r < h and 0 <= c < w:
                        total += grid[r][c] * kernel[a][b]
            row.append(total)
        out.append(row)
    return out


def test_small_example_by_hand() -> None:
    image = [[1, 2, 3], [4, 5, 6], [7, 8, 9]]
    kernel = [[1, 0], [0, -1]]
    # out[i][j] = image[i][j] - image[i+1][j+1] = -4 everywhere
    assert conv2d(image, kernel) == [[-4.0, -4.0], [-4.0, -4.0]]
    padded = conv2d(image, [[1]], padding=1)
    assert padded[0] == [0.0] * 5 and padded[2] == [0.0, 4.0, 5.0, 6.0, 0.0]


def test_each_output_is_one_dot_node() -> None:
    image = [[Value(float(i + j)) for j in range(4)] for i in range(4)]
    out = conv2d(image, [[1.0, 2.0], [3.0, 4.0]])
    assert len(out) == 3 and len(out[0]) == 3
    assert all(v.op == "dot" and len(v.parents) == 8 for row in out for v in row)


@given(grids(3, 5), grids(1, 3), st.data())
@settings(max_examples=40)
def test_input_gradient_is_full_correlation_with_flipped_kernel(image, kernel, data) -> None:
    if len(kernel) > len(image) or len(kernel[0]) > len(image[0]):
        kernel = [row[: len(image[0])] for row in kernel[: len(image)]]
    pixels = [[Value(x) for x in row] for row in image]
    out = conv2d(pixels, kernel)
    upstream = [[data.draw(small) for _ in row] for row in out]
    loss = sum_all([dot(g_row, o_row) for g_row, o_row in zip(upstream, out)])  # Σ g·out
    loss.backward()
    expected = correlate_full(upstream, flip(kernel))
    for i, row in enumerate(pixels):
        for j, pixel in enumerate(row):
            assert pixel.grad == pytest.approx(expected[i][j], abs=1e-9)


@given(grids(2, 4), grids(1, 2))
@settings(max_examples=30)
def test_kernel_gradient_is_correlation_of_image_with_upstream(image, kernel) -> None:
    kernel = [row[: len(image[0])] for row in kernel[: len(image)]]
    weights = [[Value(x) for x in row] for row in kernel]
    out = conv2d(image, weights, padding=1)
    sum_all([v for row in out for v in row]).backward()  # upstream gradient of ones
    padded = [[0.0] * (len(image[0]) + 2)] + [[0.0, *r, 0.0] for r in image] \
        + [[0.0] * (len(image[0]) + 2)]
    for a, row in enumerate(weights):
        for b, w in enumerate(row):
            expected = sum(padded[i + a][j + b]
                           for i in range(len(out)) for j in range(len(out[0])))
            assert w.grad == pytest.approx(expected, abs=1e-9)


@pytest.mark.parametrize("image, kernel, padding, error, words", [
    ([[1, 2]], [[1, 2, 3]], 0, ValueError, "larger than"),
    ([[1, 2], [3]], [[1]], 0, ValueError, "different lengths"),
    ([[1, "a"]], [[1]], 0, TypeError, "str"),
    ([], [[1]], 0, TypeError, "non-empty"),
    ([[1, 2]], [[1]], -1, ValueError, "padding"),
])
def test_bad_inputs(image, kernel, padding, error, words) -> None:
    with pytest.raises(error, match=words):
        conv2d(image, kernel, padding=padding)
