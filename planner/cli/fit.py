"""``plan fit`` and ``plan design``: fit a law to your own runs; propose runs to train.

Thin commands over :mod:`planner.fitting` (read, fit, bootstrap, back-test, compare, design), :mod:`planner.files.lawfile`
(the law file) and :mod:`planner.report.fit` (the reports, in every format). numpy and scipy load only when one of
these commands runs.
"""

from __future__ import annotations

import time
from pathlib import Path

import click

from ..base.conventions import DEFAULT_BOOTSTRAP_RESAMPLES, HUBER_DELTA
from ..report.fit import DEFAULT_REPORT_BUDGETS
from .isoflop import approach_options
from .completion import complete_path
from .inputs import law_options, load_law, read_runs_options, runs_options
from .output import command_line, dropped_resamples, format_option, show, warn, write_law_file
from .plan_options import budget_options, flops_budgets
from .types import LEVEL, QUANTITY, Number, option, parse_pairs, with_options

#: A fit shows a progress bar on stderr once it has run this long (seconds) and stderr is a terminal.
PROGRESS_DELAY = 1.0


class _Progress:
    """A rich progress bar on stderr that appears only once the work has taken :data:`PROGRESS_DELAY` seconds, and
    never when stderr is not a terminal (there a transient bar only leaves a stray blank line in the log).
    Call it as ``progress(stage, done, total)``."""

    def __init__(self):
        self.start = time.monotonic()
        self.bar = None
        self.task = None
        self.off = False

    def __call__(self, stage: str, done: float, total: float) -> None:
        if self.off:
            return
        if self.bar is None:
            if time.monotonic() - self.start < PROGRESS_DELAY:
                return
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            console = Console(stderr=True)
            if not console.is_terminal:
                self.off = True
                return
            self.bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                TimeElapsedColumn(), console=console, transient=True)
            self.bar.start()
            self.task = self.bar.add_task(stage, total=total)
        self.bar.update(self.task, description=stage, completed=done, total=total)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.stop()


def _law_id(output: str | None, given: str | None) -> str:
    if given:
        return given
    if output is not None:
        return Path(output).stem or "fitted"
    return "fitted"


# ---------------------------------------------------------------------------------------------------------------------
# option groups


def model_options(f):
    """How the law is fitted: --tie, --fix, --objective, --huber-delta."""
    return with_options(f, [
        option("--tie", "ties", multiple=True, metavar="NAME=NAME",
                     help="Fit two coefficients as one, e.g. --tie alpha=beta (Gadre et al. 2024; repeatable)."),
        option("--fix", "fixes", multiple=True, metavar="NAME=VALUE",
                     help="Hold a coefficient fixed, e.g. --fix E=1.69 (repeatable)."),
        option("--objective", type=click.Choice(("huber-log", "least-squares")), default="huber-log",
                     show_default=True,
                     help="Huber on log L (Hoffmann et al.) or least squares on L (Gadre et al.'s curve fit)."),
        option("--huber-delta", "delta", type=Number(0, 10, low_open=True, what="a Huber delta"), default=HUBER_DELTA,
                     show_default=True, help="Huber delta of --objective huber-log."),
    ])


def errors_options(f):
    """How the errors are got: --errors, --bootstrap, --seed, --level."""
    return with_options(f, [
        option("--errors", type=click.Choice(("bootstrap", "asymptotic")), default="bootstrap",
                     show_default=True,
                     help="Bootstrap errors and intervals, or asymptotic (Gauss-Newton) errors, which understate "
                          "them on few runs."),
        option("--bootstrap", "n_boot", type=click.IntRange(1, 1_000_000), metavar="N",
                     help=f"Bootstrap resamples (seeded; e.g. 4000) [default: {DEFAULT_BOOTSTRAP_RESAMPLES}]."),
        option("--seed", type=click.IntRange(min=0), default=0, show_default=True,
                     help="Seed of the bootstrap resampling."),
        option("--level", type=LEVEL, default=95.0,
                     show_default=True, help="Interval level in percent."),
    ])


def backtest_options(f):
    """Whom to trust: --holdout, --holdout-above, --compare."""
    return with_options(f, [
        option("--holdout", type=click.IntRange(min=1), metavar="K",
                     help="Back-test: fit without the K runs of largest compute and predict them."),
        option("--holdout-above", type=QUANTITY, metavar="FLOPS",
                     help="Back-test: fit without the runs above FLOPS and predict them."),
        option("--compare", is_flag=True,
                     help="Fit the free and the alpha = beta law, Kaplan's form and Approach 2 on the same runs; "
                          "one row each."),
    ])


def _check_combinations(form, isoflop, curves, ties, fixes, errors, n_boot, holdout, holdout_above, compare, output):
    """Usage errors for options that do not go together."""
    approach = "--curves" if curves else "--isoflop" if isoflop else None
    if isoflop and curves:
        raise click.UsageError("--isoflop (Approach 2, final losses) and --curves (Approach 1, training curves) are "
                               "two different fits; give one")
    if approach and form != "parametric":
        raise click.UsageError(f"{approach} fits an allocation rule; it does not combine with --form")
    if approach and (ties or fixes):
        raise click.UsageError(f"--tie and --fix are for the parametric and Kaplan fits, not {approach}")
    if approach and (holdout or holdout_above):
        raise click.UsageError(f"--holdout predicts losses, which an allocation rule ({approach}) does not give")
    if approach and errors == "asymptotic" and n_boot:
        raise click.UsageError("--bootstrap sets the resamples; it does not combine with --errors asymptotic")
    if errors == "asymptotic" and n_boot:
        raise click.UsageError("--bootstrap sets the resamples of --errors bootstrap; it does not combine with "
                               "--errors asymptotic")
    if holdout and holdout_above:
        raise click.UsageError("give --holdout K or --holdout-above FLOPS, not both")
    if compare:
        for given, name in ((form != "parametric", "--form"), (isoflop, "--isoflop"), (curves, "--curves"), (ties, "--tie"),
                            (fixes, "--fix"), (output is not None, "-o"), (n_boot, "--bootstrap")):
            if given:
                raise click.UsageError(f"--compare fits its own estimators; it does not combine with {name}")
    if output == "-":  # the report is on stdout; a law file named '-' is never what was meant
        raise click.UsageError("-o - would write a file named '-'; give a file name like -o mylaw.toml")


# ---------------------------------------------------------------------------------------------------------------------
# plan fit


@click.command("fit")
@click.argument("runs_file", metavar="RUNS", shell_complete=complete_path)
@option("-o", "--output", metavar="FILE", help="Write the fitted law to FILE (TOML, loadable with --law).")
@option("--force", is_flag=True, help="Overwrite FILE if it exists.")
@option("--form", type=click.Choice(("parametric", "kaplan")), default="parametric", show_default=True,
        help="Law to fit: Chinchilla's E + A/N^alpha + B/D^beta, or Kaplan's Eq. 1.5.")
@option("--isoflop", is_flag=True,
        help="Hoffmann's Approach 2 instead: a minimum per isoFLOP budget, then N_opt = G*C^a.")
@approach_options
@model_options
@errors_options
@backtest_options
@option("--flops", type=QUANTITY, multiple=True, metavar="FLOPS",
        help="Budgets to plan at in the report (repeatable) [default: 1e20, 1e22, 1e24].")
@runs_options
@option("--id", "law_id", metavar="ID", help="Id of the written law [default: FILE's stem].")
@format_option(file_option=False)  # -o is the law file here
def fit_command(runs_file, output, force, form, isoflop, ties, fixes, objective, delta, errors, n_boot, seed, level,
                holdout, holdout_above, compare, flops, drop_highest_loss, n_params_column, tokens_column,
                flops_column, loss_column, input_format, law_id, fmt, curves, **approach):
    """Fit a scaling law to your own runs (CSV, TSV or JSON lines; - for stdin).

    One row per finished run with its parameters, tokens or training FLOPs, and final loss.
    Columns named n_params/params/N, tokens/n_tokens/D, flops/C and loss/L are found
    automatically. The fit follows Hoffmann et al.'s Approach 3 as Besiroglu et al. redid it:
    Huber (delta 1e-3) on log loss, L-BFGS from 4,500 starts, best kept; errors and
    intervals from 500 seeded bootstrap resamples.

    \b
    Examples:
      plan fit runs.csv
      plan fit runs.csv -o mylaw.toml && plan --law mylaw.toml --flops 1e22
      plan fit runs.csv --bootstrap 4000 --seed 42 --flops 1e22
      plan fit ladder.csv --tie alpha=beta --objective least-squares
      plan fit runs.csv --fix E=1.69
      plan fit runs.csv --holdout 2 --flops 1e24
      plan fit runs.csv --compare --flops 1e22 --flops 1e24
      plan fit runs.jsonl --form kaplan
      plan fit isoflop_runs.csv --isoflop --bootstrap 1000
      plan fit curves.csv --curves --run-column run --bootstrap 1000
    """
    from ..files.safe import check_output
    from ..report.fit import FitRequest, compare_report, fit_answer

    fixes = parse_pairs(fixes, "--fix", "E=1.69")
    _check_combinations(form, isoflop, curves, ties, fixes, errors, n_boot, holdout, holdout_above, compare, output)
    if output is not None:
        check_output(output, force)  # before the fit, which can take minutes (and an empty name is refused)
    command = command_line(click.get_current_context(), skip=("output", "force", "fmt"))
    if isoflop or curves:  # Hoffmann's Approaches 2 and 1: planner.cli.isoflop
        from .isoflop import fit_allocation_rule

        with _Progress() as progress:
            return fit_allocation_rule(
                runs_file, output=output, force=force, curves=curves,
                n_boot=0 if errors == "asymptotic" else (n_boot or 0), seed=seed, level=level,
                budgets=list(flops) or list(DEFAULT_REPORT_BUDGETS), law_id=_law_id(output, law_id), fmt=fmt,
                progress=progress, command=command,
                drop_highest_loss=drop_highest_loss, n_params_column=n_params_column, tokens_column=tokens_column,
                flops_column=flops_column, loss_column=loss_column, input_format=input_format, **approach)
    request = FitRequest(form=form, tie=tuple(ties), fix=tuple(fixes.items()), objective=objective,
                         delta=delta, errors=errors,
                         n_boot=n_boot or DEFAULT_BOOTSTRAP_RESAMPLES, seed=seed, level=level,
                         budgets=tuple(flops) or DEFAULT_REPORT_BUDGETS, holdout=holdout, holdout_above=holdout_above,
                         law_id=_law_id(output, law_id))

    runs = read_runs_options(runs_file, drop_highest_loss, n_params_column, tokens_column, flops_column, loss_column,
                             input_format)
    if compare:
        from ..fitting import compare_estimators

        with _Progress() as progress:
            results = compare_estimators(runs.n_params, runs.n_tokens, runs.loss, flops=runs.flops,
                                         budget=max(request.budgets), objective=objective, delta=delta,
                                         holdout=holdout, holdout_above=holdout_above,
                                         flops_per_param_token=runs.flops_per_param_token, progress=progress)
        show(compare_report(results, request.budgets, runs), fmt)
        return
    with _Progress() as progress:
        answer = fit_answer(runs, request, progress=progress)
    warn(dropped_resamples(answer.boot))
    show(answer.report, fmt)
    if output is not None:
        write_law_file(output, force, answer.fit, answer.boot, law_id=request.law_id, source=Path(runs.source).name,
                       command=command)


@click.command("design")
@budget_options
@option("--models", "n_models", type=click.IntRange(3, 1000), default=9, show_default=True,
              help="Model sizes per budget.")
@option("--span", type=Number(1, 1e6, low_open=True, what="a ratio of sizes"), default=16.0, show_default=True,
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
