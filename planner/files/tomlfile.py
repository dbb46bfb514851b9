"""TOML files as planner reads them: size-limited reading, parsing, and the checks every table of a law file or a
task-law file goes through (types, known keys, ranges, matrices, the header every law file shares).

Each check raises :class:`~planner.base.errors.PresetError` with one line naming the key, its table and the file, so a
malformed file fails when it is read, never later in the command that uses it. The schemas built on these checks are
:mod:`planner.files.lawfile` (scaling laws) and :mod:`planner.files.taskfile` (task laws).
"""

from __future__ import annotations

import math
from typing import Any, Iterable, Mapping

from ..base.conventions import FLOPS_PER_PARAM_TOKEN, FLOPS_PER_PARAM_TOKEN_RANGE
from ..base.errors import LawFileError, PresetError, unknown_key

__all__ = ["MAX_LAW_FILE_BYTES", "RANGE_KEYS", "read_toml_text", "parse_toml", "typed", "is_finite", "short", "number",
           "subtable", "check_keys", "FILE_KINDS", "file_kind", "check_kind", "header", "range_pair", "matrix"]

#: The largest law file read (a fitted law with 100,000 bootstrap samples is about 8 MB).
MAX_LAW_FILE_BYTES = 32 * 1024 * 1024

#: The keys of a ``[fitted_range]`` table (and of a fit's data range): each a ``[low, high]`` pair.
RANGE_KEYS = ("n_params", "n_tokens", "flops")
_CITATION_KEYS = {"authors": str, "year": int, "title": str, "arxiv": str, "where": str, "url": str}
_CONVENTION_KEYS = {"parameters": str, "flops_per_param_token": float, "dataset": str}


def read_toml_text(path: str, what: str, example: tuple[str, ...]) -> str:
    """The text of the TOML ``what`` (e.g. "law file") at ``path``: a regular file of at most
    :data:`MAX_LAW_FILE_BYTES`; LawFileError naming ``example``, the words of a command that prints one, otherwise."""
    # planner.files.safe imports tempfile; plan --flops reads shipped presets through their cache, not through here.
    from ..base.hints import command
    from .safe import read_text

    return read_text(path, what, LawFileError, kind=f"a TOML {what}", limit=MAX_LAW_FILE_BYTES,
                     hint=lambda: f" ('{command(*example)}' prints one)")


def parse_toml(text: str, source: str, what: str) -> dict:
    """The TOML ``text`` parsed; LawFileError naming ``source`` where it is not TOML (or too deep to be ``what``)."""
    # tomllib stays off the plan --flops path: shipped presets come from the parse cache of planner.files.presets.
    import tomllib

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise LawFileError(f"{source} is not valid TOML: {e}") from None
    except RecursionError:   # how deep tomllib gets first depends on the interpreter's recursion limit
        data = None
    if data is None or _depth(data) > MAX_NESTING:
        raise LawFileError(f"{source} is nested too deeply to be {what}") from None
    return data


#: Tables and lists within each other deeper than this are no law file (the deepest shipped one nests 3 levels);
#: checked on the parsed data, so the answer does not hang on the recursion limit (mypy, for one, raises it).
MAX_NESTING = 32


def _depth(data: object) -> int:
    """How deeply lists and tables nest in ``data`` (a scalar is 0), without recursion."""
    deepest, stack = 0, [(data, 0)]
    while stack:
        item, level = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is not None:
            level += 1
            deepest = max(deepest, level)
            if deepest > MAX_NESTING:
                break
            stack.extend((child, level) for child in children)
    return deepest


def _type_name(t: type) -> str:
    return {str: "a string", int: "an integer", float: "a number", list: "a list", dict: "a table",
            bool: "true or false"}[t]


def typed(value: Any, expected: type, name: str, where: str) -> Any:
    """``value`` if it has the ``expected`` TOML type (an integer is a number too), else PresetError."""
    if expected is float and isinstance(value, int) and not isinstance(value, bool):
        try:
            value = float(value)
        except OverflowError:
            raise PresetError(f"{name!r} must be a number planner can compute with (got an integer of "
                              f"{len(str(abs(value)))} digits) in {where}") from None
    ok = isinstance(value, bool) if expected is bool else isinstance(value, expected) and not isinstance(value, bool)
    if not ok:
        raise PresetError(f"{name!r} must be {_type_name(expected)} (got {type(value).__name__} {short(value)}) "
                          f"in {where}")
    if expected is float and not math.isfinite(value):
        raise PresetError(f"{name!r} must be a finite number (got {value!r}) in {where}")
    return value


def is_finite(v: Any) -> bool:
    """A finite number (an integer too large for a float is not: it has no finite float value)."""
    try:
        return math.isfinite(v)
    except OverflowError:
        return False


def short(value: Any) -> str:
    """``repr(value)``, cut to 60 characters for an error message."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def number(value: Any, name: str, where: str, positive: bool = False) -> float:
    """A finite number (``> 0`` if ``positive``), else PresetError."""
    x = typed(value, float, name, where)
    if positive and not x > 0:
        raise PresetError(f"{name!r} must be > 0 (got {x:g}) in {where}")
    return x


def subtable(data: Mapping[str, Any], key: str, where: str) -> dict[str, Any]:
    """The table ``data[key]`` (empty if absent) as a new dict, else PresetError."""
    return dict(typed(data.get(key, {}), dict, key, where))


def check_keys(mapping: Mapping[str, Any], allowed: Iterable[str], name: str, where: str) -> None:
    """PresetError, with the closest allowed key, for a key of ``mapping`` (the table ``name``) not in ``allowed``."""
    for key in mapping:
        if key not in allowed:
            raise unknown_key(key, allowed, name, where)


#: The kinds of planner's TOML files: the placeholder of the argument each is given to (the command line words it
#: with its flag, :data:`planner.cli.errors.WORDS`) → what it is called and how the library loads it.
FILE_KINDS: Mapping[str, tuple[str, str]] = {
    "law_file": ("a loss-law (scaling-law) file", "load_law_file"),
    "task_law": ("a task-law file", "load_task_laws"),
    "hparam_law": ("a hyperparameter-law file", "load_hparam_law"),
}


def file_kind(form: str) -> str:
    """The kind (a key of :data:`FILE_KINDS`) of a file whose ``form`` is this: tasks, hparams, else a loss law."""
    return {"tasks": "task_law", "hparams": "hparam_law"}.get(form, "law_file")


def check_kind(data: Mapping[str, Any], kind: str, where: str) -> None:
    """PresetError where ``data`` is a file of another kind than ``kind`` (its ``form`` says which): one line naming
    what it is and where it goes, before any key of the wrong schema is blamed ("unknown key 'coefficients'")."""
    form = data.get("form")
    if not isinstance(form, str):
        return   # header() names a missing or mistyped form
    from ..laws import FAMILIES   # the loss-law forms; only a file of another kind needs them

    if form not in FAMILIES and form not in ("tasks", "hparams"):
        return   # an unknown form: the file's own loader lists the forms it takes
    other = file_kind(form)
    if other != kind:
        raise PresetError.worded("{where} is " + FILE_KINDS[other][0] + " (form {form}), not " + FILE_KINDS[kind][0]
                                 + ": pass it with {" + other + "}", where=where, form=repr(form),
                                 **{other: FILE_KINDS[other][1]})


def header(data: Mapping[str, Any], where: str, top_keys: Iterable[str], required: Iterable[str],
           kind: str = "law_file") -> dict[str, Any]:
    """The parts every law file shares, validated: id, title, form, aliases, notes, [citation], [conventions]
    (with ``flops_per_param_token`` defaulted); a file of another ``kind`` (:func:`check_kind`), unknown top-level
    keys and missing ``required`` ones are errors."""
    check_kind(data, kind, where)
    check_keys(data, top_keys, "the top level", where)
    for key in required:
        if key not in data:
            raise PresetError(f"missing key {key!r} in {where}")

    law_id = typed(data["id"], str, "id", where).strip()
    if not law_id:
        raise PresetError(f"'id' must not be empty in {where}")
    title = typed(data["title"], str, "title", where)
    form = typed(data["form"], str, "form", where)

    aliases = tuple(typed(a, str, "aliases", where).lower()
                    for a in typed(data.get("aliases", []), list, "aliases", where))
    notes = tuple(typed(n, str, "notes", where) for n in typed(data.get("notes", []), list, "notes", where))

    citation = subtable(data, "citation", where)
    check_keys(citation, _CITATION_KEYS, "[citation]", where)
    for key, value in citation.items():
        typed(value, _CITATION_KEYS[key], key, f"[citation] of {where}")
    for key in ("authors", "year", "title"):
        if key not in citation:
            raise PresetError(f"missing key {key!r} in [citation] of {where}")

    conventions = subtable(data, "conventions", where)
    check_keys(conventions, _CONVENTION_KEYS, "[conventions]", where)
    for key, value in conventions.items():
        conventions[key] = typed(value, _CONVENTION_KEYS[key], key, f"[conventions] of {where}")
    k = conventions.get("flops_per_param_token", FLOPS_PER_PARAM_TOKEN)
    lo, hi = FLOPS_PER_PARAM_TOKEN_RANGE
    if not lo <= k <= hi:
        raise PresetError(f"'flops_per_param_token' must lie within {lo:g}..{hi:g} FLOPs per parameter and token "
                          f"(6 for training: 2 forward, 4 backward) (got {k:g}) in [conventions] of {where}")
    return dict(id=law_id, title=title, form=form, aliases=aliases, notes=notes, citation=citation,
                conventions=conventions, k=k)


def range_pair(value: Any, key: str, where: str) -> tuple[float, float]:
    """A ``[low, high]`` pair with 0 < low <= high, as floats, else PresetError."""
    ok = isinstance(value, list) and len(value) == 2 and all(
        isinstance(v, (int, float)) and not isinstance(v, bool) and is_finite(v) and v > 0 for v in value)
    if not ok or value[0] > value[1]:
        raise PresetError(f"{key!r} must be [low, high] with 0 < low <= high (got {short(value)}) in {where}")
    return float(value[0]), float(value[1])



def matrix(value: Any, width: int, key: str, where: str) -> tuple[tuple[float, ...], ...]:
    """A list of rows of ``width`` finite numbers, as tuples of floats."""
    bad = PresetError(f"{key!r} must be a list of rows of {width} finite numbers in {where}")
    if not isinstance(value, list):
        raise bad
    rows = []
    for row in value:
        if not isinstance(row, list) or len(row) != width:
            raise bad
        try:
            floats = tuple(float(v) for v in row if not isinstance(v, bool))
        except (TypeError, ValueError, OverflowError):
            raise bad from None
        if len(floats) != width or not all(math.isfinite(v) for v in floats):
            raise bad
        rows.append(floats)
    return tuple(rows)
