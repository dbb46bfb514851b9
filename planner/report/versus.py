"""The report of ``plan versus``: two laws' frontiers, the compute multiplier k(C), the speedup and the crossover.

One row per budget with exactly :data:`VERSUS_KEYS` (and ``speedup`` with throughputs), each bounded quantity with
``<key>_low`` and ``<key>_high`` beside it when intervals were asked for. The crossover, the laws and the
verdict per budget are document fields, so JSON is one object whose ``budgets`` are those rows.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any, Sequence

from ..base.units import as_floats, format_factor, format_flops, format_loss, format_text
from ..planning import checks
from ..planning.plan import compute_optimal
from .intervals import interval_cell, interval_stack
from .types import Block, Column, Report

__all__ = ["versus_report", "VERSUS_KEYS", "NO_DIFFERENCE", "multiplier_text"]

#: The keys of a row, in order (``speedup`` only with throughputs).
VERSUS_KEYS = ("flops", "base_loss", "variant_loss", "compute_multiplier", "speedup")
#: The verdict at a budget whose interval on k contains 1.
NO_DIFFERENCE = "no detectable difference at this budget"


def multiplier_text(x) -> str:
    """k as ``1.23×``; ∞ where the base never reaches the variant's loss."""
    if x is None:
        return "—"
    if math.isinf(x):
        return "∞"
    return format_factor(x)


def _verdict(k: float, low: float | None, high: float | None) -> str:
    if low is not None and high is not None and low <= 1.0 <= high:
        return NO_DIFFERENCE
    if k > 1.0:
        return "variant better"
    if k < 1.0:
        return "base better"
    return "equal"


def _crossover_text(result, iv) -> str:
    lo, hi = result.search_range
    if not result.crossovers:
        text = f"none in range ({format_flops(lo)}–{format_flops(hi)} FLOPs)"
    else:
        text = "; ".join(f"{format_flops(x.flops)} FLOPs (the variant {'stops' if x.variant_wins_below else 'starts'} "
                         "winning there)" for x in result.crossovers)
    if iv is not None and iv.crossover_low is not None:
        text += (f"; {iv.level:g}% interval of the first {format_flops(iv.crossover_low)}–"
                 f"{format_flops(iv.crossover_high)} ({iv.crossover_share:.0%} of draws cross in range)")
    elif iv is not None:
        text += f"; {iv.crossover_share:.0%} of draws cross in range"
    return text


def versus_report(base, variant, result, intervals=None, throughput: tuple[float, float] | None = None,
                  warnings: Sequence[str] = ()) -> Report:
    """The :class:`~planner.planning.versus.Versus` ``result`` of ``base`` against ``variant`` (laws with ``id``),
    with the :class:`~planner.planning.versus.VersusIntervals` ``intervals`` if given."""
    bounded = ("base_loss", "variant_loss", "compute_multiplier") + (("speedup",) if throughput else ())
    keys = ["flops"]
    for q in bounded:
        keys += [q] + ([f"{q}_low", f"{q}_high"] if intervals is not None else [])
    rows = []
    for i, C in enumerate(as_floats(result.flops)):
        row: dict[str, Any] = {"flops": C}
        for q in bounded:
            row[q] = float(getattr(result, q)[i])
            lo = hi = None
            if intervals is not None:
                lo, hi = float(getattr(intervals, f"{q}_low")[i]), float(getattr(intervals, f"{q}_high")[i])
                row[f"{q}_low"], row[f"{q}_high"] = lo, hi
            row[f"{q}_shown"] = (row[q], lo, hi)                      # human formats only
        k_lo = row.get("compute_multiplier_low")
        row["verdict"] = _verdict(row["compute_multiplier"], k_lo, row.get("compute_multiplier_high"))
        rows.append(row)
    fmts = {"base_loss": format_loss, "variant_loss": format_loss, "compute_multiplier": multiplier_text,
            "speedup": multiplier_text}
    headers = {"base_loss": ("base loss", "L base"), "variant_loss": ("variant loss", "L var"),
               "compute_multiplier": ("compute multiplier k", "k"), "speedup": ("speedup", "speedup")}
    level = f" ({intervals.level:g}% CI)" if intervals is not None else ""
    columns = [Column("flops", "FLOPs C", format_flops)]
    for q in bounded:
        header, short = headers[q]
        columns.append(Column(f"{q}_shown", header + level, interval_cell(fmts[q]), short=short,
                              legend=f"{short}: {header}" + (f", over its {level.strip(' ()')}" if level else ""),
                              wrap=intervals is not None, stacked=interval_stack(fmts[q])))
    columns.append(Column("verdict", "verdict", format_text, align="left"))
    crossover = _crossover_text(result, intervals)
    footer = [
        f"Base: {base.id}; variant: {variant.id}. Both losses are each law's compute-optimal frontier L_opt(C) "
        "(the loss of its compute-optimal split at C; for an envelope law, the envelope L(C) itself), not a run "
        "you trained.",
        "k(C): the compute the base needs to reach the variant's loss at C, divided by C (> 1: the variant is worth "
        "more compute than it spends; ∞: the base never reaches that loss).",
        f"Crossover (frontiers meet, k = 1): {crossover}.",
    ]
    if throughput:
        footer.append(f"Speedup: k·tps_var/tps_base with {throughput[1]:g} and {throughput[0]:g} tokens/s "
                      "(marin's effective speedup: the time the base needs to reach the variant's loss over the "
                      "variant's time).")
    if intervals is not None:
        footer.append(f"{intervals.level:g}% intervals: {intervals.note}. An interval on k that contains 1 means "
                      f"{NO_DIFFERENCE}.")
    fields = {"base": base.id, "variant": variant.id, "frontier": "compute-optimal",
              "crossover_flops": [x.flops for x in result.crossovers],
              "crossover_variant_wins_below": [x.variant_wins_below for x in result.crossovers],
              "crossover_search_range": list(result.search_range),
              "verdicts": [r["verdict"] for r in rows]}
    if intervals is not None:
        fields.update(ci_level=intervals.level, crossover_low=intervals.crossover_low,
                      crossover_high=intervals.crossover_high, crossover_share=intervals.crossover_share,
                      n_draws=intervals.n_draws)
    warnings = tuple(warnings) + _range_warnings(base, result.flops) + _range_warnings(variant, result.flops)
    return Report(blocks=(Block(rows),), columns=tuple(columns), keys=tuple(keys),
                  title=f"{variant.id} against {base.id}: compute multiplier", footer=tuple(footer),
                  fields=fields, name="budgets", warnings=tuple(dict.fromkeys(warnings)))


def _range_warnings(law, flops) -> tuple[str, ...]:
    """Where ``law``'s compute-optimal plans at ``flops`` leave the range it was fitted on (for a law that splits no
    budget into N and D, an envelope, where the budgets do: its N and D are not given)."""

    return tuple(checks.plan_warnings(law, [compute_optimal(law, flops)]))


def with_warnings(report: Report, warnings: Sequence[str]) -> Report:
    """``report`` with ``warnings`` added (a fit's, a missing interval's)."""
    return dataclasses.replace(report, warnings=tuple(dict.fromkeys(tuple(report.warnings) + tuple(warnings))))
