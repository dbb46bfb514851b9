"""plan fit --isoflop and plan plot isoflop RUNS / plan plot curves from the command line: budget columns found by
name, the window and method options, the bootstrap, labelled residuals, law files, figures, and every error path."""

import json

import numpy as np
import pytest
from click.testing import CliRunner

from planner.cli import cli
from planner.files.presets import load_law_file

from .goldens import assert_one_line_error
from .sweeps import sweeps, training_curves
from .test_fitting_isoflop import BESIROGLU, BUDGETS

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def invoke(*args, **kwargs):
    return CliRunner().invoke(cli, [str(a) for a in args], **kwargs)


def _write(path, header, rows):
    path.write_text(",".join(header) + "\n" + "".join(",".join(repr(float(v)) for v in row) + "\n" for row in rows))
    return path


@pytest.fixture(scope="module")
def sweep(tmp_path_factory):
    """Seven noisy sweeps whose 6ND spreads 0.93–1.35× their nominal budget, with that budget in a column."""
    N, D, L, C, rho, _ = sweeps(BESIROGLU, BUDGETS, seed=4, noise=0.002, sizes=(8, 12), span=(100, 300))
    return N, D, L, C, tmp_path_factory.mktemp("sweep")


@pytest.mark.parametrize("name", ["budget", "Budget FLOPs", "flops_budget", "Compute Budget", "ISOFLOP", "isoflop-budget"])
def test_a_budget_column_is_found_by_name(sweep, name):
    N, D, L, C, tmp = sweep
    path = _write(tmp / "b.csv", ["params", "tokens", "loss", name], zip(N, D, L, C))
    r = invoke("fit", path, "--isoflop", "--format", "json")
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert doc["grouping"] == f"from column {name!r}"
    assert [b["flops"] for b in doc["budgets"]] == pytest.approx(list(BUDGETS), rel=1e-12)
    assert [b["n_runs"] for b in doc["budgets"]] == [int(np.sum(C == c)) for c in BUDGETS]


def test_budget_column_option_and_clustering_without_one(sweep):
    N, D, L, C, tmp = sweep
    path = _write(tmp / "target.csv", ["params", "tokens", "loss", "target"], zip(N, D, L, C))
    named = json.loads(invoke("fit", path, "--isoflop", "--budget-column", "target", "--format", "json").stdout)
    assert named["grouping"] == "from column 'target'"
    clustered = json.loads(invoke("fit", path, "--isoflop", "--format", "json").stdout)
    assert clustered["grouping"].startswith("by clustering")
    assert [b["n_runs"] for b in clustered["budgets"]] == [b["n_runs"] for b in named["budgets"]]
    assert clustered["exponents"]["a"] == pytest.approx(BESIROGLU.exponents[0], abs=0.03)


def test_the_report_lists_budgets_with_run_counts_and_labels_both_residuals(sweep):
    N, D, L, C, tmp = sweep
    last = C == BUDGETS[-1]
    best = N[last][np.argmin(L[last])]
    keep = ~(last & (N < best))  # the last budget keeps its best size and the larger ones: its minimum is at an edge
    path = _write(tmp / "skip.csv", ["params", "tokens", "loss"], zip(N[keep], D[keep], L[keep]))
    r = invoke("fit", path, "--isoflop", env={"COLUMNS": "100"})
    assert r.exit_code == 0, r.output
    assert "IsoFLOP budgets: 7 found by clustering" in r.stdout and "6 used" in r.stdout
    assert "Residuals of log L around each budget's parabola: RMS" in r.stdout
    assert "Residuals of log N_opt around the power law: RMS" in r.stdout
    assert "Skipped: C = " in r.stdout and "its lowest loss is at its smallest or largest size" in r.stdout
    assert r.stderr.count("Warning: the budget at C = ") == 1
    for c in BUDGETS[:-1]:
        assert f"{int(np.sum(C == c))} " in r.stdout


@pytest.mark.parametrize("args", [["--isoflop-window", "all"], ["--isoflop-window", "2.5"],
                                  ["--isoflop-method", "akima"]])
def test_window_and_method_options(sweep, args):
    N, D, L, C, tmp = sweep
    path = _write(tmp / "w.csv", ["params", "tokens", "loss"], zip(N, D, L))
    doc = json.loads(invoke("fit", path, "--isoflop", *args, "--format", "json").stdout)
    assert doc["exponents"]["a"] == pytest.approx(BESIROGLU.exponents[0], abs=0.06)
    if args[0] == "--isoflop-window":
        assert doc["isoflop_window"] == (None if args[1] == "all" else 2.5)
        assert all(b["window_runs"] == b["n_runs"] for b in doc["budgets"]) == (args[1] == "all")
    else:
        assert doc["isoflop_method"] == "akima" and doc["residuals_log_loss"] == {}


@pytest.mark.parametrize("value", ["1", "0.5", "inf", "wide"])
def test_a_bad_window_is_a_usage_error(sweep, value):
    N, D, L, C, tmp = sweep
    path = _write(tmp / "bad.csv", ["params", "tokens", "loss"], zip(N, D, L))
    r = invoke("fit", path, "--isoflop", "--isoflop-window", value)
    assert r.exit_code == 2 and "--isoflop-window" in r.stderr and "Traceback" not in r.output


def test_isoflop_bootstrap_is_reproducible_and_the_law_file_carries_it(sweep, tmp_path):
    N, D, L, C, tmp = sweep
    path = _write(tmp / "boot.csv", ["params", "tokens", "loss"], zip(N, D, L))
    out = tmp_path / "iso.toml"
    a = invoke("fit", path, "--isoflop", "--bootstrap", 200, "--seed", 5, "--format", "json", "-o", out)
    b = invoke("fit", path, "--isoflop", "--bootstrap", 200, "--seed", 5, "--format", "json", "--id", "iso")
    c = invoke("fit", path, "--isoflop", "--bootstrap", 200, "--seed", 6, "--format", "json", "--id", "iso")
    assert a.exit_code == b.exit_code == c.exit_code == 0, a.output
    assert a.stdout == b.stdout and a.stdout != c.stdout
    doc = json.loads(a.stdout)
    assert doc["bootstrap"]["seed"] == 5 and doc["bootstrap"]["n_resamples"] == 200
    lo, hi = doc["bootstrap"]["intervals"]["exponent"]
    assert lo < doc["exponents"]["a"] < hi
    assert all(b["n_params_lo"] < b["n_params"] < b["n_params_hi"] for b in doc["budgets"])
    assert all("n_params_lo" in p for p in doc["plans"])
    law = load_law_file(out)
    assert law.uncertainty.seed == 5 and law.uncertainty.n_resamples == 200
    assert "--isoflop --bootstrap 200 --seed 5" in law.citation["where"]
    r = invoke("--law", out, "--flops", "1e21", "--ci", "90")
    assert r.exit_code == 0 and "(" in r.stdout


@pytest.mark.parametrize("content, args, message", [
    ("params,tokens,loss\n1e8,1e9,3\n", ["--budget-column", "budget"], "no column 'budget' (given by --budget-column)"),
    ("params,tokens,loss,budget\n1e8,1e9,3,big\n", [], "line 2, column 'budget': expected a number, got 'big'"),
    ("params,tokens,loss,budget,compute budget\n1e8,1e9,3,1e18,1e18\n", [],
     "several columns that could be budget: 'budget', 'compute budget'; choose one with --budget-column"),
])
def test_bad_budget_columns_exit_1_with_one_line(tmp_path, content, args, message):
    path = tmp_path / "r.csv"
    path.write_text(content)
    assert_one_line_error(invoke("fit", path, "--isoflop", *args), 1, message)


def test_a_parametric_fit_ignores_a_budget_column(sweep):
    N, D, L, C, tmp = sweep
    path = _write(tmp / "p.csv", ["params", "tokens", "loss", "budget", "compute budget"], zip(N, D, L, C, C))
    r = invoke("fit", path, "--form", "kaplan", "--format", "json")
    assert r.exit_code == 0, r.output


# ---------------------------------------------------------------------------------------------------------------------
# figures


@pytest.fixture
def needs_matplotlib():
    pytest.importorskip("matplotlib")


def test_plot_isoflop_draws_the_users_sweeps(sweep, tmp_path, needs_matplotlib):
    N, D, L, C, tmp = sweep
    path = _write(tmp / "plot.csv", ["params", "tokens", "loss", "budget"], zip(N, D, L, C))
    out = tmp_path / "sweeps.png"
    r = invoke("plot", "isoflop", path, "--isoflop-window", "3", "-o", out)
    assert r.exit_code == 0, r.output
    assert out.read_bytes()[:8] == PNG_MAGIC and r.stderr.strip() == f"Wrote {out}"
    svg = tmp_path / "sweeps.svg"
    assert invoke("plot", "isoflop", path, "--isoflop-method", "akima", "-o", svg).exit_code == 0
    text = svg.read_text()
    assert "IsoFLOP profiles" in text and "Compute-optimal size" in text and "from column" in text


def test_plot_isoflop_runs_and_a_law_do_not_mix(sweep, tmp_path, needs_matplotlib):
    N, D, L, C, tmp = sweep
    path = _write(tmp / "mix.csv", ["params", "tokens", "loss"], zip(N, D, L))
    r = invoke("plot", "isoflop", path, "--preset", "chinchilla", "-o", tmp_path / "x.png")
    assert r.exit_code == 2 and "give one or the other" in r.stderr


def test_plot_curves_draws_the_envelope(tmp_path, needs_matplotlib):
    run, N, D, L = training_curves(BESIROGLU, np.geomspace(3e7, 3e9, 8), [5, 20, 80])
    path = tmp_path / "c.csv"
    path.write_text("run,params,tokens,loss\n" + "".join(f"{r},{n!r},{d!r},{x!r}\n"
                                                        for r, n, d, x in zip(run, N.tolist(), D.tolist(), L.tolist())))
    out = tmp_path / "env.svg"
    r = invoke("plot", "curves", path, "-o", out)
    assert r.exit_code == 0, r.output
    text = out.read_text()
    assert "Envelope of training curves" in text and "Compute-optimal data" in text
    assert_one_line_error(invoke("plot", "curves", tmp_path / "missing.csv", "-o", tmp_path / "m.png"), 1,
                          "missing.csv")


def test_without_a_bootstrap_each_n_opt_interval_is_its_delta_method_error(sweep):
    """N_opt (95%): exp(ln N_opt ± z·se) with z = scipy's normal 97.5% quantile, se the parabola's own error."""
    from scipy.stats import norm

    N, D, L, C, tmp = sweep
    path = _write(tmp / "z.csv", ["params", "tokens", "loss"], zip(N, D, L))
    doc = json.loads(invoke("fit", path, "--isoflop", "--format", "json").stdout)
    z = norm.ppf(0.975)
    checked = 0
    for b in doc["budgets"]:
        if b["n_params_log_se"] is not None:
            assert b["n_params_lo"] == pytest.approx(b["n_params"] * np.exp(-z * b["n_params_log_se"]), rel=1e-9)
            assert b["n_params_hi"] == pytest.approx(b["n_params"] * np.exp(z * b["n_params_log_se"]), rel=1e-9)
            checked += 1
    assert checked >= 5


@pytest.fixture(scope="module")
def asymmetric(tmp_path_factory):
    """Dense (15–25 sizes), quiet (0.01%) sweeps of asymmetric profiles: auto interpolates, and on some budgets the
    biased parabola lands outside the budget's interval (tests/test_fitting_profiles.py)."""
    from .test_fitting_profiles import ASYMMETRIC, DENSE

    N, D, L, C, _, _ = sweeps(ASYMMETRIC, BUDGETS, seed=2, noise=1e-4, **DENSE)
    return _write(tmp_path_factory.mktemp("asym") / "asym.csv", ["params", "tokens", "loss", "budget"],
                  zip(N, D, L, C))


@pytest.mark.parametrize("fmt", ["table", "markdown", "latex", "csv", "json"])
def test_each_budgets_estimator_and_the_disagreement_warning_are_in_every_format(asymmetric, fmt):
    """auto is the default; every format names each budget's estimator; the warning of a disagreement is on stderr
    in every format and, in JSON, under warnings too."""
    r = invoke("fit", asymmetric, "--isoflop", "--format", fmt, env={"COLUMNS": "200"})
    assert r.exit_code == 0, r.output
    doc = json.loads(invoke("fit", asymmetric, "--isoflop", "--format", "json").stdout)
    assert doc["isoflop_method"] == "auto"
    estimators = [b["estimator"] for b in doc["budgets"]]
    flagged = [b for b in doc["budgets"] if b["estimators_disagree"]]
    assert set(estimators) == {"akima"} and flagged
    for b in flagged:
        assert f"the budget at C = {b['flops']:.3g}:" in r.stderr
    assert r.stderr.count("Warning: the budget at C = ") == len(flagged)
    if fmt == "csv":
        import csv
        import io

        rows = list(csv.DictReader(io.StringIO(r.stdout)))
        per_budget = {(row["budgets_flops"], row["budgets_estimator"]) for row in rows}
        assert per_budget == {(repr(b["flops"]), b["estimator"]) for b in doc["budgets"]}
    elif fmt == "json":
        assert sum("the parabola's N_opt" in w for w in json.loads(r.stdout)["warnings"]) == len(flagged)
    else:
        assert r.stdout.count("akima") >= len(estimators) and "estimator" in r.stdout


def test_each_budget_carries_the_tolerance_its_disagreement_is_judged_by(asymmetric):
    """On these dense sweeps a budget is flagged exactly when its two estimators' N_opt differ by more than its
    estimators_tolerance (the factor the warning prints), so a script can see how close a call it was; the CSV
    carries it too."""
    doc = json.loads(invoke("fit", asymmetric, "--isoflop", "--format", "json").stdout)
    used = [b for b in doc["budgets"] if b["used"]]
    assert used and all(b["estimators_tolerance"] > 1 for b in used)
    for b in used:
        ratio = max(b["n_params"], b["other_n_params"]) / min(b["n_params"], b["other_n_params"])
        assert b["estimators_disagree"] == (ratio > b["estimators_tolerance"]), b
    assert {b["estimators_disagree"] for b in used} == {True, False}   # both kinds reached
    warned = invoke("fit", asymmetric, "--isoflop", "--format", "json").stderr
    for b in used:
        if b["estimators_disagree"]:
            assert f"×/÷ {b['estimators_tolerance']:.3g})" in warned
    assert "budgets_estimators_tolerance" in invoke("fit", asymmetric, "--isoflop", "--format", "csv").stdout


@pytest.mark.parametrize("method", ["parabola", "akima"])
def test_both_estimators_stay_available_by_name(asymmetric, method):
    doc = json.loads(invoke("fit", asymmetric, "--isoflop", "--isoflop-method", method, "--format", "json").stdout)
    assert doc["isoflop_method"] == method
    assert {b["estimator"] for b in doc["budgets"]} == {method}
    assert not any(b["estimators_disagree"] for b in doc["budgets"])   # only auto compares the two
    assert not any(b["estimators_tolerance"] for b in doc["budgets"])
