"""Reports of ``plan fit --isoflop`` (Hoffmann's Approach 2) and ``plan fit --curves`` (Approach 1).

Both fit an allocation rule N_opt = G·C^a, so both are a document like the parametric fit's report: its table the
coefficients (estimate, standard error, interval), then a section of what the rule was read from (each isoFLOP
budget with its N_opt and that N_opt's own uncertainty; or the envelope, size by size), then the plans of the fitted
rule. Residuals are labelled by what they are residuals of: log L around each budget's fitted curve, and separately
log N_opt around the power law. Every format works, as for any report.
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import PurePath
from typing import Callable

import numpy as np

from ..base.conventions import ISOFLOP_WINDOW
from ..base.units import format_count, format_flops, format_loss, format_text
from ..files.lawwriter import law_from_fit
from ..fitting.curves import bootstrap_curves, fit_curves
from ..fitting.isoflop import bootstrap_isoflop, fit_isoflop
from ..fitting.result import FitResult
from ..planning.uncertainty import normal_quantile
from .fit import FitAnswer, FitRequest, dropped_resamples, fit_report, plans_report
from .intervals import span_text
from .types import Block, Column, Report

__all__ = ["isoflop_report", "curves_report", "BUDGET_KEYS", "ENVELOPE_KEYS", "fit_allocation_rule", "allocation_answer"]

#: Keys of a budget row of ``plan fit --isoflop``. With ``auto``: estimators_tolerance, the factor within which the
#: parabola's and Akima's N_opt agree at the 95% level (BudgetFit.tolerance), and estimators_disagree, whether
#: their ratio is beyond it on a budget with enough sizes each side of its minimum to judge (both None with one
#: estimator by name).
BUDGET_KEYS = ("flops", "n_runs", "n_sizes", "flops_ratio_lo", "flops_ratio_hi", "used", "skipped", "estimator",
               "n_params", "ci_level", "n_params_lo", "n_params_hi", "n_params_log_se", "n_tokens", "loss", "window_lo",
               "window_hi", "window_runs", "other_n_params", "lack_of_fit_p", "estimators_tolerance",
               "estimators_disagree")
#: Keys of an envelope row of ``plan fit --curves`` (one per model size).
ENVELOPE_KEYS = ("n_params", "n_runs", "points", "edge_points", "flops_lo", "flops_hi", "loss_lo", "loss_hi")


def _coefficients(fit: "FitResult", boot, runs):
    """The coefficient table (rows, columns, keys) exactly as ``plan fit``'s report has it (report.fit builds it)."""
    # fit_report's own footer reads residuals["rms"] and ["max_abs"]; its footer is not used here.
    table = fit_report(dataclasses.replace(fit, residuals=fit.extra["n_opt_residuals"]), boot,
                       Report(blocks=(), columns=(), keys=()), runs)
    return table.blocks[0].rows, table.columns, table.keys


def _exponent_line(fit, ab) -> str:
    a, b = fit.exponents
    if ab is None:
        return (f"Exponents: N_opt ∝ C^{a:.4f}, D_opt ∝ C^{b:.4f} (each regressed on log C; a + b = {a + b:.4f}).")
    (a_lo, a_hi), (b_lo, b_hi) = ab.coefficients.intervals["exponent"], ab.b_interval
    return (f"Exponents: N_opt ∝ C^{a:.4f} ({a_lo:.4f}–{a_hi:.4f}), D_opt ∝ C^{b:.4f} ({b_lo:.4f}–{b_hi:.4f}), "
            f"{ab.level:g}% bootstrap intervals; each regressed on log C, a + b = {a + b:.4f}.")


def _range_line(fit, runs) -> str:
    rng = fit.data_range
    derived = f" ({', '.join(runs.derived)} derived with C = {runs.flops_per_param_token:g}·N·D)" if runs.derived else ""
    return (f"Fitted on N {format_count(rng['n_params'][0])}–{format_count(rng['n_params'][1])}, "
            f"D {format_count(rng['n_tokens'][0])}–{format_count(rng['n_tokens'][1])}, "
            f"C {format_flops(rng['flops'][0])}–{format_flops(rng['flops'][1])}{derived}.")


def _uncertainty_lines(fit, ab) -> list[str]:
    if ab is None:
        return [f"Std. errors: {fit.standard_error_method}. --bootstrap N gives intervals on a, G, b and the plans."]
    c = ab.coefficients
    return [f"Std. errors and intervals: bootstrap ({c.method}; {c.n_failed} of {c.n_resamples} failed); "
            "intervals are percentiles.",
            f"Plan ranges in brackets: {c.level:g}% bootstrap percentiles."]


def _footer(fit, ab, runs, residual_lines) -> list[str]:
    """The footer both reports share: exponents, the residual lines, the runs' range, the method, the errors."""
    return [_exponent_line(fit, ab), *residual_lines, _range_line(fit, runs), f"Method: {fit.method}.",
            *_uncertainty_lines(fit, ab)]


def _fields(fit: "FitResult", ab, runs, extra) -> dict:
    out = {
        "source": runs.source, "form": fit.form, "approach": fit.extra["approach"], "n_runs": fit.n_runs,
        "method": fit.method, "coefficients": dict(fit.coefficients), "standard_errors": dict(fit.standard_errors),
        "standard_error_method": fit.standard_error_method,
        "exponents": {"a": fit.exponents[0], "b": fit.exponents[1]},
        "residuals_log_loss": dict(fit.residuals), "residuals_log_n_opt": dict(fit.extra["n_opt_residuals"]),
        "data_range": {k: list(v) for k, v in fit.data_range.items()}, "warnings": list(fit.warnings), **extra,
    }
    if ab is not None:
        c = ab.coefficients
        out["bootstrap"] = {"n_resamples": c.n_resamples, "n_failed": c.n_failed, "seed": c.seed, "level": c.level,
                            "intervals": {**{k: list(v) for k, v in c.intervals.items()}, "b": list(ab.b_interval)},
                            "standard_errors": {**c.standard_errors, "b": ab.b_standard_error}, "method": c.method}
    return out


def _document(fit, ab, plans, runs, title, section, footer, fields) -> Report:
    rows, columns, keys = _coefficients(fit, ab.coefficients if ab is not None else None, runs)
    plans = dataclasses.replace(plans, title="Compute-optimal plans with this rule", footer=(), name="plans")
    return Report(blocks=(Block(rows),), columns=tuple(columns), keys=keys, title=title, footer=tuple(footer),
                  sections=(section, plans), fields=_fields(fit, ab, runs, fields),
                  warnings=tuple(fit.warnings) + tuple(plans.warnings))


# ---------------------------------------------------------------------------------------------------------------------
# Approach 2


def _n_opt_cell(row) -> str:
    n, lo, hi = row
    if n is None:
        return "—"
    if lo is None or not math.isfinite(lo):
        return format_count(n)
    return f"{format_count(n)} ({span_text(format_count, lo, hi)})"


def _budget_rows(fit: "FitResult", ab, level):
    used = [f for f in fit.extra["budgets"] if f.used]
    intervals = dict(zip((id(f) for f in used), ab.budget_intervals)) if ab is not None else {}
    z = normal_quantile(level)
    rows = []
    auto = fit.extra["isoflop_method"] == "auto"   # only auto compares the two estimators
    for f in fit.extra["budgets"]:
        row = {"flops": f.flops, "n_runs": len(f.runs), "n_sizes": f.n_sizes, "flops_ratio_lo": f.flops_ratio[0],
               "flops_ratio_hi": f.flops_ratio[1], "used": f.used, "skipped": f.skipped or None,
               "ratio_cell": f"{f.flops_ratio[0]:.2f}–{f.flops_ratio[1]:.2f}", "ci_level": level}
        if f.used:
            if ab is not None:
                lo, hi = intervals[id(f)]
            elif math.isfinite(f.log_se):
                lo, hi = math.exp(math.log(f.n_params) - z * f.log_se), math.exp(math.log(f.n_params) + z * f.log_se)
            else:
                lo = hi = None
            row.update(estimator=f.estimator, other_n_params=_finite(f.other_n_params),
                       lack_of_fit_p=_finite(f.lack_of_fit_p),
                       estimators_tolerance=f.tolerance if auto and math.isfinite(f.tolerance) else None,
                       estimators_disagree=f.disagrees if auto else None,
                       n_params=f.n_params, n_params_lo=lo, n_params_hi=hi, n_params_log_se=f.log_se,
                       n_tokens=f.n_tokens, loss=f.loss, window_lo=f.window[0], window_hi=f.window[1],
                       window_runs=f.window_runs, n_opt_cell=(f.n_params, lo, hi),
                       window_cell=f"{span_text(format_count, *f.window)} ({f.window_runs})")
        else:
            row.update(n_opt_cell=(None, None, None), window_cell="skipped")
        rows.append(row)
    return rows


def _finite(x: float) -> float | None:
    return x if math.isfinite(x) else None


def isoflop_report(fit: "FitResult", ab, plans: Report, runs) -> Report:
    """The report of ``plan fit --isoflop``: ``fit`` (:func:`~planner.fitting.fit_isoflop`), its bootstrap ``ab``
    (:class:`~planner.fitting.allocation.AllocationBootstrap`, or None), ``plans`` (the fitted rule's plans, with
    intervals) and the ``runs``."""
    level = ab.level if ab is not None else 95.0
    budgets = fit.extra["budgets"]
    used = [f for f in budgets if f.used]
    grouping = fit.extra["grouping"]
    how = (f"the parabola's ±{normal_quantile(level):.2f} standard errors of ln N_opt (delta method)" if ab is None
           else f"{level:g}% bootstrap percentiles of the resampled minima")
    if ab is None and fit.extra["isoflop_method"] == "auto":
        how = (f"±{normal_quantile(level):.2f} standard errors of ln N_opt: the parabola's by the delta method, "
               "Akima's by a Monte Carlo of the runs' scatter around a cubic through the interpolant")
    skipped = [f for f in budgets if not f.used]
    section = Report(
        blocks=(Block(_budget_rows(fit, ab, level)),),
        columns=(Column("flops", "budget C", format_flops), Column("n_runs", "runs", format_text),
                 Column("ratio_cell", "6ND/C", format_text),
                 Column("estimator", "estimator", format_text),
                 Column("n_opt_cell", f"N_opt ({level:g}%)", _n_opt_cell),
                 Column("n_tokens", "D_opt", format_count),
                 Column("window_cell", "fitted on", format_text)),
        keys=BUDGET_KEYS, name="budgets",
        title=f"IsoFLOP budgets: {len(budgets)} found {grouping.source}, {len(used)} used",
        footer=(f"N_opt intervals: {how}." if fit.extra["isoflop_method"] != "akima" or ab is not None else
                "N_opt intervals: none without --bootstrap (the Akima interpolant has no standard error).",
                *(("Estimator: each budget's, chosen from its sweep (--isoflop-method auto): Akima where the budget "
                   "has sizes enough on both sides of its minimum and the parabola does not fit there (lack of fit "
                   "significant), else the parabola.",) if fit.extra["isoflop_method"] == "auto" else ()),
                "Fitted on: the N range (and runs) each minimum was found from.",
                *(f"Skipped: C = {format_flops(f.flops)} ({len(f.runs)} runs): {f.skipped}." for f in skipped)))
    res, n_res = fit.residuals, fit.extra["n_opt_residuals"]
    parabolas = [f for f in used if f.estimator == "parabola"]
    whose = "each budget's parabola" if len(parabolas) == len(used) else f"the {len(parabolas)} budgets' parabolas"
    lines = _footer(fit, ab, runs, [
        (f"Residuals of log L around {whose}: RMS {res['rms']:.4f}, max |r| {res['max_abs']:.4f} "
         f"({sum(f.window_runs for f in parabolas)} runs in the windows)." if res else
         "Residuals of log L around each budget's interpolant: none (Akima interpolation passes through every "
         "size)."),
        f"Residuals of log N_opt around the power law: RMS {n_res['rms']:.4f}, max |r| {n_res['max_abs']:.4f} "
        f"({len(used)} budgets)."])
    title = (f"Fit · allocation rule (Approach 2: isoFLOP profiles) · {fit.n_runs} runs in {len(used)} budgets from "
             f"{PurePath(runs.source).name}")
    doc = _document(fit, ab, plans, runs, title, section, lines,
                    {"grouping": grouping.source, "isoflop_method": fit.extra["isoflop_method"],
                     "isoflop_window": fit.extra["window"]})
    # CSV is one rectangular table: each coefficient's line repeats per budget, so the budgets (and each one's
    # estimator) are in every format; JSON has them under "budgets" once.
    budget_rows = [{k: row.get(k) for k in BUDGET_KEYS} for row in section.rows]
    block = dataclasses.replace(doc.blocks[0], rows=[dict(r, budgets=budget_rows) for r in doc.blocks[0].rows])
    return dataclasses.replace(doc, blocks=(block,), keys=tuple(doc.keys) + ("budgets",), nested={"budgets": BUDGET_KEYS})


# ---------------------------------------------------------------------------------------------------------------------
# Approach 1


def _envelope_rows(fit: "FitResult"):
    e = fit.extra["envelope"]
    rows = []
    for n in np.unique(e.run_n_params):
        won = np.isfinite(e.loss) & (np.abs(e.n_params / n - 1) < 1e-9)
        used = won & e.used
        row: dict[str, object] = {"n_params": float(n), "n_runs": int(np.sum(np.abs(e.run_n_params / n - 1) < 1e-9)),
               "points": int(used.sum()), "edge_points": int((won & ~e.used).sum())}
        if used.any():
            row.update(flops_lo=float(e.flops[used].min()), flops_hi=float(e.flops[used].max()),
                       loss_lo=float(e.loss[used].min()), loss_hi=float(e.loss[used].max()),
                       flops_cell=f"{format_flops(e.flops[used].min())}–{format_flops(e.flops[used].max())}",
                       loss_cell=f"{format_loss(e.loss[used].max())}–{format_loss(e.loss[used].min())}")
        rows.append(row)
    return rows


def curves_report(fit: "FitResult", ab, plans: Report, runs) -> Report:
    """The report of ``plan fit --curves``: ``fit`` (:func:`~planner.fitting.fit_curves`), its bootstrap ``ab`` (or
    None), ``plans`` and the ``runs`` (checkpoint rows)."""
    e = fit.extra["envelope"]
    used = int(e.used.sum())
    section = Report(
        blocks=(Block(_envelope_rows(fit)),),
        columns=(Column("n_params", "size N", format_count), Column("n_runs", "runs", format_text),
                 Column("points", "envelope points", format_text),
                 Column("edge_points", "at the edge (left out)", format_text),
                 Column("flops_cell", "C where it is N_opt", format_text),
                 Column("loss_cell", "loss there", format_text)),
        keys=ENVELOPE_KEYS, name="envelope",
        title=f"Envelope: the run of lowest loss at {fit.extra['grid_points']} log-spaced FLOP values",
        footer=("A point won by the smallest or largest size covering its C is left out: the optimum may lie "
                "beyond the sizes trained.",))
    n_res = fit.extra["n_opt_residuals"]
    lines = _footer(fit, ab, runs, [
        f"Residuals of log N_opt around the power law: RMS {n_res['rms']:.4f}, max |r| {n_res['max_abs']:.4f} "
        f"({used} envelope points; N_opt steps from size to size, so these are not noise)."])
    title = (f"Fit · allocation rule (Approach 1: envelope of training curves) · {fit.n_runs} runs, "
             f"{fit.extra['n_checkpoints']} checkpoints from {PurePath(runs.source).name}")
    return _document(fit, ab, plans, runs, title, section, lines,
                     {"n_checkpoints": fit.extra["n_checkpoints"], "grid_points": fit.extra["grid_points"],
                      "envelope_points": used})


# ---------------------------------------------------------------------------------------------------------------------
# the answer: fit, bootstrap, the fitted rule's plans, the report


def fit_allocation_rule(runs, curves: bool, isoflop_method: str = "auto",
                        isoflop_window: float | None = ISOFLOP_WINDOW, schedule=None,
                        allow_budget_mismatch: bool = False) -> FitResult:
    """Approach 1 (``curves``: ``runs`` are training curves, with their learning-rate ``schedule`` if known) or 2
    (isoFLOP sweeps) on ``runs`` (a :class:`~planner.fitting.runs.Runs`): the :class:`~planner.fitting.FitResult` of
    the allocation rule (``allow_budget_mismatch``: fit against a budget column far from k·N·D, see
    :func:`~planner.fitting.isoflop.fit_isoflop`)."""
    k = runs.flops_per_param_token
    flops = None if "flops" in runs.derived else runs.flops
    if curves:
        return fit_curves(runs.run_id, runs.n_params, runs.n_tokens, runs.loss, flops=flops, flops_per_param_token=k,
                          schedule=schedule)
    return fit_isoflop(runs.n_params, runs.n_tokens, runs.loss, flops=runs.flops, budget=runs.budget,
                       method=isoflop_method, window=isoflop_window, flops_per_param_token=k,
                       budget_column=(runs.columns or {}).get("budget", "budget"),
                       allow_budget_mismatch=allow_budget_mismatch)


def allocation_answer(runs, request: FitRequest,
                      progress: Callable[[str, float, float], None] | None = None) -> FitAnswer:
    """``plan fit --isoflop`` and ``plan fit --curves``: the rule of ``request.approach`` fitted to ``runs``, its
    bootstrap (``request.n_boot`` resamples, none if 0), the fitted law's plans at ``request.budgets`` and the
    report (which carries the warning of dropped resamples). ``progress(stage, done, total)`` reports the
    bootstrap."""
    curves = request.approach == "curves"
    result = fit_allocation_rule(runs, curves, request.isoflop_method, request.isoflop_window,
                                 request.schedule if curves else None, request.allow_budget_mismatch)
    ab = None
    if request.n_boot:
        resample = bootstrap_curves if curves else bootstrap_isoflop
        ab = resample(result, n_resamples=request.n_boot, seed=request.seed, level=request.level,
                      progress=None if progress is None else lambda done, total: progress("bootstrap", done, total))
    boot = ab.coefficients if ab is not None else None
    fitted = law_from_fit(result, boot, law_id=request.law_id, source=PurePath(runs.source).name)
    plans = plans_report(fitted, list(request.budgets), request.level if boot is not None else None)
    report = (curves_report if curves else isoflop_report)(result, ab, plans, runs)
    report = dataclasses.replace(report, warnings=tuple(report.warnings) + tuple(dropped_resamples(boot)))
    return FitAnswer(report, result, boot, None)
