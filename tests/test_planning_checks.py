"""Warnings about plans (planner.planning.checks): extrapolation past the fitted range, undertrained runs."""

from planner.planning.checks import fitted_range_warnings, undertrained_warnings
from planner.files.presets import load_preset


def test_inside_the_fitted_range_no_warning():
    law = load_preset("hoffmann2022")  # fitted on N 70M..16B, D 5B..500B (abstract)
    assert fitted_range_warnings(law, n_params=[1e9], n_tokens=[2e10]) == []


def test_leaving_the_fitted_range_names_law_range_and_value():
    [msg] = fitted_range_warnings(load_preset("hoffmann2022"), n_params=[7e10], n_tokens=[2e10])
    assert msg == ("hoffmann2022 was fitted on N from 70.0M to 16.0B; N = 70.0B is outside that range: "
                   "an extrapolation")


def test_many_rows_give_one_warning_with_the_furthest_value():
    [msg] = fitted_range_warnings(load_preset("llama3-2024"), flops=[1e20, 1e23, 1e25])
    assert "2 of 3 rows are (furthest: C = 1.00e25)" in msg


def test_a_law_without_a_range_never_warns():
    assert fitted_range_warnings(load_preset("hoffmann2022-approach1"), n_params=[1e15], flops=[1e30]) == []


def test_undertrained_when_tokens_per_param_is_under_a_quarter_of_the_optimum():
    law = load_preset("besiroglu2024")
    assert undertrained_warnings(law, [5.0, 6.0], [21.6, 21.6]) == [
        "5.00 tokens per parameter is far below the 21.6 that besiroglu2024 implies at this budget: "
        "the model is large for its data"]


def test_a_value_that_underflowed_to_zero_is_the_furthest_not_a_division_by_zero():
    """QA: 'plan --flops 1e21 --max-tokens 1e-300 -p kaplan2020' gave N = 0 after underflow, and the warning
    divided by it (a traceback)."""
    [msg] = fitted_range_warnings(load_preset("hoffmann2022"), n_params=[1e9, 0.0])
    assert "1 of 2 rows are (furthest: N = 0" in msg


# Results carry their guarantees: a Python caller gets the checks and warnings the command line prints.

def _cli_stderr(*args):
    from click.testing import CliRunner

    from planner.cli import cli

    return CliRunner().invoke(cli, list(args)).stderr


def test_a_plan_from_python_carries_the_warning_the_cli_prints():
    from planner import compute_optimal

    plan = compute_optimal(load_preset("hoffmann2022"), 1e25)   # N, D beyond the runs of the paper
    assert plan.warnings
    stderr = _cli_stderr("--flops", "1e25", "--preset", "hoffmann2022")
    for w in plan.warnings:
        assert w.split(";")[0] in stderr
    assert compute_optimal(load_preset("hoffmann2022"), 1e20).warnings == ()


def test_a_whatif_and_a_constrained_plan_carry_their_warnings():
    from planner import plan_with_constraints, plan_with_params

    law = load_preset("besiroglu2024")
    w = plan_with_params(law, 1e21, 1e11)   # 100B parameters on 1.7B tokens
    assert any("far below" in x for x in w.warnings)
    r = plan_with_constraints(law, 1e27, max_params=1e13)
    assert any("extrapolation" in x for x in r.warnings)


def test_a_plan_that_is_not_a_number_is_refused_from_python_too():
    import pytest

    from planner import NumericError, compute_optimal

    law = load_preset("besiroglu2024").with_coefficients(A=1e300, alpha=1e-3)
    with pytest.raises(NumericError, match="too extreme"):
        compute_optimal(law, 1e21)


def test_an_extreme_moe_granularity_is_blamed_not_the_coefficients():
    """Issue 21: a law file with granularities = [1e308] was refused as "its coefficients a = 18.1 and ... are too
    extreme"; what a family sets beyond its coefficients ([moe]) is blamed where it is the extreme value."""
    import dataclasses

    import pytest

    from planner.base.errors import NumericError
    from planner.planning.checks import culprit, guard, check_plans
    from planner.planning.plan import compute_optimal

    law = load_preset("krajewski2024")
    assert culprit(law).startswith("its coefficients a = ")   # published values: none stands out, all are listed
    bad = dataclasses.replace(law, model=dataclasses.replace(law.model, granularities=(1e308,)))
    assert culprit(bad) == "its setting [moe] granularities = [1e+308] is"
    import numpy as np

    with pytest.raises(NumericError) as e, np.errstate(all="ignore"):   # the overflow is the point: no warning
        with guard(bad):
            check_plans(bad, [compute_optimal(bad, 1e21)], budgets=[1e21])
    assert "[moe] granularities = [1e+308] is too extreme" in str(e.value) and "coefficients a =" not in str(e.value)
