"""Rolling back-tests (planner.fitting.rollout, plan fit --rollout): each step against a direct fit of the same runs,
the trend test against scipy's Spearman correlation, and the JSON carrying each step."""

import json

import numpy as np
import pytest
from click.testing import CliRunner
from scipy.stats import spearmanr

from planner.cli import cli
from planner.base.errors import FitError
from planner.fitting import fit_parametric, rollout
from planner.laws import ParametricLaw

from .strategies import simulated_runs

TRUTH = ParametricLaw(E=1.8172, A=482.01, B=2085.43, alpha=0.3478, beta=0.3658)
SIZES = np.geomspace(5e7, 5e9, 6)
RATIOS = np.geomspace(5, 100, 5)


def _refit(N, D, L, weights=None):
    return fit_parametric(N, D, L, weights=weights)


def test_each_step_is_the_fit_of_the_smallest_sizes_and_its_errors_are_its_predictions():
    N, D, L = simulated_runs(TRUTH, SIZES, RATIOS, noise=0.005, seed=3)
    ro = rollout(N, D, L, _refit, by="size")
    levels = np.unique(np.array([float(f"{n:.2g}") for n in N]))
    assert ro.levels == tuple(levels) and [s.k for s in ro.steps] == list(range(3, len(levels)))
    for s in ro.steps:
        keep = np.array([float(f"{n:.2g}") for n in N]) <= s.cutoff
        direct = fit_parametric(N[keep], D[keep], L[keep])               # oracle: the same fit made directly
        assert s.fit.objective == pytest.approx(direct.objective, rel=1e-9) and s.n_fit == keep.sum()
        nxt = np.isclose([float(f"{n:.2g}") for n in N], s.next_level)
        rel = direct.model.loss(N[nxt], D[nxt]) / L[nxt] - 1
        assert s.next_error == pytest.approx(np.mean(np.abs(rel)), rel=1e-6)
        assert s.next_bias == pytest.approx(np.mean(rel), rel=1e-6, abs=1e-12)
    rho, p = spearmanr(ro.distances, ro.errors)
    assert ro.rho == pytest.approx(rho) and ro.p_value == pytest.approx(p)


def test_a_law_that_misses_a_curvature_has_errors_that_grow_with_distance():
    """Losses with an extra term the law cannot express (a bend in log N): farther predictions are worse."""
    N, D, L = simulated_runs(TRUTH, np.geomspace(3e7, 3e10, 9), RATIOS, noise=0.0, seed=0)
    L = L * np.exp(0.004 * (np.log(N / 1e9)) ** 2)
    ro = rollout(N, D, L, _refit, by="size")
    assert ro.grows and ro.rho > 0.5
    exact = rollout(*simulated_runs(TRUTH, np.geomspace(3e7, 3e10, 9), RATIOS), _refit, by="size")
    assert max(exact.errors) < 1e-4            # the law itself: every prediction right, however far


def test_by_compute_groups_runs_of_one_budget_and_too_few_levels_are_refused():
    N, D, L = simulated_runs(TRUTH, SIZES, RATIOS, noise=0.005, seed=4)
    ro = rollout(N, D, L, _refit, by="compute")
    assert all(a < b for a, b in zip(ro.levels, ro.levels[1:])) and len(ro.steps) >= 2
    three = N <= np.sort(np.unique(N))[2]
    with pytest.raises(FitError, match="at least 4 distinct model sizes"):
        rollout(N[three], D[three], L[three], _refit, by="size")


def test_the_cli_reports_each_step_in_json_and_says_whether_errors_grow(tmp_path):
    N, D, L = simulated_runs(TRUTH, SIZES, RATIOS, noise=0.005, seed=5)
    path = tmp_path / "ladder.csv"
    path.write_text("N,D,L\n" + "".join(f"{n!r},{d!r},{l!r}\n" for n, d, l in zip(N.tolist(), D.tolist(), L.tolist())))
    r = CliRunner().invoke(cli, ["fit", str(path), "--rollout", "size", "--errors", "asymptotic", "--format", "json"])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    ro = rollout(N, D, L, _refit, by="size")
    assert [s["next_level"] for s in doc["rollout"]] == [s.next_level for s in ro.steps]
    assert [s["next_error"] for s in doc["rollout"]] == pytest.approx([s.next_error for s in ro.steps], rel=1e-9)
    summary = doc["rollout_summary"]
    assert summary["errors_grow_with_distance"] == ro.grows and summary["spearman_rho"] == pytest.approx(ro.rho)
    table = CliRunner().invoke(cli, ["fit", str(path), "--rollout", "size", "--errors", "asymptotic"]).stdout
    assert "Rolling back-test by size" in table and "Rolling back-test:" in " ".join(table.split())
    bad = CliRunner().invoke(cli, ["fit", str(path), "--rollout", "size", "--isoflop"])
    assert bad.exit_code == 2
