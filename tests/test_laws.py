"""planner.laws: each family's closed-form optimum against an independent numerical one."""

import math

import numpy as np
import pytest
from hypothesis import given, strategies as st
from scipy.optimize import minimize_scalar

from planner.base.errors import NoLossModelError
from planner.laws import AllocationRule, KaplanLaw, ParametricLaw

from .strategies import flops, kaplan_laws, loss_laws, parametric_laws

CHINCHILLA = ParametricLaw(E=1.6934, A=math.exp(6.0073404), B=math.exp(6.0179186), alpha=0.33917084, beta=0.2849083)
KAPLAN = KaplanLaw(alpha_N=0.076, alpha_D=0.103, N_c=6.4e13, D_c=1.8e13)


def numeric_optimum(law, C):
    """argmin_N L(N, C/(kN)) found by bounded scalar minimisation in log N (no closed form used)."""
    k = law.flops_per_param_token

    def loss_at(log_n):
        N = math.exp(log_n)
        return law.loss(N, C / (k * N))

    # N between 1 parameter and C/k (D >= 1 token): the whole feasible line.
    res = minimize_scalar(loss_at, bounds=(0.0, math.log(C / k)), method="bounded",
                          options={"xatol": 1e-10, "maxiter": 2000})
    return math.exp(res.x)


@pytest.mark.parametrize("law", [CHINCHILLA, KAPLAN], ids=["parametric", "kaplan"])
@pytest.mark.parametrize("C", [1e18, 1e21, 5.76e23, 1e26])
def test_closed_form_matches_numerical_minimum(law, C):
    N, D = law.compute_optimal(C)
    # log-N tolerance 1e-10 of the search → N agrees to ~1e-6 relative on these flat minima.
    assert N == pytest.approx(numeric_optimum(law, C), rel=1e-5)
    assert law.flops_per_param_token * N * D == pytest.approx(C, rel=1e-12)


#: Relative resolution of a loss value: a few ulps of float64. Points whose losses differ by less look equal to any
#: numerical search.
LOSS_RESOLUTION = 4 * 2.2e-16


def log_n_resolution(law, C, N):
    """How far in log N a minimiser can stray from the optimum ``N`` before the loss rises by LOSS_RESOLUTION.

    Along C = k·N·D, f(x) = L(e^x, C/(k·e^x)) ≈ f(x*) + ½·f''(x*)·δ², so δ = sqrt(2·ε·f / f''); f'' by a central
    difference of step 1e-2 (its rounding error, ~4·ε·f/h² ≈ 1e-11·f, is far below the curvatures that matter).
    Infinite where the curvature is lost in rounding: there N is not determined by the loss at all.
    """
    k, h = law.flops_per_param_token, 1e-2
    f = lambda x: law.loss(math.exp(x), C / (k * math.exp(x)))  # noqa: E731
    x = math.log(N)
    curvature = (f(x + h) - 2 * f(x) + f(x - h)) / h**2
    return math.sqrt(2 * LOSS_RESOLUTION * f(x) / curvature) if curvature > 0 else math.inf


@given(loss_laws, flops)
def test_closed_form_matches_numerical_minimum_for_any_law(law, C):
    """The closed form is never beaten by an independent numerical minimisation, and where the loss pins N down
    it is the same point.

    The property that matters is the loss: the closed form's is at most the numerical optimum's (1e-12 relative).
    Where the minimum is flat (e.g. alpha = beta = 0.776, A = 23.49, B = 10, E = 1, C = 3.1e23: losses equal to
    float64 precision over a span of 2.5e-4 in log N), any N in that span is an optimum, so log N is compared to
    1e-4 plus ten times that resolution (:func:`log_n_resolution`) rather than to a fixed 1e-4.
    """
    N, D = law.compute_optimal(C)
    N_num = numeric_optimum(law, C)
    k = law.flops_per_param_token
    N_lo, N_hi = 1.0, C / k
    if N_lo * 10 < N < N_hi / 10:  # the optimum is interior: the numerical search must find the same point
        assert law.loss(N, D) <= law.loss(N_num, C / (k * N_num)) * (1 + 1e-12)
        assert math.log(N) == pytest.approx(math.log(N_num), abs=1e-4 + 10 * log_n_resolution(law, C, N))


def test_a_flat_minimum_is_still_compared_honestly():
    """The flat case that made the fixed 1e-4 flaky: its resolution is wider than 1e-4, yet losses still agree."""
    law = ParametricLaw(E=1.0, A=23.49, B=10.0, alpha=0.776, beta=0.776)
    C = 3.1e23
    N, D = law.compute_optimal(C)
    assert 1e-4 < log_n_resolution(law, C, N) < 1e-3
    N_num = numeric_optimum(law, C)
    assert law.loss(N, D) <= law.loss(N_num, C / (6 * N_num)) * (1 + 1e-12)
    # A sharp minimum keeps the strict comparison: Chinchilla's resolution is far below 1e-4.
    assert log_n_resolution(CHINCHILLA, 1e21, CHINCHILLA.compute_optimal(1e21)[0]) < 1e-6


@given(loss_laws, flops, st.floats(-3.0, 3.0).filter(lambda x: abs(x) > 1e-6))
def test_no_feasible_perturbation_beats_the_optimum(law, C, log_factor):
    """Trading N for D along C = 6ND (N·f, D/f) never lowers the loss below the optimum's."""
    N, D = law.compute_optimal(C)
    f = math.exp(log_factor)
    assert law.loss(N * f, D / f) >= law.loss(N, D) * (1 - 1e-12)


@given(loss_laws, flops, st.floats(1.001, 1e3))
def test_optimum_grows_with_compute(law, C, ratio):
    N1, D1 = law.compute_optimal(C)
    N2, D2 = law.compute_optimal(C * ratio)
    assert N2 > N1 and D2 > D1


@given(loss_laws, st.lists(flops, min_size=1, max_size=20))
def test_scalars_and_arrays_agree(law, budgets):
    Ns, Ds = law.compute_optimal(np.array(budgets))
    assert Ns.shape == (len(budgets),)
    for C, N, D in zip(budgets, Ns, Ds):
        n, d = law.compute_optimal(C)
        assert isinstance(n, float)
        assert N == pytest.approx(n, rel=1e-12) and D == pytest.approx(d, rel=1e-12)


@given(parametric_laws, flops)
def test_parametric_exponents_describe_the_closed_form(law, C):
    """N_opt ∝ C^a and D_opt ∝ C^b with a = β/(α+β), b = α/(α+β) (Hoffmann Eq. 4)."""
    a, b = law.exponents
    assert a + b == pytest.approx(1.0)
    N1, D1 = law.compute_optimal(C)
    N2, D2 = law.compute_optimal(C * 10)
    assert math.log10(N2 / N1) == pytest.approx(a, rel=1e-9)
    assert math.log10(D2 / D1) == pytest.approx(b, rel=1e-9)


@given(parametric_laws, st.lists(flops, min_size=1, max_size=5))
def test_optimal_loss_closed_form_equals_loss_at_the_optimum(law, budgets):
    """L_opt(C) = E + (A·G^-α + B·G^β)·(C/6)^(-αβ/(α+β)) equals L(N_opt, D_opt), for scalars and arrays."""
    for C in budgets:
        assert law.optimal_loss(C) == pytest.approx(law.loss(*law.compute_optimal(C)), rel=1e-12)
    arr = np.array(budgets)
    assert law.optimal_loss(arr) == pytest.approx(law.loss(*law.compute_optimal(arr)), rel=1e-12)
    N, D, L = law.optimum(arr)
    N2, D2 = law.compute_optimal(arr)
    assert N == pytest.approx(N2, rel=1e-12) and D == pytest.approx(D2, rel=1e-12)
    assert L == pytest.approx(law.optimal_loss(arr), rel=1e-12)


def test_irreducible_loss_does_not_move_the_optimum():
    shifted = ParametricLaw(E=0.0, A=CHINCHILLA.A, B=CHINCHILLA.B, alpha=CHINCHILLA.alpha, beta=CHINCHILLA.beta)
    assert shifted.compute_optimal(1e22) == CHINCHILLA.compute_optimal(1e22)


@given(kaplan_laws, flops)
def test_kaplan_exponents(law, C):
    """N_opt ∝ C^(1/(1+p)) with p = α_N/α_D (derived in KaplanLaw's docstring)."""
    a, _ = law.exponents
    N1, _ = law.compute_optimal(C)
    N2, _ = law.compute_optimal(C * 100)
    assert math.log(N2 / N1) / math.log(100) == pytest.approx(a, rel=1e-9)


def test_kaplan_optimum_of_a_subnormal_budget_does_not_underflow_to_zero():
    """p·C/(k·D_c) is below the smallest float at C = 2.2e-311; taking its powers apart keeps N and D positive
    (hypothesis found `plan --flops 2.225073858507e-311 --preset kaplan2020` dividing by N = 0)."""
    C = 2.225073858507e-311
    N, D = KAPLAN.compute_optimal(C)
    assert N > 0 and D > 0 and 6 * N * D == pytest.approx(C, rel=1e-9)


def test_kaplan_exponent_is_0_575():
    """p = 0.076/0.103 = 0.738 → N_opt ∝ C^(1/1.738) = C^0.5754 (computed)."""
    assert KAPLAN.exponents[0] == pytest.approx(0.5754, abs=1e-4)


def test_flops_per_param_token_is_respected():
    law = ParametricLaw(E=1.0, A=400.0, B=400.0, alpha=0.3, beta=0.3, flops_per_param_token=8.0)
    N, D = law.compute_optimal(1e22)
    assert 8.0 * N * D == pytest.approx(1e22, rel=1e-12)
    assert N == pytest.approx(numeric_optimum(law, 1e22), rel=1e-5)


@pytest.mark.parametrize("gives", ["n_params", "n_tokens", "flops_per_token"])
@given(C=flops)
def test_allocation_rules_spend_exactly_the_budget(gives, C):
    rule = AllocationRule(gives=gives, coefficient=0.3, exponent=0.52)
    N, D = rule.compute_optimal(C)
    assert 6 * N * D == pytest.approx(C, rel=1e-12)
    given_value = {"n_params": N, "n_tokens": D, "flops_per_token": 6 * N}[gives]
    assert given_value == pytest.approx(0.3 * C**0.52, rel=1e-12)


def test_allocation_rule_has_no_loss():
    rule = AllocationRule(gives="n_params", coefficient=0.1, exponent=0.5)
    with pytest.raises(NoLossModelError, match="no loss"):
        rule.loss(1e9, 2e10)


def test_allocation_rule_rejects_unknown_quantity():
    with pytest.raises(ValueError, match="gives must be one of"):
        AllocationRule(gives="params", coefficient=0.1, exponent=0.5)


def test_losses_broadcast():
    N = np.array([1e8, 1e9, 1e10])
    assert CHINCHILLA.loss(N, 1e11).shape == (3,)
    assert KAPLAN.loss(1e9, np.array([1e10, 1e11])).shape == (2,)


def test_optimum_broadcasts_any_array_coefficient():
    """One array coefficient (A sampled, the rest fixed) broadcasts against an array of budgets."""
    A = np.array([[300.0], [400.0], [500.0]])
    law = ParametricLaw(E=1.8, A=A, B=2000.0, alpha=0.35, beta=0.37)
    budgets = np.array([1e20, 1e22])
    N, D, L = law.optimum(budgets)
    assert N.shape == D.shape == L.shape == (3, 2)
    for i, a in enumerate(A[:, 0]):
        one = ParametricLaw(E=1.8, A=a, B=2000.0, alpha=0.35, beta=0.37)
        for j, C in enumerate(budgets):
            n, d, l = one.optimum(float(C))
            assert (N[i, j], D[i, j], L[i, j]) == pytest.approx((n, d, l), rel=1e-12)


# Kaplan et al. 2020, "Scaling Laws for Neural Language Models" (arXiv:2001.08361): Eq. 1.5,
# L(N, D) = [(N_c/N)^(α_N/α_D) + D_c/D]^α_D, with the coefficients of its joint fit, §4.2, Table 2:
# α_N = 0.076, α_D = 0.103, N_c = 6.4·10^13 (non-embedding parameters), D_c = 1.8·10^13 (tokens).
KAPLAN_TABLE_2 = {"alpha_N": 0.076, "alpha_D": 0.103, "N_c": 6.4e13, "D_c": 1.8e13}


def test_kaplan2020_carries_the_coefficients_of_kaplan_table_2():
    from planner.files.presets import load_preset

    law = load_preset("kaplan2020")
    assert law.coefficients == pytest.approx(KAPLAN_TABLE_2, rel=1e-12)
    assert law.parameters == "non-embedding"


@pytest.mark.parametrize("N, D", [(1e8, 1e9), (1.5e9, 2.3e10), (1e11, 1e13)])
def test_kaplan2020_loss_is_kaplan_eq_1_5_with_table_2(N, D):
    """The preset's loss against Eq. 1.5 written out here with the paper's numbers (no planner code), and Eq. 1.5's
    limit of unlimited data, L(N) = (N_c/N)^α_N (Eq. 1.1 form)."""
    from planner.files.presets import load_preset

    aN, aD, Nc, Dc = 0.076, 0.103, 6.4e13, 1.8e13
    paper = ((Nc / N) ** (aN / aD) + Dc / D) ** aD
    law = load_preset("kaplan2020")
    assert float(law.model.loss(N, D)) == pytest.approx(paper, rel=1e-12)
    assert float(law.model.loss(N, math.inf)) == pytest.approx((Nc / N) ** aN, rel=1e-12)
