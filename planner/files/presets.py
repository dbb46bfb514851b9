"""What ships with planner: the preset laws and the hardware catalogue, found by id or alias and loaded.

Presets are law files in the package's ``presets/`` folder, read and validated by :mod:`planner.files.lawfile`; the
hardware catalogue is ``presets/hardware.toml``, validated by :func:`planner.compute.hardware.chips_from_mapping`.
The core never loads a preset itself: what it needs from one (the repetition constants a law borrows, a design's
prior, the hyperparameter table) is passed in, found here by the caller.
"""

from __future__ import annotations

import dataclasses
import marshal
import os
import sys
from typing import TYPE_CHECKING, Mapping

from .. import __distribution__, __version__, _presets
from ..base.errors import PresetError, UnknownChipError, UnknownPresetError, did_you_mean
from ..base.hints import command as suggest
from ..laws.law import Law
from .lawfile import law_from_mapping, load_law_file
from .tomlfile import parse_toml, read_toml_text

if TYPE_CHECKING:
    from ..compute.hardware import Chip
    from ..laws.repetition import Repetition
    from ..laws.hparams import HparamLaw
    from ..laws.tasks import TaskLaws

__all__ = ["DEFAULT_PRESET", "REPETITION_PRESET", "HYPERPARAMETER_PRESET", "DISTILLATION_PRESET", "load_preset",
           "list_presets", "preset_ids", "preset_source", "repetition_for", "list_hardware", "load_chip",
           "task_preset_ids", "list_task_laws", "load_task_laws", "task_law_source", "TASKS_DIR",
           "HPARAMS_DIR", "hparam_law_ids", "list_hparam_laws", "load_hparam_law", "hparam_law_source"]

#: The law planner plans with when none is named: Besiroglu et al. 2024's refit of Chinchilla's Approach 3.
DEFAULT_PRESET = "besiroglu2024"
#: The preset whose fitted R_D*, R_N* a parametric law without a [repetition] table borrows (Muennighoff et al. 2023).
REPETITION_PRESET = "muennighoff2023"
#: The hyperparameter law --hparams uses when given alone (DeepSeek-AI 2024, §3.1).
HYPERPARAMETER_PRESET = "deepseek2024"
#: The preset 'plan distill' plans with when none is named: Busbridge et al. 2025's supervised and distillation laws.
DISTILLATION_PRESET = "busbridge2025"

#: Data files shipped next to the law presets that are not laws.
_DATA_FILES = ("hardware.toml",)
#: The folder of ``presets/`` that holds the task laws (form = "tasks"; :mod:`planner.laws.tasks`), apart from the
#: scaling laws so that :func:`preset_ids` and everything that plans with a law never meets one.
TASKS_DIR = "tasks"
#: The folder of ``presets/`` that holds the hyperparameter laws (form = "hparams"; :mod:`planner.laws.hparams`).
HPARAMS_DIR = "hparams"


def _preset_dir() -> str:
    return os.path.dirname(_presets.__file__)


def _shipped_text(name: str) -> str:
    with open(os.path.join(_preset_dir(), name), encoding="utf-8") as fh:
        return fh.read()


def preset_ids() -> list[str]:
    """Ids of the shipped presets, sorted."""
    return sorted(n[:-5] for n in os.listdir(_preset_dir()) if n.endswith(".toml") and n not in _DATA_FILES)


def list_presets() -> list[Law]:
    """Every shipped preset, loaded and validated, sorted by id."""
    return [_load_shipped(i) for i in preset_ids()]


def _load_shipped(preset_id: str) -> Law:
    return law_from_mapping(_shipped_data(f"{preset_id}.toml"), f"presets/{preset_id}.toml")


def _user_cache_dir() -> str | None:
    """Where parsed presets are cached, per the platform's convention; None where no such folder can be named.

    ``%LOCALAPPDATA%`` on Windows, ``~/Library/Caches`` on macOS, else ``$XDG_CACHE_HOME`` (if absolute, as the XDG
    Base Directory spec requires) or ``~/.cache``; in it the distribution's folder,
    ``scaling-planner/presets-<version>-<interpreter>``, since marshal data are specific to the interpreter (like a
    ``.pyc``). Never a folder inside the installed package.
    """
    if sys.platform == "win32":
        root = os.environ.get("LOCALAPPDATA", "")
    elif sys.platform == "darwin":
        root = os.path.join(os.path.expanduser("~"), "Library", "Caches")
    else:
        root = os.environ.get("XDG_CACHE_HOME", "")
        if not os.path.isabs(root):
            root = os.path.join(os.path.expanduser("~"), ".cache")
    if not os.path.isabs(root):   # no home folder to expand "~" to
        return None
    return os.path.join(root, __distribution__, f"presets-{__version__}-{sys.implementation.cache_tag}")


def _shipped_data(name: str) -> dict:
    """The parsed TOML of a shipped file, through a cache in the user's cache folder (:func:`_user_cache_dir`).

    Parsing needs :mod:`tomllib`, whose import and parse are a few percent of a ``plan`` run (bench/bench_cli.py).
    The parsed table is kept as :mod:`marshal` data together with the TOML text it came from, and used only when
    that text is the shipped file's text now, character for character. A missing, stale or unreadable cache is
    parsed again; an unwritable one is skipped silently; a cache is written to a temporary file and renamed into
    place, so a concurrent reader sees the old cache or the new one. Nothing is ever written inside the installed
    package (read-only and shared installs; a file left there after an uninstall turns ``planner/`` into a namespace
    package that shadows a reinstall). Validation (:func:`planner.files.lawfile.law_from_mapping`) runs on every load.
    """
    text = _shipped_text(name)
    folder = _user_cache_dir()
    cache = os.path.join(folder, name.replace("/", "--") + ".marshal") if folder else None
    if cache:
        try:
            with open(cache, "rb") as fh:
                cached_text, data = marshal.load(fh)
            if cached_text == text:
                return data
        except (OSError, EOFError, ValueError, TypeError):
            pass
    data = parse_toml(text, f"presets/{name}", "a law file")
    if cache and folder:
        tmp = f"{cache}.{os.getpid()}.tmp"
        try:
            blob = marshal.dumps((text, data))
            os.makedirs(folder, exist_ok=True)
            with open(tmp, "wb") as fh:
                fh.write(blob)
            os.replace(tmp, cache)
        except (OSError, ValueError):
            try:
                os.remove(tmp)
            except OSError:
                pass
    return data


def load_preset(name_or_path: str | os.PathLike, overrides: Mapping[str, float] | None = None) -> Law:
    """Load a shipped preset by id or alias, or a law file by path.

    A string containing a path separator or ending in ``.toml`` is read as a file.
    ``overrides`` replaces single coefficients (``{"alpha": 0.35}``).
    """
    law = _shipped_or_file(name_or_path, _find_shipped, load_law_file)
    return law.with_coefficients(**overrides) if overrides else law


def _shipped_or_file(name_or_path: str | os.PathLike, find, load_file):
    """A shipped law by id or alias (``find``), or a file (``load_file``): a path-like object, a name with a path
    separator or ending in ``.toml``, or, where no shipped id or alias matches, an existing file whatever its
    suffix (``plan fit-tasks -o mytasks.json`` wrote one, and its hint passes it back)."""
    text = os.fspath(name_or_path)
    if not isinstance(name_or_path, str) or "/" in text or os.sep in text or text.endswith(".toml"):
        return load_file(text)
    try:
        return find(text)
    except UnknownPresetError:
        if os.path.isfile(text):
            return load_file(text)
        raise


def _find_shipped(name: str) -> Law:
    return _find(name, preset_ids(), _load_shipped, "preset", ("presets",))


def _find(name: str, ids: list[str], load, what: str, command: tuple[str, ...]):
    """The shipped file with id or alias ``name`` (case-insensitive), loaded by ``load``; UnknownPresetError naming
    the closest ids and aliases otherwise."""
    key = name.strip().lower()
    if key in ids:
        return load(key)
    found = [load(i) for i in ids]
    for item in found:
        if key in item.aliases:
            return item
    hint = did_you_mean(key, ids + [a for item in found for a in item.aliases])
    raise UnknownPresetError(f"unknown {what} {name!r}{hint} (list them with '{suggest(*command)}')")


def _source_text(source: str, what: str, example: tuple[str, ...]) -> str:
    """The TOML text a law or task law was read from: a shipped file (``presets/...``) or the user's file (read as
    it was loaded, with the same limits)."""
    if source.startswith("presets/"):
        return _shipped_text(source.split("/", 1)[1])
    return read_toml_text(source, what, example)


def preset_source(law: Law) -> str:
    """The TOML text ``law`` was read from (a shipped preset or a law file)."""
    return _source_text(law.source, "law file", ("presets", "show", "besiroglu2024"))


def repetition_for(law: Law) -> Repetition:
    """The repetition constants to plan ``law`` on repeated data with: its own ``[repetition]`` table, or
    :data:`REPETITION_PRESET`'s, marked borrowed."""
    if law.repetition is not None:
        return law.repetition
    own = load_preset(REPETITION_PRESET).repetition
    if own is None:
        raise PresetError(f"presets/{REPETITION_PRESET}.toml has no [repetition] table, which plans on repeated data "
                          f"borrow for {law.id}; reinstall planner")
    return dataclasses.replace(own, borrowed=True)


# ---------------------------------------------------------------------------------------------------------------------
# task laws (presets/tasks/*.toml): benchmark accuracy from scale


def task_preset_ids() -> list[str]:
    """Ids of the shipped task laws, sorted."""
    return sorted(n[:-5] for n in os.listdir(os.path.join(_preset_dir(), TASKS_DIR)) if n.endswith(".toml"))


def _load_task_preset(preset_id: str) -> TaskLaws:
    # task laws only: laws.tasks is off the plan --flops path
    from .taskfile import task_laws_from_mapping

    name = f"{TASKS_DIR}/{preset_id}.toml"
    return task_laws_from_mapping(_shipped_data(name), f"presets/{name}")


def list_task_laws() -> list[TaskLaws]:
    """Every shipped task law (:class:`~planner.laws.tasks.TaskLaws`), loaded and validated, sorted by id."""
    return [_load_task_preset(i) for i in task_preset_ids()]


def load_task_laws(name_or_path: str | os.PathLike) -> TaskLaws:
    """A shipped task law by id or alias, or a task-law file by path (a name with a path separator or ending in
    ``.toml``); UnknownPresetError with the closest ids otherwise."""
    # task laws only: laws.tasks is off the plan --flops path
    from .taskfile import load_task_law_file

    return _shipped_or_file(name_or_path, lambda text: _find(text, task_preset_ids(), _load_task_preset, "task law",
                                                             ("tasks",)), load_task_law_file)


def task_law_source(laws: TaskLaws) -> str:
    """The TOML text a task law was read from (shipped or a file)."""
    return _source_text(laws.source, "task-law file", ("tasks", "show", "bhagia2024"))


# ---------------------------------------------------------------------------------------------------------------------
# hyperparameter laws (presets/hparams/*.toml): learning rate and batch size from N, D and C


def hparam_law_ids() -> list[str]:
    """Ids of the shipped hyperparameter laws, sorted."""
    return sorted(n[:-5] for n in os.listdir(os.path.join(_preset_dir(), HPARAMS_DIR)) if n.endswith(".toml"))


def _load_hparam_preset(preset_id: str):
    # hyperparameter laws only: the plan --flops path reads this module, not their schema
    from .hparamfile import hparam_law_from_mapping

    name = f"{HPARAMS_DIR}/{preset_id}.toml"
    return hparam_law_from_mapping(_shipped_data(name), f"presets/{name}")


def list_hparam_laws() -> "list[HparamLaw]":
    """Every shipped hyperparameter law (:class:`~planner.laws.hparams.HparamLaw`), loaded, sorted by id."""
    return [_load_hparam_preset(i) for i in hparam_law_ids()]


def load_hparam_law(name_or_path: str | os.PathLike) -> "HparamLaw":
    """A shipped hyperparameter law by id or alias, or a hyperparameter-law file by path (a name with a path
    separator or ending in ``.toml``); UnknownPresetError with the closest ids otherwise."""
    # hyperparameter laws only: the plan --flops path reads this module, not their schema
    from .hparamfile import load_hparam_law_file

    return _shipped_or_file(name_or_path, lambda text: _find(text, hparam_law_ids(), _load_hparam_preset,
                                                             "hyperparameter law", ("hparams", "--list")),
                            load_hparam_law_file)


def hparam_law_source(law) -> str:
    """The TOML text a hyperparameter law was read from (shipped or a file)."""
    return _source_text(law.source, "hyperparameter-law file", ("hparams", "--list"))


# ---------------------------------------------------------------------------------------------------------------------
# the hardware catalogue (presets/hardware.toml): one table per chip


def list_hardware() -> list[Chip]:
    """Every chip of the shipped catalogue (:class:`planner.compute.hardware.Chip`), in file order."""
    # plan hardware and --gpu only: the hardware module is off the plan --flops path
    from ..compute.hardware import chips_from_mapping

    return chips_from_mapping(_shipped_data("hardware.toml"), "presets/hardware.toml")


def load_chip(name: str) -> Chip:
    """The chip with id or alias ``name`` (case-insensitive); UnknownChipError with suggestions otherwise."""
    key = name.strip().lower()
    chips = list_hardware()
    for chip in chips:
        if key == chip.id or key in chip.aliases:
            return chip
    hint = did_you_mean(key, [c.id for c in chips] + [a for c in chips for a in c.aliases])
    raise UnknownChipError(f"unknown chip {name!r}{hint} (list them with '{suggest('hardware')}')")
