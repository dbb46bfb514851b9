"""Reports of ``plan curve``: each method's predicted final loss with its interval and back-test, and the run under
alternative schedules. Rows carry raw floats under unit-named keys (``predicted_loss``, ``predicted_loss_low`` ...).
"""

from __future__ import annotations

import math
from typing import Sequence

from ..base.units import format_count, format_loss4, format_text
from .types import Block, Column, Report

__all__ = ["curve_report", "PREDICTION_KEYS", "ALTERNATIVE_KEYS", "NESTED_ALTERNATIVE_KEYS"]

PREDICTION_KEYS = ("run", "horizon_tokens", "method", "predicted_loss", "predicted_loss_low", "predicted_loss_high",
                   "backtest_error", "backtest_points", "favoured", "notes")
ALTERNATIVE_KEYS = ("run", "horizon_tokens", "method", "schedule", "predicted_loss", "difference", "difference_low",
                    "difference_high")
#: The keys of a prediction's nested ``alternatives`` (CSV: one line per alternative, ``alternatives_schedule`` ...).
NESTED_ALTERNATIVE_KEYS = ("schedule", "predicted_loss", "difference", "difference_low", "difference_high")


def _pct(x) -> str:
    return "—" if x is None or not math.isfinite(x) else f"{100 * x:.2f}%"


def _signed(x) -> str:
    return "—" if x is None or not math.isfinite(x) else f"{x:+.4f}"


def _loss(x) -> str:
    return "—" if x is None or not math.isfinite(x) else format_loss4(x)


def _interval(row) -> str:
    lo, hi = row["predicted_loss_low"], row["predicted_loss_high"]
    return "—" if not (math.isfinite(lo) and math.isfinite(hi)) else f"{format_loss4(lo)}–{format_loss4(hi)}"


def _difference_interval(row) -> str:
    lo, hi = row["difference_low"], row["difference_high"]
    return "—" if not (math.isfinite(lo) and math.isfinite(hi)) else f"{lo:+.4f} to {hi:+.4f}"


def _schedule_text(s) -> str:
    parts = [f"peak={s.peak:g}", f"warmup={format_count(s.warmup) if s.warmup else 0}"]
    if s.horizon is not None and s.kind not in ("constant", "step"):
        parts.append(f"horizon={format_count(s.horizon)}")
    if s.kind in ("linear", "cosine", "wsd"):
        parts.append(f"final={s.final:g}")
    if s.kind == "wsd":
        parts.append(f"decay={s.decay:g}")
    if s.kind == "step":
        parts += [f"at={'/'.join(format_count(a) for a in s.at)}", f"factor={s.factor:g}"]
    return f"{s.kind}:{','.join(parts)}"


def curve_report(forecast, alternatives=(), *, rule: str, warnings: Sequence[str] = ()) -> Report:
    """The report of :func:`planner.fitting.curve_forecast.forecast_curve` (and of its schedule alternatives, with
    ``warnings`` about them)."""
    rows = [{"run": forecast.run, "horizon_tokens": forecast.horizon, "method": p.method,
             "predicted_loss": p.predicted_loss, "predicted_loss_low": p.predicted_loss_low,
             "predicted_loss_high": p.predicted_loss_high, "backtest_error": p.backtest_error,
             "backtest_points": p.backtest_points, "favoured": p.method == forecast.favoured,
             "notes": "; ".join(p.notes)} for p in forecast.predictions]
    columns = (Column("method_shown", "method", format_text, align="left"),
               Column("predicted_loss", "final loss", _loss, short="L"),
               Column("interval", "interval", str, wrap=True),
               Column("backtest_error", "back-test error", _pct, short="err"),
               Column("backtest_points", "points", str, short="n"))
    shown = [dict(r, interval=_interval(r), method_shown=r["method"] + (" *" if r["favoured"] else "")) for r in rows]
    favoured = (f"The back-test favours {forecast.favoured} (*: smallest mean absolute error predicting each finished "
                f"run's final loss from the shorter ones)." if forecast.favoured else
                "No method is favoured: the back-test was skipped or had too few finished runs.")
    footer = [f"Run {forecast.run} at {format_count(forecast.horizon)} tokens.", favoured,
              "Interval: prediction × exp(±2·s), s the RMS of the method's back-test log errors (else its fit "
              "residuals, which leave extrapolation out).", rule]
    footer += [f"{r['method']}: {r['notes']}" for r in rows if r["notes"]]
    sections: tuple[Report, ...] = ()
    keys: tuple[str, ...] = PREDICTION_KEYS
    nested: dict[str, tuple[str, ...]] = {}
    if alternatives:
        alt_rows = [{"run": forecast.run, "horizon_tokens": forecast.horizon, "method": a.method,
                     "schedule": _schedule_text(a.schedule), "predicted_loss": a.predicted_loss,
                     "difference": a.difference, "difference_low": a.difference_low,
                     "difference_high": a.difference_high} for a in alternatives]
        alt_cols = (Column("method", "method", format_text, align="left"),
                    Column("schedule", "schedule", format_text, align="left", wrap=True),
                    Column("predicted_loss", "final loss", _loss, short="L"),
                    Column("difference", "difference", _signed, short="ΔL"),
                    Column("difference_interval", "interval", str, wrap=True))
        # Human formats print the alternatives as a table of their own; machine formats carry them in the rows of
        # the method that predicted them (a nested table: JSON nests it, CSV gives one line per alternative).
        sections = (Report(blocks=(Block([dict(r, difference_interval=_difference_interval(r)) for r in alt_rows]),),
                           columns=alt_cols, keys=ALTERNATIVE_KEYS, title="Under other schedules",
                           footer=("Difference: the alternative's final loss minus the run's own schedule's, same "
                                   "fitted law; interval ± 2 jackknife standard errors over the fitted curves.",)),)
        shown = [dict(r, alternatives=[{k: a[k] for k in NESTED_ALTERNATIVE_KEYS} for a in alt_rows
                                       if a["method"] == r["method"]]) for r in shown]
        keys, nested = PREDICTION_KEYS + ("alternatives",), {"alternatives": NESTED_ALTERNATIVE_KEYS}
    # With alternatives the JSON is a document: the run, its horizon, the favoured method and the predictions.
    fields = {"run": forecast.run, "horizon_tokens": forecast.horizon, "favoured": forecast.favoured} \
        if alternatives else {}
    return Report(blocks=(Block(shown),), columns=columns, keys=keys, nested=nested,
                  title=f"Final loss of {forecast.run}", footer=tuple(footer), sections=sections,
                  fields=fields, name="predictions" if alternatives else None,
                  warnings=tuple(forecast.warnings) + tuple(warnings))
