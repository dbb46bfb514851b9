"""The asymmetric objective (over-predictions penalised, as OLMo-core's ladder analysis) and per-run weights, each
against an independent implementation: scipy.optimize.minimize on the objective written out by hand."""

import json

import numpy as np
import pytest
from click.testing import CliRunner
from scipy.optimize import minimize

from planner.cli import cli
from planner.fitting import bootstrap, fit_kaplan, fit_parametric
from planner.fitting.objectives import OVERESTIMATE_PENALTY, ParametricObjective
from planner.laws import ParametricLaw

from .strategies import simulated_runs

TRUTH = ParametricLaw(E=1.8172, A=482.01, B=2085.43, alpha=0.3478, beta=0.3658)
SIZES = np.geomspace(5e7, 1.6e10, 7)
RATIOS = np.geomspace(2, 200, 5)
DELTA = 1e-3


def _by_hand(N, D, L, penalty=1.0, w=None):
    """Σ w_i·k(r_i)·Huber_δ(r_i), r = log L̂ − log L, k = penalty where r > 0 (the law over-predicts), in θ = (a, b, e,
    α, β); weights scaled to mean 1. Written here from the definition, sharing no code with planner."""
    x, y, l = np.log(N), np.log(D), np.log(L)
    w = np.ones_like(l) if w is None else np.asarray(w, float) * len(l) / np.sum(w)

    def f(t):
        a, b, e, al, be = t
        r = np.logaddexp(np.logaddexp(a - al * x, b - be * y), e) - l
        h = np.where(np.abs(r) <= DELTA, 0.5 * r * r, DELTA * (np.abs(r) - 0.5 * DELTA))
        return float(np.sum(w * np.where(r > 0, penalty, 1.0) * h))

    return f


def _scipy_best(f, starts):
    best = None
    for s in starts:
        r = minimize(f, s, method="Nelder-Mead", options={"xatol": 1e-10, "fatol": 1e-16, "maxiter": 40000,
                                                           "maxfev": 40000})
        r = minimize(f, r.x, method="Powell", options={"xtol": 1e-10, "ftol": 1e-15, "maxiter": 40000})
        if best is None or r.fun < best.fun:
            best = r
    return best


def _starts(fit):
    t = np.array(fit.theta)
    return [t, t + np.array([0.3, -0.3, 0.05, 0.02, -0.02]), t + np.array([-0.5, 0.5, -0.05, -0.03, 0.03])]


@pytest.mark.parametrize("penalty", [OVERESTIMATE_PENALTY, 3.0])
def test_the_asymmetric_fit_reaches_scipys_minimum_of_the_hand_written_objective(penalty):
    N, D, L = simulated_runs(TRUTH, SIZES, RATIOS, noise=0.01, seed=11)
    fit = fit_parametric(N, D, L, objective="asymmetric", overestimate_penalty=penalty)
    f = _by_hand(N, D, L, penalty)
    assert fit.objective == pytest.approx(f(fit.theta), rel=1e-9)           # the objective is the one written out
    ref = _scipy_best(f, _starts(fit))
    assert fit.objective <= ref.fun * (1 + 1e-9)
    # Over-predictions cost more, so the law sits lower than the symmetric fit: more runs above it than below.
    sym = fit_parametric(N, D, L)
    above = lambda g: np.mean(np.log(L) > np.log(g.model.loss(N, D)) + 1e-12)
    assert above(fit) > above(sym)
    assert fit.extra["overestimate_penalty"] == penalty and "over-predictions counted" in fit.method


def test_a_penalty_of_one_is_the_plain_huber_fit():
    N, D, L = simulated_runs(TRUTH, SIZES, RATIOS, noise=0.01, seed=12)
    a = fit_parametric(N, D, L, objective="asymmetric", overestimate_penalty=1.0)
    b = fit_parametric(N, D, L)
    assert a.objective == pytest.approx(b.objective, rel=1e-9)


def test_a_weighted_fit_reaches_scipys_minimum_of_the_weighted_objective():
    N, D, L = simulated_runs(TRUTH, SIZES, RATIOS, noise=0.01, seed=13)
    w = np.sqrt(6 * N * D)
    fit = fit_parametric(N, D, L, weights=w, weighting="sqrt(C)")
    f = _by_hand(N, D, L, 1.0, w)
    assert fit.objective == pytest.approx(f(fit.theta), rel=1e-9)
    assert fit.objective <= _scipy_best(f, _starts(fit)).fun * (1 + 1e-9)
    assert fit.extra["weights"] == "sqrt(C)" and "runs weighted by sqrt(C)" in fit.method


def test_integer_weights_are_repeated_runs():
    """Weight 2 on a run is the run twice (after the weights' scaling to mean 1, which only scales the objective)."""
    N, D, L = simulated_runs(TRUTH, SIZES, RATIOS, noise=0.01, seed=14)
    w = np.ones_like(L)
    w[[0, 5, 9]] = 2.0
    weighted = fit_parametric(N, D, L, weights=w)
    idx = np.concatenate([np.arange(len(L)), [0, 5, 9]])
    repeated = fit_parametric(N[idx], D[idx], L[idx])
    for name, v in repeated.coefficients.items():
        assert weighted.coefficients[name] == pytest.approx(v, rel=1e-6), name
    assert weighted.objective == pytest.approx(repeated.objective * len(L) / len(idx), rel=1e-9)


def test_the_gradient_of_the_weighted_asymmetric_objective_is_its_derivative():
    """Oracle: central differences of the hand-written objective."""
    N, D, L = simulated_runs(TRUTH, SIZES, RATIOS, noise=0.02, seed=15)
    w = np.linspace(0.5, 2, len(L))
    ob = ParametricObjective(np.log(N), np.log(D), np.log(L), DELTA, np.float64, loss="asymmetric", penalty=4.0,
                             run_weights=w * len(L) / w.sum())
    f = _by_hand(N, D, L, 4.0, w)
    t = np.array([6.1, 7.7, 0.6, 0.35, 0.37])
    val, grad = ob(t[None, :], np.zeros(1, int))
    assert val[0] == pytest.approx(f(t), rel=1e-12)
    h = 1e-6
    fd = [(f(t + h * e) - f(t - h * e)) / (2 * h) for e in np.eye(5)]
    np.testing.assert_allclose(grad[0], fd, rtol=1e-4, atol=1e-9)


def test_kaplan_takes_the_asymmetric_objective_and_weights_too():
    N, D, L = simulated_runs(TRUTH, SIZES, RATIOS, noise=0.01, seed=16)
    plain = fit_kaplan(N, D, L)
    asym = fit_kaplan(N, D, L, objective="asymmetric", weights=np.sqrt(N * D))
    assert asym.extra["objective_function"] == "asymmetric" and asym.coefficients != plain.coefficients


def test_a_weighted_bootstrap_needs_the_weights_and_uses_them():
    N, D, L = simulated_runs(TRUTH, SIZES, RATIOS, noise=0.01, seed=17)
    w = np.sqrt(6 * N * D)
    fit = fit_parametric(N, D, L, weights=w, objective="asymmetric")
    with pytest.raises(Exception, match="give the bootstrap the same weights"):
        bootstrap(N, D, L, n_resamples=5, fit=fit)
    boot = bootstrap(N, D, L, n_resamples=40, fit=fit, weights=w)
    lo, hi = boot.intervals["alpha"]
    assert lo <= fit.coefficients["alpha"] <= hi


def test_bad_weights_and_penalties_are_refused():
    N, D, L = simulated_runs(TRUTH, SIZES, RATIOS)
    with pytest.raises(Exception, match="one weight per run"):
        fit_parametric(N, D, L, weights=[1.0, 2.0])
    with pytest.raises(Exception, match="finite numbers >= 0"):
        fit_parametric(N, D, L, weights=np.r_[-1.0, np.ones(len(L) - 1)])
    with pytest.raises(Exception, match="penalty must be a finite number >= 1"):
        fit_parametric(N, D, L, objective="asymmetric", overestimate_penalty=0.5)


def test_the_cli_reads_a_weights_column_and_records_the_objective(tmp_path):
    N, D, L = simulated_runs(TRUTH, SIZES, RATIOS, noise=0.01, seed=18)
    w = np.linspace(1, 3, len(L))
    path = tmp_path / "runs.csv"
    path.write_text("N,D,L,trust\n" + "".join(f"{n!r},{d!r},{l!r},{x!r}\n"
                                              for n, d, l, x in zip(N.tolist(), D.tolist(), L.tolist(), w.tolist())))
    r = CliRunner().invoke(cli, ["fit", str(path), "--weights", "trust", "--objective", "asymmetric",
                                 "--overestimate-penalty", "4", "--errors", "asymptotic", "--format", "json"])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    direct = fit_parametric(N, D, L, weights=w, objective="asymmetric", overestimate_penalty=4.0)
    assert doc["objective"] == pytest.approx(direct.objective, rel=1e-9)
    assert "runs weighted by column 'trust'" in doc["method"] and doc["objective_function"] == "asymmetric"
    bad = CliRunner().invoke(cli, ["fit", str(path), "--overestimate-penalty", "4"])
    assert bad.exit_code == 2 and "--objective asymmetric" in bad.output
    both = CliRunner().invoke(cli, ["fit", str(path), "--weights", "trust", "--weight-by", "compute"])
    assert both.exit_code == 2
