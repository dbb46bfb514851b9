"""Reports of benchmark-accuracy forecasts: the task laws shipped (``plan tasks``), one in detail (``plan tasks show``),
forecasts and target accuracies (``plan --tasks``), and a ladder fit (``plan fit-tasks``).

Each builder turns core results (:mod:`planner.planning.forecasting`, :mod:`planner.fitting.tasks`) into a
:class:`~planner.report.types.Report`, so every format works. Rows carry raw floats under unit-named keys: ``task``,
``metric``, ``n_params``, ``n_tokens``, ``task_loss``, ``accuracy`` (and ``error`` for an error metric), ``chance``;
intervals as ``<key>_lo``/``<key>_hi`` with ``ci_level``, as every ``--ci`` in planner.
"""

from __future__ import annotations

import dataclasses
from typing import Sequence

from ..base.errors import NoUncertaintyError, UnreachableAccuracyError
from ..base.hints import command as suggest
from ..base.units import (check_finite, format_count, format_factor, format_flops, format_loss4, format_percent,
                          format_ratio, format_text)
from ..planning.forecasting import extrapolation, forecast, forecast_intervals, least_compute_for_accuracy, near_chance
from ..planning.plan import compute_optimal
from .intervals import interval_cell, interval_stack
from .plans import PARAMS_SHORT, RATIO_SHORT, TOKENS_SHORT
from .types import Block, Column, Report

__all__ = ["task_laws_report", "task_law_report", "forecast_report", "target_report", "fit_tasks_report",
           "forecasts", "targets", "TASK_LAW_KEYS", "TASK_KEYS", "TARGET_KEYS", "TASK_BACKTEST_KEYS"]

#: Keys of a row of ``plan tasks``.
TASK_LAW_KEYS = ("id", "aliases", "tasks", "metric", "parameters", "citation", "arxiv")
#: Keys of a task row of ``plan tasks show`` (and of a fit): both steps' coefficients.
TASK_KEYS = ("task", "name", "metric", "chance", "E", "A", "B", "alpha", "beta", "step2_form", "a", "b", "k", "L0",
             "epsilon", "gamma", "n_samples")
#: Keys of a target-accuracy row.
TARGET_KEYS = ("task", "target_accuracy", "task_loss", "flops", "n_params", "n_tokens")


def _step1_text(law) -> str:
    m = law.loss_law
    return f"{m.E:.4g} + {m.A:.5g}/N^{m.alpha:.4g} + {m.B:.5g}/D^{m.beta:.4g}"


def _step2_text(law) -> str:
    text: str = law.accuracy_law.formula()
    return text


def _counts(laws) -> str:
    """``N counts non-embedding parameters`` (or as the ladder file reports them, for a fitted file)."""
    if laws.parameters == "as-reported":
        return "N counts parameters as the ladder reports them"
    return f"N counts {laws.parameters} parameters"


def _source_line(laws) -> str:
    where = laws.citation.get("where")
    return f"Source: {laws.short_citation}" + (f", {where}" if where else "") + "."


def task_laws_report(all_laws: Sequence) -> Report:
    """``plan tasks``: one row per task-law file, its tasks and source."""
    rows = [dict(id=t.id, aliases=", ".join(t.aliases), tasks=", ".join(t.task_ids),
                 metric=", ".join(dict.fromkeys(x.metric for x in t.tasks)), parameters=t.parameters,
                 citation=t.short_citation, arxiv=t.citation.get("arxiv"),
                 label=t.id + (f" ({', '.join(t.aliases)})" if t.aliases else ""))
            for t in all_laws]
    cols = (Column("label", "id (aliases)", format_text, align="left"), Column("tasks", "tasks", format_text, "left"),
            Column("metric", "metric", format_text, align="left"), Column("parameters", "N counts", format_text, "left"),
            Column("citation", "source", format_text, align="left"))
    return Report(blocks=(Block(rows),), columns=cols, keys=TASK_LAW_KEYS, title="Task laws: benchmark accuracy from scale",
                  footer=(f"Details: {suggest('tasks', 'show', all_laws[0].id)}. Forecast: "
                          f"{suggest('--params', '7B', '--tokens', '4T', '--tasks', all_laws[0].id)}.",))


def _task_row(law) -> dict:
    row = {"task": law.id, "name": law.name, "metric": law.metric, "chance": law.chance,
           "step2_form": law.accuracy_law.form, "n_samples": len(law.samples),
           "step1": _step1_text(law), "step2": _step2_text(law)}
    row.update({k: None for k in TASK_KEYS if k not in row})
    row.update(law.coefficients)
    return row


def _task_columns() -> tuple[Column, ...]:
    return (Column("task", "task", format_text, align="left"), Column("metric", "metric", format_text, align="left"),
            Column("chance", "chance", format_percent),
            Column("step1", "step 1: task loss L(N, D)", format_text, align="left"),
            Column("step2", "step 2: accuracy(L)", format_text, align="left"),
            Column("n_samples", "bootstrap", format_text))


def _ranges_line(law) -> str:
    r = law.fitted_range
    parts = []
    for key, (sym, fmt) in {"n_params": ("N", format_count), "n_tokens": ("D", format_count),
                            "flops": ("C", format_flops), "task_loss": ("L", format_loss4)}.items():
        if key in r:
            parts.append(f"{sym} {fmt(r[key][0])}–{fmt(r[key][1])}")
    return "; ".join(parts) or "not given"


def _task_fields(law) -> dict:
    return {"name": law.name, "metric": law.metric, "chance": law.chance, "task_loss": law.task_loss_unit,
            "step1": {n: getattr(law.loss_law, n) for n in law.loss_law.coefficient_names},
            "step2": {"form": law.accuracy_law.form,
                      **{n: getattr(law.accuracy_law, n) for n in law.accuracy_law.coefficient_names}},
            "fitted_range": {k: list(v) for k, v in law.fitted_range.items()},
            "accuracy_range": list(law.accuracy_range()), "n_samples": len(law.samples),
            "uncertainty": dict(law.uncertainty), "fit": {k: (list(v) if isinstance(v, tuple) else v)
                                                         for k, v in law.fit.items()},
            "notes": list(law.notes)}


def task_law_report(laws, title: str | None = None, footer: Sequence[str] = ()) -> Report:
    """One task-law file in detail: a row per task with both steps; the source, conventions, ranges and notes in
    the footer; JSON is one object with everything (``tasks`` keyed by id)."""
    rows = [_task_row(t) for t in laws.tasks]
    lines = [_source_line(laws),
             f"Conventions: {_counts(laws)}; C = {laws.flops_per_param_token:g}·N·D FLOPs"
             + (f"; pretraining data: {laws.dataset}" if laws.dataset else "") + "."]
    for t in laws.tasks:
        unc = t.uncertainty
        boot = (f"; {len(t.samples)} bootstrap samples (seed {unc.get('seed', '?')}, {unc.get('n_failed', 0)} failed)"
                if t.samples else "; no bootstrap samples")
        lines.append(f"{t.id}: task loss = {t.task_loss_unit or 'as the ladder reports it'}; fitted on "
                     f"{_ranges_line(t)}{boot}.")
    lines += list(laws.notes) + list(footer)
    fields = {"id": laws.id, "title": laws.title, "form": "tasks", "aliases": list(laws.aliases),
              "citation": dict(laws.citation), "parameters": laws.parameters,
              "flops_per_param_token": laws.flops_per_param_token, "dataset": laws.dataset, "notes": list(laws.notes),
              "tasks": {t.id: _task_fields(t) for t in laws.tasks}, "source": laws.source}
    return Report(blocks=(Block(rows),), columns=_task_columns(), keys=TASK_KEYS,
                  title=title or f"{laws.id} · {laws.title}", footer=tuple(lines), fields=fields)


# ---------------------------------------------------------------------------------------------------------------------
# forecasts and targets


def _forecast_row(fc, flops: float | None, name: str, iv=None) -> dict:
    row = {"task": fc.task, "name": name, "metric": fc.metric, "flops": flops, "n_params": float(fc.n_params),
           "n_tokens": float(fc.n_tokens), "task_loss": float(fc.task_loss), "accuracy": float(fc.accuracy),
           "error": None if fc.error is None else float(fc.error), "chance": fc.chance}
    if iv is not None:
        row.update(ci_level=iv.level, task_loss_lo=iv.task_loss_lo, task_loss_hi=iv.task_loss_hi,
                   accuracy_lo=iv.accuracy_lo, accuracy_hi=iv.accuracy_hi)
        if fc.error is not None:
            row.update(error_lo=1.0 - iv.accuracy_hi, error_hi=1.0 - iv.accuracy_lo)
    for q in ("task_loss", "accuracy"):
        row[f"{q}_ci"] = (row[q], row.get(f"{q}_lo"), row.get(f"{q}_hi"))  # human formats only
    return row


def forecast_report(laws, rows_by_budget: Sequence[tuple], ci: float | None, plan_law=None, notes=()) -> Report:
    """The forecast table: one row per task, one block per budget (``rows_by_budget``: (flops or None, rows)).
    ``plan_law`` is the scaling law that split each budget into N and D (None for an exact run)."""
    has_error = any(r["error"] is not None for _, rows in rows_by_budget for r in rows)
    blocks = []
    for C, rows in rows_by_budget:
        title = None
        if C is not None and rows:
            title = (f"C = {format_flops(C)} FLOPs → N = {format_count(rows[0]['n_params'])}, "
                     f"D = {format_count(rows[0]['n_tokens'])} ({plan_law.id}'s compute-optimal split)")
        blocks.append(Block(rows, title=title))
    level = f" ({ci:g}% CI)" if ci is not None else ""
    # The metric column may give way on a narrow terminal: the footer names the metrics too.
    cols = [Column("task", "task", format_text, align="left"),
            Column("metric", "metric", format_text, align="left", optional=True)]
    if plan_law is None:
        cols += [Column("n_params", "params N", format_count, **PARAMS_SHORT),
                 Column("n_tokens", "tokens D", format_count, **TOKENS_SHORT)]
    band = f"; {level.strip()}: each value over its central interval" if level else ""
    cols += [Column("task_loss_ci", f"task loss{level}", interval_cell(format_loss4), short=f"loss{level}",
                    legend="loss: task loss", wrap=bool(level), stacked=interval_stack(format_loss4)),
             Column("accuracy_ci", f"accuracy{level}", interval_cell(format_percent), short=f"acc.{level}",
                    legend="acc.: accuracy" + band, wrap=bool(level), stacked=interval_stack(format_percent)),
             Column("chance", "chance", format_percent)]
    keys = ["task", "metric"] + (["flops"] if plan_law is not None else []) + ["n_params", "n_tokens", "task_loss",
                                                                               "accuracy"]
    keys += ["error"] if has_error else []
    keys += ["chance"]
    if ci is not None:
        keys += ["ci_level", "task_loss_lo", "task_loss_hi", "accuracy_lo", "accuracy_hi"]
        keys += ["error_lo", "error_hi"] if has_error else []
    units = sorted({t.task_loss_unit for t in laws.tasks if t.task_loss_unit})
    footer = [_source_line(laws),
              f"Two steps per task: step 1 the task loss L(N, D) = E + A/N^α + B/D^β, step 2 accuracy(L); "
              f"{_counts(laws)}, C = {laws.flops_per_param_token:g}·N·D."]
    footer += [f"Task loss: {u}." for u in units]
    metrics = dict.fromkeys(r["metric"] for _, rows in rows_by_budget for r in rows)
    footer.append(f"Metric: {', '.join(metrics)}.")
    if has_error:
        footer.append("Accuracy = 1 − the predicted top-1 error (JSON and CSV carry both).")
    footer += list(notes)
    title = f"Benchmark forecast · {laws.id}"
    return Report(blocks=tuple(blocks), columns=tuple(cols), keys=tuple(keys), title=title, footer=tuple(footer))


def target_report(laws, results: Sequence) -> Report:
    """One row per (task, target accuracy): the task loss it needs and the least compute, N and D reaching it."""
    rows = [dict(task=r.task, target_accuracy=r.target_accuracy, task_loss=r.task_loss, flops=r.flops,
                 n_params=r.n_params, n_tokens=r.n_tokens, tokens_per_param=r.n_tokens / r.n_params) for r in results]
    cols = (Column("task", "task", format_text, align="left"),
            Column("target_accuracy", "target accuracy", format_percent),
            Column("task_loss", "task loss needed", format_loss4, short="loss", legend="loss: task loss needed"),
            Column("flops", "least FLOPs C", format_flops, short="C", legend="C: least FLOPs"),
            Column("n_params", "params N", format_count, **PARAMS_SHORT),
            Column("n_tokens", "tokens D", format_count, **TOKENS_SHORT),
            Column("tokens_per_param", "tokens/param", format_ratio, **RATIO_SHORT))
    footer = (_source_line(laws),
              "The task loss step 2 needs for the target, then the least compute whose compute-optimal split of step 1 "
              f"(E + A/N^α + B/D^β) reaches it; {_counts(laws)}, C = {laws.flops_per_param_token:g}·N·D.",
              "Step 1's own compute-optimal split: the ladder's law, not a scaling-law preset's.")
    return Report(blocks=(Block(rows),), columns=cols, keys=TARGET_KEYS,
                  title=f"Compute for a target accuracy · {laws.id}", footer=footer)


def _extrapolation_warnings(laws, tasks, flops_list) -> list[str]:
    """One line for the tasks whose step 1 extrapolates more than
    :data:`~planner.base.conventions.EXTRAPOLATION_WARNING`× beyond their ladder's compute at the largest of ``flops_list``
    (:func:`planner.planning.forecasting.extrapolation`)."""
    far = {t.id: f for t in tasks if (f := extrapolation(t, max(flops_list))) is not None}
    if not far:
        return []
    which = "every task" if len(far) == len(tasks) > 1 else ", ".join(far)
    lo, hi = format_factor(min(far.values()), ""), format_factor(max(far.values()))
    how_far = f"{lo}–{hi}" if lo + "×" != hi else hi
    return [f"{laws.id}: step 1 extrapolates {how_far} beyond the compute of the ladder's largest run for {which}; "
            "forecasts that far out err by several points"]


def forecasts(laws, names: Sequence[str], *, n_params: float | None = None, n_tokens: float | None = None,
              flops: Sequence[float] = (), plan_law=None, ci: float | None = None) -> Report:
    """``plan --tasks``: each task's forecast for the run (``n_params``, ``n_tokens``), or for the compute-optimal
    split of ``plan_law`` at each budget in ``flops``; with ``ci``% intervals from the tasks' bootstrap samples."""
    tasks = laws.select(names)
    runs = [(None, n_params, n_tokens)] if not flops else \
        [(C, float(p.n_params), float(p.n_tokens)) for C, p in ((C, compute_optimal(plan_law, C)) for C in flops)]
    k = laws.flops_per_param_token
    # checked before any forecast: a run whose compute overflows is refused naming N and D, never formatted as inf
    spent = [check_finite(k * N * D, f"the run's compute {k:g}·N·D", f"N = {N:g} and D = {D:g}") for _, N, D in runs]
    warnings, notes, missing = [], [], []
    blocks = []
    for C, N, D in runs:
        assert N is not None and D is not None  # a run (n_params, n_tokens) or the plans of flops: the caller's choice
        rows = []
        for t in tasks:
            iv = None
            if ci is not None:
                try:
                    iv = forecast_intervals(t, N, D, ci)
                except NoUncertaintyError:
                    missing.append(t.id)
            rows.append(_forecast_row(forecast(t, N, D), C, t.label, iv))
            warnings.append(near_chance(t, rows[-1]["accuracy"], "the forecast is"))
        blocks.append((C, rows))
    warnings += _extrapolation_warnings(laws, tasks, spent)
    if plan_law is not None:
        notes.append(f"N and D: the compute-optimal split of {plan_law.id} ({plan_law.short_citation}), which counts "
                     f"{plan_law.parameters} parameters.")
        if plan_law.parameters != laws.parameters:
            theirs = "as its ladder reports them" if laws.parameters == "as-reported" else laws.parameters
            warnings.append(f"{plan_law.id} counts {plan_law.parameters} parameters but {laws.id} counts {theirs}: "
                            "its N is used as if counted the same way (choose a law that counts N as the task law "
                            "does, or give --params and --tokens)")
    if ci is not None:
        with_iv = [t for t in tasks if t.samples]
        if with_iv:
            notes.append(f"{ci:g}% CI: central percentiles over the tasks' bootstrap refits of both steps "
                         f"({len(with_iv[0].samples)} for {with_iv[0].id})" + ("; N and D as given." if plan_law is None
                                                                              else "; N and D held at the split."))
        if missing:
            ids = ", ".join(dict.fromkeys(missing))
            warnings.append(f"no intervals for {ids}: {laws.id} publishes no bootstrap samples for it")
            notes.append(f"No intervals for {ids}: no bootstrap samples published.")
    report = forecast_report(laws, blocks, ci, plan_law, notes)
    return _with_warnings(report, [w for w in warnings if w])


def targets(laws, names: Sequence[str], target_accuracies: Sequence[float]) -> Report:
    """``plan --target-accuracy``: for each task and target, the least compute reaching it."""
    tasks = laws.select(names)
    results, unreached = [], []
    for t in tasks:
        for a in target_accuracies:
            try:
                results.append(least_compute_for_accuracy(t, a))
            except UnreachableAccuracyError as e:  # the other tasks still answer; a warning names this one
                unreached.append(e)
    if not results:
        raise unreached[0] if len(unreached) == 1 else UnreachableAccuracyError(
            f"no task of {laws.id} reaches " + ("the target" if len(target_accuracies) == 1 else "any of the targets")
            + "; " + "; ".join(str(e) for e in unreached))
    report = target_report(laws, results)
    return _with_warnings(report, [f"not answered: {e}" for e in unreached]
                          + _extrapolation_warnings(laws, [t for t in tasks if any(r.task == t.id for r in results)],
                                                    [r.flops for r in results]))


def _with_warnings(report: Report, warnings: Sequence[str]) -> Report:
    return dataclasses.replace(report, warnings=tuple(report.warnings) + tuple(dict.fromkeys(warnings)))


# ---------------------------------------------------------------------------------------------------------------------
# a ladder fit


#: Keys of a back-test row of ``plan fit-tasks --holdout`` (:class:`~planner.fitting.task_points.TaskBacktest`).
TASK_BACKTEST_KEYS = ("task", "run", "n_params", "n_tokens", "flops", "task_loss", "predicted_task_loss",
                      "relative_error", "accuracy", "predicted_accuracy", "accuracy_error")


def _backtest_section(fits: Sequence) -> Report | None:
    tests = [f.backtest for f in fits if f.backtest is not None]
    if not tests:
        return None
    rows = [dict(row) for bt in tests for row in bt.rows]
    return Report(
        blocks=(Block(rows),), keys=TASK_BACKTEST_KEYS, name="backtest",
        columns=(Column("task", "task", format_text, align="left"), Column("n_params", "N", format_count),
                 Column("n_tokens", "D", format_count), Column("task_loss", "task loss", format_loss4),
                 Column("predicted_task_loss", "predicted", format_loss4),
                 Column("relative_error", "error", format_percent), Column("accuracy", "accuracy", format_loss4),
                 Column("predicted_accuracy", "predicted", format_loss4)),
        title=f"Back-test: each task fitted without {tests[0].rule} ({tests[0].n_kept} runs kept), predicting them",
        footer=("Task loss and accuracy: each held-out run's final ones (the mean over its last checkpoints, as "
                "step 1 reads them); the predicted accuracy is step 2 at the predicted task loss.",))


def fit_tasks_report(laws, fits: Sequence, ladder, forecast: Report | None = None) -> Report:
    """``plan fit-tasks``: the fitted task laws (as ``plan tasks show`` prints them), each fit's details and
    diagnostics in the footer and fields, the back-test of ``--holdout`` and the forecast at the target run where
    they were asked for. What reading the ladder left out (``ladder.notes``: checkpoints at step 0) is a warning."""
    lines = []
    for f in fits:
        fit = f.law.fit
        what = (f"{fit.get('n_runs')} runs' final task losses" if f.points == "final" else
                f"{f.step1.n_runs} checkpoints of {fit.get('n_runs')} runs")
        lines.append(f"{f.law.id}: step 1 on {what} (RMS of log L {fit.get('step1_rms', 0):.4f}); "
                     f"step 2 on {f.n_points} smoothed checkpoints (RMS {fit.get('step2_rms', 0):.4f}).")
    lines.append("Method: Bhagia et al. 2024 §3, App. A: step 1 on each run's task loss averaged over its last "
                 "checkpoints (or, where every run ends at one token count, on every checkpoint as an (N, D) point), "
                 "Huber on log L; step 2 by least squares on every checkpoint after dropping each run's first 10% "
                 "and a moving average, plus the point (0, 1).")
    tied = {t for f in fits for t in f.step1.extra.get("tied", ())}
    fixed = {k: v for f in fits for k, v in (f.step1.extra.get("fixed") or {}).items()}
    if tied or fixed:
        lines.append("Step 1 " + "; ".join([f"tied: {', '.join(sorted(tied))}"] * bool(tied)
                                           + [f"fixed: {', '.join(f'{k} = {v:g}' for k, v in fixed.items())}"]
                                           * bool(fixed)) + ".")
    report = task_law_report(laws, title=f"Task fit · {len(fits)} task{'s' if len(fits) != 1 else ''} from "
                                         f"{ladder.source}", footer=lines)
    notes = list(getattr(ladder, "notes", ()))
    fields = dict(report.fields)
    fields["warnings"] = notes + [w for f in fits for w in f.warnings]
    fields["step1_points"] = {f.law.id: f.points for f in fits}
    sections: tuple[Report, ...] = ()
    backtest = _backtest_section(fits)
    if backtest is not None:
        sections += (backtest,)
    if forecast is not None:
        sections += (dataclasses.replace(forecast, title="Forecast at the target", footer=(), name="forecast"),)
    warnings = notes + [w for f in fits for w in f.warnings] + (list(forecast.warnings) if forecast is not None else [])

    return dataclasses.replace(report, fields=fields, sections=sections, warnings=tuple(dict.fromkeys(warnings)))
