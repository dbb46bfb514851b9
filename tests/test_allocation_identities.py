"""Every allocation a law family returns satisfies its own first-order condition and its own FLOP rule (issue 23,
item 5), for every family and every shipped preset; and OLMo-core's allocation shortcut is shown to be wrong.

The first-order conditions follow from minimising L(N, D) on the budget line k·N·D = C (Lagrange: ∂L/∂log N =
∂L/∂log D at the optimum, since d log D = −d log N along the line):

* parametric, L = E + A/N^α + B/D^β (Hoffmann et al. 2022 Eq. 2): α·A·N^(−α) = β·B·D^(−β);
* Busbridge et al. 2025, L = E + (A/N^α + B/D^β)^γ: the outer power is monotone, so the same condition;
* Kaplan et al. 2020 Eq. 1.5, L = [(N_c/N)^(α_N/α_D) + D_c/D]^α_D: (α_N/α_D)·(N_c/N)^(α_N/α_D) = D_c/D;
* the fine-grained MoE law (Krajewski et al. 2024) and the allocation rules have no such condition in closed form:
  their optimum is checked to spend the budget under the law's own FLOP rule (Eq. 10 for the MoE) and, for the
  MoE, not to be beaten along its budget line.
"""

import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from planner.files.presets import list_presets, preset_ids
from planner.laws import BusbridgeLaw, KaplanLaw, ParametricLaw
from planner.planning.plan import compute_optimal

BUDGETS = (1e18, 1e21, 1e24)
RTOL = 1e-9


def _parametric_condition(m, N, D):
    """(α·A·N^(−α), β·B·D^(−β))."""
    return m.alpha * m.A * N ** (-m.alpha), m.beta * m.B * D ** (-m.beta)


def _kaplan_condition(m, N, D):
    """((α_N/α_D)·(N_c/N)^(α_N/α_D), D_c/D)."""
    p = m.alpha_N / m.alpha_D
    return p * (m.N_c / N) ** p, m.D_c / D


CONDITIONS = {"parametric": _parametric_condition, "busbridge": _parametric_condition, "kaplan": _kaplan_condition}


@pytest.mark.parametrize("preset", preset_ids())
@pytest.mark.parametrize("C", BUDGETS)
def test_every_preset_spends_exactly_its_budget_under_its_own_flop_rule(preset, C):
    """k·N·D = C (or, for a mixture of experts, FLOPs per token × D = C, Krajewski et al. 2024 Eq. 10)."""
    law = next(l for l in list_presets() if l.id == preset or preset in getattr(l, "aliases", ()))
    plan = compute_optimal(law, C)
    m = law.model
    if m.form == "moe":
        spent = m.training_flops(plan.n_params, plan.n_tokens, plan.granularity)
    else:
        spent = m.flops_per_param_token * plan.n_params * plan.n_tokens
    assert spent == pytest.approx(C, rel=RTOL)


@pytest.mark.parametrize("law", [l for l in list_presets() if l.model.form in CONDITIONS], ids=lambda l: l.id)
@pytest.mark.parametrize("C", BUDGETS)
def test_every_preset_with_a_closed_form_meets_its_first_order_condition(law, C):
    plan = compute_optimal(law, C)
    left, right = CONDITIONS[law.model.form](law.model, plan.n_params, plan.n_tokens)
    assert left == pytest.approx(right, rel=1e-8)


def _exponent(lo, hi):
    return st.floats(lo, hi, allow_nan=False)


@given(E=st.floats(1.0, 2.5), A=st.floats(50, 5000), B=st.floats(50, 5000), alpha=_exponent(0.1, 0.9),
       beta=_exponent(0.1, 0.9), C=st.floats(1e15, 1e27))
@settings(max_examples=60, deadline=None)
def test_the_parametric_family_meets_its_condition_for_any_coefficients(E, A, B, alpha, beta, C):
    m = ParametricLaw(E=E, A=A, B=B, alpha=alpha, beta=beta)
    N, D = m.compute_optimal(C)
    left, right = _parametric_condition(m, N, D)
    assert left == pytest.approx(right, rel=1e-8)
    assert 6 * N * D == pytest.approx(C, rel=RTOL)


@given(A=st.floats(50, 5000), B=st.floats(50, 50000), alpha=_exponent(0.1, 0.9), beta=_exponent(0.1, 0.9),
       gamma=_exponent(0.2, 1.0), C=st.floats(1e15, 1e27))
@settings(max_examples=60, deadline=None)
def test_the_busbridge_family_meets_its_condition_for_any_coefficients(A, B, alpha, beta, gamma, C):
    m = BusbridgeLaw(E=1.2, A=A, B=B, alpha=alpha, beta=beta, gamma=gamma)
    N, D = m.compute_optimal(C)
    left, right = _parametric_condition(m, N, D)
    assert left == pytest.approx(right, rel=1e-8)
    assert 6 * N * D == pytest.approx(C, rel=RTOL)


@given(alpha_N=_exponent(0.03, 0.3), alpha_D=_exponent(0.03, 0.3), C=st.floats(1e15, 1e27))
@settings(max_examples=60, deadline=None)
def test_the_kaplan_family_meets_its_condition_for_any_coefficients(alpha_N, alpha_D, C):
    m = KaplanLaw(alpha_N=alpha_N, alpha_D=alpha_D, N_c=6.4e13, D_c=1.8e13)
    N, D = m.compute_optimal(C)
    left, right = _kaplan_condition(m, N, D)
    assert left == pytest.approx(right, rel=1e-8)
    assert 6 * N * D == pytest.approx(C, rel=RTOL)


@pytest.mark.parametrize("law", [l for l in list_presets() if l.model.form == "moe"], ids=lambda l: l.id)
def test_the_moe_optimum_is_not_beaten_along_its_budget_line(law):
    """No closed form: at the optimum's granularity, moving N either way (D refilling the budget) loses."""
    m, C = law.model, 1e21
    plan = compute_optimal(law, C)
    for f in (0.8, 1.25):
        N = plan.n_params * f
        D = C / m.flops_per_token(N, plan.granularity)
        assert m.loss(N, D, plan.granularity) >= plan.loss - 1e-12


# ---------------------------------------------------------------------------------------------------------------------
# OLMo-core's shortcut (allenai/OLMo-core, branch hybrid-ladders, model_ladder/analysis: "optimal_allocation"):
# N·D = C/6 with N/D = α·B/(β·A). It is not the optimum of the parametric law when α ≠ β; these tests keep
# anyone from "simplifying" the closed form into it.

#: Hoffmann et al. 2022's rounded coefficients (§3.3, Eq. 10): E = 1.69, A = 406.4, B = 410.7, α = 0.34, β = 0.28.
CHINCHILLA_ROUNDED = ParametricLaw(E=1.69, A=406.4, B=410.7, alpha=0.34, beta=0.28)


def _olmo_shortcut(m, C):
    ratio = m.alpha * m.B / (m.beta * m.A)           # N/D
    N = math.sqrt(C / 6 * ratio)
    return N, C / (6 * N)


def test_olmo_cores_shortcut_is_not_the_optimum_when_alpha_differs_from_beta():
    m, C = CHINCHILLA_ROUNDED, 1e21
    N, D = m.compute_optimal(C)
    n_short, d_short = _olmo_shortcut(m, C)
    # The closed form (Hoffmann et al. Eq. 4) puts N_opt near 1.82e9 here; the shortcut near 1.43e10, ~8× larger.
    assert N == pytest.approx(1.82e9, rel=0.01)
    assert n_short == pytest.approx(1.43e10, rel=0.01)
    # The shortcut breaks the first-order condition and loses to the closed form on the same budget line.
    left, right = _parametric_condition(m, n_short, d_short)
    assert not left == pytest.approx(right, rel=0.05)
    assert m.loss(n_short, d_short) > m.loss(N, D) + 1e-3


def test_the_closed_form_beats_every_other_split_on_the_budget_line():
    """The oracle: a dense scan of N on k·N·D = C finds no lower loss than the closed form's."""
    m, C = CHINCHILLA_ROUNDED, 1e21
    N, D = m.compute_optimal(C)
    Ns = np.geomspace(N / 100, N * 100, 20001)
    best = Ns[np.argmin(m.loss(Ns, C / (6 * Ns)))]
    assert best == pytest.approx(N, rel=1e-3)


def test_the_shortcut_matches_the_closed_form_only_where_its_ratio_does():
    """At α = β = 1 the first-order condition A/N = B/D gives N/D = A/B, while the shortcut gives B/A: they agree
    only when A = B as well (so "it holds at α = β = 1" is true only for A = B)."""
    C = 1e21
    same = ParametricLaw(E=1.69, A=400.0, B=400.0, alpha=1.0, beta=1.0)
    assert _olmo_shortcut(same, C)[0] == pytest.approx(same.compute_optimal(C)[0], rel=1e-9)
    differ = ParametricLaw(E=1.69, A=406.4, B=410.7, alpha=1.0, beta=1.0)
    N, D = differ.compute_optimal(C)
    assert N / D == pytest.approx(406.4 / 410.7, rel=1e-9)
    assert not _olmo_shortcut(differ, C)[0] == pytest.approx(N, rel=1e-3)
