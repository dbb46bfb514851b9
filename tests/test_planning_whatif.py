"""What-if plans, exact runs, compute efficiency and target losses (planner.planning.whatif).

Oracles: each closed form is checked against an independent scipy solution written out here
(minimize_scalar over log N for L_opt(C), brentq in log C for the inverse).
"""

import math

import numpy as np
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st
from scipy.optimize import brentq, minimize_scalar

from planner.base.errors import NoLossModelError, PlannerError, QuantityError, UnreachableLossError
from planner.laws import KaplanLaw, ParametricLaw
from planner.planning.plan import compute_optimal
from planner.files.presets import list_presets, load_preset
from planner.planning.whatif import (compute_efficiency, evaluate, frontier, min_compute_for_loss, optimal_loss,
                            plan_with_params, plan_with_tokens)

#: Laws planned on one N with C = k·N·D; a mixture of experts (N counting every expert, its loss needing the
#: granularity) answers none of the what-ifs: MOE_PRESETS refuse them (test_laws_moe.py checks its optimum instead).
LOSS_PRESETS = [law.id for law in list_presets() if law.has_loss and not law.routed]
RULE_PRESETS = [law.id for law in list_presets() if not law.has_loss]
MOE_PRESETS = [law.id for law in list_presets() if law.routed]

parametric = st.builds(ParametricLaw, E=st.floats(0.0, 3.0), A=st.floats(10.0, 5000.0), B=st.floats(10.0, 5000.0),
                       alpha=st.floats(0.1, 0.8), beta=st.floats(0.1, 0.8))
kaplan = st.builds(KaplanLaw, alpha_N=st.floats(0.03, 0.3), alpha_D=st.floats(0.03, 0.3),
                   N_c=st.floats(1e10, 1e15), D_c=st.floats(1e10, 1e15))
budgets = st.floats(17.0, 27.0).map(lambda x: 10.0**x)


def scipy_optimal_loss(model, C):
    """min over N of L(N, C/(kN)), minimised in log N by scipy; knows nothing of the closed forms."""
    k = model.flops_per_param_token
    x = math.log(C / k)
    res = minimize_scalar(lambda u: model.loss(math.exp(u), math.exp(x - u)), bounds=(0.0, x),
                          method="bounded", options={"xatol": 1e-10})
    return res.fun


@pytest.mark.parametrize("preset", LOSS_PRESETS)
@pytest.mark.parametrize("C", [1e19, 1e21, 5.76e23, 1e25])
def test_optimal_loss_closed_form_matches_scipy_minimisation(preset, C):
    """L_opt(C) = E + K·C^-γ agrees with a direct numerical minimisation along the budget line to 1e-9."""
    law = load_preset(preset)
    assert optimal_loss(law, C) == pytest.approx(scipy_optimal_loss(law.model, C), rel=1e-9)


@settings(max_examples=40, deadline=None)
@given(model=st.one_of(parametric, kaplan), C=budgets)
def test_optimal_loss_is_the_loss_of_the_optimal_split(model, C):
    """The frontier's closed form equals L at compute_optimal(C) for any parametric or Kaplan law."""
    N, D = model.compute_optimal(C)
    assert optimal_loss(model, C) == pytest.approx(model.loss(N, D), rel=1e-9)


@pytest.mark.parametrize("preset", LOSS_PRESETS)
@pytest.mark.parametrize("C", [1e18, 1e21, 1e24, 1e27])
def test_target_loss_inverts_the_optimum_loss(preset, C):
    """min_compute_for_loss(L_opt(C)) returns C, and its plan's loss is the target to 1e-9 relative."""
    law = load_preset(preset)
    target = compute_optimal(law, C).loss
    plan = min_compute_for_loss(law, target)
    assert plan.flops == pytest.approx(C, rel=1e-9)
    assert plan.loss == pytest.approx(target, rel=1e-9)


@pytest.mark.parametrize("preset", LOSS_PRESETS)
def test_target_loss_matches_scipy_root_finding(preset):
    """The closed-form inverse agrees with brentq on log C over the law's own L(N_opt, D_opt)."""
    law = load_preset(preset)
    for target in (2.5, 2.2, 2.0):
        if target <= frontier(law).E:
            continue
        g = lambda u: law.model.loss(*law.model.compute_optimal(math.exp(u))) - target  # noqa: E731
        C = math.exp(brentq(g, math.log(1e10), math.log(1e40), xtol=1e-13))
        assert min_compute_for_loss(law, target).flops == pytest.approx(C, rel=1e-9)


@settings(max_examples=40, deadline=None)
@given(model=st.one_of(parametric, kaplan), C=budgets)
def test_target_loss_inverts_for_any_law(model, C):
    target = optimal_loss(model, C)
    assert min_compute_for_loss(model, target).flops == pytest.approx(C, rel=1e-7)


@pytest.mark.parametrize("preset", LOSS_PRESETS)
@pytest.mark.parametrize("C", [1e20, 1e21, 1e23])
def test_whatif_at_the_optimal_n_is_the_optimum(preset, C):
    """--params equal to N_opt: same D, same loss, loss gap 0 and efficiency 1."""
    law = load_preset(preset)
    opt = compute_optimal(law, C)
    w = plan_with_params(law, C, opt.n_params)
    assert w.n_tokens == pytest.approx(opt.n_tokens, rel=1e-12)
    assert w.loss == pytest.approx(opt.loss, rel=1e-12)
    assert w.loss_gap == pytest.approx(0.0, abs=1e-12)
    assert w.compute_efficiency == pytest.approx(1.0, rel=1e-9)
    t = plan_with_tokens(law, C, opt.n_tokens)
    assert t.n_params == pytest.approx(opt.n_params, rel=1e-12)
    assert t.compute_efficiency == pytest.approx(1.0, rel=1e-9)


@pytest.mark.parametrize("preset", LOSS_PRESETS)
def test_compute_efficiency_matches_scipy_inverse(preset):
    """η = C_min(L(N, D)) / (6ND), with C_min found by brentq independently of the closed form."""
    law = load_preset(preset)
    N, D = 7e9, 2e12
    L = law.model.loss(N, D)
    g = lambda u: scipy_optimal_loss(law.model, math.exp(u)) - L  # noqa: E731
    C_min = math.exp(brentq(g, math.log(1e15), math.log(6 * N * D), xtol=1e-12))
    assert compute_efficiency(law, N, D) == pytest.approx(C_min / (6 * N * D), rel=1e-6)


@settings(max_examples=60, deadline=None)
@given(model=st.one_of(parametric, kaplan), C=budgets, log_ratio=st.floats(-4.0, 4.0))
def test_a_run_off_the_optimum_is_never_better(model, C, log_ratio):
    """Any split of C: loss gap ≥ 0 and 0 < efficiency ≤ 1 (the optimum is not beaten)."""
    N_opt, _ = model.compute_optimal(C)
    w = plan_with_params(model, C, N_opt * 10.0**log_ratio)
    assert w.loss_gap >= 0.0
    assert 0.0 < w.compute_efficiency <= 1.0
    assert w.loss >= w.optimum.loss * (1 - 1e-12)


def test_reference_whatif_7b_on_1e21():
    """besiroglu2024 (Besiroglu et al. 2024's coefficients), C = 1e21, N = 7B: D = 1e21/(6·7e9) = 23.8B, L from Eq. 2
    written out, and η = C_min(L)/C with C_min found numerically (L_opt(C') = L, minimising over N at each C')."""
    from scipy.optimize import brentq, minimize_scalar

    E, A, B, a, b = 1.8172, 482.01, 2085.43, 0.3478, 0.3658
    loss = lambda N, D: E + A / N**a + B / D**b
    w = plan_with_params(load_preset("besiroglu2024"), 1e21, 7e9)
    L = loss(7e9, 1e21 / 42e9)
    assert w.n_tokens == pytest.approx(1e21 / 42e9, rel=1e-12)
    assert w.loss == pytest.approx(L, rel=1e-12)

    def best(log_c):
        x = math.exp(log_c) / 6
        return minimize_scalar(lambda t: loss(math.exp(t), x / math.exp(t)), bounds=(10, 40), method="bounded",
                               options={"xatol": 1e-12}).fun

    C_min = math.exp(brentq(lambda lc: best(lc) - L, math.log(1e19), math.log(1e21), xtol=1e-12))
    assert w.compute_efficiency == pytest.approx(C_min / 1e21, rel=1e-6)


def test_evaluate_plans_the_exact_run():
    law = load_preset("besiroglu2024")
    w = evaluate(law, 7e9, 2e12)
    assert w.flops == pytest.approx(6 * 7e9 * 2e12)
    assert w.optimum.flops == w.flops
    assert w.tokens_per_param == pytest.approx(2e12 / 7e9)


def test_functions_are_vectorised():
    """Arrays in, arrays of the same shape out, equal to the scalar results."""
    law = load_preset("besiroglu2024")
    C = np.array([1e20, 1e21, 1e22])
    w = plan_with_params(law, C, 7e9)
    assert w.compute_efficiency.shape == (3,)
    assert w.compute_efficiency[1] == pytest.approx(plan_with_params(law, 1e21, 7e9).compute_efficiency)
    targets = np.array([2.3, 2.1])
    assert min_compute_for_loss(law, targets).flops.shape == (2,)
    assert optimal_loss(law, C).shape == (3,)


@pytest.mark.parametrize("preset", RULE_PRESETS)
def test_allocation_rules_plan_whatifs_without_losses(preset):
    """A rule still derives the other quantity; loss, gap and efficiency are None."""
    law = load_preset(preset)
    w = plan_with_params(law, 1e21, 7e9)
    assert w.n_tokens == pytest.approx(1e21 / (law.flops_per_param_token * 7e9))
    assert w.loss is None and w.loss_gap is None and w.compute_efficiency is None


@pytest.mark.parametrize("preset", RULE_PRESETS)
def test_target_loss_without_a_loss_model_is_an_error(preset):
    with pytest.raises(NoLossModelError, match="allocation rule"):
        min_compute_for_loss(load_preset(preset), 2.1)


@pytest.mark.parametrize("target", [1.8172, 1.5, 0.1])
def test_target_at_or_below_the_irreducible_loss_is_an_error(target):
    """Not a NaN: UnreachableLossError names E and the fix; it is also a ValueError."""
    with pytest.raises(UnreachableLossError, match=r"irreducible loss E = 1.8172.*above 1.8172") as e:
        min_compute_for_loss(load_preset("besiroglu2024"), target)
    assert isinstance(e.value, ValueError)


def test_target_needing_more_compute_than_a_float_holds_is_an_error():
    """kaplan2020 has no floor, but a loss of 1e-15 needs C far beyond 1e308: an error, not inf."""
    with pytest.raises(UnreachableLossError, match="1e308"):
        min_compute_for_loss(load_preset("kaplan2020"), 1e-15)


@pytest.mark.parametrize("call", [
    lambda law: plan_with_params(law, 1e21, -1.0),
    lambda law: plan_with_params(law, 1e21, float("nan")),
    lambda law: plan_with_tokens(law, 1e-300, 1e300),
    lambda law: evaluate(law, 1e200, 1e200),
    lambda law: min_compute_for_loss(law, float("inf")),
])
def test_bad_quantities_raise_quantity_errors(call):
    with pytest.raises(QuantityError):
        call(load_preset("besiroglu2024"))


@settings(max_examples=80, deadline=None)
@given(logN=st.floats(-300, 300), logD=st.floats(-300, 300))
def test_evaluate_never_returns_nan(logN, logD):
    """Any positive N, D (log-uniform over the floats): a finite result or a PlannerError, never NaN or an
    arithmetic exception."""
    N, D = 10.0**logN, 10.0**logD
    try:
        w = evaluate(load_preset("besiroglu2024"), N, D)
    except PlannerError:
        event("refused: the run's compute is out of range")
        return
    event("evaluated")
    assert all(math.isfinite(x) for x in (w.flops, w.loss, w.loss_gap, w.compute_efficiency))


@settings(max_examples=60, deadline=None)
@given(logN=st.floats(-140, 140), logD=st.floats(-140, 140))
def test_evaluate_gives_finite_numbers_where_the_compute_is_representable(logN, logD):
    """N and D whose compute 6·N·D lies within 1e-280..1e280: always a finite plan, never an error."""
    N, D = 10.0**logN, 10.0**logD
    w = evaluate(load_preset("besiroglu2024"), N, D)
    assert all(math.isfinite(x) for x in (w.flops, w.loss, w.loss_gap, w.compute_efficiency))
    assert 0 < w.compute_efficiency <= 1 and w.loss_gap >= 0


@pytest.mark.parametrize("preset", MOE_PRESETS)
def test_mixtures_of_experts_refuse_the_what_ifs(preset):
    """Every question of this module that plans one N on k·N·D is refused for a MoE law, naming it; its optimal loss
    comes from its own (numeric) optimum."""
    from planner.base.errors import UnsupportedLawError

    law = load_preset(preset)
    for call in (lambda: plan_with_params(law, 1e21, 7e9), lambda: plan_with_tokens(law, 1e21, 1e11),
                 lambda: evaluate(law, 7e9, 1e11), lambda: compute_efficiency(law, 7e9, 1e11),
                 lambda: min_compute_for_loss(law, 2.0)):
        with pytest.raises(UnsupportedLawError, match=f"not available for {preset}, a mixture-of-experts law"):
            call()
    assert optimal_loss(law, 1e21) == compute_optimal(law, 1e21).loss
