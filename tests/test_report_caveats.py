"""Warnings as a reader sees them (planner.report.caveats): one line per kind for several laws, and --quiet, which keeps
the table and the warnings that can change a decision and drops the footers, in every format."""

import json

import pytest
from click.testing import CliRunner

from planner.base.caveats import EXTRAPOLATION, NO_INTERVALS, Caveat
from planner.files.presets import load_preset
from planner.planning.checks import fitted_range_warnings
from planner.report.caveats import decisive, fold

ENV = {"COLUMNS": "80", "NO_COLOR": "1", "TERM": "dumb"}


def invoke(*args, **kwargs):
    result = CliRunner().invoke(cli(), [str(a) for a in args], env=ENV, **kwargs)
    assert result.exit_code == 0, result.output
    return result


def cli():
    from planner.cli import cli as root

    return root


def extrapolation(law, symbol):
    return Caveat(f"{law} was fitted on {symbol} from 1 to 2; {symbol} = 3 is outside that range: an extrapolation",
                  EXTRAPOLATION, subject=law, detail=symbol, fold="extrapolate beyond the range they were fitted on")


# ---------------------------------------------------------------------------------------------------------------------
# folding

def test_warnings_of_one_kind_about_several_laws_fold_into_one_line_in_place_of_the_first():
    warnings = ["first", extrapolation("a", "N"), extrapolation("a", "C"), "between", extrapolation("b", "D")]
    assert fold(warnings, among=12) == [
        "first", "2 of 12 laws extrapolate beyond the range they were fitted on: a (N, C), b (D)", "between"]


def test_both_and_all_when_every_law_shown_is_named():
    two = [extrapolation("a", "N"), extrapolation("b", "N")]
    assert fold(two, among=2)[0].startswith("both laws extrapolate")
    assert fold(two + [extrapolation("c", "D")], among=3)[0].startswith("all 3 laws extrapolate")
    assert fold(two)[0].startswith("2 laws extrapolate")  # how many laws the output shows unknown


def test_one_law_keeps_its_own_lines_and_plain_warnings_pass_through_once():
    one = [extrapolation("a", "N"), extrapolation("a", "C"), "plain", "plain"]
    assert fold(one, among=5) == one[:3]


def test_the_core_tags_its_extrapolation_warnings():
    law = load_preset("kaplan2020")
    [warning, *_] = fitted_range_warnings(law, n_params=[1e12])
    assert isinstance(warning, Caveat) and warning.kind == EXTRAPOLATION and warning.subject == "kaplan2020"
    assert warning.detail == "N" and warning.decisive


def test_only_explanations_of_the_table_are_not_decisive():
    note = Caveat("no intervals for x: it publishes no uncertainty", NO_INTERVALS, decisive=False)
    assert decisive(["plain", note, extrapolation("a", "N")]) == ["plain", extrapolation("a", "N")]


# ---------------------------------------------------------------------------------------------------------------------
# --quiet in every format: a comparison with an extrapolation (decisive) and a law without intervals (not decisive)

COMPARE = ["compare", "--flops", "1e24", "-p", "epoch,chinchilla", "--ci", "80"]
DECISIVE = "both laws extrapolate beyond the range they were fitted on: besiroglu2024 (N, C), hoffmann2022 (N, D)"
EXPLAINS = "publishes no uncertainty"
FOOTER = ("Conventions:", "Sources:", "CI, besiroglu2024: 4000 draws")


def test_the_loud_output_folds_its_warnings_and_keeps_its_footers():
    r = invoke(*COMPARE)
    assert r.stderr.splitlines()[0] == f"Warning: {DECISIVE}" and EXPLAINS in r.stderr
    assert all(line in r.stdout for line in FOOTER)


@pytest.mark.parametrize("fmt", ["table", "markdown", "latex"])
def test_quiet_human_formats_keep_the_table_and_decisive_warnings_without_footers(fmt):
    loud, quiet = invoke(*COMPARE, "--format", fmt), invoke(*COMPARE, "--format", fmt, "-q")
    assert quiet.stderr == f"Warning: {DECISIVE}\n"
    assert not any(line in quiet.stdout for line in FOOTER) and all(line in loud.stdout for line in FOOTER)
    for number in ("95.9B", "1.74T", "51.9B", "3.21T", "1.960"):  # the table stays
        assert number in quiet.stdout
    if fmt != "table":  # the pasted formats carry their caveats: the decisive one, folded
        assert DECISIVE in quiet.stdout and EXPLAINS not in quiet.stdout and EXPLAINS in loud.stdout
    assert len(quiet.stdout.splitlines()) < len(loud.stdout.splitlines())


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_quiet_machine_formats_keep_their_data_and_json_every_warning(fmt):
    loud, quiet = invoke(*COMPARE, "--format", fmt), invoke(*COMPARE, "--format", fmt, "--quiet")
    assert quiet.stdout == loud.stdout
    assert quiet.stderr == f"Warning: {DECISIVE}\n"
    if fmt == "json":
        warnings = json.loads(quiet.stdout)[0]["warnings"]
        assert any(w.startswith("besiroglu2024 was fitted on N") for w in warnings)
        assert any(EXPLAINS in w for w in warnings)


def test_quiet_to_a_file_keeps_the_caveats_and_drops_the_footers(tmp_path):
    path = tmp_path / "plans.txt"
    invoke(*COMPARE, "-q", "-o", path)
    text = " ".join(path.read_text().split())  # drawn 100 columns wide: lines wrap
    assert "Caveats:" in text and DECISIVE in text and EXPLAINS not in text
    assert not any(line in text for line in FOOTER)


@pytest.mark.parametrize("args, kept", [
    (["--flops", "1e21", "--params", "7B"], "tokens per parameter is far below"),  # a run far from the optimum
    (["--flops", "1e24", "--preset", "kaplan2020"], "an extrapolation"),
    (["compare", "--target-loss", "1.7", "-p", "epoch,kaplan2020"], "irreducible"),  # a target out of reach
])
def test_quiet_keeps_the_warnings_that_change_a_decision(args, kept):
    loud, quiet = invoke(*args), invoke(*args, "-q")
    assert kept in quiet.stderr and quiet.stderr == loud.stderr
    assert len(quiet.stdout) < len(loud.stdout)


def test_quiet_drops_the_footers_of_sections_too():
    out = invoke("--flops", "1e22", "--shape", "--hparams", "-q").stdout
    assert "Shapes for N" in out and "Suggested hyperparameters" in out
    assert "Shapes: vocab" not in out and "η_opt =" not in out and "Law:" not in out


def test_every_command_with_a_format_takes_quiet():
    from planner.cli.group import SUBCOMMANDS

    root = cli()
    ctx = root.make_context("plan", [], resilient_parsing=True)
    commands = [root] + [root.get_command(ctx, name) for name in SUBCOMMANDS]
    commands += [sub for c in list(commands) if hasattr(c, "commands") and c is not root for sub in c.commands.values()]
    with_format = [c for c in commands if any("--format" in p.opts for p in c.params)]
    assert len(with_format) >= 10
    for command in with_format:
        assert any({"-q", "--quiet"} <= set(p.opts) for p in command.params), command.name
