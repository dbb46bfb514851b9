"""``plan plot``: figures of laws (``frontier``, ``isoflop``), of a fit to runs (``fit``), of a user's isoFLOP
sweeps (``isoflop RUNS``), training curves (``curves``) and one run's curve with its forecast (``curve``).

matplotlib loads only when a figure is drawn (``pip install 'scaling-planner[plot]'``); the group's help needs
none.
"""

from __future__ import annotations

from pathlib import Path

import click

from ..files.presets import DEFAULT_PRESET, load_task_laws
from ..files.runs import read_ladder
from ..planning.uncertainty import has_uncertainty
from ..plots.common import figure_format, require_matplotlib, save_figure
from ..plots.curve import curve_figure
from ..plots.fits import curves_figure, fit_figure, isoflop_runs_figure
from ..plots.laws import frontier_figure, isoflop_figure
from ..plots.tasks import tasks_figure
from ..plots.versus import versus_figure
from .curve import curve_input_options, curve_inputs
from .completion import complete_path, complete_preset, complete_task, complete_task_law
from .inputs import law_options, laws_options, load_law, load_laws, read_runs_options, runs_options
from .isoflop import budget_options, curves_options, read_approach_runs
from .output import Progress, warn
from .plan_options import flops_budgets
from .types import LEVEL, QUANTITY, option
from .versus import check_range, comparison_options, guarded, load_pair


def output_options(f):
    """-o/--output FILE (format by suffix) and --force."""
    f = option("--force", is_flag=True, help="Overwrite FILE if it exists.")(f)
    f = option("--output", "-o", required=True, metavar="FILE", callback=_figure_path, type=click.Path(),
                     help="Where to write the figure: .png, .svg or .pdf.")(f)
    return f


def _figure_path(ctx, param, value):
    try:
        figure_format(value)
    except ValueError as e:
        raise click.BadParameter(str(e), ctx, param) from None
    return value



def _save(fig, output: str, force: bool) -> None:
    """Write the figure (atomically, never over a file without --force) and say where on stderr."""
    click.echo(f"Wrote {save_figure(fig, output, force)}", err=True)


@click.group()
def plot():
    """Draw figures (PNG, SVG or PDF by the output's suffix); needs matplotlib: pip install 'scaling-planner[plot]'.

    \b
    Examples:
      plan plot frontier --preset epoch --preset chinchilla -o frontier.png
      plan plot isoflop --flops 1e20 --flops 1e22 --flops 1e24 -o isoflop.svg
      plan plot fit runs.csv -o fit.png
      plan plot isoflop sweeps.csv -o sweeps.png
      plan plot curves curves.csv -o envelope.png
      plan plot curve curves.csv --horizon 38B --run 190M-10x -o curve.png
      plan plot tasks --tasks bhagia2024 --task mmlu --params 7B --tokens 4T -o mmlu.png
      plan plot versus hoffmann2022 besiroglu2024 -o versus.png
    """


@plot.command("frontier")
@laws_options
@option("--flops-range", type=(QUANTITY, QUANTITY), default=(1e18, 1e26), show_default=True,
              metavar="START STOP", help="Compute range of the x axis in FLOPs.")
@option("--ci", type=LEVEL, default=80, show_default=True,
              metavar="LEVEL", help="Width of the interval bands, for laws that publish uncertainty.")
@option("--no-bands", is_flag=True, help="Draw no interval bands.")
@output_options
def plot_frontier(preset_list, law_files, flops_range, ci, no_bands, output, force):
    """N_opt, D_opt and tokens per parameter against compute for one or more laws.

    The laws as 'plan compare' takes them: --preset (comma-separated or repeated; an id, alias or
    law file) and --law files (repeatable); without either, plan's default law (starred in 'plan presets').

    \b
    Examples:
      plan plot frontier --preset epoch,chinchilla -o frontier.png
      plan plot frontier -p epoch --law mylaw.toml -o frontier.png
    """
    require_matplotlib()
    laws = load_laws(preset_list, law_files, default=[DEFAULT_PRESET])
    lo, hi = flops_range
    if not lo < hi:
        raise click.BadParameter(f"start must be below stop (got {lo:g}, {hi:g})", param_hint="'--flops-range'")
    budgets = flops_budgets((), flops_range, 200)
    fig = frontier_figure(laws, budgets, None if no_bands else ci)
    _save(fig, output, force)


@plot.command("isoflop")
@click.argument("runs_file", metavar="[RUNS]", required=False, shell_complete=complete_path)
@option("--flops", type=QUANTITY, multiple=True, metavar="FLOPS",
              help="A budget in FLOPs (repeatable) [default: 1e19 … 1e25, every 100×].")
@law_options
@option("--ci", type=LEVEL, metavar="LEVEL",
              help="Mark a LEVEL% interval on each optimum's N, where the law publishes uncertainty.")
@budget_options
@runs_options
@output_options
def plot_isoflop(runs_file, flops, preset, law_file, sets, ci, output, force, budget_column, isoflop_method,
                 isoflop_window, allow_budget_mismatch, **read):
    """Predicted loss against N at fixed budgets, each optimum marked; or, given RUNS, your isoFLOP sweeps.

    With RUNS (final losses, as 'plan fit --isoflop' reads them): each budget's runs, its fitted curve and minimum
    with its interval, and N_opt against C with the fitted power law.

    \b
    Examples:
      plan plot isoflop --flops 1e20 --flops 1e22 --flops 1e24 -o isoflop.png
      plan plot isoflop sweeps.csv --isoflop-window 3 -o sweeps.png
    """
    require_matplotlib()
    if runs_file is not None:
        if flops or preset or law_file or sets or ci is not None:
            raise click.UsageError("RUNS draws your own sweeps; --flops, --preset, --law, --set and --ci draw a law's "
                                   "profiles: give one or the other")
        # numpy and scipy: only RUNS needs them
        from ..report.isoflop import fit_allocation_rule

        runs = read_approach_runs(runs_file, False, budget_column=budget_column, **read)
        result = fit_allocation_rule(runs, False, isoflop_method, isoflop_window,
                                     allow_budget_mismatch=allow_budget_mismatch)
        warn(result.warnings)
        fig = isoflop_runs_figure(result, runs.n_params, runs.loss, label=Path(runs.source).name,
                                  caption=f"Runs: {runs.source}, {len(runs)} runs; budgets "
                                          f"{result.extra['grouping'].source}.")
        _save(fig, output, force)
        return
    law = load_law(preset, law_file, sets)
    if ci is not None and not has_uncertainty(law):
        warn([f"law {law.id!r} publishes no uncertainty, so the plot has no interval"])
    fig = isoflop_figure(law, list(flops) or [1e19, 1e21, 1e23, 1e25], ci)
    _save(fig, output, force)


@plot.command("curves")
@click.argument("runs_file", metavar="CURVES", shell_complete=complete_path)
@curves_options
@runs_options
@output_options
def plot_curves(runs_file, run_column, output, force, **read):
    """Training curves and their envelope (Hoffmann's Approach 1), with N_opt and D_opt along it.

    CURVES has one row per checkpoint (run id, N, tokens so far, loss), as 'plan fit --curves' reads it.

    \b
    Example:
      plan plot curves curves.csv --run-column run -o envelope.png
    """
    # numpy and scipy, after the matplotlib check
    from ..report.isoflop import fit_allocation_rule

    require_matplotlib()
    runs = read_approach_runs(runs_file, True, run_column=run_column, **read)
    result = fit_allocation_rule(runs, True)
    warn(result.warnings)
    fig = curves_figure(result, label=Path(runs.source).name,
                        caption=f"Runs: {runs.source}, {len(result.extra['envelope'].runs)} runs, {len(runs)} "
                                "checkpoints.")
    _save(fig, output, force)


@plot.command("curve")
@curve_input_options
@option("--method", type=click.Choice(("tissue", "multi-power")), default="tissue", show_default=True,
        help="The curve law to draw (plan curve's back-test says which to trust).")
@output_options
def plot_curve(curves_file, horizon, run_id, schedule_text, batch_tokens, no_backtest, method, output, force,
               run_column, n_params_column, tokens_column, loss_column, lr_column):
    """A run's loss curve, the curve law fitted to it, its predicted final loss with the band, and the schedule.

    CURVES, --horizon, --run and --schedule as 'plan curve' takes them: the law is fitted on the finished runs of the
    run's size and the run's own logged part, and drawn to the horizon under its schedule, with the learning rate
    beneath.

    \b
    Examples:
      plan plot curve curves.csv --horizon 38B --run 190M-10x -o curve.png
      plan plot curve curves.csv --horizon 20B --run mine --schedule wsd:peak=3e-4,warmup=200M -o wsd.svg
    """
    require_matplotlib()
    # numpy and scipy: after the matplotlib check
    from ..fitting.curve_forecast import curve_path, forecast_curve

    runs, target, step, schedule = curve_inputs(curves_file, horizon, run_id, schedule_text, batch_tokens,
                                                run_id=run_column, n_params=n_params_column, n_tokens=tokens_column,
                                                loss=loss_column, learning_rate=lr_column)
    with Progress() as note:
        result = forecast_curve(runs, target, horizon, schedule=schedule, step_tokens=step, methods=(method,),
                                backtest=not no_backtest, progress=note)
    warn(result.warnings)
    path = curve_path(runs, target, horizon, method=method, step_tokens=step, schedule=schedule)
    run = next(r for r in runs if r.run == target)
    others = [r for r in runs if r.run in path.fitted and r.run != target]
    prediction = next(iter(result.predictions), None)
    fig = curve_figure(run, others, path, prediction, horizon=horizon,
                       caption=f"Curves: {Path(curves_file).name}; interval: the prediction × exp(±2·s), s the RMS "
                               f"log error of the back-test (else of the fit).")
    _save(fig, output, force)


@plot.command("fit")
@click.argument("runs_file", metavar="RUNS", shell_complete=complete_path)
@option("--form", type=click.Choice(("parametric", "kaplan")), default="parametric", show_default=True,
              help="Law to fit, as 'plan fit --form'.")
@option("--preset", "-p", metavar="ID", shell_complete=complete_preset,
        help="Diagnose this preset on RUNS instead of fitting a law.")
@option("--law", "law_file", type=click.Path(dir_okay=False), metavar="FILE",
              help="Diagnose this law file (e.g. one 'plan fit -o' wrote) on RUNS instead of fitting a law.")
@runs_options
@output_options
def plot_fit(runs_file, form, preset, law_file, output, force, **read):
    """Fit diagnostics for RUNS: predicted against observed loss, and residuals against N.

    Fits the law to RUNS as 'plan fit' does, or takes one with --preset or --law.

    \b
    Examples:
      plan plot fit runs.csv -o fit.png
      plan plot fit runs.csv --law mylaw.toml -o fit.svg
    """
    require_matplotlib()
    runs = read_runs_options(runs_file, **read)
    if preset or law_file:
        law = load_law(preset, law_file, ())
        model, label = law.model, f"{law.id} on {Path(runs.source).name}"
        caption = f"Law: {law.short_citation}."
    else:
        # numpy and scipy: only plan plot fit fits
        from .. import fitting

        fitter = fitting.fit_kaplan if form == "kaplan" else fitting.fit_parametric
        result = fitter(runs.n_params, runs.n_tokens, runs.loss, flops_per_param_token=runs.flops_per_param_token)
        warn(result.warnings)
        model, label = result.model, f"{form} fit to {Path(runs.source).name}"
        caption = f"Fit: {result.method}." if result.method else ""
    derived = f"; {', '.join(runs.derived)} derived from the other columns" if runs.derived else ""
    runs_line = f"Runs: {runs.source}, {len(runs)} runs{derived}."
    fig = fit_figure(runs.n_params, runs.n_tokens, runs.loss, model, label=label, caption=" ".join((caption, runs_line)))
    _save(fig, output, force)


@plot.command("tasks")
@option("--tasks", "task_law", required=True, metavar="ID|FILE", shell_complete=complete_task_law,
              help="The task law: a shipped id (see 'plan tasks') or a task-law file.")
@option("--task", "task_names", multiple=True, metavar="NAME", shell_complete=complete_task,
        help="Only this task (repeatable) [default: all].")
@option("--params", "n_params", type=QUANTITY, metavar="N", help="Mark a target model of N parameters (with --tokens).")
@option("--tokens", "n_tokens", type=QUANTITY, metavar="D", help="The target's training tokens.")
@option("--ladder", "ladder_file", metavar="LADDER",
              help="Draw the points of this ladder (the long table 'plan fit-tasks' reads) [default: the file's own].")
@output_options
def plot_tasks(task_law, task_names, n_params, n_tokens, ladder_file, output, force):
    """Both steps of a task law: task loss against compute, and accuracy against task loss.

    One row per task, as Bhagia et al. 2024's Figure 2: the ladder's points, the fitted curves, and
    the target run (--params N --tokens D) marked on both.

    \b
    Examples:
      plan plot tasks --tasks bhagia2024 --task mmlu --params 7B --tokens 4T -o mmlu.png
      plan plot tasks --tasks gadre2024 -o gadre.svg
      plan plot tasks --tasks bhagia2024 --ladder ladder.csv -o ladder.png
    """
    if bool(n_params) != bool(n_tokens):
        raise click.UsageError("--params and --tokens mark the target together: give both or neither")
    require_matplotlib()
    laws = load_task_laws(task_law)
    tasks = laws.select(task_names)
    points = _ladder_points(ladder_file, tasks) if ladder_file else None
    fig = tasks_figure(laws, tasks, n_params, n_tokens, points)
    _save(fig, output, force)


def _ladder_points(ladder_file, tasks) -> dict:
    """task id → ((N, D, final task loss) rows, (smoothed task loss, accuracy) rows) of the ladder, as step 1 and
    step 2 are fitted on them (:mod:`planner.fitting.tasks`)."""
    # numpy and scipy: only plan plot tasks with a ladder fits
    from ..fitting.tasks import (final_task_losses,
                                 step2_points)

    ladder = read_ladder(ladder_file)
    out = {}
    for task in tasks:
        if task.id not in ladder.tasks:
            warn([f"{ladder.source} has no rows for task {task.id!r}: its panels show the fitted curves alone"])
            continue
        runs = ladder.runs(task.id)
        N, D, L, _ = final_task_losses(runs)
        x, y = step2_points(runs, anchor=None)
        out[task.id] = (list(zip(N, D, L)), list(zip(x, y)))
    return out


@plot.command("versus")
@comparison_options
@option("--flops-range", type=(QUANTITY, QUANTITY), default=(1e18, 1e26), show_default=True, metavar="START STOP",
        help="Compute range of the x axis in FLOPs (and of the crossover search).")
@option("--ci", type=LEVEL, metavar="LEVEL", help="Draw central LEVEL% bands (e.g. 80) from both laws' draws.")
@output_options
def plot_versus(base, variant, flops_range, ci, force, output, **fitting):
    """Both frontiers and the compute multiplier k(C) of VARIANT over BASE against compute.

    BASE and VARIANT as 'plan versus' takes them. Panel (a): each law's compute-optimal frontier
    L_opt(C); panel (b): k(C) with its band, the line k = 1 and the crossovers.

    \b
    Examples:
      plan plot versus hoffmann2022 besiroglu2024 -o versus.png
      plan plot versus base.csv variant.csv --ci 80 --flops-range 1e19 1e24 -o versus.svg
    """
    # numpy: only this figure's grid of budgets
    import numpy as np

    check_range(flops_range, "--flops-range")
    require_matplotlib()
    base_law, variant_law, draws, warnings = load_pair(base, variant, ci, **fitting)
    warn(warnings)
    C = np.geomspace(flops_range[0], flops_range[1], 121)
    fig = guarded(lambda: versus_figure(base_law, variant_law, C, ci, draws), base_law, variant_law, C)
    _save(fig, output, force)
