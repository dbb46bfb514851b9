"""``plan curve``: predicted final loss by each method with intervals, the rolling back-test, the history rule,
schedule alternatives, and every output format. Curves are made by an independent step-by-step implementation of
Tissue et al.'s law (tests/test_laws_curve_laws.py), so the right answer is known.
"""

import csv
import json

import numpy as np
import pytest
from click.testing import CliRunner

from planner.cli import cli
from planner.laws.schedules import Schedule, per_step_rates

from .test_laws_curve_laws import tissue_by_hand

TRUTH = (2.0, 0.6, 0.5, 0.3)      # L0, A, alpha, C of Tissue's law
STEP = 1000.0                      # tokens per step
PEAK, WARMUP = 1e-3, 100


def schedule(kind, steps):
    return Schedule(kind, peak=PEAK, warmup=WARMUP * STEP, horizon=steps * STEP, final=0.1)


def write_curves(path, horizons=(1000, 2000, 4000, 8000), upto=None, kind="cosine"):
    """Runs of one size to ``horizons`` steps, logged every 5% of each run; the last only to ``upto`` of it."""
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["run", "n_params", "tokens", "loss", "learning_rate", "batch_size_in_tokens"])
        for i, T in enumerate(horizons):
            s = schedule(kind, T)
            rates = per_step_rates(s, STEP, T)
            at = np.arange(T // 20, T + 1, T // 20)
            if upto is not None and i == len(horizons) - 1:
                at = at[at <= upto * T]
            loss = tissue_by_hand(*TRUTH, 0.999, rates, WARMUP, at)
            for t, L in zip(at, loss):
                w.writerow([f"r{T}", 1e8, t * STEP, L, rates[t], int(STEP)])
    return path


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def truth_at(T, kind="cosine"):
    rates = per_step_rates(schedule(kind, T), STEP, T)
    return float(tissue_by_hand(*TRUTH, 0.999, rates, WARMUP, np.array([T]))[0])


@pytest.fixture(scope="module")
def finished_json(tmp_path_factory):
    path = write_curves(tmp_path_factory.mktemp("c") / "curves.csv")
    r = invoke("curve", path, "--horizon", 8000 * STEP, "--run", "r8000", "--format", "json",
               "--no-backtest")
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


def test_json_rows_carry_each_method_with_its_interval(finished_json):
    rows = {row["method"]: row for row in finished_json}
    assert set(rows) == {"multi-power", "tissue", "final-loss"}
    for row in rows.values():
        assert {"predicted_loss", "predicted_loss_low", "predicted_loss_high"} <= set(row)
    tissue = rows["tissue"]
    assert tissue["predicted_loss"] == pytest.approx(truth_at(8000), rel=2e-3)   # the law that made the curves
    assert tissue["predicted_loss_low"] <= tissue["predicted_loss"] <= tissue["predicted_loss_high"]


def test_backtest_favours_a_method_and_every_format_renders(tmp_path):
    path = write_curves(tmp_path / "curves.csv")
    out = tmp_path / "forecast.md"
    r = invoke("curve", path, "--horizon", 8000 * STEP, "--run", "r8000", "-o", out)
    assert r.exit_code == 0, r.output
    text = out.read_text()
    assert "The back-test favours" in text and "| method |" in text
    again = invoke("curve", path, "--horizon", 8000 * STEP, "--run", "r8000", "-o", out)
    assert again.exit_code != 0 and "--force" in again.output
    for fmt in ("table", "csv", "latex"):
        r = invoke("curve", path, "--horizon", 8000 * STEP, "--run", "r8000", "--format", fmt, "--no-backtest")
        assert r.exit_code == 0 and "predicted_loss" in r.output or "final loss" in r.output, fmt


def test_a_lone_run_logged_to_20_percent_is_refused_by_the_history_rule(tmp_path):
    path = write_curves(tmp_path / "curves.csv", horizons=(8000,), upto=0.2)
    r = invoke("curve", path, "--horizon", 8000 * STEP, "--run", "r8000")
    assert r.exit_code == 1
    assert "refused" in r.output and "20%" in r.output and "Traceback" not in r.output


def test_schedule_alternative_gives_the_difference_with_its_interval(tmp_path):
    path = write_curves(tmp_path / "curves.csv", horizons=(1000, 2000, 4000))
    wsd = f"wsd:peak={PEAK},warmup={WARMUP * STEP:g},final=0.1,decay=0.2"
    r = invoke("curve", path, "--horizon", 4000 * STEP, "--run", "r4000", "--alternative", wsd, "--format", "json",
               "--no-backtest")
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    alt = {p["method"]: p for p in doc["predictions"]}["tissue"]["alternatives"][0]
    expected = truth_at(4000, "wsd") - truth_at(4000)
    assert alt["difference"] == pytest.approx(expected, rel=0.05, abs=2e-4)
    assert alt["difference_low"] <= alt["difference"] <= alt["difference_high"]


def test_an_alternative_that_decays_where_no_fitted_curve_did_is_warned_of(tmp_path):
    """Constant-rate runs teach a curve law nothing of a decay: a WSD alternative is warned of (stderr and JSON),
    the constant schedules themselves are not."""
    path = write_curves(tmp_path / "curves.csv", horizons=(1000, 2000, 4000), kind="constant")
    wsd = f"wsd:peak={PEAK},warmup={WARMUP * STEP:g},final=0.1,decay=0.2"
    plain = invoke("curve", path, "--horizon", 4000 * STEP, "--run", "r4000", "--no-backtest")
    assert plain.exit_code == 0, plain.output
    assert "decay" not in plain.stderr
    r = invoke("curve", path, "--horizon", 4000 * STEP, "--run", "r4000", "--alternative", wsd, "--no-backtest",
               "--format", "json")
    assert r.exit_code == 0, r.output
    assert "no curve fitted shows a learning-rate decay" in r.stderr
    assert "the wsd schedule is at 10% of its peak rate" in r.stderr
    assert any("the wsd schedule is at 10%" in w for w in json.loads(r.stdout)["warnings"])


def test_csv_carries_the_alternatives_one_line_each_with_its_method(tmp_path):
    path = write_curves(tmp_path / "curves.csv", horizons=(1000, 2000, 4000))
    wsd = f"wsd:peak={PEAK},warmup={WARMUP * STEP:g},final=0.1,decay=0.2"
    const = f"constant:peak={PEAK},warmup={WARMUP * STEP:g}"
    r = invoke("curve", path, "--horizon", 4000 * STEP, "--run", "r4000", "--alternative", wsd, "--alternative",
               const, "--format", "csv", "--no-backtest")
    assert r.exit_code == 0, r.output
    rows = list(csv.DictReader(r.stdout.splitlines()))
    with_alt = [row for row in rows if row["alternatives_schedule"]]
    # two curve laws x two alternatives, each on a line of its own that repeats its method's prediction
    assert sorted((row["method"], row["alternatives_schedule"].split(":")[0]) for row in with_alt) == \
        [("multi-power", "constant"), ("multi-power", "wsd"), ("tissue", "constant"), ("tissue", "wsd")]
    tissue = {row["alternatives_schedule"].split(":")[0]: row for row in with_alt if row["method"] == "tissue"}
    expected = truth_at(4000, "wsd") - truth_at(4000)
    assert float(tissue["wsd"]["alternatives_difference"]) == pytest.approx(expected, rel=0.05, abs=2e-4)
    # a constant rate never anneals: a higher final loss than the cosine run's own
    assert float(tissue["constant"]["alternatives_difference"]) > 0
    assert float(tissue["wsd"]["alternatives_predicted_loss"]) == pytest.approx(
        float(tissue["wsd"]["predicted_loss"]) + float(tissue["wsd"]["alternatives_difference"]), rel=1e-9)


@pytest.mark.parametrize("spec, words", [("cosin:peak=1e-3", "unknown schedule"),
                                         ("cosine:peak=1e-3,warmup=x", "warmup"),
                                         ("cosine:warmup=5", "peak"),
                                         ("wsd:peak=1e-3,decay=2", "decay")])
def test_bad_schedule_specs_are_usage_errors_naming_the_problem(tmp_path, spec, words):
    path = write_curves(tmp_path / "curves.csv", horizons=(1000,))
    r = invoke("curve", path, "--horizon", 2000 * STEP, "--schedule", spec)
    assert r.exit_code == 2 and words in r.output and "Traceback" not in r.output


def test_curves_without_a_step_size_ask_for_batch_tokens(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text("run,n_params,tokens,loss,learning_rate\na,1e8,1e6,3.0,1e-3\na,1e8,2e6,2.9,1e-3\n")
    r = invoke("curve", path, "--horizon", 4e6)
    assert r.exit_code == 1 and "--batch-tokens" in r.output


def test_a_run_logged_without_its_rate_is_fitted_under_the_schedule_given(tmp_path):
    """--schedule is the run's own schedule: it gives the rate of the logged part too, not only beyond it."""
    path = write_curves(tmp_path / "curves.csv", horizons=(4000,), upto=0.6)
    rows = list(csv.DictReader(path.read_text().splitlines()))
    bare = tmp_path / "bare.csv"
    with open(bare, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["run", "n_params", "tokens", "loss", "batch_size_in_tokens"])
        w.writerows([r["run"], r["n_params"], r["tokens"], r["loss"], r["batch_size_in_tokens"]] for r in rows)
    spec = f"cosine:peak={PEAK},warmup={WARMUP * STEP:g},final=0.1"
    r = invoke("curve", bare, "--horizon", 4000 * STEP, "--schedule", spec, "--format", "json", "--no-backtest")
    assert r.exit_code == 0, r.output
    tissue = {row["method"]: row for row in json.loads(r.stdout)}["tissue"]
    assert tissue["predicted_loss"] == pytest.approx(truth_at(4000), rel=0.01)
