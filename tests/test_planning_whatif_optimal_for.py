"""A model size or a data budget alone (``plan --params 7B``, ``plan --tokens 2T``): the budget at which it is
compute-optimal under the law, its other quantity and loss (planner.planning.whatif.optimal_for_params / _for_tokens).

Oracle: each family's closed-form inverse (``flops_for_params``, ``flops_for_tokens``) against scipy's brentq on
log X_opt(C) − log X, written out here from ``compute_optimal`` alone; and Hoffmann et al.'s own Table 3.
"""

import json
import math

import pytest
from click.testing import CliRunner
from hypothesis import event, given, settings
from hypothesis import strategies as st
from scipy.optimize import brentq

from planner.cli import cli
from planner.base.errors import QuantityError, UnsupportedLawError
from planner.laws import AllocationRule, KaplanLaw, ParametricLaw
from planner.planning.plan import compute_optimal
from planner.files.presets import list_presets, load_preset
from planner.planning.whatif import optimal_for_params, optimal_for_tokens

ENV = {"COLUMNS": "100", "NO_COLOR": "1"}


def scipy_inverse(model, key, value):
    """The C with X_opt(C) = value, by brentq over log C in [1e-250, 1e250]; knows nothing of the closed forms."""
    i = 0 if key == "n_params" else 1
    g = lambda u: math.log(float(model.compute_optimal(math.exp(u))[i])) - math.log(value)  # noqa: E731
    return math.exp(brentq(g, -250 * math.log(10), 250 * math.log(10), xtol=1e-13, rtol=1e-14))


#: Hand-made allocation rules of each kind, with a unit other than 1 FLOP (as Kaplan's PF-days).
RULES = [AllocationRule(gives=g, coefficient=c, exponent=e, flops_unit=u)
         for g, c, e, u in (("n_params", 0.09, 0.5, 1.0), ("n_tokens", 0.29, 0.53, 1.0),
                            ("flops_per_token", 0.1715, 0.5243, 1.0), ("n_params", 1.3e9, 0.73, 8.64e19),
                            ("n_tokens", 2e10, 0.3, 8.64e19))]
MODELS = [law.model for law in list_presets() if not law.routed] + RULES
DENSE = [law.id for law in list_presets() if not law.routed]
ROUTED = [law.id for law in list_presets() if law.routed]


@pytest.mark.parametrize("model", MODELS, ids=lambda m: f"{m.form}-{getattr(m, 'gives', '')}")
@pytest.mark.parametrize("key", ["n_params", "n_tokens"])
@pytest.mark.parametrize("value", [1e8, 7e9, 2e12])
def test_closed_form_inverse_matches_scipy(model, key, value):
    C = (model.flops_for_params if key == "n_params" else model.flops_for_tokens)(value)
    assert C == pytest.approx(scipy_inverse(model, key, value), rel=1e-9)
    plan = (optimal_for_params if key == "n_params" else optimal_for_tokens)(model, value)
    assert plan.flops == pytest.approx(C, rel=1e-12)
    assert getattr(plan, key) == value
    # The plan is the optimum at its budget: the other quantity is compute_optimal's, and k·N·D = C.
    assert plan.n_params * plan.n_tokens * model.flops_per_param_token == pytest.approx(C, rel=1e-9)


parametric = st.builds(ParametricLaw, E=st.floats(0.0, 3.0), A=st.floats(10.0, 5000.0), B=st.floats(10.0, 5000.0),
                       alpha=st.floats(0.1, 0.8), beta=st.floats(0.1, 0.8))
kaplan = st.builds(KaplanLaw, alpha_N=st.floats(0.03, 0.3), alpha_D=st.floats(0.03, 0.3),
                   N_c=st.floats(1e10, 1e15), D_c=st.floats(1e10, 1e15))
rule = st.builds(AllocationRule, gives=st.sampled_from(["n_params", "n_tokens", "flops_per_token"]),
                 coefficient=st.floats(0.01, 10.0), exponent=st.floats(0.3, 0.7))


@settings(max_examples=150, deadline=None)
@given(model=st.one_of(parametric, kaplan, rule), log_c=st.floats(18.0, 28.0), key=st.sampled_from(["n_params",
                                                                                                     "n_tokens"]))
def test_inverse_then_forward_is_the_identity(model, log_c, key):
    """For any law: take the optimum at C, invert its N (or D), and the same C comes back."""
    event(f"{model.form} {key}")
    C = 10.0**log_c
    value = compute_optimal(model, C).__getattribute__(key)
    back = (model.flops_for_params if key == "n_params" else model.flops_for_tokens)(value)
    assert back == pytest.approx(C, rel=1e-8)


def test_hoffmann_table_3_read_backwards():
    """Hoffmann et al. 2022, Table 3 (Approach 1): a 400M model is optimal at 1.92e19 FLOPs on 8.0B tokens, 1B at
    1.21e20 on 20.2B, 10B at
    1.23e22 on 205.1B. The preset's prefactor is a fit over the table, which the paper rounds to 2-3 figures: N within
    2.5% (test_files_presets.py) puts C within (1.025)^2 − 1 ≈ 5%, D within 6%."""
    law = load_preset("hoffmann2022-approach1")
    for N, C, D in [(4.0e8, 1.92e19, 8.0e9), (1.0e9, 1.21e20, 20.2e9), (1.0e10, 1.23e22, 205.1e9)]:
        plan = optimal_for_params(law, N)
        assert plan.flops == pytest.approx(C, rel=0.055) and plan.n_tokens == pytest.approx(D, rel=0.06)
        assert optimal_for_tokens(law, D).n_params == pytest.approx(N, rel=0.06)


def test_a_rule_whose_quantity_does_not_grow_with_compute_is_refused():
    flat = AllocationRule(gives="n_params", coefficient=1.0, exponent=1.0)  # D_opt = C/(k·C): constant
    with pytest.raises(UnsupportedLawError, match="D_opt of this allocation rule does not grow with compute"):
        flat.flops_for_tokens(1e12)


def test_a_budget_out_of_range_is_one_error():
    with pytest.raises(QuantityError, match="not a finite number of FLOPs"):
        optimal_for_params(load_preset("kaplan2020"), 1e290)


# --------------------------------------------------------------------------------------------------------------------
# the command line


@pytest.mark.parametrize("preset", DENSE)
@pytest.mark.parametrize("option, key, value", [("--params", "n_params", 7e9), ("--tokens", "n_tokens", 2e12)])
def test_cli_answers_for_every_dense_preset(preset, option, key, value):
    r = CliRunner().invoke(cli, [option, "7B" if key == "n_params" else "2T", "-p", preset, "--format", "json"],
                           env=ENV)
    assert r.exit_code == 0, r.output
    [row] = json.loads(r.stdout)
    law = load_preset(preset)
    assert row[key] == value
    assert row["flops"] == pytest.approx(scipy_inverse(law.model, key, value), rel=1e-9)
    assert (row["loss"] is None) == (not law.has_loss)


@pytest.mark.parametrize("preset", ROUTED)
@pytest.mark.parametrize("option", ["--params", "--tokens"])
def test_a_mixture_of_experts_refuses_a_size_alone_in_one_line(preset, option):
    """Its N counts every expert and its compute the active ones: one N does not name one budget."""
    from tests.goldens import assert_one_line_error

    r = CliRunner().invoke(cli, [option, "7B", "-p", preset], env=ENV)
    assert_one_line_error(r, 1, "is not available for")
    assert "mixture-of-experts law" in r.stderr


def test_cli_table_says_what_the_budget_is():
    r = CliRunner().invoke(cli, ["--params", "7B"], env=ENV)
    assert r.exit_code == 0 and r.stderr == ""
    assert r.stdout.startswith("Compute-optimal plan for N = 7.00B · besiroglu2024")
    assert "the C at which N = 7.00B is compute-optimal under besiroglu2024" in r.stdout


def test_cli_tokens_alone_warns_when_it_extrapolates():
    r = CliRunner().invoke(cli, ["--tokens", "2T"], env=ENV)
    assert r.exit_code == 0
    assert "Warning: besiroglu2024 was fitted on N from 57.3M to 16.2B; N = 111B is outside" in r.stderr


def test_cli_params_alone_takes_the_hardware_options():
    r = CliRunner().invoke(cli, ["--params", "7B", "--gpu", "h100", "--format", "json"], env=ENV)
    assert r.exit_code == 0, r.output
    [row] = json.loads(r.stdout)
    assert row["gpu_hours"] == pytest.approx(row["flops"] / (989.4e12 * 0.40) / 3600)
