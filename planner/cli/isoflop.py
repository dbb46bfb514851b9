"""Hoffmann's Approaches 1 and 2 on the command line: the options and steps ``plan fit --isoflop`` / ``--curves`` and
``plan plot isoflop RUNS`` / ``plan plot curves`` share.

Options and reading only: the fit, its bootstrap and the report are :mod:`planner.report.isoflop`'s
(:func:`~planner.report.isoflop.allocation_answer`).
"""

from __future__ import annotations

import click

from ..base.conventions import BUDGET_MISMATCH, ISOFLOP_METHODS, ISOFLOP_WINDOW
from ..files.runs import read_curves, read_runs
from .schedule_option import SCHEDULE
from .types import option, with_options

__all__ = ["approach_options", "budget_options", "curves_options", "WINDOW", "read_approach_runs"]


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


def budget_options(f, needs: tuple[str, ...] = ()):
    """--budget-column, --isoflop-method, --isoflop-window: how Approach 2 reads budgets and finds each minimum
    (``needs``: the options without which they are refused, as :class:`~planner.cli.types.Once` takes them)."""
    return with_options(f, [
        option("--budget-column", metavar="NAME", needs=needs,
                     help="Column with each run's nominal isoFLOP budget in FLOPs [default: a column named budget, "
                          "budget_flops, flops_budget, compute_budget, isoflop...; else runs are clustered by "
                          "C = 6ND]."),
        option("--isoflop-method", type=click.Choice(ISOFLOP_METHODS), default="auto", needs=needs,
                     show_default=True,
                     help="Each budget's minimum: auto chooses per budget (Akima where the budget is dense and "
                          "not parabolic near its minimum, else the parabola) and warns where the two disagree; "
                          "parabola in log N near the best run; or Porian et al.'s Akima interpolation of log L."),
        option("--isoflop-window", type=WINDOW, default=ISOFLOP_WINDOW, show_default=True, metavar="FACTOR", needs=needs,
                     help="Parabola window: the sizes within FACTOR of the best run's N (at least one each side), "
                          "or 'all'."),
        option("--allow-budget-mismatch", is_flag=True,
               help=f"Fit against the budget column even where a run's 6·N·D is more than {BUDGET_MISMATCH:g}x off "
                    "its budget (by default refused: the column is in other units)."),
    ])


def curves_options(f, needs: tuple[str, ...] = ()):
    """--run-column: the run id column of training curves (one row per checkpoint)."""
    return option("--run-column", metavar="NAME", needs=needs,
                        help="Column with each checkpoint's run id (--curves) [default: a column named run, run_id, "
                             "run_name, ...].")(f)


def approach_options(f):
    """``plan fit``'s options for Approaches 1 and 2: --curves, --run-column and :func:`budget_options`."""
    f = curves_options(budget_options(f, needs=("isoflop",)), needs=("curves",))
    f = option("--schedule", "curve_schedule", type=SCHEDULE, metavar="SPEC", needs=("curves",),
               help="With --curves: the runs' learning-rate schedule, e.g. constant:peak=3e-4 or "
                    "wsd:peak=3e-4,decay=0.2 (each run's horizon its length); checkpoints whose rate no horizon "
                    "changes are not flagged as overstating the loss.")(f)
    return option("--curves", is_flag=True,
                        help="Hoffmann's Approach 1 instead: RUNS are training curves (one row per checkpoint: run "
                             "id, N, tokens so far, loss); N_opt = G*C^a from their envelope.")(f)


def read_approach_runs(runs_file, curves: bool, *, budget_column=None, run_column=None, drop_highest_loss=0,
                       n_params_column=None, tokens_column=None, flops_column=None, loss_column=None,
                       input_format=None):
    """The runs of RUNS for Approach 2 (a budget column found by name or named), or checkpoints for Approach 1."""
    columns = dict(n_params=n_params_column, n_tokens=tokens_column, flops=flops_column, loss=loss_column,
                   fmt=input_format)
    if curves:
        if drop_highest_loss:
            raise click.UsageError("--drop-highest-loss drops runs' final losses; it does not apply to --curves")
        return read_curves(runs_file, run_id=run_column, **columns)
    return read_runs(runs_file, budget=budget_column, extra=("budget",), **columns).drop_highest_loss(drop_highest_loss)
