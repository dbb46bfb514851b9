"""``plan ladder-points``: the points of WSD runs with cooldown branches in every format, a runs file plan fit reads,
the tokens saved in the footer and the JSON, and one-line errors."""

import csv
import io
import json

import pytest
from click.testing import CliRunner

from planner.cli import cli

from .test_fitting_branches import STEP, branched_rows, stepped_rows


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


@pytest.fixture
def curves(tmp_path):
    rows, _ = branched_rows()
    rows_b, _ = stepped_rows()
    path = tmp_path / "wsd.csv"
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["run", "cooldown", "n_params", "tokens", "loss", "optim/learning_rate_group0"])
        w.writerows(rows + rows_b)
    return path


def test_json_carries_each_point_and_the_tokens_saved(curves):
    r = invoke("ladder-points", curves, "--format", "json")
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert len(doc["points"]) == 4 + 3
    # branches: 15000 steps as separate runs against 9400; stepped: 7000 against 4000
    assert doc["separate_tokens"] == pytest.approx((15000 + 7000) * STEP)
    assert doc["saved_tokens"] == pytest.approx((5600 + 3000) * STEP)
    assert {p["branch"] for p in doc["points"] if p["run"] == "60M"} == {""}


def test_the_table_says_what_was_saved(curves):
    r = invoke("ladder-points", curves)
    assert r.exit_code == 0, r.output
    assert "saving 8.60M (39%)" in r.output and "(trunk)" in r.output


def test_the_csv_file_is_a_runs_file_plan_fit_reads(curves, tmp_path):
    out = tmp_path / "points.csv"
    r = invoke("ladder-points", curves, "-o", out)
    assert r.exit_code == 0, r.output
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert len(rows) == 7 and {"n_params", "n_tokens", "loss"} <= set(rows[0])
    r = invoke("fit", out, "--errors", "asymptotic", "--format", "json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["n_runs"] == 7
    again = invoke("ladder-points", curves, "-o", out)
    assert again.exit_code != 0 and "--force" in again.output


def test_a_file_without_decays_is_one_line_naming_the_fix(tmp_path):
    path = tmp_path / "flat.csv"
    path.write_text("run,n_params,tokens,loss,lr\na,1e8,1e6,3.0,1e-3\na,1e8,2e6,2.9,1e-3\n")
    r = invoke("ladder-points", path)
    assert r.exit_code == 1 and "branch column" in r.output and "Traceback" not in r.output


def test_a_missing_branch_column_named_is_an_error_naming_the_flag(curves):
    r = invoke("ladder-points", curves, "--branch-column", "nope")
    assert r.exit_code != 0 and "--branch-column" in r.output and "Traceback" not in r.output
