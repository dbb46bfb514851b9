"""The back-tests of ``plan fit`` as sections of its report: ``--holdout`` (the held-out runs, their predictions and
prediction intervals; JSON ``holdout``) and ``--rollout`` (one row per step; JSON ``rollout``), with the sentences
saying how far off the predictions were and whether the errors grow with the distance of the extrapolation."""

from __future__ import annotations

from typing import Any

from ..fitting.prediction import PREDICTION_LABEL
from ..base.units import format_count, format_flops, format_loss4, format_percent
from .types import Block, Column, Report

__all__ = ["rollout_section", "rollout_summary", "rollout_footer", "ROLLOUT_KEYS", "HOLDOUT_KEYS", "holdout_section",
           "holdout_summary", "holdout_footer"]

#: Keys of a back-test row (JSON: the document's ``holdout`` list).
HOLDOUT_KEYS = ("n_params", "n_tokens", "flops", "loss", "predicted_loss", "relative_error")

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



def holdout_section(bt, level: float = 95.0) -> Report:
    """The held-out runs of a back-test: actual loss, predicted loss, relative error, and where the back-test has
    them the ``level`` % prediction interval and whether each run is inside it (JSON: ``holdout``)."""
    rows: list[dict[str, Any]] = [
        {"n_params": float(n), "n_tokens": float(d), "flops": float(c), "loss": float(l),
         "predicted_loss": float(p), "relative_error": float(r)}
        for n, d, c, l, p, r in zip(bt.n_params, bt.n_tokens, bt.flops, bt.loss, bt.predicted_loss, bt.relative_error)]
    columns: tuple[Column, ...] = (
        Column("flops", "FLOPs C", format_flops), Column("n_params", "params N", format_count),
        Column("n_tokens", "tokens D", format_count), Column("loss", "loss", format_loss4),
        Column("predicted_loss", "predicted", format_loss4), Column("relative_error", "rel. error", format_percent))
    keys: tuple[str, ...] = HOLDOUT_KEYS
    footer: tuple[str, ...] = ()
    if bt.inside is not None:
        for row, lo, hi, ok in zip(rows, bt.pi_low, bt.pi_high, bt.inside):
            row.update(prediction_low=float(lo), prediction_high=float(hi), inside_prediction_interval=bool(ok),
                       pi_cell=f"{lo:.3f}–{hi:.3f}", inside_cell="yes" if ok else "NO")
        # D is in the CSV and JSON; the table makes room for the interval
        columns = tuple(c for c in columns if c.key != "n_tokens") + (Column("pi_cell", "PI", str),
                                                                     Column("inside_cell", "in PI", str))
        keys = HOLDOUT_KEYS + ("prediction_low", "prediction_high", "inside_prediction_interval")
        footer = (f"PI: the held-out fit's {level:g}% {PREDICTION_LABEL}; in PI: the run's loss lies in it.",)
    return Report(blocks=(Block(rows),), columns=columns, keys=keys, name="holdout", footer=footer,
                  title=f"Back-test · fitted on {bt.n_kept} runs, predicting {bt.rule}")


def holdout_summary(bt) -> dict:
    return {"rule": bt.rule, "n_held_out": len(bt.loss), "n_fitted": bt.n_kept,
            "mean_abs_relative_error": bt.mean_abs_relative_error, "max_abs_relative_error": bt.max_abs_relative_error,
            "budget": bt.budget, "n_opt_all_runs": bt.n_opt_all, "n_opt_without_held_out": bt.n_opt_kept,
            "n_opt_ratio": bt.n_opt_ratio, "coefficients_without_held_out": dict(bt.fit.coefficients),
            "n_inside_prediction_interval": None if bt.inside is None else int(bt.inside.sum()),
            "prediction_interval": None if bt.inside is None else PREDICTION_LABEL}


def holdout_footer(bt, level: float = 95.0) -> list[str]:
    lines = [f"Back-test: fitted without {bt.rule}, the law predicts them with mean |relative error| "
             f"{format_percent(bt.mean_abs_relative_error)} (max {format_percent(bt.max_abs_relative_error)})."]
    if bt.inside is not None:
        lines.append(f"{int(bt.inside.sum())} of the {len(bt.loss)} held-out runs lie inside the held-out fit's "
                     f"{level:g}% {PREDICTION_LABEL}.")
    if bt.n_opt_ratio is not None:
        lines.append(f"N_opt at {format_flops(bt.budget)}: {format_count(bt.n_opt_all)} from every run, "
                     f"{format_count(bt.n_opt_kept)} without the held-out runs (x{bt.n_opt_ratio:.3g}).")
    return lines
