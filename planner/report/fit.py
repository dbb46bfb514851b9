"""Reports of ``plan fit`` (a fitted law and the plans it makes) and ``plan design`` (an isoFLOP grid to train).

A fit report is a document: its table is the coefficients (estimate, standard error, interval), its section the
compute-optimal plans of the fitted law at the asked budgets (with bootstrap intervals), and its fields everything a
script needs (coefficients, errors, residuals, ranges, the method) so JSON is one object. Every format works, as
for any report.
"""

from __future__ import annotations

import dataclasses
from pathlib import PurePath
from typing import TYPE_CHECKING, Callable, NamedTuple, Sequence

from .. import fitting
from ..base.conventions import DEFAULT_BOOTSTRAP_RESAMPLES, HUBER_DELTA, ISOFLOP_WINDOW
from ..base.hints import command as suggest
from ..base.units import (format_coefficient, format_count, format_flops, format_general, format_loss4, format_percent,
                          format_ratio, format_text)
from ..files.lawwriter import law_from_fit
from ..fitting.diagnostics import extrapolation_warnings, identification_warnings, interval_warnings
from ..fitting.objectives import OVERESTIMATE_PENALTY
from ..fitting.prediction import bootstrap_prediction_interval
from ..planning.plan import compute_optimal
from .backtests import (HOLDOUT_KEYS, holdout_footer, holdout_section, holdout_summary, rollout_footer, rollout_section,
                        rollout_summary)
from .intervals import intervals
from .outliers import OutlierDrop, dropped_footer, line_of, outlier_fields, outlier_warnings
from .plans import plan_report
from .types import Block, Column, Report

if TYPE_CHECKING:
    from ..fitting.result import FitResult

__all__ = ["fit_report", "design_report", "plans_report", "COEFFICIENT_KEYS", "DESIGN_KEYS", "HOLDOUT_KEYS",
           "COMPARE_KEYS", "FitRequest", "FitAnswer", "fit_answer", "compare_report", "holdout_section",
           "dropped_resamples", "DEFAULT_REPORT_BUDGETS", "compare_answer"]

#: Keys of a coefficient row.
COEFFICIENT_KEYS = ("coefficient", "estimate", "standard_error", "ci_level", "estimate_lo", "estimate_hi")
#: Keys of a design row: a runs-file template for ``plan fit`` (the loss is left empty to fill in).
DESIGN_KEYS = ("flops", "n_params", "n_tokens", "tokens_per_param", "loss")
#: Keys of a --compare row; ``plans`` is a nested list of {flops, n_params, n_tokens}.
COMPARE_KEYS = ("estimator", "form", "exponent_a", "objective", "holdout_mean_abs_relative_error", "n_runs", "plans",
                "note")


#: Budgets the report plans at when no --flops is given.
DEFAULT_REPORT_BUDGETS = (1e20, 1e22, 1e24)


class FitRequest(NamedTuple):
    """What ``plan fit`` was asked: the law and how to fit it, the errors, the budgets, the back-test; or, with
    ``approach`` ("isoflop": Hoffmann's Approach 2, "curves": Approach 1), the allocation rule and how each isoFLOP
    minimum is found (see :func:`planner.report.isoflop.allocation_answer`)."""

    form: str = "parametric"
    tie: tuple = ()
    fix: tuple = ()                  # (name, value) pairs
    objective: str = "huber-log"
    delta: float = HUBER_DELTA
    errors: str = "bootstrap"        # or "asymptotic"
    n_boot: int = DEFAULT_BOOTSTRAP_RESAMPLES
    seed: int = 0
    level: float = 95.0
    budgets: tuple = DEFAULT_REPORT_BUDGETS
    holdout: int | None = None
    holdout_above: float | None = None
    law_id: str = "fitted"
    drop_outliers: bool = False
    penalty: float = OVERESTIMATE_PENALTY   # the asymmetric objective's factor
    weight_column: str | None = None
    weight_by: str | None = None     # "compute": sqrt(C)
    rollout: str | None = None       # "size" or "compute": a rolling back-test by those levels
    approach: str = ""
    isoflop_method: str = "auto"
    isoflop_window: float | None = ISOFLOP_WINDOW
    allow_budget_mismatch: bool = False   # fit against a budget column far from k·N·D (planner.fitting.isoflop)
    schedule: object = None          # Approach 1: the runs' learning-rate schedule (planner.laws.schedules), if known



def dropped_resamples(boot) -> list[str]:
    """The warning that some bootstrap resamples failed, if any did."""
    if boot is None or not boot.n_failed:
        return []
    return [f"{boot.n_failed} of {boot.n_resamples} bootstrap resamples gave no valid fit and were dropped"]


class FitAnswer(NamedTuple):
    """A fit, its bootstrap (or None), its back-test (or None) and the report of all three; with --drop-outliers the
    fit is the refit without the outliers and ``dropped`` the :class:`OutlierDrop`."""

    report: Report
    fit: object
    boot: object
    backtest: object
    dropped: object = None
    rollout: object = None


def _refit(request: FitRequest, k: float, progress=None) -> Callable:
    """``refit(N, D, L, flops=None, weights=None)``: the law of ``request`` fitted to runs (weighted by sqrt(C) with
    --weight-by compute, by ``weights`` with --weights)."""
    def refit(N, D, L, flops=None, weights=None):
        fitter = fitting.fit_kaplan if request.form == "kaplan" else fitting.fit_parametric
        if request.weight_by == "compute":
            weights = (k * N * D if flops is None else flops) ** 0.5
        return fitter(N, D, L, flops_per_param_token=k, tie=request.tie, fix=dict(request.fix),
                      objective=request.objective, delta=request.delta, progress=progress,
                      overestimate_penalty=request.penalty, weights=weights, weighting=_weighting(request))

    return refit


#: planner's choice: each step of a rolling back-test bootstraps its fit this many times (at most) for its prediction
#: interval, so that tens of steps stay a few seconds.
ROLLOUT_RESAMPLES = 200


def _interval(request: FitRequest, k: float, n_resamples: int):
    """The prediction interval a back-test asks of its fits (None with --errors asymptotic: no bootstrap)."""
    if request.errors != "bootstrap":
        return None

    def interval(fit, N, D, L, Nt, Dt, weights):
        if request.weight_by == "compute":
            weights = (k * N * D) ** 0.5
        return bootstrap_prediction_interval(fit, N, D, L, Nt, Dt, n_resamples=n_resamples, seed=request.seed,
                                             level=request.level, weights=weights)

    return interval


def _weighting(request: FitRequest) -> str | None:
    if request.weight_by == "compute":
        return "sqrt(C) (as OLMo-core's ladder analysis)"
    return f"column {request.weight_column!r}" if request.weight_column else None


def _weights(request: FitRequest, runs):
    """The per-run weights of ``request`` for ``runs`` (None: equal)."""
    if request.weight_by == "compute":
        return runs.flops ** 0.5
    return runs.weight if request.weight_column else None


def fit_answer(runs, request: FitRequest, progress: Callable[[str, float, float], None] | None = None) -> FitAnswer:
    """``plan fit``: fit ``runs`` as ``request`` says, bootstrap it (by default), back-test it (if asked), and
    build the report. ``progress(stage, done, total)`` reports the long steps."""
    k = runs.flops_per_param_token
    N, D, L = runs.n_params, runs.n_tokens, runs.loss
    refit = _refit(request, k, progress)
    fit = refit(N, D, L, flops=runs.flops, weights=_weights(request, runs))
    dropped = None
    if request.drop_outliers and fit.outliers:
        dropped = OutlierDrop(fit, runs, tuple(line_of(runs, i) for i in fit.outliers.indices))
        runs = runs.without(fit.outliers.indices)
        N, D, L = runs.n_params, runs.n_tokens, runs.loss
        fit = refit(N, D, L, flops=runs.flops, weights=_weights(request, runs))
    boot = None
    if request.errors == "bootstrap":
        boot = fitting.bootstrap(N, D, L, n_resamples=request.n_boot, seed=request.seed, fit=fit, form=fit.form,
                                 level=request.level, weights=_weights(request, runs),
                                 progress=None if progress is None else lambda d, t: progress("bootstrap", d, t))
    bt = None
    if request.holdout is not None or request.holdout_above is not None:
        bt = fitting.backtest(N, D, L, _refit(request, k), k=request.holdout, above=request.holdout_above,
                              flops=runs.flops, full_fit=fit, budget=max(request.budgets), flops_per_param_token=k,
                              weights=None if request.weight_by else _weights(request, runs),
                              interval=_interval(request, k, request.n_boot))
    ro = None
    if request.rollout is not None:
        ro = fitting.rollout(N, D, L, _refit(request, k), by=request.rollout, flops=runs.flops,
                             flops_per_param_token=k, weights=None if request.weight_by else _weights(request, runs),
                             interval=_interval(request, k, min(request.n_boot, ROLLOUT_RESAMPLES)))
    law = law_from_fit(fit, boot, law_id=request.law_id, source=PurePath(runs.source).name)
    plans = plans_report(law, list(request.budgets), request.level if boot is not None else None)
    return FitAnswer(fit_report(fit, boot, plans, runs, backtest=bt, dropped=dropped, rollout=ro), fit, boot, bt,
                     dropped, ro)


def fit_report(fit: "FitResult", boot, plans: Report, runs, backtest=None, dropped: OutlierDrop | None = None,
               rollout=None) -> Report:
    """The report of ``plan fit``: ``fit`` (a :class:`~planner.fitting.FitResult`), its ``boot`` strap (or None),
    ``plans`` (the report of the fitted law's plans, with their intervals), the ``runs`` it was fitted on, and its
    ``backtest`` (a :class:`~planner.fitting.Backtest`, or None).

    The errors shown are the bootstrap's when there is one and the fit's own (asymptotic, labelled) otherwise, in the
    table, the footer and the JSON alike. Warnings (the fit's, the plans', and the diagnostics of
    :mod:`planner.fitting.diagnostics`) go to ``warnings`` and into the footer, so markdown and JSON keep them.
    """
    ses, se_method = _shown_errors(fit, boot)
    fixed = fit.extra.get("fixed", {})
    rows = []
    for name, value in fit.coefficients.items():
        se = ses.get(name)
        row = {"coefficient": name, "estimate": value, "standard_error": se, "estimate_cell": (name, value),
               "standard_error_cell": "fixed" if name in fixed else (name, se)}
        if boot is not None:
            lo, hi = boot.intervals[name]
            row.update(ci_level=boot.level, estimate_lo=lo, estimate_hi=hi,
                       interval_cell="fixed" if name in fixed else (name, lo, hi))
        rows.append(row)
    columns = [Column("coefficient", "coefficient", format_text, align="left"),
               Column("estimate_cell", "estimate", _coefficient_cell),
               Column("standard_error_cell", "std. error", _coefficient_cell)]
    if boot is not None:
        columns.append(Column("interval_cell", f"{boot.level:g}% interval", _interval_cell))
    keys = COEFFICIENT_KEYS if boot is not None else COEFFICIENT_KEYS[:3]
    plans = dataclasses.replace(plans, title="Compute-optimal plans with this law", footer=(), name="plans")
    level = boot.level if boot is not None else 95.0
    sections = (plans,) + ((holdout_section(backtest, level),) if backtest is not None else ()) \
        + ((rollout_section(rollout),) if rollout is not None else ())
    warnings = list(dict.fromkeys(tuple(fit.warnings) + tuple(plans.warnings) + tuple(_diagnostics(fit, boot, plans))
                                  + tuple(outlier_warnings(fit, runs, dropped))))
    fields = _fit_fields(fit, boot, runs, ses, se_method, warnings)
    fields.update(outlier_fields(fit, runs, dropped, plans))
    if backtest is not None:
        fields["holdout_summary"] = holdout_summary(backtest)
    if rollout is not None:
        fields["rollout_summary"] = rollout_summary(rollout)
    footer = _fit_footer(fit, boot, runs, se_method)
    footer += holdout_footer(backtest, level) if backtest is not None else []
    footer += dropped_footer(fit, dropped, plans) + (rollout_footer(rollout) if rollout is not None else [])
    footer += [f"Warning: {w}" for w in warnings]
    return Report(blocks=(Block(rows),), columns=tuple(columns), keys=keys,
                  title=f"Fit · {fit.form} law · {fit.n_runs} runs from {PurePath(runs.source).name}",
                  footer=tuple(footer), sections=sections, fields=fields, warnings=tuple(warnings))


def _coefficient_cell(t) -> str:
    if isinstance(t, str):
        return t
    name, value = t
    return format_coefficient(name, value)


def _interval_cell(t) -> str:
    if isinstance(t, str):
        return t
    name, lo, hi = t
    return f"{format_coefficient(name, lo)} – {format_coefficient(name, hi)}"


def _shown_errors(fit, boot):
    """The errors a fit report shows, and how they were got: the bootstrap's, else the fit's own."""
    if boot is not None:
        return dict(boot.standard_errors), f"bootstrap: {boot.method}"
    return dict(fit.standard_errors), fit.standard_error_method


def _diagnostics(fit, boot, plans) -> list[str]:
    budgets = [row["flops"] for row in plans.rows]
    return extrapolation_warnings(fit, budgets) + interval_warnings(plans.rows) + identification_warnings(boot)


def _fit_footer(fit, boot, runs, se_method: str) -> list[str]:
    a, b = fit.exponents
    rng, res = fit.data_range, fit.residuals
    lines = [
        f"Exponents: N_opt ∝ C^{a:.4f}, D_opt ∝ C^{b:.4f}.",
        f"Residuals of log L: RMS {res['rms']:.4f}, max |r| {res['max_abs']:.4f}"
        + (f"; RMS in loss {res['rms_loss']:.4f} nats." if "rms_loss" in res else "."),
        "Fitted on "
        + (f"N {format_count(rng['n_params'][0])}–{format_count(rng['n_params'][1])}, "
           f"D {format_count(rng['n_tokens'][0])}–{format_count(rng['n_tokens'][1])}, " if "n_params" in rng else "")
        + f"C {format_flops(rng['flops'][0])}–{format_flops(rng['flops'][1])}"
        + (f" ({', '.join(runs.derived)} derived with C = {runs.flops_per_param_token:g}·N·D)." if runs.derived else "."),
        f"Method: {fit.method}"
        + (f"; {fit.n_distinct_optima} distinct end points; objective {fit.objective:.6g}" if fit.n_starts else "")
        + ("." if fit.converged else "; NOT converged."),
    ]
    if boot is not None:
        lines.append(f"Std. errors: bootstrap ({boot.n_resamples} resamples, seed {boot.seed}; {boot.n_failed} failed); "
                     "intervals are percentiles.")
        lines.append(f"Plan ranges in brackets: {boot.level:g}% bootstrap percentiles.")
    elif fit.form == "allocation":
        lines.append(f"Std. errors: {se_method}.")
    else:
        lines.append(f"Std. errors: ASYMPTOTIC {se_method.removeprefix('asymptotic ')}, as asked with --errors "
                     "asymptotic: they assume the law is exact and the residuals independent, and understate the error "
                     "on few runs; the default is the bootstrap.")
    lines.append("* Loss in the runs' own units (nats/token on their data); beyond the fitted range it is an "
                 "extrapolation.")
    return lines


def _fit_fields(fit: "FitResult", boot, runs, ses, se_method, warnings) -> dict:
    out = {
        "source": runs.source, "form": fit.form, "n_runs": fit.n_runs, "method": fit.method,
        "objective_function": fit.extra.get("objective_function", "least squares of log N_opt on log C"),
        "tied": list(fit.extra.get("tied", ())), "fixed": dict(fit.extra.get("fixed", {})),
        "coefficients": dict(fit.coefficients), "standard_errors": ses, "standard_error_method": se_method,
        "exponents": {"a": fit.exponents[0], "b": fit.exponents[1]},
        "residuals": dict(fit.residuals), "data_range": {k: list(v) for k, v in fit.data_range.items()},
        "objective": fit.objective, "converged": fit.converged, "n_starts": fit.n_starts,
        "n_distinct_optima": fit.n_distinct_optima, "warnings": list(warnings),
    }
    if boot is not None:
        out["asymptotic_standard_errors"] = dict(fit.standard_errors)
        out["bootstrap"] = {"n_resamples": boot.n_resamples, "n_failed": boot.n_failed, "seed": boot.seed,
                            "level": boot.level, "intervals": {k: list(v) for k, v in boot.intervals.items()},
                            "standard_errors": dict(boot.standard_errors), "method": boot.method}
    return out


# ---------------------------------------------------------------------------------------------------------------------
# several estimators on the same runs (--compare)


def compare_answer(runs, request: FitRequest, progress: Callable[[str, float, float], None] | None = None) -> Report:
    """``plan fit --compare``: several estimators fitted to ``runs`` (:func:`~planner.fitting.compare_estimators`),
    each back-tested as ``request`` says and planned at its largest budget; their report."""
    results = fitting.compare_estimators(runs.n_params, runs.n_tokens, runs.loss, flops=runs.flops,
                                         budget=max(request.budgets), objective=request.objective,
                                         delta=request.delta, holdout=request.holdout,
                                         holdout_above=request.holdout_above,
                                         flops_per_param_token=runs.flops_per_param_token, progress=progress)
    return compare_report(results, request.budgets, runs)


def compare_report(results, budgets: Sequence[float], runs) -> Report:
    """One row per estimator of :func:`~planner.fitting.compare_estimators`: exponent a, N_opt and D_opt at each
    budget, objective, back-test error; the footer says that their spread is the point."""
    rows = []
    for r in results:
        fit = r.fit
        plans = []
        if fit is not None:
            for C in budgets:
                n_opt, d_opt = fit.model.compute_optimal(C)
                plans.append({"flops": C, "n_params": float(n_opt), "n_tokens": float(d_opt)})
        bt = r.backtest
        row = {"estimator": r.label, "form": None if fit is None else fit.form,
               "exponent_a": None if fit is None else fit.exponents[0],
               "objective": None if fit is None else fit.objective,
               "holdout_mean_abs_relative_error": None if bt is None else bt.mean_abs_relative_error,
               "n_runs": None if fit is None else fit.n_runs, "plans": plans,
               "note": r.error or r.backtest_error}
        for i, p in enumerate(plans):
            row[f"n_opt_{i}"], row[f"d_opt_{i}"] = p["n_params"], p["n_tokens"]
        rows.append(row)
    columns = [Column("estimator", "estimator", format_text, align="left"),
               Column("exponent_a", "a", lambda v: "—" if v is None else f"{v:.3f}")]
    for i, C in enumerate(budgets):
        columns += [Column(f"n_opt_{i}", f"N_opt @ {format_flops(C)}", format_count),
                    Column(f"d_opt_{i}", f"D_opt @ {format_flops(C)}", format_count)]
    columns += [Column("objective", "objective", lambda v: "—" if v is None else format_general(v, 4)),
                Column("holdout_mean_abs_relative_error", "back-test |err|", format_percent)]
    fitted = [r for r in results if r.fit is not None]
    footer = []
    if len(fitted) > 1 and budgets:
        top = max(range(len(budgets)), key=lambda i: budgets[i])
        n_top = [row[f"n_opt_{top}"] for row in rows if f"n_opt_{top}" in row]
        footer.append(f"The spread between these rows is the point: each is a defensible fit to the same runs, and "
                      f"at {format_flops(budgets[top])} they put N_opt between {format_count(min(n_top))} and "
                      f"{format_count(max(n_top))} (x{max(n_top) / min(n_top):.2g}). Trust an allocation only as far "
                      f"as the estimators agree on it, and back-test it (--holdout).")
    held = next((r.backtest for r in results if r.backtest is not None), None)
    if held is not None:
        footer.append(f"Back-test |err|: mean |relative error| predicting {held.rule}, each estimator refitted without "
                      f"them.")
    footer.append("a: the exponent of N_opt ∝ C^a. Objective: each estimator's own minimised objective (Approach 2: residual sum of squares of log "
                  "N_opt), not comparable across rows.")
    footer += [f"{r.label}: {r.error or r.backtest_error}." for r in results if r.error or r.backtest_error]
    warnings = [w for r in fitted for w in r.fit.warnings]
    return Report(blocks=(Block(rows),), columns=tuple(columns), keys=COMPARE_KEYS,
                  nested={"plans": ("flops", "n_params", "n_tokens")},
                  title=f"Estimators compared · {len(runs)} runs from {PurePath(runs.source).name}",
                  footer=tuple(footer), warnings=tuple(dict.fromkeys(warnings)))


def design_report(design, law, span: float) -> Report:
    """The runs of an isoFLOP grid (:class:`~planner.fitting.IsoflopDesign`) centred on ``law``'s optimum."""
    rows = [{"flops": float(c), "n_params": float(n), "n_tokens": float(t), "tokens_per_param": float(t / n),
             "loss": None}
            for c, n, t in zip(design.flops, design.n_params, design.n_tokens)]
    columns = (Column("flops", "FLOPs C", format_flops), Column("n_params", "params N", format_count),
               Column("n_tokens", "tokens D", format_count), Column("tokens_per_param", "tokens/param", format_ratio))
    return Report(blocks=(Block(rows),), columns=columns, keys=DESIGN_KEYS, title=f"IsoFLOP design · centred on {law.id}",
                  footer=(f"Train each run, record its final loss in runs.csv, then: {suggest('fit', 'runs.csv', '--isoflop')} "
                          "(or the parametric fit).",
                          f"Sizes span a factor {span:g} around {law.id}'s N_opt(C); "
                          f"C = {law.flops_per_param_token:g}·N·D."))


def plans_report(law, budgets: Sequence[float], level: float | None) -> Report:
    """The compute-optimal plans of a fitted ``law`` at ``budgets``, with ``level``% intervals from its bootstrap
    samples where it has them."""
    report = plan_report(law, [compute_optimal(law, C) for C in budgets])
    return intervals(report, [law], list(budgets), level) if level is not None else report
