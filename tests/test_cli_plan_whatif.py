"""The commands of issue 3 through the CLI: what-if, exact run, target loss, compare, cite, formats.

Exact outputs of every format live in the golden files (test_report_render_golden.py); here: behaviour,
error paths (exit code and message), warnings on stderr only, narrow terminals and colour.
"""

import json
import re

import pytest
from click.testing import CliRunner
from hypothesis import event, given, settings
from hypothesis import strategies as st

from planner.cli import cli
from planner.files.presets import preset_ids

ENV = {"COLUMNS": "100", "NO_COLOR": "1"}


def invoke(*args, env=ENV):
    return CliRunner().invoke(cli, list(args), env=env)


def test_whatif_json_has_the_run_and_the_optimum():
    r = invoke("--flops", "1e21", "--params", "7B", "--format", "json")
    assert r.exit_code == 0
    run, opt = json.loads(r.stdout)
    assert run["plan"] == "what-if" and opt["plan"] == "optimal"
    assert run["n_tokens"] == pytest.approx(1e21 / 42e9)
    assert opt["compute_efficiency"] == 1.0 and opt["loss_gap"] == 0.0
    assert 0 < run["compute_efficiency"] < 1 and run["loss_gap"] > 0


def test_whatif_at_the_optimal_params_shows_no_gap():
    opt = json.loads(invoke("--flops", "1e21", "--format", "json").stdout)[0]
    rows = json.loads(invoke("--flops", "1e21", "--params", repr(opt["n_params"]), "--format", "json").stdout)
    assert rows[0]["compute_efficiency"] == pytest.approx(1.0, rel=1e-9)
    assert rows[0]["loss_gap"] == pytest.approx(0.0, abs=1e-12)
    assert rows[0]["n_tokens"] == pytest.approx(opt["n_tokens"], rel=1e-12)


def test_plain_plan_json_keys_are_unchanged():
    [row] = json.loads(invoke("--flops", "1e21", "--format", "json").stdout)
    assert list(row) == ["preset", "flops", "n_params", "n_tokens", "tokens_per_param", "loss"]


def test_whatif_over_several_budgets_pairs_each_run_with_its_optimum():
    rows = json.loads(invoke("--flops-range", "1e20", "1e22", "--points", "3", "--tokens", "2T", "--format",
                             "json").stdout)
    assert [r["plan"] for r in rows] == ["what-if", "optimal"] * 3
    assert [r["flops"] for r in rows[::2]] == [r["flops"] for r in rows[1::2]]
    assert all(r["n_tokens"] == 2e12 for r in rows[::2])


def test_exact_run_without_a_budget():
    run, opt = json.loads(invoke("--params", "7B", "--tokens", "2T", "--format", "json").stdout)
    assert run["flops"] == pytest.approx(6 * 7e9 * 2e12) and opt["flops"] == run["flops"]


def test_target_losses_give_one_row_each():
    rows = json.loads(invoke("--target-loss", "2.1", "--target-loss", "2.2", "--format", "json").stdout)
    assert [r["target_loss"] for r in rows] == [2.1, 2.2]
    assert rows[0]["loss"] == pytest.approx(2.1, rel=1e-9) and rows[0]["flops"] > rows[1]["flops"]


def test_compare_every_preset_and_one_block_per_budget():
    rows = json.loads(invoke("compare", "--flops-range", "1e21", "1e23", "--points", "3", "--format", "json").stdout)
    assert len(rows) == 3 * len(preset_ids())
    out = invoke("compare", "--flops", "1e21", "--flops", "1e22").stdout
    assert out.count("Spread: active N from") == 2 and "C = 1.00e22 FLOPs" in out   # MoE presets among them


def test_compare_a_chosen_list_of_presets_accepts_aliases():
    rows = json.loads(invoke("compare", "--flops", "1e21", "-p", "epoch,chinchilla", "-p", "kaplan",
                             "--format", "json").stdout)
    assert [r["preset"] for r in rows] == ["besiroglu2024", "hoffmann2022", "kaplan2020"]
    assert rows[2]["parameters"] == "non-embedding"


@pytest.mark.parametrize("fmt", ["table", "json", "csv", "markdown", "latex"])
def test_presets_list_in_every_format(fmt):
    r = invoke("presets", "--format", fmt)
    assert r.exit_code == 0 and "besiroglu2024" in r.stdout


def test_cite_prints_bibtex():
    r = invoke("cite", "epoch", "kaplan2020")
    assert r.exit_code == 0
    assert r.stdout.count("@article{") == 2 and "eprint = {2404.10102}" in r.stdout


# --------------------------------------------------------------------------------------------------------------------
# warnings: stderr only


def test_warnings_go_to_stderr_and_json_stays_parseable():
    r = invoke("--flops", "1e24", "--params", "7B", "--format", "json")
    assert r.exit_code == 0
    json.loads(r.stdout)
    assert "Warning: besiroglu2024 was fitted on C from 1.40e18 to 1.30e22" in r.stderr
    assert "Warning" not in r.stdout


def test_far_too_few_tokens_per_param_warns():
    r = invoke("--flops", "1e21", "--params", "70B")
    assert "tokens per parameter is far below" in r.stderr


def test_compare_warns_once_for_the_laws_outside_their_range_and_json_keeps_each_warning():
    r = invoke("compare", "--flops", "1e21", "--format", "csv")
    [line] = r.stderr.splitlines()
    assert line.startswith("Warning: ") and " of 13 laws extrapolate beyond the range they were fitted on: " in line
    assert "kaplan2020 (N, D)" in line and "Warning" not in r.stdout
    rows = json.loads(invoke("compare", "--flops", "1e21", "--format", "json").stdout)
    assert any(w.startswith("kaplan2020 was fitted on N from") for w in rows[0]["warnings"])


def test_no_warning_inside_the_range():
    assert invoke("--flops", "1e20").stderr == ""


# --------------------------------------------------------------------------------------------------------------------
# errors: exit code and one line


@pytest.mark.parametrize("args, code, message", [
    (["--target-loss", "1.5"], 1, "at or below the irreducible loss E = 1.8172 nats/token of 'besiroglu2024'"),
    (["--target-loss", "2.1", "--preset", "llama3"], 1, "'llama3-2024' is an allocation rule"),
    (["--target-loss", "2.1", "--flops", "1e21"], 2, "--target-loss finds the budget itself"),
    (["--target-loss", "abc"], 2, "expected a finite loss > 0 in nats/token, like 2.1; got 'abc'"),
    (["--target-loss", "-1"], 2, "expected a finite loss > 0"),
    (["--flops", "1e21", "--params", "7B", "--tokens", "2T"], 2, "not both"),
    (["--params", "7X", "--tokens", "1T"], 2, "expected a number like 1e21"),
    (["--params", "1e200", "--tokens", "1e200"], 1, "not a finite positive number of FLOPs"),
    (["--flops", "1e-300", "--tokens", "1e300"], 1, "n_params = C/(k·D) is not a finite positive number"),
    (["compare"], 2, "give a budget"),
    (["compare", "--flops", "1e21", "-p", "nope"], 1, "unknown preset 'nope'"),
    (["cite", "nope"], 1, "unknown preset 'nope'"),
])
def test_errors_are_one_line_with_the_right_exit_code(args, code, message):
    r = invoke(*args)
    assert r.exit_code == code
    assert message in r.stderr
    assert r.stdout == "" and "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) <= 2


# --------------------------------------------------------------------------------------------------------------------
# people: quantities, narrow terminals, colour


def test_quantities_with_suffixes_parse_everywhere():
    a = json.loads(invoke("--flops", "1e21", "--params", "7B", "--format", "json").stdout)
    b = json.loads(invoke("--flops", "1000000000000000000000", "--params", "7e9", "--format", "json").stdout)
    assert a == b
    c = json.loads(invoke("--flops", "1e22", "--tokens", "2T", "--format", "json").stdout)
    assert c[0]["n_tokens"] == 2e12


@pytest.mark.parametrize("args", [["--flops", "1e21"], ["--flops", "1e21", "--params", "7B"],
                                  ["compare", "--flops", "1e21"], ["--target-loss", "2.1"]])
def test_a_60_column_terminal_gets_every_number_whole(args):
    """No line is wider than 60 and every formatted number appears unbroken."""
    out = invoke(*args, env={"COLUMNS": "60", "NO_COLOR": "1"}).stdout
    assert max(len(line) for line in out.splitlines()) <= 60
    md = invoke(*args, "--format", "markdown").stdout
    numbers = set(re.findall(r"(?<=\| )[\d.]+(?:e\d+|[KMBTP%])?(?= \|)", md))
    assert numbers and all(n in out for n in numbers)


def test_a_60_column_terminal_lists_presets_with_whole_ids():
    out = invoke("presets", env={"COLUMNS": "60", "NO_COLOR": "1"}).stdout
    assert max(len(line) for line in out.splitlines()) <= 60
    assert all(i in out for i in preset_ids())


def test_no_colour_codes_when_stdout_is_not_a_terminal():
    assert "\x1b[" not in invoke("--flops", "1e21", "--params", "7B", env={"COLUMNS": "100"}).stdout


def test_no_colour_with_no_color_even_on_a_terminal():
    """NO_COLOR removes colour even when rich thinks it writes to a terminal (FORCE_COLOR)."""
    styled = invoke("compare", "--flops", "1e21", env={"COLUMNS": "100", "FORCE_COLOR": "1"}).stdout
    assert "\x1b[" in styled  # the terminal is honoured: styles are on
    out = invoke("compare", "--flops", "1e21", env={"COLUMNS": "100", "FORCE_COLOR": "1", "NO_COLOR": "1"}).stdout
    assert not re.search(r"\x1b\[[0-9;]*[34][0-9]m", out)  # no colour codes


# --------------------------------------------------------------------------------------------------------------------
# never a traceback


quantity_text = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.tuples(st.floats(1e-3, 1e3), st.sampled_from(["", "K", "M", "B", "T", "P", "b", "x"])).map(
        lambda t: f"{t[0]:g}{t[1]}"),
    st.integers(-10, 400).map(lambda e: f"1e{e}"),
    st.text(max_size=6),
)
commands = st.sampled_from([
    lambda q, r: ["--flops", q],
    lambda q, r: ["--flops", q, "--params", r],
    lambda q, r: ["--flops", q, "--tokens", r],
    lambda q, r: ["--params", q, "--tokens", r],
    lambda q, r: ["--target-loss", q],
    lambda q, r: ["--flops-range", q, r, "--points", "2"],
    lambda q, r: ["compare", "--flops", q, "-p", "epoch,kaplan2020,llama3"],
])


@settings(max_examples=150, deadline=None)
@given(command=commands, q=quantity_text, r=quantity_text,
       fmt=st.sampled_from(["table", "json", "csv", "markdown", "latex"]),
       preset=st.sampled_from(["besiroglu2024", "kaplan2020", "deepseek2024", "muennighoff2023"]))
def test_never_a_traceback(command, q, r, fmt, preset):
    args = command(q, r) + ["--format", fmt]
    if args[0] != "compare":
        args += ["--preset", preset]
    result = CliRunner().invoke(cli, args, env=ENV)
    event(f"exit {result.exit_code}")
    assert result.exit_code in (0, 1, 2), (args, result.exception)
    assert result.exception is None or isinstance(result.exception, SystemExit), (args, repr(result.exception))
    assert "Traceback" not in result.output


@pytest.mark.parametrize("preset", ["besiroglu2024", "kaplan2020"])
def test_a_target_loss_needing_almost_no_compute_is_one_line(preset):
    """Found by hypothesis: --target-loss 1e61 put C in the subnormal floats, and C/k = 0 raised ZeroDivisionError."""
    r = invoke("--target-loss", "1e61", "--preset", preset)
    assert r.exit_code == 1, r.output
    assert r.stderr == (f"Error: target loss 1e+61 is so far above the losses {preset!r} predicts that it needs less "
                        "than 1e-300 FLOPs; choose a lower target\n")


def test_a_run_whose_tokens_per_param_overflows_still_renders():
    """Found by hypothesis: D/N = inf once printed a traceback from the ratio formatter."""
    r = invoke("--flops", "1.0", "--params", "6.550547903926277e-215")
    assert r.exit_code == 0 and "inf" in r.stdout
