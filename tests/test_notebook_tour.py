"""What the tour (notebooks/00_start_here.ipynb) shows, tested through the API.

The notebook reads as a tour: it builds the neuron tanh(x1·w1 + x2·w2 + b),
shows the player, steps through backward and checks the gradients. The checks
that are plumbing rather than teaching (what the player's HTML contains, the
order and number of steps) live here, on the same neuron.
"""

from __future__ import annotations

import math
import re

import autograd
from autograd import Value

B = 6.8813735870195432  # chosen so that the neuron's output is 1/√2


def tour_neuron() -> tuple[Value, list[Value]]:
    """The tour's neuron, with the tour's labels; returns (o, [x1, x2, w1, w2, b])."""
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(B, label="b")
    x1w1 = x1 * w1
    x1w1.label = "x1*w1"
    x2w2 = x2 * w2
    x2w2.label = "x2*w2"
    s = x1w1 + x2w2
    s.label = "s"
    n = s + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    return o, [x1, x2, w1, w2, b]


def neuron(x1, x2, w1, w2, b):
    return (x1 * w1 + x2 * w2 + b).tanh()


def test_the_neuron_outputs_one_over_root_two():
    o, _ = tour_neuron()
    assert math.isclose(o.data, 1 / math.sqrt(2), rel_tol=1e-12)
    assert [p.label for p in o.parents] == ["n"] and o.op == "tanh"


def test_the_player_has_a_start_frame_and_one_frame_per_operation():
    o, _ = tour_neuron()
    page = str(autograd.player_html(o))
    operations = sum(1 for node in autograd.topological_order(o) if node.op)
    assert operations == 5
    assert f'data-frames="{operations + 1}"' in page
    assert page.count('{"c":') == operations + 1  # each frame's data starts with its caption


def test_the_player_loads_nothing_from_the_network():
    o, _ = tour_neuron()
    page = str(autograd.player_html(o))
    assert "<script>" in page  # the buttons work from inline code
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)


def test_jupyter_shows_the_player_itself_not_its_summary():
    o, _ = tour_neuron()
    player = autograd.player_html(o)
    shown = player._repr_html_()  # what a notebook cell displays: the player itself
    assert shown.startswith("<!DOCTYPE html>") and 'class="backprop-player"' in shown
    assert shown.count('{"c":') == 6  # all six frames
    assert repr(player).startswith("<backprop player: 6 frames")  # the text/plain fallback


def test_building_the_player_leaves_every_gradient_as_it_was():
    o, leaves = tour_neuron()
    autograd.player_html(o)
    assert all(node.grad == 0 for node in autograd.topological_order(o))
    o.backward()
    before = [v.grad for v in leaves]
    autograd.player_html(o)
    assert [v.grad for v in leaves] == before


def test_stepping_starts_at_the_output_and_visits_each_operation_once():
    o, _ = tour_neuron()
    names = [step.name for step in autograd.backward_steps(o)]
    assert names[0] == "o" and names[1] == "n" and names[2] == "s"
    assert sorted(names) == sorted(["o", "n", "s", "x1*w1", "x2*w2"])


def test_stepping_backward_and_grad_give_the_same_gradients():
    o, leaves = tour_neuron()
    for _ in autograd.backward_steps(o):
        pass
    stepped = [v.grad for v in leaves]
    assert stepped == list(autograd.grad(o, leaves))
    fresh, fresh_leaves = tour_neuron()
    fresh.backward()
    assert [v.grad for v in fresh_leaves] == stepped
    do_dn = 1 - o.data**2  # = 1/2
    assert stepped == [w * do_dn for w in (-3.0, 1.0)] + [x * do_dn for x in (2.0, 0.0)] + [do_dn]


def test_the_tours_gradient_reports():
    _, leaves = tour_neuron()
    assert autograd.gradcheck(neuron, leaves)

    def my_gradient(x1, x2, w1, w2, b):
        d = 1 - math.tanh(x1 * w1 + x2 * w2 + b) ** 2
        return [w1 * d, w2 * d, x1 * d, x2 * d, d]

    def forgot_tanh_prime(x1, x2, w1, w2, b):
        return [w1, w2, x1, x2, 1.0]

    point = [v.data for v in leaves]
    names = ["x1", "x2", "w1", "w2", "b"]
    assert autograd.check_hand_gradient(neuron, my_gradient, point, names=names)
    wrong = autograd.check_hand_gradient(neuron, forgot_tanh_prime, point, names=names)
    # w2's entry passes by accident: x2 = 0, so both formulas give 0 there
    assert [entry.name for entry in wrong.failures] == ["x1", "x2", "w1", "b"]
