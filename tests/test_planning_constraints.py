"""planner.planning.constraints: plans under limited unique data, inference demand and size caps.

Oracles are written here from the papers' formulas, independently of the module, and solved per
problem with scipy.
"""

import math

import numpy as np
import pytest
from hypothesis import event, given, settings, strategies as st
from scipy.optimize import brentq, minimize_scalar

import dataclasses

from planner import load_preset
from planner.planning.constraints import plan_with_constraints, repeated_loss
from planner.base.errors import (
    InfeasibleError, NoLossModelError, PlannerError, PresetError, UnreachableLossError, UnsupportedLawError,
)
from planner.files.lawfile import law_from_mapping
from planner.laws.repetition import effective_params, effective_tokens, unique_params
from planner.files.presets import preset_source, repetition_for


def borrowing(law):
    """``law`` carrying the repetition constants it borrows (the CLI passes them in; here the law carries them)."""
    return dataclasses.replace(law, repetition=repetition_for(law))


MUENNIGHOFF = load_preset("muennighoff2023")
EPOCH = borrowing(load_preset("besiroglu2024"))
CHINCHILLA = borrowing(load_preset("hoffmann2022"))
KAPLAN = load_preset("kaplan2020")

# Muennighoff et al. 2023 (arXiv:2305.16264) fitted decay constants, App. A and their repository's parametric fit.
R_D_STAR, R_N_STAR = 15.387756, 5.309743


def oracle_effective(m, N, D, U):
    """(N', D', L(N', D')) written out from Muennighoff et al. 2023 §3, Eqs. 5–6 (U_D = U, the unique data
    available; U_N = min(N, N_U) with N_U the compute-optimal N for D_opt = U_D, Hoffmann Eq. 4)."""
    G = (m.alpha * m.A / (m.beta * m.B)) ** (1 / (m.alpha + m.beta))
    N_U = G * (G * U) ** (m.beta / m.alpha)
    U_N = min(N, N_U)
    R_D = max(D / U - 1, 0.0)
    R_N = N / U_N - 1
    Dp = min(D, U) + U * R_D_STAR * (1 - math.exp(-R_D / R_D_STAR))
    Np = U_N + U_N * R_N_STAR * (1 - math.exp(-R_N / R_N_STAR))
    return Np, Dp, m.E + m.A / Np**m.alpha + m.B / Dp**m.beta


def oracle_loss(m, N, D, U):
    """L(N', D') of :func:`oracle_effective`."""
    return oracle_effective(m, N, D, U)[2]


def oracle_training_optimal(m, C, U):
    """Per-budget scipy: the N minimising L_U(N, C/(6N)), searched over a wide log bracket."""
    ts = np.linspace(math.log(C / 6) / 2 - 25, math.log(C / 6) / 2 + 25, 2001)
    f = lambda t: oracle_loss(m, math.exp(t), C / (6 * math.exp(t)), U)
    i = int(np.argmin([f(t) for t in ts]))
    r = minimize_scalar(f, bounds=(ts[max(i - 1, 0)], ts[min(i + 1, len(ts) - 1)]), method="bounded",
                        options={"xatol": 1e-12})
    return math.exp(r.x), r.fun


# ---------------------------------------------------------------------------------------------------------------------
# the repetition law


def test_repeated_loss_matches_the_authors_reference_values():
    """Muennighoff et al.'s repository README ("Parametric Fit"): the two models of the paper's Figure 1 (right)."""
    assert repeated_loss(MUENNIGHOFF, 6.34e9, 242e9, 25e9).loss == pytest.approx(2.2256440889984477, rel=1e-12)
    assert repeated_loss(MUENNIGHOFF, 8.67e9, 178e9, 25e9).loss == pytest.approx(2.2269634075087867, rel=1e-12)


def test_data_constrained_optimum_reproduces_the_papers_allocation_example():
    """Same README: at the budget of 8.67B params on 178B tokens with 25B unique tokens, the optimum is
    about 6.8B parameters on 227B tokens, 9.1 epochs (their grid search; we allow 1%)."""
    plan = plan_with_constraints(MUENNIGHOFF, 6 * 8.67e9 * 178e9, unique_tokens=25e9).training_optimal
    assert plan.n_params == pytest.approx(6.8e9, rel=0.01)
    assert plan.n_tokens == pytest.approx(227e9, rel=0.01)
    assert plan.epochs == pytest.approx(9.1, rel=0.01)


@pytest.mark.parametrize("N,D,U", [(1e8, 1e9, 1e8), (7e9, 1e12, 1e11), (7e10, 1e11, 1e12), (1e9, 2e10, 2e10)])
def test_repeated_loss_agrees_with_the_formula_written_out(N, D, U):
    assert repeated_loss(MUENNIGHOFF, N, D, U).loss == pytest.approx(oracle_loss(MUENNIGHOFF.model, N, D, U), rel=1e-13)


def test_effective_data_is_the_data_until_it_repeats_and_saturates_after():
    U = 1e10
    D = np.array([1e9, 1e10, 2e10, 1e12, 1e15])
    Dp = effective_tokens(D, U, R_D_STAR)
    assert Dp[:2] == pytest.approx(D[:2], rel=1e-15)
    assert np.all(np.diff(Dp) > 0) and np.all(Dp <= D)
    assert Dp[-1] == pytest.approx(U * (1 + R_D_STAR), rel=1e-9)


def test_excess_parameters_count_fully_up_to_the_unique_datas_optimum_and_less_after():
    N_U = unique_params(MUENNIGHOFF, 1e10)
    assert effective_params(0.5 * N_U, N_U, R_N_STAR) == pytest.approx(0.5 * N_U)
    assert N_U < effective_params(10 * N_U, N_U, R_N_STAR) < 10 * N_U


def test_unique_params_is_the_compute_optimal_n_whose_tokens_are_u():
    for law in (MUENNIGHOFF, EPOCH):
        N, D = law.model.compute_optimal(3e22)
        assert unique_params(law, D) == pytest.approx(N, rel=1e-12)


@pytest.mark.parametrize("law", [MUENNIGHOFF, EPOCH])
def test_unlimited_unique_data_gives_the_plain_law(law):
    """U → ∞: D' = D and N' = N, so L_U is the plain law, for any N and D."""
    N, D = np.array([1e8, 7e9, 7e10, 1e12]), np.array([1e12, 1e10, 1e13, 1e11])
    run = repeated_loss(law, N, D, 1e40)
    assert run.loss == pytest.approx(law.model.loss(N, D), rel=1e-12)
    assert run.loss_all_unique == pytest.approx(law.model.loss(N, D), rel=1e-15)


def test_repetition_costs_loss_only_once_tokens_repeat_or_the_model_outgrows_the_data():
    """No penalty while D ≤ U and N ≤ N_U; repeated tokens cost loss, and so do parameters beyond N_U,
    the compute-optimal size for all the unique data (Muennighoff's excess parameters)."""
    N_U = unique_params(EPOCH, 1e11)
    one_epoch = repeated_loss(EPOCH, N_U, 1e11, 1e11)
    ten_epochs = repeated_loss(EPOCH, N_U, 1e12, 1e11)
    oversized = repeated_loss(EPOCH, 3 * N_U, 1e11, 1e11)
    assert one_epoch.loss == pytest.approx(one_epoch.loss_all_unique, rel=1e-15)
    assert ten_epochs.loss > ten_epochs.loss_all_unique
    assert oversized.loss > oversized.loss_all_unique
    assert ten_epochs.epochs == pytest.approx(10)


def test_a_law_without_repetition_constants_borrows_muennighoffs_and_says_so():
    own, borrowed = repetition_for(MUENNIGHOFF), repetition_for(load_preset("besiroglu2024"))
    assert (own.R_D_star, own.R_N_star, own.borrowed) == (R_D_STAR, R_N_STAR, False)
    assert (borrowed.R_D_star, borrowed.R_N_star, borrowed.borrowed, borrowed.source) == \
        (R_D_STAR, R_N_STAR, True, "muennighoff2023")


def test_the_core_loads_no_preset_a_law_without_repetition_constants_needs_them_passed():
    with pytest.raises(UnsupportedLawError, match="repetition"):
        plan_with_constraints(load_preset("besiroglu2024"), 1e23, unique_tokens=1e11)
    r = plan_with_constraints(load_preset("besiroglu2024"), 1e23, unique_tokens=1e11,
                              repetition=repetition_for(EPOCH))
    assert r.repetition.borrowed


def test_a_malformed_repetition_table_is_a_preset_error_when_the_law_is_read():
    import tomllib

    data = tomllib.loads(preset_source(MUENNIGHOFF))
    data["repetition"] = {"R_D_star": -1, "R_N_star": 5.3}
    with pytest.raises(PresetError, match="R_D_star"):
        law_from_mapping(data, "bad.toml")


# ---------------------------------------------------------------------------------------------------------------------
# limited unique data


@pytest.mark.parametrize("law", [MUENNIGHOFF, EPOCH])
@pytest.mark.parametrize("C,U", [(1e15, 1e9), (1e18, 1e8), (1e21, 2e10), (9.26e21, 25e9), (1e24, 3e11), (1e27, 1e12),
                                 (1e30, 1e13), (1e24, 1e9), (1e30, 1e10)])
def test_training_optimum_with_repeated_data_matches_a_per_budget_scipy_oracle(law, C, U):
    plan = plan_with_constraints(law, C, unique_tokens=U).training_optimal
    N, L = oracle_training_optimal(law.model, C, U)
    assert plan.loss == pytest.approx(L, rel=1e-10)
    assert plan.loss <= L + 1e-12
    if L - plan_with_constraints(law, C, unique_tokens=U).loss_floor > 1e-6:   # not on the flat floor
        assert plan.n_params == pytest.approx(N, rel=1e-3)


def test_plenty_of_unique_data_leaves_the_compute_optimal_plan_unchanged():
    C = np.logspace(18, 26, 9)
    N0, D0 = EPOCH.model.compute_optimal(C)
    plan = plan_with_constraints(EPOCH, C, unique_tokens=1.01 * D0.max()).training_optimal
    assert plan.n_params == pytest.approx(N0, rel=1e-6)
    assert plan.loss == pytest.approx(EPOCH.model.loss(N0, D0), rel=1e-12)
    assert np.all(plan.epochs <= 1 + 1e-9)


def test_scarce_data_buys_epochs_rather_than_parameters_and_costs_loss():
    """Muennighoff et al. 2023 (§5): excess parameters decay faster than repeated data (R_N* < R_D*),
    so with scarce data the best plan is a smaller model trained for more epochs than the naive one."""
    r = plan_with_constraints(EPOCH, 1e24, unique_tokens=1e11)
    ref, best = r.compute_optimal, r.training_optimal
    assert best.n_params < ref.n_params and best.epochs > ref.epochs > 1
    assert best.loss <= ref.loss            # the data-aware plan beats the naive one on the same data
    assert best.loss > EPOCH.model.loss(ref.n_params, ref.n_tokens)   # and both lose to unlimited data


def test_with_data_as_the_limit_more_compute_stops_helping():
    r = plan_with_constraints(EPOCH, np.logspace(15, 30, 16), unique_tokens=1e9)
    loss = r.training_optimal.loss
    assert np.all(np.diff(loss) <= 1e-12)
    assert loss[-1] == pytest.approx(r.loss_floor, abs=1e-9)


# ---------------------------------------------------------------------------------------------------------------------
# size caps


@pytest.mark.parametrize("law", [EPOCH, CHINCHILLA, KAPLAN])
def test_slack_caps_leave_the_compute_optimal_plan_unchanged(law):
    C = np.logspace(18, 26, 5)
    N0, D0 = law.model.compute_optimal(C)
    plan = plan_with_constraints(law, C, max_params=2 * N0.max(), max_tokens=2 * D0.max()).training_optimal
    assert plan.n_params == pytest.approx(N0, rel=1e-12)
    assert not plan.params_cap_binds.any() and not plan.tokens_cap_binds.any()


@pytest.mark.parametrize("law", [EPOCH, KAPLAN])
def test_a_binding_parameter_cap_trains_the_capped_model_longer(law):
    C = 1e24
    N0, _ = law.model.compute_optimal(C)
    plan = plan_with_constraints(law, C, max_params=N0 / 4).training_optimal
    assert plan.n_params == pytest.approx(N0 / 4, rel=1e-12)
    assert plan.flops == pytest.approx(C, rel=1e-12)
    assert plan.params_cap_binds and plan.tokens_cap_binds is None


def test_a_binding_token_cap_trains_a_bigger_model():
    _, D0 = EPOCH.model.compute_optimal(1e24)
    plan = plan_with_constraints(EPOCH, 1e24, max_tokens=D0 / 3).training_optimal
    assert plan.n_tokens == pytest.approx(D0 / 3, rel=1e-12) and plan.tokens_cap_binds


def test_caps_that_cannot_hold_the_budget_are_infeasible_and_say_which():
    with pytest.raises(InfeasibleError, match=r"size caps leave no plan for 1\.00e25 FLOPs.*6\.00e20"):
        plan_with_constraints(EPOCH, 1e25, max_params=1e9, max_tokens=1e11)


def test_caps_with_repeated_data_match_the_oracle_inside_the_caps():
    C, U, P = 1e24, 1e11, 3e10
    plan = plan_with_constraints(MUENNIGHOFF, C, unique_tokens=U, max_params=P).training_optimal
    ts = np.linspace(math.log(P) - 8, math.log(P), 4001)
    best = min(oracle_loss(MUENNIGHOFF.model, math.exp(t), C / (6 * math.exp(t)), U) for t in ts)
    assert plan.loss <= best + 1e-12
    assert plan.n_params <= P * (1 + 1e-12)


# ---------------------------------------------------------------------------------------------------------------------
# inference demand


def oracle_lifetime(m, ell, T, N_hi):
    """Per-problem scipy: min 6ND + 2NT over N with L(N, D) = ℓ, D by brentq (plain law)."""
    N_lo = (m.A / (ell - m.E)) ** (1 / m.alpha)

    def cost(t):
        N = math.exp(t)
        D = math.exp(brentq(lambda s: m.loss(N, math.exp(s)) - ell, 0, 200, xtol=1e-14))
        return 6 * N * D + 2 * N * T

    r = minimize_scalar(cost, bounds=(math.log(N_lo) + 1e-6, math.log(N_hi)), method="bounded",
                        options={"xatol": 1e-10})
    return math.exp(r.x), r.fun


@pytest.mark.parametrize("C,T", [(1e21, 1e12), (1e23, 1e13), (1e25, 1e14), (1e23, 1e10)])
def test_inference_aware_plan_matches_a_per_problem_scipy_oracle(C, T):
    r = plan_with_constraints(EPOCH, C, inference_tokens=T)
    aware = r.inference_aware
    N, cost = oracle_lifetime(EPOCH.model, r.training_optimal.loss, T, r.training_optimal.n_params * 1.5)
    assert aware.lifetime_flops == pytest.approx(cost, rel=1e-9)
    assert aware.lifetime_flops <= cost * (1 + 1e-12)
    assert aware.n_params == pytest.approx(N, rel=1e-3)


def test_inference_aware_plan_keeps_the_loss_and_costs_less_over_its_life():
    r = plan_with_constraints(EPOCH, np.logspace(19, 27, 9), inference_tokens=1e13)
    train, aware = r.training_optimal, r.inference_aware
    assert aware.loss == pytest.approx(train.loss, rel=1e-12)
    assert np.all(aware.n_params < train.n_params) and np.all(aware.flops > train.flops)
    assert np.all(aware.lifetime_flops < train.lifetime_flops)
    assert r.flops_saving == pytest.approx(1 - aware.lifetime_flops / train.lifetime_flops)


def test_with_no_inference_demand_the_inference_aware_plan_is_the_compute_optimal_one():
    C = np.logspace(15, 30, 7)
    r = plan_with_constraints(EPOCH, C, inference_tokens=0.0)
    assert r.inference_aware.n_params == pytest.approx(r.training_optimal.n_params, rel=1e-5)
    assert r.inference_aware.lifetime_flops == pytest.approx(C, rel=1e-9)
    assert np.all(np.abs(r.flops_saving) < 1e-9)


def test_more_inference_demand_means_a_smaller_model_trained_longer():
    Ns = [plan_with_constraints(EPOCH, 1e23, inference_tokens=T).inference_aware.n_params
          for T in (1e10, 1e12, 1e13, 1e14)]
    assert Ns == sorted(Ns, reverse=True)


def test_sardanas_headline_example_is_reproduced_within_its_rounding():
    """Sardana et al. 2024: a Chinchilla-optimal 13B model with 2T tokens of inference demand can be a
    7B model trained longer, about 17% fewer lifetime FLOPs. With hoffmann2022 (unrounded Approach 3)
    we get 7.12B and 16.3%; the paper does not say which rounding of the coefficients it used."""
    m = CHINCHILLA.model
    a, _ = m.exponents
    C = 6 * (13e9 / m.G) ** (1 / a)                        # the budget whose N_opt is 13B (Hoffmann Eq. 4)
    r = plan_with_constraints(CHINCHILLA, C, inference_tokens=2e12)
    assert r.training_optimal.n_params == pytest.approx(13e9, rel=1e-9)
    assert r.inference_aware.n_params == pytest.approx(7.12e9, rel=0.01)
    assert r.flops_saving == pytest.approx(0.163, abs=0.002)


def test_a_target_loss_plans_the_least_compute_that_reaches_it():
    C = 1e23
    N0, D0 = EPOCH.model.compute_optimal(C)
    r = plan_with_constraints(EPOCH, target_loss=float(EPOCH.model.loss(N0, D0)), inference_tokens=1e12)
    assert r.training_optimal.flops == pytest.approx(C, rel=1e-9)
    assert r.training_optimal.n_params == pytest.approx(N0, rel=1e-4)
    assert r.inference_aware.lifetime_flops < r.training_optimal.lifetime_flops


@pytest.mark.parametrize("law", [EPOCH, KAPLAN], ids=["parametric", "kaplan"])
def test_a_slack_cap_on_a_target_loss_matches_whatifs_closed_form(law):
    """The numeric search under a cap that does not bind finds whatif's C_min(ℓ) = (K/(ℓ − E))^(1/γ), and the
    compute-optimal row is that closed form itself."""
    from planner.planning.whatif import min_compute_for_loss

    targets = np.array([2.1, 2.5, 3.0])
    exact = min_compute_for_loss(law, targets)
    r = plan_with_constraints(law, target_loss=targets, max_params=1e16)
    np.testing.assert_allclose(r.training_optimal.flops, exact.flops, rtol=1e-6)
    np.testing.assert_allclose(r.compute_optimal.flops, exact.flops, rtol=1e-12)
    assert not r.training_optimal.params_cap_binds.any()


def test_data_and_inference_combine_the_inference_plan_keeps_the_data_constrained_loss():
    """The answer to '1e23 FLOPs, 300B unique tokens, 10T served': the serving plan reaches the loss of
    the best data-constrained plan, with more epochs, and not the (lower) loss of unlimited data."""
    r = plan_with_constraints(EPOCH, 1e23, unique_tokens=3e11, inference_tokens=1e13)
    train, aware = r.training_optimal, r.inference_aware
    assert aware.loss == pytest.approx(train.loss, rel=1e-12)
    assert aware.epochs > train.epochs > 1
    assert repeated_loss(EPOCH, aware.n_params, aware.n_tokens, 3e11).loss == pytest.approx(train.loss, rel=1e-12)
    free = plan_with_constraints(EPOCH, 1e23, inference_tokens=1e13).inference_aware
    assert aware.n_params > free.n_params          # repeats are worth less: the data cannot carry as small a model


def test_targets_below_the_floor_are_infeasible_and_name_the_constraint():
    # Without data or caps the floor is the law's own E, and the error is whatif's (the same check, one place).
    with pytest.raises(UnreachableLossError, match="irreducible loss E = 1.8172"):
        plan_with_constraints(EPOCH, target_loss=1.8, inference_tokens=1e12)
    with pytest.raises(InfeasibleError, match="10.0B unique tokens"):
        plan_with_constraints(EPOCH, target_loss=2.0, unique_tokens=1e10)
    with pytest.raises(InfeasibleError, match="at most 1.00B parameters"):
        plan_with_constraints(EPOCH, target_loss=2.0, max_params=1e9)


def test_laws_that_cannot_plan_under_constraints_say_why():
    with pytest.raises(NoLossModelError, match="allocation rule"):
        plan_with_constraints(load_preset("llama3-2024"), 1e23, max_params=7e9)
    with pytest.raises(UnsupportedLawError, match="parametric"):
        plan_with_constraints(KAPLAN, 1e23, unique_tokens=3e11)
    assert issubclass(InfeasibleError, (PlannerError, ValueError))


# ---------------------------------------------------------------------------------------------------------------------
# shapes and range


def test_arrays_of_budgets_agree_with_one_budget_at_a_time():
    C = np.array([1e17, 3e21, 1e25, 1e29])
    kw = dict(unique_tokens=3e11, inference_tokens=1e13, max_params=1e12)
    many = plan_with_constraints(EPOCH, C, **kw)
    for i, c in enumerate(C):
        one = plan_with_constraints(EPOCH, float(c), **kw)
        assert isinstance(one.inference_aware.n_params, float)
        assert one.inference_aware.n_params == pytest.approx(many.inference_aware.n_params[i], rel=1e-7)
        assert one.inference_aware.lifetime_flops == pytest.approx(many.inference_aware.lifetime_flops[i], rel=1e-12)
        assert one.training_optimal.loss == pytest.approx(many.training_optimal.loss[i], rel=1e-12)


@pytest.mark.parametrize("kw", [dict(unique_tokens=1e9), dict(unique_tokens=3e11, inference_tokens=1e15),
                                dict(inference_tokens=1e9), dict(max_params=1e10, inference_tokens=1e13),
                                dict(max_tokens=1e13, unique_tokens=1e12, inference_tokens=1e14)])
def test_every_constraint_solves_from_1e15_to_1e30_flops(kw):
    r = plan_with_constraints(MUENNIGHOFF, np.logspace(15, 30, 61), **kw)
    for plan in r.plans.values():
        assert np.all(np.isfinite(plan.n_params)) and np.all(np.isfinite(plan.loss))
    assert np.all(np.diff(r.training_optimal.loss) <= 1e-12)


# ---------------------------------------------------------------------------------------------------------------------
# invariants


@settings(max_examples=60, deadline=None)
@given(logC=st.floats(16, 29), logU=st.floats(8, 14), factor=st.floats(0.5, 2.0))
def test_no_feasible_split_of_the_budget_beats_the_data_constrained_optimum(logC, logU, factor):
    C, U = 10.0**logC, 10.0**logU
    plan = plan_with_constraints(MUENNIGHOFF, C, unique_tokens=U).training_optimal
    N = plan.n_params * factor
    assert repeated_loss(MUENNIGHOFF, N, C / (6 * N), U).loss >= plan.loss - 1e-12


@settings(max_examples=60, deadline=None)
@given(logC=st.floats(17, 28), logT=st.floats(9, 15), u=st.floats(0.0, 1.0), capped=st.booleans())
def test_no_plan_at_the_same_loss_costs_less_over_its_life(logC, logT, u, capped):
    """Every N that reaches the plan's loss within the cap (drawn log-uniformly over that feasible range, around
    the inference-aware N) costs at least as much over its life, with D from Hoffmann's Eq. 2 solved for ℓ."""
    C, T = 10.0**logC, 10.0**logT
    N0, D0 = EPOCH.model.compute_optimal(C)
    P = 0.6 * N0 if capped else None
    r = plan_with_constraints(EPOCH, C, inference_tokens=T, max_params=P)
    aware, m = r.inference_aware, EPOCH.model
    ell = r.training_optimal.loss
    N_least = (m.A / (ell - m.E)) ** (1 / m.alpha)            # below it no D reaches ℓ
    lo, hi = max(N_least * (1 + 1e-6), aware.n_params / 1.5), aware.n_params * 1.5
    if P is not None:
        hi = min(hi, P)
        event("the cap binds" if aware.n_params >= P * (1 - 1e-7) else "the cap is loose")
    N = lo * (hi / lo) ** u
    D = (m.B / (ell - m.E - m.A / N**m.alpha)) ** (1 / m.beta)
    assert 6 * N * D + 2 * N * T >= aware.lifetime_flops * (1 - 1e-10)


@settings(max_examples=40, deadline=None)
@given(logC=st.floats(16, 29), capN=st.floats(0.05, 3.0), capD=st.floats(0.05, 3.0))
def test_caps_that_leave_no_split_are_refused(logC, capN, capD):
    """C > 6·P·D_max: no split of the budget fits both caps, and the error says so."""
    C = 10.0**logC
    N0, D0 = EPOCH.model.compute_optimal(C)
    shrink = min(1.0, 0.99 / (capN * capD))                 # make capN·capD < 1: infeasible by construction
    with pytest.raises(InfeasibleError, match="caps leave no plan"):
        plan_with_constraints(EPOCH, C, max_params=capN * shrink * N0, max_tokens=capD * D0)


@settings(max_examples=40, deadline=None)
@given(logC=st.floats(16, 29), capN=st.floats(0.05, 3.0), capD=st.floats(0.05, 3.0), u=st.floats(0.0, 1.0))
def test_no_split_inside_the_caps_beats_the_capped_optimum(logC, capN, capD, u):
    """Caps that leave room (6·P·D_max ≥ C): every split inside them (N drawn log-uniformly from C/(6·D_max) to P)
    loses to the capped optimum. Found by hypothesis: caps whose product equals the budget (capN·capD = 1) leave
    exactly one plan and must not be refused because the logarithms rounded 1e-15 apart."""
    C = 10.0**logC
    N0, D0 = EPOCH.model.compute_optimal(C)
    capD = max(capD, 1.0 / capN)                              # feasible by construction
    P, Dmax = capN * N0, capD * D0
    plan = plan_with_constraints(EPOCH, C, max_params=P, max_tokens=Dmax).training_optimal
    event("N cap binds" if plan.params_cap_binds else "D cap binds" if plan.tokens_cap_binds else "no cap binds")
    lo, hi = C / (6 * Dmax), P
    N = lo * (hi / lo) ** u if hi > lo else P
    assert EPOCH.model.loss(N, C / (6 * N)) >= plan.loss - 1e-12


@settings(max_examples=30, deadline=None)
@given(logC=st.floats(18, 27), data_ratio=st.floats(-1.3, 1.0), logT=st.floats(10, 15), factor=st.floats(1.0, 1.4))
def test_with_repeated_data_no_plan_at_the_same_loss_costs_less_over_its_life(logC, data_ratio, logT, factor):
    """Unique data from 1/20 to 10× the unlimited optimum's D (off the flat floor of the loss), and N from the
    inference-aware N up (a larger model always reaches the loss): none costs less over its life, with D from the
    written-out repeated-data loss (oracle_effective) solved for ℓ."""
    C, T = 10.0**logC, 10.0**logT
    U = MUENNIGHOFF.model.compute_optimal(C)[1] * 10.0**data_ratio
    r = plan_with_constraints(MUENNIGHOFF, C, unique_tokens=U, inference_tokens=T)
    ell, aware = r.training_optimal.loss, r.inference_aware
    event("repeated data" if r.training_optimal.epochs > 1 else "under one epoch")
    assert ell - r.loss_floor > 1e-6
    N = aware.n_params * factor
    m = MUENNIGHOFF.model
    f = lambda s: oracle_loss(m, N, math.exp(s), U) - ell
    assert f(80.0) < 0
    D = math.exp(brentq(f, 0.0, 80.0, xtol=1e-14))
    assert 6 * N * D + 2 * N * T >= aware.lifetime_flops * (1 - 1e-9)


def test_kaplans_law_plans_for_inference_and_reduces_to_its_optimum_without_demand():
    r = plan_with_constraints(KAPLAN, 1e23, inference_tokens=1e13)
    assert r.inference_aware.loss == pytest.approx(r.training_optimal.loss, rel=1e-12)
    assert r.inference_aware.n_params < r.training_optimal.n_params
    zero = plan_with_constraints(KAPLAN, 1e23, inference_tokens=0.0)
    assert zero.inference_aware.n_params == pytest.approx(KAPLAN.model.compute_optimal(1e23)[0], rel=1e-5)


def test_unique_data_beyond_any_need_gives_the_unconstrained_plan():
    C = np.logspace(15, 30, 16)
    N0, D0 = EPOCH.model.compute_optimal(C)
    r = plan_with_constraints(EPOCH, C, unique_tokens=1e40, inference_tokens=1e12)
    assert r.training_optimal.n_params == pytest.approx(N0, rel=1e-6)
    assert r.training_optimal.loss == pytest.approx(EPOCH.model.loss(N0, D0), rel=1e-13)
    free = plan_with_constraints(EPOCH, C, inference_tokens=1e12).inference_aware
    assert r.inference_aware.lifetime_flops == pytest.approx(free.lifetime_flops, rel=1e-9)


@pytest.mark.parametrize("logC, capN, capD", [(16, 1.0, 1.0), (16, 0.2, 5.0), (28, 2.0, 0.5)])
def test_caps_whose_product_is_the_budget_leave_the_single_plan(logC, capN, capD):
    C = 10.0**logC
    N0, D0 = EPOCH.model.compute_optimal(C)
    plan = plan_with_constraints(EPOCH, C, max_params=capN * N0, max_tokens=capD * D0).training_optimal
    assert plan.n_params == pytest.approx(capN * N0, rel=1e-9)
    assert 6 * plan.n_params * plan.n_tokens == pytest.approx(C, rel=1e-9)


# ---------------------------------------------------------------------------------------------------------------------
# what the user is shown


@pytest.mark.parametrize("args", [
    ["--flops", "1e23", "--unique-tokens", "1e11", "-p", "muennighoff2023"],
    ["--flops", "1e22", "--unique-tokens", "2e10", "--inference-tokens", "1e12", "-p", "muennighoff2023"],
    ["--flops", "3e22", "--unique-tokens", "5e10", "-p", "besiroglu2024"],
    ["--params", "7B", "--tokens", "1T", "--unique-tokens", "1e11", "-p", "muennighoff2023"],
])
def test_the_displayed_effective_data_parameters_and_loss_are_muennighoffs(args):
    """Every plan's D', N' and loss that `plan --format json` prints equal the written-out Eqs. 5–6 of Muennighoff
    et al. 2023 at the plan's own N, D and U (besiroglu2024 borrows their R_D*, R_N*), to 1e-10 relative."""
    import json

    from click.testing import CliRunner

    from planner.cli import cli

    result = CliRunner().invoke(cli, args + ["--format", "json"])
    assert result.exit_code == 0, result.output
    law = load_preset(args[args.index("-p") + 1]).model
    rows = json.loads(result.stdout)
    assert rows
    for row in rows:
        if row.get("plan") == "compute-optimal" and "effective_tokens" not in row:
            continue
        Np, Dp, L = oracle_effective(law, row["n_params"], row["n_tokens"], row["unique_tokens"])
        assert row["effective_tokens"] == pytest.approx(Dp, rel=1e-10), row
        assert row["effective_params"] == pytest.approx(Np, rel=1e-10), row
        assert row["loss"] == pytest.approx(L, rel=1e-10), row
