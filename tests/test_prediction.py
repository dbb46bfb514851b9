"""Prediction intervals (planner.fitting.prediction): the recipe written out independently, their coverage of new
runs drawn from a known law, and their use by the back-tests."""

import json

import numpy as np
import pytest
from click.testing import CliRunner

from planner.cli import cli
from planner.fitting import bootstrap, fit_parametric
from planner.fitting.prediction import PREDICTION_LABEL, prediction_interval
from planner.laws import ParametricLaw

from .strategies import simulated_runs

TRUTH = ParametricLaw(E=1.8172, A=482.01, B=2085.43, alpha=0.3478, beta=0.3658)
SIZES = np.geomspace(5e7, 5e9, 6)
RATIOS = np.geomspace(5, 100, 5)


@pytest.fixture(scope="module")
def fitted():
    N, D, L = simulated_runs(TRUTH, SIZES, RATIOS, noise=0.01, seed=21)
    fit = fit_parametric(N, D, L)
    return N, D, L, fit, bootstrap(N, D, L, n_resamples=400, seed=1, fit=fit)


def test_the_interval_is_bootstrap_laws_times_resampled_residuals(fitted):
    """Oracle: E + A/N^α + B/D^β per bootstrap row, times exp of residuals drawn by default_rng(seed).choice, and
    numpy's percentiles, all written out here."""
    N, D, L, fit, boot = fitted
    Nt, Dt = np.array([1e10, 3e10]), np.array([2e11, 6e11])
    lo, hi = prediction_interval(fit, boot, N, D, L, Nt, Dt, seed=7)
    c = dict(fit.coefficients)
    r = np.log(L) - np.log(c["E"] + c["A"] / N ** c["alpha"] + c["B"] / D ** c["beta"])
    S = {name: boot.samples[:, j] for j, name in enumerate(boot.names)}
    mean = S["E"][:, None] + S["A"][:, None] / Nt ** S["alpha"][:, None] + S["B"][:, None] / Dt ** S["beta"][:, None]
    eps = np.random.default_rng(7).choice(r, size=mean.shape, replace=True)
    ref_lo, ref_hi = np.percentile(mean * np.exp(eps), [2.5, 97.5], axis=0)
    np.testing.assert_allclose(lo, ref_lo, rtol=1e-12)
    np.testing.assert_allclose(hi, ref_hi, rtol=1e-12)


def test_it_covers_new_runs_about_as_often_as_its_level_and_is_wider_than_the_mean_laws_band(fitted):
    """New runs from the same law and noise (1 % log-normal): about 95 % fall inside (a band of ±4 points for 2,000
    draws and the fit's own error), far more than inside the confidence band of the mean law."""
    N, D, L, fit, boot = fitted
    rng = np.random.default_rng(5)
    Nt = np.full(2000, 1e9)
    Dt = np.full(2000, 2e10)
    new = TRUTH.loss(Nt, Dt) * np.exp(rng.normal(0, 0.01, 2000))
    lo, hi = prediction_interval(fit, boot, N, D, L, Nt[:1], Dt[:1])
    inside = np.mean((new >= lo[0]) & (new <= hi[0]))
    assert 0.91 <= inside <= 0.99
    means = np.array([ParametricLaw(**dict(zip(boot.names, row))).loss(1e9, 2e10) for row in boot.samples])
    c_lo, c_hi = np.percentile(means, [2.5, 97.5])
    assert hi[0] - lo[0] > 2 * (c_hi - c_lo)
    assert np.mean((new >= c_lo) & (new <= c_hi)) < 0.6


def test_the_back_test_says_which_held_out_runs_are_inside_its_fits_prediction_interval(tmp_path):
    N, D, L = simulated_runs(TRUTH, SIZES, RATIOS, noise=0.01, seed=22)
    L = L.copy()
    big = np.argsort(N * D)[-1]
    L[big] *= 1.2                              # the largest run: far off the law
    path = tmp_path / "runs.csv"
    path.write_text("N,D,L\n" + "".join(f"{n!r},{d!r},{l!r}\n" for n, d, l in zip(N.tolist(), D.tolist(), L.tolist())))
    r = CliRunner().invoke(cli, ["fit", str(path), "--holdout", "3", "--bootstrap", "200", "--format", "json"])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    rows = doc["holdout"]
    assert rows[0]["inside_prediction_interval"] is False and rows[0]["loss"] == pytest.approx(L[big])
    for row in rows:
        assert row["inside_prediction_interval"] == (row["prediction_low"] <= row["loss"] <= row["prediction_high"])
    assert doc["holdout_summary"]["prediction_interval"] == PREDICTION_LABEL
    text = " ".join(CliRunner().invoke(cli, ["fit", str(path), "--holdout", "3", "--bootstrap", "200"]).stdout.split())
    assert f"95% {PREDICTION_LABEL}" in text
    asym = CliRunner().invoke(cli, ["fit", str(path), "--holdout", "3", "--errors", "asymptotic", "--format", "json"])
    assert "prediction_low" not in json.loads(asym.stdout)["holdout"][0]      # no bootstrap, no interval


def test_each_rollout_step_counts_its_next_levels_runs_inside_the_interval(tmp_path):
    N, D, L = simulated_runs(TRUTH, SIZES, RATIOS, noise=0.01, seed=23)
    path = tmp_path / "runs.csv"
    path.write_text("N,D,L\n" + "".join(f"{n!r},{d!r},{l!r}\n" for n, d, l in zip(N.tolist(), D.tolist(), L.tolist())))
    r = CliRunner().invoke(cli, ["fit", str(path), "--rollout", "size", "--bootstrap", "100", "--format", "json"])
    doc = json.loads(r.stdout)
    for step in doc["rollout"]:
        assert 0 <= step["next_inside"] <= step["n_next"]
    assert doc["rollout_summary"]["n_next_inside_prediction_interval"] == sum(s["next_inside"] for s in doc["rollout"])
