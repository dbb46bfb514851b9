"""The outlier check (planner.fitting.outliers) and --drop-outliers: the rule against scipy's robust scale, its
invariants, Besiroglu et al.'s dropped runs on Epoch's 245, and what the CLI says."""

import json

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import median_abs_deviation

from planner.cli import cli
from planner.fitting import fit_parametric
from planner.fitting.outliers import OUTLIER_Z, find_outliers
from planner.files.runs import read_runs
from planner.laws import ParametricLaw

from .reference import epoch_runs_csv
from .strategies import simulated_runs

TRUTH = ParametricLaw(E=1.8172, A=482.01, B=2085.43, alpha=0.3478, beta=0.3658)


def test_the_rule_is_the_modified_z_score_with_scipys_normal_scale():
    """Oracle: scipy.stats.median_abs_deviation(scale="normal") (= MAD/Φ⁻¹(3/4)) and the 3.5 cut of Iglewicz &
    Hoaglin (1993, §3.2), computed here by hand."""
    rng = np.random.default_rng(0)
    r = rng.normal(0, 0.01, 200)
    r[[7, 50, 120]] = [0.2, -0.09, 0.05]
    L_hat = np.full(200, 2.5)
    L = L_hat * np.exp(r)
    out = find_outliers(L, L_hat)
    scale = median_abs_deviation(r, scale="normal")
    z = (r - np.median(r)) / scale
    expected = np.flatnonzero(np.abs(z) > 3.5)
    assert set(out.indices) == set(expected.tolist()) and {7, 50, 120} <= set(out.indices)
    assert out.scale == pytest.approx(scale, rel=1e-9) and OUTLIER_Z == 3.5
    assert list(out.indices) == sorted(out.indices, key=lambda i: -abs(z[i]))      # worst first
    np.testing.assert_allclose(out.z, z[list(out.indices)], rtol=1e-9)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), factor=st.floats(0.2, 5.0), shift=st.floats(-0.5, 0.5))
def test_the_check_is_blind_to_the_scale_and_level_of_the_residuals(seed, factor, shift):
    """Multiplying every log-residual by a factor, or adding a constant to all of them, names the same runs."""
    rng = np.random.default_rng(seed)
    r = rng.standard_t(3, 60) * 0.01
    L_hat = np.full(60, 3.0)
    base = find_outliers(L_hat * np.exp(r), L_hat)
    scaled = find_outliers(L_hat * np.exp(factor * r + shift), L_hat)
    assert set(base.indices) == set(scaled.indices)


def test_exact_fits_and_nearly_interpolating_fits_name_no_outlier():
    L = np.linspace(2, 3, 10)
    out = find_outliers(L, L)
    assert out.indices == () and not out
    r = np.r_[np.full(12, 0.001), 0.5] * np.tile([1, -1], 7)[:13]
    assert find_outliers(L[0] * np.exp(r), np.full(13, L[0]), n_coefficients=0).indices == (12,)
    assert find_outliers(L[0] * np.exp(r), np.full(13, L[0]), n_coefficients=4).indices == ()   # 9 degrees of freedom


def test_on_epochs_245_runs_the_check_names_the_runs_besiroglu_et_al_drop():
    """Besiroglu et al. 2024 (arXiv:2404.10102, §2) fit 240 of Epoch's 245 runs, without the 5 of highest loss
    (tests/test_fit_reference.py reproduces their fit so). The check on the fit of all 245 names those 5."""
    runs = read_runs(epoch_runs_csv())
    fit = fit_parametric(runs.n_params, runs.n_tokens, runs.loss)
    dropped_by_them = set(np.argsort(runs.loss, kind="stable")[-5:].tolist())
    named = set(fit.outliers.indices)
    assert dropped_by_them <= named
    assert len(named) <= 10                             # a handful, not a fraction of the runs
    top = set(fit.outliers.indices[:4])                 # the four worst are theirs
    assert top <= dropped_by_them


def _runs_csv(tmp_path, planted=()):
    N, D, L = simulated_runs(TRUTH, np.geomspace(5e7, 5e9, 6), np.geomspace(5, 100, 5), noise=0.004, seed=4)
    L = L.copy()
    for i, factor in planted:
        L[i] *= factor
    path = tmp_path / "runs.csv"
    path.write_text("N,D,L\n" + "".join(f"{n!r},{d!r},{l!r}\n" for n, d, l in zip(N.tolist(), D.tolist(), L.tolist())))
    return path, N, D, L


def test_the_cli_names_the_outliers_by_line_and_drop_outliers_refits_without_them(tmp_path):
    path, N, D, L = _runs_csv(tmp_path, planted=[(3, 1.15), (17, 0.9)])
    r = CliRunner().invoke(cli, ["fit", str(path), "--format", "json", "--errors", "asymptotic"])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    lines = {o["line"] for o in doc["outliers"]}
    assert {5, 19} <= lines                             # rows 3 and 17 (from 0) are lines 5 and 19 (header is 1)
    assert any("outliers, at lines" in w and "--drop-outliers" in w for w in doc["warnings"])
    assert "Iglewicz & Hoaglin" in doc["outlier_rule"]
    r = CliRunner().invoke(cli, ["fit", str(path), "--format", "json", "--errors", "asymptotic", "--drop-outliers",
                                 "--flops", "1e22"])
    doc2 = json.loads(r.stdout)
    gone = doc2["outliers_dropped"]
    assert set(gone["lines"]) == lines and doc2["n_runs"] == len(L) - len(lines)
    # The refit is the fit on the other runs: oracle, fit_parametric on them directly.
    keep = np.array([i + 2 not in lines for i in range(len(L))])
    direct = fit_parametric(N[keep], D[keep], L[keep])
    assert doc2["coefficients"]["alpha"] == pytest.approx(direct.coefficients["alpha"], rel=1e-9)
    (move,) = gone["plans"]
    n_all, _ = ParametricLaw(**gone["coefficients_every_run"]).compute_optimal(1e22)
    assert move["n_params_every_run"] == pytest.approx(n_all, rel=1e-9)
    assert move["n_params_without"] == pytest.approx(direct.model.compute_optimal(1e22)[0], rel=1e-9)
    table = CliRunner().invoke(cli, ["fit", str(path), "--errors", "asymptotic", "--drop-outliers"]).stdout
    assert "Outliers dropped: 2 run(s) at lines" in " ".join(table.split())


def test_drop_outliers_does_not_combine_with_an_allocation_fit(tmp_path):
    path, *_ = _runs_csv(tmp_path)
    r = CliRunner().invoke(cli, ["fit", str(path), "--isoflop", "--drop-outliers"])
    assert r.exit_code == 2 and "--drop-outliers" in r.output


def test_the_outlier_warning_is_decisive_and_kept_under_quiet(tmp_path):
    """Outliers can move the fitted allocation (Epoch's runs: D/N at 1e24 from 6.35 to 16.3), so the warning is a
    decisive Caveat of its own kind, and -q, which drops the footers and the explanatory warnings, keeps it."""
    from planner.base.caveats import OUTLIERS
    from planner.report.caveats import decisive
    from planner.report.outliers import outlier_warnings

    path, N, D, L = _runs_csv(tmp_path, planted=[(3, 1.15), (17, 0.9)])
    runs = read_runs(path)
    (w,) = outlier_warnings(fit_parametric(N, D, L), runs, None)
    assert w.kind == OUTLIERS and w.subject == path.name and decisive([w]) == [w]
    r = CliRunner().invoke(cli, ["fit", str(path), "--errors", "asymptotic", "-q"])
    assert r.exit_code == 0, r.output
    assert "outliers, at lines" in " ".join(r.output.split())
