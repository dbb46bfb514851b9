"""planner.cli.types: the seam where every option value enters. Nothing given is ignored without a word: an empty
text value is refused, an option that means something only with another is refused without it, and a bootstrap of
too few resamples for its interval's level is said so in every format (issue 21, "silent acceptance")."""

import json

import click
import pytest
from click.testing import CliRunner

from planner.base.conventions import MIN_BOOTSTRAP_RESAMPLES
from planner.cli import cli
from planner.cli.types import Once, Resamples, Text, noted_warnings

from .goldens import WIDTH, assert_one_line_error


def run(*args):
    return CliRunner(env=WIDTH).invoke(cli, list(map(str, args)))


def commands():
    """(words, command) of ``plan`` and each of its subcommands, groups' subcommands included."""
    out = [((), cli)]
    for name, command in cli.commands.items():
        out.append(((name,), command))
        if isinstance(command, click.Group):
            out += [((name, sub), c) for sub, c in command.commands.items()]
    return out


def _options(kind):
    return [(words, p) for words, command in commands() for p in command.params
            if isinstance(p, click.Option) and kind(p)]


def _value(param) -> list[str]:
    """A valid value for ``param`` on its own (none for a flag)."""
    if param.is_flag:
        return []
    t = param.type
    if isinstance(t, click.Choice):
        return [t.choices[0]]
    if isinstance(t, click.IntRange):
        return [str(max(t.min or 1, 1))]
    if param.name == "curve_schedule":
        return ["constant:peak=3e-4"]
    return ["3"]


TEXT_OPTIONS = _options(lambda p: isinstance(p.type, Text))
NEEDING = _options(lambda p: isinstance(p, Once) and p.needs)


def test_the_seams_are_in_place():
    """Most options are text (a law, a file, a column) and a few need another: both lists are what the tests below
    walk, so an empty list would test nothing."""
    assert len(TEXT_OPTIONS) > 20 and {"--tasks", "--preset", "--output"} <= {max(p.opts, key=len)
                                                                            for _, p in TEXT_OPTIONS}
    assert {"--points", "--isoflop-window", "--vocab"} <= {max(p.opts, key=len) for _, p in NEEDING}


@pytest.mark.parametrize("words, param", TEXT_OPTIONS, ids=lambda x: " ".join(x) if isinstance(x, tuple) else x.name)
def test_every_text_option_refuses_an_empty_value(words, param):
    """``plan --tasks ""`` printed a plain plan with exit 0, the option dropped without a word."""
    assert_one_line_error(run(*words, param.opts[0], ""), 2, "is empty; give ")


@pytest.mark.parametrize("words, param", NEEDING, ids=lambda x: " ".join(x) if isinstance(x, tuple) else x.name)
def test_every_option_that_needs_another_is_refused_without_it(words, param):
    """``plan fit RUNS --isoflop-window 3`` without --isoflop fitted Approach 3, the window ignored."""
    command = dict(commands())[words]
    for needed in param.needs:   # what it needs is an option of the same command
        assert needed in {p.name for p in command.params}
    arguments = ["runs.csv"] * sum(isinstance(p, click.Argument) for p in command.params)
    r = run(*words, *arguments, param.opts[0], *_value(param))
    assert_one_line_error(r, 2, f"{max(param.opts, key=len)} only applies with --")


def test_an_option_that_needs_another_works_with_it():
    assert run("--flops-range", "1e20", "1e22", "--points", "3", "--format", "json").exit_code == 0
    assert run("--flops", "1e21", "--shape", "--vocab", "50000").exit_code == 0


@pytest.mark.parametrize("n, warned", [(1, True), (MIN_BOOTSTRAP_RESAMPLES - 1, True), (MIN_BOOTSTRAP_RESAMPLES, False),
                                       (0, False)])
def test_fewer_resamples_than_the_intervals_level_needs_are_warned_about(n, warned):
    """A 95% interval's 2.5% tails hold under one resample below 2/(1 - 0.95) = 40: the ends are the extreme
    resamples. 0 (none) is no interval, so no warning."""
    assert MIN_BOOTSTRAP_RESAMPLES == round(2 / (1 - 0.95))
    command = click.Command("c", params=[click.Option(["--bootstrap"], type=Resamples(0, 10_000))])
    with click.Context(command) as ctx:
        Resamples(0, 10_000).convert(str(n), command.params[0], ctx)
        assert bool(noted_warnings(ctx)) is warned


def test_a_two_resample_bootstrap_warns_in_every_format(tmp_path):
    """plan fit-tasks --bootstrap 2: the warning on stderr and in the JSON document's warnings."""
    from .test_fitting_tasks import synthetic_rows, write_ladder

    ladder = write_ladder(tmp_path / "ladder.csv", synthetic_rows(checkpoints=8))
    r = run("fit-tasks", ladder, "--bootstrap", 2, "--format", "json")
    assert r.exit_code == 0, r.output
    assert "Warning: --bootstrap 2: a 95% interval needs at least 40 resamples" in r.stderr
    assert any(w.startswith("--bootstrap 2: a 95% interval") for w in json.loads(r.stdout)["warnings"])


SEEDS = _options(lambda p: p.name == "seed")


def test_every_seed_refuses_a_negative_value():
    """numpy's generators take seeds of 0 or more: ``plan fit-hparams SWEEP --seed -1`` raised numpy's ValueError
    as a traceback (found by the fuzz)."""
    assert len(SEEDS) >= 4
    for words, param in SEEDS:
        assert param.type.convert("0", param, None) == 0
        with pytest.raises(click.BadParameter):
            param.type.convert("-1", param, None)
