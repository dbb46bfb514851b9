"""plan fit A.csv B.csv --share E: the joint fit from the command line, its report in every format, one law file per
ladder through the -o template, and its usage errors."""

import json

import numpy as np
import pytest
from click.testing import CliRunner

from planner.cli import cli
from planner.files.presets import load_law_file
from planner.laws import ParametricLaw

from .goldens import assert_one_line_error
from .strategies import simulated_runs

BASE = ParametricLaw(E=1.8, A=400.0, B=1500.0, alpha=0.34, beta=0.30)
VARIANT = ParametricLaw(E=1.8, A=250.0, B=2500.0, alpha=0.31, beta=0.33)


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


@pytest.fixture(scope="module")
def ladders(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ladders")
    paths = []
    for name, law, seed in (("base", BASE, 1), ("variant", VARIANT, 2)):
        N, D, L = simulated_runs(law, np.geomspace(1e7, 3e9, 6), np.geomspace(4, 120, 5), noise=0.005, seed=seed)
        path = folder / f"{name}.csv"
        path.write_text("n_params,tokens,loss\n" + "".join(f"{float(n)!r},{float(d)!r},{float(l)!r}\n" for n, d, l in zip(N, D, L)))
        paths.append(path)
    return paths


def test_the_json_report_has_each_ladder_and_the_multipliers(ladders):
    r = invoke("fit", *ladders, "--share", "E", "--bootstrap", "50", "--flops", "1e21", "--format", "json")
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert doc["shared"] == ["E"] and doc["base"] == "base"
    base, variant = doc["ladders"]["base"], doc["ladders"]["variant"]
    assert base["coefficients"]["E"] == variant["coefficients"]["E"]
    assert base["coefficients"]["E"] == pytest.approx(1.8, rel=0.05)      # 0.5 % noise: E within 5 %
    assert doc["objective"] >= doc["separate_objective"] * (1 - 1e-9)
    (row,) = doc["multipliers"]
    assert row["ladder"] == "variant" and row["flops"] == 1e21
    assert row["compute_multiplier_low"] <= row["compute_multiplier"] <= row["compute_multiplier_high"]
    from planner.planning.versus import compute_multiplier

    truth = float(compute_multiplier(BASE, VARIANT, [1e21])[0])
    assert row["compute_multiplier_low"] <= truth <= row["compute_multiplier_high"]   # k = 1.62 at 1e21 FLOPs
    assert row["compute_multiplier"] == pytest.approx(truth, rel=0.25)


@pytest.mark.parametrize("fmt", ["table", "markdown", "csv", "latex"])
def test_every_format_shows_the_ladders(ladders, fmt):
    r = invoke("fit", *ladders, "--share", "alpha,beta", "--errors", "asymptotic", "--format", fmt)
    assert r.exit_code == 0, r.output
    assert "variant" in r.stdout


def test_one_law_file_per_ladder_that_plan_and_versus_load(ladders, tmp_path):
    template = tmp_path / "{stem}-joint.toml"
    r = invoke("fit", *ladders, "--share", "E", "--errors", "asymptotic", "-o", template)
    assert r.exit_code == 0, r.output
    laws = [load_law_file(tmp_path / f"{name}-joint.toml") for name in ("base", "variant")]
    assert laws[0].model.E == laws[1].model.E
    assert laws[0].id == "base-joint"
    assert invoke("--law", tmp_path / "variant-joint.toml", "--flops", "1e21").exit_code == 0
    again = invoke("fit", *ladders, "--share", "E", "--errors", "asymptotic", "-o", template)
    assert_one_line_error(again, 1, "already exists")


@pytest.mark.parametrize("extra, message", [
    ((), "name the coefficients they share"),
    (("--share", "E", "-o", "x.toml"), "{stem}"),
    (("--share", "E", "--isoflop"), "does not combine with --isoflop"),
    (("--share", "E", "--id", "x"), "does not combine with --id"),
    (("--share", "F"), "cannot share 'F'"),
    (("--share", "E", "--fix", "E=1.7"), "E is fixed, so every ladder has it already"),
])
def test_usage_errors_are_one_line(ladders, extra, message):
    assert_one_line_error(invoke("fit", *ladders, *extra), 2, message)


def test_share_needs_two_files(ladders):
    assert_one_line_error(invoke("fit", ladders[0], "--share", "E"), 2, "two or more runs files")
