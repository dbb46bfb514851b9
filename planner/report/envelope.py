"""The report of ``plan fit --envelope``: the envelope's coefficients (as any fit report shows them) and its
projected loss at the asked budgets, with the bootstrap interval and, with the asymptote pinned, the Student-t
lack-of-fit interval (:func:`planner.fitting.envelope.lack_of_fit_interval`)."""

from __future__ import annotations

import dataclasses
from typing import Sequence

from ..base.errors import FitError
from ..base.units import format_flops, format_loss4
from ..fitting.envelope import lack_of_fit_interval
from ..planning.uncertainty import central_interval
from .fit import fit_report
from .intervals import interval_cell, interval_stack
from .types import Block, Column, Report

__all__ = ["envelope_report", "PROJECTION_KEYS"]

#: Keys of a projection row (JSON: the document's ``projections``).
PROJECTION_KEYS = ("flops", "loss", "loss_low", "loss_high", "loss_t_low", "loss_t_high")


def _projections(fit, boot, budgets: Sequence[float], level: float) -> Report:
    import numpy as np

    C = np.asarray(budgets, float)
    model = fit.model
    L = np.asarray(model.frontier.loss(C), float)
    lo: Sequence[float | None] = [None] * len(C)
    hi = t_lo = t_hi = lo
    notes = []
    if boot is not None:
        drawn = dataclasses.replace(model, **{n: boot.samples[:, j, None] for j, n in enumerate(boot.names)})
        lo, hi = (list(map(float, x)) for x in central_interval(drawn.frontier.loss(C[None, :]), boot.level))
        notes.append(f"{boot.level:g}% bootstrap interval: {boot.method}.")
    try:
        t_lo, t_hi = (list(map(float, x)) for x in lack_of_fit_interval(fit, C, level))
        notes.append(f"{level:g}% lack-of-fit interval: Student-t on the residuals of log(L - E), "
                     f"{fit.n_runs - 2} degrees of freedom (marin#8096).")
    except FitError as e:
        notes.append(f"No lack-of-fit interval: {e}.")
    rows = [{"flops": float(c), "loss": float(l), "loss_low": a, "loss_high": b, "loss_t_low": ta, "loss_t_high": tb,
             "loss_boot": (float(l), a, b), "loss_t": (float(l), ta, tb)}
            for c, l, a, b, ta, tb in zip(C, L, lo, hi, t_lo, t_hi)]
    columns = (Column("flops", "FLOPs C", format_flops),
               Column("loss_boot", "loss (bootstrap)", interval_cell(format_loss4),
                      stacked=interval_stack(format_loss4), wrap=True),
               Column("loss_t", "loss (Student-t)", interval_cell(format_loss4), stacked=interval_stack(format_loss4),
                      wrap=True))
    return Report(blocks=(Block(rows),), columns=columns, keys=PROJECTION_KEYS, title="Projected loss L(C)",
                  footer=tuple(notes), name="projections")


def envelope_report(fit, boot, runs, budgets: Sequence[float], level: float) -> Report:
    """The fit report of an envelope ``fit`` (its ``boot`` strap or None) to ``runs``, projected at ``budgets``."""

    projections = _projections(fit, boot, budgets, level)
    report = fit_report(fit, boot, projections, runs)
    footer = [line for line in report.footer if not line.startswith(("Exponents:", "Plan ranges"))]  # no N, D split
    return dataclasses.replace(report, footer=tuple(footer), sections=(projections,) + tuple(report.sections[1:]))
