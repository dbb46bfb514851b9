"""``plan fit --rollout``: the rolling back-test as a section of the fit report (one row per step; JSON ``rollout``)
and the sentence saying whether the errors grow with the distance of the extrapolation."""

from __future__ import annotations

from ..fitting.prediction import PREDICTION_LABEL
from ..units import format_count, format_flops, format_percent
from .types import Block, Column, Report

__all__ = ["rollout_section", "rollout_summary", "rollout_footer", "ROLLOUT_KEYS"]

#: Keys of a rolling back-test row (JSON: the document's ``rollout`` list).
ROLLOUT_KEYS = ("k", "cutoff", "n_fit", "next_level", "n_next", "next_error", "next_max_error", "next_bias",
                "far_error", "next_inside")


def rollout_section(ro) -> Report:
    """One row per step of a :class:`~planner.fitting.rollout.Rollout`."""
    level = format_count if ro.by == "size" else format_flops
    rows = [{"k": s.k, "cutoff": s.cutoff, "n_fit": s.n_fit, "next_level": s.next_level, "n_next": s.n_next,
             "next_error": s.next_error, "next_max_error": s.next_max_error, "next_bias": s.next_bias,
             "far_error": s.far_error, "next_inside": s.inside} for s in ro.steps]
    name = "N" if ro.by == "size" else "C"
    columns = [Column("cutoff", f"fit to {name}", level), Column("n_fit", "runs", str),
               Column("next_level", f"next {name}", level), Column("n_next", "runs", str),
               Column("next_error", "|err|", format_percent), Column("next_bias", "err", format_percent),
               Column("far_error", "farther |err|", lambda v: "-" if v is None else format_percent(v))]
    if any(s.inside is not None for s in ro.steps):
        columns.append(Column("next_inside", "in PI", lambda v: "-" if v is None else str(v)))
    footer = ("Columns: |err|, err: mean |(L_hat - L)/L| and mean (L_hat - L)/L of the next level's runs; "
              "farther |err|: mean |(L_hat - L)/L| of every level beyond it"
              + (f"; in PI: how many of the next level's runs lie inside the step fit's {PREDICTION_LABEL}."
                 if any(s.inside is not None for s in ro.steps) else "."),)
    return Report(blocks=(Block(rows),), columns=tuple(columns), keys=ROLLOUT_KEYS, name="rollout",
                  title=f"Rolling back-test by {ro.by}: fit on the smallest levels, predict the next", footer=footer)


def rollout_summary(ro) -> dict:
    inside = [s.inside for s in ro.steps if s.inside is not None]
    return {"by": ro.by, "levels": list(ro.levels), "spearman_rho": ro.rho, "p_value": ro.p_value,
            "n_next_inside_prediction_interval": sum(inside) if inside else None,
            "n_next": sum(s.n_next for s in ro.steps),
            "prediction_interval": PREDICTION_LABEL if inside else None,
            "errors_grow_with_distance": ro.grows, "distances_log10": list(ro.distances),
            "mean_abs_relative_errors": list(ro.errors), "skipped": list(ro.skipped)}


def rollout_footer(ro) -> list[str]:
    n = len(ro.errors)
    if ro.grows:
        verdict = "the errors GROW with the distance of the extrapolation"
    elif ro.rho == ro.rho:
        verdict = "no clear growth of the errors with the distance of the extrapolation"
    else:
        verdict = "too few predictions to tell whether the errors grow with distance"
    lines = [f"Rolling back-test: {verdict} (Spearman rho = {ro.rho:.2f}, p = {ro.p_value:.2g}, over {n} level "
             f"predictions at log10 distances {min(ro.distances):.2f}-{max(ro.distances):.2f}); errors are (L_hat - L)/L."]
    lines += [f"Rolling back-test step skipped: {s}" for s in ro.skipped]
    return lines
