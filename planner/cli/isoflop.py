"""Hoffmann's Approaches 1 and 2 on the command line: the options and steps ``plan fit --isoflop`` / ``--curves`` and
``plan plot isoflop RUNS`` / ``plan plot curves`` share.

Thin steps over :mod:`planner.fitting.isoflop` and :mod:`planner.fitting.curves` (read, fit, bootstrap) and
:mod:`planner.report.isoflop` (the reports). numpy and scipy load only when one of these runs.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import click

from ..base.conventions import ISOFLOP_WINDOW
from .types import option, with_options

__all__ = ["approach_options", "WINDOW", "read_approach_runs", "fit_approach", "fit_allocation_rule"]


class Window(click.ParamType):
    """``--isoflop-window``: a factor in N above 1 (``4``: from N_best/4 to 4·N_best), or ``all``."""

    name = "factor"

    def convert(self, value, param, ctx):
        if value is None or isinstance(value, float):
            return value
        if str(value).strip().lower() == "all":
            return None
        try:
            x = float(value)
        except ValueError:
            self.fail(f"expected a factor in N above 1 (like 4) or 'all'; got {value!r}", param, ctx)
        if not (x > 1 and x != float("inf")):
            self.fail(f"the window is a factor in N above 1 (like 4) or 'all'; got {value!r}", param, ctx)
        return x


WINDOW = Window()


def budget_options(f):
    """--budget-column, --isoflop-method, --isoflop-window: how Approach 2 reads budgets and finds each minimum."""
    return with_options(f, [
        option("--budget-column", metavar="NAME",
                     help="Column with each run's nominal isoFLOP budget in FLOPs [default: a column named budget, "
                          "budget_flops, flops_budget, compute_budget, isoflop...; else runs are clustered by "
                          "C = 6ND]."),
        option("--isoflop-method", type=click.Choice(("parabola", "akima")), default="parabola",
                     show_default=True,
                     help="Each budget's minimum: a parabola in log N near the best run, or Porian et al.'s Akima "
                          "interpolation of log L."),
        option("--isoflop-window", type=WINDOW, default=ISOFLOP_WINDOW, show_default=True, metavar="FACTOR",
                     help="Parabola window: the sizes within FACTOR of the best run's N (at least one each side), "
                          "or 'all'."),
    ])


def curves_options(f):
    """--run-column: the run id column of training curves (one row per checkpoint)."""
    return option("--run-column", metavar="NAME",
                        help="Column with each checkpoint's run id (--curves) [default: a column named run, run_id, "
                             "run_name, ...].")(f)


def approach_options(f):
    """``plan fit``'s options for Approaches 1 and 2: --curves, --run-column and :func:`budget_options`."""
    f = curves_options(budget_options(f))
    return option("--curves", is_flag=True,
                        help="Hoffmann's Approach 1 instead: RUNS are training curves (one row per checkpoint: run "
                             "id, N, tokens so far, loss); N_opt = G*C^a from their envelope.")(f)


def read_approach_runs(runs_file, curves: bool, *, budget_column=None, run_column=None, drop_highest_loss=0,
                       n_params_column=None, tokens_column=None, flops_column=None, loss_column=None,
                       input_format=None):
    """The runs of RUNS for Approach 2 (a budget column found by name or named), or checkpoints for Approach 1."""
    from ..files.runs import read_curves, read_runs

    columns = dict(n_params=n_params_column, n_tokens=tokens_column, flops=flops_column, loss=loss_column,
                   fmt=input_format)
    if curves:
        if drop_highest_loss:
            raise click.UsageError("--drop-highest-loss drops runs' final losses; it does not apply to --curves")
        return read_curves(runs_file, run_id=run_column, **columns)
    return read_runs(runs_file, budget=budget_column, extra=("budget",), **columns).drop_highest_loss(drop_highest_loss)


def fit_approach(runs, curves: bool, isoflop_method: str = "parabola", isoflop_window=ISOFLOP_WINDOW):
    """Approach 1 (``curves``) or 2 on ``runs``: the :class:`~planner.fitting.FitResult`."""
    from ..fitting.curves import fit_curves
    from ..fitting.isoflop import fit_isoflop

    k = runs.flops_per_param_token
    flops = None if "flops" in runs.derived else runs.flops
    if curves:
        return fit_curves(runs.run_id, runs.n_params, runs.n_tokens, runs.loss, flops=flops, flops_per_param_token=k)
    return fit_isoflop(runs.n_params, runs.n_tokens, runs.loss, flops=runs.flops, budget=runs.budget,
                       method=isoflop_method, window=isoflop_window, flops_per_param_token=k,
                       budget_column=(runs.columns or {}).get("budget", "budget"))


def fit_allocation_rule(runs_file, *, output, force, curves, n_boot, seed, level, budgets, law_id, fmt, progress,
                        command, budget_column, run_column, isoflop_method, isoflop_window, **read):
    """``plan fit --isoflop`` and ``plan fit --curves``: read, fit, bootstrap, report, write the law file.

    ``budgets`` are those the report plans at, ``law_id`` the written law's id, ``progress(stage, done, total)``
    ``plan fit``'s progress bar, ``command`` the command line to record in the law file."""
    from ..fitting.curves import bootstrap_curves
    from ..fitting.isoflop import bootstrap_isoflop
    from ..files.lawwriter import law_from_fit
    from ..report.fit import plans_report
    from ..report.isoflop import curves_report, isoflop_report
    from .output import dropped_resamples, show, write_law_file

    runs = read_approach_runs(runs_file, curves, budget_column=budget_column, run_column=run_column, **read)
    result = fit_approach(runs, curves, isoflop_method, isoflop_window)
    ab = None
    if n_boot:
        resample = bootstrap_curves if curves else bootstrap_isoflop
        ab = resample(result, n_resamples=n_boot, seed=seed, level=level,
                      progress=lambda done, total: progress("bootstrap", done, total))
    boot = ab.coefficients if ab is not None else None
    source = Path(runs.source).name
    fitted = law_from_fit(result, boot, law_id=law_id, source=source)
    plans = plans_report(fitted, list(budgets), level if boot is not None else None)
    report = (curves_report if curves else isoflop_report)(result, ab, plans, runs)
    report = dataclasses.replace(report, warnings=tuple(report.warnings) + tuple(dropped_resamples(boot)))
    show(report, fmt)
    if output is not None:
        write_law_file(output, force, result, boot, law_id=law_id, source=source, command=command)
