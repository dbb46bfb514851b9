"""Approach 1 with the runs' schedule (planner.fitting.curves.fit_curves(schedule=...), plan fit --curves
--schedule): checkpoints of constant or warmup-stable runs are not flagged as overstating the loss, those of cosine
runs still are (Hoffmann et al. 2022, App. B)."""

import csv

import pytest
from click.testing import CliRunner

from planner.cli import cli
from planner.fitting.curves import fit_curves
from planner.laws.schedules import Schedule

from .sweeps import training_curves
from .test_fitting_curves import BESIROGLU, HORIZONS, SIZES


def curves():
    return training_curves(BESIROGLU, SIZES, HORIZONS)


@pytest.mark.parametrize("schedule, flagged", [
    (None, True),
    (Schedule("constant", peak=3e-4), False),
    (Schedule("wsd", peak=3e-4, horizon=1.0, decay=0.2), False),     # the flagged points lie before 80%: stable
    (Schedule("cosine", peak=3e-4, horizon=1.0, final=0.1), True),
])
def test_only_horizon_dependent_schedules_are_flagged(schedule, flagged):
    run, N, D, L = curves()
    fit = fit_curves(run, N, D, L, schedule=schedule)
    assert any("before 80% of their run" in w for w in fit.warnings) == flagged


def test_plan_fit_curves_takes_the_schedule_and_refuses_it_without_curves(tmp_path):
    run, N, D, L = curves()
    path = tmp_path / "curves.csv"
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["run", "n_params", "tokens", "loss"])
        w.writerows(zip(run, N, D, L))
    plain = CliRunner().invoke(cli, ["fit", str(path), "--curves", "--format", "json"])
    constant = CliRunner().invoke(cli, ["fit", str(path), "--curves", "--schedule", "constant:peak=3e-4",
                                        "--format", "json"])
    assert plain.exit_code == 0 and constant.exit_code == 0, constant.output
    assert "overstated" in plain.output and "overstated" not in constant.output
    wrong = CliRunner().invoke(cli, ["fit", str(path), "--schedule", "constant:peak=3e-4"])
    assert wrong.exit_code == 2 and "--curves" in wrong.output
