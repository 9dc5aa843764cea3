"""The engine's rules, each with the reproduction that once gave a wrong number.

- a Value never holds nan or inf;
- numbers are constants: no derivative is ever computed with respect to one, and
  `grad` differentiates only along paths from the inputs asked about;
- a pass never mixes two points (a .data changed after the graph was built);
- recording (no_grad) belongs to each thread;
- custom ops are checked when declared;
- forward mode nests in itself and in reverse mode;
- the new ops' kinks use PyTorch's subgradients.

Expected numbers are derived by hand in the comments, never by the engine.
"""

from __future__ import annotations

import math
import threading

import pytest
from hypothesis import find

import autograd
from autograd import (
    Constant,
    Op,
    StaleGraphError,
    Value,
    define_op,
    grad,
    jvp,
    no_grad,
)

# ------------------------------------------------- a Value never holds nan or inf


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_a_value_refuses_nan_and_infinity(bad):
    with pytest.raises(ValueError, match="finite"):
        Value(bad)


@pytest.mark.parametrize(
    ("compute", "error", "words"),
    [
        (lambda: Value(1e200) * Value(1e200), OverflowError, "mul(1e+200, 1e+200)"),
        (lambda: Value(1e308) + 1e308, OverflowError, "add(1e+308, 1e+308)"),
        (lambda: Value(-1e308) - 1e308, OverflowError, "sub"),
        (lambda: Value(1e300) / 1e-300, OverflowError, "div"),
        (lambda: Value(2.0) * math.inf, ValueError, "mul's operand needs a finite number"),
        (lambda: autograd.logsumexp([math.inf, 0.0]), ValueError, "logsumexp"),
        (lambda: Value(800.0).cosh(), OverflowError, "cosh(800)"),
    ],
)
def test_an_op_whose_result_is_not_finite_raises_naming_it(compute, error, words):
    with pytest.raises(error, match=words.replace("(", r"\(").replace(")", r"\)")
                       .replace("+", r"\+")):
        compute()


@pytest.mark.parametrize("op", ["relu", "abs", "tanh", "sigmoid", "leaky_relu"])
def test_a_nan_put_into_data_by_hand_is_refused_by_the_next_op_not_swallowed(op):
    x = Value(1.0)
    x.data = math.nan  # by hand: the engine cannot stop the assignment itself
    with pytest.raises(ValueError, match="nan"):
        autograd.OPS[op](x)


def test_maximum_minimum_and_clamp_do_not_swallow_a_nan_either():
    x = Value(1.0)
    x.data = math.nan
    for compute in (lambda: autograd.maximum(x, 1.0), lambda: autograd.maximum(1.0, x),
                    lambda: autograd.minimum(x, 1.0), lambda: x.clamp(0.0, 1.0)):
        with pytest.raises(ValueError, match="nan"):
            compute()


def test_a_gradient_that_overflows_raises_naming_the_node_and_changes_no_grad():
    x = Value(1e-300, label="x")
    y = x * 1e200  # 1e-100, and d y/d x = 1e200: fine
    z = y * 1e200  # 1e100, but d z/d x = 1e400: not a float
    with pytest.raises(OverflowError, match="gradient overflows"):
        z.backward()
    assert x.grad == 0.0 and y.grad == 0.0 and z.grad == 0.0


def _nan_rule_op() -> Op:
    return define_op("nan_rule_for_test", lambda x: x, [lambda x, out: math.nan], ["nan"])


@pytest.mark.parametrize("build, error, words", [
    # d/dx = 1e310: not a float
    (lambda: (x := Value(1e-300), x * 1e300 * 1e10), OverflowError, "gradient overflows"),
    # d log t/dt = 1/5e-324: not a float
    (lambda: (t := Value(5e-324), t.log()), OverflowError, "gradient overflows"),
    # a rule of one's own that gives nan: named as such (nothing overflowed)
    (lambda: (v := Value(1.0), _nan_rule_op()(v)), ValueError,
     r"cannot differentiate nan_rule_for_test\(1\): derivative rule 0 returned nan"),
])
def test_grad_and_gradients_refuse_a_gradient_that_is_not_finite_as_backward_does(
        build, error, words):
    x, y = build()
    with pytest.raises(error, match=words):
        y.backward()
    for compute in (lambda: grad(y, [x]), lambda: autograd.backprop.gradients(y)):
        with pytest.raises(error, match=words):
            compute()
    assert x.grad == 0.0 and x._pass is None and y._pass is None


# ------------------------------------------- derivatives only where they are needed


def test_numbers_become_constants_that_get_no_gradient():
    x = Value(2.0)
    y = x * 3
    assert type(y.parents[1]) is Constant and y.parents[1].data == 3.0
    y.backward()
    assert x.grad == 3.0 and y.parents[1].grad == 0.0


def test_zero_to_the_power_zero_has_pytorchs_derivatives_in_both_forms():
    # 0^b jumps from 1 (b = 0) to 0 (b > 0) and b·0^(b-1) is 0·(1/0): no derivative
    # exists; PyTorch gives 0 for both, and so does x ** 0 with a plain exponent
    a, b = Value(0.0), Value(0.0)
    (a ** b).backward()
    assert (a.grad, b.grad) == (0.0, 0.0)
    c = Value(0.0)
    (c ** 0).backward()
    assert c.grad == 0.0


def test_zero_to_a_power_has_the_exponents_derivative_only():
    # 0.0 ** y at y = 0.5: the base is a constant; d(0^y)/dy = 0^y·ln 0 → 0 for y > 0.
    # (d/dbase = y·0^(y-1) does not exist, and nobody asked for it.)
    y = Value(0.5)
    assert grad(0.0 ** y, [y]) == (0.0,)


def test_grad_differentiates_only_along_paths_from_the_inputs():
    # x ** e at x = -1, e = 2: d/dx = e·x^(e-1) = -2; d/de = x^e·ln x does not exist,
    # but it was not asked for (PyTorch also gives -2).
    x = Value(-1.0)
    assert grad(x ** Value(2.0), [x]) == (-2.0,)


def test_a_tiny_constant_divisor_is_fine():
    # backprop steps "x/1e-200" x=1: d/dx = 1e200; nothing is computed for the constant.
    x = Value(1.0)
    (x / 1e-200).backward()
    assert x.grad == pytest.approx(1e200)


def test_division_by_a_tiny_value_keeps_its_derivatives():
    # x/y at x = 1e-300, y = 1e-170: d/dx = 1/y = 1e170, d/dy = -x/y² = -1e40
    x, y = Value(1e-300), Value(1e-170)
    dx, dy = grad(x / y, [x, y])
    assert dx == pytest.approx(1e170) and dy == pytest.approx(-1e40)


def test_atan2_near_the_origin_keeps_its_derivatives():
    # x/(x² + y²) underflowed to a division by zero at 1e-170; the true values are ±1/(2·1e-170)
    y, x = Value(1e-170), Value(1e-170)
    dy, dx = grad(autograd.atan2(y, x), [y, x])
    assert dy == pytest.approx(5e169) and dx == pytest.approx(-5e169)


def test_local_derivatives_that_are_not_finite_raise_naming_the_op():
    x, y = Value(1e-10), Value(1e-310)  # x/y = 1e300, but d(x/y)/dx = 1/y = 1e310
    with pytest.raises(OverflowError,
                       match=r"div\(1e-10, 1e-310\) with respect to its input 1 is inf"):
        autograd.local_derivatives(x / y)


@pytest.mark.parametrize("tiny", [1e-200, 3e-155])
def test_z_over_z_has_exactly_zero_derivative_for_tiny_z(tiny):
    # the old rule -a/(b*b) raised ZeroDivisionError at 1e-200 and gave 8.3e139 at 3e-155
    z = Value(tiny)
    (dz,) = grad(z / z, [z])  # 1/z - z/z² = 1/z - (z/z)/z = 0 exactly
    assert dz == 0.0


# ----------------------------------------------------- a pass never mixes two points


def test_backward_after_data_changed_is_refused_naming_the_node():
    x = Value(0.0, label="x")
    y = x.tanh() * x
    x.data = 1.0  # d y/dx at 0 is 0, at 1 it is tanh 1 + (1 - tanh²1) ≈ 1.18; never 1
    with pytest.raises(StaleGraphError, match=r"tanh\(1\) holds 0 but its inputs now give"):
        y.backward()
    assert x.grad == 0.0


@pytest.mark.parametrize("build, new_data, words", [
    (lambda x: x.log(), -1.0, r"log\(-1\) holds 0.693147 but its inputs now cannot give "
                              r"a number \(log is defined only for positive"),  # one input
    (lambda x: 2.0 / x, 0.0, r"div\(2, 0\) holds 1 but its inputs now cannot give a "
                             r"number \(division by zero\)"),  # two inputs
])
def test_a_graph_whose_new_data_leaves_the_domain_is_out_of_date_not_an_error(
        build, new_data, words):
    x = Value(2.0)
    y = build(x)
    x.data = new_data
    for compute in (y.backward, lambda: grad(y, [x])):
        with pytest.raises(StaleGraphError, match=words):
            compute()
    assert x.grad == 0.0


def test_a_forward_that_returns_an_int_does_not_make_its_graph_look_out_of_date():
    # 3**40 = 12157665459056928801 has no exact float: the node keeps float(3**40)
    big = define_op("int_power_for_test", lambda x: 3 ** 40 + 0 * int(x),
                    [lambda x, out: 0.0], ["0"])
    x = Value(1.0)
    y = big(x) * x  # d/dx = float(3**40)
    y.backward()
    assert x.grad == float(3 ** 40)
    assert grad(y, [x]) == (float(3 ** 40),)


def test_every_pass_checks_the_graph_is_current():
    x = Value(2.0)
    y = x * x
    x.data = 3.0
    for compute in (lambda: grad(y, [x]), lambda: autograd.backprop.gradients(y),
                    lambda: autograd.local_derivatives(y)):
        with pytest.raises(StaleGraphError):
            compute()


def _walk_broken_in_the_middle():
    """A graph whose walk raises half-way (a corrupted parent stands in for a Ctrl-C)."""
    x = Value(3.0)
    y = x * 2.0
    z = (y + 1.0) * 2.0  # dz/dx = 4
    y._a, good = object(), y._a
    return x, y, z, good


@pytest.mark.parametrize("walk", [
    lambda z, x: z.backward(), lambda z, x: grad(z, [x]),
    lambda z, x: autograd.backprop.gradients(z), lambda z, x: autograd.topological_order(z),
    lambda z, x: jvp(lambda v: z, [x], [1.0]),
])
def test_a_pass_stopped_while_it_orders_the_graph_leaves_no_mark_behind(walk):
    x, y, z, good = _walk_broken_in_the_middle()
    with pytest.raises((AttributeError, TypeError)):  # (TypeError: the compiled build's)
        walk(z, x)
    y._a = good  # mended: every pass must see the graph afresh
    assert all(node._pass is None for node in autograd.topological_order(z))
    assert grad(z, [x]) == (4.0,)
    z.backward()
    assert x.grad == 4.0


def test_a_rebuilt_graph_is_fine():
    x = Value(2.0)
    _ = x * x
    x.data = 3.0
    y = x * x
    y.backward()
    assert x.grad == 6.0


# --------------------------------------------------------------- no_grad per thread


def test_no_grad_in_one_thread_leaves_other_threads_recording():
    inside, done = threading.Event(), threading.Event()
    results: list[float] = []

    def evaluate() -> None:
        with no_grad():
            inside.set()
            done.wait(5)

    def train() -> None:
        inside.wait(5)
        x = Value(3.0)
        (x * x).backward()
        results.append(x.grad)
        done.set()

    threads = [threading.Thread(target=evaluate), threading.Thread(target=train)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert results == [6.0]  # d(x²)/dx = 2x: recorded although the other thread is in no_grad


def test_create_graph_and_jvp_record_inside_no_grad_as_pytorch_does():
    # y = x³ at x = 3: dy/dx = 3x² = 27, d²y/dx² = 6x = 18; jvp of v² at 3: 2v = 6
    x = Value(3.0)
    y, t = x * x * x, x.tanh()
    with no_grad():
        y.backward(create_graph=True)
        (dy,) = grad(y, [x], create_graph=True)
        forward_mode = jvp(lambda v: v * v, [3.0], [1.0])
        (_, tangent) = jvp(lambda v: v * v * v, [x], [1.0], create_graph=True)
        (local,) = autograd.local_derivatives(t, create_graph=True)  # 1 - tanh²x
        assert not autograd.is_grad_enabled()
    # d(1 - tanh²x)/dx = -2 tanh x (1 - tanh²x)
    assert grad(local, [x])[0] == pytest.approx(-2 * math.tanh(3) * (1 - math.tanh(3) ** 2))
    assert x.grad.data == 27.0 and grad(x.grad, [x]) == (18.0,)
    assert grad(dy, [x]) == (18.0,)
    assert forward_mode == (9.0, 6.0)
    assert grad(tangent, [x]) == (18.0,)


def test_a_create_graph_pass_that_fails_inside_no_grad_leaves_recording_off():
    x = Value(3.0)
    y = x * x
    x.data = 4.0  # y is out of date: the pass raises from inside
    with no_grad():
        with pytest.raises(StaleGraphError):
            y.backward(create_graph=True)
        assert not autograd.is_grad_enabled() and (x * 2).is_leaf
    assert autograd.is_grad_enabled()


def test_overlapping_no_grad_blocks_in_two_threads_leave_recording_on():
    first_in, second_in, first_out = threading.Event(), threading.Event(), threading.Event()

    def first() -> None:
        with no_grad():
            first_in.set()
            second_in.wait(5)
        first_out.set()

    def second() -> None:
        first_in.wait(5)
        with no_grad():
            second_in.set()
            first_out.wait(5)

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert autograd.is_grad_enabled() and (Value(1.0) * 2).op == "mul"


def test_a_pass_cannot_start_inside_another_pass():
    def rule(x: float, out: float) -> float:
        grad(Value(1.0) * 2, [])  # a pass inside a derivative rule
        return 1.0

    inner = define_op("inner_pass", lambda x: x, [rule], ["1"])
    with pytest.raises(RuntimeError, match="another one is running"):
        inner(Value(1.0)).backward()


# --------------------------------------------------- .grad = None counts as zero


def test_a_grad_set_to_none_counts_as_zero():
    x, w = Value(2.0), Value(3.0)
    y = x * w
    w.grad = None  # PyTorch's zero_grad(set_to_none=True) habit
    y.backward()
    assert (x.grad, w.grad) == (3.0, 2.0)


# ------------------------------------------------------- custom ops are checked


def test_a_rule_for_any_number_of_inputs_must_give_one_derivative_per_input():
    short = Op("short", lambda a, b: a + b, local=lambda args, out: [1.0],
               formula=lambda i, n: "1")
    y = short(Value(1.0), Value(2.0))
    with pytest.raises(ValueError, match=r"op 'short': .*returned 1 derivative\(s\) for 2"):
        y.backward()


def test_define_op_checks_the_forward_against_the_rules():
    with pytest.raises(ValueError, match=r"forward must take 1 argument"):
        define_op("two_in", lambda a, b: a * b, [lambda a, out: 1.0], ["?"])
    with pytest.raises(ValueError, match=r"derivative rule 0 must take 2 argument"):
        define_op("no_out", lambda a: a, [lambda a: 1.0], ["?"])


def test_a_constant_derivative_may_be_an_int_in_every_pass():
    # twice(x) = 2x: d/dx = 2; plus_twice(a, b) = a + 2b: d/da = 1, d/db = 2
    twice = define_op("twice_for_test", lambda x: 2.0 * x, [2], ["d(2x)/dx = 2"])
    plus_twice = define_op("plus_twice_for_test", lambda a, b: a + 2.0 * b, [1, 2],
                           ["d/da = 1", "d/db = 2"])
    x, a, b = Value(3.0), Value(1.0), Value(5.0)
    twice(x).backward()
    plus_twice(a, b).backward()
    assert (x.grad, a.grad, b.grad) == (2.0, 1.0, 2.0)
    assert grad(twice(x), [x], create_graph=True)[0].data == 2.0
    assert jvp(lambda t: twice(t), [3.0], [1.0]) == (6.0, 2.0)
    assert autograd.local_derivatives(plus_twice(a, b)) == [1.0, 2.0]


@pytest.mark.parametrize("bad, problem", [
    (True, "got bool"), (math.nan, "finite number"), (math.inf, "finite number"),
    ("2", "got str"), (10 ** 400, "too large"),
])
def test_a_constant_derivative_must_be_a_finite_number(bad, problem):
    message = rf"op 'bad_rule_for_test': derivative rule 0 is not a function.*{problem}"
    with pytest.raises((TypeError, ValueError, OverflowError), match=message):
        define_op("bad_rule_for_test", lambda x: x, [bad], ["?"])
    with pytest.raises((TypeError, ValueError, OverflowError), match=message):
        Op("bad_rule_for_test", lambda x: x, [bad], ["?"])
    assert "bad_rule_for_test" not in autograd.OPS


def test_settings_must_match_their_names_and_defaults():
    # with one name for two settings, the second setting was dropped: 3·2 + 0, not 3·2 + 100
    with pytest.raises(ValueError, match=r"'lin_for_test': 1 setting name\(s\) for 2"):
        define_op("lin_for_test", lambda x, a, b: a * x + b, [lambda x, a, b, out: a],
                  ["a"], num_settings=2, setting_names=["a"])
    with pytest.raises(ValueError, match=r"'lin_for_test': 2 default\(s\) for 1"):
        Op("lin_for_test", lambda x, a: a * x, [lambda x, a, out: a], ["a"],
           num_settings=1, defaults=[1.0, 2.0])
    with pytest.raises(TypeError, match=r"'lin_for_test': num_settings must be an int, got str"):
        define_op("lin_for_test", lambda x, a: a * x, [lambda x, a, out: a], ["a"],
                  num_settings="1")  # type: ignore[arg-type]
    assert "lin_for_test" not in autograd.OPS


def test_the_dot_op_called_with_an_odd_number_of_inputs_is_refused():
    a, b, c = Value(2.0), Value(3.0), Value(5.0)
    with pytest.raises(ValueError, match=r"dot\(2, 3, 5\): dot takes the ws then the xs"):
        autograd.OPS["dot"](a, b, c)  # it gave gradients (3, 5, 2): w·x of unequal halves


def test_a_built_in_name_cannot_be_taken():
    with pytest.raises(ValueError, match="'tanh' is a built-in op"):
        define_op("tanh", lambda x: x, [lambda x, out: 1.0], ["1"])


def test_an_op_declared_once_is_known_everywhere():
    from autograd.expression import evaluate
    from autograd.strategies import expressions, op_inputs

    cube = define_op("cube_for_test", lambda x: x ** 3, [lambda x, out: 3 * x * x],
                     ["d(x^3)/dx = 3x^2"])
    assert autograd.OPS["cube_for_test"] is cube and autograd.FUNCTIONS["cube_for_test"] is cube
    assert cube(2.0) == 8.0 and cube(Value(2.0)).op == "cube_for_test"
    out, inputs = evaluate("cube_for_test(x) + 1", {"x": 2.0})  # in expressions
    out.backward()
    assert out.data == 9.0 and inputs["x"].grad == 12.0  # 3·2²
    args, settings = find(op_inputs("cube_for_test"), lambda case: True)  # in the strategies
    assert len(args) == 1 and -3 <= args[0] <= 3 and settings == ()
    formula = find(expressions(["x"], functions=["cube_for_test"]),
                   lambda e: "cube_for_test" in str(e))
    assert str(formula) == "cube_for_test(x)"


# ----------------------------------------------------------- forward mode nests


def test_jvp_takes_the_same_value_twice_as_two_inputs_as_gradcheck_does():
    # f(a, b) = a·b at a = b = 3: ∂f/∂a = b = 3 and ∂f/∂b = a = 3
    x = Value(3.0)
    assert jvp(lambda a, b: a * b, [x, x], [1.0, 2.0]) == (9.0, 9.0)  # 3·1 + 3·2
    assert jvp(lambda a, b: a * b, [x, x], [1.0, 0.0]) == (9.0, 3.0)  # ∂f/∂a alone
    _, tangent = jvp(lambda a, b: a * b, [x, x], [1.0, 0.0], create_graph=True)
    assert grad(tangent, [x]) == (1.0,)  # the tangent is b, and b is x


def test_jvp_of_a_jvp_gives_the_second_derivative():
    # f(x) = x³: f'(x) = 3x², f''(x) = 6x; at x = 3: 27 and 18
    def first_derivative(x: Value) -> Value:
        return jvp(lambda v: v ** 3, [x], [1.0])[1]

    value, second = jvp(first_derivative, [3.0], [1.0])
    assert value == 27.0 and second == 18.0


def test_grad_of_a_jvp_tangent_gives_the_mixed_derivative():
    # f(x, y) = x²·y; the tangent along x is ∂f/∂x = 2xy; ∂/∂y of it is 2x = 6 at x = 3
    x, y = Value(3.0), Value(5.0)
    _, tangent = jvp(lambda a, b: a * a * b, [x, y], [1.0, 0.0], create_graph=True)
    assert isinstance(tangent, Value) and tangent.data == 30.0
    assert grad(tangent, [x, y]) == (10.0, 6.0)  # ∂(2xy)/∂x = 2y, ∂(2xy)/∂y = 2x


def test_jvp_stops_at_a_local_derivative_that_is_not_finite_instead_of_giving_nan():
    # a/b at a = 1e-10, b = 1e-310: d/da = 1/b = 1e310 and d/db = -a/b² are not floats.
    # Along (1, 0) the tangent was inf·1 + (-inf)·0 = nan.
    with pytest.raises(OverflowError, match=r"local derivative of div\(1e-10, 1e-310\) with "
                                            r"respect to its input 1 is inf"):
        jvp(lambda a, b: a / b, [1e-10, 1e-310], [1.0, 0.0])


def test_a_tangent_that_overflows_raises_naming_the_op():
    # d(x·1e300)/dx = 1e300, times the tangent 1e10: 1e310 is not a float (it was inf)
    with pytest.raises(OverflowError, match=r"tangent overflows at mul\(1, 1e\+300\)"):
        jvp(lambda x: x * 1e300, [1.0], [1e10])


def test_jvp_without_create_graph_returns_numbers():
    value, tangent = jvp(lambda x: x.sin(), [0.0], [1.0])
    assert (value, tangent) == (0.0, 1.0) and type(tangent) is float


# ------------------------------------------------------ the new ops at their kinks


def test_maximum_and_minimum_split_the_gradient_at_a_tie():
    a, b = Value(1.0), Value(1.0)
    assert grad(autograd.maximum(a, b), [a, b]) == (0.5, 0.5)
    assert grad(autograd.minimum(a, b), [a, b]) == (0.5, 0.5)
    c = Value(2.0)
    assert grad(autograd.maximum(a, c), [a, c]) == (0.0, 1.0)


def test_clamp_passes_the_gradient_at_its_bounds_and_not_outside():
    for x, expected in ((0.0, 1.0), (1.0, 1.0), (0.5, 1.0), (1.5, 0.0), (-0.5, 0.0)):
        v = Value(x)
        assert grad(v.clamp(0.0, 1.0), [v]) == (expected,), x


def test_leaky_relu_uses_its_slope_at_zero_and_below():
    for x, expected in ((-2.0, 0.2), (0.0, 0.2), (3.0, 1.0)):
        v = Value(x)
        assert grad(autograd.leaky_relu(v, 0.2), [v]) == (expected,)
    assert autograd.leaky_relu(-1.0) == -0.01  # the default slope


def test_remainder_follows_python_and_has_the_floor_derivative():
    # 7.5 % 2 = 1.5 = 7.5 - 2·floor(3.75); d/da = 1, d/db = -floor(a/b) = -3
    a, b = Value(7.5), Value(2.0)
    r = a % b
    assert r.data == 1.5 and grad(r, [a, b]) == (1.0, -3.0)
    assert (Value(-1.0) % 3).data == 2.0  # the sign of the divisor, like Python and PyTorch


def test_item_and_the_methods_pytorch_has():
    x = Value(0.5)
    assert x.item() == 0.5
    assert x.tan().data == pytest.approx(math.tan(0.5))
    assert x.atan2(Value(1.0)).data == pytest.approx(math.atan2(0.5, 1.0))
    assert x.maximum(0.7).data == 0.7 and x.minimum(0.7).data == 0.5
    assert x.log1p().data == pytest.approx(math.log1p(0.5))
    assert autograd.softplus(0.0) == pytest.approx(math.log(2.0))
    assert autograd.softplus(1000.0) == 1000.0  # stable: log(1 + e^1000) without overflow
    assert autograd.abs is autograd.absolute
