"""Shell completion (click's ``_PLAN_COMPLETE``): preset ids, chip ids, task laws and their tasks; --format's choices
and paths complete by their type."""

from __future__ import annotations

from ..base.errors import PlannerError
from ..files.presets import list_hardware, list_presets, list_task_laws, load_task_laws

__all__ = ["complete_preset", "complete_presets", "complete_chip", "complete_path", "complete_task_law",
           "complete_task"]


def _names(items, incomplete: str, listed: bool = False):
    """Completion items: the ``(name, help)`` pairs that start with ``incomplete`` (with ``listed``, with its last
    comma-separated item: ``epoch,chin`` completes to ``epoch,chinchilla``)."""
    # only when the shell asks for completions
    from click.shell_completion import CompletionItem

    head, _, last = incomplete.rpartition(",") if listed else ("", "", incomplete)
    prefix = head + "," if head else ""
    return [CompletionItem(prefix + name, help=help) for name, help in items if name.startswith(last)]


def _preset_names():
    return [(name, f"{law.title} ({law.short_citation})") for law in list_presets()
            for name in (law.id, *law.aliases)]


def complete_preset(ctx, param, incomplete):
    """Preset ids and aliases (law files complete as paths once the text has a / or a suffix)."""
    return _names(_preset_names(), incomplete)


def complete_presets(ctx, param, incomplete):
    """Preset ids and aliases, for a comma-separated list."""
    return _names(_preset_names(), incomplete, listed=True)


def complete_chip(ctx, param, incomplete):
    """Chip ids and aliases of the hardware catalogue."""
    return _names([(name, chip.name) for chip in list_hardware() for name in (chip.id, *chip.aliases)], incomplete)


def complete_path(ctx, param, incomplete):
    """A file argument (RUNS, LADDER): the shell lists the files. (Not a click.Path: the reader checks the file
    itself, with planner's own messages, and takes - for stdin.)"""
    # only when the shell asks for completions
    from click.shell_completion import CompletionItem

    return [CompletionItem(incomplete, type="file")]


def complete_task_law(ctx, param, incomplete):
    """Shipped task-law ids and aliases (--tasks)."""
    return _names([(name, f"{laws.title} ({laws.short_citation})") for laws in list_task_laws()
                   for name in (laws.id, *laws.aliases)], incomplete)


def complete_task(ctx, param, incomplete):
    """The tasks of the --tasks law on the line so far (of every shipped task law if none is given yet)."""
    given = (ctx.params.get("task_law") if ctx is not None else None)
    try:
        laws = [load_task_laws(given)] if given else list_task_laws()
    except PlannerError:
        return []
    names = {task.id: task.name for law in laws for task in law.tasks}
    return _names(sorted(names.items()), incomplete)
