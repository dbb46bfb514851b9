"""Intervals on a report's plans (``--ci``, and the plans of a bootstrapped fit): one key naming for all of them.

Each bounded quantity ``q`` of a row (:data:`INTERVAL_QUANTITIES`) gains ``q_lo`` and ``q_hi``, and the row gains
``ci_level``; human formats show ``95.9B (75.2–129B)``. The bounds come from :func:`planner.planning.uncertainty.plan_intervals`,
the one place that pushes coefficient draws through a law.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Sequence, cast

from ..base.caveats import NO_INTERVALS, Caveat
from ..base.errors import NoUncertaintyError
from ..base.units import Real, as_floats
from .types import Block, Column, Report

__all__ = ["intervals", "with_intervals", "interval_cell", "interval_stack", "INTERVAL_QUANTITIES", "INTERVAL_KEYS",
           "ANCHORED_KEYS", "span_text"]


#: Quantities of a plan row that ``--ci`` bounds; each gets ``<key>_lo`` and ``<key>_hi``.
INTERVAL_QUANTITIES = ("n_params", "n_tokens", "tokens_per_param", "loss")
#: Keys ``--ci`` adds to a row, in the order machine formats carry them.
INTERVAL_KEYS = ("ci_level",) + tuple(f"{q}_{end}" for q in INTERVAL_QUANTITIES for end in ("lo", "hi"))
#: Keys ``--ci`` adds to a plan fixed by N, D or a target loss, whose budget is bounded too (the fixed quantity's
#: bounds are None).
ANCHORED_KEYS = INTERVAL_KEYS + ("flops_lo", "flops_hi")


def span_text(fmt, lo, hi) -> str:
    """``lo–hi``, each written by ``fmt``."""
    a, b = fmt(lo), fmt(hi)
    # One suffix for both ends when they share it: 75.2–129B, not 75.2B–129B.
    return f"{a[:-1]}–{b}" if a[-1:].isalpha() and a[-1:] == b[-1:] else f"{a}–{b}"


def interval_cell(fmt):
    """The human cell of a value and its interval, ``(value, lo, hi)`` → ``48.4% (44.3%–50.9%)``; the value alone
    where ``lo`` is None. Every interval planner prints is shown this way."""
    return lambda t: fmt(t[0]) if t[1] is None else f"{fmt(t[0])} ({span_text(fmt, t[1], t[2])})"


def interval_stack(fmt):
    """The same cell where a terminal is narrow: the interval on a line under its value, without brackets
    (``48.4%`` over ``44.3%–50.9%``)."""
    return lambda t: fmt(t[0]) if t[1] is None else f"{fmt(t[0])}\n{span_text(fmt, t[1], t[2])}"


def with_intervals(report: Report, intervals: dict, level: float, missing: Sequence[str] = (),
                   anchored: bool = False) -> Report:
    """``report`` with central ``level``% bounds on each row's N, D, tokens per parameter and loss.

    ``intervals`` maps a law id to its :class:`~planner.planning.uncertainty.PlanIntervals` over the report's budgets
    (rows are matched by ``preset`` and ``flops``). Rows of laws in ``missing`` (no published
    uncertainty) get None bounds, never a false interval, and the footer says so. ``anchored`` intervals (of plans
    fixed by N, D or a target loss) bound the budget too (:data:`ANCHORED_KEYS`).
    """
    keys = ANCHORED_KEYS if anchored else INTERVAL_KEYS
    quantities = (("flops",) if anchored else ()) + INTERVAL_QUANTITIES
    index = {law_id: {C: i for i, C in enumerate(as_floats(iv.flops))} for law_id, iv in intervals.items()}
    bounds = {law_id: {key: as_floats(getattr(iv, key)) for key in keys[1:]} for law_id, iv in intervals.items()}

    def bounded(row):
        out = dict(row, ci_level=level)
        i = index.get(row.get("preset"), {}).get(row.get("flops"))
        for key in keys[1:]:
            values = bounds[row["preset"]][key] if i is not None else []
            # None where there is no bound, or where the law gives none (NaN: an envelope's N and D)
            out[key] = values[i] if i is not None and values and values[i] == values[i] else None
        for q in quantities:
            out[f"{q}_ci"] = (row.get(q), out[f"{q}_lo"], out[f"{q}_hi"])  # human formats only
        return out

    blocks = tuple(Block([bounded(r) for r in b.rows], title=b.title, notes=b.notes) for b in report.blocks)
    columns = tuple(Column(f"{c.key}_ci", f"{c.header} ({level:g}% CI)", interval_cell(c.fmt), c.align,
                           short=f"{c.short or c.header} ({level:g}%)", wrap=True, stacked=interval_stack(c.fmt),
                           legend="; ".join(filter(None, (c.legend, f"({level:g}%): each value over its central "
                                                                    f"{level:g}% interval"))))
                    if c.key in quantities else c for c in report.columns)
    notes = [f"{level:g}% CI, {law_id}: {iv.note}." for law_id, iv in intervals.items()]
    if missing:
        notes.append(f"No intervals for {', '.join(missing)}: {'it publishes' if len(missing) == 1 else 'they publish'} "
                     "no uncertainty.")
    return dataclasses.replace(report, blocks=blocks, columns=columns, keys=tuple(report.keys) + keys,
                               footer=tuple(report.footer) + tuple(notes))


def intervals(report: Report, laws: Sequence[Any], flops: Sequence[Real], level: float, **anchor: Any) -> Report:
    """``report`` with ``level``% bounds for each law that publishes uncertainty, and a warning for those that do
    not (they get no interval). The plans are those of budgets ``flops``, or with ``anchor`` (``n_params=``,
    ``n_tokens=`` or ``target_loss=``, a list, or a dict of lists by law id) those that quantity fixes (:func:`planner.planning.uncertainty.anchored_intervals`)."""
    # --ci only: the coefficient draws are off the plan --flops path
    from ..planning.uncertainty import (
        anchored_intervals, plan_intervals)

    found, missing = {}, []
    for law in laws:
        try:
            given = {k: v[law.id] if isinstance(v, dict) else v for k, v in anchor.items()}  # per law, or shared
            found[law.name] = anchored_intervals(law, level, **given) if anchor else plan_intervals(law, cast(Any, flops), level)
        except NoUncertaintyError as e:
            missing.append((law.name, str(e)))
    if len(missing) == 1:
        warnings = [Caveat(missing[0][1], NO_INTERVALS, subject=missing[0][0], decisive=False)]
    elif missing:
        warnings = [Caveat(f"no intervals for {', '.join(i for i, _ in missing)}: they publish no uncertainty",
                           NO_INTERVALS, decisive=False)]
    else:
        warnings = []
    out = with_intervals(report, found, level, [i for i, _ in missing], anchored=bool(anchor))
    return dataclasses.replace(out, warnings=tuple(out.warnings) + tuple(warnings))
