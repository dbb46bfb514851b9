"""planner.fitting: the multi-start Huber fit recovers known laws; bad designs are refused; bootstrap is reproducible.

The reproduction of Besiroglu et al.'s published fit is in tests/test_fitting_parametric_reference.py.
"""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.fitting.varpro import EXPONENT_GRID
from planner.base.errors import FitError, PlannerError
from planner.base.conventions import HUBER_DELTA, PARAMETRIC_GRID
from planner.fitting import bootstrap, design_isoflop, fit_isoflop, fit_kaplan, fit_parametric, huber
from planner.laws import AllocationRule, KaplanLaw, ParametricLaw
from planner.planning.uncertainty import CoefficientSamples, plan_intervals

from .strategies import designs, fittable_parametric_laws, simulated_runs

#: A Chinchilla-like truth (besiroglu2024's coefficients) on a Chinchilla-like design.
TRUTH = ParametricLaw(E=1.8172, A=482.01, B=2085.43, alpha=0.3478, beta=0.3658)
SIZES = np.geomspace(5e7, 1.6e10, 8)
RATIOS = np.geomspace(2, 200, 6)

#: A coarse 3⁵ = 243-start grid for the property tests (speed); the default grid is tested below.
SMALL_GRID = np.array(np.meshgrid([0, 6, 12], [0, 6, 12], [-0.5, 0.5, 1.0], [0.2, 0.5, 1.0], [0.2, 0.5, 1.0],
                                  indexing="ij")).reshape(5, -1).T.astype(float)


def test_huber_is_quadratic_inside_delta_and_linear_outside():
    """Huber_δ(r) = r²/2 for |r| ≤ δ and δ(|r| − δ/2) beyond (scipy.special.huber's definition)."""
    from scipy.special import huber as scipy_huber

    r = np.array([-1.0, -2e-3, -1e-3, -5e-4, 0.0, 5e-4, 1e-3, 3e-3, 2.0])
    np.testing.assert_allclose(huber(r), scipy_huber(HUBER_DELTA, r), rtol=1e-15, atol=0)


def test_the_default_grid_is_hoffmanns_4500_starts():
    """α, β ∈ {0, .5, …, 2}, e ∈ {−1, −.5, …, 1}, a, b ∈ {0, 5, …, 25} (Hoffmann App. D.2)."""
    sizes = [len(v) for v in PARAMETRIC_GRID.values()]
    assert math.prod(sizes) == 4500
    assert PARAMETRIC_GRID["a"] == (0.0, 5.0, 10.0, 15.0, 20.0, 25.0)
    assert PARAMETRIC_GRID["alpha"] == (0.0, 0.5, 1.0, 1.5, 2.0)


def test_noiseless_runs_are_recovered_from_the_default_grid():
    """Runs computed exactly from a law are fitted back: coefficients within 0.5 %, objective ≈ 0."""
    N, D, L = simulated_runs(TRUTH, SIZES, RATIOS)
    fit = fit_parametric(N, D, L)
    for name, true in (("E", TRUTH.E), ("A", TRUTH.A), ("B", TRUTH.B), ("alpha", TRUTH.alpha), ("beta", TRUTH.beta)):
        assert fit.coefficients[name] == pytest.approx(true, rel=5e-3), name
    assert fit.objective < 1e-10
    assert fit.converged and not fit.warnings
    assert fit.n_starts == len(EXPONENT_GRID) ** 2 and fit.n_runs == len(L)   # variable projection over α, β
    assert isinstance(fit.model, ParametricLaw)
    assert fit.exponents == pytest.approx(TRUTH.exponents, abs=1e-3)


def test_noisy_runs_are_recovered_within_their_standard_errors():
    """1 % multiplicative noise: every coefficient lies within 4 asymptotic standard errors of the truth."""
    N, D, L = simulated_runs(TRUTH, SIZES, RATIOS, noise=0.01, seed=3)
    fit = fit_parametric(N, D, L, grid=SMALL_GRID)
    for name in ("E", "A", "B", "alpha", "beta"):
        err = abs(fit.coefficients[name] - getattr(TRUTH, name))
        assert err <= 4 * fit.standard_errors[name], (name, fit.coefficients[name], fit.standard_errors[name])
    assert fit.residuals["rms"] == pytest.approx(0.01, rel=0.3)


@settings(max_examples=4, deadline=None)
@given(law=fittable_parametric_laws, design=designs, seed=st.integers(0, 2**16))
def test_fitted_law_reproduces_the_runs_for_any_law_and_design(law, design, seed):
    """Over laws and designs, with 0.2 % noise, the fitted law predicts every run's loss to within 1.5 %
    and the compute-optimal N within the data range to within a factor 2 (the split is less determined
    than the losses)."""
    sizes, ratios = design
    N, D, L = simulated_runs(law, sizes, ratios, noise=0.002, seed=seed)
    fit = fit_parametric(N, D, L, grid=SMALL_GRID)
    assert np.max(np.abs(fit.model.loss(N, D) / L - 1)) < 0.015
    assert fit.residuals["rms"] < 0.006


def test_the_laws_log_jacobian_matches_central_differences():
    """∂log L̂/∂θ of log_jacobian, the one behind the standard errors of a fit and of a joint fit, against central
    differences of log L̂ (relative 1e-6); L̂ and its two terms against the law itself."""
    from planner.fitting.parametric import log_jacobian

    N, D = np.geomspace(1e7, 1e10, 6), np.geomspace(1e9, 1e12, 6)[::-1]
    theta = np.array([np.log(480.0), np.log(2100.0), np.log(1.8), 0.34, 0.37])
    L_hat, J, (t1, t2) = log_jacobian(theta, N, D)
    law = ParametricLaw(E=1.8, A=480.0, B=2100.0, alpha=0.34, beta=0.37)
    np.testing.assert_allclose(L_hat, law.loss(N, D), rtol=1e-12)
    np.testing.assert_allclose((t1, t2), (480.0 / N ** 0.34, 2100.0 / D ** 0.37), rtol=1e-12)
    for j in range(5):
        step = np.zeros(5)
        step[j] = 1e-6
        numeric = (np.log(log_jacobian(theta + step, N, D)[0]) - np.log(log_jacobian(theta - step, N, D)[0])) / 2e-6
        np.testing.assert_allclose(J[:, j], numeric, rtol=1e-6, atol=1e-12)


def test_runs_whose_loss_never_varies_are_one_fit_error_in_the_kaplan_form():
    """A flat loss sends log D_c past the largest float; math.exp raised OverflowError through plan fit --form kaplan
    on a hyperparameter sweep file (found by the fuzz). Now one FitError naming the scale and the parametric form."""
    N, D = np.repeat([1e8, 3e8, 1e9], 3), np.tile([2e9, 6e9, 2e10], 3)
    with pytest.raises(FitError, match=r"the Kaplan fit sent log [ND]_c to .*, past the largest float: .*fit_parametric"):
        fit_kaplan(N, D, np.full(9, 3.0))


def test_kaplan_form_is_recovered():
    """Runs from Kaplan's Eq. 1.5 (Table 2 coefficients) are fitted back by fit_kaplan."""
    truth = KaplanLaw(alpha_N=0.076, alpha_D=0.103, N_c=6.4e13, D_c=1.8e13)
    N, D, L = simulated_runs(truth, np.geomspace(1e6, 1e9, 6), np.geomspace(1, 100, 5))
    fit = fit_kaplan(N, D, L)
    assert isinstance(fit.model, KaplanLaw)
    assert fit.coefficients["alpha_N"] == pytest.approx(0.076, rel=1e-2)
    assert fit.coefficients["alpha_D"] == pytest.approx(0.103, rel=1e-2)
    assert np.max(np.abs(fit.model.loss(N, D) / L - 1)) < 1e-4


def test_isoflop_fit_recovers_the_allocation_exponent():
    """Approach 2 on an isoFLOP design from a known law gives N_opt ∝ C^a with a = β/(α+β)."""
    d = design_isoflop([1e18, 1e19, 1e20, 1e21], prior=TRUTH, n_models=9, span=16)
    L = TRUTH.loss(d.n_params, d.n_tokens)
    fit = fit_isoflop(d.n_params, d.n_tokens, L, flops=d.flops)
    assert isinstance(fit.model, AllocationRule)
    a_true = TRUTH.exponents[0]
    assert fit.exponents[0] == pytest.approx(a_true, abs=0.02)
    N_fit, _ = fit.model.compute_optimal(1e20)
    N_true, _ = TRUTH.compute_optimal(1e20)
    assert N_fit == pytest.approx(N_true, rel=0.1)


def test_design_centres_each_budget_on_the_prior_optimum_and_spends_the_budget():
    d = design_isoflop([1e18, 1e20], prior=TRUTH, n_models=5, span=16)
    assert len(d.flops) == 10
    np.testing.assert_allclose(6 * d.n_params * d.n_tokens, d.flops, rtol=1e-12)
    N_opt, _ = TRUTH.compute_optimal(1e18)
    assert d.n_params[2] == pytest.approx(N_opt, rel=1e-12)
    assert d.n_params[4] / d.n_params[0] == pytest.approx(16.0)


@pytest.mark.parametrize("kwargs, message", [
    ({"n_params": [1e8] * 10, "n_tokens": np.geomspace(1e9, 1e11, 10)}, "same model size"),
    ({"n_params": np.geomspace(1e8, 1e10, 10), "n_tokens": [2e10] * 10}, "same token count"),
    ({"n_params": [1e8, 2e8, 4e8, 8e8], "n_tokens": [1e9, 2e9, 4e9, 8e9]}, "4 runs cannot fit a law with 5"),
    ({"n_params": [1e8, -2e8] + [1e9] * 8, "n_tokens": np.geomspace(1e9, 1e11, 10)}, r"run 1 \(counting from 0\) has -2e\+08"),
    ({"n_params": [1e8, float("nan")] + [1e9] * 8, "n_tokens": np.geomspace(1e9, 1e11, 10)}, "run 1 .* has nan"),
])
def test_unidentifiable_or_invalid_runs_are_refused(kwargs, message):
    loss = kwargs.pop("loss", None) or [3.0] * len(kwargs["n_params"])
    with pytest.raises(FitError, match=message) as info:
        fit_parametric(kwargs["n_params"], kwargs["n_tokens"], loss)
    assert isinstance(info.value, (PlannerError, ValueError))


def test_a_fit_on_the_edge_of_the_search_says_so():
    """Loss that does not depend on D drives β (or B) to the edge of the search: a warning names it."""
    N = np.repeat(np.geomspace(1e8, 1e10, 6), 4)
    D = np.tile(np.geomspace(1e9, 1e11, 4), 6)
    L = 2.0 + 300.0 / N**0.3
    fit = fit_parametric(N, D, L, grid=SMALL_GRID)
    assert any("edge" in w for w in fit.warnings), fit.warnings


def test_loss_rising_with_size_is_refused_not_planned():
    """Runs whose loss grows with N and D give a non-positive exponent: a FitError, not a law that plans nonsense."""
    N = np.repeat(np.geomspace(1e8, 1e10, 5), 4)
    D = np.tile(np.geomspace(1e9, 1e11, 4), 5)
    with pytest.raises(FitError, match="non-positive exponent"):
        fit_parametric(N, D, 2.0 + 1e-3 * N**0.2 + 1e-3 * D**0.15, grid=SMALL_GRID)


def test_bootstrap_is_reproducible_and_brackets_the_fit():
    """Same seed, same samples; percentile intervals contain the full-data estimate; plan intervals too."""
    N, D, L = simulated_runs(TRUTH, SIZES, RATIOS, noise=0.01, seed=5)
    fit = fit_parametric(N, D, L, grid=SMALL_GRID)
    b1 = bootstrap(N, D, L, n_resamples=60, seed=7, fit=fit)
    b2 = bootstrap(N, D, L, n_resamples=60, seed=7, fit=fit)
    np.testing.assert_array_equal(b1.samples, b2.samples)
    assert b1.names == ("E", "A", "B", "alpha", "beta")
    assert b1.samples.shape == (60 - b1.n_failed, 5)
    for name, (lo, hi) in b1.intervals.items():
        assert lo <= fit.coefficients[name] <= hi, name
    plan = plan_intervals(fit.model, 1e22, 95, CoefficientSamples(b1.names, b1.samples, "bootstrap", ""))
    N_opt, _ = fit.model.compute_optimal(1e22)
    assert plan.n_params_lo <= N_opt <= plan.n_params_hi
    b3 = bootstrap(N, D, L, n_resamples=60, seed=8, fit=fit)
    assert not np.array_equal(b1.samples, b3.samples)


def test_bootstrap_refuses_bad_arguments():
    N, D, L = simulated_runs(TRUTH, SIZES, RATIOS)
    with pytest.raises(FitError, match="n_resamples"):
        bootstrap(N, D, L, n_resamples=0, fit=None)
    with pytest.raises(FitError, match="forms"):
        bootstrap(N, D, L, form="allocation")
