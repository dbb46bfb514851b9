"""planner.base.units: quantities in, human numbers out."""

import math
import re

import pytest
from hypothesis import given, settings, strategies as st

from planner.base import units
from planner.base.errors import QuantityError
from planner.base.units import check_positive, format_count, format_flops, format_loss, format_ratio, format_sig, parse_quantity


@pytest.mark.parametrize("text, value", [
    ("1e21", 1e21), ("1.5e24", 1.5e24), ("3.8e+25", 3.8e25), ("7B", 7e9), ("7b", 7e9), ("2T", 2e12),
    ("500M", 5e8), ("1.2k", 1.2e3), (" 60 ", 60.0), ("1_000", 1000.0), (".5T", 5e11), ("4.5P", 4.5e15),
])
def test_parse_accepts_numbers_and_suffixes(text, value):
    assert parse_quantity(text) == pytest.approx(value, rel=1e-15)


@pytest.mark.parametrize("text", ["", "abc", "1e21x", "7 billion", "nan", "inf", "-inf", "1e", "--1", "7BB", "1,5"])
def test_parse_rejects_non_numbers(text):
    with pytest.raises(QuantityError, match="expected a number like 1e21"):
        parse_quantity(text)


@pytest.mark.parametrize("text", ["0", "-1", "-7B", "0e5", "1e999"])
def test_parse_rejects_non_positive_and_overflow(text):
    with pytest.raises(QuantityError, match="finite number > 0"):
        parse_quantity(text)


@pytest.mark.parametrize("text", ["5e-324", "2.225073858507e-311", "1e-301", "1e301", "1.7e308", "1e290T"])
def test_parse_rejects_magnitudes_the_arithmetic_cannot_carry(text):
    """QA: 'plan --flops 5e-324' (budget / 6 underflows to 0) and 'plan shape --params 1.7e308' showed tracebacks."""
    with pytest.raises(QuantityError, match=r"expected a number from 1e-300 to 1e\+300; got .*too extreme"):
        parse_quantity(text)


def test_parse_accepts_the_ends_of_its_range():
    assert parse_quantity("1e-300") == 1e-300 and parse_quantity("1e300") == 1e300


def test_parse_names_the_quantity_in_errors():
    with pytest.raises(QuantityError, match="for flops; got 'x'"):
        parse_quantity("x", name="flops")


def test_check_positive_arrays_reports_count_and_first_bad_value():
    import numpy as np
    with pytest.raises(QuantityError, match=r"2 of 4 are not \(first: nan\)"):
        check_positive(np.array([1.0, float("nan"), 3.0, -1.0]), "flops")
    assert check_positive(np.array([1.0, 2.0])).tolist() == [1.0, 2.0]


@pytest.mark.parametrize("x, text", [
    (2.778e9, "2.78B"), (59.985e9, "60.0B"), (999.96e6, "1.00B"),
    (1.2e12, "1.20T"), (512.0, "512"), (12_345.0, "12.3K"), (3.2e15, "3.20P"), (0.5, "0.500"),
])
def test_format_count_three_significant_figures(x, text):
    assert format_count(x) == text


def test_format_flops_and_ratio():
    assert format_flops(1e21) == "1.00e21"
    assert format_flops(5.76e23) == "5.76e23"
    assert format_flops(9.999e20) == "1.00e21"
    assert format_ratio(21.589) == "21.6"
    assert format_ratio(1.51) == "1.51"
    assert format_ratio(0.1234) == "0.123"


@given(st.floats(min_value=1.0, max_value=1e17))
def test_format_count_round_trips_to_three_figures(x):
    """What is printed parses back to the value within the rounding of three significant figures."""
    assert parse_quantity(format_count(x)) == pytest.approx(x, rel=5e-3)


@given(st.floats(min_value=1e-3, max_value=1e30))
def test_format_flops_round_trips(x):
    assert parse_quantity(format_flops(x)) == pytest.approx(x, rel=5e-3)
    assert math.isfinite(parse_quantity(format_flops(x)))


@pytest.mark.parametrize("fmt, x, text", [
    (format_count, 1.67e299, "1.67e299"),     # past the largest suffix: no '1.67e284P'
    (format_count, 7.86e-156, "7.86e-156"),   # no run of zeros for tiny values
    (format_ratio, 2.699e9, "2.70e9"),        # three significant figures, not ten digits
    (format_ratio, float("inf"), "inf"),
    (format_loss, 8.292e56, "8.292e56"),
    (format_loss, float("inf"), "inf"),
    (format_sig, float("nan"), "nan"),
    (format_sig, 0.01234, "0.0123"),
    (format_sig, None, "—"),
])
def test_extreme_values_format_without_raising(fmt, x, text):
    """Hypothesis found budgets like 1 FLOP with N = 1e-300 crashing the formatter; every float now has a text."""
    assert fmt(x) == text


@given(st.floats(allow_nan=True, allow_infinity=True))
def test_formatters_accept_any_float(x):
    for fmt in (format_count, format_flops, format_ratio, format_loss, format_sig):
        assert isinstance(fmt(x), str)


def test_a_factor_is_never_a_hundred_digit_integer():
    """Issue 21: the task extrapolation warning at --flops 1e300 printed a 279-digit integer; every "N×" goes through
    format_factor, which switches to scientific notation past a million."""
    import re

    from click.testing import CliRunner

    from planner.base.units import format_factor
    from planner.cli import cli

    assert format_factor(202.4) == "202×" and format_factor(8344.2) == "8344×"
    assert format_factor(5.09e278) == "5.09e278×" and format_factor(3e6, "x") == "3.00e6x"
    r = CliRunner().invoke(cli, ["--flops", "1e300", "--tasks", "bhagia2024", "--task", "mmlu"])
    assert r.exit_code == 0 and "extrapolates 5.09e278× beyond" in r.stderr
    assert not re.search(r"\d{12}", r.stderr + r.stdout)


def _by_the_pattern(text):
    """parse_quantity's reading of ``text`` through its pattern alone (no plain-number shortcut): value or message."""
    m = re.match(units._QUANTITY, text)
    if not m or (m.group(2) and m.group(2).lower() not in units.SUFFIXES):
        return "not a number"
    value = float(m.group(1).replace("_", "")) * units.SUFFIXES.get(m.group(2).lower(), 1.0)
    if not (math.isfinite(value) and value > 0):
        return "not positive"
    return value if 1e-300 <= value <= 1e300 else "out of range"


def _by_parse_quantity(text):
    try:
        return parse_quantity(text)
    except QuantityError as e:
        msg = str(e)
        return ("not positive" if "finite number > 0" in msg else "out of range" if "from 1e-300" in msg
                else "not a number")


@settings(max_examples=500)
@given(st.text(alphabet="0123456789.eE+-_ bT", max_size=12) | st.from_regex(r"\A\s*[+-]?\d{0,3}\.?\d{0,3}([eE][+-]?\d{1,3})?\s*\Z"))
def test_a_plain_number_is_read_as_the_pattern_reads_it(text):
    """The shortcut for plain numbers (float() on digits, point, sign and exponent) agrees with the pattern."""
    assert _by_parse_quantity(text) == _by_the_pattern(text)
