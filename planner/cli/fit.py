"""``plan fit`` and ``plan design``: fit a law to your own runs; propose runs to train.

Thin commands over :mod:`planner.fitting` (read, fit, bootstrap, design), :mod:`planner.lawfile` (the law file) and
:mod:`planner.report.fit` (the reports, in every format). numpy and scipy load only when one of these commands runs.
"""

from __future__ import annotations

from pathlib import Path

import click

from .options import (QUANTITY, budget_options, flops_budgets, format_option, law_options, load_law,
                      read_runs_options, runs_options, show, warn)

#: Budgets the report plans at when no --flops is given.
DEFAULT_REPORT_BUDGETS = (1e20, 1e22, 1e24)


def _progress_bar(total: int):
    """A rich progress bar on stderr, and the callback that advances it."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(stderr=True)
    # Off when stderr is not a terminal: there a transient bar only leaves a stray blank line in the log.
    progress = Progress(TextColumn("bootstrap"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                        console=console, transient=True, disable=not console.is_terminal)
    task = progress.add_task("bootstrap", total=total)
    return progress, lambda done, _total: progress.update(task, completed=done)


def _law_id(output: str | None, given: str | None) -> str:
    if given:
        return given
    if output:
        return Path(output).stem
    return "fitted"


@click.command("fit")
@click.argument("runs_file", metavar="RUNS")
@click.option("-o", "--output", metavar="FILE", help="Write the fitted law to FILE (TOML, loadable with --law).")
@click.option("--force", is_flag=True, help="Overwrite FILE if it exists.")
@click.option("--form", type=click.Choice(("parametric", "kaplan")), default="parametric", show_default=True,
              help="Law to fit: Chinchilla's E + A/N^alpha + B/D^beta, or Kaplan's Eq. 1.5.")
@click.option("--isoflop", is_flag=True,
              help="Hoffmann's Approach 2 instead: a parabola per isoFLOP budget, then N_opt = G*C^a.")
@click.option("--bootstrap", "n_boot", type=click.IntRange(0, 1_000_000), default=0, metavar="N",
              help="Refit on N resamples of the runs for percentile intervals (e.g. 4000).")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True, help="Seed of the bootstrap resampling.")
@click.option("--level", type=click.FloatRange(0, 100, min_open=True, max_open=True), default=95.0,
              show_default=True, help="Interval level in percent.")
@click.option("--flops", type=QUANTITY, multiple=True, metavar="FLOPS",
              help="Budgets to plan at in the report (repeatable) [default: 1e20, 1e22, 1e24].")
@runs_options
@click.option("--id", "law_id", metavar="ID", help="Id of the written law [default: FILE's stem].")
@format_option(file_option=False)  # -o is the law file here
def fit_command(runs_file, output, force, form, isoflop, n_boot, seed, level, flops, drop_highest_loss,
                n_params_column, tokens_column, flops_column, loss_column, input_format, law_id, fmt):
    """Fit a scaling law to your own runs (CSV, TSV or JSON lines; - for stdin).

    One row per finished run with its parameters, tokens or training FLOPs, and final loss.
    Columns named n_params/params/N, tokens/n_tokens/D, flops/C and loss/L are found
    automatically. The fit follows Hoffmann et al.'s Approach 3 as Besiroglu et al. redid it:
    Huber (delta 1e-3) on log loss, L-BFGS from 4,500 starts, best kept.

    \b
    Examples:
      plan fit runs.csv
      plan fit runs.csv -o mylaw.toml && plan --law mylaw.toml --flops 1e22
      plan fit runs.csv --bootstrap 4000 --seed 42 --flops 1e22
      plan fit runs.jsonl --form kaplan
      plan fit isoflop_runs.csv --isoflop
    """
    from .. import fitting
    from ..files import check_output, write_atomic
    from ..lawfile import law_file_text, law_from_fit, load_law_file
    from ..report.fit import fit_report, plans_report

    if isoflop and form != "parametric":
        raise click.UsageError("--isoflop fits Approach 2's allocation rule; it does not combine with --form")
    if isoflop and n_boot:
        raise click.UsageError("--bootstrap is for the parametric and Kaplan fits, not --isoflop")
    if output == "-":  # the report is on stdout; a law file named '-' is never what was meant
        raise click.UsageError("-o - would write a file named '-'; give a file name like -o mylaw.toml")
    if output:
        check_output(output, force)  # before the fit, which can take minutes

    runs = read_runs_options(runs_file, drop_highest_loss, n_params_column, tokens_column, flops_column, loss_column,
                             input_format)
    N, D, L = runs.n_params, runs.n_tokens, runs.loss
    if isoflop:
        result = fitting.fit_isoflop(N, D, L, flops=runs.flops, flops_per_param_token=runs.flops_per_param_token)
    elif form == "kaplan":
        result = fitting.fit_kaplan(N, D, L, flops_per_param_token=runs.flops_per_param_token)
    else:
        result = fitting.fit_parametric(N, D, L, flops_per_param_token=runs.flops_per_param_token)
    boot = None
    if n_boot:
        progress, callback = _progress_bar(n_boot)
        with progress:
            boot = fitting.bootstrap(N, D, L, n_resamples=n_boot, seed=seed, fit=result, form=result.form,
                                     level=level, progress=callback)

    budgets = list(flops) or list(DEFAULT_REPORT_BUDGETS)
    law_id = _law_id(output, law_id)
    fitted = law_from_fit(result, boot, law_id=law_id, source=Path(runs.source).name)
    report = fit_report(result, boot, plans_report(fitted, budgets, level if boot is not None else None), runs)
    if boot is not None and boot.n_failed:
        warn([f"{boot.n_failed} of {boot.n_resamples} bootstrap resamples gave no valid fit and were dropped"])
    show(report, fmt)

    if output:
        command = "plan fit " + " ".join(
            [Path(runs.source).name] + ([f"--form {form}"] if form != "parametric" else [])
            + (["--isoflop"] if isoflop else []) + ([f"--drop-highest-loss {drop_highest_loss}"] if drop_highest_loss else [])
            + ([f"--bootstrap {n_boot} --seed {seed}"] if n_boot else []))
        from ..errors import PresetError

        try:
            text = law_file_text(result, boot, law_id=law_id, source=Path(runs.source).name, command=command)
            write_atomic(output, text, force, check=load_law_file)  # a file that does not load never appears
        except (PresetError, ValueError) as e:
            raise click.ClickException(f"the fit cannot be written as a law file ({e}); nothing was written "
                                       f"to {output}") from None
        click.echo(f"Wrote {output}; plan with it: plan --law {output} --flops 1e22", err=True)


@click.command("design")
@budget_options
@click.option("--models", "n_models", type=click.IntRange(3, 1000), default=9, show_default=True,
              help="Model sizes per budget.")
@click.option("--span", type=click.FloatRange(1, min_open=True), default=16.0, show_default=True,
              help="Ratio of the largest to the smallest size per budget (centred on the prior's N_opt).")
@law_options
@format_option
def design_command(flops, flops_range, points, n_models, span, preset, law_file, sets, fmt):
    """Propose an isoFLOP grid of runs to train for 'plan fit --isoflop'.

    For each budget (--flops, repeatable, or --flops-range with --points, as for 'plan'), sizes
    log-spaced around the prior law's compute-optimal N (default law unless --preset/--law), each
    with D = C/(6N) tokens.

    \b
    Examples:
      plan design --flops 1e18 --flops 1e19 --flops 1e20
      plan design --flops-range 1e18 1e20 --points 3
      plan design --flops 1e19 --models 7 --span 10 --format csv > grid.csv
    """
    from ..fitting import design_isoflop
    from ..report.fit import design_report

    budgets = flops_budgets(flops, flops_range, points)
    if not budgets:
        raise click.UsageError("give the grid's budgets: --flops C (repeatable) or --flops-range START STOP")
    law = load_law(preset, law_file, sets)
    show(design_report(design_isoflop(budgets, law, n_models=n_models, span=span), law, span), fmt)
