"""plan fit-tasks and planner.fitting.tasks / planner.fitting.ladder: a known two-step law is recovered from a
synthetic ladder; the ladder table is read with the usual flexibility; every user mistake is one line."""

import json
import math

import numpy as np
import pytest
from click.testing import CliRunner

from planner.cli import cli
from planner.base.errors import RunsError
from planner.fitting.ladder import from_olmo_ladder, ladder_csv, parse_ladder
from planner.fitting.tasks import moving_average, step2_points
from planner.files.taskfile import load_task_law_file
from planner.laws import ParametricLaw
from planner.laws.tasks import SigmoidAccuracy

from .goldens import assert_one_line_error

#: The law the synthetic ladder is drawn from (step 1 as Bhagia et al. 2024 Eq. 1, step 2 as Eq. 2).
TRUE1 = ParametricLaw(E=0.6, A=40.0, B=150.0, alpha=0.25, beta=0.28)
TRUE2 = SigmoidAccuracy(a=-0.7, b=1.0, k=6.0, L0=0.9)
SIZES = (2e8, 4e8, 8e8, 1.6e9)
MULTIPLIERS = (1, 2, 5, 10)  # × 20·N tokens, as the OLMo ladder's 1xC-10xC


def synthetic_rows(noise=0.0, checkpoints=40, seed=0, flat=False):
    """A 16-run ladder: 40 checkpoints per run at D·i/40, task loss and accuracy from TRUE1 and TRUE2 (``noise``:
    relative noise on the loss, absolute on the accuracy); ``flat``: a second task stuck at chance 0.25."""
    rng = np.random.default_rng(seed)
    rows = []
    for N in SIZES:
        for m in MULTIPLIERS:
            D_final = 20 * N * m
            for i in range(1, checkpoints + 1):
                D = D_final * i / checkpoints
                L = TRUE1.loss(N, D) * (1 + noise * rng.standard_normal())
                acc = TRUE2(L) + noise * rng.standard_normal()
                rows.append((f"{N:.0e}-{m}xC", N, D, "synth", L, min(max(acc, 0.0), 1.0)))
                if flat:
                    rows.append((f"{N:.0e}-{m}xC", N, D, "hard", 2.0 - 0.1 * math.log10(N * D / 1e18),
                                 0.25 + 0.004 * rng.standard_normal()))
    return rows


def write_ladder(path, rows, header=("run", "n_params", "tokens", "task", "task_loss", "accuracy"), sep=","):
    lines = [sep.join(header)] + [sep.join(str(v) for v in row) for row in rows]
    path.write_text("\n".join(lines) + "\n")
    return path


def run(*args):
    return CliRunner().invoke(cli, list(map(str, args)))


def test_recovers_a_known_two_step_law_from_a_synthetic_ladder(tmp_path):
    """Noise-free ladder, step 1 on each run's last checkpoint: step 1's coefficients come back to 0.5%, step 2's to
    1%, and the forecast 19× beyond the ladder's compute to 0.2 point of accuracy."""
    ladder = write_ladder(tmp_path / "ladder.csv", synthetic_rows())
    out = tmp_path / "mytasks.toml"
    r = run("fit-tasks", ladder, "-o", out, "--bootstrap", 0, "--last-checkpoints", 1, "--chance", "synth=0.25")
    assert r.exit_code == 0, r.output
    task = load_task_law_file(str(out)).task("synth")
    for name in ("E", "A", "B", "alpha", "beta"):
        assert getattr(task.loss_law, name) == pytest.approx(getattr(TRUE1, name), rel=5e-3), name
    for name in ("a", "k", "L0"):
        assert getattr(task.accuracy_law, name) == pytest.approx(getattr(TRUE2, name), rel=1e-2), name
    N, D = 7e9, 1.4e12
    assert task.accuracy(task.task_loss(N, D)) == pytest.approx(TRUE2(TRUE1.loss(N, D)), abs=2e-3)
    assert task.chance == 0.25 and len(task.step1_points) == 16


@pytest.mark.parametrize("command", ["fit-tasks", "fit"])
def test_quiet_is_no_part_of_the_recorded_command(tmp_path, command):
    """-q shapes what is printed, not the fit: a law file written under -q records the command without it (it used
    to raise KeyError: -q reaches no parameter of the command)."""
    if command == "fit-tasks":
        source = write_ladder(tmp_path / "ladder.csv", synthetic_rows(checkpoints=5))
        extra = ["--bootstrap", 0]
    else:
        source = tmp_path / "runs.csv"
        N, D = np.meshgrid(np.geomspace(5e7, 5e9, 5), np.geomspace(2e9, 2e11, 5))
        N, D = N.ravel().tolist(), D.ravel().tolist()
        L = [float(x) for x in TRUE1.loss(np.array(N), np.array(D))]
        source.write_text("n_params,tokens,loss\n" + "".join(f"{n!r},{d!r},{x!r}\n"
                                                             for n, d, x in zip(N, D, L)))
        extra = ["--bootstrap", 20]
    out = tmp_path / "law.toml"
    r = run(command, source, "-q", "-o", out, *extra)
    assert r.exit_code == 0, r.output
    recorded = [line for line in out.read_text().splitlines() if f'"plan {command} ' in line]   # command = / where =
    assert recorded and " -q" not in recorded[0]


def test_the_file_records_the_fit_that_made_it_not_the_target(tmp_path):
    ladder = write_ladder(tmp_path / "ladder.csv", synthetic_rows(checkpoints=8))
    out = tmp_path / "mytasks.toml"
    r = run("fit-tasks", ladder, "-o", out, "--bootstrap", 0, "--skip", "0.2", "--params", "7B", "--tokens", "1T")
    assert r.exit_code == 0, r.output
    assert load_task_law_file(str(out)).fit["command"] == f"plan fit-tasks {ladder} --bootstrap 0 --skip 0.2"


def test_noisy_ladder_with_the_papers_defaults_and_bootstrap(tmp_path):
    """0.3% noise, last 5 checkpoints averaged, moving averages, 12 bootstrap refits: the forecast within a point of
    the truth, and the file's samples give an interval that contains it."""
    ladder = write_ladder(tmp_path / "ladder.csv", synthetic_rows(noise=0.003, seed=1))
    out = tmp_path / "t.toml"
    r = run("fit-tasks", ladder, "-o", out, "--bootstrap", 12, "--seed", 3)
    assert r.exit_code == 0, r.output
    task = load_task_law_file(str(out)).task("synth")
    assert len(task.samples) + task.uncertainty["n_failed"] == 12 and task.uncertainty["seed"] == 3
    S = np.asarray(task.samples)
    assert len({tuple(row) for row in task.samples}) > 6, "resamples of the runs, refitted: not one fit repeated"
    assert np.std(S[:, task.sample_names.index("alpha")]) > 1e-3
    truth = TRUE2(TRUE1.loss(7e9, 1.4e12))
    assert task.accuracy(task.task_loss(7e9, 1.4e12)) == pytest.approx(truth, abs=0.01)
    r = run("--params", "7B", "--tokens", "1.4T", "--tasks", out, "--ci", 95, "--format", "json")
    row = json.loads(r.stdout)[0]
    assert row["accuracy_lo"] - 0.005 <= truth <= row["accuracy_hi"] + 0.005


def test_the_report_and_the_diagnostics(tmp_path):
    """A task stuck at chance has not emerged; a target more than 100× the ladder's compute is flagged."""
    ladder = write_ladder(tmp_path / "ladder.csv", synthetic_rows(flat=True))
    r = run("fit-tasks", ladder, "--bootstrap", 0, "--params", "70B", "--tokens", "15T", "--format", "json",
            "--chance", "hard=0.25", "--chance", "synth=0.25")
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert set(doc["tasks"]) == {"synth", "hard"} and doc["forecast"][0]["task"] == "synth"
    assert "hard has not emerged" not in r.stdout
    assert "hard: its best ladder run reaches accuracy" in r.stderr and "has not emerged" in r.stderr
    assert "extrapolates" in r.stderr and "beyond the compute of the ladder's largest run" in r.stderr
    assert any("not emerged" in w for w in doc["warnings"])


def test_columns_by_other_names_and_formats(tmp_path):
    rows = synthetic_rows(checkpoints=12)
    tsv = write_ladder(tmp_path / "l.tsv", rows, header=("Run Name", "params", "D", "Benchmark", "bpb", "acc"),
                       sep="\t")
    ladder = parse_ladder(tsv.read_text(), source="l.tsv")
    assert ladder.tasks == ("synth",) and len(ladder.runs("synth")) == 16
    odd = write_ladder(tmp_path / "odd.csv", rows, header=("r", "size", "seen", "bench", "nll", "score2"))
    r = run("fit-tasks", odd, "--bootstrap", 0, "--run-column", "r", "--n-params-column", "size", "--tokens-column",
            "seen", "--task-column", "bench", "--task-loss-column", "nll", "--accuracy-column", "score2")
    assert r.exit_code == 0, r.output
    jsonl = tmp_path / "l.jsonl"
    jsonl.write_text("\n".join(json.dumps(dict(zip(("run", "n_params", "tokens", "task", "task_loss", "accuracy"), row)))
                               for row in rows))
    assert parse_ladder(jsonl.read_text(), source="l.jsonl").tasks == ("synth",)


def test_a_missing_column_is_a_one_line_error(tmp_path):
    path = write_ladder(tmp_path / "l.csv", synthetic_rows(checkpoints=8),
                        header=("run", "n_params", "tokens", "task", "task_loss", "acuracy"))
    assert_one_line_error(run("fit-tasks", path), 1, "has no accuracy column; expected one named accuracy / acc")


def test_cell_and_run_errors_name_the_line(tmp_path):
    rows = synthetic_rows(checkpoints=8)
    rows[3] = rows[3][:5] + (1.7,)
    assert_one_line_error(run("fit-tasks", write_ladder(tmp_path / "a.csv", rows)), 1,
                          "a.csv line 5, column 'accuracy': accuracy must be an accuracy from 0 to 1, got '1.7'")
    rows = synthetic_rows(checkpoints=8)
    rows[2] = (rows[2][0], 9e8) + rows[2][2:]
    assert_one_line_error(run("fit-tasks", write_ladder(tmp_path / "b.csv", rows)), 1,
                          "has rows with different n_params")
    rows = [r for r in synthetic_rows(checkpoints=8) if r[1] == 2e8]
    assert_one_line_error(run("fit-tasks", write_ladder(tmp_path / "c.csv", rows), "--bootstrap", 0), 1,
                          "step 1's five coefficients need at least 6 runs")
    rows = [r[:4] + (1.25,) + r[5:] for r in synthetic_rows(checkpoints=8)]  # a task loss column that never moves
    assert_one_line_error(run("fit-tasks", write_ladder(tmp_path / "d.csv", rows), "--bootstrap", 0), 1,
                          "task 'synth' has 1 distinct task loss across its checkpoints; step 2's four-coefficient "
                          "sigmoid needs losses that vary")


def test_option_errors(tmp_path):
    ladder = write_ladder(tmp_path / "l.csv", synthetic_rows(checkpoints=8))
    assert_one_line_error(run("fit-tasks", ladder, "--task", "sytnh"), 1, "has no task 'sytnh'; did you mean 'synth'")
    assert_one_line_error(run("fit-tasks", ladder, "--chance", "synth"), 2, "expected TASK=ACCURACY like mmlu=0.25")
    assert_one_line_error(run("fit-tasks", ladder, "--chance", "synth=1.5"), 2, "expected TASK=ACCURACY")
    assert_one_line_error(run("fit-tasks", ladder, "--params", "7B"), 2, "--params and --tokens give the target")
    assert_one_line_error(run("fit-tasks", ladder, "-o", "-"), 2, "-o - would write a file named '-'")
    existing = tmp_path / "x.toml"
    existing.write_text("mine")
    assert_one_line_error(run("fit-tasks", ladder, "-o", existing), 1, "exists")
    assert existing.read_text() == "mine"
    assert_one_line_error(run("fit-tasks", tmp_path / "none.csv"), 1, "not found")


def test_moving_average_and_the_step2_points():
    """Trailing mean of window w, the first points averaging what there is; step 2 drops ⌈10%⌉ first, then smooths,
    then appends (0, 1) (Bhagia et al. 2024 §3.2)."""
    assert moving_average([1, 2, 3, 4, 5, 6], 3).tolist() == [1.0, 1.5, 2.0, 3.0, 4.0, 5.0]

    class Run:
        task_loss = np.arange(1.0, 21.0)
        accuracy = np.linspace(0.3, 0.5, 20)

    L, A = step2_points([Run()], window=5, skip=0.1)
    assert len(L) == 20 - 2 + 1 and (L[-1], A[-1]) == (0.0, 1.0)
    assert L[0] == 3.0 and L[4] == pytest.approx(np.mean([3, 4, 5, 6, 7]))


def test_olmo_wide_files_convert_to_the_long_table():
    """The converter averages MMLU's four categories by their test shares and reads the paper's columns; its long
    table reads back through parse_ladder."""
    from planner.base.conventions import MMLU_CATEGORY_WEIGHTS

    cats = list(MMLU_CATEGORY_WEIGHTS)
    header = ["throughput/total_tokens"] + [f"eval/downstream_bpb/mmlu_{c}_test_rc_5shot_bpb" for c in cats] + \
        [f"eval/downstream/mmlu_{c}_test_rc_5shot_len_norm" for c in cats]
    body = ["1000," + ",".join(["1.0", "2.0", "3.0", "4.0"]) + "," + ",".join(["0.3", "0.4", "0.5", "0.6"])]
    config = {"190M": {"paths": ["x/190M-1xC.csv"], "mode": "train", "n": 190354176},
              "7B-4T": {"paths": ["x/t.csv"], "mode": "eval", "n": 1}}
    ladder = from_olmo_ladder(config, {"190M-1xC.csv": "\n".join([",".join(header)] + body)}, tasks=["mmlu"])
    w = np.array(list(MMLU_CATEGORY_WEIGHTS.values()))
    assert ladder.task_loss[0] == pytest.approx(np.dot(w, [1, 2, 3, 4]) / w.sum())
    assert ladder.accuracy[0] == pytest.approx(np.dot(w, [0.3, 0.4, 0.5, 0.6]) / w.sum())
    assert ladder.n_params[0] == 190354176 and ladder.chance == {"mmlu": 0.25}
    back = parse_ladder(ladder_csv(ladder), source="long.csv")
    assert back.run == ("190M-1xC",) and back.chance == {"mmlu": 0.25} and back.task_loss[0] == ladder.task_loss[0]
    with pytest.raises(RunsError, match="no column 'eval/downstream_bpb/mmlu_stem_test_rc_5shot_bpb'"):
        from_olmo_ladder(config, {"190M-1xC.csv": "throughput/total_tokens\n5\n"}, tasks=["mmlu"])


def test_plot_tasks_draws_a_fitted_file_and_a_ladders_points(tmp_path):
    pytest.importorskip("matplotlib")
    ladder = write_ladder(tmp_path / "ladder.csv", synthetic_rows(checkpoints=12))
    law = tmp_path / "t.toml"
    assert run("fit-tasks", ladder, "-o", law, "--bootstrap", 0).exit_code == 0
    out = tmp_path / "t.svg"
    r = run("plot", "tasks", "--tasks", law, "--ladder", ladder, "--params", "7B", "--tokens", "1.4T", "-o", out)
    assert r.exit_code == 0, r.output
    svg = out.read_text()
    assert "ladder checkpoints (smoothed)" in svg and "target: " in svg and "synth: step 1, task loss" in svg
    other = write_ladder(tmp_path / "other.csv", [row[:3] + ("else",) + row[4:] for row in synthetic_rows(checkpoints=6)])
    r = run("plot", "tasks", "--tasks", law, "--ladder", other, "-o", tmp_path / "u.svg")
    assert r.exit_code == 0 and "has no rows for task 'synth'" in r.stderr


def test_the_note_on_a_missing_chance_names_the_remedy_in_each_front_ends_words(tmp_path):
    """fit_task names the Python argument; plan fit-tasks words the same note with its flag (planner.cli.errors)."""
    from planner.fitting.tasks import fit_task

    ladder = write_ladder(tmp_path / "ladder.csv", synthetic_rows())
    r = run("fit-tasks", ladder, "--bootstrap", 0, "--last-checkpoints", 1)
    assert r.exit_code == 0, r.output
    assert "no chance accuracy given" in r.stderr and "(give --chance synth=ACCURACY or a chance column)" in r.stderr
    fit = fit_task(parse_ladder(ladder.read_text()).runs("synth"), "synth", None, n_last=1)
    assert [w for w in fit.warnings if "(give chance= synth=ACCURACY or a chance column)" in w], fit.warnings
