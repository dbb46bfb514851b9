"""Task ladders as public suites publish them (planner.fitting.task_points, plan fit-tasks): checkpoints at step 0
skipped with a note, ladders whose every size is trained to one token count fitted on their checkpoints, and --tie,
--fix and --holdout doing what they do in plan fit, checked against independent computations (plan fit itself on
the same points, and the fitting functions called by hand)."""

import json
import math

import numpy as np
import pytest
from click.testing import CliRunner

from planner.base.errors import FitError
from planner.cli import cli
from planner.fitting.ladder import parse_ladder
from planner.fitting.parametric import fit_parametric
from planner.fitting.tasks import fit_sigmoid, step2_points
from planner.fitting.task_points import resolve_points, same_token_count

from .test_fitting_tasks import TRUE1, TRUE2, synthetic_rows, write_ladder

#: A suite of six sizes, each trained to the same 100B tokens, 40 checkpoints log-spaced from 1B (as Pythia-style
#: suites publish them), plus a checkpoint at step 0.
SUITE_SIZES = (7e7, 1.6e8, 4e8, 1e9, 2.8e9, 6.9e9)
SUITE_TOKENS = 1e11


def suite_rows(noise=0.0, seed=0, step0=True):
    rng = np.random.default_rng(seed)
    rows = []
    for N in SUITE_SIZES:
        name = f"suite-{N:.0e}"
        if step0:
            rows.append((name, N, 0, "synth", 3.5, 0.25))   # the initialisation: no law has a value at D = 0
        for D in np.geomspace(1e9, SUITE_TOKENS, 40):
            L = TRUE1.loss(N, D) * (1 + noise * rng.standard_normal())
            rows.append((name, N, D, "synth", L, min(max(TRUE2(L) + noise * rng.standard_normal(), 0.0), 1.0)))
    return rows


def run(*args):
    return CliRunner().invoke(cli, list(map(str, args)))


def _final_points(rows, n_last=5):
    """Each run's (N, final D, mean task loss over its last n_last checkpoints), computed from the rows by hand."""
    runs = {}
    for name, N, D, _, L, _ in rows:
        runs.setdefault(name, []).append((float(D), float(N), float(L)))
    out = []
    for pts in runs.values():
        pts.sort()
        out.append((pts[-1][1], pts[-1][0], float(np.mean([p[2] for p in pts[-n_last:]]))))
    # plain floats, so a runs file written from them reads back
    return np.array(out).T


# ---------------------------------------------------------------------------------------------------------------------
# step 0


def test_checkpoints_at_step_0_are_skipped_with_a_note_not_an_error(tmp_path):
    rows = suite_rows()
    text = "run,n_params,tokens,task,task_loss,accuracy\n" + "".join(",".join(map(str, r)) + "\n" for r in rows)
    ladder = parse_ladder(text, source="suite.csv")
    assert len(ladder) == len(rows) - len(SUITE_SIZES) and ladder.n_tokens.min() > 0
    assert len(ladder.notes) == 1 and ladder.notes[0].startswith("6 checkpoint rows at step 0 (0 tokens) skipped")
    assert "(lines 2, 43, 84," in ladder.notes[0]   # each run's first row: the file's first row is line 2
    path = write_ladder(tmp_path / "suite.csv", rows)
    r = run("fit-tasks", path, "--bootstrap", 0, "--format", "json")
    assert r.exit_code == 0, r.output
    assert "6 checkpoint rows at step 0" in r.stderr
    assert any("step 0" in w for w in json.loads(r.stdout)["warnings"])
    only0 = write_ladder(tmp_path / "zero.csv", [row for row in rows if row[2] == 0])
    r = run("fit-tasks", only0)
    assert r.exit_code == 1 and "no checkpoint after step 0" in r.stderr and "Traceback" not in r.output


# ---------------------------------------------------------------------------------------------------------------------
# one token count, checkpoints as points


def test_a_same_token_ladder_is_fitted_on_its_checkpoints_and_recovers_the_law(tmp_path):
    """Noise-free suite, every size to 100B tokens: auto fits step 1 on the checkpoints and recovers TRUE1 to 1%
    (each coefficient) and the accuracy 10× beyond the suite's largest run to half a point; the note says why."""
    path = write_ladder(tmp_path / "suite.csv", suite_rows())
    out = tmp_path / "suite.toml"
    r = run("fit-tasks", path, "--bootstrap", 0, "--chance", "synth=0.25", "-o", out, "--format", "json")
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert doc["step1_points"] == {"synth": "checkpoints"}
    assert "every run ends at 1e+11 tokens" in r.stderr
    from planner.files.taskfile import load_task_law_file

    task = load_task_law_file(str(out)).task("synth")
    for name in ("E", "A", "B", "alpha", "beta"):
        assert getattr(task.loss_law, name) == pytest.approx(getattr(TRUE1, name), rel=0.01), name
    N, D = 6.9e10, 1e12
    assert task.accuracy(task.task_loss(N, D)) == pytest.approx(TRUE2(TRUE1.loss(N, D)), abs=5e-3)


def test_on_one_token_count_the_final_losses_leave_e_b_and_beta_unidentified(tmp_path):
    """The six final points lie at one D: E + B/D^β is one number there, and laws with other (E, B, β) and the same
    sum fit them exactly. Step 1 on the final losses alone is refused, as plan fit refuses such runs, in one line."""
    rows = suite_rows(step0=False)
    N, D, L = _final_points(rows, n_last=1)
    assert len(set(D)) == 1
    with pytest.raises(FitError, match="same token count"):
        fit_parametric(N, D, L)
    r = run("fit-tasks", write_ladder(tmp_path / "suite.csv", rows), "--bootstrap", 0, "--step1-points", "final")
    assert r.exit_code == 1 and "every run has the same token count" in r.stderr and "Traceback" not in r.output


def test_auto_reads_the_ladder_shape():
    text = "run,n_params,tokens,task,task_loss,accuracy\n" + "".join(
        ",".join(map(str, r)) + "\n" for r in synthetic_rows())
    runs = parse_ladder(text).runs("synth")
    assert not same_token_count(runs) and resolve_points(runs, "auto") == "final"
    text = "run,n_params,tokens,task,task_loss,accuracy\n" + "".join(
        ",".join(map(str, r)) + "\n" for r in suite_rows())
    runs = parse_ladder(text).runs("synth")
    assert same_token_count(runs) and resolve_points(runs, "auto") == "checkpoints"
    assert resolve_points(runs, "final") == "final"


# ---------------------------------------------------------------------------------------------------------------------
# --tie, --fix, --holdout as plan fit


@pytest.fixture(scope="module")
def ladder(tmp_path_factory):
    """The 16-run ladder of sizes × token multipliers, with 0.5% noise; and its final points as a runs file."""
    tmp = tmp_path_factory.mktemp("tasks")
    rows = synthetic_rows(noise=0.005, seed=3)
    N, D, L = _final_points(rows)
    runs = tmp / "finals.csv"
    runs.write_text("n_params,tokens,loss\n" + "".join(f"{float(n)!r},{float(d)!r},{float(l)!r}\n"
                                                     for n, d, l in zip(N, D, L)))
    return write_ladder(tmp / "ladder.csv", rows), runs, rows


@pytest.mark.parametrize("args", [["--fix", "E=0.55"], ["--tie", "alpha=beta"],
                                  ["--fix", "E=0.55", "--tie", "alpha=beta"]])
def test_tie_and_fix_give_step_1_the_law_plan_fit_gives_on_the_same_points(ladder, args):
    path, runs, _ = ladder
    task = json.loads(run("fit-tasks", path, "--bootstrap", 0, *args, "--format", "json").stdout)["tasks"]["synth"]
    task = task["step1"]
    fit = json.loads(run("fit", runs, "--errors", "asymptotic", *args, "--format", "json").stdout)
    for name in ("E", "A", "B", "alpha", "beta"):
        assert task[name] == pytest.approx(fit["coefficients"][name], rel=1e-6), name
    if "--fix" in args:
        assert task["E"] == 0.55
    if "--tie" in args:
        assert task["alpha"] == task["beta"]


def test_bad_tie_and_fix_are_the_same_errors_as_in_plan_fit(ladder):
    path, runs, _ = ladder
    for args in (["--fix", "E"], ["--fix", "E=abc"], ["--tie", "alpha"]):
        a, b = run("fit-tasks", path, "--bootstrap", 0, *args), run("fit", runs, *args)
        assert a.exit_code == b.exit_code != 0 and "Traceback" not in a.output
        assert a.stderr.strip().splitlines()[-1] == b.stderr.strip().splitlines()[-1]


def test_holdout_predicts_the_largest_runs_as_plan_fit_does(ladder):
    """--holdout 2: the two runs of largest compute are held out of both steps; their predicted final task loss is
    plan fit --holdout 2's on the same final points, and their predicted accuracy is the sigmoid refitted by hand on
    the kept runs' checkpoints at that loss."""
    path, runs, rows = ladder
    doc = json.loads(run("fit-tasks", path, "--bootstrap", 0, "--holdout", 2, "--format", "json").stdout)
    held = doc["backtest"]
    plan_fit = json.loads(run("fit", runs, "--errors", "asymptotic", "--holdout", 2, "--format", "json").stdout)
    assert [r["n_params"] for r in held] == pytest.approx([r["n_params"] for r in plan_fit["holdout"]], rel=1e-12)
    assert [r["predicted_task_loss"] for r in held] == pytest.approx(
        [r["predicted_loss"] for r in plan_fit["holdout"]], rel=1e-6)
    assert [r["task_loss"] for r in held] == pytest.approx([r["loss"] for r in plan_fit["holdout"]], rel=1e-12)
    text = "run,n_params,tokens,task,task_loss,accuracy\n" + "".join(",".join(map(str, r)) + "\n" for r in rows)
    all_runs = parse_ladder(text).runs("synth")
    largest = sorted(all_runs, key=lambda r: -r.n_params * r.n_tokens[-1])[:2]
    kept = [r for r in all_runs if r not in largest]
    sigmoid, _ = fit_sigmoid(*step2_points(kept))
    for row, r in zip(held, largest):
        assert row["run"] == r.name
        assert row["predicted_accuracy"] == pytest.approx(sigmoid(row["predicted_task_loss"]), abs=1e-6)
        assert row["relative_error"] == pytest.approx(row["predicted_task_loss"] / row["task_loss"] - 1, rel=1e-9)
        assert abs(row["relative_error"]) < 0.03
        assert math.isfinite(row["accuracy_error"]) and abs(row["accuracy_error"]) < 0.05
    table = CliRunner(env={"COLUMNS": "200"}).invoke(cli, ["fit-tasks", str(path), "--bootstrap", "0",
                                                          "--holdout", "2"])
    assert "Back-test: each task fitted without the 2 runs of largest compute (14 runs kept)" in table.stdout
