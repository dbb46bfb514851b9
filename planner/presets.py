"""Finding, parsing and validating law files: the only place that reads them.

A law file is TOML that describes itself (see ``presets/*.toml`` and the README)::

    id = "mylaw"                 # required
    title = "..."                # required
    form = "parametric"          # parametric | kaplan | allocation
    aliases = [...]; notes = [...]
    [citation]     authors, year, title, arxiv, where
    [conventions]  parameters ("total" / "non-embedding"), flops_per_param_token, dataset
    [coefficients] the form's coefficients under the paper's names
    [rule]         allocation only: gives = n_params | n_tokens | flops_per_token; flops_unit
    [fitted_range] n_params / n_tokens / flops = [low, high]
    and, kept as they are: [uncertainty] [calibration] [hyperparameters] [repetition] [fit]
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

from .errors import LawFileError, PresetError, UnknownChipError, UnknownPresetError
from .laws import ALLOCATION_GIVES, FORMS

__all__ = ["Law", "load_preset", "list_presets", "preset_ids", "preset_source", "load_law_file", "law_from_mapping", "DEFAULT_PRESET",
           "list_hardware", "load_chip", "hardware_from_mapping"]

DEFAULT_PRESET = "besiroglu2024"

#: Top-level tables kept verbatim for later features (intervals, repetition, hyperparameters, fits).
_FREE_TABLES = ("uncertainty", "calibration", "hyperparameters", "repetition", "fit")
_TOP_KEYS = ("id", "title", "form", "aliases", "notes", "citation", "conventions", "coefficients", "rule",
             "fitted_range") + _FREE_TABLES
_CITATION_KEYS = {"authors": str, "year": int, "title": str, "arxiv": str, "where": str, "url": str}
_CONVENTION_KEYS = {"parameters": str, "flops_per_param_token": float, "dataset": str}
_RANGE_KEYS = ("n_params", "n_tokens", "flops")


@dataclass(frozen=True)
class Law:
    """A scaling law with what is needed to use it honestly: its source and conventions.

    ``model`` is the law family (:mod:`planner.laws`) that does the arithmetic.
    """

    id: str
    title: str
    model: Any
    citation: Mapping[str, Any]
    parameters: str = "total"
    dataset: str = ""
    aliases: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    fitted_range: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    extra: Mapping[str, Any] = field(default_factory=dict)
    source: str = ""

    @property
    def form(self) -> str:
        return self.model.form

    @property
    def has_loss(self) -> bool:
        return self.model.has_loss

    @property
    def coefficients(self) -> dict[str, float]:
        return {name: getattr(self.model, name) for name in self.model.coefficient_names}

    @property
    def flops_per_param_token(self) -> float:
        return self.model.flops_per_param_token

    @property
    def short_citation(self) -> str:
        """``'Hoffmann et al. 2022, arXiv:2203.15556'``."""
        c = self.citation
        authors = [a.strip() for a in c.get("authors", "").split(" and ") if a.strip()]
        if not authors:
            who = "unknown authors"
        elif len(authors) == 1:
            who = authors[0]
        else:
            who = authors[0].split()[-1] + (" et al." if len(authors) > 2 else " and " + authors[1].split()[-1])
        text = f"{who} {c.get('year', '')}".strip()
        if c.get("arxiv"):
            text += f", arXiv:{c['arxiv']}"
        return text

    def with_coefficients(self, **overrides: float) -> "Law":
        """A copy with some coefficients replaced (``alpha=0.35``), validated like a law file."""
        for name, value in overrides.items():
            _check_coefficient(self.model, name, value, where="--set")
        model = dataclasses.replace(self.model, **overrides)
        note = "coefficients overridden: " + ", ".join(f"{k} = {v:g}" for k, v in overrides.items())
        return dataclasses.replace(self, model=model, notes=self.notes + (note,))


# ---------------------------------------------------------------------------------------------------------------------
# finding presets


def _preset_dir():
    return resources.files("planner._presets")


#: Data files shipped next to the law presets that are not laws.
_DATA_FILES = ("hardware.toml",)


def preset_ids() -> list[str]:
    """Ids of the shipped presets, sorted."""
    return sorted(p.name[:-5] for p in _preset_dir().iterdir()
                  if p.name.endswith(".toml") and p.name not in _DATA_FILES)


def list_presets() -> list[Law]:
    """Every shipped preset, loaded and validated, sorted by id."""
    return [_load_shipped(i) for i in preset_ids()]


def _load_shipped(preset_id: str) -> Law:
    res = _preset_dir() / f"{preset_id}.toml"
    return law_from_mapping(_parse(res.read_text(encoding="utf-8"), f"presets/{preset_id}.toml"),
                            source=f"presets/{preset_id}.toml")


def load_preset(name_or_path: str | Path, overrides: Mapping[str, float] | None = None) -> Law:
    """Load a shipped preset by id or alias, or a law file by path.

    A string containing a path separator or ending in ``.toml`` is read as a file.
    ``overrides`` replaces single coefficients (``{"alpha": 0.35}``).
    """
    text = str(name_or_path)
    if isinstance(name_or_path, Path) or "/" in text or text.endswith(".toml"):
        law = load_law_file(text)
    else:
        law = _find_shipped(text)
    return law.with_coefficients(**overrides) if overrides else law


def _find_shipped(name: str) -> Law:
    key = name.strip().lower()
    ids = preset_ids()
    if key in ids:
        return _load_shipped(key)
    laws = [_load_shipped(i) for i in ids]
    for law in laws:
        if key in law.aliases:
            return law
    names = ids + [a for law in laws for a in law.aliases]
    close = difflib.get_close_matches(key, names, n=3, cutoff=0.5)
    hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
    raise UnknownPresetError(f"unknown preset {name!r}{hint} (list them with 'plan presets')")


def preset_source(law: Law) -> str:
    """The TOML text ``law`` was read from (a shipped preset or a law file)."""
    if law.source.startswith("presets/"):
        return (_preset_dir() / law.source.split("/", 1)[1]).read_text(encoding="utf-8")
    return Path(law.source).read_text(encoding="utf-8")


def load_law_file(path: str | Path) -> Law:
    """Read and validate a law file from disk."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise LawFileError(f"law file {str(p)!r} not found") from None
    except UnicodeDecodeError as e:
        raise LawFileError(f"law file {str(p)!r} is not UTF-8 text (byte {e.start}: {e.reason}); give a TOML law file "
                           "saved as UTF-8 ('plan presets show besiroglu2024' prints one)") from None
    except OSError as e:
        raise LawFileError(f"cannot read law file {str(p)!r}: {getattr(e, 'strerror', None) or e}") from None
    return law_from_mapping(_parse(text, str(p)), source=str(p))


def _parse(text: str, where: str) -> dict:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise LawFileError(f"{where} is not valid TOML: {e}") from None


# ---------------------------------------------------------------------------------------------------------------------
# validation


def _unknown_key(key: str, allowed, table: str, where: str) -> PresetError:
    close = difflib.get_close_matches(key, list(allowed), n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]!r}?" if close else f"; expected one of {', '.join(allowed)}"
    return PresetError(f"unknown key {key!r} in {table} of {where}{hint}")


def _typed(value, expected: type, name: str, where: str):
    if expected is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if not isinstance(value, expected) or isinstance(value, bool):
        raise PresetError(
            f"{name!r} must be {_type_name(expected)} (got {type(value).__name__} {value!r}) in {where}"
        )
    return value


def _type_name(t: type) -> str:
    return {str: "a string", int: "an integer", float: "a number", list: "a list", dict: "a table"}[t]


def _check_coefficient(model_cls, name: str, value, where: str) -> float:
    allowed = model_cls.coefficient_names
    if name not in allowed:
        raise _unknown_key(name, allowed, "[coefficients]", where)
    value = _typed(value, float, name, where)
    if not math.isfinite(value):
        raise PresetError(f"{name!r} must be finite (got {value!r}) in {where}")
    if name == "E":
        if value < 0:
            raise PresetError(f"'E' must be >= 0 (got {value:g}) in {where}")
    elif name == "exponent" and model_cls.form == "allocation":
        if not 0 < value < 1:
            raise PresetError(f"'exponent' must be between 0 and 1 (got {value:g}) in {where}")
    elif value <= 0:
        raise PresetError(f"{name!r} must be > 0 (got {value:g}) in {where}")
    return value


def law_from_mapping(data: Mapping[str, Any], source: str = "<mapping>") -> Law:
    """Validate a parsed law file and build the :class:`Law`. Errors name the key and ``source``."""
    where = source
    for key in data:
        if key not in _TOP_KEYS:
            raise _unknown_key(key, _TOP_KEYS, "the top level", where)
    for key in ("id", "title", "form", "citation", "coefficients"):
        if key not in data:
            raise PresetError(f"missing key {key!r} in {where}")

    law_id = _typed(data["id"], str, "id", where)
    title = _typed(data["title"], str, "title", where)
    form = _typed(data["form"], str, "form", where)
    if form not in FORMS:
        raise PresetError(f"'form' must be one of {', '.join(FORMS)} (got {form!r}) in {where}")
    model_cls = FORMS[form]

    aliases = tuple(_typed(a, str, "aliases", where).lower() for a in _typed(data.get("aliases", []), list, "aliases", where))
    notes = tuple(_typed(n, str, "notes", where) for n in _typed(data.get("notes", []), list, "notes", where))

    citation = _typed(data["citation"], dict, "citation", where)
    for key, value in citation.items():
        if key not in _CITATION_KEYS:
            raise _unknown_key(key, _CITATION_KEYS, "[citation]", where)
        _typed(value, _CITATION_KEYS[key], key, f"[citation] of {where}")
    for key in ("authors", "year", "title"):
        if key not in citation:
            raise PresetError(f"missing key {key!r} in [citation] of {where}")

    conventions = dict(_typed(data.get("conventions", {}), dict, "conventions", where))
    for key, value in conventions.items():
        if key not in _CONVENTION_KEYS:
            raise _unknown_key(key, _CONVENTION_KEYS, "[conventions]", where)
        conventions[key] = _typed(value, _CONVENTION_KEYS[key], key, f"[conventions] of {where}")
    k = conventions.get("flops_per_param_token", 6.0)
    if not (math.isfinite(k) and k > 0):
        raise PresetError(f"'flops_per_param_token' must be > 0 (got {k:g}) in [conventions] of {where}")

    coefficients = _typed(data["coefficients"], dict, "coefficients", where)
    kwargs = {}
    for key, value in coefficients.items():
        kwargs[key] = _check_coefficient(model_cls, key, value, f"[coefficients] of {where}")
    for key in model_cls.coefficient_names:
        if key not in kwargs:
            raise PresetError(f"missing coefficient {key!r} in [coefficients] of {where} (form {form!r} needs "
                              f"{', '.join(model_cls.coefficient_names)})")

    rule = _typed(data.get("rule", {}), dict, "rule", where)
    if form == "allocation":
        for key in rule:
            if key not in ("gives", "flops_unit"):
                raise _unknown_key(key, ("gives", "flops_unit"), "[rule]", where)
        gives = _typed(rule.get("gives", ""), str, "gives", f"[rule] of {where}")
        if gives not in ALLOCATION_GIVES:
            raise PresetError(f"'gives' must be one of {', '.join(ALLOCATION_GIVES)} (got {gives!r}) in [rule] of {where}")
        unit = _typed(rule.get("flops_unit", 1.0), float, "flops_unit", f"[rule] of {where}")
        if not (math.isfinite(unit) and unit > 0):
            raise PresetError(f"'flops_unit' must be > 0 (got {unit:g}) in [rule] of {where}")
        kwargs.update(gives=gives, flops_unit=unit)
    elif rule:
        raise PresetError(f"[rule] is only for form 'allocation' (this law is {form!r}) in {where}")
    model = model_cls(flops_per_param_token=k, **kwargs)

    fitted_range = {}
    for key, value in _typed(data.get("fitted_range", {}), dict, "fitted_range", where).items():
        if key not in _RANGE_KEYS:
            raise _unknown_key(key, _RANGE_KEYS, "[fitted_range]", where)
        ok = isinstance(value, list) and len(value) == 2 and all(
            isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) and v > 0 for v in value)
        if not ok or value[0] > value[1]:
            raise PresetError(f"{key!r} must be [low, high] with 0 < low <= high (got {value!r}) "
                              f"in [fitted_range] of {where}")
        fitted_range[key] = (float(value[0]), float(value[1]))

    extra = {key: data[key] for key in _FREE_TABLES if key in data}
    return Law(
        id=law_id, title=title, model=model, citation=MappingProxyType(dict(citation)),
        parameters=conventions.get("parameters", "total"), dataset=conventions.get("dataset", ""),
        aliases=aliases, notes=notes, fitted_range=MappingProxyType(fitted_range),
        extra=MappingProxyType(extra), source=source,
    )


# ---------------------------------------------------------------------------------------------------------------------
# the hardware catalogue (presets/hardware.toml): one table per chip

_CHIP_KEYS = {"name": str, "aliases": list, "peak_flops_per_second": float, "source": str}


def list_hardware():
    """Every chip of the shipped catalogue (:class:`planner.hardware.Chip`), in file order."""
    where = "presets/hardware.toml"
    return hardware_from_mapping(_parse((_preset_dir() / "hardware.toml").read_text(encoding="utf-8"), where), where)


def load_chip(name: str):
    """The chip with id or alias ``name`` (case-insensitive); UnknownChipError with suggestions otherwise."""
    key = name.strip().lower()
    chips = list_hardware()
    for chip in chips:
        if key == chip.id or key in chip.aliases:
            return chip
    names = [c.id for c in chips] + [a for c in chips for a in c.aliases]
    close = difflib.get_close_matches(key, names, n=3, cutoff=0.5)
    hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
    raise UnknownChipError(f"unknown chip {name!r}{hint} (list them with 'plan hardware')")


def hardware_from_mapping(data: Mapping[str, Any], source: str = "<mapping>"):
    """Validate a parsed hardware catalogue and build its chips. Errors name the chip, the key and ``source``."""
    from .hardware import Chip

    chips = []
    for chip_id, table in data.items():
        where = f"[{chip_id}] of {source}"
        table = _typed(table, dict, chip_id, source)
        for key in table:
            if key not in _CHIP_KEYS:
                raise _unknown_key(key, _CHIP_KEYS, f"[{chip_id}]", source)
        for key in ("name", "peak_flops_per_second", "source"):
            if key not in table:
                raise PresetError(f"missing key {key!r} in {where}")
        values = {key: _typed(value, _CHIP_KEYS[key], key, where) for key, value in table.items()}
        peak = values["peak_flops_per_second"]
        if not (math.isfinite(peak) and peak > 0):
            raise PresetError(f"'peak_flops_per_second' must be > 0 (got {peak:g}) in {where}")
        aliases = tuple(_typed(a, str, "aliases", where).lower() for a in values.get("aliases", []))
        chips.append(Chip(id=chip_id.lower(), name=values["name"], peak_flops_per_second=peak,
                          source=values["source"], aliases=aliases))
    return chips
