"""Fits you can trust on a small ladder, in the core: tied and fixed coefficients, back-tests, estimator comparisons,
diagnostics, errors, and fits of many rows."""

import math

import numpy as np
import pytest

from planner.fitting.varpro import EXPONENT_GRID
from planner.base.errors import FitError
from planner.fitting import Parametrisation, backtest, bootstrap, compare_estimators, fit_kaplan, fit_parametric
from planner.fitting.backtest import holdout_mask
from planner.fitting.diagnostics import extrapolation_warnings, identification_warnings, interval_warnings
from planner.fitting.result import BootstrapResult
from planner.laws import ParametricLaw

from .reference import epoch_runs_csv, gadre_csv
from .strategies import simulated_runs

TRUTH = ParametricLaw(E=1.8172, A=482.01, B=2085.43, alpha=0.3478, beta=0.3658)
TIED = ParametricLaw(E=1.8, A=400.0, B=1500.0, alpha=0.33, beta=0.33)
SIZES = np.geomspace(5e7, 1.6e10, 8)
RATIOS = np.geomspace(2, 200, 6)


# --- parametrisation --------------------------------------------------------------------------------------------

def test_a_tie_and_a_fix_leave_the_free_parameters_and_their_grid():
    p = Parametrisation.make("parametric", ["alpha=beta"], {"E": 1.69})
    assert p.n_free == 3 and p.free_names == ("a", "b", "alpha")
    assert p.free_coefficients == ("A", "B", "alpha", "beta") and p.fixed_coefficients == {"E": 1.69}
    theta = p.full([6.0, 7.0, 0.3])
    np.testing.assert_array_equal(theta, [6.0, 7.0, math.log(1.69), 0.3, 0.3])
    np.testing.assert_array_equal(p.free(theta), [6.0, 7.0, 0.3])
    assert len(p.grid({"a": (0, 5), "b": (0, 5, 10), "e": (1,), "alpha": (0.1, 0.2), "beta": (9,)})) == 12
    assert Parametrisation.make("parametric").is_identity


@pytest.mark.parametrize("tie, fix, message", [
    (["gamma=beta"], None, "cannot tie 'gamma'"),
    (["alpha"], None, "NAME=NAME"),
    (["alpha=alpha"], None, "two different"),
    (["alpha=A"], None, "exponents to exponents"),
    (["alpha=beta"], {"alpha": 0.3}, "both tied and fixed"),
    ([], {"F": 1.0}, "cannot fix 'F'"),
    ([], {"E": -1.0}, "finite number > 0"),
    ([], {"E": float("nan")}, "finite number > 0"),
])
def test_bad_ties_and_fixes_are_refused_by_name(tie, fix, message):
    with pytest.raises(FitError, match=message):
        Parametrisation.make("parametric", tie, fix)


def test_a_fit_needs_one_run_more_than_free_coefficients():
    N, D, L = simulated_runs(TIED, SIZES[:4], [20.0])
    with pytest.raises(FitError, match="4 runs cannot fit a law with 4 coefficients"):
        fit_parametric(N, D, L, tie=["alpha=beta"])
    N, D, L = simulated_runs(TIED, SIZES[:4], [20.0, 200.0])
    fit = fit_parametric(N[:5], D[:5], L[:5], tie=["alpha=beta"])
    assert fit.n_runs == 5


def test_a_tied_law_is_recovered_and_its_errors_respect_the_tie():
    N, D, L = simulated_runs(TIED, SIZES[:5], RATIOS[:3])
    fit = fit_parametric(N, D, L, tie=["alpha=beta"])
    for name in ("E", "A", "B", "alpha"):
        assert fit.coefficients[name] == pytest.approx(getattr(TIED, name), rel=5e-3), name
    assert fit.coefficients["alpha"] == fit.coefficients["beta"]
    assert fit.standard_errors["alpha"] == fit.standard_errors["beta"]
    assert fit.extra["tied"] == ("alpha=beta",) and "alpha = beta (tied)" in fit.method
    assert fit.n_starts == len(EXPONENT_GRID)   # variable projection over the one tied exponent


def test_a_fixed_coefficient_is_exact_has_no_error_and_the_rest_refit_around_it():
    N, D, L = simulated_runs(TRUTH, SIZES, RATIOS, noise=0.005, seed=2)
    fit = fit_parametric(N, D, L, fix={"E": 1.9})
    assert fit.coefficients["E"] == 1.9 and fit.standard_errors["E"] == 0.0
    free = fit_parametric(N, D, L)
    assert fit.objective > free.objective            # a constraint cannot fit better
    boot = bootstrap(N, D, L, n_resamples=40, seed=1, fit=fit)
    assert np.all(boot.samples[:, boot.names.index("E")] == 1.9)
    assert boot.intervals["E"] == (1.9, 1.9)


def test_kaplan_takes_ties_and_fixes_too():
    from planner.laws import KaplanLaw

    truth = KaplanLaw(alpha_N=0.076, alpha_D=0.076, N_c=6.4e13, D_c=1.8e13)
    N, D, L = simulated_runs(truth, np.geomspace(1e6, 1e9, 6), np.geomspace(1, 100, 5))
    fit = fit_kaplan(N, D, L, tie=["alpha_N=alpha_D"], fix={"N_c": 6.4e13})
    assert fit.coefficients["alpha_N"] == fit.coefficients["alpha_D"] == pytest.approx(0.076, rel=1e-3)
    assert fit.coefficients["N_c"] == 6.4e13


def test_the_least_squares_objective_is_a_different_optimum_on_noisy_runs():
    """Least squares on L weighs large-loss runs more than Huber on log L: on noisy runs the optima differ, and each
    is the lower of the two on its own objective."""
    from planner.fitting.objectives import ParametricObjective

    N, D, L = simulated_runs(TRUTH, SIZES, RATIOS, noise=0.02, seed=4)
    huber = fit_parametric(N, D, L)
    ls = fit_parametric(N, D, L, objective="least-squares")
    assert ls.extra["objective_function"] == "least-squares" and "huber_delta" not in ls.extra
    assert huber.coefficients["A"] != pytest.approx(ls.coefficients["A"], rel=1e-3)
    obj = ParametricObjective(np.log(N), np.log(D), np.log(L), 1e-3, np.float64, loss="least-squares")
    f = obj(np.array([huber.theta, ls.theta]), np.zeros(2, int))[0]
    assert f[1] <= f[0] and f[1] == pytest.approx(ls.objective, rel=1e-9)


# --- back-tests -------------------------------------------------------------------------------------------------

def test_holdout_mask_takes_the_largest_compute_or_those_above():
    C = np.array([1.0, 5.0, 3.0, 9.0, 2.0])
    np.testing.assert_array_equal(holdout_mask(C, k=2), [False, True, False, True, False])
    np.testing.assert_array_equal(holdout_mask(C, above=2.5), [False, True, True, True, False])
    for kwargs, message in (({"k": 5}, "cannot hold out 5 of 5"), ({"above": 9.0}, "no run has more than"),
                            ({"above": 0.5}, "nothing is left"), ({"k": 1, "above": 1.0}, "not both")):
        with pytest.raises(FitError, match=message):
            holdout_mask(C, **kwargs)


def test_a_backtest_of_an_exact_law_predicts_the_held_out_runs_exactly():
    N, D, L = simulated_runs(TRUTH, SIZES, RATIOS)
    full = fit_parametric(N, D, L)
    bt = backtest(N, D, L, fit_parametric, k=6, full_fit=full, budget=1e24)
    C = 6 * N * D
    np.testing.assert_array_equal(np.sort(bt.flops)[::-1], np.sort(C)[::-1][:6])
    assert bt.n_kept == len(N) - 6 and bt.fit.n_runs == len(N) - 6
    np.testing.assert_allclose(bt.predicted_loss, TRUTH.loss(bt.n_params, bt.n_tokens), rtol=1e-3)
    np.testing.assert_allclose(bt.relative_error, bt.predicted_loss / bt.loss - 1, rtol=0, atol=0)
    assert bt.max_abs_relative_error < 1e-3
    assert bt.n_opt_ratio == pytest.approx(1.0, abs=0.02)
    assert bt.n_opt_all == pytest.approx(float(full.model.compute_optimal(1e24)[0]))


def test_a_backtest_that_leaves_too_few_runs_says_so():
    N, D, L = simulated_runs(TIED, SIZES[:3], [20.0, 200.0])
    with pytest.raises(FitError, match="holds out the 2 runs of largest compute, which leaves 4 to fit"):
        backtest(N, D, L, lambda n, d, l: fit_parametric(n, d, l, tie=["alpha=beta"]), k=2)


def test_gadre_back_test_on_all_runs_matches_the_direct_prediction():
    """Holding out Gadre's two large targets (the only runs above 1e21 FLOPs) is the same as fitting the rest and
    predicting them by hand."""
    from planner.files.runs import read_runs

    runs = read_runs(gadre_csv("rpj-all.csv"))

    def refit(n, d, l):
        return fit_parametric(n, d, l, tie=["alpha=beta"], objective="least-squares")

    bt = backtest(runs.n_params, runs.n_tokens, runs.loss, refit, above=1e21)
    keep = runs.flops <= 1e21
    direct = refit(runs.n_params[keep], runs.n_tokens[keep], runs.loss[keep])
    assert len(bt.loss) == 2 and set(np.round(bt.n_params / 1e9, 1)) == {1.4, 6.9}
    np.testing.assert_allclose(bt.predicted_loss, direct.model.loss(bt.n_params, bt.n_tokens), rtol=1e-9)


# --- comparisons ------------------------------------------------------------------------------------------------

@pytest.mark.slow  # estimator comparison
def test_compare_fits_every_estimator_and_says_why_one_cannot():
    N, D, L = simulated_runs(TRUTH, SIZES, RATIOS, noise=0.003, seed=9)
    results = compare_estimators(N, D, L, budget=1e24)
    assert [r.key for r in results] == ["parametric", "tied", "kaplan", "approach2"]
    free, tied, kaplan, iso = results
    assert free.fit.coefficients["alpha"] != free.fit.coefficients["beta"]
    assert tied.fit.coefficients["alpha"] == tied.fit.coefficients["beta"]
    assert kaplan.fit.form == "kaplan"
    # The 8 sizes × 6 token ratios contain near-isoFLOP groups, which Approach 2's clustering finds (a sweep's 6ND may
    # lie anywhere in 0.7–1.5× its budget): its exponent is then the truth's, like the others'.
    assert iso.fit is not None and iso.fit.exponents[0] == pytest.approx(TRUTH.exponents[0], abs=0.03)
    assert all(len(r.backtest.loss) == 4 for r in results[:3])     # 10% of 48 runs
    assert free.backtest.max_abs_relative_error < 0.02


@pytest.mark.slow  # estimator comparison
def test_compare_includes_approach_2_on_isoflop_sweeps():
    from planner.fitting import design_isoflop

    d = design_isoflop([1e18, 1e19, 1e20, 1e21], prior=TRUTH, n_models=9, span=16)
    L = TRUTH.loss(d.n_params, d.n_tokens)
    results = compare_estimators(d.n_params, d.n_tokens, L, flops=d.flops, budget=1e22, holdout=9)
    iso = results[-1]
    assert iso.fit is not None and iso.fit.form == "allocation" and iso.backtest is None
    assert "allocations, not losses" in iso.backtest_error
    assert iso.fit.exponents[0] == pytest.approx(TRUTH.exponents[0], abs=0.02)


# --- diagnostics ------------------------------------------------------------------------------------------------

def test_e_at_or_above_the_lowest_loss_is_a_warning():
    """The issue's case: E = 3.13 with four runs at 3.10–3.12; and E just under the lowest loss (within 1%)."""
    from planner.cli.errors import WORDS
    from planner.fitting.parametric import _parametric_warnings, parametric_coefficients

    L = np.array([3.10, 3.11, 3.115, 3.12, 3.4, 3.9])
    TERMS = (L - 3.0, L - 3.0)     # A/N^α and B/D^β at each run: well above the vanishing threshold
    p = Parametrisation.make("parametric")
    for E in (3.13, 3.08):
        theta = (6.0, 7.0, math.log(E), 0.3, 0.3)
        (w,) = [w for w in _parametric_warnings(theta, parametric_coefficients(theta), L, True, p, TERMS) if "E =" in w]
        assert "at or above the lowest observed loss (3.1)" in w and "fix={'E': VALUE}" in w
        assert "(--fix E=VALUE)" in w.in_words(WORDS)      # as the command line says it
    theta = (6.0, 7.0, math.log(3.0), 0.3, 0.3)
    assert _parametric_warnings(theta, parametric_coefficients(theta), L, True, p, TERMS) == ()
    # a fixed E above the data is warned of too (issue 21: every prediction sat at E with no word), in its own words
    fixed = Parametrisation.make("parametric", fix={"E": 3.13})
    theta = (6.0, 7.0, math.log(3.13), 0.3, 0.3)
    (w,) = _parametric_warnings(theta, parametric_coefficients(theta), L, True, fixed, TERMS)
    assert w.startswith("the fixed E = 3.13 is at or above the lowest observed loss (3.1)")
    fixed = Parametrisation.make("parametric", fix={"E": 3.0})
    theta = (6.0, 7.0, math.log(3.0), 0.3, 0.3)
    assert _parametric_warnings(theta, parametric_coefficients(theta), L, True, fixed, TERMS) == ()


def test_an_extrapolation_beyond_100x_the_largest_run_is_a_warning():
    N, D, L = simulated_runs(TRUTH, SIZES, RATIOS)
    fit = fit_parametric(N, D, L)
    C_max = fit.data_range["flops"][1]
    assert extrapolation_warnings(fit, [C_max * 99]) == []
    (w,) = extrapolation_warnings(fit, [1e18, C_max * 101])
    assert "101x the largest run" in w


def test_a_wide_interval_of_n_opt_is_a_warning():
    rows = [{"flops": 1e22, "n_params_lo": 1e9, "n_params_hi": 9.9e9, "ci_level": 95.0},
            {"flops": 1e24, "n_params_lo": 1e10, "n_params_hi": 1.2e11, "ci_level": 95.0}]
    (w,) = interval_warnings(rows)
    assert "1.00e24" in w and "12.0x" in w


def _fake_boot(alpha, beta):
    samples = np.column_stack([np.full_like(alpha, 1.8), np.full_like(alpha, 400.0), np.full_like(alpha, 1500.0),
                               alpha, beta])
    return BootstrapResult(form="parametric", names=("E", "A", "B", "alpha", "beta"), samples=samples, intervals={},
                           standard_errors={}, level=95.0, n_resamples=len(alpha), n_failed=0, seed=0, method="")


def test_alpha_and_beta_strongly_correlated_in_the_bootstrap_is_a_warning():
    rng = np.random.default_rng(0)
    a = rng.normal(0.34, 0.02, 200)
    assert identification_warnings(_fake_boot(a, rng.normal(0.36, 0.02, 200))) == []
    (w,) = identification_warnings(_fake_boot(a, 0.5 * a + rng.normal(0, 0.001, 200)))
    assert "not identified" in w
    assert identification_warnings(_fake_boot(-a, a + rng.normal(0, 0.001, 200)))     # anti-correlated too
    assert identification_warnings(_fake_boot(a, a)) == []                             # tied: nothing to tell apart


# --- bootstrap of many runs -------------------------------------------------------------------------------------

def test_the_bootstrap_of_many_runs_is_an_m_out_of_n_bootstrap():
    """Each run repeated 10 times carries 10 times the information: its bootstrap errors are about 1/sqrt(10) of
    the original's (Monte Carlo tolerance 35%), computed on a subsample of max_rows runs."""
    N, D, L = simulated_runs(TRUTH, SIZES, RATIOS, noise=0.01, seed=5)
    small = fit_parametric(N, D, L)
    b1 = bootstrap(N, D, L, n_resamples=300, seed=3, fit=small)
    reps = 10
    Nr, Dr, Lr = (np.tile(v, reps) for v in (N, D, L))
    big = fit_parametric(Nr, Dr, Lr)
    b2 = bootstrap(Nr, Dr, Lr, n_resamples=300, seed=3, fit=big, max_rows=len(N) * 2)
    assert "m-out-of-n" in b2.method and "sqrt(m/n)" in b2.method
    for name in ("E", "alpha", "beta"):
        ratio = b2.standard_errors[name] / b1.standard_errors[name]
        assert ratio == pytest.approx(1 / math.sqrt(reps), rel=0.35), (name, ratio)


# --- many rows --------------------------------------------------------------------------------------------------

def test_many_rows_fit_the_same_optimum_as_the_runs_they_repeat(monkeypatch):
    """Besiroglu's 240 runs, each repeated 5 times (1,200 rows, above COARSE_ROWS): the grid runs on a subsample,
    the end points on every row; the optimum is the 240-run optimum (repeating every run k times multiplies the
    objective by k)."""
    from planner.files.runs import read_runs

    runs = read_runs(epoch_runs_csv()).drop_highest_loss(5)
    ref = fit_parametric(runs.n_params, runs.n_tokens, runs.loss)
    stages = []
    N, D, L = (np.tile(v, 5) for v in (runs.n_params, runs.n_tokens, runs.loss))
    big = fit_parametric(N, D, L, progress=lambda stage, done, total: stages.append(stage))
    assert any(s.startswith("grid on 512 of 1,200 runs") for s in stages) and "all 1,200 runs" in stages
    for name, value in ref.coefficients.items():
        assert big.coefficients[name] == pytest.approx(value, rel=1e-6), name
    assert big.objective == pytest.approx(5 * ref.objective, rel=1e-9)


def test_tied_asymptotic_errors_are_gauss_newton_over_the_free_parameters():
    """Oracle: a central-difference Jacobian of log L̂ in φ = (a, b, e, α) with β = α, σ̂² = Σr²/(n − 4),
    Cov φ = σ̂²(JᵀJ)⁻¹; A's error is A·se(a) (delta method); β's is α's."""
    N, D, L = simulated_runs(TIED, SIZES[:6], RATIOS[:4], noise=0.01, seed=8)
    fit = fit_parametric(N, D, L, tie=["alpha=beta"], fix={"E": 1.8})
    phi = np.array([fit.theta[0], fit.theta[1], fit.theta[3]])

    def log_pred(p):
        a, b, al = p
        return np.log(np.exp(a) / N ** al + np.exp(b) / D ** al + 1.8)

    h = 1e-6
    J = np.column_stack([(log_pred(phi + h * e) - log_pred(phi - h * e)) / (2 * h) for e in np.eye(3)])
    r = np.log(L) - log_pred(phi)
    cov = float(r @ r) / (len(L) - 3) * np.linalg.inv(J.T @ J)
    se = np.sqrt(np.diag(cov))
    got = fit.standard_errors
    assert got["A"] == pytest.approx(fit.coefficients["A"] * se[0], rel=1e-4)
    assert got["B"] == pytest.approx(fit.coefficients["B"] * se[1], rel=1e-4)
    assert got["alpha"] == pytest.approx(se[2], rel=1e-4) and got["beta"] == got["alpha"]
    assert got["E"] == 0.0
