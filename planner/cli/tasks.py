"""``plan tasks``, ``plan tasks show`` and ``plan fit-tasks``: the task laws that forecast benchmark accuracy, and
fitting one to your own model ladder.

The forecasts themselves are ``plan --tasks ID`` (the root command, :mod:`planner.cli.plan`); the figures
``plan plot tasks`` (:mod:`planner.cli.plot`). numpy and scipy load only when a fit runs.
"""

from __future__ import annotations

from pathlib import Path

import click

from ..base.conventions import TASK_STEP1_POINTS
from ..files.presets import list_task_laws, load_task_laws, task_law_source
from ..files.runs import read_ladder
from ..files.safe import check_output
from ..files.taskfile import parse_task_law_text
from ..files.taskwriter import task_law_file_text
from ..report.tasks import fit_tasks_report, forecasts, task_law_report, task_laws_report
from .completion import complete_path, complete_task_law
from .fit import FIX, HOLDOUT, TIE
from .output import Progress, command_line, format_option, pending_file, show, show_document, written_law_id
from .types import QUANTITY, SEED, Number, Resamples, option, parse_pairs

__all__ = ["tasks", "tasks_show", "fit_tasks_command", "ladder_options"]


@click.group(invoke_without_command=True)
@format_option
@click.pass_context
def tasks(ctx, fmt):
    """List the shipped task laws: benchmark accuracy from scale, in two steps.

    Each task law forecasts a benchmark's accuracy from model size N and data D: step 1 the task loss
    L(N, D) = E + A/N^alpha + B/D^beta, step 2 the accuracy at that loss (Bhagia et al. 2024; Gadre et al. 2024).

    \b
    Examples:
      plan tasks
      plan tasks show bhagia2024
      plan --params 7B --tokens 4T --tasks bhagia2024
    """
    if ctx.invoked_subcommand is not None:
        return

    show(task_laws_report(list_task_laws()), fmt)


@tasks.command("show")
@click.argument("task_law", metavar="ID|FILE", shell_complete=complete_task_law)
@format_option(document="toml", default="table")
def tasks_show(task_law, fmt):
    """Show one task law: each task's two steps, chance accuracy, fitted range and source.

    ID is a shipped task law's id or alias, or a task-law file's path. --format toml prints the task-law file
    itself (with its bootstrap samples).

    \b
    Examples:
      plan tasks show bhagia2024
      plan tasks show olmo-ladder --format json
      plan tasks show gadre2024 --format toml
    """
    laws = load_task_laws(task_law)
    show_document(fmt, "toml", lambda: task_law_source(laws), lambda: task_law_report(laws))


def _chances(values) -> dict[str, float]:
    out = {}
    for item in values:
        name, sep, value = item.partition("=")
        try:
            x = float(value)
        except ValueError:
            x = None
        if not sep or not name.strip() or x is None or not 0 <= x < 1:
            raise click.BadParameter(f"expected TASK=ACCURACY like mmlu=0.25, the accuracy from 0 to below 1 "
                                     f"(got {item!r})", param_hint="'--chance'")
        out[name.strip()] = x
    return out


_LADDER_COLUMNS = (("run", "--run-column", "Column naming each run."),
                   ("n_params", "--n-params-column", "Column with each run's parameter count N."),
                   ("n_tokens", "--tokens-column", "Column with the tokens D seen at the checkpoint."),
                   ("task", "--task-column", "Column naming the task."),
                   ("task_loss", "--task-loss-column", "Column with the task loss (e.g. bits per byte)."),
                   ("accuracy", "--accuracy-column", "Column with the task accuracy (0 to 1)."),
                   ("chance", "--chance-column", "Column with the task's chance accuracy (optional)."))


def ladder_options(f):
    """The column and format overrides of a ladder file (plan fit-tasks)."""
    f = option("--input-format", type=click.Choice(("csv", "tsv", "jsonl")),
                     help="Format of LADDER [default: from the extension, else sniffed].")(f)
    for field, flag, text in reversed(_LADDER_COLUMNS):
        f = option(flag, f"{field}_column", metavar="NAME", help=text)(f)
    return f


@click.command("fit-tasks")
@click.argument("ladder_file", metavar="LADDER", shell_complete=complete_path)
@option("-o", "--output", metavar="FILE", help="Write the fitted task law to FILE (TOML, for --tasks FILE).")
@option("--force", is_flag=True, help="Overwrite FILE if it exists.")
@option("--task", "task_names", multiple=True, metavar="NAME", help="Fit only this task (repeatable).")
@option("--chance", "chances", multiple=True, metavar="TASK=ACC",
              help="A task's chance accuracy, e.g. --chance mmlu=0.25 (repeatable) [default: the table's chance "
                   "column, planner's for the tasks it knows, else the fitted sigmoid's floor].")
@option("--bootstrap", "n_boot", type=Resamples(0, 100_000), default=100, show_default=True, metavar="N",
              help="Refit both steps on N resamples of the runs, for intervals (0: none).")
@option("--seed", type=SEED, default=0, show_default=True, help="Seed of the resampling.")
@option("--params", "n_params", type=QUANTITY, metavar="N", help="A target model: forecast it (with --tokens).")
@option("--tokens", "n_tokens", type=QUANTITY, metavar="D", help="The target's training tokens.")
@option("--last-checkpoints", "n_last", type=click.IntRange(1), default=5, show_default=True, metavar="K",
              help="Step 1 fits each run's task loss averaged over its last K checkpoints.")
@option("--window", type=click.IntRange(1), default=5, show_default=True,
              help="Moving-average window of step 2's checkpoints.")
@option("--skip", type=Number(0, 1, high_open=True, what="a fraction"), default=0.1, show_default=True,
              help="Fraction of each run's first checkpoints step 2 drops.")
@option("--step1-points", "points", type=click.Choice(TASK_STEP1_POINTS), default="auto", show_default=True,
        help="Step 1 on each run's final task loss, or on every checkpoint as an (N, D) point (ladders whose every "
             "size is trained to one token count); auto: checkpoints exactly when every run ends at one token count.")
@TIE
@FIX
@HOLDOUT
@option("--id", "law_id", metavar="ID", help="Id of the written task law [default: FILE's stem].")
@ladder_options
@format_option(file_option=False)  # -o is the task-law file here
def fit_tasks_command(ladder_file, output, force, task_names, chances, n_boot, seed, n_params, n_tokens, n_last,
                      window, skip, points, ties, fixes, holdout, law_id, input_format, fmt, **columns):
    """Fit two-step task laws to your own model ladder (CSV, TSV or JSON lines; - for stdin).

    One row per checkpoint and task, with columns run, n_params, tokens, task, task_loss and
    accuracy (names recognised as for 'plan fit', or given with --*-column). For each task,
    step 1 fits E + A/N^alpha + B/D^beta to each run's final task loss, step 2 a sigmoid from
    task loss to accuracy on every checkpoint, as Bhagia et al. 2024 do; both are refitted on
    resamples of the runs for intervals. Warns when a task has not emerged (accuracy near
    chance) and, with --params/--tokens, when the target is more than 100x the ladder's compute.
    Checkpoints at step 0 (0 tokens) are skipped with a note. A ladder whose every size is
    trained to one token count is fitted on its checkpoints (--step1-points). --tie, --fix and
    --holdout work as in 'plan fit'.

    \b
    Examples:
      plan fit-tasks ladder.csv -o mytasks.toml
      plan fit-tasks ladder.csv --params 7B --tokens 4T --bootstrap 200 --seed 1
      plan fit-tasks suite.csv --fix E=0.5 --holdout 2 --bootstrap 0
      plan --params 7B --tokens 4T --tasks mytasks.toml
      python scripts/olmo_ladder_long.py ../shared/data/olmo-ladder > ladder.csv
    """
    if output == "-":
        raise click.UsageError("-o - would write a file named '-'; give a file name like -o mytasks.toml")
    if bool(n_params) != bool(n_tokens):
        raise click.UsageError("--params and --tokens give the target run together: give both or neither")
    chance = _chances(chances)
    fix = parse_pairs(fixes, "--fix", "E=1.69")
    if output is not None:
        check_output(output, force)  # before the fits, which take a while (and an empty name is refused)
    ladder = read_ladder(ladder_file, fmt=input_format, **{k.removesuffix("_column"): v for k, v in columns.items()})
    # numpy and scipy: only plan fit-tasks fits (plan tasks lists without them)
    from ..fitting.tasks import fit_ladder

    law_id = written_law_id(output, law_id)
    # The file records what made it: the fit's own options, not the target it was forecast at.
    command = command_line(click.get_current_context(), skip=("output", "force", "fmt", "n_params", "n_tokens"))
    with Progress() as progress:
        fits, laws = fit_ladder(ladder, task_names, chance, law_id=law_id, n_resamples=n_boot, seed=seed,
                                n_last=n_last, window=window, skip=skip, command=command, points=points,
                                tie=tuple(ties), fix=fix, holdout=holdout,
                                progress=lambda done, total: progress("bootstrap", done, total))
    target = forecasts(laws, (), n_params=n_params, n_tokens=n_tokens) if n_params else None
    pending = pending_file(output, force, lambda: task_law_file_text(laws, comment=[
        f"Written by plan fit-tasks from {Path(ladder.source).name}."]), parse_task_law_text, "a task-law file",
        ("forecast with it", "--params", "7B", "--tokens", "4T", "--tasks", "{output}"))   # checked before the report
    show(fit_tasks_report(laws, fits, ladder, target), fmt)
    if pending is not None:
        pending.write()
