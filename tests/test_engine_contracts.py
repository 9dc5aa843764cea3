"""What every pass promises, whatever path it takes: a clear error for an output that is
not a Value, one rule for out-of-date graphs, no nan or inf ever written, rules evaluated
on Values as faithfully as on floats, and the same result types every time.

Each test here failed on the engine before issue 24 fixed it (the issue's numbers are in
the comments). Expected numbers are worked out by hand, never by the engine.
"""

from __future__ import annotations

import math

import pytest

from autograd import Constant, StaleGraphError, Value, backward_steps, grad, jvp

# ------------------------------------------------------ grad() needs an output Value


@pytest.mark.parametrize("output, shown", [
    ([Value(1.0), Value(2.0)], "list"),  # a multi-output model's result
    (None, "NoneType"),
    ("x", "str"),
    (True, "bool"),
])
def test_grad_of_something_that_is_not_a_value_is_a_type_error(output, shown):
    x = Value(2.0)
    with pytest.raises(TypeError, match=rf"grad: the output must be a Value.*got {shown}"):
        grad(output, [x])


def test_grad_of_a_function_says_grad_takes_a_computed_output_as_torch_does():
    # JAX's grad(f) takes a function; grad(y, [x]) here takes the y computed from x
    for inputs in ([Value(2.0)], [2.0]):  # before, for [2.0]: "inputs must be Values"
        with pytest.raises(TypeError, match=r"grad: the output must be a Value .*got function: "
                           r"grad\(y, \[x\]\) differentiates a y already computed from Values "
                           r"\(as torch\.autograd\.grad\), not a function \(as JAX's grad\(f\)\)"):
            grad(lambda x: x * x, inputs)


def test_grad_of_a_list_says_to_sum_or_call_once_per_output():
    x = Value(2.0)
    with pytest.raises(TypeError, match="one output at a time"):
        grad([x * 3, x * 4], [x])  # before: (0.0,), silently


def test_grad_of_a_plain_number_is_zero_as_documented():
    x = Value(2.0)
    assert grad(3.0, [x]) == (0.0,)  # a constant function of x
    (zero,) = grad(3, [x], create_graph=True)
    assert isinstance(zero, Value) and zero.data == 0.0


def test_grad_of_a_numpy_array_is_a_type_error():
    np = pytest.importorskip("numpy")
    x = Value(2.0)
    with pytest.raises(TypeError, match="got ndarray"):
        grad(np.array([x * 3, x * 4], dtype=object), [x])


def test_the_function_backward_is_the_method_and_refuses_what_is_not_a_value():
    import autograd

    x = Value(3.0)
    autograd.backward(x * x + x, 2.0)  # d/dx (x² + x) = 2x + 1 = 7, times the seed 2
    assert x.grad == 14.0
    with pytest.raises(TypeError, match="backward needs a Value as output, got float"):
        autograd.backward(3.0)  # type: ignore[arg-type]
    assert x.grad == 14.0


# ------------------------------------------------ the remainder's rule and its forward


def test_remainder_derivative_uses_the_quotient_the_forward_used():
    # 1.0 % 0.1: Python's quotient is 1.0 // 0.1 = 9 (0.1 is a bit more than 1/10), the
    # remainder 1.0 - 9·0.1 ≈ 0.1. d(a - q·b)/db = -q = -9; the old rule said -10.
    a, b = Value(1.0), Value(0.1)
    (a % b).backward()
    assert (a.grad, b.grad) == (1.0, -9.0)


def test_remainder_rule_agrees_with_the_forward_on_many_decimal_pairs():
    # d(a mod b)/db = -q where a = q·b + (a mod b): so q = (a - r)/b is a whole number
    for i in range(1, 60):
        for j in range(1, 50):
            a, b = Value(i / 10), Value(j / 100)
            r = a % b
            r.backward()
            q = round((a.data - r.data) / b.data)
            assert b.grad == -q, (a.data, b.data)


def test_remainder_of_zero_is_positive_zero_like_torch():
    r = Value(0.0) % Value(-1.0)  # Python's float % gives -0.0; torch.remainder +0.0
    assert math.copysign(1.0, r.data) == 1.0
    assert math.atan2(r.data, -1.0) == math.pi  # -0.0 would give -π


# -------------------------------------- one rule for every pass: no out-of-date graphs


def _stale_graph() -> tuple[Value, Value, Value, Value]:
    a, b, x = Value(2.0), Value(3.0), Value(1.0)
    w = a * b
    y = x * w
    a.data = 10.0  # w still holds 6, but a·b is now 30
    return a, x, w, y


def test_grad_refuses_a_graph_out_of_date_off_the_paths_it_differentiates():
    _, x, _, y = _stale_graph()
    with pytest.raises(StaleGraphError, match=r"mul\(10, 3\) holds 6"):
        grad(y, [x])  # before: (6.0,), the derivative at the old point


def test_jvp_refuses_a_function_that_uses_an_out_of_date_node():
    _, _, w, _ = _stale_graph()
    with pytest.raises(StaleGraphError, match=r"mul\(10, 3\) holds 6"):
        jvp(lambda t: t * w, [1.0], [1.0])  # before: (6.0, 6.0)


def test_backward_refuses_the_same_stale_graph():
    a, x, _, y = _stale_graph()
    with pytest.raises(StaleGraphError):
        y.backward()
    assert (a.grad, x.grad) == (0.0, 0.0)


# ---------------------------------------------- no nan or inf is ever written to .grad


def test_a_second_backward_that_would_overflow_grad_raises_and_changes_nothing():
    w, c = Value(1e-10, label="w"), Value(1.5e308, label="c")
    y = w * c
    y.backward()  # w.grad = 1.5e308
    with pytest.raises(OverflowError, match="'w'"):
        y.backward()  # 1.5e308 + 1.5e308 = inf: before, w.grad became inf silently
    assert (w.grad, c.grad, y.grad) == (1.5e308, 1e-10, 1.0)


def test_overflowing_accumulation_with_create_graph_changes_nothing_either():
    w, c = Value(1e-10, label="w"), Value(1.5e308, label="c")
    y = c * w  # c comes first in the pass's order: it must not be written before w fails
    y.backward()
    with pytest.raises(OverflowError):
        y.backward(create_graph=True)
    assert (c.grad, w.grad, y.grad) == (1e-10, 1.5e308, 1.0)
    assert all(type(v.grad) is float for v in (c, w, y))


def test_backward_steps_refuse_an_accumulation_that_overflows_before_any_step():
    w, c = Value(1e-10, label="w"), Value(1.5e308, label="c")
    y = w * c
    y.backward()
    with pytest.raises(OverflowError, match="gradient of w would overflow"):
        next(backward_steps(y))  # before: it printed "w.grad 1.5e+308 -> inf"
    assert (w.grad, y.grad) == (1.5e308, 1.0)


def test_jvp_refuses_tangents_of_one_value_that_add_up_to_inf():
    v = Value(1.0)
    # the same Value twice is two inputs: the tangent of p alone is finite
    assert jvp(lambda p, q: p, [v, v], [1e308, 1e308]) == (1.0, 1e308)
    with pytest.raises(OverflowError, match="tangent overflows"):
        jvp(lambda p, q: p + q, [v, v], [1e308, 1e308])  # 2e308: before, (2.0, inf)


# ------------------------------------------ rules evaluated on Values: no identity slips


def test_derivative_of_zero_to_a_value_power_with_create_graph_is_zero():
    y = Value(0.5)
    # d(0^y)/dy = 0^y · ln 0 is taken as 0 for y > 0 (0^y is constant 0 there); the float
    # pass gave 0, but with Values the rule compared a == 0 by identity and raised
    (d,) = grad(0.0 ** y, [y], create_graph=True)
    assert isinstance(d, Value) and d.data == 0.0
    (plain,) = grad(0.0 ** y, [y])
    assert plain == 0.0


def test_jvp_of_zero_to_a_value_power_with_create_graph():
    value, tangent = jvp(lambda t: 0.0 ** t, [0.5], [1.0], create_graph=True)
    assert (value.data, tangent.data) == (0.0, 0.0)


def test_no_built_in_rule_compares_its_arguments_with_equals():
    # == on Values is identity, so a rule must compare numbers: x > 0, or _number(x) == 0
    import ast
    from pathlib import Path

    from autograd import ops

    source = Path(ops.__file__).parent / "ops.py"  # (a compiled build has its .py beside)
    tree = ast.parse(source.read_text(encoding="utf-8"))
    rules: list[ast.AST] = [node for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)
                            and node.name.endswith("_derivative")]
    for call in ast.walk(tree):
        for keyword in getattr(call, "keywords", []):
            if keyword.arg in ("derivatives", "local"):
                rules += [n for n in ast.walk(keyword.value) if isinstance(n, ast.Lambda)]
    assert len(rules) >= 40  # every op's rules were found

    def bare_names(node: ast.AST) -> set[str]:  # names outside a _number(...) call
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "_number":
            return set()
        if isinstance(node, ast.Name):
            return {node.id}
        return set().union(*(bare_names(child) for child in ast.iter_child_nodes(node)))

    slips = []
    for rule in rules:
        arguments = {a.arg for a in rule.args.args} - {"n", "slope", "low", "high"}  # settings
        for compare in ast.walk(rule):
            if (isinstance(compare, ast.Compare)
                    and any(isinstance(o, (ast.Eq, ast.NotEq)) for o in compare.ops)
                    and bare_names(compare) & arguments):
                slips.append(ast.unparse(compare))
    assert slips == []


# ------------------------------------------------------- the same result types always


def test_jvp_with_create_graph_returns_value_tangents_even_for_constant_rules():
    value, tangent = jvp(lambda a: a + 1.0, [Value(2.0)], [1.0], create_graph=True)
    assert isinstance(value, Value) and isinstance(tangent, Value)  # before: tangent 1.0
    assert (value.data, tangent.data) == (3.0, 1.0)
    value, tangent = jvp(lambda a: a, [2.0], [3.0], create_graph=True)
    assert isinstance(tangent, Value) and tangent.data == 3.0


# ------------------------------------------- errors that name the op and the value (14)


def test_an_int_too_large_for_a_float_is_named():
    with pytest.raises(OverflowError, match=r"Value needs a finite number.*401 digits"):
        Value(10**400)  # before: "int too large to convert to float"
    with pytest.raises(OverflowError, match=r"mul's operand .*401 digits"):
        Value(1.0) * 10**400


def test_a_derivative_too_large_for_a_float_says_so_without_errno_text():
    x = Value(1e-200)
    y = x ** -1  # dy/dx = -x^-2 = -1e400: not a float
    with pytest.raises(OverflowError) as caught:
        y.backward()
    message = str(caught.value)
    assert "pow(1e-200, -1)" in message and "too large for a float" in message
    assert "34" not in message and "Numerical result" not in message
    assert x.grad == 0.0


@pytest.mark.parametrize("returned, words", [
    (None, "returned None"),
    ("s", "returned str"),
    (10**400, "too large for a float"),
    # before: "the gradient overflows at ...: its local derivative nan times ..." (nothing
    # overflowed), and with create_graph "mul's operand needs a finite number, got nan"
    (math.nan, "rule 0 returned nan"),
    (-math.inf, "rule 0 returned -inf"),
], ids=["None", "str", "huge-int", "nan", "inf"])
def test_a_custom_rule_that_returns_no_number_is_named(returned, words):
    from autograd import define_op

    op = define_op(f"rule_returns_{type(returned).__name__}", lambda x: x * x,
                   [lambda x, out: returned], ["d(x^2)/dx = 2x"])
    x = Value(2.0)
    y = op(x)
    for compute in (y.backward, lambda: y.backward(create_graph=True), lambda: grad(y, [x]),
                    lambda: jvp(op, [2.0], [1.0]), lambda: list(backward_steps(y))):
        with pytest.raises((TypeError, ValueError, OverflowError),
                           match=rf"{op.name}\(2\).*{words}"):
            compute()
    assert x.grad == 0.0


def test_a_symbol_that_uses_settings_the_op_does_not_have_is_refused_at_declaration():
    from autograd import define_op

    with pytest.raises(ValueError, match=r"symbol '\{0\}'.*0 setting"):
        define_op("symbol_without_setting", lambda x: x, [1.0], ["d x/dx = 1"], symbol="{0}")


# --------------------------------------------------------- smaller contract breaks (15)


def test_a_custom_rule_returning_a_value_in_a_plain_backward_leaves_a_float():
    from autograd import define_op

    two = Value(2.0)  # a Value from outside the graph, used by the rule
    op = define_op("square_with_outside_value", lambda x: x * x,
                   [lambda x, out: two * x], ["d(x^2)/dx = 2x"])
    x = Value(3.0)
    op(x).backward()
    assert type(x.grad) is float and x.grad == 6.0  # before: a Value in .grad


# ------------------------------------------------------ what a newcomer expects (17)


def test_truth_of_a_value_is_that_of_its_number_like_a_torch_scalar():
    assert not Value(0.0) and not Value(-0.0)  # before: always True
    assert Value(0.5) and Value(-3.0)


def test_a_format_spec_formats_the_number_like_a_torch_scalar():
    loss = Value(0.123456, label="loss")
    # before: TypeError "unsupported format string passed to Value.__format__", on the
    # line a training loop prints its loss with
    assert f"loss {loss:.3f}" == "loss 0.123"
    assert f"{loss:>8.2e}" == "1.23e-01"
    assert f"{loss}" == "Value(data=0.123456, grad=0, label='loss')"  # no spec: as str()
    with pytest.raises(ValueError, match="Unknown format code 'd'"):
        f"{loss:d}"  # noqa: B018 - a float's own error: the number is a float


def test_a_graph_pickles_and_copies_with_its_ops_structure_and_gradients():
    import copy
    import pickle

    x, w = Value(0.5, label="x"), Value(-2.0, label="w")
    y = (x * w + 1).tanh()
    y.backward()
    # before: "Can't pickle <function <lambda>>" (an op's rule); compiled, even a leaf
    # failed ("__init__() missing required argument 'data'")
    for twin in (pickle.loads(pickle.dumps(y)), copy.deepcopy(y)):
        assert (twin.data, twin.grad, twin.op) == (y.data, 1.0, "tanh")
        s = twin.parents[0]
        (xw, one), (x2, w2) = s.parents, s.parents[0].parents
        assert (s.op, xw.op, type(one), one.data) == ("add", "mul", Constant, 1.0)
        assert (x2.label, x2.data, x2.grad) == ("x", 0.5, x.grad)
        assert (w2.label, w2.data, w2.grad) == ("w", -2.0, w.grad)
        assert twin.operation is y.operation  # the registered op itself, by its name
        assert x2 is not x and s is not y.parents[0]  # a copy, not the graph itself
        twin.backward()  # its own gradients: the original keeps its own
        assert x2.grad == 2 * x.grad and x.grad == pytest.approx(-2 * (1 - y.data**2))


def test_a_graph_with_an_op_not_registered_under_its_name_does_not_pickle():
    import pickle

    import autograd
    from autograd import define_op

    square = define_op("square_to_pickle", lambda x: x * x, [lambda x, out: 2 * x],
                       ["d(x^2)/dx = 2x"])
    y = square(Value(3.0))
    data = pickle.dumps(y)
    assert pickle.loads(data).operation is square
    ops = autograd.OPS
    del ops["square_to_pickle"]  # as in a process that never declared it
    try:
        with pytest.raises(LookupError, match="no op 'square_to_pickle' is registered here: "
                           r"declare it \(define_op\) before loading a graph that uses it"):
            pickle.loads(data)
    finally:
        ops["square_to_pickle"] = square
    define_op("square_to_pickle", lambda x: x * x * 1.0, [lambda x, out: 2 * x],
              ["d(x^2)/dx = 2x"])  # the name now stands for another op
    with pytest.raises(pickle.PicklingError, match="op 'square_to_pickle' is no longer the "
                       "one registered under its name"):
        pickle.dumps(y)


def test_dir_of_autograd_lists_the_names_imported_on_first_use():
    import autograd

    listed = dir(autograd)
    for name in ("draw_graph", "player_html", "save_player", "check_against_torch",
                 "strategies", "Value", "grad"):
        assert name in listed


def test_a_rule_waiting_for_a_pass_in_another_thread_gets_an_error_not_a_deadlock():
    import threading

    from autograd import define_op

    seen: list[BaseException] = []

    def worker() -> None:
        z = Value(2.0)
        try:
            grad(z * z, [z])  # the pass of the main thread holds the engine
        except RuntimeError as error:
            seen.append(error)

    def rule(x: float, out: float) -> float:
        thread = threading.Thread(target=worker, daemon=True)
        thread.start()
        thread.join(30)  # before the fix: a deadlock, the test hung here
        return 1.0

    op = define_op("rule_with_a_worker", lambda x: x, [rule], ["d x/dx = 1"])
    x = Value(1.0)
    op(x).backward()
    assert x.grad == 1.0
    assert len(seen) == 1 and "another thread" in str(seen[0])


def test_passes_in_two_threads_still_wait_for_each_other_without_error():
    import threading

    from autograd import define_op

    started, results = threading.Event(), []

    def slow_rule(x: float, out: float) -> float:
        started.set()
        threading.Event().wait(0.3)  # a slow rule, not waiting for any pass
        return 2.0

    op = define_op("slow_rule", lambda x: 2 * x, [slow_rule], ["d 2x/dx = 2"])

    def other() -> None:
        started.wait(5)
        z = Value(3.0)
        results.append(grad(z * z, [z]))  # waits until the first pass ends, then runs

    thread = threading.Thread(target=other)
    thread.start()
    x = Value(1.0)
    op(x).backward()
    thread.join(30)
    assert x.grad == 2.0 and results == [(6.0,)]


# ------------------------------------------- a bool next to a Value is the number 0 or 1


def test_a_boolean_mask_multiplies_a_value_as_the_constant_0_or_1():
    x = Value(2.0)
    y = (x > 1) * x + x * False + True * x  # a mask as numpy homework writes it
    y.backward()
    assert y.data == 4.0 and x.grad == 2.0
    masked = (x > 1) * x
    assert isinstance(masked.parents[0], Constant) and masked.parents[0].data == 1.0


def test_a_numpy_bool_mask_multiplies_a_value():
    np = pytest.importorskip("numpy")
    x = Value(3.0)
    masked = np.array([x, x], dtype=object) * np.array([True, False])
    assert [m.data for m in masked] == [3.0, 0.0]
    y = x * np.True_
    y.backward()
    assert y.data == 3.0 and x.grad == 1.0


def test_a_numpy_array_of_one_number_next_to_a_value_is_that_number_as_in_value():
    np = pytest.importorskip("numpy")
    x = Value(2.0)
    y = x * np.array(3.0) + np.array([1.0])  # Value(np.array(3.0)) is 3.0 too
    y.backward()
    assert (y.data, x.grad) == (7.0, 3.0)
    with pytest.raises(TypeError, match="ndarray"):
        x * np.array([1.0, 2.0])  # two numbers are no operand of one scalar
    with pytest.raises(TypeError, match="ndarray"):
        x + np.array("1")
    with pytest.raises(TypeError, match="ndarray"):
        x * np.array([True, False])  # (numpy's 'truth value ... is ambiguous' before)


def test_value_of_a_bool_is_still_refused():
    with pytest.raises(TypeError, match="bool"):
        Value(True)


@pytest.mark.parametrize("entry, message", [
    ("topological_order", "expected a Value, got float"),
    ("recompute", "recompute needs a Value, got float"),
    ("zero_grad", "expected a Value, got float"),
])
def test_the_graph_functions_refuse_a_float_with_a_message_of_their_own(entry, message):
    # the compiled build must reach the same check: a parameter typed Value would make
    # mypyc refuse the float first, with "autograd.core.Value object expected"
    import autograd

    with pytest.raises(TypeError, match=message):
        getattr(autograd, entry)(3.0)


_X = Value(2.0)


@pytest.mark.parametrize("call, error, message", [
    (lambda: grad(_X * 3, None), TypeError,
     "grad: inputs must be a Value or a sequence of Values, got NoneType"),
    (lambda: grad(_X * 3, [_X, 3]), TypeError, "grad: inputs must be Values, got int"),
    (lambda: grad(math.nan, [_X]), ValueError, "grad's output needs a finite number, got nan"),
    (lambda: jvp(3, [1.0], [1.0]), TypeError, "jvp: f must be a function, got int"),
    (lambda: jvp(lambda a: a, [1.0, 2.0], [1.0, 1.0]), TypeError,
     r"jvp: f is called with 2 argument\(s\), one per input, but its signature is \(a\)"),
    (lambda: jvp(lambda v: v, 3.0, [1.0]), TypeError,
     "jvp: inputs must be a sequence, got float"),
    (lambda: jvp(lambda v: v, [3.0], 1.0), TypeError,
     "jvp: tangents must be a sequence, got float"),
    (lambda: __import__("autograd").local_derivatives(3), TypeError,
     "local_derivatives needs a Value, got int"),
    (lambda: __import__("autograd").sum(None), TypeError,
     "sum needs a sequence of Values or numbers, got NoneType"),
    (lambda: __import__("autograd").dot(_X, _X), TypeError,
     "dot needs a sequence of Values or numbers, got Value"),
    (lambda: __import__("autograd").logsumexp(3.0), TypeError,
     "logsumexp needs a sequence of Values or numbers, got float"),
])
def test_the_passes_and_many_input_functions_name_what_they_were_given(call, error, message):
    with pytest.raises(error, match=message):
        call()
    assert _X.grad == 0.0 and _X._pass is None


@pytest.mark.parametrize("setting", [1, "no", None])
@pytest.mark.parametrize("entry, call", [
    ("backward", lambda flag: (_X * 3).backward(create_graph=flag)),
    ("backward", lambda flag: __import__("autograd").backward(_X * 3, create_graph=flag)),
    ("grad", lambda flag: grad(_X * 3, [_X], create_graph=flag)),
    ("gradients", lambda flag: __import__("autograd.backprop").backprop.gradients(
        _X * 3, create_graph=flag)),
    ("jvp", lambda flag: jvp(lambda v: v * 3, [2.0], [1.0], create_graph=flag)),
    ("local_derivatives", lambda flag: __import__("autograd").local_derivatives(
        _X * 3, create_graph=flag)),
])
def test_create_graph_must_be_true_or_false_in_both_builds(entry, call, setting):
    # "no" meant yes (Values came back), and the compiled build said only "bool object
    # expected"; as raise_on_failure, a flag is True or False
    with pytest.raises(TypeError, match=f"{entry}: create_graph must be True or False, got "):
        call(setting)
    assert _X.grad == 0.0 and _X._pass is None
