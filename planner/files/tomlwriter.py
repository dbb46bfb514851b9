"""Writing TOML, in one style for every file planner writes (fitted laws, fitted task laws): ``key = value`` lines
built from the values themselves, floats ``repr``-exact unless a number of significant figures is asked for.

The writers are :mod:`planner.files.lawwriter` and :mod:`planner.files.taskwriter`; what they write reads back
through :mod:`planner.files.lawfile` and :mod:`planner.files.taskfile`.
"""

from __future__ import annotations

import math
from typing import Any, Callable, Iterable, Mapping

__all__ = ["toml_string", "toml_float", "toml_value", "assign", "inline_table", "toml_pair", "toml_rows",
           "finite_values"]


def toml_string(s: str) -> str:
    """A TOML basic string (JSON's escapes are valid TOML escapes)."""
    # json is not needed on the plan --flops path (nothing is written there).
    import json

    return json.dumps(s, ensure_ascii=False)


def toml_float(x: float, digits: int = 17) -> str:
    """A TOML float: ``repr``-exact by default, else ``digits`` significant figures; never ``nan``/``inf`` (callers
    filter them; ValueError otherwise)."""
    x = float(x)
    if not math.isfinite(x):
        raise ValueError(f"cannot write {x!r} to a law file")
    text = repr(x) if digits >= 17 else f"{x:.{digits}g}"
    if not any(c in text for c in ".eE"):
        text += ".0"
    return text


def toml_value(x: Any) -> str:
    """A TOML value for a boolean, integer, float, string, or a list or tuple of them."""
    if isinstance(x, bool):
        return "true" if x else "false"
    if isinstance(x, int):
        return str(x)
    if isinstance(x, float):
        return toml_float(x)
    if isinstance(x, (list, tuple)):
        return "[" + ", ".join(toml_value(v) for v in x) + "]"
    return toml_string(str(x))


def assign(key: str, value: Any) -> str:
    """The line ``key = value`` (ValueError naming ``key`` for a value a law file cannot hold, like inf)."""
    return f"{key} = {_named(key, toml_value, value)}"


def inline_table(mapping: Mapping[str, Any], fmt: Callable[[Any], str] = toml_float) -> str:
    """``{ key = value, ... }`` with each value written by ``fmt``."""
    return "{ " + ", ".join(f"{k} = {_named(k, fmt, v)}" for k, v in mapping.items()) + " }"


def _named(key: str, fmt: Callable[[Any], str], value: Any) -> str:
    """``fmt(value)``, its ValueError re-worded to name ``key``: which value of a fitted law is not a number."""
    try:
        return fmt(value)
    except ValueError:
        shown = ", ".join(f"{float(v):g}" for v in value) if isinstance(value, (list, tuple)) else f"{value!r}"
        raise ValueError(f"{key} = {shown} is not a finite number, which a law file cannot hold") from None


def toml_pair(lo_hi: Iterable[float]) -> str:
    """``[low, high]``."""
    lo, hi = lo_hi
    return f"[{toml_float(lo)}, {toml_float(hi)}]"


def toml_rows(key: str, rows: Iterable[Iterable[float]], digits: int) -> list[str]:
    """The lines of ``key = [ [row], ... ]``, one row a line, each number to ``digits`` significant figures."""
    return [f"{key} = ["] + ["  [" + ", ".join(toml_float(v, digits) for v in row) + "]," for row in rows] + ["]"]


def finite_values(mapping: Mapping[str, float | None]) -> dict[str, float]:
    """The entries of ``mapping`` with a finite value (a law file has no nan or inf)."""
    return {k: v for k, v in mapping.items() if v is not None and math.isfinite(v)}
