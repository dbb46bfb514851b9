"""The golden-file comparison of tests/goldens.py: text exact, numbers at a stated relative tolerance (issue 19)."""

import pytest

from .goldens import CLOSED_FORM, GOLDEN, OPTIMIZED, OPTIMIZER, compare_text, tolerance_for


def test_the_moe_optimum_from_two_cpus_matches_at_the_optimizers_tolerance_only():
    """The two CPUs of issue 19 printed krajewski2024-e16's N at 1e21 FLOPs as these (1.2e-7 apart)."""
    row = "krajewski2024-e16,total non-embedding (all experts),1e+21,{},103921606705.24266\n"
    here, there = row.format("17218991377.36309"), row.format("17218989384.661762")
    assert compare_text(here, there, OPTIMIZER, full_precision=True) is None
    assert "relative difference 1.2e-07" in compare_text(here, there, CLOSED_FORM, full_precision=True)


@pytest.mark.parametrize("got, want", [
    ("N = 2.7784594630676327e9", "N = 2.778459463067633e9"),       # last bits
    ("  2.78B   60.0B  ", "  2.78B   60.0B  "),
    ("loss 2.306", "loss 2.305"),                                   # a rounding flip: within the printed precision
    ("cost $645K", "cost $646K"),                                   # the same, with a scale suffix
    ("value -0.000", "value 0.000"),                                # a sign flip of a rounded zero
    ("d_model 8,704 and 1.00e21", "d_model 8,704 and 1.00e21"),
    ('{"n": 17218991377.36309}', '{"n": 17218991377.363092}'),
])
def test_equal_within_tolerance(got, want):
    assert compare_text(got, want, CLOSED_FORM) is None


@pytest.mark.parametrize("got, want, full_precision, says", [
    ("N = 2.7784e9", "N = 2.7785e9", True, "number differs at line 1"),     # repr floats: no printed allowance
    ("loss 2.306", "loss 2.304", False, "number differs"),                   # two units in the last place
    ("cost $645K", "cost $647K", False, "number differs"),
    ("2.78B", "2.78M", False, "text differs"),                                # a unit is text
    ("Eq. 3", "Eq. 2", False, "number differs"),                              # integers: exact
    ("d_model 8,705", "d_model 8,704", False, "number differs"),
    ("krajewski2025", "krajewski2024", False, "text differs"),               # digits inside a word are text
    ("1e+21", "2e+21", True, "number differs"),
    ("1.00e+21", "1.00e21", False, "printed differently"),
    ("1,024", "1024", False, "printed differently"),
    ("a  1.0", "a 1.0", False, "text differs"),                              # spacing is layout
    ("1.0, 2.0", "1.0", False, "text differs"),
    ("1.0 2.0\n", "1.0 2.0 3.0\n", False, "text differs"),
])
def test_different(got, want, full_precision, says):
    problem = compare_text(got, want, CLOSED_FORM, full_precision)
    assert problem is not None and says in problem, problem


def test_the_tolerance_is_a_relative_one():
    assert compare_text("x 1000000.0", "x 1000001.0", 1e-5, True) is None
    assert compare_text("x 1.0", "x 1.00002", 1e-5, True) is not None
    assert compare_text("x 1e-300", "x 1.000001e-300", 1e-5, True) is None     # JSON, CSV: neighbours' reprs
    assert compare_text("x 1e+21", "x 1.0000000000000002e+21", CLOSED_FORM, True) is None


def test_every_optimized_golden_exists_and_the_rest_are_closed_form():
    names = {p.name.split(".")[0] for p in GOLDEN.iterdir()}
    assert set(OPTIMIZED) <= names
    assert tolerance_for("compare.csv") == OPTIMIZER and tolerance_for("compare-cluster.csv") == CLOSED_FORM
    assert CLOSED_FORM < OPTIMIZER <= 1e-4
