"""plan fit from the command line: tied and fixed coefficients, objectives, bootstrap errors by default, back-tests,
estimator comparisons, diagnostics in every format, and each new error path."""

import json

import numpy as np
import pytest
from click.testing import CliRunner

from planner.cli import cli
from planner.laws import ParametricLaw
from planner.presets import load_law_file
from planner.units import format_coefficient

from .goldens import assert_one_line_error
from .strategies import simulated_runs

TRUTH = ParametricLaw(E=1.8172, A=482.01, B=2085.43, alpha=0.3478, beta=0.3658)


@pytest.fixture(scope="module")
def runs_csv(tmp_path_factory):
    """30 simulated runs with 1 % noise (5 sizes × 6 token ratios), as a user's CSV."""
    N, D, L = simulated_runs(TRUTH, np.geomspace(5e7, 5e9, 5), np.geomspace(2, 200, 6), noise=0.01, seed=1)
    path = tmp_path_factory.mktemp("runs") / "runs.csv"
    path.write_text("n_params,tokens,loss\n" + "".join(f"{float(n)!r},{float(d)!r},{float(l)!r}\n"
                                                       for n, d, l in zip(N, D, L)))
    return path


@pytest.fixture(autouse=True)
def coarse_grid(monkeypatch):
    """A 3⁵ = 243-start grid to stay fast; the 4,500-start grid is tested in test_fit*.py."""
    monkeypatch.setattr("planner.fitting.parametric.PARAMETRIC_GRID", {
        "alpha": (0.2, 0.5, 1.0), "beta": (0.2, 0.5, 1.0), "e": (-0.5, 0.5, 1.0), "a": (0.0, 6.0, 12.0),
        "b": (0.0, 6.0, 12.0)})


def invoke(*args, **kwargs):
    return CliRunner().invoke(cli, [str(a) for a in args], **kwargs)


def as_json(r):
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


def test_errors_are_bootstrap_by_default_and_json_and_table_agree(runs_csv):
    doc = as_json(invoke("fit", runs_csv, "--format", "json"))
    assert doc["bootstrap"]["n_resamples"] == 500 and doc["bootstrap"]["seed"] == 0
    assert doc["standard_errors"] == doc["bootstrap"]["standard_errors"]
    assert doc["standard_error_method"].startswith("bootstrap: 500 resamples")
    assert set(doc["asymptotic_standard_errors"]) == set(doc["coefficients"])
    assert all("n_params_lo" in p for p in doc["plans"])
    table = invoke("fit", runs_csv).stdout
    for name, se in doc["standard_errors"].items():
        assert format_coefficient(name, se) in table, name
    assert "Std. errors: bootstrap (500 resamples, seed 0" in table
    again = as_json(invoke("fit", runs_csv, "--format", "json"))
    assert again["standard_errors"] == doc["standard_errors"]           # seeded: reproducible


def test_asymptotic_errors_only_when_asked_and_labelled(runs_csv):
    doc = as_json(invoke("fit", runs_csv, "--errors", "asymptotic", "--format", "json"))
    assert "bootstrap" not in doc and doc["standard_error_method"].startswith("asymptotic")
    md = invoke("fit", runs_csv, "--errors", "asymptotic", "--format", "markdown").stdout
    assert "Std. errors: ASYMPTOTIC" in md and "understate" in md
    table = invoke("fit", runs_csv, "--errors", "asymptotic").stdout
    for name, se in doc["standard_errors"].items():
        assert format_coefficient(name, se) in table, name


def test_tie_and_fix_reach_the_report_and_the_law_file(runs_csv, tmp_path):
    out = tmp_path / "tied.toml"
    r = invoke("fit", runs_csv, "--tie", "alpha=beta", "--fix", "E=1.9", "--objective", "least-squares", "-o", out,
               "--format", "json")
    doc = as_json(r)
    assert doc["tied"] == ["alpha=beta"] and doc["fixed"] == {"E": 1.9}
    assert doc["objective_function"] == "least-squares"
    assert doc["coefficients"]["alpha"] == doc["coefficients"]["beta"] and doc["coefficients"]["E"] == 1.9
    assert doc["standard_errors"]["E"] == 0.0
    law = load_law_file(out)
    assert law.fit["tied"] == ("alpha=beta",) and law.fit["fixed"] == {"E": 1.9}
    assert law.fit["objective_function"] == "least-squares" and "huber_delta" not in law.fit
    assert any("Tied in the fit: alpha = beta" in n for n in law.notes)
    assert any("Fixed in the fit (not fitted): E = 1.9" in n for n in law.notes)
    assert "--tie alpha=beta --fix E=1.9 --objective least-squares" in law.citation["where"]
    table = invoke("fit", runs_csv, "--tie", "alpha=beta", "--fix", "E=1.9").stdout
    assert "alpha = beta (tied), E = 1.9 (fixed, not fitted)" in table.replace("\n", " ")
    assert "fixed" in [line.split()[2] for line in table.splitlines() if line.strip().startswith("E ")]


def test_huber_delta_is_the_objectives(runs_csv):
    doc = as_json(invoke("fit", runs_csv, "--huber-delta", "0.01", "--errors", "asymptotic", "--format", "json"))
    assert "delta = 0.01" in doc["method"]


def test_holdout_reports_each_held_out_run_and_the_n_opt_move(runs_csv):
    doc = as_json(invoke("fit", runs_csv, "--holdout", 3, "--flops", "1e22", "--flops", "1e24",
                         "--errors", "asymptotic", "--format", "json"))
    rows = doc["holdout"]
    assert len(rows) == 3 and set(rows[0]) == {"n_params", "n_tokens", "flops", "loss", "predicted_loss",
                                               "relative_error"}
    assert [r["flops"] for r in rows] == sorted((r["flops"] for r in rows), reverse=True)
    for r in rows:
        assert r["relative_error"] == pytest.approx(r["predicted_loss"] / r["loss"] - 1, rel=1e-12)
        assert abs(r["relative_error"]) < 0.05
    s = doc["holdout_summary"]
    assert s["n_held_out"] == 3 and s["n_fitted"] == 27 and s["budget"] == 1e24
    assert s["n_opt_ratio"] == pytest.approx(s["n_opt_without_held_out"] / s["n_opt_all_runs"])
    assert s["mean_abs_relative_error"] == pytest.approx(np.mean([abs(r["relative_error"]) for r in rows]))
    md = invoke("fit", runs_csv, "--holdout", 3, "--errors", "asymptotic", "--format", "markdown").stdout
    assert "Back-test · fitted on 27 runs, predicting the 3 runs of largest compute" in md
    assert "opt at 1.00e24" in md             # markdown escapes the underscore of N_opt


def test_holdout_above_holds_out_by_compute(runs_csv):
    doc = as_json(invoke("fit", runs_csv, "--holdout-above", "1e20", "--errors", "asymptotic", "--format", "json"))
    assert doc["holdout"] and all(r["flops"] > 1e20 for r in doc["holdout"])
    assert "above 1e+20 FLOPs" in doc["holdout_summary"]["rule"]


def test_compare_prints_one_row_per_estimator_and_says_the_spread_is_the_point(runs_csv):
    r = invoke("fit", runs_csv, "--compare", "--flops", "1e22", "--flops", "1e24", "--format", "json")
    rows = as_json(r)
    assert [row["estimator"] for row in rows] == ["parametric", "parametric, alpha=beta", "Kaplan", "Approach 2"]
    assert all(len(row["plans"]) == 2 for row in rows[:3]) and rows[3]["plans"] == []
    assert "not isoFLOP sweeps" in rows[3]["note"]
    assert all(row["holdout_mean_abs_relative_error"] is not None for row in rows[:3])
    table = invoke("fit", runs_csv, "--compare", "--flops", "1e22").stdout.replace("\n", " ")
    assert "The spread between these rows is the point" in table and "N_opt @" in table
    csv = invoke("fit", runs_csv, "--compare", "--flops", "1e22", "--format", "csv").stdout
    assert "plans_n_params" in csv.splitlines()[0]


def test_diagnostics_reach_stderr_markdown_and_json(runs_csv):
    r = invoke("fit", runs_csv, "--flops", "1e30", "--errors", "asymptotic", "--format", "markdown")
    assert r.exit_code == 0, r.output
    assert "Warning: the largest budget, 1.00e30" in r.stderr
    assert "Warning: the largest budget, 1.00e30" in r.stdout
    doc = as_json(invoke("fit", runs_csv, "--flops", "1e30", "--errors", "asymptotic", "--format", "json"))
    assert any("more than 100x" in w for w in doc["warnings"])


@pytest.mark.parametrize("args, code, message", [
    (["--tie", "gamma=beta"], 1, "cannot tie 'gamma'"),
    (["--tie", "alpha"], 1, "a tie is NAME=NAME"),
    (["--fix", "E=abc"], 2, "'E' needs a number"),
    (["--fix", "E"], 2, "expected NAME=VALUE"),
    (["--fix", "E=-1"], 1, "a fixed E must be a finite number > 0"),
    (["--tie", "alpha=beta", "--fix", "alpha=0.3"], 1, "both tied and fixed"),
    (["--holdout", "30"], 1, "cannot hold out 30 of 30 runs"),
    (["--holdout", "26"], 1, "which leaves 4 to fit: 4 runs cannot fit a law with 5 coefficients"),
    (["--holdout-above", "1e30"], 1, "nothing to hold out"),
    (["--holdout", "2", "--holdout-above", "1e20"], 2, "not both"),
    (["--compare", "--tie", "alpha=beta"], 2, "--compare fits its own estimators"),
    (["--compare", "-o", "x.toml"], 2, "does not combine with -o"),
    (["--errors", "asymptotic", "--bootstrap", "10"], 2, "does not combine with --errors asymptotic"),
    (["--isoflop", "--tie", "alpha=beta"], 2, "not --isoflop"),
    (["--isoflop", "--holdout", "2"], 2, "Approach 2 (--isoflop) does not give"),
    (["--objective", "l1"], 2, "--objective"),
    (["--huber-delta", "0"], 2, "--huber-delta"),
    (["--bootstrap", "0"], 2, "--bootstrap"),
])
def test_bad_fit_options_fail_with_one_line(runs_csv, tmp_path, monkeypatch, args, code, message):
    monkeypatch.chdir(tmp_path)
    r = invoke("fit", runs_csv, *args)
    assert_one_line_error(r, code, message)


def test_a_law_file_with_a_bad_fit_table_is_refused_by_name(runs_csv, tmp_path):
    out = tmp_path / "law.toml"
    assert invoke("fit", runs_csv, "--tie", "alpha=beta", "--errors", "asymptotic", "-o", out).exit_code == 0
    text = out.read_text()
    bad = tmp_path / "bad.toml"
    bad.write_text(text.replace('tied = ["alpha=beta"]', 'tied = ["alpha=gamma"]'))
    assert_one_line_error(invoke("--law", bad, "--flops", "1e22"), 1, "'tied' entries must be NAME=NAME")
    bad.write_text(text.replace('objective_function = "huber-log"', 'objective_function = "l1"'))
    assert_one_line_error(invoke("--law", bad, "--flops", "1e22"), 1, "'objective_function' must be one of")
    bad.write_text(text.replace("[fit]\n", "[fit]\nfixed = { Z = 1.0 }\n"))
    assert_one_line_error(invoke("--law", bad, "--flops", "1e22"), 1, "'Z'")
