"""``plan versus BASE VARIANT``: presets, law files and runs files fitted on the spot; every format, -o, errors."""

import csv
import io
import json

import numpy as np
import pytest
from click.testing import CliRunner

from planner.cli import cli
from planner.files.presets import load_preset
from planner.planning.versus import compute_multiplier

from .goldens import assert_one_line_error
from .strategies import simulated_runs
from .versus_trials import BASE, RATIOS, SIZES, variant_law

ROW_KEYS = ["flops", "base_loss", "variant_loss", "compute_multiplier"]


def invoke(*args, **kwargs):
    return CliRunner().invoke(cli, [str(a) for a in args], **kwargs)


def _write_runs(path, law, seed):
    N, D, L = simulated_runs(law, SIZES, RATIOS, noise=0.005, seed=seed)
    path.write_text("n_params,tokens,loss\n" + "".join(f"{float(n)!r},{float(d)!r},{float(l)!r}\n"
                                                         for n, d, l in zip(N, D, L)))
    return path


@pytest.fixture(scope="module")
def ladders(tmp_path_factory):
    """Two 24-run ladders (0.5% noise): the base, and a variant worth exactly 2× its compute."""
    d = tmp_path_factory.mktemp("ladders")
    return _write_runs(d / "base.csv", BASE, 1), _write_runs(d / "variant.csv", variant_law(BASE, 2.0), 2)


@pytest.fixture(autouse=True)
def coarse_grid(monkeypatch):
    """Fits from a 3⁵ = 243-start grid to stay fast; the 4,500-start grid is tested in test_fit*.py."""
    monkeypatch.setattr("planner.fitting.parametric.PARAMETRIC_GRID", {
        "alpha": (0.2, 0.5, 0.8), "beta": (0.2, 0.5, 0.8), "e": (0.0, 0.5, 1.0), "a": (4.0, 7.0, 10.0),
        "b": (4.0, 7.0, 10.0)})


def test_json_rows_carry_exactly_the_issue_keys_and_the_crossover_is_a_field():
    r = invoke("versus", "hoffmann2022", "besiroglu2024", "--flops", "1e21", "--flops", "1e23", "--format", "json")
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert [list(row) for row in doc["budgets"]] == [ROW_KEYS, ROW_KEYS]
    assert doc["base"] == "hoffmann2022" and doc["variant"] == "besiroglu2024"
    assert doc["frontier"] == "compute-optimal"
    assert doc["crossover_flops"] == [] and doc["crossover_search_range"] == [1e21, 1e23]
    k = compute_multiplier(load_preset("hoffmann2022"), load_preset("besiroglu2024"), [1e21, 1e23])
    assert [row["compute_multiplier"] for row in doc["budgets"]] == pytest.approx(list(k), rel=1e-12)


def test_throughput_adds_the_speedup_and_ci_adds_low_and_high_beside_each():
    r = invoke("versus", "besiroglu2024", "besiroglu2024", "--flops", "1e21", "--throughput", "433986", "410000",
               "--ci", "90", "--format", "json")
    assert r.exit_code == 0, r.output
    (row,) = json.loads(r.stdout)["budgets"]
    assert list(row) == ["flops", "base_loss", "base_loss_low", "base_loss_high", "variant_loss", "variant_loss_low",
                         "variant_loss_high", "compute_multiplier", "compute_multiplier_low",
                         "compute_multiplier_high", "speedup", "speedup_low", "speedup_high"]
    assert row["compute_multiplier"] == pytest.approx(1.0, rel=1e-9)
    assert row["speedup"] == pytest.approx(410000 / 433986, rel=1e-9)
    # A law against independent draws of itself: no detectable difference.
    assert row["compute_multiplier_low"] < 1 < row["compute_multiplier_high"]
    assert json.loads(r.stdout)["verdicts"] == ["no detectable difference at this budget"]


def test_the_table_names_the_frontier_the_crossover_and_the_verdict():
    r = invoke("versus", "hoffmann2022", "besiroglu2024", "--flops-range", "1e19", "1e25", "--points", "3")
    assert r.exit_code == 0, r.output
    assert "compute-optimal frontier" in r.stdout
    assert "Crossover (frontiers meet, k = 1):" in r.stdout
    assert "base better" in r.stdout or "variant better" in r.stdout
    assert r.stderr.startswith("Warning:") and "extrapolate" in r.stderr   # warnings on stderr


def test_a_crossover_in_range_is_reported_with_its_direction():
    """hoffmann2022 against besiroglu2024 (E 1.69 < 1.82): the frontiers meet once between 1e16 and 1e20."""
    r = invoke("versus", "besiroglu2024", "hoffmann2022", "--flops", "1e17", "--crossover-range", "1e15", "1e26",
               "--format", "json")
    doc = json.loads(r.stdout)
    assert len(doc["crossover_flops"]) >= 1
    r2 = invoke("versus", "besiroglu2024", "hoffmann2022", "--flops", "1e17", "--crossover-range", "1e15", "1e26")
    assert "winning there" in r2.stdout


@pytest.mark.parametrize("fmt", ["csv", "markdown", "latex", "table"])
def test_every_format(fmt):
    r = invoke("versus", "hoffmann2022", "besiroglu2024", "--flops", "1e21", "--format", fmt,
               "--throughput", "1", "2")
    assert r.exit_code == 0, r.output
    if fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(r.stdout)))
        assert list(rows[0]) == ROW_KEYS + ["speedup"]
        assert float(rows[0]["speedup"]) == pytest.approx(2 * float(rows[0]["compute_multiplier"]), rel=1e-12)
    else:
        # k at 1e21 (checked against an oracle in test_planning_versus.py), 3 digits
        assert ("0.899$\\times$" if fmt == "latex" else "0.899×") in r.stdout


def test_output_file_and_no_overwrite_without_force(tmp_path):
    out = tmp_path / "versus.json"
    r = invoke("versus", "hoffmann2022", "besiroglu2024", "--flops", "1e24", "-o", out)
    assert r.exit_code == 0, r.output
    doc = json.loads(out.read_text())
    assert doc["budgets"][0]["flops"] == 1e24
    assert any("extrapolation" in w for w in doc["warnings"])   # the warnings travel with the file
    again = invoke("versus", "hoffmann2022", "besiroglu2024", "--flops", "1e21", "-o", out)
    assert again.exit_code == 1 and "--force" in again.stderr


def test_runs_files_are_fitted_and_recover_the_known_multiplier(ladders):
    base, variant = ladders
    r = invoke("versus", base, variant, "--flops", "1e20", "--ci", "90", "--bootstrap", "100", "--format", "json")
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    (row,) = doc["budgets"]
    assert doc["base"] == "base" and doc["variant"] == "variant"
    assert row["compute_multiplier"] == pytest.approx(2.0, rel=0.35)
    assert row["compute_multiplier_low"] < 2.0 < row["compute_multiplier_high"]
    assert doc["verdicts"] == ["variant better"]


def test_a_law_file_written_by_plan_fit_is_accepted(ladders, tmp_path):
    base, _ = ladders
    law = tmp_path / "base.toml"
    assert invoke("fit", base, "-o", law, "--bootstrap", "20").exit_code == 0
    r = invoke("versus", law, "besiroglu2024", "--flops", "1e20", "--format", "json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["base"] == "base"


def test_fit_options_apply_to_runs_files(ladders):
    base, variant = ladders
    r = invoke("versus", base, variant, "--flops", "1e20", "--fix", "E=1.82", "--tie", "alpha=beta",
               "--format", "json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["budgets"][0]["compute_multiplier"] > 1


def test_plan_fits_weighting_and_asymmetric_objective_apply_to_runs_files(ladders, tmp_path):
    """plan fit's model options reach versus's fits: the asymmetric objective with sqrt(C) weights moves k(C) away
    from the default fit's (oracle: each side refitted by plan fit with the same options, compared through its law
    file), and --overestimate-penalty alone is refused as in plan fit."""
    base, variant = ladders
    opts = ("--objective", "asymmetric", "--weight-by", "compute", "--overestimate-penalty", "4")
    default = invoke("versus", base, variant, "--flops", "1e20", "--format", "json")
    weighted = invoke("versus", base, variant, "--flops", "1e20", "--format", "json", *opts)
    assert default.exit_code == 0 and weighted.exit_code == 0, weighted.output
    k = json.loads(weighted.stdout)["budgets"][0]["compute_multiplier"]
    assert k != pytest.approx(json.loads(default.stdout)["budgets"][0]["compute_multiplier"], rel=1e-6)
    laws = []
    for name, runs in (("b", base), ("v", variant)):
        out = tmp_path / f"{name}.toml"
        r = invoke("fit", runs, "--errors", "asymptotic", "-o", out, *opts)
        assert r.exit_code == 0, r.output
        laws.append(out)
    by_files = invoke("versus", *laws, "--flops", "1e20", "--format", "json")
    assert k == pytest.approx(json.loads(by_files.stdout)["budgets"][0]["compute_multiplier"], rel=1e-6)
    assert_one_line_error(invoke("versus", base, variant, "--flops", "1e20", "--overestimate-penalty", "4"), 2,
                          "--objective asymmetric")


@pytest.mark.parametrize("args, code, message", [
    (("versus", "hoffmann2022", "besiroglu2024"), 2, "give the budgets"),
    (("versus", "hoffmann2022", "nosuch", "--flops", "1e21"), 1, "unknown preset 'nosuch'"),
    (("versus", "hoffmann2022", "missing.csv", "--flops", "1e21"), 2, "no such file 'missing.csv'"),
    (("versus", "hoffmann2022", "besiroglu2024", "--flops", "1e21", "--bootstrap", "10"), 2, "give --ci LEVEL"),
    (("versus", "hoffmann2022", "besiroglu2024", "--flops", "1e21", "--crossover-range", "1e22", "1e20"), 2,
     "start must not exceed stop"),
    (("versus", "hoffmann2022", "besiroglu2024", "--flops", "1e21", "--throughput", "0", "1"), 2, "--throughput"),
    (("versus", "llama3", "besiroglu2024", "--flops", "1e21"), 1, "predicts no loss"),
    (("versus", "krajewski2024", "besiroglu2024", "--flops", "1e21"), 1, "mixture-of-experts"),
])
def test_mistakes_are_one_line_errors(args, code, message):
    assert_one_line_error(invoke(*args), code, message)


def test_a_runs_file_that_cannot_be_fitted_is_one_line(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("n_params,tokens,loss\n1e8,2e9,3.0\n")
    assert_one_line_error(invoke("versus", bad, "besiroglu2024", "--flops", "1e21"), 1, "fitting BASE runs file")


def test_a_loss_the_base_never_reaches_is_infinity_in_the_table_and_null_in_json():
    """besiroglu2024's floor E = 1.82 lies above hoffmann2022's loss at 1e30 FLOPs."""
    table = invoke("versus", "besiroglu2024", "hoffmann2022", "--flops", "1e30")
    assert "∞" in table.stdout and "variant better" in table.stdout
    (row,) = json.loads(invoke("versus", "besiroglu2024", "hoffmann2022", "--flops", "1e30", "--format",
                               "json").stdout)["budgets"]
    assert row["compute_multiplier"] is None


def test_the_two_law_files_of_one_joint_fit_are_compared_as_the_joint_fit_compares_them(ladders, tmp_path):
    """plan fit A B --share E writes one law file per ladder with its refits; plan versus on the two recognises them
    (E drawn identically, row for row) and pairs the draws row by row, so its interval on k is the joint fit's own.
    Drawn as two independent bootstraps, the variant's E would be shuffled against the base's and the interval
    would be far wider."""
    base, variant = ladders
    fit = invoke("fit", base, variant, "--share", "E", "--bootstrap", "40", "--flops", "1e21", "--flops", "1e23",
                 "--format", "json", "-o", tmp_path / "{stem}-joint.toml")
    assert fit.exit_code == 0, fit.output
    joint = {m["flops"]: m for m in json.loads(fit.stdout)["multipliers"]}
    r = invoke("versus", tmp_path / "base-joint.toml", tmp_path / "variant-joint.toml", "--flops", "1e21",
               "--flops", "1e23", "--ci", "95", "--format", "json")
    assert r.exit_code == 0, r.output
    for row in json.loads(r.stdout)["budgets"]:
        m = joint[row["flops"]]
        for key in ("compute_multiplier", "compute_multiplier_low", "compute_multiplier_high"):
            assert row[key] == pytest.approx(m[key], rel=1e-6), key
    table = invoke("versus", tmp_path / "base-joint.toml", tmp_path / "variant-joint.toml", "--flops", "1e21",
                   "--ci", "95", env={"COLUMNS": "200"})
    assert "40 paired draws (row by row: one joint fit's refits, shared coefficients in common)" in table.stdout
