"""Mistakes planted in the lecture notebooks (10 to 15) are caught, and the failure shows why.

Each mutation is a classic student mistake written into one line of a copy of a notebook's
cell: the softmax centred by the mean, a transpose dropped, the ReLU mask forgotten, ... The
copy keeps only the cells the check needs (named by their cell ids, in order) and runs in a
fresh kernel (nbclient, offline). It must stop with an AssertionError whose message is the
report: the gradient check's table, or `differences`' entries that differ, naming what was
compared. A bare AssertionError, or an error of another kind (a missing cell, a NameError),
fails the test, and so does a mutation the notebook no longer catches.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
from nbclient.exceptions import CellExecutionError  # noqa: E402 - after the import check

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


@dataclass(frozen=True)
class Mutation:
    notebook: str
    cells: tuple[str, ...]  # the ids of the cells to run, in order; one of them holds `old`
    old: str  # the line as the notebook has it (it must occur exactly once in those cells)
    new: str  # the mistake
    shows: tuple[str, ...]  # what the failure's message must say


MUTATIONS = {
    "the minus sign of C(i, y_i) dropped": Mutation(
        "10_svm_hinge_gradient.ipynb", ("10-setup", "10-loss", "10-engine", "10-hand"),
        "C[i, y[i]] = -m[i].sum()", "C[i, y[i]] = m[i].sum()",
        ("CᵀX by hand vs engine", "max |difference|")),
    "the softmax centred by the mean, not the maximum": Mutation(
        "11_softmax_cross_entropy.ipynb", ("11-setup", "11-engine", "11-hand", "11-which-shift"),
        "shifted = np.exp(scores - scores.max())", "shifted = np.exp(scores - scores.mean())",
        ("stable_softmax([1000.0, -1000.0, 0.0]) = [nan",)),
    "the 1/N of the mean dropped": Mutation(
        "11_softmax_cross_entropy.ipynb", ("11-setup", "11-engine", "11-hand"),
        "return notes_A(W).T @ Xa / N + 2 * LAM * np.array(W)",
        "return notes_A(W).T @ Xa + 2 * LAM * np.array(W)",
        ("(1/N)AᵀX + 2λW vs engine", "max |difference|")),
    "the ReLU mask forgotten": Mutation(
        "12_two_layer_networks.ipynb", ("12-setup", "12-net", "12-correct"),
        "dH = (dZ @ np.array(W2).T) * mask", "dH = dZ @ np.array(W2).T",
        ("hand gradient check: FAILED", "W1[", "b1[")),
    "a transpose dropped in the recursion C_i": Mutation(
        "13b_hidden_layers_as_a_recursion.ipynb", ("13b-setup", "13b-recursion-defs", "13b-relu"),
        "return (C_next * G_prime) @ np.array(W).T", "return (C_next * G_prime) @ np.array(W)",
        ("by ⑤ (ReLU) vs engine", "max |difference|")),
    "the factor g′ dropped from ∇a_(k-1)": Mutation(
        "13_backprop_pseudocode.ipynb", ("13-setup", "13-sizes", "13-hidden", "13-pseudo"),
        'grads[f"a{k - 1}"] = grads[f"h{k - 1}"] * g_prime(a[k - 1])',
        'grads[f"a{k - 1}"] = grads[f"h{k - 1}"]',
        ("pseudo-code ∇W2 vs engine", "max |difference|")),
    "the ReLU's indicator dropped from the chain rule of 7.2": Mutation(
        "14_forward_vs_reverse_mode.ipynb", ("14-setup", "14-network"),
        "hand_dW1 = [de_da[k] * (1.0 if pre[k] > 0 else 0.0) * x[l]", "hand_dW1 = [de_da[k] * x[l]",
        ("∂e/∂W1 by 7.2 vs engine", "max |difference|")),
    "the kernel's flip dropped from the input gradient": Mutation(
        "15_convolution_backward.ipynb", ("15-setup", "15-gradient", "15-check"),
        "return grid_data(conv2d(upstream.tolist(), flip(kernel_numbers), padding=1))",
        "return grid_data(conv2d(upstream.tolist(), kernel_numbers, padding=1))",
        ("hand gradient check: FAILED (25 of 25 entries)", "I[")),
    "a flip added to the backward pass of a true convolution": Mutation(
        "15_convolution_backward.ipynb",
        ("15-setup", "15-picture", "15-flip", "15-gradient", "15-own-terms"),
        "conv2d(upstream_of_convolution(image).tolist(), kernel_numbers, padding=1)",
        "conv2d(upstream_of_convolution(image).tolist(), flip(kernel_numbers), padding=1)",
        ("hand gradient check: FAILED",)),
}


def planted(mutation: Mutation):
    """A notebook of the mutation's cells, in its order, with the mistake written in."""
    notebook = nbformat.read(NOTEBOOKS / mutation.notebook, as_version=4)
    by_id = {cell.get("id"): cell for cell in notebook.cells}
    missing = [name for name in mutation.cells if name not in by_id]
    assert not missing, f"{mutation.notebook} has no cells {missing}"
    cells = [nbformat.from_dict(dict(by_id[name])) for name in mutation.cells]
    holding = [cell for cell in cells if mutation.old in cell.source]
    assert len(holding) == 1 and holding[0].source.count(mutation.old) == 1, (
        f"{mutation.old!r} must occur once in the cells {mutation.cells} of {mutation.notebook}")
    holding[0].source = holding[0].source.replace(mutation.old, mutation.new)
    for cell in cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    copy = nbformat.v4.new_notebook(cells=cells, metadata=notebook.metadata)
    return copy


@pytest.mark.parametrize("name", list(MUTATIONS))
def test_a_planted_mistake_fails_with_its_report_shown(name):
    mutation = MUTATIONS[name]
    client = nbclient.NotebookClient(planted(mutation), timeout=120, kernel_name="python3",
                                     resources={"metadata": {"path": str(NOTEBOOKS)}})
    with pytest.raises(CellExecutionError) as caught:
        client.execute()
    error = caught.value
    assert error.ename == "AssertionError", f"{name}: not a check but {error.ename}:\n{error}"
    message = error.evalue.strip()
    assert message, f"{name}: a bare AssertionError, no report:\n{error}"
    missing = [text for text in mutation.shows if text not in message]
    assert not missing, f"{name}: the failure does not show {missing}; it says:\n{message}"

