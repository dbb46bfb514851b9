"""Everyday research ergonomics (issue 15): each command takes what its siblings take, reports go to files, warnings
travel with pasted output, and completion works. Through click's CliRunner unless the feature is an API."""

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from planner.cli import cli
from planner.files.presets import load_preset
from tests.goldens import assert_one_line_error

ENV = {"COLUMNS": "100", "NO_COLOR": "1", "TERM": "dumb"}


def invoke(*args, env=ENV, **kwargs):
    return CliRunner().invoke(cli, [str(a) for a in args], env=env, **kwargs)


@pytest.fixture
def law_file(tmp_path):
    """A copy of besiroglu2024's law file under another id, as a user's own law would be."""
    text = invoke("presets", "show", "epoch").stdout.replace('id = "besiroglu2024"', 'id = "mylaw"')
    path = tmp_path / "mylaw.toml"
    path.write_text(text)
    return path


# --------------------------------------------------------------------------------------------------------------------
# siblings take what their siblings take


def test_compare_takes_law_files_beside_presets(law_file):
    r = invoke("compare", "--flops", "1e21", "-p", "epoch,kaplan2020", "--law", law_file, "--format", "json")
    assert r.exit_code == 0, r.output
    rows = json.loads(r.stdout)
    assert [row["preset"] for row in rows] == ["besiroglu2024", "kaplan2020", "mylaw"]
    assert rows[2]["n_params"] == rows[0]["n_params"]  # the same coefficients under another id


def test_compare_with_one_law_twice_keeps_it_once(law_file):
    r = invoke("compare", "--flops", "1e21", "-p", "epoch", "-p", "besiroglu2024", "--law", law_file, "--law",
               law_file, "--format", "json")
    assert [row["preset"] for row in json.loads(r.stdout)] == ["besiroglu2024", "mylaw"]


def test_compare_refuses_two_laws_of_one_id(tmp_path):
    other = tmp_path / "copy.toml"
    other.write_text(invoke("presets", "show", "epoch").stdout)
    assert_one_line_error(invoke("compare", "--flops", "1e21", "-p", "epoch", "--law", other), 2,
                          "two laws have the id 'besiroglu2024'")


def test_compare_with_a_missing_law_file_is_one_line(tmp_path):
    assert_one_line_error(invoke("compare", "--flops", "1e21", "--law", tmp_path / "nope.toml"), 1, "not found")


def test_plot_frontier_takes_a_comma_separated_list_as_compare_does(tmp_path, law_file):
    pytest.importorskip("matplotlib")
    out = tmp_path / "f.png"
    r = invoke("plot", "frontier", "-p", "epoch,chinchilla", "--law", law_file, "-o", out)
    assert r.exit_code == 0, r.output
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_plot_frontier_names_an_unknown_preset_of_a_list(tmp_path):
    pytest.importorskip("matplotlib")
    assert_one_line_error(invoke("plot", "frontier", "-p", "epoch,chinchila", "-o", tmp_path / "f.png"), 1,
                          "unknown preset 'chinchila'")


def test_design_takes_a_flops_range():
    r = invoke("design", "--flops-range", "1e18", "1e20", "--points", "3", "--models", "3", "--format", "json")
    assert r.exit_code == 0, r.output
    budgets = sorted({row["flops"] for row in json.loads(r.stdout)})
    assert budgets == pytest.approx([1e18, 1e19, 1e20], rel=1e-12)
    both = invoke("design", "--flops", "1e17", "--flops-range", "1e18", "1e19", "--points", "2", "--format", "json")
    assert sorted({row["flops"] for row in json.loads(both.stdout)}) == pytest.approx([1e17, 1e18, 1e19])


def test_design_without_budgets_is_a_usage_error():
    assert_one_line_error(invoke("design"), 2, "give the grid's budgets")


# --------------------------------------------------------------------------------------------------------------------
# -o FILE: every command that prints a report writes it to a file, in the format of the suffix


REPORTS = {
    "plan": ["--flops", "1e21"],
    "compare": ["compare", "--flops", "1e21", "-p", "epoch,chinchilla"],
    "presets": ["presets"],
    "law": ["presets", "show", "epoch"],
    "cite": ["cite", "epoch"],
    "hardware": ["hardware"],
    "shape": ["shape", "--params", "7B"],
    "design": ["design", "--flops", "1e18", "--models", "3"],
}
SUFFIXES = {".md": "markdown", ".tex": "latex", ".csv": "csv", ".json": "json", ".txt": "table"}


@pytest.mark.parametrize("suffix", list(SUFFIXES))
@pytest.mark.parametrize("name", list(REPORTS))
def test_o_writes_what_the_format_of_its_suffix_prints(tmp_path, name, suffix):
    out = tmp_path / f"report{suffix}"
    r = invoke(*REPORTS[name], "-o", out)
    assert r.exit_code == 0, r.output
    assert r.stdout == "" and r.stderr.endswith(f"Wrote {out}\n")
    printed = invoke(*REPORTS[name], "--format", SUFFIXES[suffix]).stdout  # 100 columns, as a file is drawn
    assert out.read_text(encoding="utf-8") == printed
    assert [p.name for p in tmp_path.iterdir()] == [out.name], "no temporary file is left behind"


@pytest.mark.parametrize("args, suffix, first", [(REPORTS["law"], ".toml", "# Chinchilla's Approach 3"),
                                                (REPORTS["cite"], ".bib", "% planner preset: besiroglu2024")])
def test_o_writes_a_document_by_its_suffix(tmp_path, args, suffix, first):
    out = tmp_path / f"doc{suffix}"
    assert invoke(*args, "-o", out).exit_code == 0
    assert out.read_text().startswith(first)
    assert out.read_text() == invoke(*args).stdout


def test_format_overrides_the_suffix(tmp_path):
    out = tmp_path / "plan.txt"
    assert invoke("--flops", "1e21", "--format", "json", "-o", out).exit_code == 0
    assert json.loads(out.read_text())[0]["flops"] == 1e21


def test_o_never_replaces_a_file_without_force(tmp_path):
    out = tmp_path / "plan.md"
    out.write_text("mine")
    assert_one_line_error(invoke("--flops", "1e21", "-o", out), 1, f"{str(out)!r} already exists; pass --force")
    assert out.read_text() == "mine"
    r = invoke("--flops", "1e21", "-o", out, "--force")
    assert r.exit_code == 0 and out.read_text().startswith("**Compute-optimal plan")


def test_o_refuses_before_any_work(tmp_path):
    """The existing file is named while the options are parsed: before the request is even answered (a loss the law
    cannot reach would otherwise be the error)."""
    out = tmp_path / "t.json"
    out.write_text("mine")
    assert_one_line_error(invoke("--target-loss", "1.0", "-o", out), 1, "already exists")
    assert_one_line_error(invoke("compare", "--flops", "1e21", "-o", out), 1, "already exists")


def test_o_into_a_missing_folder_or_a_folder_is_one_line(tmp_path):
    assert_one_line_error(invoke("--flops", "1e21", "-o", tmp_path / "no" / "p.md"), 1, "does not exist")
    assert_one_line_error(invoke("hardware", "-o", tmp_path), 2, "is a directory")


def test_o_with_an_unknown_suffix_asks_for_a_format(tmp_path):
    assert_one_line_error(invoke("--flops", "1e21", "-o", tmp_path / "p.docx"), 2,
                          "cannot tell the format of")
    assert not (tmp_path / "p.docx").exists()
    assert_one_line_error(invoke("hardware", "-o", tmp_path / "h.bib"), 2, "cannot tell the format")


def test_o_dash_is_stdout():
    r = invoke("--flops", "1e21", "-o", "-", "--format", "csv")
    assert r.exit_code == 0 and r.stdout.startswith("preset,flops")


def test_a_table_file_lists_the_caveats_that_a_terminal_gets_on_stderr(tmp_path):
    out = tmp_path / "p.txt"
    r = invoke("--tokens", "2T", "-o", out)
    warnings = [line.removeprefix("Warning: ") for line in r.stderr.splitlines() if line.startswith("Warning: ")]
    assert len(warnings) == 2
    text = out.read_text()
    assert "Caveats:" in text and all(w.split(";")[0] in text for w in warnings)
    assert "Caveats" not in invoke("--tokens", "2T").stdout, "the terminal has them on stderr already"


# --------------------------------------------------------------------------------------------------------------------
# warnings travel with the report: Caveats in markdown and LaTeX, warnings in JSON, CSV pure rows, stderr too

WARNED = ("--flops", "1e21", "--flops", "1e24")  # 1e24 is past besiroglu2024's fitted N and C


def warnings_of(args):
    r = invoke(*args)
    return [line.removeprefix("Warning: ") for line in r.stderr.splitlines()]


def test_markdown_ends_with_a_caveats_list():
    warnings = warnings_of(WARNED)
    assert len(warnings) == 2
    md = invoke(*WARNED, "--format", "markdown").stdout
    caveats = md.split("**Caveats**\n\n")[1].splitlines()
    assert caveats == [f"- {w}" for w in warnings]


def test_latex_lists_the_caveats_inside_the_float():
    warnings = warnings_of(WARNED)
    tex = invoke(*WARNED, "--format", "latex").stdout
    assert tex.count(r"\item ") == 2 and r"\textbf{Caveats}" in tex
    assert tex.index(r"\textbf{Caveats}") < tex.index(r"\end{table}")
    assert all(rf"\item {w}" in tex for w in warnings)  # no LaTeX specials in these two


def test_json_rows_carry_the_warnings_and_stay_a_list():
    warnings = warnings_of(WARNED)
    rows = json.loads(invoke(*WARNED, "--format", "json").stdout)
    assert isinstance(rows, list) and all(row["warnings"] == warnings for row in rows)
    clean = json.loads(invoke("--flops", "1e21", "--format", "json").stdout)
    assert "warnings" not in clean[0], "no key where there is nothing to say"


def test_csv_stays_pure_rows_and_stderr_keeps_the_warnings():
    r = invoke(*WARNED, "--format", "csv")
    assert r.stdout.splitlines()[0] == "preset,flops,n_params,n_tokens,tokens_per_param,loss"
    assert "extrapolation" not in r.stdout and r.stderr.count("Warning: ") == 2


def test_a_json_document_has_one_warnings_key():
    from planner.report.render import to_json
    from planner.report.types import Block, Column, Report

    report = Report(blocks=(Block([{"x": 1.0}]),), columns=(Column("x", "x", str),), keys=("x",),
                    fields={"id": "doc", "warnings": ["from the fit"]}, name="rows",
                    warnings=("from the fit", "from the plans"))
    doc = json.loads(to_json(report))
    assert doc["warnings"] == ["from the fit", "from the plans"] and doc["rows"] == [{"x": 1.0}]


# --------------------------------------------------------------------------------------------------------------------
# --ci with --target-loss and with --params or --tokens alone: the budget is bounded too


def _draws(n=300):
    from planner.planning.uncertainty import coefficient_samples

    full = coefficient_samples(load_preset("epoch"))
    return type(full)(full.names, full.values[:n], full.method, full.note)


def _oracle(draws, level, solve):
    """Percentile interval over draws of ``solve(model)`` → (C, N, D) for each draw's own law, by scipy."""
    import dataclasses

    import numpy as np

    model = load_preset("epoch").model
    out = []
    for row in draws.values:
        m = dataclasses.replace(model, **dict(zip(draws.names, map(float, row))))
        got = solve(m)
        if got is not None:
            out.append(got)
    out = np.array(out)
    return np.percentile(out, [50 - level / 2, 50 + level / 2], axis=0), len(out)


def test_params_alone_intervals_match_a_per_draw_scipy_solution():
    """Each draw's own budget for N = 7B (brentq on log N_opt(C), not the closed form), then its D."""
    from planner.laws.solve import flops_for_optimum_numeric
    from planner.planning.uncertainty import anchored_intervals

    draws = _draws()
    iv = anchored_intervals(load_preset("epoch"), 80, n_params=7e9, samples=draws)

    def solve(m):
        C = flops_for_optimum_numeric(m, "n_params", 7e9)
        return C, C / (6 * 7e9)

    (lo, hi), _ = _oracle(draws, 80, solve)
    assert (iv.flops_lo, iv.flops_hi) == (pytest.approx(lo[0], rel=1e-8), pytest.approx(hi[0], rel=1e-8))
    assert (iv.n_tokens_lo, iv.n_tokens_hi) == (pytest.approx(lo[1], rel=1e-8), pytest.approx(hi[1], rel=1e-8))
    assert iv.n_params_lo is None and iv.flops_lo < iv.flops < iv.flops_hi


def test_target_loss_intervals_match_a_per_draw_scipy_solution_and_drop_draws_that_cannot_reach_it():
    """Each draw's least compute for the loss by brentq on L(N_opt(C), D_opt(C)) = target; a target of 1.85 is below
    some draws' E (besiroglu2024's 95% interval for E is 1.82-1.87), which never reach it and are left out."""
    import math

    from scipy.optimize import brentq

    from planner.planning.uncertainty import anchored_intervals

    draws = _draws()
    for target in (2.1, 1.85):
        iv = anchored_intervals(load_preset("epoch"), 80, target_loss=target, samples=draws)

        def solve(m):
            if m.E >= target:
                return None
            g = lambda u: math.log(m.loss(*m.compute_optimal(math.exp(u)))) - math.log(target)  # noqa: E731
            C = math.exp(brentq(g, math.log(1e10), math.log(1e60), xtol=1e-13))
            return C, m.compute_optimal(C)[0]

        (lo, hi), kept = _oracle(draws, 80, solve)
        assert iv.flops_lo == pytest.approx(lo[0], rel=1e-6) and iv.flops_hi == pytest.approx(hi[0], rel=1e-6)
        assert iv.n_params_lo == pytest.approx(lo[1], rel=1e-6) and iv.n_params_hi == pytest.approx(hi[1], rel=1e-6)
        assert iv.n_samples == kept and iv.loss_lo is None
        assert (f"{len(draws) - kept} of {len(draws)} draws put E at or above the target" in iv.note) == (kept < 300)
    assert kept < 300, "1.85 is below some draws' E"


def test_cli_target_loss_with_ci_bounds_the_budget():
    r = invoke("--target-loss", "2.1", "--ci", "80", "--format", "json")
    assert r.exit_code == 0, r.output
    [row] = json.loads(r.stdout)
    assert row["flops_lo"] < row["flops"] < row["flops_hi"] and row["n_params_lo"] < row["n_params"]
    assert row["ci_level"] == 80 and row["loss_lo"] is None
    table = invoke("--target-loss", "2.1", "--ci", "80").stdout
    assert "least FLOPs C (80% CI)" in table and "2.14e22 (1.80e22–3.02e22)" in table


@pytest.mark.parametrize("option, value, fixed", [("--params", "7B", "n_params"), ("--tokens", "2T", "n_tokens")])
def test_cli_params_or_tokens_alone_with_ci(option, value, fixed):
    [row] = json.loads(invoke(option, value, "--ci", "80", "--format", "json").stdout)
    assert row[f"{fixed}_lo"] is None and row["flops_lo"] < row["flops"] < row["flops_hi"]
    other = "n_tokens" if fixed == "n_params" else "n_params"
    assert row[f"{other}_lo"] < row[other] < row[f"{other}_hi"]


def test_cli_ci_is_still_refused_for_a_what_if_or_an_exact_run():
    for args in (["--flops", "1e21", "--params", "7B"], ["--params", "7B", "--tokens", "2T"]):
        assert_one_line_error(invoke(*args, "--ci", "80"), 2, "--ci bounds compute-optimal plans")


# --------------------------------------------------------------------------------------------------------------------
# plan compare --target-loss


def test_compare_target_loss_gives_each_laws_least_compute():
    from planner.planning.whatif import min_compute_for_loss

    r = invoke("compare", "--target-loss", "2.1", "-p", "epoch,chinchilla,kaplan2020", "--format", "json")
    assert r.exit_code == 0, r.output
    rows = json.loads(r.stdout)
    assert [row["preset"] for row in rows] == ["besiroglu2024", "hoffmann2022", "kaplan2020"]
    for row in rows:
        assert row["target_loss"] == 2.1 and row["loss"] == pytest.approx(2.1, rel=1e-9)
        assert row["flops"] == min_compute_for_loss(load_preset(row["preset"]), 2.1).flops


def test_compare_target_loss_leaves_out_rules_and_unreachable_targets_with_a_warning():
    r = invoke("compare", "--target-loss", "2.1", "--target-loss", "1.75", "-p", "epoch,chinchilla,llama3",
               "--format", "json")
    assert r.exit_code == 0, r.output
    got = [(row["preset"], row["target_loss"]) for row in json.loads(r.stdout)]
    assert got == [("besiroglu2024", 2.1), ("hoffmann2022", 2.1), ("hoffmann2022", 1.75)]  # E = 1.8172 vs 1.6934
    assert "llama3-2024 is an allocation rule with no loss model" in r.stderr
    assert "target loss 1.75 is at or below the irreducible loss E = 1.8172" in r.stderr


def test_compare_target_loss_with_ci_and_a_cluster():
    r = invoke("compare", "--target-loss", "2.1", "-p", "epoch,chinchilla", "--ci", "80", "--gpu", "h100",
               "--format", "json")
    epoch, chinchilla = json.loads(r.stdout)
    assert epoch["flops_lo"] < epoch["flops"] < epoch["flops_hi"] and chinchilla["flops_lo"] is None
    assert epoch["gpu_hours"] == pytest.approx(epoch["flops"] / (989.4e12 * 0.4) / 3600)


def test_compare_target_loss_bounds_what_each_law_reaches():
    """besiroglu2024 (E = 1.8172) reaches 2.1 but not 1.8: its 2.1 row still gets its interval."""
    rows = json.loads(invoke("compare", "--target-loss", "2.1", "--target-loss", "1.8", "-p", "epoch,chinchilla",
                             "--ci", "80", "--format", "json").stdout)
    epoch = [r for r in rows if r["preset"] == "besiroglu2024"]
    assert [r["target_loss"] for r in epoch] == [2.1] and epoch[0]["flops_lo"] < epoch[0]["flops"]


@pytest.mark.parametrize("args, code, message", [
    (["compare", "--target-loss", "2.1", "--flops", "1e21"], 2, "--target-loss finds each law's budget itself"),
    (["compare", "--target-loss", "2.1", "-p", "llama3,deepseek"], 1, "none has a loss model"),
    (["compare", "--target-loss", "1.0", "-p", "epoch"], 1, "no law given reaches any of these targets"),
])
def test_compare_target_loss_errors(args, code, message):
    assert_one_line_error(invoke(*args), code, message)


# --------------------------------------------------------------------------------------------------------------------
# 80 columns: the main tables are tables, with short headers and a legend where the full ones do not fit

NARROW = {"COLUMNS": "80", "NO_COLOR": "1", "TERM": "dumb"}
MAIN_TABLES = {
    "cluster": ["--flops", "1e22", "--gpu", "h100", "--gpus", "256", "--usd-per-gpu-hour", "2.5"],
    "interval": ["--flops", "1e21", "--flops", "1e24", "--ci", "80"],
    "target-interval": ["--target-loss", "2.1", "--target-loss", "2.0", "--ci", "80"],
    "params-interval": ["--params", "7B", "--ci", "80"],
    "compare-interval": ["compare", "--flops", "1e24", "-p", "epoch,chinchilla", "--ci", "80"],
    "constraints": ["--flops", "1e23", "--unique-tokens", "300B", "--inference-tokens", "10T", "--max-params", "20B"],
    "caps": ["--flops", "1e23", "--unique-tokens", "300B", "--max-params", "20B", "--max-tokens", "1T"],
    "task-forecast-interval": ["--params", "13.2B", "--tokens", "5T", "--tasks", "olmo-ladder", "--ci", "80"],
    "task-target": ["--target-accuracy", "0.6", "--task", "mmlu", "--task", "hellaswag", "--tasks", "bhagia2024"],
}


@pytest.mark.parametrize("name", list(MAIN_TABLES))
def test_main_tables_fit_80_columns_as_tables(name):
    import re

    out = invoke(*MAIN_TABLES[name], env=NARROW).stdout
    assert max(len(line) for line in out.splitlines()) <= 80
    assert "─" * 40 in out, "a table with its header rule, not one record per row"
    md = invoke(*MAIN_TABLES[name], "--format", "markdown").stdout
    cells = {c.strip() for line in md.splitlines() if line.startswith("| ") for c in line.strip("|").split("|")}
    numbers = {w for c in cells for w in c.split() if re.fullmatch(r"\(?[\d.]+(?:e\d+|[KMBTP%])?(?:–[\d.e]+[KMBTP]?)?\)?", w)}
    assert numbers and all(n in out for n in numbers), sorted(n for n in numbers if n not in out)


def test_short_headers_come_with_a_legend_and_only_when_needed():
    narrow = invoke(*MAIN_TABLES["cluster"], env=NARROW).stdout
    header = next(line for line in narrow.splitlines() if "GPU-h" in line)
    assert header.split() == ["C", "N", "D", "D/N", "loss*", "check", "6·N·D", "GPU-h", "days", "cost"]
    legend = " ".join(narrow[narrow.index("Columns:"):].split())
    assert legend.startswith("Columns: C: FLOPs; N: parameters; D: tokens; D/N: tokens per parameter; GPU-h: "
                             "GPU-hours.")
    wide = invoke(*MAIN_TABLES["cluster"]).stdout
    assert "Columns:" not in wide and "params N" in wide and "GPU-hours" in wide


def test_a_terminal_too_narrow_for_one_table_gets_several_each_naming_its_rows():
    out = invoke(*MAIN_TABLES["cluster"], env={**NARROW, "COLUMNS": "50"}).stdout
    lines = out.splitlines()
    headers = [lines[i - 1].split() for i, line in enumerate(lines) if line.startswith("─")]
    assert len(headers) == 2 and all(h[0] == "C" for h in headers), headers  # the budget names each row, twice
    assert {"N", "D", "cost", "GPU-h"} <= {word for h in headers for word in h}
    assert out.count("1.00e22") == 2 and max(len(line) for line in out.splitlines()) <= 50


def test_a_terminal_too_narrow_even_for_a_split_table_gets_records():
    out = invoke(*MAIN_TABLES["cluster"], env={**NARROW, "COLUMNS": "13"}).stdout
    assert "─" * 10 not in out and "9.05B" in out


# --------------------------------------------------------------------------------------------------------------------
# shell completion (click's _PLAN_COMPLETE)


def completions(args, incomplete):
    from click.shell_completion import ShellComplete

    from planner.cli import cli as root

    return [(c.value, c.type) for c in ShellComplete(root, {}, "plan", "_PLAN_COMPLETE").get_completions(args,
                                                                                                          incomplete)]


def test_preset_ids_and_aliases_complete_everywhere_a_law_is_named():
    from planner.files.presets import list_presets

    every = {name for law in list_presets() for name in (law.id, *law.aliases)}
    for args in (["--preset"], ["-p"], ["design", "--preset"], ["plot", "isoflop", "-p"], ["presets", "show"],
                 ["cite"], ["cite", "epoch"], ["plot", "fit", "runs.csv", "--preset"]):
        assert {v for v, _ in completions(args, "")} == every, args
    assert [v for v, _ in completions(["--preset"], "kaplan2020")] == ["kaplan2020", "kaplan2020-frontier"]


def test_a_comma_separated_list_completes_its_last_item():
    got = [v for v, _ in completions(["compare", "-p"], "epoch,kaplan2020")]
    assert got == ["epoch,kaplan2020", "epoch,kaplan2020-frontier"]
    from planner.files.presets import list_presets

    llamas = [n for law in list_presets() for n in (law.id, *law.aliases) if n.startswith("llama")]
    assert len(llamas) >= 2 and [v for v, _ in completions(["plot", "frontier", "--preset"], "llama")] == llamas


def test_chip_ids_complete():
    from planner.files.presets import list_hardware

    assert {v for v, _ in completions(["--gpu"], "")} == {n for c in list_hardware() for n in (c.id, *c.aliases)}
    assert [v for v, _ in completions(["compare", "--gpu"], "tpu-v5")] == ["tpu-v5e", "tpu-v5p"]


def test_task_laws_and_their_tasks_complete():
    from planner.files.presets import list_task_laws

    every = {name for laws in list_task_laws() for name in (laws.id, *laws.aliases)}
    assert {"bhagia2024", "olmo-ladder", "gadre2024"} <= every
    for args in (["--tasks"], ["plot", "tasks", "--tasks"], ["tasks", "show"]):
        assert {v for v, _ in completions(args, "")} == every, args
    # --task completes the tasks of the --tasks law already on the line, else of every shipped one.
    assert [v for v, _ in completions(["--tasks", "bhagia2024", "--task"], "arc")] == ["arc_challenge", "arc_easy"]
    assert [v for v, _ in completions(["--tasks", "gadre2024", "--task"], "")] == ["average17"]
    assert "average17" in {v for v, _ in completions(["--task"], "")}
    assert completions(["--tasks", "nope", "--task"], "") == []


def test_formats_subcommands_and_paths_complete():
    assert [v for v, _ in completions(["--format"], "")] == ["table", "json", "csv", "markdown", "latex"]
    assert [v for v, _ in completions(["cite", "--format"], "b")] == ["bibtex"]
    assert [v for v, _ in completions([], "pr")] == ["presets"]
    for args in (["--law"], ["-o"], ["compare", "--law"], ["plot", "frontier", "-o"], ["hardware", "--output"],
                 ["fit"], ["plot", "fit"], ["plot", "curves"], ["plot", "isoflop"], ["fit-tasks"]):
        assert completions(args, "") == [("", "file")], args  # the shell lists the files


def test_completion_runs_through_the_plan_command(monkeypatch):
    """What the shell asks: _PLAN_COMPLETE=bash_complete with COMP_WORDS and COMP_CWORD, answered on stdout."""
    r = CliRunner().invoke(cli, [], prog_name="plan", env={"_PLAN_COMPLETE": "bash_complete",
                                                            "COMP_WORDS": "plan --gpu mi", "COMP_CWORD": "2"})
    assert r.exit_code == 0 and r.stdout.split() == ["plain,mi300x", "plain,mi300"]
    for shell in ("bash", "zsh", "fish"):
        script = CliRunner().invoke(cli, [], prog_name="plan", env={"_PLAN_COMPLETE": f"{shell}_source"})
        assert script.exit_code == 0 and "_PLAN_COMPLETE" in script.stdout, shell


def test_a_recorded_command_reads_as_typed():
    """A fitted file records its command from what click parsed: numbers in their short form, defaults left out."""
    import click

    from planner.cli.output import command_line
    from planner.cli.types import QUANTITY, option

    @click.command()
    @click.argument("runs")
    @option("--above", type=QUANTITY)
    @option("--seed", type=int, default=0)
    def fit(runs, above, seed):
        click.echo(command_line(click.get_current_context()))

    r = CliRunner().invoke(fit, ["my runs.csv", "--above", "6.89B"])
    assert r.stdout.strip() == "plan 'my runs.csv' --above 6.89e+09"
