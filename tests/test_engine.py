"""Concrete behaviour of the engine: values, operators, backward, errors, memory.

Expected numbers are derived by hand in the comments, never by the engine.
(Property tests of every op against finite differences: test_ops_properties.py.)
"""

from __future__ import annotations

import gc
import math

import pytest

import autograd
from autograd import Value, define_op, grad, jvp, no_grad, zero_grad

# --------------------------------------------------------------------- Value


def test_value_stores_floats_and_starts_as_a_leaf():
    v = Value(3, label="v")
    assert v.data == 3.0 and type(v.data) is float
    assert v.grad == 0.0 and v.label == "v"
    assert v.op == "" and v.parents == () and v.is_leaf


@pytest.mark.parametrize(
    ("bad", "type_name"),
    [("3", "str"), (None, "NoneType"), (1j, "complex"), ([1], "list"), (True, "bool"),
     ((1, 2), "tuple"), ({"a": 1}, "dict")],
)
def test_value_refuses_what_is_not_a_real_number(bad, type_name):
    with pytest.raises(TypeError, match=type_name):
        Value(bad)


def test_value_accepts_numpy_scalars_and_one_element_arrays_but_not_bigger_arrays():
    np = pytest.importorskip("numpy")
    assert Value(np.float64(1.5)).data == 1.5
    assert Value(np.int32(2)).data == 2.0
    assert Value(np.array([4.0])).data == 4.0
    with pytest.raises(TypeError, match="ndarray"):
        Value(np.array([1.0, 2.0]))


def test_label_must_be_a_string():
    with pytest.raises(TypeError, match="label"):
        Value(1.0, label=3)


def test_parents_are_in_argument_order_with_duplicates_kept():
    x, y = Value(2.0), Value(5.0)
    assert (x * x).parents == (x, x)
    assert (x - y).parents == (x, y)
    assert (y - x).parents == (y, x)


def test_numbers_work_on_either_side_of_every_operator():
    x = Value(2.0)
    assert (x + 1).data == 3.0 and (1 + x).data == 3.0
    assert (x - 1).data == 1.0 and (1 - x).data == -1.0
    assert (x * 3).data == 6.0 and (3 * x).data == 6.0
    assert (x / 4).data == 0.5 and (4 / x).data == 2.0
    assert (x**3).data == 8.0 and (3**x).data == 9.0
    assert (-x).data == -2.0 and abs(Value(-2.0)).data == 2.0


def test_a_numeric_exponent_is_a_parameter_not_a_parent():
    x = Value(3.0)
    y = x**2
    assert y.parents == (x,) and y.settings == (2.0,) and y.op == "pow"
    z = x ** Value(2.0)
    assert len(z.parents) == 2 and z.op == "pow_value"


def test_value_to_the_power_of_a_value_has_both_derivatives():
    a, b = Value(2.0), Value(3.0)
    (a**b).backward()
    assert a.grad == pytest.approx(3 * 2.0**2)  # b·a^(b-1) = 12
    assert b.grad == pytest.approx(8 * math.log(2))  # a^b·ln a


def test_equality_and_hash_are_by_identity_ordering_by_data():
    a, b = Value(1.0), Value(1.0)
    assert a != b and a == a
    assert len({a, b}) == 2
    assert a <= b and a >= b and not a < b and not a > b
    assert Value(1.0) < 2 and Value(3.0) > Value(2.0)
    assert float(Value(2.5)) == 2.5


def test_comparing_with_a_string_is_a_type_error():
    with pytest.raises(TypeError, match="str"):
        _ = Value(1.0) < "2"


def test_repr_shows_data_grad_label_and_op():
    x = Value(2.0, label="x")
    y = x * x
    y.backward()
    assert repr(x) == "Value(data=2, grad=4, label='x')"
    assert "op='mul'" in repr(y)


def test_methods_exist_for_every_unary_op():
    x = Value(0.5)
    assert x.exp().data == pytest.approx(math.exp(0.5))
    assert x.log().data == pytest.approx(math.log(0.5))
    assert x.tanh().data == pytest.approx(math.tanh(0.5))
    assert x.sigmoid().data == pytest.approx(1 / (1 + math.exp(-0.5)))
    assert x.relu().data == 0.5 and Value(-0.5).relu().data == 0.0
    assert x.abs().data == 0.5 and x.sqrt().data == pytest.approx(math.sqrt(0.5))
    assert x.sin().data == pytest.approx(math.sin(0.5))
    assert x.cos().data == pytest.approx(math.cos(0.5))


def test_engine_functions_return_floats_for_numbers_and_values_for_values():
    assert autograd.exp(0.0) == 1.0 and isinstance(autograd.exp(0.0), float)
    assert isinstance(autograd.exp(Value(0.0)), Value)
    assert autograd.sum([1, 2, 3]) == 6.0
    assert autograd.dot([1, 2], [3, 4]) == 11.0


# ----------------------------------------------------------------- backward


def test_multi_path_gradients_add_up():
    a = Value(1.0)
    b = a + a
    c = b + b
    c.backward()
    assert a.grad == 4.0  # c = 4a
    assert b.grad == 2.0


def test_x_squared_plus_x_at_3_gives_7():
    x = Value(3.0)
    y = x * x + x
    y.backward()
    assert x.grad == 7.0  # 2x + 1


def test_backward_fills_intermediate_nodes_and_the_root():
    x, w, b = Value(0.5), Value(-1.5), Value(2.0)
    n = x * w + b
    y = n.tanh()
    y.backward()
    dn = 1 - math.tanh(1.25) ** 2  # n = 0.5·(-1.5) + 2 = 1.25
    assert y.grad == 1.0
    assert n.grad == pytest.approx(dn)
    assert b.grad == pytest.approx(dn)
    assert w.grad == pytest.approx(dn * 0.5)
    assert x.grad == pytest.approx(dn * -1.5)


def test_calling_backward_twice_doubles_every_gradient():
    x = Value(3.0)
    h = x * x
    y = h + x
    y.backward()
    y.backward()
    assert x.grad == 14.0 and h.grad == 2.0 and y.grad == 2.0


def test_zero_grad_resets_every_node_of_the_graph():
    x = Value(3.0)
    h = x * x
    y = h + x
    y.backward()
    zero_grad(y)
    assert x.grad == 0.0 and h.grad == 0.0 and y.grad == 0.0


def test_backward_with_a_seed_scales_the_gradients():
    x = Value(3.0)
    (x * x).backward(grad=0.5)
    assert x.grad == 3.0


def test_backward_refuses_a_bad_seed():
    x = Value(3.0)
    with pytest.raises(TypeError, match="str"):
        (x * x).backward(grad="1")
    assert x.grad == 0.0


def test_sum_and_dot_are_single_nodes_with_the_right_gradients():
    xs = [Value(float(i)) for i in range(1, 5)]
    ws = [Value(float(10 * i)) for i in range(1, 5)]
    s = autograd.sum(xs)
    d = autograd.dot(ws, xs)
    assert s.op == "sum" and s.parents == tuple(xs) and s.data == 10.0
    assert d.op == "dot" and d.parents == (*ws, *xs) and d.data == 300.0
    (s + d).backward()
    assert [x.grad for x in xs] == [1 + 10.0 * i for i in range(1, 5)]  # 1 + w_i
    assert [w.grad for w in ws] == [float(i) for i in range(1, 5)]  # x_i


def test_dot_refuses_sequences_of_different_length():
    with pytest.raises(ValueError, match="3 and 2"):
        autograd.dot([Value(1.0)] * 3, [1.0, 2.0])


def test_logsumexp_and_its_gradient_softmax():
    xs = [Value(1.0), Value(2.0), Value(3.0)]
    y = autograd.logsumexp(xs)
    total = math.exp(1) + math.exp(2) + math.exp(3)
    assert y.data == pytest.approx(math.log(total))
    y.backward()
    for x in xs:
        assert x.grad == pytest.approx(math.exp(x.data) / total)


def test_stable_sigmoid_and_logsumexp_at_extremes():
    assert Value(1000.0).sigmoid().data == 1.0
    assert Value(-1000.0).sigmoid().data == 0.0
    assert autograd.logsumexp([Value(1000.0), Value(1000.0)]).data == 1000.0 + math.log(2)
    assert autograd.logsumexp([-1000.0, -1000.0]) == -1000.0 + math.log(2)


def test_logsumexp_differentiates_wherever_it_computes_even_when_x_minus_out_overflows():
    # softmax(1e308, -1e308) = (1, 0): the rule exp(x_i - out) meets -1e308 - 1e308 = -inf
    # for the second input, where e^-inf is 0; the forward pass has the same terms.
    big, small = Value(1e308), Value(-1e308)
    y = autograd.logsumexp([big, small])
    y.backward()
    assert (y.data, big.grad, small.grad) == (1e308, 1.0, 0.0)
    dbig, dsmall = autograd.grad(autograd.logsumexp([big, small]), [big, small],
                                 create_graph=True)
    assert (dbig.data, dsmall.data) == (1.0, 0.0)


def test_a_million_node_chain_runs_backward_without_recursion():
    x = Value(1.0)
    y = x
    for _ in range(1_000_000):
        y = y + 1.0  # 2 nodes per step: a constant leaf and the sum
    y.backward()
    assert x.grad == 1.0
    assert y.data == 1_000_001.0


def test_a_long_left_fold_sum_runs_backward():
    xs = [Value(1.0) for _ in range(100_000)]
    total = xs[0]
    for x in xs[1:]:
        total = total + x
    total.backward()
    assert all(x.grad == 1.0 for x in xs)


# --------------------------------------------------- higher order, forward mode


def test_second_derivative_of_x_cubed_is_6x():
    for x0 in (-2.0, 0.5, 3.0):
        x = Value(x0)
        (dy,) = grad(x**3, [x], create_graph=True)
        assert isinstance(dy, Value) and dy.data == pytest.approx(3 * x0**2)
        (d2y,) = grad(dy, [x])
        assert d2y == pytest.approx(6 * x0)


def test_second_derivative_of_tanh():
    x0 = 0.7
    x = Value(x0)
    (dy,) = grad(x.tanh(), [x], create_graph=True)
    (d2y,) = grad(dy, [x])
    t = math.tanh(x0)
    assert d2y == pytest.approx(-2 * t * (1 - t * t))  # d/dx (1 - tanh²) = -2 tanh (1 - tanh²)


def test_third_derivative_of_exp_of_2x():
    x = Value(0.3)
    (d1,) = grad((2 * x).exp(), [x], create_graph=True)
    (d2,) = grad(d1, [x], create_graph=True)
    (d3,) = grad(d2, [x])
    assert d3 == pytest.approx(8 * math.exp(0.6))


def test_backward_with_create_graph_leaves_value_gradients():
    x = Value(2.0)
    (x * x * x).backward(create_graph=True)
    assert isinstance(x.grad, Value) and x.grad.data == 12.0
    (second,) = grad(x.grad, [x])
    assert second == 12.0  # d/dx 3x² = 6x


def test_grad_does_not_touch_dot_grad_and_gives_zero_for_unused_inputs():
    x, unused = Value(3.0), Value(1.0)
    y = x * x
    assert grad(y, [x, unused]) == (6.0, 0.0)
    assert x.grad == 0.0 and y.grad == 0.0


def test_grad_refuses_inputs_that_are_not_values():
    with pytest.raises(TypeError, match="float"):
        grad(Value(1.0) * 2, [1.0])


def test_jvp_matches_the_hand_derivative():
    # f(x, y) = x·y + sin(x); ∂f/∂x = y + cos(x), ∂f/∂y = x
    def f(x, y):
        return x * y + x.sin()

    value, tangent = jvp(f, [0.5, 2.0], [1.0, -3.0])
    assert value == pytest.approx(1.0 + math.sin(0.5))
    assert tangent == pytest.approx((2.0 + math.cos(0.5)) * 1.0 + 0.5 * -3.0)


def test_jvp_refuses_mismatched_tangents():
    with pytest.raises(ValueError, match="2 input"):
        jvp(lambda x, y: x * y, [1.0, 2.0], [1.0])


# ------------------------------------------------------------------ errors


@pytest.mark.parametrize(
    ("compute", "error", "words"),
    [
        (lambda x: autograd.log(x - 2), ValueError, ["log", "0"]),  # log(0)
        (lambda x: autograd.log(x - 4), ValueError, ["log", "-2"]),
        (lambda x: autograd.sqrt(x - 3), ValueError, ["sqrt", "-1"]),
        (lambda x: (x - 10) ** 0.5, ValueError, ["pow", "-8", "0.5"]),
        (lambda x: (x - 2) ** -1, ZeroDivisionError, ["pow", "0", "-1"]),
        (lambda x: x / 0, ZeroDivisionError, ["div", "2"]),
        (lambda x: (x * 500).exp(), OverflowError, ["exp", "1000"]),
        (lambda x: autograd.logsumexp([]), ValueError, ["logsumexp"]),
    ],
)
def test_domain_errors_name_the_op_and_the_value_and_change_nothing(compute, error, words):
    x = Value(2.0)
    y = x * x
    y.backward()
    with pytest.raises(error) as info:
        compute(x)
    message = str(info.value)
    assert "math domain error" not in message
    for word in words:
        assert word in message
    assert x.data == 2.0 and x.grad == 4.0 and y.grad == 1.0


def test_an_error_inside_backward_changes_no_gradient():
    x = Value(0.0)
    y = x.sqrt() + x  # d√x/dx is infinite at 0
    with pytest.raises(ZeroDivisionError, match="sqrt"):
        y.backward()
    assert x.grad == 0.0 and y.grad == 0.0


def test_operator_with_a_string_is_a_type_error_naming_it():
    with pytest.raises(TypeError, match="str"):
        Value(1.0) + "1"
    with pytest.raises(TypeError, match="exponent"):
        Value(1.0) ** "2"


# --------------------------------------------------- no_grad, detach, custom


def test_no_grad_records_no_graph_and_can_be_nested():
    x = Value(2.0)
    with no_grad():
        y = x * 3
        with no_grad():
            pass
        z = y + 1  # still inside the outer block
    assert y.parents == () and y.op == "" and z.parents == ()
    assert autograd.is_grad_enabled()
    assert (x * 3).parents != ()


def test_detach_gives_a_new_leaf_with_the_same_data():
    x = Value(2.0, label="x")
    y = (x * 3).detach()
    (y * y).backward()
    assert y.is_leaf and y.data == 6.0 and y.grad == 12.0
    assert x.grad == 0.0


def test_a_custom_op_works_like_a_builtin():
    cube = define_op(
        "cube",
        forward=lambda x: x**3,
        derivatives=[lambda x, out: 3 * x**2],
        formulas=["d(x^3)/dx = 3x^2"],
    )
    x = Value(2.0)
    y = cube(x)
    assert y.op == "cube" and y.data == 8.0 and y.operation.formula(0, 1) == "d(x^3)/dx = 3x^2"
    y.backward()
    assert x.grad == 12.0
    assert cube(2.0) == 8.0  # plain numbers in, plain number out
    (d1,) = grad(cube(x), [x], create_graph=True)
    (d2,) = grad(d1, [x])
    assert d2 == 12.0  # 6x: the rule itself is differentiated


def test_a_custom_op_with_a_bare_domain_error_gets_its_name_and_input():
    my_log = define_op("my_log", math.log, [lambda x, out: 1 / x], ["1/x"])
    with pytest.raises(ValueError, match=r"my_log\(-1\)"):
        my_log(Value(-1.0))


def test_a_custom_op_checks_its_declaration_and_its_arity():
    with pytest.raises(ValueError, match="formula"):
        define_op("bad", lambda x: x, [lambda x, out: 1.0], [])
    twice = define_op("twice", lambda x: 2 * x, [lambda x, out: 2.0], ["2"])
    with pytest.raises(TypeError, match="1 input"):
        twice(Value(1.0), Value(2.0))


# ------------------------------------------------------------------ memory


def _build_graph(n: int) -> Value:
    x = Value(0.5)
    y = x
    for _ in range(n):
        y = (y * 0.999).tanh() + x
    y.backward()
    return y


def test_a_dropped_graph_is_freed_by_reference_counting_alone(live_values):
    gc.collect()
    gc.disable()
    try:
        before = live_values()
        root = _build_graph(10_000)
        assert live_values() - before > 30_000  # 4 nodes per step, constants included
        del root
        assert live_values() == before
        assert gc.collect() == 0  # nothing was left for the cycle collector
    finally:
        gc.enable()


def test_higher_order_graphs_are_freed_too(live_values):
    gc.collect()
    gc.disable()
    try:
        x = Value(0.3)
        before = live_values()
        (d1,) = grad((x * x).tanh(), [x], create_graph=True)
        assert live_values() > before
        del d1
        assert live_values() == before
        assert gc.collect() == 0
    finally:
        gc.enable()
