"""autograd.validate: the argument checks every module shares, and their messages."""

from __future__ import annotations

import fractions
import math

import pytest

from autograd import validate


class NotPrintable:
    def __repr__(self) -> str:
        raise RuntimeError("repr is broken")


@pytest.mark.parametrize("value, expected", [
    (3, True), (2.5, True), (fractions.Fraction(1, 3), True), (math.inf, True),
    (True, False), (False, False), ("1", False), (None, False), (1j, False), ([1.0], False),
])
def test_is_real_counts_no_bool_as_a_number(value, expected) -> None:
    assert validate.is_real(value) is expected


@pytest.mark.parametrize("value, expected", [
    (3, True), (-2, True), (3.0, False), (True, False), ("3", False),
])
def test_is_integer(value, expected) -> None:
    assert validate.is_integer(value) is expected


def test_real_returns_a_float_and_names_argument_type_and_value() -> None:
    assert validate.real(3, "x") == 3.0 and type(validate.real(3, "x")) is float
    assert validate.real(fractions.Fraction(1, 4), "x") == 0.25
    assert math.isnan(validate.real(math.nan, "x"))  # real only checks the type
    with pytest.raises(TypeError, match=r"^lr must be a real number, got str '0.1'$"):
        validate.real("0.1", "lr")
    with pytest.raises(TypeError, match=r"^lr must be a real number, got bool True$"):
        validate.real(True, "lr")
    with pytest.raises(ValueError, match=r"^w is too large for a float, got 1000000"):
        validate.real(10**400, "w")


@pytest.mark.parametrize("check, value, error, message", [
    (validate.finite, math.nan, ValueError, "eps must be finite, got nan"),
    (validate.finite, -math.inf, ValueError, "eps must be finite, got -inf"),
    (validate.positive, 0, ValueError, "eps must be > 0, got 0"),
    (validate.positive, -1.5, ValueError, "eps must be > 0, got -1.5"),
    (validate.positive, math.inf, ValueError, "eps must be finite, got inf"),
    (validate.non_negative, -1e-9, ValueError, "eps must be >= 0, got -1e-09"),
    (validate.non_negative, None, TypeError, "eps must be a real number, got NoneType None"),
])
def test_number_checks_name_the_problem(check, value, error, message) -> None:
    with pytest.raises(error) as caught:
        check(value, "eps")
    assert str(caught.value) == message


def test_number_checks_accept_good_values() -> None:
    assert validate.finite(-2, "x") == -2.0
    assert validate.positive(1e-300, "x") == 1e-300
    assert validate.non_negative(0, "x") == 0.0


def test_in_interval_writes_the_interval_with_its_open_and_closed_ends() -> None:
    assert validate.in_interval(0, "momentum", 0, 1, include_high=False) == 0.0
    with pytest.raises(ValueError) as caught:
        validate.in_interval(1, "momentum", 0, 1, include_high=False)
    assert str(caught.value) == "momentum must be in [0, 1), got 1"
    with pytest.raises(ValueError, match=r"must be in \(0, 1\), got 0"):
        validate.in_interval(0, "test_fraction", 0, 1, include_low=False, include_high=False)
    with pytest.raises(ValueError, match=r"must be in \[0.5, 2\], got 2.5"):
        validate.in_interval(2.5, "p", 0.5, 2)


def test_integer_refuses_floats_and_bools_and_says_which_bounds() -> None:
    assert validate.integer(7, "epochs", minimum=1) == 7
    with pytest.raises(TypeError, match=r"^epochs must be an int, got float 3.0$"):
        validate.integer(3.0, "epochs")
    with pytest.raises(TypeError, match=r"^epochs must be an int, got bool False$"):
        validate.integer(False, "epochs")
    with pytest.raises(ValueError, match=r"^epochs must be an int >= 1, got 0$"):
        validate.integer(0, "epochs", minimum=1)
    with pytest.raises(ValueError, match=r"^digits must be an int from 1 to 17, got 18$"):
        validate.integer(18, "digits", minimum=1, maximum=17)
    with pytest.raises(ValueError, match=r"^depth must be an int <= 3, got 4$"):
        validate.integer(4, "depth", maximum=3)


def test_choice_lists_the_choices() -> None:
    assert validate.choice("tanh", "activation", ["relu", "tanh"]) == "tanh"
    with pytest.raises(ValueError) as caught:
        validate.choice("softplus", "activation", ["relu", "tanh"])
    assert str(caught.value) == "unknown activation 'softplus'; choose one of relu, tanh"
    with pytest.raises(ValueError, match=r"unknown loss \['hinge'\]"):  # unhashable: no crash
        validate.choice(["hinge"], "loss", {"hinge": None})


def test_values_are_shown_short_even_when_huge_or_unprintable() -> None:
    assert validate.shown("x" * 1000).endswith("(1002 characters)")
    assert len(validate.shown("x" * 1000)) < 100
    assert validate.shown(10**5000) == f"an int of {(10**5000).bit_length()} bits"
    assert validate.shown(NotPrintable()) == "a NotPrintable object"
    with pytest.raises(TypeError, match="got NotPrintable a NotPrintable object"):
        validate.real(NotPrintable(), "x")


def test_flag_takes_only_true_or_false_and_names_argument_type_and_value() -> None:
    assert validate.flag(True, "f: raise_on_failure") is True
    assert validate.flag(False, "f: raise_on_failure") is False
    for value, shown in [("no", "str 'no'"), (0, "int 0"), (1, "int 1"), (None, "NoneType None"),
                         ("False", "str 'False'")]:
        with pytest.raises(TypeError) as error:
            validate.flag(value, "f: raise_on_failure")
        assert str(error.value) == f"f: raise_on_failure must be True or False, got {shown}"
