"""The task-law schema: reading and validating a task-law file (``form = "tasks"``), benchmark accuracy from scale in
two steps (:mod:`planner.laws.tasks`; Bhagia et al. 2024)::

    id, title, form = "tasks", aliases, notes, [citation], [conventions]   as in every law file
    [fit]             how ``plan fit-tasks`` made the file
    [tasks.ID]        metric, chance, step1 = {E, A, alpha, B, beta}, step2 = {form, ...}, fitted_range,
                      step1_points, step2_points, notes, name, task_loss
    [tasks.ID.fit]    the fit's method, points, residuals and warnings
    [tasks.ID.uncertainty]  bootstrap refits of both steps: sample_names, samples

Every table of every task is checked when the file is read (with the checks of :mod:`planner.files.tomlfile`);
:func:`planner.files.taskwriter.task_law_file_text` writes the same format back.
"""

from __future__ import annotations

import math
from types import MappingProxyType
from typing import Any, Mapping, cast

from ..base.errors import PresetError
from ..laws.law import check_coefficient
from ..laws.parametric import ParametricLaw
from ..laws.tasks import METRICS, STEP1_NAMES, STEP2_FORMS, TaskLaw, TaskLaws
from .tomlfile import (
    RANGE_KEYS, check_keys, header, matrix, number, parse_toml, range_pair, read_toml_text, short, typed,
)

__all__ = ["task_laws_from_mapping", "parse_task_law_text", "load_task_law_file"]

_TASKS_TOP_KEYS = ("id", "title", "form", "aliases", "notes", "citation", "conventions", "tasks", "fit")
_TASKS_FIT_KEYS = {"source": str, "method": str, "command": str, "n_runs": int, "seed": int}
_TASK_KEYS = ("name", "metric", "chance", "task_loss", "notes", "step1", "step2", "fitted_range", "step1_points",
              "step2_points", "uncertainty", "fit")
_TASKRANGE_KEYS = RANGE_KEYS + ("task_loss",)
_TASK_UNCERTAINTY_KEYS = ("method", "n_resamples", "n_failed", "seed", "sample_names", "samples")
_TASK_FIT_KEYS = {"method": str, "n_points": int, "n_runs": int, "objective": float, "step1_rms": float,
                  "step2_rms": float, "warnings": list}


def load_task_law_file(path: str) -> TaskLaws:
    """Read and validate a task-law file (``form = "tasks"``) from disk → :class:`~planner.laws.tasks.TaskLaws`."""
    return parse_task_law_text(read_toml_text(path, "task-law file", ("tasks", "show", "bhagia2024")), str(path))


def parse_task_law_text(text: str, source: str) -> TaskLaws:
    """The :class:`~planner.laws.tasks.TaskLaws` of a task-law file's TOML ``text``; ``source`` names it in errors."""
    return task_laws_from_mapping(parse_toml(text, source, "a task-law file"), source=source)


def task_laws_from_mapping(data: Mapping[str, Any], source: str = "<mapping>") -> TaskLaws:
    """Validate a parsed task-law file, every table of every task, and build its
    :class:`~planner.laws.tasks.TaskLaws`. Errors are :class:`~planner.base.errors.PresetError` naming the key, its table
    and ``source``, with the closest key where one is misspelt."""
    where = source
    head = header(data, where, _TASKS_TOP_KEYS, ("id", "title", "form", "citation", "tasks"), kind="task_law")
    if head["form"] != "tasks":
        raise PresetError(f"'form' must be 'tasks' in a task-law file (got {head['form']!r}) in {where}")
    k = head["k"]
    tasks = typed(data["tasks"], dict, "tasks", where)
    if not tasks:
        raise PresetError(f"[tasks] must hold at least one task table ([tasks.mmlu] ...) in {where}")
    fit = {}
    if "fit" in data:
        table = typed(data["fit"], dict, "fit", where)
        check_keys(table, _TASKS_FIT_KEYS, "[fit]", where)
        fit = {key: typed(value, _TASKS_FIT_KEYS[key], key, f"[fit] of {where}") for key, value in table.items()}
    conventions = head["conventions"]
    return TaskLaws(id=head["id"], title=head["title"], citation=MappingProxyType(head["citation"]),
                    tasks=tuple(_task(task_id, table, k, where) for task_id, table in tasks.items()),
                    parameters=conventions.get("parameters", "total"), flops_per_param_token=k,
                    dataset=conventions.get("dataset", ""), aliases=head["aliases"], notes=head["notes"],
                    fit=MappingProxyType(fit), source=source)


def _task(task_id: str, table, k: float, source: str) -> TaskLaw:
    """One ``[tasks.ID]`` table: metric, chance, both steps, ranges, points and bootstrap samples, all checked."""
    name = f"[tasks.{task_id}]"
    where = f"{name} of {source}"
    table = typed(table, dict, f"tasks.{task_id}", source)
    if task_id != task_id.lower() or not task_id.strip():
        raise PresetError(f"task ids are lower case (got {task_id!r}) in [tasks] of {source}")
    check_keys(table, _TASK_KEYS, name, source)
    for key in ("metric", "chance", "step1", "step2"):
        if key not in table:
            raise PresetError(f"missing key {key!r} in {where}")
    metric = typed(table["metric"], str, "metric", where)
    if metric not in METRICS:
        raise PresetError(f"'metric' must be one of {', '.join(map(repr, METRICS))} (got {metric!r}) in {where}")
    chance = number(table["chance"], "chance", where)
    if not 0 <= chance < 1:
        raise PresetError(f"'chance' must be an accuracy from 0 to below 1 (got {chance:g}) in {where}")

    step1 = typed(table["step1"], dict, "step1", where)
    coefficients = {key: check_coefficient(ParametricLaw, key, value, f"step1 of {name} of {source}")
                    for key, value in step1.items()}
    for key in STEP1_NAMES:
        if key not in coefficients:
            raise PresetError(f"missing coefficient {key!r} in step1 of {name} of {source} (step 1 is "
                              f"E + A/N^alpha + B/D^beta: it needs {', '.join(STEP1_NAMES)})")
    loss_law = ParametricLaw(flops_per_param_token=k, **coefficients)

    step2 = dict(typed(table["step2"], dict, "step2", where))
    form = typed(step2.pop("form", ""), str, "form", f"step2 of {name} of {source}")
    if form not in STEP2_FORMS:
        raise PresetError(f"'form' must be one of {', '.join(map(repr, STEP2_FORMS))} (got {form!r}) in "
                          f"step2 of {name} of {source}")
    family = STEP2_FORMS[form]
    if family.metric != metric:
        raise PresetError(f"step 2 of form {form!r} predicts {family.metric}, but 'metric' is {metric!r} in {where}")
    check_keys(step2, family.coefficient_names, f"step2 of {name}", source)
    values = {key: number(step2[key], key, f"step2 of {name} of {source}") for key in step2}
    for key in family.coefficient_names:
        if key not in values:
            raise PresetError(f"missing coefficient {key!r} in step2 of {name} of {source} (form {form!r} needs "
                              f"{', '.join(family.coefficient_names)})")
    _check_step2(form, values, f"step2 of {name} of {source}")
    accuracy_law = family(**values)

    fitted_range = {}
    if "fitted_range" in table:
        ranges = typed(table["fitted_range"], dict, "fitted_range", where)
        check_keys(ranges, _TASKRANGE_KEYS, f"fitted_range of {name}", source)
        fitted_range = {key: range_pair(value, key, f"fitted_range of {name} of {source}") for key, value in ranges.items()}
    points1 = matrix(table.get("step1_points", []), 3, "step1_points", where)
    points2 = matrix(table.get("step2_points", []), 2, "step2_points", where)
    if any(not (n > 0 and d > 0 and loss > 0) for n, d, loss in points1):
        raise PresetError(f"'step1_points' must be rows of [N, D, task loss], each > 0, in {where}")
    names, samples, uncertainty = _task_uncertainty(table, family, name, source)
    fit = {}
    if "fit" in table:
        ftable = typed(table["fit"], dict, "fit", where)
        check_keys(ftable, _TASK_FIT_KEYS, f"fit of {name}", source)
        fit = {key: typed(value, _TASK_FIT_KEYS[key], key, f"fit of {name} of {source}") for key, value in ftable.items()}
        fit["warnings"] = tuple(typed(w, str, "warnings", f"fit of {name} of {source}") for w in fit.get("warnings", []))
    notes = tuple(typed(n, str, "notes", where) for n in typed(table.get("notes", []), list, "notes", where))
    return TaskLaw(id=task_id, metric=metric, chance=chance, loss_law=loss_law, accuracy_law=accuracy_law,
                   name=typed(table.get("name", ""), str, "name", where),
                   task_loss_unit=typed(table.get("task_loss", ""), str, "task_loss", where),
                   fitted_range=MappingProxyType(fitted_range), sample_names=names, samples=samples,
                   uncertainty=MappingProxyType(uncertainty), step1_points=cast("tuple[tuple[float, float, float], ...]", points1),
                   step2_points=cast("tuple[tuple[float, float], ...]", points2), notes=notes,
                   fit=MappingProxyType(fit))


def _check_step2(form: str, values: Mapping[str, float], where: str) -> None:
    """Step 2's coefficients in their ranges: a sigmoid falls from b ≤ 1 to a + b (a ∈ [−1, 0), k > 0); an
    exponential error rises to ε ∈ (0, 1] (k, γ > 0)."""
    limits = {"sigmoid": {"a": (-1.0, 0.0, "from -1 to below 0"), "b": (0.0, 1.0, "above 0 and at most 1"),
                          "k": (0.0, math.inf, "> 0")},
              "exponential": {"epsilon": (0.0, 1.0, "above 0 and at most 1"), "k": (0.0, math.inf, "> 0"),
                              "gamma": (0.0, math.inf, "> 0")}}[form]
    for key, (lo, hi, text) in limits.items():
        x = values[key]
        ok = (lo <= x < hi) if key == "a" else (lo < x <= hi) if hi == 1.0 else (x > lo)
        if not ok:
            raise PresetError(f"{key!r} must be {text} (got {x:g}) in {where}")


def _task_uncertainty(table, family, name: str, source: str):
    """(sample_names, samples, the other keys) of a task's ``uncertainty`` table: bootstrap refits of both steps."""
    if "uncertainty" not in table:
        return (), (), {}
    where = f"uncertainty of {name} of {source}"
    unc = typed(table["uncertainty"], dict, "uncertainty", f"{name} of {source}")
    check_keys(unc, _TASK_UNCERTAINTY_KEYS, f"uncertainty of {name}", source)
    out: dict[str, Any] = {}
    if "method" in unc:
        out["method"] = typed(unc["method"], str, "method", where)
    for key in ("n_resamples", "n_failed", "seed"):
        if key in unc:
            out[key] = typed(unc[key], int, key, where)
    if "samples" not in unc:
        if "sample_names" in unc:
            raise PresetError(f"'sample_names' needs 'samples' in {where}")
        return (), (), out
    allowed = STEP1_NAMES + family.coefficient_names
    names = tuple(typed(unc.get("sample_names", list(allowed)), list, "sample_names", where))
    if not names or len(set(names)) != len(names) or any(not isinstance(n, str) or n not in allowed for n in names):
        raise PresetError(f"'sample_names' must name distinct coefficients of the two steps ({', '.join(allowed)}); "
                          f"got {short(list(names))} in {where}")
    rows = matrix(unc["samples"], len(names), "samples", where)
    if len(rows) < 2:
        raise PresetError(f"'samples' must be at least 2 rows of {len(names)} numbers ({', '.join(names)}) in {where}")
    return names, rows, out


# ---------------------------------------------------------------------------------------------------------------------
# writing
