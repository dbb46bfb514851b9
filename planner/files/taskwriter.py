"""Writing task laws as a task-law file (the format of :mod:`planner.files.taskfile`), in the one TOML style of
:mod:`planner.files.tomlwriter`: what ``plan fit-tasks -o`` writes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable, cast

from .tomlwriter import assign, inline_table, toml_float, toml_pair, toml_rows, toml_string

if TYPE_CHECKING:
    from ..laws.tasks import TaskLaws

__all__ = ["task_law_file_text"]


def task_law_file_text(laws: TaskLaws, comment: Iterable[str] = (), sample_digits: int = 8) -> str:
    """The TOML text of a task-law file for ``laws`` (a :class:`~planner.laws.tasks.TaskLaws`); it reads back with
    :func:`planner.files.taskfile.parse_task_law_text` to the same tasks (bootstrap samples to ``sample_digits`` significant figures)."""
    lines = [f"# {c}" for c in comment]
    lines += [assign("id", laws.id), assign("title", laws.title), assign("form", "tasks")]
    if laws.aliases:
        lines.append(assign("aliases", list(laws.aliases)))
    lines += ["notes = [", *(f"  {toml_string(n)}," for n in laws.notes), "]", "", "[citation]"]
    lines += [assign(key, value) for key, value in laws.citation.items()]
    lines += ["", "[conventions]", assign("parameters", laws.parameters),
              assign("flops_per_param_token", float(laws.flops_per_param_token))]
    if laws.dataset:
        lines.append(assign("dataset", laws.dataset))
    if laws.fit:
        lines += ["", "[fit]", *(assign(key, value) for key, value in laws.fit.items())]
    for task in laws.tasks:
        lines += ["", f"[tasks.{task.id}]"]
        if task.name:
            lines.append(assign("name", task.name))
        lines += [assign("metric", task.metric), assign("chance", float(task.chance))]
        if task.task_loss_unit:
            lines.append(assign("task_loss", task.task_loss_unit))
        if task.notes:
            lines += ["notes = [", *(f"  {toml_string(n)}," for n in task.notes), "]"]
        step1 = {n: getattr(task.loss_law, n) for n in task.loss_law.coefficient_names}
        step2 = {"form": task.accuracy_law.form,
                 **{n: getattr(task.accuracy_law, n) for n in task.accuracy_law.coefficient_names}}
        lines.append("step1 = " + inline_table(step1))
        lines.append("step2 = " + inline_table(step2, lambda v: toml_string(v) if isinstance(v, str) else toml_float(v)))
        if task.fitted_range:
            lines.append("fitted_range = " + inline_table(task.fitted_range, toml_pair))
        if task.step1_points:
            lines += toml_rows("step1_points", task.step1_points, 10)
        if task.step2_points:
            lines += toml_rows("step2_points", task.step2_points, 10)
        if task.fit:
            lines += ["", f"[tasks.{task.id}.fit]"]
            lines += [assign(key, list(cast(Iterable[str], v)) if key == "warnings" else v) for key, v in task.fit.items()]
        if task.uncertainty or task.samples:
            lines += ["", f"[tasks.{task.id}.uncertainty]"]
            lines += [assign(key, value) for key, value in task.uncertainty.items()]
            if task.samples:
                lines.append(assign("sample_names", list(task.sample_names)))
                lines += toml_rows("samples", task.samples, sample_digits)
    return "\n".join(lines) + "\n"
