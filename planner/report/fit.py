"""Reports of ``plan fit`` (a fitted law and the plans it makes) and ``plan design`` (an isoFLOP grid to train).

A fit report is a document: its table is the coefficients (estimate, standard error, interval), its section the
compute-optimal plans of the fitted law at the asked budgets (with bootstrap intervals), and its fields everything a
script needs (coefficients, errors, residuals, ranges, the method) so JSON is one object. Every format works, as
for any report.
"""

from __future__ import annotations

import dataclasses
from pathlib import PurePath
from typing import Sequence

from ..units import format_coefficient, format_count, format_flops, format_ratio, format_text
from .types import Block, Column, Report

__all__ = ["fit_report", "design_report", "plans_report", "COEFFICIENT_KEYS", "DESIGN_KEYS"]

#: Keys of a coefficient row.
COEFFICIENT_KEYS = ("coefficient", "estimate", "standard_error", "ci_level", "estimate_lo", "estimate_hi")
#: Keys of a design row: a runs-file template for ``plan fit`` (the loss is left empty to fill in).
DESIGN_KEYS = ("flops", "n_params", "n_tokens", "tokens_per_param", "loss")


def _coefficient_cell(t) -> str:
    name, value = t
    return format_coefficient(name, value)


def _interval_cell(t) -> str:
    name, lo, hi = t
    return f"{format_coefficient(name, lo)} – {format_coefficient(name, hi)}"


def fit_report(fit, boot, plans: Report, runs) -> Report:
    """The report of ``plan fit``: ``fit`` (a :class:`~planner.fitting.FitResult`), its ``boot`` strap (or None),
    ``plans`` (the report of the fitted law's plans, with their intervals) and the ``runs`` it was fitted on."""
    ses = boot.standard_errors if boot is not None else fit.standard_errors
    rows = []
    for name, value in fit.coefficients.items():
        row = {"coefficient": name, "estimate": value, "standard_error": ses.get(name),
               "estimate_cell": (name, value), "standard_error_cell": (name, ses.get(name))}
        if boot is not None:
            lo, hi = boot.intervals[name]
            row.update(ci_level=boot.level, estimate_lo=lo, estimate_hi=hi, interval_cell=(name, lo, hi))
        rows.append(row)
    columns = [Column("coefficient", "coefficient", format_text, align="left"),
               Column("estimate_cell", "estimate", _coefficient_cell),
               Column("standard_error_cell", "std. error", _coefficient_cell)]
    if boot is not None:
        columns.append(Column("interval_cell", f"{boot.level:g}% interval", _interval_cell))
    keys = COEFFICIENT_KEYS if boot is not None else COEFFICIENT_KEYS[:3]
    plans = dataclasses.replace(plans, title="Compute-optimal plans with this law", footer=(), name="plans")
    return Report(blocks=(Block(rows),), columns=tuple(columns), keys=keys,
                  title=f"Fit · {fit.form} law · {fit.n_runs} runs from {PurePath(runs.source).name}",
                  footer=tuple(_fit_footer(fit, boot, runs)), sections=(plans,), fields=_fit_fields(fit, boot, runs),
                  warnings=tuple(fit.warnings) + tuple(plans.warnings))


def _fit_footer(fit, boot, runs) -> list[str]:
    a, b = fit.exponents
    rng, res = fit.data_range, fit.residuals
    lines = [
        f"Exponents: N_opt ∝ C^{a:.4f}, D_opt ∝ C^{b:.4f}.",
        f"Residuals of log L: RMS {res['rms']:.4f}, max |r| {res['max_abs']:.4f}"
        + (f"; RMS in loss {res['rms_loss']:.4f} nats." if "rms_loss" in res else "."),
        f"Fitted on N {format_count(rng['n_params'][0])}–{format_count(rng['n_params'][1])}, "
        f"D {format_count(rng['n_tokens'][0])}–{format_count(rng['n_tokens'][1])}, "
        f"C {format_flops(rng['flops'][0])}–{format_flops(rng['flops'][1])}"
        + (f" ({', '.join(runs.derived)} derived with C = {runs.flops_per_param_token:g}·N·D)." if runs.derived else "."),
        f"Method: {fit.method}"
        + (f"; {fit.n_distinct_optima} distinct end points; objective {fit.objective:.6g}" if fit.n_starts else "")
        + ("." if fit.converged else "; NOT converged."),
        "Std. errors: " + (f"bootstrap ({boot.n_resamples} resamples, seed {boot.seed}; {boot.n_failed} failed); "
                           f"intervals are percentiles" if boot is not None else fit.standard_error_method) + ".",
    ]
    if boot is not None:
        lines.append(f"Plan ranges in brackets: {boot.level:g}% bootstrap percentiles.")
    lines.append("* Loss in the runs' own units (nats/token on their data); beyond the fitted range it is an "
                 "extrapolation.")
    return lines


def _fit_fields(fit, boot, runs) -> dict:
    out = {
        "source": runs.source, "form": fit.form, "n_runs": fit.n_runs, "method": fit.method,
        "coefficients": dict(fit.coefficients), "standard_errors": dict(fit.standard_errors),
        "standard_error_method": fit.standard_error_method,
        "exponents": {"a": fit.exponents[0], "b": fit.exponents[1]},
        "residuals": dict(fit.residuals), "data_range": {k: list(v) for k, v in fit.data_range.items()},
        "objective": fit.objective, "converged": fit.converged, "n_starts": fit.n_starts,
        "n_distinct_optima": fit.n_distinct_optima, "warnings": list(fit.warnings),
    }
    if boot is not None:
        out["bootstrap"] = {"n_resamples": boot.n_resamples, "n_failed": boot.n_failed, "seed": boot.seed,
                            "level": boot.level, "intervals": {k: list(v) for k, v in boot.intervals.items()},
                            "standard_errors": dict(boot.standard_errors), "method": boot.method}
    return out


def design_report(design, law, span: float) -> Report:
    """The runs of an isoFLOP grid (:class:`~planner.fitting.IsoflopDesign`) centred on ``law``'s optimum."""
    rows = [{"flops": float(c), "n_params": float(n), "n_tokens": float(t), "tokens_per_param": float(t / n),
             "loss": None}
            for c, n, t in zip(design.flops, design.n_params, design.n_tokens)]
    columns = (Column("flops", "FLOPs C", format_flops), Column("n_params", "params N", format_count),
               Column("n_tokens", "tokens D", format_count), Column("tokens_per_param", "tokens/param", format_ratio))
    return Report(blocks=(Block(rows),), columns=columns, keys=DESIGN_KEYS, title=f"IsoFLOP design · centred on {law.id}",
                  footer=("Train each run, record its final loss, then: plan fit runs.csv --isoflop "
                          "(or the parametric fit).",
                          f"Sizes span a factor {span:g} around {law.id}'s N_opt(C); "
                          f"C = {law.flops_per_param_token:g}·N·D."))


def plans_report(law, budgets: Sequence[float], level: float | None) -> Report:
    """The compute-optimal plans of a fitted ``law`` at ``budgets``, with ``level``% intervals from its bootstrap
    samples where it has them."""
    from ..plan import compute_optimal
    from .intervals import intervals
    from .plans import plan_report

    report = plan_report(law, [compute_optimal(law, C) for C in budgets])
    return intervals(report, [law], list(budgets), level) if level is not None else report
