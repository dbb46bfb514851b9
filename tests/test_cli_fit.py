"""plan fit and plan design from the command line: reports, law files that plan --law uses, every error path."""

import json
import os

import numpy as np
import pytest
from click.testing import CliRunner

from planner.fitting.varpro import EXPONENT_GRID
from planner.cli import cli
from planner.laws import ParametricLaw
from planner.files.presets import load_law_file

from planner.base.units import format_coefficient

from .goldens import assert_one_line_error
from .strategies import simulated_runs

TRUTH = ParametricLaw(E=1.8172, A=482.01, B=2085.43, alpha=0.3478, beta=0.3658)


@pytest.fixture(scope="module")
def runs_csv(tmp_path_factory):
    """30 simulated runs with 1 % noise (5 sizes × 6 token ratios), as a user's CSV."""
    N, D, L = simulated_runs(TRUTH, np.geomspace(5e7, 5e9, 5), np.geomspace(2, 200, 6), noise=0.01, seed=1)
    path = tmp_path_factory.mktemp("runs") / "runs.csv"
    path.write_text("n_params,tokens,loss\n" + "".join(f"{float(n)!r},{float(d)!r},{float(l)!r}\n" for n, d, l in zip(N, D, L)))
    return path


def invoke(*args, **kwargs):
    return CliRunner().invoke(cli, [str(a) for a in args], **kwargs)


def test_fit_then_plan_with_the_written_law(runs_csv, tmp_path):
    """plan fit runs.csv -o mylaw.toml && plan --law mylaw.toml --flops 1e22 works."""
    out = tmp_path / "mylaw.toml"
    r = invoke("fit", runs_csv, "-o", out)
    assert r.exit_code == 0, r.output
    assert "Fit · parametric law · 30 runs from runs.csv" in r.stdout
    # 80 columns: the plans' headers are short, with a legend ("D/N: tokens per parameter").
    assert "alpha" in r.stdout and "D/N: tokens per parameter" in r.stdout and "Residuals of log L" in r.stdout
    assert f"Wrote {out}" in r.stderr
    law = load_law_file(out)
    assert law.id == "mylaw" and law.form == "parametric"
    assert law.fitted_range["n_params"] == pytest.approx((5e7, 5e9))
    assert law.fit["n_runs"] == 30
    r2 = invoke("--law", out, "--flops", "1e22")
    assert r2.exit_code == 0, r2.output
    assert "Compute-optimal plan · mylaw" in r2.stdout


def test_law_file_round_trip_keeps_coefficients_and_bootstrap_samples(runs_csv, tmp_path):
    """The written file reloads to the same coefficients; [uncertainty] holds sample_names and the samples."""
    out = tmp_path / "boot.toml"
    r = invoke("fit", runs_csv, "-o", out, "--bootstrap", 30, "--seed", 3, "--format", "json")
    assert r.exit_code == 0, r.output
    report = json.loads(r.stdout)
    law = load_law_file(out)
    for name, value in report["coefficients"].items():
        assert law.coefficients[name] == value      # repr-exact floats
    unc = law.uncertainty
    assert unc.sample_names == ("E", "A", "B", "alpha", "beta")
    assert len(unc.samples) == 30 - report["bootstrap"]["n_failed"]
    assert unc.intervals["alpha"] == pytest.approx(report["bootstrap"]["intervals"]["alpha"])
    assert unc.interval_level == 95 and unc.seed == 3


def test_same_seed_same_numbers(runs_csv):
    a = invoke("fit", runs_csv, "--bootstrap", 20, "--seed", 42, "--format", "json")
    b = invoke("fit", runs_csv, "--bootstrap", 20, "--seed", 42, "--format", "json")
    assert a.exit_code == b.exit_code == 0
    assert json.loads(a.stdout)["bootstrap"] == json.loads(b.stdout)["bootstrap"]
    plans = json.loads(a.stdout)["plans"]
    assert all(p["n_params_lo"] <= p["n_params"] <= p["n_params_hi"] for p in plans)


def test_json_report_plans_at_the_budgets_asked(runs_csv):
    r = invoke("fit", runs_csv, "--flops", "1e21", "--flops", "3e23", "--format", "json")
    assert r.exit_code == 0, r.output
    report = json.loads(r.stdout)
    assert [p["flops"] for p in report["plans"]] == [1e21, 3e23]
    assert report["exponents"]["a"] + report["exponents"]["b"] == pytest.approx(1.0)
    assert report["n_starts"] == len(EXPONENT_GRID) ** 2 and report["data_range"]["n_params"] == pytest.approx([5e7, 5e9])


def test_no_overwrite_without_force(runs_csv, tmp_path):
    out = tmp_path / "mylaw.toml"
    out.write_text("keep me")
    r = invoke("fit", runs_csv, "-o", out)
    assert r.exit_code == 1
    assert r.stderr == f"Error: {str(out)!r} already exists; pass --force to overwrite it\n"  # as plan plot says it
    assert out.read_text() == "keep me"
    r = invoke("fit", runs_csv, "-o", out, "--force")
    assert r.exit_code == 0 and load_law_file(out).form == "parametric"
    assert [p for p in os.listdir(tmp_path) if p.endswith(".tmp")] == []   # atomic write left no temp file


def test_written_law_file_gets_the_usual_permissions_not_mkstemps_0600(runs_csv, tmp_path):
    """QA: the atomic writer's temporary file is 0600; renamed into place, a law file was unreadable to the group."""
    old = os.umask(0o022)
    try:
        out = tmp_path / "mylaw.toml"
        assert invoke("fit", runs_csv, "-o", out).exit_code == 0
        assert out.stat().st_mode & 0o777 == 0o644
    finally:
        os.umask(old)


def test_output_dash_is_a_usage_error_not_a_file_named_dash(runs_csv, tmp_path, monkeypatch):
    """QA: 'plan fit runs.csv -o -' wrote a law file literally called '-'."""
    monkeypatch.chdir(tmp_path)
    r = invoke("fit", runs_csv, "-o", "-")
    assert r.exit_code == 2 and len(r.stderr.strip().splitlines()) == 1
    assert "-o -" in r.stderr and "mylaw.toml" in r.stderr
    assert not (tmp_path / "-").exists()


def test_a_negative_seed_is_a_usage_error(runs_csv):
    """QA: 'plan fit runs.csv --bootstrap 5 --seed -1' showed numpy's traceback (default_rng takes seeds >= 0)."""
    r = invoke("fit", runs_csv, "--bootstrap", "5", "--seed", "-1")
    assert r.exit_code == 2 and r.stderr.startswith("Error: Invalid value for '--seed'")
    assert len(r.stderr.strip().splitlines()) == 1


def test_bootstrap_into_a_log_leaves_no_blank_line_on_stderr(runs_csv, tmp_path):
    """QA: with stderr not a terminal, the transient progress bar left one empty line before 'Wrote ...'."""
    r = invoke("fit", runs_csv, "--bootstrap", "5", "-o", tmp_path / "b.toml")
    assert r.exit_code == 0
    assert any(line.startswith("Wrote ") for line in r.stderr.splitlines()) and "" not in r.stderr.splitlines()


def test_stdin_and_kaplan_form(runs_csv):
    r = invoke("fit", "-", "--form", "kaplan", "--format", "json", input=runs_csv.read_text())
    assert r.exit_code == 0, r.output
    report = json.loads(r.stdout)
    assert report["form"] == "kaplan" and set(report["coefficients"]) == {"alpha_N", "alpha_D", "N_c", "D_c"}


def test_design_then_isoflop_fit(tmp_path):
    """plan design proposes an isoFLOP grid; losses from a known law on it fit back with --isoflop."""
    r = invoke("design", "--flops", "1e18", "--flops", "1e19", "--flops", "1e20", "--flops", "1e21",
               "--format", "json")
    assert r.exit_code == 0, r.output
    rows = json.loads(r.stdout)
    assert len(rows) == 4 * 9
    lines = ["n_params,tokens,flops,loss"] + [
        f"{x['n_params']!r},{x['n_tokens']!r},{x['flops']!r},{float(TRUTH.loss(x['n_params'], x['n_tokens']))!r}" for x in rows]
    path = tmp_path / "iso.csv"
    path.write_text("\n".join(lines) + "\n")
    out = tmp_path / "iso.toml"
    r = invoke("fit", path, "--isoflop", "-o", out, "--format", "json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["exponents"]["a"] == pytest.approx(TRUTH.exponents[0], abs=0.02)
    assert load_law_file(out).form == "allocation"
    assert invoke("--law", out, "--flops", "1e22").exit_code == 0


def test_design_table_and_csv():
    r = invoke("design", "--flops", "1e19", "--models", "5", "--span", "10")
    assert r.exit_code == 0 and "IsoFLOP design" in r.stdout
    r = invoke("design", "--flops", "1e19", "--models", "3", "--format", "csv")
    assert r.stdout.splitlines()[0] == "flops,n_params,n_tokens,tokens_per_param,loss" and len(r.stdout.splitlines()) == 4
    assert all(line.endswith(",") for line in r.stdout.splitlines()[1:])   # the loss is left to fill in


@pytest.mark.parametrize("content, args, message", [
    ("params,loss\n1e8,3\n", [], "has neither a tokens nor a flops column"),
    ("params,tokens,loss\n1e8,2e9,x\n", [], "line 2, column 'loss': expected a number, got 'x'"),
    ("params,tokens,loss\n1e8,0,3\n", [], "line 2, column 'tokens': n_tokens must be a finite number > 0"),
    ("params,tokens,loss\n1e8,2e9,3\n2e8,4e9,2.9\n4e8,8e9,2.8\n", [], "3 runs cannot fit a law with 5 coefficients"),
    ("params,tokens,loss\n" + "".join(f"1e8,{d},3\n" for d in (1e9, 2e9, 3e9, 4e9, 5e9, 6e9)), [],
     "every run has the same model size"),
    ("params,tokens,loss\n" + "".join(f"{n},2e9,3\n" for n in (1e8, 2e8, 3e8, 4e8, 5e8, 6e8)), [],
     "every run has the same token count"),
    ("params,tokens,loss\n1e8,2e9,3\n", ["--loss-column", "xent"], "no column 'xent' (given by --loss-column)"),
    ("params,tokens,loss\n" + "".join(f"{n},{d},{2 + 1e-3 * n ** 0.2 + 1e-3 * d ** 0.15}\n"
                                       for n in (1e8, 1e9, 1e10) for d in (1e9, 1e10, 1e11)), [],
     "non-positive exponent"),
    ("params,tokens,loss\n" + "".join(f"{n},{1e18 / (6 * n)},{3 + abs(n - 3e8) / 1e9}\n" for n in (1e8, 2e8, 3e8, 4e8, 5e8)),
     ["--isoflop"], "isoFLOP fitting needs at least 3 budgets"),
])
def test_bad_runs_exit_1_with_one_line(tmp_path, content, args, message):
    path = tmp_path / "runs.csv"
    path.write_text(content)
    r = invoke("fit", path, *args)
    assert r.exit_code == 1, r.output
    assert r.stderr.startswith("Error: ") and message in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    assert "Traceback" not in r.output


@pytest.mark.parametrize("args, message", [
    (["--isoflop", "--form", "kaplan"], "does not combine with --form"),
    (["--isoflop", "--curves"], "two different fits; give one"),
    (["--bootstrap", "-1"], "--bootstrap"),
    (["--form", "cubic"], "--form"),
    (["--level", "100"], "--level"),
])
def test_bad_options_exit_2(runs_csv, args, message):
    r = invoke("fit", runs_csv, *args)
    assert r.exit_code == 2, r.output
    assert message in r.stderr


def test_missing_runs_file_and_directory_output(runs_csv, tmp_path):
    r = invoke("fit", tmp_path / "nope.csv")
    assert r.exit_code == 1 and "not found" in r.stderr
    r = invoke("fit", runs_csv, "-o", tmp_path, "--force")
    assert r.exit_code == 1 and "is a directory" in r.stderr
    r = invoke("fit", runs_csv, "-o", tmp_path / "nope" / "law.toml")
    assert r.exit_code == 1, r.output
    assert r.stderr == f"Error: cannot write {str(tmp_path / 'nope' / 'law.toml')!r}: folder " \
                       f"{str(tmp_path / 'nope')!r} does not exist\n"


def test_design_errors():
    r = invoke("design")
    assert r.exit_code == 2 and "--flops" in r.stderr
    r = invoke("design", "--flops", "1e19", "--models", "2")
    assert r.exit_code == 2
    r = invoke("design", "--flops", "-5")
    assert r.exit_code == 2


def test_a_fit_on_the_edge_of_the_search_warns_on_stderr(tmp_path):
    """Losses that do not depend on D: the fit still reports, and stderr says which coefficient is on the edge."""
    N = np.repeat(np.geomspace(1e8, 1e10, 6), 4)
    D = np.tile(np.geomspace(1e9, 1e11, 4), 6)
    path = tmp_path / "flat.csv"
    path.write_text("N,D,L\n" + "".join(f"{n!r},{d!r},{2.0 + 300.0 / n ** 0.3!r}\n" for n, d in zip(N.tolist(), D.tolist())))
    r = invoke("fit", path, "--format", "json")
    assert r.exit_code == 0, r.output
    assert "Warning: " in r.stderr and "edge" in r.stderr
    assert json.loads(r.stdout)["warnings"]


# --- tied and fixed coefficients, objectives, bootstrap errors by default, back-tests, comparisons, diagnostics ---

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
    assert "alpha = beta (tied), E = 1.9 (fixed, not fitted)" in " ".join(table.split())
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


@pytest.mark.slow  # estimator comparison
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
    (["--tie", "gamma=beta"], 2, "cannot tie 'gamma'"),
    (["--tie", "alpha"], 2, "a tie is NAME=NAME"),
    (["--fix", "E=abc"], 2, "'E' needs a number"),
    (["--fix", "E"], 2, "expected NAME=VALUE"),
    (["--fix", "E=-1"], 2, "a fixed E must be a finite number > 0"),
    (["--fix", "E=1e300"], 2, "a fixed E is a loss in nats per token and must be at most 1e+06 (got 1e+300)"),
    (["--tie", "alpha=beta", "--fix", "alpha=0.3"], 2, "both tied and fixed"),
    (["--holdout", "30"], 1, "cannot hold out 30 of 30 runs"),
    (["--holdout", "26"], 1, "which leaves 4 to fit: 4 runs cannot fit a law with 5 coefficients"),
    (["--holdout-above", "1e30"], 1, "nothing to hold out; give a smaller --holdout-above"),
    (["--holdout", "2", "--holdout-above", "1e20"], 2, "not both"),
    (["--compare", "--tie", "alpha=beta"], 2, "--compare fits its own estimators"),
    (["--compare", "-o", "x.toml"], 2, "does not combine with -o"),
    (["--errors", "asymptotic", "--bootstrap", "10"], 2, "does not combine with --errors asymptotic"),
    (["--isoflop", "--tie", "alpha=beta"], 2, "not --isoflop"),
    (["--isoflop", "--holdout", "2"], 2, "which an allocation rule (--isoflop) does not give"),
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


def test_five_untied_runs_are_refused_with_the_way_out(tmp_path):
    N, D, L = simulated_runs(TRUTH, np.geomspace(5e7, 5e9, 5), [20.0])
    path = tmp_path / "five.csv"
    path.write_text("N,D,L\n" + "".join(f"{n!r},{d!r},{l!r}\n" for n, d, l in zip(N.tolist(), D.tolist(), L.tolist())))
    assert_one_line_error(invoke("fit", path), 1, "5 runs cannot fit a law with 5 coefficients: give at least 6 runs, "
                                                  "or tie or fix coefficients (--tie alpha=beta leaves 4)")


def test_the_progress_bar_waits_a_second_and_then_draws_on_a_terminal(monkeypatch):
    """A fit shorter than PROGRESS_DELAY draws nothing; a longer one on a terminal starts a bar, updates and stops it."""
    import planner.cli.output as output_cli

    progress = output_cli.Progress()
    progress("grid", 1, 10)
    assert progress.bar is None                         # under a second: nothing yet
    monkeypatch.setattr(output_cli, "PROGRESS_DELAY", 0.0)
    monkeypatch.setattr("rich.console.Console.is_terminal", property(lambda self: True))
    with output_cli.Progress() as progress:
        progress("grid", 1, 10)
        progress("bootstrap", 5, 500)
        task = progress.bar.tasks[0]
        assert task.description == "bootstrap" and task.completed == 5 and task.total == 500
    assert not progress.bar.live.is_started
    monkeypatch.setattr("rich.console.Console.is_terminal", property(lambda self: False))
    progress = output_cli.Progress()
    progress("grid", 1, 10)
    assert progress.bar is None and progress.off        # not a terminal: never a bar (no stray blank line in logs)
