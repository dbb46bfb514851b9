"""plan --tasks (forecasts, targets), plan tasks, plan tasks show, plan plot tasks: every format, exact keys, and
one-line errors for every user mistake."""

import csv
import io
import json

import pytest
from click.testing import CliRunner

from planner.cli import cli
from planner.planning.forecasting import forecast, least_compute_for_accuracy
from planner.planning.plan import compute_optimal
from planner.files.presets import load_preset, load_task_laws, task_law_source
from planner.report.render import FORMATS

from .goldens import WIDTH, assert_one_line_error

BHAGIA = load_task_laws("bhagia2024")


def run(*args):
    return CliRunner(env=WIDTH).invoke(cli, list(map(str, args)))


def test_forecast_json_rows_carry_the_issues_keys_and_the_cores_numbers():
    r = run("--params", "7B", "--tokens", "4T", "--tasks", "bhagia2024", "--task", "mmlu", "--task", "piqa",
            "--format", "json")
    assert r.exit_code == 0, r.output
    rows = json.loads(r.stdout)
    assert [row["task"] for row in rows] == ["mmlu", "piqa"]
    for row in rows:
        assert list(row) == ["task", "metric", "n_params", "n_tokens", "task_loss", "accuracy", "chance"]
        f = forecast(BHAGIA.task(row["task"]), 7e9, 4e12)
        assert (row["task_loss"], row["accuracy"], row["chance"]) == (f.task_loss, f.accuracy, f.chance)
        assert row["n_params"] == 7e9 and row["n_tokens"] == 4e12 and row["metric"] == "accuracy"


def test_an_error_metric_reports_the_error_too():
    r = run("--params", "6.9B", "--tokens", "138B", "--tasks", "gadre2024", "--format", "json")
    (row,) = json.loads(r.stdout)
    assert row["metric"] == "top-1 error" and row["accuracy"] == pytest.approx(1 - row["error"], abs=1e-15)
    assert list(row) == ["task", "metric", "n_params", "n_tokens", "task_loss", "accuracy", "error", "chance",
                         "warnings"]
    assert row["warnings"] == [line.removeprefix("Warning: ") for line in r.stderr.splitlines()] != []


def test_ci_adds_bounds_from_the_bootstrap():
    r = run("--params", "7B", "--tokens", "4T", "--tasks", "olmo-ladder", "--task", "mmlu", "--ci", 80, "--format",
            "json")
    (row,) = json.loads(r.stdout)
    assert row["ci_level"] == 80
    assert row["accuracy_lo"] < row["accuracy"] < row["accuracy_hi"]
    assert row["task_loss_lo"] < row["task_loss"] < row["task_loss_hi"]
    table = run("--params", "7B", "--tokens", "4T", "--tasks", "olmo-ladder", "--task", "mmlu", "--ci", 80).stdout
    assert "accuracy (80% CI)" in table and "%–" in table


def test_ci_without_samples_warns_and_gives_no_bound():
    r = run("--params", "7B", "--tokens", "140B", "--tasks", "gadre2024", "--ci", 80, "--format", "json")
    assert r.exit_code == 0
    assert json.loads(r.stdout)[0]["accuracy_lo"] is None
    assert "no intervals for average17" in r.stderr


def test_flops_forecasts_at_the_plan_laws_split_and_warns_about_counting():
    r = run("--flops", "1e23", "--tasks", "bhagia2024", "--task", "mmlu", "--format", "json")
    (row,) = json.loads(r.stdout)
    plan = compute_optimal(load_preset("besiroglu2024"), 1e23)
    assert (row["flops"], row["n_params"], row["n_tokens"]) == (1e23, plan.n_params, plan.n_tokens)
    assert "besiroglu2024 counts total parameters but bhagia2024 counts non-embedding" in r.stderr
    table = run("--flops", "1e23", "--tasks", "bhagia2024", "--task", "mmlu").stdout
    assert "C = 1.00e23 FLOPs → N = 29.4B, D = 566B (besiroglu2024's compute-optimal split)" in table
    same = run("--flops", "1e23", "--tasks", "gadre2024")
    assert same.exit_code == 0 and "counts" not in same.stderr
    kaplan = run("--flops", "1e23", "--preset", "kaplan2020", "--tasks", "bhagia2024", "--task", "mmlu")
    assert kaplan.exit_code == 0 and "counts" not in kaplan.stderr, "Kaplan counts non-embedding, as the ladder"


def test_a_cluster_budget_becomes_flops_for_the_split():
    r = run("--gpu", "h100", "--gpus", 1024, "--days", 30, "--tasks", "gadre2024", "--format", "json")
    assert r.exit_code == 0, r.output
    (row,) = json.loads(r.stdout)
    from planner.compute.hardware import Cluster, flops_for_budget
    from planner.files.presets import load_chip

    C = flops_for_budget(30, "wall_clock_days", Cluster(load_chip("h100"), n_chips=1024, mfu=0.40))
    assert row["flops"] == pytest.approx(C, rel=1e-12)
    assert row["n_params"] == pytest.approx(compute_optimal(load_preset("besiroglu2024"), C).n_params, rel=1e-12)


def test_target_accuracy_json_keys_and_it_is_reached():
    r = run("--target-accuracy", 0.6, "--task", "mmlu", "--tasks", "bhagia2024", "--format", "json")
    (row,) = json.loads(r.stdout)
    assert list(row) == ["task", "target_accuracy", "task_loss", "flops", "n_params", "n_tokens", "warnings"]
    assert row["warnings"] == [line.removeprefix("Warning: ") for line in r.stderr.splitlines()] != []
    t = least_compute_for_accuracy(BHAGIA.task("mmlu"), 0.6)
    assert (row["flops"], row["n_params"], row["n_tokens"]) == (t.flops, t.n_params, t.n_tokens)
    assert forecast(BHAGIA.task("mmlu"), row["n_params"], row["n_tokens"]).accuracy == pytest.approx(0.6, abs=1e-9)


def test_an_unreachable_target_states_the_reachable_range():
    lo, hi = BHAGIA.task("mmlu").accuracy_range()
    r = run("--target-accuracy", 0.9, "--task", "mmlu", "--tasks", "bhagia2024")
    assert_one_line_error(r, 1, f"the two-step law reaches accuracies from {lo:.4g} to {hi:.4g}")
    assert_one_line_error(run("--target-accuracy", 0.2, "--task", "mmlu", "--tasks", "bhagia2024"), 1,
                          "at or below chance")


@pytest.mark.parametrize("args, code, message", [
    (("--task", "mmlu", "--params", "7B", "--tokens", "4T"), 2, "--task needs --tasks ID"),
    (("--target-accuracy", "0.6"), 2, "--target-accuracy needs --tasks ID"),
    (("--tasks", "bhagia2024"), 2, "--tasks needs a run to forecast"),
    (("--tasks", "bhagia2024", "--params", "7B"), 2, "--tasks needs a run to forecast"),
    (("--tasks", "bhagia2024", "--flops", "1e23", "--params", "7B"), 2, "not both"),
    (("--tasks", "bhagia2024", "--target-accuracy", "0.6", "--flops", "1e23"), 2,
     "--target-accuracy finds the compute itself: give it without --flops"),
    (("--tasks", "bhagia2024", "--target-accuracy", "0.6", "--ci", "80"), 2, "without --ci"),
    (("--tasks", "bhagia2024", "--target-loss", "2.1"), 2, "does not combine with --target-loss"),
    (("--tasks", "bhagia2024", "--flops", "1e23", "--max-params", "7B"), 2, "does not combine with --unique-tokens"),
    (("--tasks", "bhagia2024", "--target-accuracy", "1.5"), 2, "expected an accuracy between 0 and 1"),
    (("--tasks", "bhagia2024", "--flops", "1e23", "--gpu", "h100"), 2, "--gpu only converts a budget"),
    (("--tasks", "bhagia2025", "--params", "7B", "--tokens", "4T"), 1,
     "unknown task law 'bhagia2025'; did you mean 'bhagia2024'"),
    (("--tasks", "bhagia2024", "--task", "mmlx", "--params", "7B", "--tokens", "4T"), 1,
     "unknown task 'mmlx' in bhagia2024; did you mean 'mmlu'"),
    (("--tasks", "nope/tasks.toml", "--params", "7B", "--tokens", "4T"), 1, "not found"),
])
def test_mistakes_are_one_line_errors(args, code, message):
    assert_one_line_error(run(*args), code, message)


def test_a_task_law_file_given_to_law_and_a_law_to_tasks(tmp_path):
    t = tmp_path / "t.toml"
    t.write_text(task_law_source(load_task_laws("gadre2024")))
    assert_one_line_error(run("--flops", "1e21", "--law", t), 1, "is a task-law file (form 'tasks')")
    assert run("--params", "1B", "--tokens", "20B", "--tasks", t).exit_code == 0
    law = tmp_path / "law.toml"
    law.write_text(run("presets", "show", "besiroglu2024").stdout)
    assert_one_line_error(run("--params", "1B", "--tokens", "20B", "--tasks", law), 1,
                          "is a loss-law (scaling-law) file (form 'parametric'), not a task-law file: pass it with --law")


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("args", [("--params", "7B", "--tokens", "4T", "--tasks", "bhagia2024", "--ci", "80"),
                                  ("--flops", "1e23", "--flops", "1e24", "--tasks", "gadre2024"),
                                  ("--target-accuracy", "0.5", "--target-accuracy", "0.6", "--task", "mmlu",
                                   "--tasks", "bhagia2024")])
def test_every_format(fmt, args):
    r = run(*args, "--format", fmt)
    assert r.exit_code == 0, r.output
    if fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(r.stdout)))
        assert rows and "task" in rows[0]
    elif fmt == "json":
        assert json.loads(r.stdout)
    elif fmt == "latex":
        assert r.stdout.count(r"\begin{tabular}") >= 1
    elif fmt == "markdown":
        assert "| task |" in r.stdout
    else:
        assert "task" in r.stdout


def test_plan_tasks_lists_and_shows():
    r = run("tasks", "--format", "json")
    ids = [row["id"] for row in json.loads(r.stdout)]
    assert ids == ["bhagia2024", "gadre2024", "gadre2024-c4", "gadre2024-rw"]
    doc = json.loads(run("tasks", "show", "olmo-ladder", "--format", "json").stdout)
    assert doc["id"] == "bhagia2024" and doc["parameters"] == "non-embedding" and len(doc["tasks"]) == 8
    assert doc["tasks"]["mmlu"]["step2"]["form"] == "sigmoid" and doc["tasks"]["mmlu"]["n_samples"] > 0
    table = run("tasks", "show", "gadre2024").stdout
    assert "average17" in table and "err = 0.857" in table
    assert run("tasks", "show", "gadre2024", "--format", "toml").stdout == task_law_source(load_task_laws("gadre2024"))
    assert_one_line_error(run("tasks", "show", "gadre"), 1, "unknown task law 'gadre'; did you mean")


def test_plot_tasks(tmp_path):
    pytest.importorskip("matplotlib")
    out = tmp_path / "t.png"
    r = run("plot", "tasks", "--tasks", "bhagia2024", "--task", "mmlu", "--params", "7B", "--tokens", "4T", "-o", out)
    assert r.exit_code == 0, r.output
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert_one_line_error(run("plot", "tasks", "--tasks", "bhagia2024", "--params", "7B", "-o", tmp_path / "x.png"),
                          2, "--params and --tokens mark the target together")
    assert_one_line_error(run("plot", "tasks", "--tasks", "bhagia2024", "-o", out), 1, "exists")


def test_docs_task_law_python_example_runs():
    """The Python session on task laws in docs/how-to/tasks.md is a doctest: its printed results are checked."""
    import doctest
    import re
    from pathlib import Path

    page = (Path(__file__).resolve().parents[1] / "docs" / "how-to" / "tasks.md").read_text()
    (block,) = [b for b in re.findall(r"```python\n(.*?)```", page, re.S) if "load_task_laws" in b]
    test = doctest.DocTestParser().get_doctest(block, {}, "tasks.md", "docs/how-to/tasks.md", 0)
    runner = doctest.DocTestRunner()
    runner.run(test)
    assert runner.summarize(verbose=False).failed == 0 and runner.summarize(verbose=False).attempted >= 4


def test_only_forecasts_beyond_100x_the_ladder_are_flagged():
    """Bhagia et al.'s 7B-4T is 83× their largest ladder run (1.3B-10xC), 13B-5T 202×."""
    near = run("--params", 6887575552, "--tokens", 3945065873408, "--tasks", "bhagia2024", "--task", "mmlu")
    assert near.exit_code == 0 and near.stderr == ""
    far = run("--params", 13202396160, "--tokens", 5000088518656, "--tasks", "bhagia2024", "--task", "mmlu")
    assert "step 1 extrapolates 202× beyond the compute of the ladder's largest run for mmlu" in far.stderr


def test_ci_of_an_error_metric_bounds_the_error_too(tmp_path):
    """An error metric with bootstrap samples: error_lo = 1 - accuracy_hi and error_hi = 1 - accuracy_lo."""
    text = task_law_source(load_task_laws("gadre2024"))
    rows = "\n".join(f"  [{1.83 + 0.01 * i}, 166.2, 287.2, 0.2729, 0.2729, 0.857, {2.2 + 0.01 * i}, 0.7146]," for i in
                     range(5))
    path = tmp_path / "g.toml"
    path.write_text(text + "\n[tasks.average17.uncertainty]\nmethod = \"bootstrap\"\nsample_names = [\"E\", \"A\", "
                    "\"B\", \"alpha\", \"beta\", \"epsilon\", \"k\", \"gamma\"]\nsamples = [\n" + rows + "\n]\n")
    (row,) = json.loads(run("--params", "7B", "--tokens", "140B", "--tasks", path, "--ci", 90, "--format",
                            "json").stdout)
    assert row["error_lo"] == pytest.approx(1 - row["accuracy_hi"], abs=1e-15)
    assert row["error_hi"] == pytest.approx(1 - row["accuracy_lo"], abs=1e-15)
    assert row["error_lo"] < row["error"] < row["error_hi"]


def test_target_accuracy_answers_the_tasks_that_reach_it_and_names_the_others():
    """Issue 21: one task that cannot reach the target (openbookqa tops out near 51%) does not sink the others: each
    task whose reachable range (its own accuracy_range) holds 0.6 gets a row, and a warning names each other one."""
    r = run("--target-accuracy", 0.6, "--tasks", "bhagia2024", "--format", "json")
    assert r.exit_code == 0, r.output
    reach = {t.id: t.accuracy_range()[0] < 0.6 < t.accuracy_range()[1] for t in BHAGIA.select(())}
    assert [row["task"] for row in json.loads(r.stdout)] == [k for k, ok in reach.items() if ok]
    missed = [k for k, ok in reach.items() if not ok]
    assert missed and all(any(f"for {k} is at or beyond" in line and "not answered" in line
                              for line in r.stderr.splitlines()) for k in missed)
    # nothing reached: still one error line, naming every task
    assert_one_line_error(run("--target-accuracy", 0.99, "--task", "mmlu", "--task", "piqa", "--tasks", "bhagia2024"),
                          1, "no task of bhagia2024 reaches the target")
